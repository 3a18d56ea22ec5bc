//! The `Marketplace` object and its parts: `Policy`, `ManualClock`, `SimulatedPayments`; the
//! cross-cutting methods (accounts, tick, actions, records, events, now).

use std::sync::Arc;

use appmarket::ffi::{TimeSpan, Timestamp};
use appmarket::payments::Receipt;
use appmarket::{Actor, Availability, CustomerAccount, CustomerId, Event, Money, RequestId, Target, TickReport};

use crate::gateway::{HostGateway, PaymentGateway};
use crate::{Result, caller};

// The core's instants and durations in this crate's own signatures (the clock).
uniffi::use_remote_type!(appmarket::Timestamp);
uniffi::use_remote_type!(appmarket::TimeSpan);

/// The numbers of the rules (RULES.md §12). `Policy()` gives the marketplace's defaults;
/// `Policy.fromJson(json)` overrides any field (missing fields keep their defaults).
#[derive(Debug, Clone, uniffi::Object)]
pub struct Policy {
    pub(crate) core: appmarket::Policy,
}

#[uniffi::export]
impl Policy {
    /// The marketplace's defaults.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Policy { core: appmarket::Policy::default() })
    }

    /// A policy from JSON (snake_case field names, e.g. `{"order_payment_timeout_days": 3}`);
    /// unknown fields and inconsistent values are refused.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>> {
        Ok(Arc::new(Policy { core: appmarket::Policy::from_json(&json)? }))
    }

    /// The policy as JSON, every field present.
    pub fn to_json(&self) -> String {
        self.core.to_json()
    }
}

/// A clock that moves only when told, never backwards (for tests and simulations). Share it
/// with a `Marketplace`; without one, the marketplace uses the system clock.
#[derive(Debug, Clone, uniffi::Object)]
pub struct ManualClock {
    pub(crate) core: appmarket::ManualClock,
}

#[uniffi::export]
impl ManualClock {
    /// A clock showing `start`.
    #[uniffi::constructor]
    pub fn new(start: Timestamp) -> Result<Arc<Self>> {
        Ok(Arc::new(ManualClock { core: appmarket::ManualClock::new(start) }))
    }

    /// The instant the clock shows.
    pub fn now(&self) -> Timestamp {
        self.core.instant()
    }

    /// Moves the clock to `to`; refuses going backwards (`InvalidInput`).
    pub fn set(&self, to: Timestamp) -> Result<()> {
        self.core.set(to)
    }

    /// Moves the clock on by `by`; refuses a negative duration (`InvalidInput`).
    pub fn advance(&self, by: TimeSpan) -> Result<()> {
        self.core.advance(by)
    }
}

/// The simulated payment gateway: balances, scripted declines, and what was charged and
/// refunded. Share it with a `Marketplace` to inspect and steer payments.
#[derive(Debug, Default, uniffi::Object)]
pub struct SimulatedPayments {
    pub(crate) core: Arc<appmarket::SimulatedPayments>,
}

#[uniffi::export]
impl SimulatedPayments {
    /// A gateway with no balances and nothing charged.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(SimulatedPayments::default())
    }

    /// Sets a customer's account balance (for `PaymentMethod.BALANCE`).
    pub fn set_balance(&self, customer: CustomerId, balance: Money) {
        self.core.set_balance(&customer, balance);
    }

    /// A customer's account balance, if set.
    pub fn balance(&self, customer: CustomerId) -> Option<Money> {
        self.core.balance(&customer)
    }

    /// Declines the customer's next charge with `reason`.
    pub fn decline_next(&self, customer: CustomerId, reason: String) {
        self.core.decline_next(&customer, &reason);
    }

    /// Every successful charge, oldest first.
    pub fn charges(&self) -> Vec<Receipt> {
        self.core.charges()
    }

    /// Every successful refund, oldest first.
    pub fn refunds(&self) -> Vec<Receipt> {
        self.core.refunds()
    }
}

/// Where the marketplace keeps its state: `Marketplace(store = Store.sqlite("market.db"))` or
/// `Marketplace(store = Store.postgres(url))`; without one, everything is kept in memory (as
/// Python's `Marketplace(store=SqliteStore(…))` / `PostgresStore(…)` / nothing).
#[derive(uniffi::Object)]
pub struct Store {
    core: Arc<dyn appmarket::store::Store>,
    path: Option<String>,
    schema: Option<String>,
}

#[uniffi::export]
impl Store {
    /// A store kept in one SQLite file, opened (or created) at `path`, which survives restarts
    /// and crashes. `fullSync` syncs every commit to disk, so that a power loss loses nothing
    /// that returned; without it (the default) a crash of the process loses nothing. A file that
    /// is not a store, is damaged, read-only or from a newer version is refused with
    /// `AppMarketException.Storage` naming the path.
    ///
    /// `secretKey` (32 bytes the host keeps) seals app passwords in the file; without it they
    /// are in plain text. A file sealed with another key, or opened without its key, is
    /// `AppMarketException.Storage`. `previousSecretKey` (with `secretKey`) rotates the key:
    /// every password is sealed again with the new one as the store opens.
    #[uniffi::constructor(default(full_sync = false, secret_key = None, previous_secret_key = None))]
    pub fn sqlite(
        path: String,
        full_sync: bool,
        secret_key: Option<Vec<u8>>,
        previous_secret_key: Option<Vec<u8>>,
    ) -> Result<Arc<Self>> {
        use appmarket_sqlite::{SqliteOptions, Synchronous};
        let synchronous = if full_sync { Synchronous::Full } else { Synchronous::Normal };
        let (secret_key, previous_secret_key) = (key(secret_key)?, key(previous_secret_key)?);
        let options = SqliteOptions { synchronous, secret_key, previous_secret_key, ..Default::default() };
        let core = appmarket_sqlite::SqliteStore::open_with(&path, options)?;
        let path = core.path().display().to_string();
        Ok(Arc::new(Store { core: Arc::new(core), path: Some(path), schema: None }))
    }

    /// A store in a PostgreSQL database at `url` (`postgresql://user:password@host:port/db`),
    /// shared by every host that opens it: no lost update, request ids executed once across
    /// hosts, each due item processed by one host's `tick`, events numbered in commit order.
    /// Tables live in `schema` (default `public`; several marketplaces can share a database),
    /// with at most `poolSize` connections (default 8); they are created or upgraded. A wrong
    /// URL, password or database, or a newer schema, is `AppMarketException.Storage` saying what
    /// to fix. TLS is asked for in the URL, as libpq reads it
    /// (`?sslmode=verify-full&sslrootcert=ca.pem`; see the README). `secretKey` and
    /// `previousSecretKey` are as for `sqlite`; every host sharing the schema uses the same key.
    #[uniffi::constructor(default(schema = "public", pool_size = 8, secret_key = None, previous_secret_key = None))]
    pub fn postgres(
        url: String,
        schema: String,
        pool_size: u32,
        secret_key: Option<Vec<u8>>,
        previous_secret_key: Option<Vec<u8>>,
    ) -> Result<Arc<Self>> {
        let mut builder = appmarket_postgres::PostgresStore::builder(&url).schema(schema).pool_size(pool_size as usize);
        if let Some(key) = key(secret_key)? {
            builder = builder.secret_key(key);
        }
        if let Some(key) = key(previous_secret_key)? {
            builder = builder.previous_secret_key(key);
        }
        let core = builder.open()?;
        let schema = core.schema().to_owned();
        Ok(Arc::new(Store { core: Arc::new(core), path: None, schema: Some(schema) }))
    }

    /// The SQLite file's path (`null` for PostgreSQL).
    pub fn path(&self) -> Option<String> {
        self.path.clone()
    }

    /// The PostgreSQL schema holding the tables (`null` for SQLite).
    pub fn schema(&self) -> Option<String> {
        self.schema.clone()
    }
}

/// A store's secret key from its bytes, which are zeroed once copied.
fn key(bytes: Option<Vec<u8>>) -> Result<Option<appmarket_sqlite::SecretKey>> {
    bytes.map(|b| appmarket_sqlite::SecretKey::from_slice(&zeroize::Zeroizing::new(b))).transpose()
}

/// The marketplace: every command and query of the library. Thread-safe: share one instance
/// across threads. Every mutating method takes an optional `requestId` that makes it
/// idempotent (replaying it returns the first result).
#[derive(Debug, uniffi::Object)]
pub struct Marketplace {
    pub(crate) core: Arc<appmarket::Marketplace>,
}

#[uniffi::export]
impl Marketplace {
    /// A marketplace. Each part is one argument, as in Python: `policy` defaults to `Policy()`,
    /// `clock` to the system clock (`ManualClock(start)` for tests and simulations), `store` to
    /// a new in-memory store (`Store.sqlite(path)`, `Store.postgres(url)`), payments to a new
    /// `SimulatedPayments` — or `payments`, or the host's own `gateway` (not both). Refuses an
    /// inconsistent policy.
    #[uniffi::constructor(default(policy = None, clock = None, payments = None, store = None, gateway = None))]
    pub fn new(
        policy: Option<Arc<Policy>>,
        clock: Option<Arc<ManualClock>>,
        payments: Option<Arc<SimulatedPayments>>,
        store: Option<Arc<Store>>,
        gateway: Option<Arc<dyn PaymentGateway>>,
    ) -> Result<Arc<Self>> {
        let mut builder = appmarket::Marketplace::builder();
        if let Some(store) = store {
            builder = builder.store(store.core.clone());
        }
        if let Some(policy) = policy {
            builder = builder.policy(policy.core.clone());
        }
        if let Some(clock) = clock {
            builder = builder.clock(clock.core.clone());
        }
        match (payments, gateway) {
            (Some(_), Some(_)) => {
                return Err(appmarket::Error::invalid(
                    "gateway",
                    "give either payments (the simulated gateway) or gateway (your own), not both",
                ));
            }
            (Some(payments), None) => builder = builder.payments(payments.core.clone()),
            (None, Some(gateway)) => builder = builder.payments(Arc::new(HostGateway(gateway))),
            (None, None) => {}
        }
        Ok(Arc::new(Marketplace { core: Arc::new(builder.build()?) }))
    }

    /// The policy in force.
    pub fn policy(&self) -> Arc<Policy> {
        Arc::new(Policy { core: self.core.policy().clone() })
    }

    /// The current instant of the marketplace's clock.
    pub fn now(&self) -> Timestamp {
        self.core.now()
    }

    /// Registers a customer account, or updates it (a host-level setting: no actor).
    pub fn register_customer(&self, account: CustomerAccount) -> Result<CustomerAccount> {
        self.core.register_customer(account)
    }

    /// Runs the scheduled work due at the clock's current instant (only `Actor.System`).
    pub fn tick(&self, by: Actor) -> Result<TickReport> {
        self.core.tick(&by)
    }

    /// What `by` may do with an order or an app now, each with the rule that refuses it.
    pub fn available_actions(&self, by: Actor, target: Target) -> Result<Vec<Availability>> {
        self.core.available_actions(&by, &target)
    }

    /// The operation records of something `by` may see, oldest first: up to `limit` events
    /// (none: the policy's `max_records_page`) after the event whose `seq` is `after`.
    #[uniffi::method(default(after = 0, limit = None))]
    pub fn records(&self, by: Actor, target: Target, after: u64, limit: Option<u32>) -> Result<Vec<Event>> {
        self.core.records(&by, &target, after, limit)
    }

    /// Runs a command given as JSON (`{"do": "place_order", …}`, see core's `Command`) and
    /// returns its result as JSON, for hosts that drive the marketplace by messages (the
    /// scenario runner uses it).
    #[uniffi::method(default(request_id = None))]
    pub fn run_json(&self, by: Actor, command: String, request_id: Option<RequestId>) -> Result<String> {
        self.core.run_json(caller(by, request_id), &command)
    }

    /// Forgets request ids older than the policy's `requestRetentionDays` (a forgotten id is
    /// then a new request); only the system may. Returns how many were forgotten.
    pub fn forget_old_requests(&self, by: Actor) -> Result<u64> {
        self.core.forget_old_requests(&by)
    }

    /// Up to `limit` events after `cursor` (0 for the start), for notifications.
    pub fn events_since(&self, cursor: u64, limit: u32) -> Result<Vec<Event>> {
        self.core.events_since(cursor, limit as usize)
    }
}
