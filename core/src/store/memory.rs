//! The in-memory store: the embedded default.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Commit, Record, RequestRecord, Sequence, Store};
use crate::actor::{Actor, AppId, CustomerId, ProductId, RequestId, Target};
use crate::app::{AppFilter, PurchasedApp};
use crate::appeal::{Appeal, AppealStatus};
use crate::catalog::{Page, PreparedQuery, Product, SearchText};
use crate::error::Error;
use crate::event::{EVENT_SCHEMA_VERSION, Event};
use crate::order::{Order, OrderFilter};
use crate::secret::Secret;
use crate::supervision::{FlowFilter, ServiceFlow};

#[derive(Default)]
struct Inner {
    records: HashMap<Target, (Record, u64)>,
    /// Products apart from the other records: a contiguous catalog with prepared search entries.
    catalog: Vec<(SearchText, Arc<Product>, u64)>,
    catalog_index: HashMap<ProductId, usize>,
    orders_by_customer: HashMap<CustomerId, Vec<Target>>,
    apps_by_customer: HashMap<CustomerId, Vec<Target>>,
    flows_by_party: HashMap<Actor, Vec<Target>>,
    open_appeals: BTreeSet<Target>,
    due: BTreeSet<(DateTime<Utc>, Target)>,
    due_of: HashMap<Target, DateTime<Utc>>,
    events: Vec<Event>,
    events_by_target: HashMap<Target, Vec<u32>>,
    requests: HashMap<RequestId, RequestRecord>,
    secrets: HashMap<AppId, Secret>,
    sequences: HashMap<Sequence, u64>,
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
            Target::Product(id) => self.catalog_index.get(id).map_or(0, |i| self.catalog[*i].2),
            _ => self.records.get(target).map_or(0, |(_, v)| *v),
        }
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
        let mut records: Vec<(Record, u64)> = inner.records.values().cloned().collect();
        records.extend(inner.catalog.iter().map(|(_, p, v)| (Record::Product(Product::clone(p)), *v)));
        records.sort_by_key(|(r, _)| r.target());
        let mut requests: Vec<RequestRecord> = inner.requests.values().cloned().collect();
        requests.sort_by(|a, b| a.id.cmp(&b.id));
        let mut apps_with_secrets: Vec<AppId> = inner.secrets.keys().cloned().collect();
        apps_with_secrets.sort();
        let mut sequences: Vec<(String, u64)> = inner.sequences.iter().map(|(k, v)| (format!("{k:?}"), *v)).collect();
        sequences.sort();
        StoreSnapshot {
            records,
            due: inner.due.iter().cloned().collect(),
            events: inner.events.clone(),
            requests,
            apps_with_secrets,
            sequences,
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

fn page_of<T>(
    inner: &Inner,
    targets: Option<&Vec<Target>>,
    pick: impl Fn(&Record) -> Option<T>,
    page: u32,
    page_size: u32,
) -> Page<T> {
    let all: Vec<T> =
        targets.into_iter().flatten().rev().filter_map(|t| inner.records.get(t).and_then(|(r, _)| pick(r))).collect();
    Page::of(all, page, page_size)
}

impl Store for MemoryStore {
    fn load(&self, target: &Target) -> Result<Option<(Record, u64)>, Error> {
        let inner = self.read();
        Ok(match target {
            Target::Product(id) => inner
                .catalog_index
                .get(id)
                .map(|i| (Record::Product(Product::clone(&inner.catalog[*i].1)), inner.catalog[*i].2)),
            _ => inner.records.get(target).cloned(),
        })
    }

    fn product(&self, id: &ProductId) -> Result<Option<Arc<Product>>, Error> {
        let inner = self.read();
        Ok(inner.catalog_index.get(id).map(|i| Arc::clone(&inner.catalog[*i].1)))
    }

    fn commit(&self, commit: Commit, at: DateTime<Utc>) -> Result<u64, Error> {
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
            && inner.requests.contains_key(&req.id)
        {
            return Err(Error::conflict(format!("request id {} was used meanwhile", req.id)));
        }
        for w in commit.writes {
            let mut target = w.record.target();
            let old = inner.due_of.get(&target).copied();
            if old != w.due {
                if let Some(old) = old {
                    let key = (old, target);
                    inner.due.remove(&key);
                    inner.due_of.remove(&key.1);
                    target = key.1;
                }
                if let Some(due) = w.due {
                    inner.due.insert((due, target.clone()));
                    inner.due_of.insert(target.clone(), due);
                }
            }
            if w.expected_version == 0 {
                match &w.record {
                    Record::Order(o) => {
                        inner.orders_by_customer.entry(o.customer.clone()).or_default().push(target.clone())
                    }
                    Record::App(a) => {
                        inner.apps_by_customer.entry(a.customer.clone()).or_default().push(target.clone())
                    }
                    Record::Flow(f) => {
                        for party in [Actor::Customer(f.customer.clone()), Actor::Seller(f.seller.clone())] {
                            inner.flows_by_party.entry(party).or_default().push(target.clone());
                        }
                    }
                    _ => {}
                }
            }
            if let Record::Appeal(a) = &w.record {
                if a.status == AppealStatus::Open {
                    inner.open_appeals.insert(target.clone());
                } else {
                    inner.open_appeals.remove(&target);
                }
            }
            match w.record {
                Record::Product(p) => {
                    let entry = (SearchText::of(&p), Arc::new(p), w.expected_version + 1);
                    match inner.catalog_index.get(&entry.1.id).copied() {
                        Some(i) => inner.catalog[i] = entry,
                        None => {
                            let i = inner.catalog.len();
                            inner.catalog_index.insert(entry.1.id.clone(), i);
                            inner.catalog.push(entry);
                        }
                    }
                }
                record => {
                    inner.records.insert(target, (record, w.expected_version + 1));
                }
            }
        }
        for (app, secret) in commit.secrets {
            inner.secrets.insert(app, secret);
        }
        for e in commit.events {
            let seq = inner.events.len() as u64 + 1;
            let event =
                Event { schema_version: EVENT_SCHEMA_VERSION, seq, at, actor: e.actor, target: e.target, kind: e.kind };
            let index = inner.events.len() as u32;
            match inner.events_by_target.get_mut(&event.target) {
                Some(list) => list.push(index),
                None => {
                    inner.events_by_target.insert(event.target.clone(), vec![index]);
                }
            }
            inner.events.push(event);
        }
        if let Some(req) = commit.request {
            inner.requests.insert(req.id.clone(), req);
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
        let matches: Vec<(u32, &SearchText, &Product)> =
            inner.catalog.iter().filter_map(|(text, p, _)| query.score(text).map(|s| (s, text, &**p))).collect();
        Ok(query.page(matches))
    }

    fn orders_of(
        &self,
        customer: &CustomerId,
        filter: &OrderFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<Order>, Error> {
        let inner = self.read();
        let pick = |r: &Record| match r {
            Record::Order(o) if filter.matches(o) => Some(o.clone()),
            _ => None,
        };
        Ok(page_of(&inner, inner.orders_by_customer.get(customer), pick, page, page_size))
    }

    fn apps_of(
        &self,
        customer: &CustomerId,
        filter: &AppFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<PurchasedApp>, Error> {
        let inner = self.read();
        let pick = |r: &Record| match r {
            Record::App(a) if filter.matches(a) => Some(a.clone()),
            _ => None,
        };
        Ok(page_of(&inner, inner.apps_by_customer.get(customer), pick, page, page_size))
    }

    fn flows_of(
        &self,
        party: &Actor,
        filter: &FlowFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<ServiceFlow>, Error> {
        let inner = self.read();
        let pick = |r: &Record| match r {
            Record::Flow(f) if filter.matches(f) => Some(f.clone()),
            _ => None,
        };
        Ok(page_of(&inner, inner.flows_by_party.get(party), pick, page, page_size))
    }

    fn open_appeals(&self) -> Result<Vec<Appeal>, Error> {
        let inner = self.read();
        let mut open: Vec<Appeal> = inner
            .open_appeals
            .iter()
            .filter_map(|t| match inner.records.get(t) {
                Some((Record::Appeal(a), _)) if a.status == AppealStatus::Open => Some(a.clone()),
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

    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>, Error> {
        let inner = self.read();
        let start = usize::try_from(cursor).unwrap_or(usize::MAX).min(inner.events.len());
        Ok(inner.events[start..].iter().take(limit).cloned().collect())
    }

    fn records(&self, target: &Target) -> Result<Vec<Event>, Error> {
        let inner = self.read();
        Ok(inner
            .events_by_target
            .get(target)
            .map(|ix| ix.iter().map(|i| inner.events[*i as usize].clone()).collect())
            .unwrap_or_default())
    }

    fn request(&self, id: &RequestId) -> Result<Option<RequestRecord>, Error> {
        Ok(self.read().requests.get(id).cloned())
    }

    fn secret(&self, app: &AppId) -> Result<Option<Secret>, Error> {
        Ok(self.read().secrets.get(app).cloned())
    }
}
