//! The in-memory store: the embedded default.

use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The store's maps: foldhash's seeded hasher instead of SipHash, which dominated the profile of
/// a journey (a key is hashed several times per commit); still seeded per process.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::content::{Census, Item, Kept, Portable, Sink, check_event_number};
use super::{Commit, Record, RequestRecord, Sequence, Store, columns};
use crate::actor::{Actor, AppId, CustomerId, ProductId, RequestId, Target};
use crate::app::{AppFilter, PurchasedApp};
use crate::appeal::{Appeal, AppealStatus};
use crate::catalog::{Catalogue, Page, PreparedQuery, Product};
use crate::error::Error;
use crate::event::{EVENT_SCHEMA_VERSION, Event};
use crate::order::{Order, OrderFilter, OrderStatus};
use crate::secret::Secret;
use crate::supervision::{FlowFilter, ServiceFlow};

/// The global event stream, in chunks of a fixed size: appending never moves what is stored
/// (a single vector's doubling copied the whole stream, which showed in a journey's profile).
#[derive(Default)]
struct EventLog {
    chunks: Vec<Vec<Event>>,
    len: usize,
}

const EVENT_CHUNK: usize = 4096;

impl EventLog {
    fn len(&self) -> usize {
        self.len
    }

    fn push(&mut self, event: Event) {
        if self.len.is_multiple_of(EVENT_CHUNK) {
            self.chunks.push(Vec::with_capacity(EVENT_CHUNK));
        }
        self.chunks.last_mut().expect("a chunk was just made").push(event);
        self.len += 1;
    }

    fn get(&self, index: usize) -> &Event {
        &self.chunks[index / EVENT_CHUNK][index % EVENT_CHUNK]
    }

    fn iter_from(&self, start: usize) -> impl Iterator<Item = &Event> {
        let start = start.min(self.len);
        self.chunks.iter().skip(start / EVENT_CHUNK).flatten().skip(start % EVENT_CHUNK)
    }
}

/// A record with its version and when `tick` must next look at it.
#[derive(Debug, Clone)]
struct Slot {
    /// The record: each aggregate in a box of its own size, so that a map slot stays small and
    /// an app does not pay for the largest aggregate.
    record: Record,
    version: u64,
    due: Option<DateTime<Utc>>,
    /// An order's place in its customer's list (0 for other records).
    position: u32,
    /// Its place in the order the store's records were created: how an export lists them.
    created: u32,
    /// Where its events are in the stream, oldest first: kept with the record, so that
    /// recording an event finds the slot its commit has just written instead of a table of
    /// its own (a cache miss per event once the store holds millions).
    events: Vec<u32>,
}

/// An order in its customer's list, with what the order filters test copied beside it: a
/// filtered page reads the list in order and looks up only the page's orders (looking up
/// every order of a customer with 100,000 of them took 20 ms).
#[derive(Debug, Clone)]
struct ListedOrder {
    target: Target,
    status: OrderStatus,
    product: ProductId,
}

#[derive(Default)]
struct Inner {
    records: Map<Target, Slot>,
    /// Products apart from the other records: a contiguous catalog with prepared search entries.
    catalog: Catalogue,
    orders_by_customer: Map<CustomerId, Vec<ListedOrder>>,
    /// How many of each customer's orders wait for payment (ORD-7).
    unpaid_by_customer: Map<CustomerId, u64>,
    apps_by_customer: Map<CustomerId, Vec<Target>>,
    flows_by_party: Map<Actor, Vec<Target>>,
    open_appeals: BTreeSet<Target>,
    due: BTreeSet<(DateTime<Utc>, Target)>,
    events: EventLog,
    /// Where the events of targets the store keeps no slot for (products) are in the stream.
    events_by_target: Map<Target, Vec<u32>>,
    requests: Map<(Actor, RequestId), RequestRecord>,
    claims: Map<Target, DateTime<Utc>>,
    marketplace_id: Option<String>,
    secrets: Map<AppId, Secret>,
    sequences: Map<Sequence, u64>,
}

/// The in-memory store. `Send + Sync`; one lock keeps every commit atomic.
#[derive(Default)]
pub struct MemoryStore {
    inner: RwLock<Inner>,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = self.read();
        f.debug_struct("MemoryStore")
            .field("records", &inner.records.len())
            .field("events", &inner.events.len())
            .finish()
    }
}

/// A serializable copy of everything a [`MemoryStore`] holds, in a stable order. Passwords appear
/// only as `***`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreSnapshot {
    /// Records with their versions, sorted by target.
    pub records: Vec<(Record, u64)>,
    /// The due index.
    pub due: Vec<(DateTime<Utc>, Target)>,
    /// Every event.
    pub events: Vec<Event>,
    /// Remembered request ids, sorted.
    pub requests: Vec<RequestRecord>,
    /// Apps that have a password kept apart.
    pub apps_with_secrets: Vec<AppId>,
    /// Sequence counters, sorted.
    pub sequences: Vec<(String, u64)>,
}

impl Inner {
    fn version_of(&self, target: &Target) -> u64 {
        match target {
            Target::Product(id) => self.catalog.get(id).map_or(0, |(_, v)| v),
            _ => self.records.get(target).map_or(0, |slot| slot.version),
        }
    }

    /// Keeps `record` at `version`, due at `due`, with its indexes: a commit's write, or an
    /// imported record.
    #[inline]
    fn put(&mut self, record: Record, version: u64, when: Option<DateTime<Utc>>) {
        let target = record.target();
        let Inner {
            records,
            catalog,
            orders_by_customer,
            unpaid_by_customer,
            apps_by_customer,
            flows_by_party,
            open_appeals,
            due,
            claims,
            ..
        } = self;
        if !claims.is_empty() {
            claims.remove(&target);
        }
        // Products live in the catalogue and are never due (`Product` keeps the default
        // `next_due`), so they have no slot and no place in the due index.
        if let Record::Product(p) = record {
            catalog.put(*p, version);
            return;
        }
        // One lookup per write: the slot is updated in place, or made.
        let created = records.len() as u32;
        let (slot, fresh) = match records.entry(target) {
            Entry::Occupied(e) => {
                let slot = e.into_mut();
                slot.record = record;
                (slot, false)
            }
            Entry::Vacant(e) => {
                (e.insert(Slot { record, version: 0, due: None, position: 0, created, events: Vec::new() }), true)
            }
        };
        slot.version = version;
        if slot.due != when {
            if let Some(old) = slot.due {
                due.remove(&(old, slot.record.target()));
            }
            if let Some(at) = when {
                due.insert((at, slot.record.target()));
            }
            slot.due = when;
        }
        match &slot.record {
            Record::Order(o) => {
                let listed = ListedOrder { target: slot.record.target(), status: o.status, product: o.product.clone() };
                let list = orders_by_customer.entry(o.customer.clone()).or_default();
                let was_unpaid = if fresh {
                    slot.position = list.len() as u32;
                    list.push(listed);
                    false
                } else {
                    let old = std::mem::replace(&mut list[slot.position as usize], listed);
                    old.status == OrderStatus::PendingPayment
                };
                let unpaid = o.status == OrderStatus::PendingPayment;
                if unpaid != was_unpaid {
                    let count = unpaid_by_customer.entry(o.customer.clone()).or_default();
                    *count = if unpaid { *count + 1 } else { count.saturating_sub(1) };
                }
            }
            Record::App(a) if fresh => {
                apps_by_customer.entry(a.customer.clone()).or_default().push(slot.record.target())
            }
            Record::Flow(f) if fresh => {
                for party in [Actor::Customer(f.customer.clone()), Actor::Seller(f.seller.clone())] {
                    flows_by_party.entry(party).or_default().push(slot.record.target());
                }
            }
            Record::Appeal(a) => {
                if a.status == AppealStatus::Open {
                    open_appeals.insert(slot.record.target());
                } else {
                    open_appeals.remove(&slot.record.target());
                }
            }
            _ => {}
        }
    }

    /// Appends an event numbered `self.events.len() + 1`, noting where its target's events are.
    #[inline]
    fn append(&mut self, event: Event) {
        let index = self.events.len() as u32;
        match self.records.get_mut(&event.target) {
            Some(slot) => slot.events.push(index),
            None => self.events_by_target.entry(event.target.clone()).or_default().push(index),
        }
        self.events.push(event);
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Everything the store holds, in a stable order: two stores with the same content give
    /// equal snapshots.
    pub fn snapshot(&self) -> StoreSnapshot {
        let inner = self.read();
        let mut records: Vec<(Record, u64)> =
            inner.records.values().map(|slot| (slot.record.clone(), slot.version)).collect();
        records.extend(inner.catalog.iter().map(|(p, v)| (Record::Product(Box::new(Product::clone(p))), v)));
        records.sort_by_key(|(r, _)| r.target());
        let mut requests: Vec<RequestRecord> = inner.requests.values().cloned().collect();
        requests.sort_by(|a, b| (&a.actor, &a.id).cmp(&(&b.actor, &b.id)));
        let mut apps_with_secrets: Vec<AppId> = inner.secrets.keys().cloned().collect();
        apps_with_secrets.sort();
        let mut sequences: Vec<(String, u64)> = inner.sequences.iter().map(|(k, v)| (format!("{k:?}"), *v)).collect();
        sequences.sort();
        StoreSnapshot {
            records,
            due: inner.due.iter().cloned().collect(),
            events: inner.events.iter_from(0).cloned().collect(),
            requests,
            apps_with_secrets,
            sequences,
        }
    }

    /// Benchmarks only: inserts (or overwrites) apps with their due instants, without events,
    /// as if each had just been saved at version 1. Not a repository operation.
    #[doc(hidden)]
    pub fn bulk_insert_apps(&self, apps: impl IntoIterator<Item = (PurchasedApp, Option<DateTime<Utc>>)>) {
        let mut inner = self.write();
        for (app, due) in apps {
            let target = Target::App(app.id.clone());
            match inner.records.get(&target).and_then(|slot| slot.due) {
                Some(old) => {
                    inner.due.remove(&(old, target.clone()));
                }
                None if !inner.records.contains_key(&target) => {
                    inner.apps_by_customer.entry(app.customer.clone()).or_default().push(target.clone());
                }
                None => {}
            }
            if let Some(due) = due {
                inner.due.insert((due, target.clone()));
            }
            let created = match inner.records.get(&target) {
                Some(slot) => slot.created,
                None => inner.records.len() as u32,
            };
            inner.records.insert(
                target,
                Slot { record: Record::App(Box::new(app)), version: 1, due, position: 0, created, events: Vec::new() },
            );
        }
    }

    /// Number of records of every kind.
    pub fn len(&self) -> usize {
        let inner = self.read();
        inner.records.len() + inner.catalog.len()
    }

    /// Whether the store holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One page of an owner's records, newest first: every record is only tested against the
/// filter; only the page's items are copied.
///
/// Without a filter (`unfiltered`), the total is the owner's count and only the page's
/// records are looked at: O(page size).
fn page_of<T: Clone>(
    inner: &Inner,
    targets: Option<&Vec<Target>>,
    unfiltered: bool,
    pick: impl for<'a> Fn(&'a Record) -> Option<&'a T>,
    page: u32,
    page_size: u32,
) -> Page<T> {
    let start = (page.saturating_sub(1) as usize).saturating_mul(page_size as usize);
    if unfiltered {
        let all = targets.map_or(&[][..], |t| t.as_slice());
        let items = all
            .iter()
            .rev()
            .skip(start)
            .take(page_size as usize)
            .filter_map(|t| inner.records.get(t).and_then(|slot| pick(&slot.record)).cloned())
            .collect();
        return Page { items, page, page_size, total: all.len() as u64 };
    }
    // Room for the whole page at once, never more than the list holds: a page of everything
    // grown as it fills would copy its items again at each growth.
    let listed = targets.map_or(0, Vec::len).saturating_sub(start);
    let mut items = Vec::with_capacity((page_size as usize).min(listed));
    let mut total = 0u64;
    for t in targets.into_iter().flatten().rev() {
        if let Some(item) = inner.records.get(t).and_then(|slot| pick(&slot.record)) {
            if total as usize >= start && items.len() < page_size as usize {
                items.push(item.clone());
            }
            total += 1;
        }
    }
    Page { items, page, page_size, total }
}

impl Store for MemoryStore {
    fn load(&self, target: &Target) -> Result<Option<(Record, u64)>, Error> {
        let inner = self.read();
        Ok(match target {
            Target::Product(id) => {
                inner.catalog.get(id).map(|(p, v)| (Record::Product(Box::new(Product::clone(p))), v))
            }
            _ => inner.records.get(target).map(|slot| (slot.record.clone(), slot.version)),
        })
    }

    fn product(&self, id: &ProductId) -> Result<Option<Arc<Product>>, Error> {
        let inner = self.read();
        Ok(inner.catalog.get(id).map(|(p, _)| Arc::clone(p)))
    }

    fn commit(&self, commit: Commit, at: DateTime<Utc>) -> Result<u64, Error> {
        commit.check_writes()?;
        let mut inner = self.write();
        for w in &commit.writes {
            let target = w.record.target();
            let current = inner.version_of(&target);
            if current != w.expected_version {
                return Err(Error::conflict(format!(
                    "{target} changed meanwhile (version {current}, expected {}): load it again and retry",
                    w.expected_version
                )));
            }
        }
        if let Some(req) = &commit.request
            && inner.requests.contains_key(&(req.actor.clone(), req.id.clone()))
        {
            return Err(Error::conflict(format!("request id {} was used meanwhile", req.id)));
        }
        for w in commit.writes {
            inner.put(w.record, w.expected_version + 1, w.due);
        }
        for (app, secret) in commit.secrets {
            inner.secrets.insert(app, secret);
        }
        for e in commit.events {
            let seq = inner.events.len() as u64 + 1;
            inner.append(Event {
                schema_version: EVENT_SCHEMA_VERSION,
                seq,
                at,
                actor: e.actor,
                target: e.target,
                kind: e.kind,
            });
        }
        if let Some(req) = commit.request {
            inner.requests.insert((req.actor.clone(), req.id.clone()), req);
        }
        Ok(inner.events.len() as u64)
    }

    fn next_number(&self, sequence: Sequence) -> Result<u64, Error> {
        let mut inner = self.write();
        let n = inner.sequences.entry(sequence).or_insert(0);
        *n += 1;
        Ok(*n)
    }

    fn search(&self, query: &PreparedQuery<'_>) -> Result<Page<Product>, Error> {
        let inner = self.read();
        Ok(inner.catalog.search(query))
    }

    fn orders_of(
        &self,
        customer: &CustomerId,
        filter: &OrderFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<Order>, Error> {
        let inner = self.read();
        let list = inner.orders_by_customer.get(customer).map_or(&[][..], Vec::as_slice);
        let order = |listed: &ListedOrder| match inner.records.get(&listed.target).map(|slot| &slot.record) {
            Some(Record::Order(o)) => Some(Order::clone(o)),
            _ => None,
        };
        let start = (page.saturating_sub(1) as usize).saturating_mul(page_size as usize);
        if *filter == OrderFilter::default() {
            let items = list.iter().rev().skip(start).take(page_size as usize).filter_map(order).collect();
            return Ok(Page { items, page, page_size, total: list.len() as u64 });
        }
        let mut items = Vec::new();
        let mut total = 0u64;
        for listed in list.iter().rev().filter(|l| filter.matches_parts(l.status, &l.product)) {
            if total as usize >= start && items.len() < page_size as usize {
                items.extend(order(listed));
            }
            total += 1;
        }
        Ok(Page { items, page, page_size, total })
    }

    fn unpaid_orders(&self, customer: &CustomerId) -> Result<u64, Error> {
        Ok(self.read().unpaid_by_customer.get(customer).copied().unwrap_or(0))
    }

    fn apps_of(
        &self,
        customer: &CustomerId,
        filter: &AppFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<PurchasedApp>, Error> {
        let inner = self.read();
        Ok(page_of(
            &inner,
            inner.apps_by_customer.get(customer),
            false, // unlisted apps (APP-4) never match: always test each
            |r| match r {
                Record::App(a) if filter.matches(a) => Some(&**a),
                _ => None,
            },
            page,
            page_size,
        ))
    }

    fn flows_of(
        &self,
        party: &Actor,
        filter: &FlowFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<ServiceFlow>, Error> {
        let inner = self.read();
        Ok(page_of(
            &inner,
            inner.flows_by_party.get(party),
            *filter == FlowFilter::default(),
            |r| match r {
                Record::Flow(f) if filter.matches(f) => Some(&**f),
                _ => None,
            },
            page,
            page_size,
        ))
    }

    fn open_appeals(&self) -> Result<Vec<Appeal>, Error> {
        let inner = self.read();
        let mut open: Vec<Appeal> = inner
            .open_appeals
            .iter()
            .filter_map(|t| match inner.records.get(t).map(|slot| &slot.record) {
                Some(Record::Appeal(a)) if a.status == AppealStatus::Open => Some(Appeal::clone(a)),
                _ => None,
            })
            .collect();
        open.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
        Ok(open)
    }

    fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Target>, Error> {
        let inner = self.read();
        Ok(inner.due.iter().take_while(|(at, _)| *at <= now).take(limit).map(|(_, t)| t.clone()).collect())
    }

    fn next_due(&self, after: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error> {
        let inner = self.read();
        Ok(inner.due.iter().map(|(at, _)| *at).find(|at| *at > after))
    }

    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>, Error> {
        let inner = self.read();
        let start = usize::try_from(cursor).unwrap_or(usize::MAX).min(inner.events.len());
        Ok(inner.events.iter_from(start).take(limit).cloned().collect())
    }

    fn records(&self, target: &Target, after: u64, limit: usize) -> Result<Vec<Event>, Error> {
        let inner = self.read();
        // Both lists hold stream positions in order; the event at position i has seq i + 1.
        fn from(ix: &[u32], after: u64) -> &[u32] {
            &ix[ix.partition_point(|&i| u64::from(i) < after)..]
        }
        let kept = from(inner.records.get(target).map_or(&[][..], |slot| slot.events.as_slice()), after);
        let apart = from(inner.events_by_target.get(target).map_or(&[][..], Vec::as_slice), after);
        let mut ix: Vec<u32> = kept.iter().take(limit).chain(apart.iter().take(limit)).copied().collect();
        if !kept.is_empty() && !apart.is_empty() {
            ix.sort_unstable();
        }
        ix.truncate(limit);
        Ok(ix.into_iter().map(|i| inner.events.get(i as usize).clone()).collect())
    }

    fn request(&self, actor: &Actor, id: &RequestId) -> Result<Option<RequestRecord>, Error> {
        Ok(self.read().requests.get(&(actor.clone(), id.clone())).cloned())
    }

    fn prune_requests(&self, before: DateTime<Utc>) -> Result<u64, Error> {
        let mut inner = self.write();
        let was = inner.requests.len();
        inner.requests.retain(|_, r| r.at >= before);
        Ok((was - inner.requests.len()) as u64)
    }

    fn marketplace_id(&self, proposed: &str) -> Result<String, Error> {
        Ok(self.write().marketplace_id.get_or_insert_with(|| proposed.to_owned()).clone())
    }

    fn release(&self, target: &Target) -> Result<(), Error> {
        self.write().claims.remove(target);
        Ok(())
    }

    fn claim(&self, target: &Target, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool, Error> {
        let mut inner = self.write();
        match inner.claims.get(target) {
            Some(held) if *held > now => Ok(false),
            _ => {
                inner.claims.insert(target.clone(), until);
                Ok(true)
            }
        }
    }

    fn secret(&self, app: &AppId) -> Result<Option<Secret>, Error> {
        Ok(self.read().secrets.get(app).cloned())
    }

    fn claim_due(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
        skip: &HashSet<Target>,
    ) -> Result<Vec<Target>, Error> {
        let mut inner = self.write();
        let Inner { due, claims, .. } = &mut *inner;
        let mut claimed = Vec::new();
        for (_, target) in due.iter().take_while(|(at, _)| *at <= now) {
            if claimed.len() >= limit {
                break;
            }
            if skip.contains(target) || claims.get(target).is_some_and(|held| *held > now) {
                continue;
            }
            claims.insert(target.clone(), until);
            claimed.push(target.clone());
        }
        Ok(claimed)
    }
}

impl Portable for MemoryStore {
    /// Under the store's read lock: commits wait until the sink has taken everything.
    fn export(&self, sink: &mut Sink<'_>) -> Result<(), Error> {
        let inner = self.read();
        if let Some(id) = &inner.marketplace_id {
            sink(Item::MarketplaceId(id.clone()))?;
        }
        for sequence in columns::SEQUENCES {
            if let Some(n) = inner.sequences.get(&sequence) {
                sink(Item::Sequence(sequence, *n))?;
            }
        }
        for (product, version) in inner.catalog.iter() {
            let record = Record::Product(Box::new(Product::clone(product)));
            sink(Item::Record(Kept { record, version, due: None }))?;
        }
        let mut slots: Vec<&Slot> = inner.records.values().collect();
        slots.sort_unstable_by_key(|slot| slot.created);
        for slot in slots {
            sink(Item::Record(Kept { record: slot.record.clone(), version: slot.version, due: slot.due }))?;
        }
        for event in inner.events.iter_from(0) {
            sink(Item::Event(event.clone()))?;
        }
        let mut secrets: Vec<(&AppId, &Secret)> = inner.secrets.iter().collect();
        secrets.sort_unstable_by_key(|(app, _)| *app);
        for (app, secret) in secrets {
            sink(Item::Secret(app.clone(), secret.clone()))?;
        }
        let mut requests: Vec<&RequestRecord> = inner.requests.values().collect();
        requests.sort_unstable_by(|a, b| (&a.actor, &a.id).cmp(&(&b.actor, &b.id)));
        for request in requests {
            sink(Item::Request(request.clone()))?;
        }
        Ok(())
    }

    /// Under the store's write lock; on an error the store is emptied again.
    fn import(&self, items: &mut dyn Iterator<Item = Result<Item, Error>>) -> Result<(), Error> {
        let mut inner = self.write();
        let census = census_of(&inner, DateTime::<Utc>::MIN_UTC);
        if !census.is_empty() {
            return Err(census.not_empty_error());
        }
        let result = (|| {
            let mut last = 0;
            for item in items {
                match item? {
                    Item::MarketplaceId(id) => inner.marketplace_id = Some(id),
                    Item::Sequence(sequence, n) => {
                        let kept = inner.sequences.entry(sequence).or_insert(0);
                        *kept = (*kept).max(n);
                    }
                    Item::Record(Kept { record, version, due }) => {
                        let target = record.target();
                        if inner.version_of(&target) != 0 {
                            return Err(Error::invalid("records", format!("{target} is imported twice")));
                        }
                        inner.put(record, version, due);
                    }
                    Item::Event(event) => {
                        check_event_number(last, &event)?;
                        last = event.seq;
                        inner.append(event);
                    }
                    Item::Secret(app, secret) => {
                        inner.secrets.insert(app, secret);
                    }
                    Item::Request(request) => {
                        inner.requests.insert((request.actor.clone(), request.id.clone()), request);
                    }
                }
            }
            Ok(())
        })();
        if result.is_err() {
            *inner = Inner::default();
        }
        result
    }

    fn census(&self, now: DateTime<Utc>) -> Result<Census, Error> {
        Ok(census_of(&self.read(), now))
    }
}

fn census_of(inner: &Inner, now: DateTime<Utc>) -> Census {
    let mut census = Census { marketplace_id: inner.marketplace_id.clone(), ..Census::default() };
    census.records[1] = inner.catalog.len() as u64;
    for target in inner.records.keys() {
        census.records[target.kind_and_id().0] += 1;
    }
    for (_, target) in &inner.due {
        census.due[target.kind_and_id().0] += 1;
    }
    census.next_due = inner.due.first().map(|(at, _)| *at);
    census.events = inner.events.len() as u64;
    census.last_seq = census.events;
    census.secrets = inner.secrets.len() as u64;
    census.requests = inner.requests.len() as u64;
    census.sequences = columns::SEQUENCES.iter().filter_map(|s| inner.sequences.get(s).map(|n| (*s, *n))).collect();
    census.claims = inner.claims.values().filter(|until| **until > now).count() as u64;
    census
}
