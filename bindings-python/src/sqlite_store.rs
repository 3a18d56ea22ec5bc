//! `SqliteStore`: the persisted store, `Marketplace(store=SqliteStore("market.db"))`.
//!
//! Every store call runs with the GIL released (`Python::detach`), through [`Detached`]: while
//! one Python thread waits on the file (a commit, a busy lock held by another process), the
//! other Python threads run.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use appmarket::actor::{Actor, AppId, CustomerId, ProductId, RequestId, Target};
use appmarket::app::{AppFilter, PurchasedApp};
use appmarket::appeal::Appeal;
use appmarket::catalog::{Page, PreparedQuery, Product};
use appmarket::event::Event;
use appmarket::order::{Order, OrderFilter};
use appmarket::store::{Commit, Record, RequestRecord, Sequence, Store};
use appmarket::supervision::{FlowFilter, ServiceFlow};
use appmarket::{Error, Secret};
use chrono::{DateTime, Utc};
use pyo3::prelude::*;

/// A store whose every call releases the GIL while it works. The store holds no Python
/// object, so it may run while other threads hold the GIL.
pub struct Detached<S>(pub Arc<S>);

impl<S: Store> Detached<S> {
    fn run<T: Send>(&self, f: impl FnOnce(&S) -> T + Send) -> T {
        let store = &*self.0;
        Python::attach(|py| py.detach(|| f(store)))
    }
}

impl<S: Store> Store for Detached<S> {
    fn load(&self, target: &Target) -> Result<Option<(Record, u64)>, Error> {
        self.run(|s| s.load(target))
    }
    fn product(&self, id: &ProductId) -> Result<Option<Arc<Product>>, Error> {
        self.run(|s| s.product(id))
    }
    fn commit(&self, commit: Commit, at: DateTime<Utc>) -> Result<u64, Error> {
        self.run(|s| s.commit(commit, at))
    }
    fn next_number(&self, sequence: Sequence) -> Result<u64, Error> {
        self.run(|s| s.next_number(sequence))
    }
    fn search(&self, query: &PreparedQuery<'_>) -> Result<Page<Product>, Error> {
        self.run(|s| s.search(query))
    }
    fn orders_of(
        &self,
        customer: &CustomerId,
        filter: &OrderFilter,
        page: u32,
        size: u32,
    ) -> Result<Page<Order>, Error> {
        self.run(|s| s.orders_of(customer, filter, page, size))
    }
    fn apps_of(
        &self,
        customer: &CustomerId,
        filter: &AppFilter,
        page: u32,
        size: u32,
    ) -> Result<Page<PurchasedApp>, Error> {
        self.run(|s| s.apps_of(customer, filter, page, size))
    }
    fn flows_of(&self, party: &Actor, filter: &FlowFilter, page: u32, size: u32) -> Result<Page<ServiceFlow>, Error> {
        self.run(|s| s.flows_of(party, filter, page, size))
    }
    fn open_appeals(&self) -> Result<Vec<Appeal>, Error> {
        self.run(|s| s.open_appeals())
    }
    fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Target>, Error> {
        self.run(|s| s.due(now, limit))
    }
    fn next_due(&self, after: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error> {
        self.run(|s| s.next_due(after))
    }
    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>, Error> {
        self.run(|s| s.events_since(cursor, limit))
    }
    fn records(&self, target: &Target, after: u64, limit: usize) -> Result<Vec<Event>, Error> {
        self.run(|s| s.records(target, after, limit))
    }
    fn request(&self, actor: &Actor, id: &RequestId) -> Result<Option<RequestRecord>, Error> {
        self.run(|s| s.request(actor, id))
    }
    fn prune_requests(&self, before: DateTime<Utc>) -> Result<u64, Error> {
        self.run(|s| s.prune_requests(before))
    }
    fn secret(&self, app: &AppId) -> Result<Option<Secret>, Error> {
        self.run(|s| s.secret(app))
    }
    fn marketplace_id(&self, proposed: &str) -> Result<String, Error> {
        self.run(|s| s.marketplace_id(proposed))
    }
    fn claim(&self, target: &Target, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool, Error> {
        self.run(|s| s.claim(target, now, until))
    }
    fn release(&self, target: &Target) -> Result<(), Error> {
        self.run(|s| s.release(target))
    }
    fn load_many(&self, targets: &[Target]) -> Result<Vec<Option<(Record, u64)>>, Error> {
        self.run(|s| s.load_many(targets))
    }
    fn commit_many(&self, commits: Vec<Commit>, at: DateTime<Utc>) -> Result<Vec<Result<u64, Error>>, Error> {
        self.run(|s| s.commit_many(commits, at))
    }
    fn claim_due(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
        skip: &HashSet<Target>,
    ) -> Result<Vec<Target>, Error> {
        self.run(|s| s.claim_due(now, until, limit, skip))
    }
}

/// A store kept in one SQLite file, which survives restarts and crashes. Pass it to a
/// marketplace: `Marketplace(store=SqliteStore("market.db"))`. `synchronous="full"` syncs every
/// commit to disk, so that a power loss loses nothing that returned (the default, `"normal"`,
/// loses nothing on a crash of the process). `secret_key` (32 bytes the host keeps) seals app
/// passwords in the file, which are in plain text without it; a file sealed with another key, or
/// opened without its key, is a `Storage` error. `previous_secret_key` (with `secret_key`)
/// rotates the key: every password is sealed again with the new one as the store opens.
#[pyclass(frozen, module = "appmarket")]
pub struct SqliteStore {
    /// The shared store.
    pub inner: Arc<appmarket_sqlite::SqliteStore>,
}

#[pymethods]
impl SqliteStore {
    #[new]
    #[pyo3(signature = (path, *, synchronous = "normal", secret_key = None, previous_secret_key = None))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        synchronous: &str,
        secret_key: Option<&[u8]>,
        previous_secret_key: Option<&[u8]>,
    ) -> PyResult<Self> {
        let synchronous = match synchronous {
            "normal" => appmarket_sqlite::Synchronous::Normal,
            "full" => appmarket_sqlite::Synchronous::Full,
            other => {
                return Err(Error::invalid("synchronous", format!("\"normal\" or \"full\", not {other:?}")).into());
            }
        };
        let options = appmarket_sqlite::SqliteOptions {
            synchronous,
            secret_key: key(secret_key)?,
            previous_secret_key: key(previous_secret_key)?,
            ..Default::default()
        };
        let store = py.detach(|| appmarket_sqlite::SqliteStore::open_with(&path, options))?;
        Ok(Self { inner: Arc::new(store) })
    }

    /// The file's path.
    #[getter]
    fn path(&self) -> PathBuf {
        self.inner.path().to_path_buf()
    }

    fn __repr__(&self) -> String {
        format!("SqliteStore({:?})", self.inner.path().display().to_string())
    }
}

impl SqliteStore {
    /// The store for a marketplace: calls release the GIL.
    pub fn as_store(&self) -> Arc<dyn Store> {
        Arc::new(Detached(Arc::clone(&self.inner)))
    }
}

/// A store's secret key from Python `bytes` of length 32.
pub fn key(bytes: Option<&[u8]>) -> Result<Option<appmarket_sqlite::SecretKey>, Error> {
    bytes.map(appmarket_sqlite::SecretKey::from_slice).transpose()
}
