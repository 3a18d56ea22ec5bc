//! The unit of work, as the store sees it: over random command sequences (payments, appeals,
//! refunds, unsubscriptions, renewals, `tick`), every commit writes each target at most once,
//! and a commit carrying a version other than the target's is refused, never saved (a stale
//! load: `tick` decides a page's apps on the versions it loaded at the start of the page, and one
//! an order changed meanwhile is decided again). The stores cannot catch a double write
//! themselves: both writes would carry the same expected version.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use appmarket::catalog::{Page, PreparedQuery};
use appmarket::store::{Commit, Record, RequestRecord, Sequence, Store, StoreSnapshot};
use appmarket::*;
use appmarket_tests::commands::{World, op, run_checked};
use chrono::{DateTime, Utc};
use proptest::prelude::*;

/// A memory store that checks each commit before passing it on, and keeps what it found wrong.
struct Watching {
    inner: MemoryStore,
    faults: Mutex<Vec<String>>,
}

impl Watching {
    /// The commit's faults: double writes, and the stale writes it carries (which the store
    /// must refuse).
    fn check(&self, commit: &Commit) -> (Vec<String>, Vec<String>) {
        let mut seen = HashSet::new();
        let (mut doubles, mut stale) = (Vec::new(), Vec::new());
        for w in &commit.writes {
            let target = w.record.target();
            if !seen.insert(target.clone()) {
                doubles.push(format!("{target} written twice in one commit"));
            }
            let now = self.inner.load(&target).unwrap().map_or(0, |(_, v)| v);
            if now != w.expected_version {
                stale.push(format!("{target} written at version {} but is at {now}", w.expected_version));
            }
        }
        (doubles, stale)
    }
}

impl Store for Watching {
    fn load(&self, target: &Target) -> Result<Option<(Record, u64)>, Error> {
        self.inner.load(target)
    }
    fn product(&self, id: &ProductId) -> Result<Option<Arc<Product>>, Error> {
        self.inner.product(id)
    }
    fn commit(&self, commit: Commit, at: DateTime<Utc>) -> Result<u64, Error> {
        let (doubles, stale) = self.check(&commit);
        let result = self.inner.commit(commit, at);
        let mut faults = self.faults.lock().unwrap();
        faults.extend(doubles);
        if result.is_ok() && !stale.is_empty() {
            faults.push(format!("a stale commit was saved: {stale:?}"));
        }
        result
    }
    fn next_number(&self, sequence: Sequence) -> Result<u64, Error> {
        self.inner.next_number(sequence)
    }
    fn search(&self, query: &PreparedQuery<'_>) -> Result<Page<Product>, Error> {
        self.inner.search(query)
    }
    fn orders_of(&self, c: &CustomerId, f: &OrderFilter, page: u32, size: u32) -> Result<Page<Order>, Error> {
        self.inner.orders_of(c, f, page, size)
    }
    fn apps_of(&self, c: &CustomerId, f: &AppFilter, page: u32, size: u32) -> Result<Page<PurchasedApp>, Error> {
        self.inner.apps_of(c, f, page, size)
    }
    fn flows_of(&self, p: &Actor, f: &FlowFilter, page: u32, size: u32) -> Result<Page<ServiceFlow>, Error> {
        self.inner.flows_of(p, f, page, size)
    }
    fn open_appeals(&self) -> Result<Vec<Appeal>, Error> {
        self.inner.open_appeals()
    }
    fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Target>, Error> {
        self.inner.due(now, limit)
    }
    fn next_due(&self, after: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error> {
        self.inner.next_due(after)
    }
    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>, Error> {
        self.inner.events_since(cursor, limit)
    }
    fn records(&self, target: &Target, after: u64, limit: usize) -> Result<Vec<Event>, Error> {
        self.inner.records(target, after, limit)
    }
    fn request(&self, actor: &Actor, id: &RequestId) -> Result<Option<RequestRecord>, Error> {
        self.inner.request(actor, id)
    }
    fn prune_requests(&self, before: DateTime<Utc>) -> Result<u64, Error> {
        self.inner.prune_requests(before)
    }
    fn secret(&self, app: &AppId) -> Result<Option<Secret>, Error> {
        self.inner.secret(app)
    }
    fn marketplace_id(&self, proposed: &str) -> Result<String, Error> {
        self.inner.marketplace_id(proposed)
    }
    fn claim(&self, target: &Target, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool, Error> {
        self.inner.claim(target, now, until)
    }
    fn release(&self, target: &Target) -> Result<(), Error> {
        self.inner.release(target)
    }
}

fn watched() -> (World, Arc<Watching>) {
    let store = Arc::new(Watching { inner: MemoryStore::new(), faults: Mutex::new(Vec::new()) });
    let reader = Arc::clone(&store);
    let world = World::with_store(store.clone(), move || -> StoreSnapshot { reader.inner.snapshot() });
    (world, store)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, max_shrink_iters: 300, ..ProptestConfig::default() })]

    #[test]
    fn every_commit_writes_each_target_once_at_its_loaded_version(ops in prop::collection::vec(op(), 1..40)) {
        let (mut world, store) = watched();
        run_checked(&mut world, &ops);
        let faults = store.faults.lock().unwrap().clone();
        prop_assert!(faults.is_empty(), "{:?}", faults);
    }
}
