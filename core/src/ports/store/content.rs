//! A store's whole content, item by item: how an operator's tool copies a marketplace from one
//! store to another (`appmarket migrate`), or reads all of it (`appmarket verify`, `status`).
//!
//! [`Portable::export`] streams what a store holds to a sink, from one consistent read (a
//! snapshot: commits made meanwhile are not in it), never the whole store in memory: the
//! persisted stores read it in batches. [`Portable::import`] writes such a stream into an empty
//! store in one transaction: nothing of it is visible before it ends, and a failed or
//! interrupted import leaves the store empty. [`Portable::census`] counts what a store holds.
//! No I/O here: each store implements the port on its own tables.

use std::fmt;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::{Record, RequestRecord, Sequence, Store};
use crate::actor::{AppId, Target};
use crate::error::Error;
use crate::event::Event;
use crate::secret::Secret;

/// The kinds of record, in the order of [`Target`]'s variants (`Target::kind_and_id`): how
/// [`Census`] names its counts.
pub const RECORD_KINDS: [&str; 8] = ["account", "product", "saved_list", "order", "app", "flow", "appeal", "invoice"];

/// A record as a store keeps it: the aggregate, its version and when `tick` must next look at it.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    /// The record.
    pub record: Record,
    /// Its version: how many commits wrote it.
    pub version: u64,
    /// When `tick` must next look at it (the due index).
    pub due: Option<DateTime<Utc>>,
}

/// One item of a store's content.
///
/// [`Portable::export`] gives them in this order: the marketplace id, the sequences, the
/// records (each kind in its creation order, which the listings follow, products included), the
/// events by number, the passwords, the request records.
#[derive(Clone, PartialEq)]
pub enum Item {
    /// The marketplace id the store is bound to ([`Store::marketplace_id`]).
    MarketplaceId(String),
    /// A sequence and the last number it handed out or reserved: a store that imports it never
    /// hands out a number up to it again.
    Sequence(Sequence, u64),
    /// A record with its version and due instant.
    Record(Kept),
    /// An event, with its number in the stream.
    Event(Event),
    /// An app's password (APP-5), opened: the store that imports it seals it with its own key.
    Secret(AppId, Secret),
    /// A remembered request id and its outcome.
    Request(RequestRecord),
}

impl fmt::Debug for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::MarketplaceId(id) => f.debug_tuple("MarketplaceId").field(id).finish(),
            Item::Sequence(s, n) => f.debug_tuple("Sequence").field(s).field(n).finish(),
            Item::Record(k) => f.debug_tuple("Record").field(&k.record.target()).field(&k.version).finish(),
            Item::Event(e) => f.debug_tuple("Event").field(&e.seq).finish(),
            // `Secret`'s Debug shows no password.
            Item::Secret(app, s) => f.debug_tuple("Secret").field(app).field(s).finish(),
            Item::Request(r) => f.debug_tuple("Request").field(&r.actor).field(&r.id).finish(),
        }
    }
}

/// How much a store holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Census {
    /// The marketplace id, when one is recorded.
    pub marketplace_id: Option<String>,
    /// Records of each kind, in the order of [`RECORD_KINDS`].
    pub records: [u64; 8],
    /// Events.
    pub events: u64,
    /// The number of the last event (0 when there is none).
    pub last_seq: u64,
    /// Apps with a password kept.
    pub secrets: u64,
    /// Request records.
    pub requests: u64,
    /// The sequences recorded, with their values, in [`columns::SEQUENCES`](super::columns::SEQUENCES) order.
    pub sequences: Vec<(Sequence, u64)>,
    /// Due records of each kind, in the order of [`RECORD_KINDS`].
    pub due: [u64; 8],
    /// The earliest due instant, if anything is due.
    pub next_due: Option<DateTime<Utc>>,
    /// Claims on due items still in force at the census's instant.
    pub claims: u64,
}

impl Census {
    /// Records of every kind.
    pub fn total_records(&self) -> u64 {
        self.records.iter().sum()
    }

    /// Whether the store holds nothing a marketplace keeps (no record, event, password, request
    /// record, sequence or marketplace id): what [`Portable::import`] needs.
    pub fn is_empty(&self) -> bool {
        self.total_records() == 0
            && self.events == 0
            && self.secrets == 0
            && self.requests == 0
            && self.sequences.iter().all(|(_, n)| *n == 0)
            && self.marketplace_id.is_none()
    }

    /// What the store holds, in a few words (`12 records, 40 events`), for messages.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("{} records", self.total_records()), format!("{} events", self.events)];
        if self.secrets > 0 {
            parts.push(format!("{} passwords", self.secrets));
        }
        if self.requests > 0 {
            parts.push(format!("{} request records", self.requests));
        }
        if self.marketplace_id.is_some() && self.total_records() == 0 && self.events == 0 {
            parts.push("a marketplace id".into());
        }
        parts.join(", ")
    }

    /// The refusal of an import into a store that is not empty.
    pub fn not_empty_error(&self) -> Error {
        Error::invalid("target", format!("the store is not empty ({}): an import needs an empty store", self.summary()))
    }

    /// Counts one exported item, as the census of the store that holds it would.
    pub fn count(&mut self, item: &Item) {
        match item {
            Item::MarketplaceId(id) => self.marketplace_id = Some(id.clone()),
            Item::Sequence(s, n) => self.sequences.push((*s, *n)),
            Item::Record(k) => {
                let (kind, _) = k.record.target().kind_and_id();
                self.records[kind] += 1;
                if let Some(due) = k.due {
                    self.due[kind] += 1;
                    self.next_due = Some(self.next_due.map_or(due, |d| d.min(due)));
                }
            }
            Item::Event(e) => {
                self.events += 1;
                self.last_seq = self.last_seq.max(e.seq);
            }
            Item::Secret(..) => self.secrets += 1,
            Item::Request(_) => self.requests += 1,
        }
    }

    /// The two censuses' differences in what an import copies (claims are not copied), one
    /// line each; empty when they agree.
    pub fn differences(&self, other: &Census) -> Vec<String> {
        let mut out = Vec::new();
        for (i, kind) in RECORD_KINDS.iter().enumerate() {
            if self.records[i] != other.records[i] {
                out.push(format!("{kind} records: {} against {}", self.records[i], other.records[i]));
            }
            if self.due[i] != other.due[i] {
                out.push(format!("due {kind} records: {} against {}", self.due[i], other.due[i]));
            }
        }
        let pairs = [
            ("events", self.events, other.events),
            ("last event number", self.last_seq, other.last_seq),
            ("passwords", self.secrets, other.secrets),
            ("request records", self.requests, other.requests),
        ];
        for (what, a, b) in pairs {
            if a != b {
                out.push(format!("{what}: {a} against {b}"));
            }
        }
        if self.next_due != other.next_due {
            out.push(format!("next due instant: {:?} against {:?}", self.next_due, other.next_due));
        }
        let mut mine = self.sequences.clone();
        let mut theirs = other.sequences.clone();
        mine.retain(|(_, n)| *n > 0);
        theirs.retain(|(_, n)| *n > 0);
        mine.sort_by_key(|(s, _)| super::columns::sequence_name(*s));
        theirs.sort_by_key(|(s, _)| super::columns::sequence_name(*s));
        if mine != theirs {
            out.push(format!("sequences: {mine:?} against {theirs:?}"));
        }
        if self.marketplace_id != other.marketplace_id {
            out.push(format!("marketplace id: {:?} against {:?}", self.marketplace_id, other.marketplace_id));
        }
        out
    }
}

/// A SHA-256 digest of an event stream: each event's JSON and a newline, in order. Two stores
/// whose streams have the same digest hold the same events with the same numbers.
#[derive(Clone, Default)]
pub struct EventDigest {
    hasher: Sha256,
    events: u64,
}

impl fmt::Debug for EventDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventDigest").field("events", &self.events).finish_non_exhaustive()
    }
}

impl EventDigest {
    /// A digest of no event yet.
    pub fn new() -> EventDigest {
        EventDigest::default()
    }

    /// Adds the next event.
    pub fn add(&mut self, event: &Event) -> Result<(), Error> {
        let json = serde_json::to_vec(event)
            .map_err(|e| Error::Storage { reason: format!("cannot serialize event {}: {e}", event.seq) })?;
        self.hasher.update(&json);
        self.hasher.update(b"\n");
        self.events += 1;
        Ok(())
    }

    /// How many events were added.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The digest in hexadecimal.
    pub fn hex(&self) -> String {
        self.hasher.clone().finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The digest of `store`'s events, read `page` at a time with [`Store::events_since`].
    pub fn of_store<S: Store + ?Sized>(store: &S, page: usize) -> Result<EventDigest, Error> {
        let mut digest = EventDigest::new();
        let mut cursor = 0;
        loop {
            let events = store.events_since(cursor, page.max(1))?;
            let Some(last) = events.last() else { return Ok(digest) };
            cursor = last.seq;
            for e in &events {
                digest.add(e)?;
            }
        }
    }
}

/// The sink [`Portable::export`] gives each item to; an error it returns stops the export.
pub type Sink<'a> = dyn FnMut(Item) -> Result<(), Error> + 'a;

/// A store whose whole content can be read out and written into another: the port of an
/// operator's migration. Every store of the library implements it; the contract suite checks
/// that what one store exports another imports unchanged.
pub trait Portable: Store {
    /// Gives everything the store holds to `sink`, in the order [`Item`] says, from one
    /// consistent read (commits made meanwhile are not seen), reading in batches. Claims on due
    /// items are not exported: they end when their host's work ends. Passwords are opened with
    /// the store's key. `sink` must not call the store.
    fn export(&self, sink: &mut Sink<'_>) -> Result<(), Error>;

    /// Writes `items` (an export of another store) into this store, which must be empty, in one
    /// transaction: an error (from `items`, a refusal, the storage) or an interruption leaves it
    /// empty. Records keep their versions and due instants, events their numbers; a sequence is
    /// never lowered; passwords are sealed with this store's key. Refuses a store that is not
    /// empty ([`Census::not_empty_error`], [`Error::InvalidInput`]) and events not numbered
    /// 1, 2, 3, … in order ([`Error::InvalidInput`]).
    fn import(&self, items: &mut dyn Iterator<Item = Result<Item, Error>>) -> Result<(), Error>;

    /// How much the store holds; claims are counted when still in force at `now`.
    fn census(&self, now: DateTime<Utc>) -> Result<Census, Error>;
}

/// Checks that imported events come numbered 1, 2, 3, … in order: `last` is the number of the
/// previous one (0 before the first).
pub fn check_event_number(last: u64, event: &Event) -> Result<(), Error> {
    if event.seq != last + 1 {
        return Err(Error::invalid(
            "events",
            format!("event {} follows event {last}: events are imported numbered 1, 2, 3, … in order", event.seq),
        ));
    }
    Ok(())
}

/// The kind of a target, as [`RECORD_KINDS`] names it.
pub fn kind_name(target: &Target) -> &'static str {
    RECORD_KINDS[target.kind_and_id().0]
}
