//! The in-memory store: the embedded default.

use std::collections::{BTreeSet, HashMap};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Commit, Record, RequestRecord, Sequence, Store};
use crate::actor::{AppId, CustomerId, RequestId, Target};
use crate::app::{AppFilter, PurchasedApp};
use crate::catalog::{Page, PreparedQuery, Product, SearchText};
use crate::error::Error;
use crate::event::{EVENT_SCHEMA_VERSION, Event};
use crate::order::{Order, OrderFilter};
use crate::secret::Secret;

#[derive(Default)]
struct Inner {
    records: HashMap<Target, (Record, u64)>,
    search_text: HashMap<Target, SearchText>,
    products: Vec<Target>,
    orders_by_customer: HashMap<CustomerId, Vec<Target>>,
    apps_by_customer: HashMap<CustomerId, Vec<Target>>,
    due: BTreeSet<(DateTime<Utc>, Target)>,
    due_of: HashMap<Target, DateTime<Utc>>,
    events: Vec<Event>,
    events_by_target: HashMap<Target, Vec<u32>>,
    requests: HashMap<RequestId, RequestRecord>,
    secrets: HashMap<AppId, Secret>,
    sequences: HashMap<String, u64>,
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
        records.sort_by_key(|(r, _)| r.target());
        let mut requests: Vec<RequestRecord> = inner.requests.values().cloned().collect();
        requests.sort_by(|a, b| a.id.cmp(&b.id));
        let mut apps_with_secrets: Vec<AppId> = inner.secrets.keys().cloned().collect();
        apps_with_secrets.sort();
        let mut sequences: Vec<(String, u64)> = inner.sequences.iter().map(|(k, v)| (k.clone(), *v)).collect();
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

    /// Benchmarks only: inserts (or overwrites) apps with their due instants, without events,
    /// as if each had just been saved at version 1. Not a repository operation.
    #[doc(hidden)]
    pub fn bulk_insert_apps(&self, apps: impl IntoIterator<Item = (PurchasedApp, Option<DateTime<Utc>>)>) {
        let mut inner = self.write();
        for (app, due) in apps {
            let target = Target::App(app.id.clone());
            if let Some(old) = inner.due_of.remove(&target) {
                inner.due.remove(&(old, target.clone()));
            }
            if let Some(due) = due {
                inner.due.insert((due, target.clone()));
                inner.due_of.insert(target.clone(), due);
            }
            if !inner.records.contains_key(&target) {
                inner.apps_by_customer.entry(app.customer.clone()).or_default().push(target.clone());
            }
            inner.records.insert(target, (Record::App(app), 1));
        }
    }

    /// Number of records of every kind.
    pub fn len(&self) -> usize {
        self.read().records.len()
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
        Ok(self.read().records.get(target).cloned())
    }

    fn commit(&self, commit: Commit, at: DateTime<Utc>) -> Result<Vec<Event>, Error> {
        let mut inner = self.write();
        for w in &commit.writes {
            let target = w.record.target();
            let current = inner.records.get(&target).map_or(0, |(_, v)| *v);
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
            let target = w.record.target();
            if let Some(old) = inner.due_of.remove(&target) {
                inner.due.remove(&(old, target.clone()));
            }
            if let Some(due) = w.due {
                inner.due.insert((due, target.clone()));
                inner.due_of.insert(target.clone(), due);
            }
            if w.expected_version == 0 {
                match &w.record {
                    Record::Order(o) => {
                        inner.orders_by_customer.entry(o.customer.clone()).or_default().push(target.clone())
                    }
                    Record::App(a) => {
                        inner.apps_by_customer.entry(a.customer.clone()).or_default().push(target.clone())
                    }
                    Record::Product(_) => inner.products.push(target.clone()),
                    _ => {}
                }
            }
            if let Record::Product(p) = &w.record {
                inner.search_text.insert(target.clone(), SearchText::of(p));
            }
            inner.records.insert(target, (w.record, w.expected_version + 1));
        }
        for (app, secret) in commit.secrets {
            inner.secrets.insert(app, secret);
        }
        let mut numbered = Vec::with_capacity(commit.events.len());
        for e in commit.events {
            let seq = inner.events.len() as u64 + 1;
            let event =
                Event { schema_version: EVENT_SCHEMA_VERSION, seq, at, actor: e.actor, target: e.target, kind: e.kind };
            let index = inner.events.len() as u32;
            inner.events_by_target.entry(event.target.clone()).or_default().push(index);
            inner.events.push(event.clone());
            numbered.push(event);
        }
        if let Some(req) = commit.request {
            inner.requests.insert(req.id.clone(), req);
        }
        Ok(numbered)
    }

    fn next_number(&self, sequence: Sequence) -> Result<u64, Error> {
        let mut inner = self.write();
        let n = inner.sequences.entry(format!("{sequence:?}")).or_insert(0);
        *n += 1;
        Ok(*n)
    }

    fn search(&self, query: &PreparedQuery<'_>) -> Result<Page<Product>, Error> {
        let inner = self.read();
        let matches: Vec<(u32, &Product)> = inner
            .products
            .iter()
            .filter_map(|t| match (inner.records.get(t), inner.search_text.get(t)) {
                (Some((Record::Product(p), _)), Some(text)) => query.score(p, text).map(|s| (s, p)),
                _ => None,
            })
            .collect();
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
