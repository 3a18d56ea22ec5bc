//! # appmarket-postgres
//!
//! A PostgreSQL [`Store`] for `appmarket`: several hosts (API servers, a worker running `tick`)
//! share one database.
//!
//! - One row per aggregate: its JSON document plus the columns its queries filter on, with an
//!   index per query; events, request records, passwords (apart, APP-5), sequences and due
//!   instants (with their claims) in tables of their own. Tables whose rows are updated leave
//!   room on each page (`fillfactor`), so that an update changing no indexed column stays on
//!   its page and touches no index.
//! - Every write checks the version it was loaded at (optimistic concurrency); a concurrent
//!   change, a unique violation, a serialization failure or a deadlock is
//!   [`Error::Conflict`], so the facade decides again.
//! - Events are numbered gaplessly in commit order: a commit that appends events advances a
//!   single stream-head row inside its transaction, so the next one waits for it.
//! - Due items are claimed a page at a time with one statement (`FOR UPDATE SKIP LOCKED`, then
//!   the due rows' `claimed_until` set), so hosts running `tick` together process each due item
//!   once and take different pages; a page's apps are loaded with one query and saved by one
//!   statement (the apps updated from arrays), whose writes end the claims.
//! - A commit is one statement (data-modifying CTEs whose checks raise and undo it), sent on
//!   its own outside a transaction block: atomic by itself, one round trip whatever it holds
//!   (a commit of more than 32 writes runs as several statements in one transaction).
//! - Numbers (`next_number`) are reserved 64 at a time by one statement and handed out from
//!   memory: unique across hosts and increasing on each, but not in creation order across
//!   hosts, and a host that restarts skips the rest of its block (gaps).
//! - New events are announced with `LISTEN/NOTIFY` after commit ([`PostgresStore::listener`]);
//!   `events_since` stays the source of truth.
//! - The schema is created and upgraded under an advisory lock; a newer schema is refused.
//! - Opening a connection is bounded by the connect timeout as a whole (TCP, the TLS request,
//!   the startup, the authentication and a first query): a server that accepts and never
//!   answers is an [`Error::Storage`] after it, not a hang. The timeout is the builder's
//!   ([`PostgresStoreBuilder::connect_timeout`]), else the URL's `connect_timeout`, else 10 s.
//! - TLS is asked for in the URL as libpq reads it: `sslmode` (`disable`, the default when
//!   absent; `prefer`; `require`; `verify-ca`; `verify-full`) and `sslrootcert` (a PEM file of
//!   CA certificates, or `system` for Mozilla's roots), with rustls (ring; no system OpenSSL).
//!   A certificate for another host, one not signed by the CA, or a server without TLS under
//!   `require` is an [`Error::Storage`] saying which.
//! - A listing (`orders_of`, `apps_of`, `flows_of`) reads the index of its filters newest first
//!   and stops at its page. When the page does not tell its total (a full page, or one past the
//!   end), a listing filtered by nothing or by its status alone reads it from `listing_counts`
//!   (per listing, owner and status), which triggers keep in the statement of every commit that
//!   creates a record or changes its owner, status or listedness; other filters count their
//!   matches on the same index.
//! - A connection that broke (server restart, `pg_terminate_backend`) is dropped from the pool:
//!   the call in flight gets [`Error::Storage`], later calls open fresh connections. An idle
//!   connection is checked before use without a round trip (what the server sent meanwhile is
//!   read), so a commit is not sent on a connection known to be dead; one that breaks while a
//!   commit runs gets an error saying the commit may or may not have been applied (a request
//!   id makes the retry safe).
//!
//!
//! # Secrets at rest
//!
//! App passwords (APP-5) are kept apart from the apps, in `secrets`; a request record of a
//! reveal keeps only which app it was, and a replay reads the app's current password. With
//! [`PostgresStoreBuilder::secret_key`] (32 bytes the hosts keep, never in the database) each
//! password is sealed with XChaCha20-Poly1305, a random nonce per value and the app's id as
//! associated data; the schema records a key check (`meta`), so that opening it with another
//! key, or without one, is refused with [`Error::Storage`] and changes nothing. A schema opened
//! with a key for the first time has its plain passwords sealed in one transaction as it opens.
//! Without a key, passwords are in plain text in the database: anyone who can read the table,
//! a dump or a backup can read every app password (and PostgreSQL keeps former row versions
//! until `VACUUM` reclaims them).
//!
//! To rotate the key, open one host with the new key and the current one as
//! [`PostgresStoreBuilder::previous_secret_key`]: every password is sealed again with the new
//! key in one transaction, and the key check follows; opening with the same pair again changes
//! nothing. Hosts still running with the old key refuse to reveal the passwords sealed with the
//! new one ([`Error::Storage`]) until they are restarted with the new key.
//!
//! ```no_run
//! use std::sync::Arc;
//! use appmarket::Marketplace;
//! use appmarket_postgres::PostgresStore;
//!
//! let store = PostgresStore::open("postgresql://appmarket:secret@127.0.0.1:5432/appmarket")?;
//! let market = Marketplace::builder().store(Arc::new(store)).build()?;
//! # Ok::<(), appmarket::Error>(())
//! ```
//!
//! [`Store`]: appmarket::store::Store
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod admin;
mod builder;
mod commit;
mod errors;
mod listener;
mod listing;
mod pool;
mod portable;
mod rows;
mod run;
mod schema;
mod secrets;
mod store;
mod tls;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use appmarket::Error;
use appmarket::actor::ProductId;
use appmarket::catalog::{Product, SearchText};
use appmarket::sealing::Sealing;

pub use appmarket::sealing::SecretKey;
pub use builder::PostgresStoreBuilder;
pub use listener::{CommitBell, EventListener};
pub use schema::SCHEMA_VERSION;

use pool::Pool;
use rows::KindSql;
use run::Fail;

/// A product as cached: its version, the product and its search entry.
type CachedProduct = (i64, Arc<Product>, Arc<SearchText>);

/// The PostgreSQL store. `Send + Sync`; share one per process (it holds a pool).
pub struct PostgresStore {
    pool: Pool,
    kinds: Vec<KindSql>,
    channel: String,
    schema: String,
    /// Products by id, checked against the row's version on every read.
    products: Mutex<HashMap<ProductId, CachedProduct>>,
    /// Numbers reserved by this store and not handed out yet, by sequence name.
    numbers: Mutex<HashMap<&'static str, Block>>,
    /// How passwords are kept: sealed with the secret key, or in plain text.
    sealing: Sealing,
}

/// How many numbers of a sequence a store reserves at once (one statement).
const NUMBER_BLOCK: i64 = 64;

/// A block of reserved numbers: `next..=last` are this store's to hand out, while the pool saw
/// no broken connection since (`breaks`): a server that restarted may have lost the reservation
/// (with asynchronous commits), so the rest of the block is dropped then.
struct Block {
    next: u64,
    last: u64,
    breaks: u64,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").field("schema", &self.schema).finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// The schema the tables live in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The schema version recorded in the database.
    pub fn schema_version(&self) -> Result<i32, Error> {
        self.read("reading the schema version", |conn| schema::version(&mut conn.client).map_err(Fail::Final))
    }

    /// A listener on a connection of its own, told of new events after each commit that
    /// appends some; a host waits on it instead of polling, then reads
    /// [`events_since`](appmarket::store::Store::events_since) from its cursor.
    pub fn listener(&self) -> Result<EventListener, Error> {
        EventListener::new(self.pool.connect()?, &self.channel)
    }

    /// Rings `bell` whenever any host commits events to this database, so that a
    /// [`Ticker`](appmarket::Ticker) on this host (`ring_on_commits(ticker.bell())`) looks at
    /// the next due instant again at once when another host's commit makes something due
    /// earlier, rather than at its `max_sleep`. It listens on a connection of its own
    /// (`LISTEN/NOTIFY`, [`listener`](PostgresStore::listener)) from a thread of its own, and
    /// reconnects when the connection breaks. Stop it (or drop it) before the ticker.
    pub fn ring_on_commits(self: &Arc<Self>, bell: appmarket::Bell) -> Result<CommitBell, Error> {
        CommitBell::start(self.clone(), bell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use appmarket::Target;
    use appmarket::actor::CustomerId;
    use rows::target_key;

    #[test]
    fn a_bad_url_is_a_storage_error_naming_the_format() {
        let err = PostgresStore::open("postgresql://u:p@host:notaport/db").unwrap_err();
        assert!(
            matches!(&err, Error::Storage { reason } if reason.contains("postgresql://user:password@host")),
            "{err}"
        );
        assert!(!err.to_string().contains(":p@"), "the password is not repeated: {err}");
    }

    #[test]
    fn a_bad_schema_name_is_invalid_input() {
        let err = PostgresStore::builder("postgresql://localhost/db").schema("Robert'); DROP").open().unwrap_err();
        assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "schema"), "{err}");
    }

    #[test]
    fn target_keys_sort_like_targets() {
        let a = Target::Order(appmarket::OrderId::parse("ORD-00000002").unwrap());
        let b = Target::App(appmarket::AppId::parse("APP-00000001").unwrap());
        let c = Target::Account(CustomerId::parse("zed").unwrap());
        let mut targets = vec![b.clone(), a.clone(), c.clone()];
        targets.sort();
        let mut keys: Vec<String> = targets.iter().map(target_key).collect();
        keys.sort();
        assert_eq!(keys.iter().map(|k| rows::target_of_key(k).unwrap()).collect::<Vec<_>>(), targets);
    }
}
