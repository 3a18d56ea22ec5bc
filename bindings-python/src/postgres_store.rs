//! `PostgresStore`: several hosts on one PostgreSQL database,
//! `Marketplace(store=PostgresStore("postgresql://…"))`.

use std::sync::Arc;

use appmarket::store::Store;
use pyo3::prelude::*;

use crate::sqlite_store::{Detached, SqliteStore, key};

/// A store in a PostgreSQL database, shared by every host that opens it: no lost update,
/// request ids executed once across hosts, each due item processed by one host's `tick`,
/// events numbered in commit order. Pass it to a marketplace:
/// `Marketplace(store=PostgresStore("postgresql://user:password@host:5432/db"))`. A wrong URL,
/// a wrong password, a missing database or a newer schema is a `Storage` error saying what to
/// fix. TLS is asked for in the URL, as libpq reads it (`?sslmode=verify-full&sslrootcert=ca.pem`;
/// see the README). `secret_key` and `previous_secret_key` are as for `SqliteStore`; every host
/// sharing the schema uses the same key. Calls release the GIL.
#[pyclass(frozen, module = "appmarket")]
pub struct PostgresStore {
    /// The shared store.
    pub inner: Arc<appmarket_postgres::PostgresStore>,
}

#[pymethods]
impl PostgresStore {
    #[new]
    #[pyo3(signature = (url, *, schema = "public", pool_size = 8, secret_key = None, previous_secret_key = None))]
    fn new(
        py: Python<'_>,
        url: &str,
        schema: &str,
        pool_size: usize,
        secret_key: Option<&[u8]>,
        previous_secret_key: Option<&[u8]>,
    ) -> PyResult<Self> {
        let mut builder = appmarket_postgres::PostgresStore::builder(url).schema(schema).pool_size(pool_size);
        if let Some(key) = key(secret_key)? {
            builder = builder.secret_key(key);
        }
        if let Some(key) = key(previous_secret_key)? {
            builder = builder.previous_secret_key(key);
        }
        let store = py.detach(|| builder.open())?;
        Ok(Self { inner: Arc::new(store) })
    }

    /// The PostgreSQL schema holding the tables.
    #[getter]
    fn schema(&self) -> String {
        self.inner.schema().to_owned()
    }

    /// The URL is not shown: it may hold a password.
    fn __repr__(&self) -> String {
        format!("PostgresStore(schema={:?})", self.inner.schema())
    }
}

impl PostgresStore {
    /// The store for a marketplace: calls release the GIL.
    pub fn as_store(&self) -> Arc<dyn Store> {
        Arc::new(Detached(Arc::clone(&self.inner)))
    }
}

/// The `store=` argument of `Marketplace`: a `SqliteStore` or a `PostgresStore`.
#[derive(FromPyObject)]
pub enum AnyStore<'py> {
    /// A SQLite file.
    Sqlite(PyRef<'py, SqliteStore>),
    /// A PostgreSQL database.
    Postgres(PyRef<'py, PostgresStore>),
}

impl AnyStore<'_> {
    /// The store for a marketplace.
    pub fn as_store(&self) -> Arc<dyn Store> {
        match self {
            AnyStore::Sqlite(s) => s.as_store(),
            AnyStore::Postgres(s) => s.as_store(),
        }
    }
}
