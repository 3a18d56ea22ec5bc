//! The working copies of a preview (UPC-1): records a [`Unit`](super::Unit) decides on instead of
//! the store's, kept from one step to the next, with numbers of their own for what the steps
//! create. Nothing in a sandbox reaches the store or the gateway.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use crate::actor::Target;
use crate::store::Record;

/// The sandbox's map: foldhash, as in the memory store (SipHash showed in the preview's
/// profile).
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Working copies, by target.
pub(crate) struct Sandbox {
    records: RefCell<Map<Target, Record>>,
    /// The last number given to an aggregate a step created, counting down from the top of the
    /// range, far from the store's sequences.
    numbered: Cell<u64>,
}

impl Sandbox {
    /// An empty sandbox with room for `n` working copies.
    pub(crate) fn with_capacity(n: usize) -> Sandbox {
        let records = Map::with_capacity_and_hasher(n, Default::default());
        Sandbox { records: RefCell::new(records), numbered: Cell::new(u64::MAX) }
    }

    /// Keeps a working copy, replacing the one of the same target.
    pub(crate) fn put(&self, record: Record) {
        self.records.borrow_mut().insert(record.target(), record);
    }

    /// Takes the working copy of `target` out, for a unit to decide on; `None` when the sandbox
    /// has none (the store's is read then).
    pub(crate) fn take(&self, target: &Target) -> Option<Record> {
        self.records.borrow_mut().remove(target)
    }

    /// A number for an aggregate a step creates: never one the store gave.
    pub(crate) fn next_number(&self) -> u64 {
        let n = self.numbered.get();
        self.numbered.set(n - 1);
        n
    }
}
