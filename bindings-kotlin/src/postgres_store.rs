//! `PostgresStore`: several hosts on one PostgreSQL database,
//! `Marketplace.onPostgres(PostgresStore("postgresql://…"))`.

use std::sync::Arc;

use crate::errors::Result;
use crate::marketplace::{ManualClock, Marketplace, Policy, SimulatedPayments};

/// A store in a PostgreSQL database, shared by every host that opens it: no lost update,
/// request ids executed once across hosts, each due item processed by one host's `tick`,
/// events numbered in commit order. A wrong URL, a wrong password, a missing database or a
/// newer schema is `AppMarketException.Storage` saying what to fix.
#[derive(uniffi::Object)]
pub struct PostgresStore {
    pub(crate) core: Arc<appmarket_postgres::PostgresStore>,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the URL: it may hold a password.
        write!(f, "PostgresStore(schema={:?})", self.core.schema())
    }
}

#[uniffi::export]
impl PostgresStore {
    /// Opens the store at `url` (`postgresql://user:password@host:port/database`) in `schema`
    /// (default `public`; several marketplaces can share one database in schemas of their own)
    /// with at most `poolSize` connections (default 8). Creates or upgrades the tables.
    #[uniffi::constructor(default(schema = "public", pool_size = 8))]
    pub fn new(url: String, schema: String, pool_size: u32) -> Result<Arc<Self>> {
        let core =
            appmarket_postgres::PostgresStore::builder(&url).schema(schema).pool_size(pool_size as usize).open()?;
        Ok(Arc::new(PostgresStore { core: Arc::new(core) }))
    }

    /// The PostgreSQL schema holding the tables.
    pub fn schema(&self) -> String {
        self.core.schema().to_owned()
    }
}

#[uniffi::export]
impl Marketplace {
    /// A marketplace over a PostgreSQL store; `policy`, `clock` and `payments` as in the
    /// primary constructor. Every host that opens the same database shares the marketplace.
    #[uniffi::constructor(default(policy = None, clock = None, payments = None))]
    pub fn on_postgres(
        store: Arc<PostgresStore>,
        policy: Option<Arc<Policy>>,
        clock: Option<Arc<ManualClock>>,
        payments: Option<Arc<SimulatedPayments>>,
    ) -> Result<Arc<Self>> {
        let mut builder = appmarket::Marketplace::builder().store(store.core.clone());
        if let Some(policy) = policy {
            builder = builder.policy(policy.core.clone());
        }
        if let Some(clock) = clock {
            builder = builder.clock(clock.core.clone());
        }
        if let Some(payments) = payments {
            builder = builder.payments(payments.core.clone());
        }
        Ok(Arc::new(Marketplace { core: builder.build()? }))
    }
}
