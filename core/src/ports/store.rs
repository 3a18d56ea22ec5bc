//! Repository ports: how the facade loads and saves aggregates, and the queries it needs.
//!
//! A host plugs its own storage in by implementing [`Store`]; [`MemoryStore`] is the embedded
//! default. Every adapter must pass the contract suite in `testing::contract` (feature
//! `test-utils`).

pub mod columns;
pub mod content;
mod memory;
pub mod replay;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use content::{Census, EventDigest, Item, Kept, Portable};
pub use memory::{MemoryStore, StoreSnapshot};

use crate::account::{AccountEvent, CustomerAccount};
use crate::actor::{Actor, AppId, CustomerId, ProductId, RequestId, Target};
pub use crate::aggregate::Aggregate;
use crate::app::{AppFilter, PurchasedApp};
use crate::appeal::Appeal;
use crate::catalog::{Page, PreparedQuery, Product, ProductEvent, SavedList, SavedListEvent};
use crate::error::Error;
use crate::event::{Event, EventKind, NewEvent};
use crate::invoice::Invoice;
use crate::order::{Order, OrderFilter, OrderStatus};
use crate::policy::Policy;
use crate::pricing::Quote;
use crate::secret::Secret;
use crate::supervision::{FlowFilter, ServiceFlow};

/// An aggregate with the version it was loaded at (optimistic concurrency).
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned<A> {
    /// The aggregate.
    pub value: A,
    /// Its version: 1 after the first save, +1 per save.
    pub version: u64,
}

/// Anything the store keeps, one variant per aggregate, each in a box of its own size: a record
/// moves through a command (loaded, decided on, committed, kept) as a pointer, and a kept app
/// does not pay for the largest aggregate. Serialized as the aggregate itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Record {
    /// A customer account.
    Account(Box<CustomerAccount>),
    /// A product.
    Product(Box<Product>),
    /// A saved list.
    SavedList(Box<SavedList>),
    /// An order.
    Order(Box<Order>),
    /// A purchased app.
    App(Box<PurchasedApp>),
    /// A service flow.
    Flow(Box<ServiceFlow>),
    /// An appeal.
    Appeal(Box<Appeal>),
    /// An invoice (INV-1).
    Invoice(Box<Invoice>),
}

impl Record {
    /// When `tick` must next look at it, under `policy` ([`Aggregate::next_due`]): what a
    /// commit keeps in the due index.
    pub fn next_due(&self, policy: &Policy) -> Option<DateTime<Utc>> {
        match self {
            Record::Account(a) => a.next_due(policy),
            Record::Product(p) => p.next_due(policy),
            Record::SavedList(l) => l.next_due(policy),
            Record::Order(o) => o.next_due(policy),
            Record::App(a) => a.next_due(policy),
            Record::Flow(f) => f.next_due(policy),
            Record::Appeal(a) => a.next_due(policy),
            Record::Invoice(i) => i.next_due(policy),
        }
    }

    /// What the record is.
    pub fn target(&self) -> Target {
        match self {
            Record::Account(a) => Target::Account(a.id.clone()),
            Record::Product(p) => Target::Product(p.id.clone()),
            Record::SavedList(l) => Target::SavedList(l.customer.clone()),
            Record::Order(o) => Target::Order(o.id.clone()),
            Record::App(a) => Target::App(a.id.clone()),
            Record::Flow(f) => Target::Flow(f.id.clone()),
            Record::Appeal(a) => Target::Appeal(a.id.clone()),
            Record::Invoice(i) => Target::Invoice(i.id.clone()),
        }
    }
}

/// An aggregate kept by the store: how it is wrapped as a [`Record`], and how its events are
/// recorded in the global stream.
pub trait Stored: Aggregate {
    /// What it is, for the store and the events.
    fn target(&self) -> Target;
    /// Wraps it for the store.
    fn into_record(self) -> Record;
    /// Unwraps it from the store.
    fn from_record(record: Record) -> Option<Self>;
    /// Looks into a record.
    fn in_record(record: &Record) -> Option<&Self>;
    /// Looks into a record to change it.
    fn in_record_mut(record: &mut Record) -> Option<&mut Self>;
    /// The event as the global stream records it; `None` for a change kept without an operation
    /// record (a counter of the marketplace's own).
    fn event_kind(event: Self::Event) -> Option<EventKind>;
    /// The aggregate's own event that the stream recorded as `kind` (the inverse of
    /// [`event_kind`](Stored::event_kind)); `None` for a kind of another aggregate, or one the
    /// stream records without what the aggregate applies (an account's registration).
    fn own_event(kind: &EventKind) -> Option<Self::Event>;
}

macro_rules! stored {
    ($ty:ty, $variant:ident, |$s:ident| $target:expr, |$e:ident| $kind:expr, |$k:ident| $own:expr) => {
        impl Stored for $ty {
            fn target(&self) -> Target {
                let $s = self;
                $target
            }
            fn into_record(self) -> Record {
                Record::$variant(Box::new(self))
            }
            fn from_record(record: Record) -> Option<Self> {
                match record {
                    Record::$variant(v) => Some(*v),
                    _ => None,
                }
            }
            fn in_record(record: &Record) -> Option<&Self> {
                match record {
                    Record::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn in_record_mut(record: &mut Record) -> Option<&mut Self> {
                match record {
                    Record::$variant(v) => Some(v),
                    _ => None,
                }
            }
            fn event_kind($e: Self::Event) -> Option<EventKind> {
                $kind
            }
            fn own_event($k: &EventKind) -> Option<Self::Event> {
                $own
            }
        }
    };
}
stored!(
    CustomerAccount,
    Account,
    |a| Target::Account(a.id.clone()),
    |e| match e {
        AccountEvent::Registered { .. } => Some(EventKind::AccountRegistered),
        AccountEvent::UnconditionalUnsubscriptionCounted { .. } => None,
    },
    // The stream records a registration without the account.
    |_k| None
);
stored!(
    Product,
    Product,
    |p| Target::Product(p.id.clone()),
    |e| Some(match e {
        ProductEvent::Listed { name } => EventKind::ProductListed { name },
        ProductEvent::Delisted => EventKind::ProductDelisted,
        ProductEvent::Relisted => EventKind::ProductRelisted,
    }),
    |k| match k {
        EventKind::ProductListed { name } => Some(ProductEvent::Listed { name: name.clone() }),
        EventKind::ProductDelisted => Some(ProductEvent::Delisted),
        EventKind::ProductRelisted => Some(ProductEvent::Relisted),
        _ => None,
    }
);
stored!(
    SavedList,
    SavedList,
    |l| Target::SavedList(l.customer.clone()),
    |e| Some(match e {
        SavedListEvent::ItemSaved { product, specification } => EventKind::ItemSaved { product, specification },
        SavedListEvent::ItemRemoved { product } => EventKind::ItemRemoved { product },
    }),
    |k| match k {
        EventKind::ItemSaved { product, specification } => {
            Some(SavedListEvent::ItemSaved { product: product.clone(), specification: specification.clone() })
        }
        EventKind::ItemRemoved { product } => Some(SavedListEvent::ItemRemoved { product: product.clone() }),
        _ => None,
    }
);
stored!(Order, Order, |o| Target::Order(o.id.clone()), |e| Some(EventKind::Order(e)), |k| match k {
    EventKind::Order(e) => Some(e.clone()),
    _ => None,
});
stored!(PurchasedApp, App, |a| Target::App(a.id.clone()), |e| Some(EventKind::App(e)), |k| match k {
    EventKind::App(e) => Some(e.clone()),
    _ => None,
});
stored!(ServiceFlow, Flow, |f| Target::Flow(f.id.clone()), |e| Some(EventKind::Flow(e)), |k| match k {
    EventKind::Flow(e) => Some(e.clone()),
    _ => None,
});
stored!(Appeal, Appeal, |a| Target::Appeal(a.id.clone()), |e| Some(EventKind::Appeal(e)), |k| match k {
    EventKind::Appeal(e) => Some(e.clone()),
    _ => None,
});
stored!(Invoice, Invoice, |i| Target::Invoice(i.id.clone()), |e| Some(EventKind::Invoice(e)), |k| match k {
    EventKind::Invoice(e) => Some(e.clone()),
    _ => None,
});

/// One aggregate to save: the version it was loaded at (0 when new) and when the system must
/// next look at it.
#[derive(Debug, Clone, PartialEq)]
pub struct Write {
    /// The new state.
    pub record: Record,
    /// The version it was loaded at; 0 for a new aggregate.
    pub expected_version: u64,
    /// When `tick` must next look at it.
    pub due: Option<DateTime<Utc>>,
}

/// What a mutating call returned, kept under its request id so a retry returns it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Reply {
    /// Nothing but success.
    Done,
    /// A record.
    Record(Record),
    /// A quote.
    Quote(Quote),
    /// A revealed password, as the app whose password it was: the record keeps no copy of the
    /// password, and a replay reads the app's current one (APP-5).
    Password(AppId),
}

/// The remembered outcome of a request id. A request id is scoped to the actor who sent it:
/// two actors using the same id never see each other's records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// Who sent it: the other half of the key.
    pub actor: Actor,
    /// The request id.
    pub id: RequestId,
    /// When it was first executed; records older than the retention may be pruned, after which
    /// the id is a new request.
    pub at: DateTime<Utc>,
    /// What the command was; another command under the same id is a conflict.
    pub fingerprint: String,
    /// What it returned.
    pub reply: Result<Reply, Error>,
}

/// Everything one command changes, saved atomically or not at all.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Commit {
    /// Aggregates to save.
    pub writes: Vec<Write>,
    /// Events to append.
    pub events: Vec<NewEvent>,
    /// Passwords to keep apart from the apps (APP-5).
    pub secrets: Vec<(AppId, Secret)>,
    /// The request id's outcome, if the call had one.
    pub request: Option<RequestRecord>,
}

impl Commit {
    /// Refuses a commit that writes one target twice ([`Error::InvalidInput`]): one write per
    /// target, at the version it was loaded at, is what makes a commit's version checks mean
    /// something, and a store could not say which of two writes wins. Every store calls it
    /// before it checks or writes anything; the facade's unit of work never builds such a
    /// commit.
    ///
    /// ```
    /// use appmarket::store::{Commit, Record, Write};
    /// use appmarket::CustomerAccount;
    ///
    /// let account = CustomerAccount::with_card(appmarket::CustomerId::parse("alice")?);
    /// let write = Write { record: Record::Account(Box::new(account)), expected_version: 0, due: None };
    /// let twice = Commit { writes: vec![write.clone(), write], ..Commit::default() };
    /// assert_eq!(twice.check_writes().unwrap_err().kind(), "invalid_input");
    /// # Ok::<(), appmarket::Error>(())
    /// ```
    pub fn check_writes(&self) -> Result<(), Error> {
        for (i, w) in self.writes.iter().enumerate().skip(1) {
            let target = w.record.target();
            if self.writes[..i].iter().any(|earlier| earlier.record.target() == target) {
                return Err(Error::invalid(
                    "commit",
                    format!("the commit writes {target} twice: merge its changes into one write"),
                ));
            }
        }
        Ok(())
    }
}

pub use crate::aggregate::Sequence;

/// The storage port. Implementations are `Send + Sync`; every method takes `&self`.
pub trait Store: Send + Sync {
    /// Loads a record and its version.
    fn load(&self, target: &Target) -> Result<Option<(Record, u64)>, Error>;
    /// A product, shared: products are read on every order, so adapters should cache them.
    fn product(&self, id: &ProductId) -> Result<Option<Arc<Product>>, Error>;
    /// Saves a commit atomically: every write's expected version must match (else
    /// [`Error::Conflict`] and nothing is saved), events are numbered and appended, the due index
    /// is updated. Returns the `seq` of the last event in the stream after the commit. A commit
    /// that writes one target twice is [`Error::InvalidInput`] ([`Commit::check_writes`]) and
    /// saves nothing.
    fn commit(&self, commit: Commit, at: DateTime<Utc>) -> Result<u64, Error>;
    /// The next number of a sequence (from 1).
    fn next_number(&self, sequence: Sequence) -> Result<u64, Error>;
    /// Listed products matching a prepared query, sorted and paged (CAT-3).
    fn search(&self, query: &PreparedQuery<'_>) -> Result<Page<Product>, Error>;
    /// A customer's orders, newest first.
    fn orders_of(
        &self,
        customer: &CustomerId,
        filter: &OrderFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<Order>, Error>;
    /// How many of a customer's orders wait for payment (ORD-7). The default counts through
    /// [`orders_of`](Store::orders_of); a store should answer from an index or a counter, since
    /// every order placed asks.
    fn unpaid_orders(&self, customer: &CustomerId) -> Result<u64, Error> {
        let unpaid = OrderFilter { status: Some(OrderStatus::PendingPayment), product: None };
        Ok(self.orders_of(customer, &unpaid, 1, 1)?.total)
    }
    /// A customer's purchased apps, newest first.
    fn apps_of(
        &self,
        customer: &CustomerId,
        filter: &AppFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<PurchasedApp>, Error>;
    /// The service flows of a party (`Actor::Customer` or `Actor::Seller`), newest first.
    fn flows_of(
        &self,
        party: &Actor,
        filter: &FlowFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<ServiceFlow>, Error>;
    /// Every open appeal, oldest first (APL-4).
    fn open_appeals(&self) -> Result<Vec<Appeal>, Error>;
    /// Up to `limit` targets due at or before `now`, earliest first.
    fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Target>, Error>;
    /// The earliest due instant of the due index strictly after `after` (`None` when nothing
    /// is due later), claimed or not: when a ticker that ran `tick` at `after` must run it
    /// again.
    fn next_due(&self, after: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error>;
    /// Up to `limit` events after `cursor` (a seq; 0 for the start).
    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>, Error>;
    /// Up to `limit` events of one target after `after` (a seq; 0 for the start), oldest first.
    fn records(&self, target: &Target, after: u64, limit: usize) -> Result<Vec<Event>, Error>;
    /// The remembered outcome of `actor`'s request id. A commit whose request record has the
    /// same actor and id as a remembered one is a [`Error::Conflict`].
    fn request(&self, actor: &Actor, id: &RequestId) -> Result<Option<RequestRecord>, Error>;
    /// Forgets request records created before `before`; returns how many were forgotten.
    fn prune_requests(&self, before: DateTime<Utc>) -> Result<u64, Error>;
    /// An app's password.
    fn secret(&self, app: &AppId) -> Result<Option<Secret>, Error>;
    /// Binds the store to one marketplace instance: records `proposed` when the store has no
    /// marketplace id yet, and returns the recorded id (which may differ from `proposed`). The
    /// id prefixes every payment idempotency key, so two marketplaces sharing one gateway never
    /// share a key.
    fn marketplace_id(&self, proposed: &str) -> Result<String, Error>;
    /// Claims a due target for scheduled work until `until`, so that hosts running `tick` at the
    /// same time process each due item once. Returns `false` when another claim on the target
    /// is still in force at `now`. A claim ends at `until` or at the target's next commit.
    fn claim(&self, target: &Target, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool, Error>;
    /// Ends a claim early (the scheduled work failed and committed nothing, so the target may be
    /// tried again at once).
    fn release(&self, target: &Target) -> Result<(), Error>;

    /// Loads several records at once, each with its version, in the order of `targets` (`None`
    /// for an absent one). The default loads them one by one; a store on a server should load
    /// them in one round trip.
    fn load_many(&self, targets: &[Target]) -> Result<Vec<Option<(Record, u64)>>, Error> {
        targets.iter().map(|t| self.load(t)).collect()
    }

    /// Saves independent commits made at `at`, in order, each atomically and each on its own
    /// (as [`commit`](Store::commit) would): one whose version check fails gets
    /// [`Error::Conflict`] in its slot, one that writes a target twice
    /// [`Error::InvalidInput`], and the others are saved. Returns one result per commit.
    ///
    /// The outer error is a failure of the storage itself; commits before it in the list may
    /// have been saved (a store that saves them in one transaction saved none).
    ///
    /// The default saves them one by one; stores should save them in one transaction, so that
    /// `tick` pays one durable write per page of due work instead of one per target.
    fn commit_many(&self, commits: Vec<Commit>, at: DateTime<Utc>) -> Result<Vec<Result<u64, Error>>, Error> {
        commit_one_by_one(self, commits, at)
    }

    /// Claims a page of due work in one go: up to `limit` targets due at or before `now`,
    /// earliest first, that are not in `skip` and that no claim in force at `now` holds, each
    /// claimed until `until` (as [`claim`](Store::claim) would). Returns the claimed targets in
    /// due order; an empty list means nothing more is due and free.
    ///
    /// The default walks [`due`](Store::due) and claims one target at a time; stores should
    /// claim the page in one transaction (or one statement), so that `tick` pays one write per
    /// page instead of one per target.
    fn claim_due(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
        skip: &HashSet<Target>,
    ) -> Result<Vec<Target>, Error> {
        let mut claimed = Vec::new();
        let mut tried = HashSet::new();
        let mut window = limit.saturating_add(skip.len()).max(1);
        loop {
            let due = self.due(now, window)?;
            let exhausted = due.len() < window;
            for target in due {
                if claimed.len() >= limit {
                    return Ok(claimed);
                }
                if skip.contains(&target) || !tried.insert(target.clone()) {
                    continue;
                }
                if self.claim(&target, now, until)? {
                    claimed.push(target);
                }
            }
            if exhausted || claimed.len() >= limit {
                return Ok(claimed);
            }
            window = window.saturating_mul(2);
        }
    }
}

/// Saves commits one by one with [`Store::commit`], as [`Store::commit_many`] promises: a
/// stale commit gets its `Conflict` in its slot (one that writes a target twice its
/// `InvalidInput`), any other error stops and is returned. The
/// default of `commit_many`, and a store's fallback when its one-transaction path cannot be
/// used.
pub fn commit_one_by_one<S: Store + ?Sized>(
    store: &S,
    commits: Vec<Commit>,
    at: DateTime<Utc>,
) -> Result<Vec<Result<u64, Error>>, Error> {
    let mut saved = Vec::with_capacity(commits.len());
    for commit in commits {
        match store.commit(commit, at) {
            Ok(seq) => saved.push(Ok(seq)),
            Err(e @ (Error::Conflict { .. } | Error::InvalidInput { .. })) => saved.push(Err(e)),
            Err(other) => return Err(other),
        }
    }
    Ok(saved)
}

/// Typed loading on top of [`Store`].
pub trait StoreExt: Store {
    /// Loads an aggregate, `None` if absent.
    fn find<A: Stored>(&self, target: &Target) -> Result<Option<Versioned<A>>, Error> {
        match self.load(target)? {
            None => Ok(None),
            Some((record, version)) => A::from_record(record)
                .map(|value| Some(Versioned { value, version }))
                .ok_or_else(|| Error::Storage { reason: format!("{target} holds the wrong kind of record") }),
        }
    }

    /// Loads an aggregate, [`Error::NotFound`] if absent.
    fn get<A: Stored>(&self, target: &Target) -> Result<Versioned<A>, Error> {
        let (_, id) = target.kind_and_id();
        self.find(target)?.ok_or_else(|| Error::not_found(A::WHAT, id))
    }
}

impl<S: Store + ?Sized> StoreExt for S {}

/// A serialized snapshot of a [`MemoryStore`], for comparing states in tests.
pub fn memory_snapshot(store: &MemoryStore) -> String {
    serde_json::to_string(&store.snapshot()).unwrap_or_default()
}
