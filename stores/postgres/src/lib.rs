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
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod errors;
mod listener;
mod pool;
mod rows;
mod schema;
mod secrets;

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use appmarket::actor::{AppId, CustomerId, ProductId, RequestId};
use appmarket::catalog::{Page, PreparedQuery, Product, SearchText};
use appmarket::event::{EVENT_SCHEMA_VERSION, Event, EventKind};
use appmarket::sealing::Sealing;
use appmarket::secret::Secret;
use appmarket::store::{Commit, Record, RequestRecord, Sequence, Store, StoreSnapshot};
use appmarket::supervision::{FlowFilter, ServiceFlow};
use appmarket::{Actor, AppFilter, Appeal, Error, Order, OrderFilter, PurchasedApp, Target};
use chrono::{DateTime, Utc};
use postgres::types::ToSql;
use serde::{Deserialize, Serialize};

pub use appmarket::sealing::SecretKey;
pub use listener::EventListener;
pub use schema::SCHEMA_VERSION;

use errors::{is_connection_lost, to_error};
use pool::{Conn, Pool, prepared};
use rows::{KINDS, KindSql, actor_key, enum_text, kind_sql, nanos, record_of, row_of, target_key};

/// Options of a [`PostgresStore`]; [`PostgresStore::builder`] makes one.
#[derive(Debug, Clone)]
pub struct PostgresStoreBuilder {
    url: String,
    schema: String,
    pool_size: usize,
    connect_timeout: Option<Duration>,
    application_name: String,
    synchronous_commit: bool,
    secret_key: Option<SecretKey>,
    previous_secret_key: Option<SecretKey>,
}

impl PostgresStoreBuilder {
    /// The PostgreSQL schema holding the tables (default `public`): several marketplaces can
    /// share one database in schemas of their own. 1–40 lower-case letters, digits and `_`.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// How many connections the store opens at most (default 8).
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size;
        self
    }

    /// The name the connections show in `pg_stat_activity` (default `appmarket`): name each
    /// host to tell them apart.
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.application_name = name.into();
        self
    }

    /// Whether a commit waits until the server has flushed it to disk (default `true`). With
    /// `false` (PostgreSQL's `synchronous_commit = off`) commits return sooner and the stream
    /// head is held for less time, but a crash of the database server may lose the last
    /// fraction of a second of commits that had already returned (never half of one: the
    /// database stays consistent), events that hosts had already read included: their numbers
    /// are then given to the next events. A crash of a host loses nothing either way.
    ///
    /// Durable commits that append events are saved one at a time, each waiting for its flush
    /// (the stream head is held until then, so that event numbers follow commit order): their
    /// rate is bounded by the disk's flush time, whatever the number of connections.
    pub fn synchronous_commit(mut self, on: bool) -> Self {
        self.synchronous_commit = on;
        self
    }

    /// The key that seals app passwords in the database (default none: plain text). Every host
    /// sharing the schema uses the same key. See [Secrets at rest](crate#secrets-at-rest).
    pub fn secret_key(mut self, key: SecretKey) -> Self {
        self.secret_key = Some(key);
        self
    }

    /// The key the passwords are sealed with now, to seal them again with
    /// [`secret_key`](Self::secret_key) as the store opens (key rotation). See
    /// [Secrets at rest](crate#secrets-at-rest).
    pub fn previous_secret_key(mut self, key: SecretKey) -> Self {
        self.previous_secret_key = Some(key);
        self
    }

    /// How long opening a connection (and waiting for a free one) may take: the TCP connect,
    /// the TLS request, the startup and the authentication together. Default: the URL's
    /// `connect_timeout` (in seconds), else 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Connects, creates or upgrades the schema, and returns the store. A wrong URL, a wrong
    /// password, a missing database or a database of a newer schema is an [`Error::Storage`]
    /// saying what to fix.
    pub fn open(self) -> Result<PostgresStore, Error> {
        let schema = self.schema;
        if schema.is_empty()
            || schema.len() > 40
            || !schema.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            || schema.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(Error::invalid(
                "schema",
                format!(
                    "`{schema}` is not a schema name: use 1–40 lower-case letters, digits and _, not starting with a digit"
                ),
            ));
        }
        if self.pool_size == 0 {
            return Err(Error::invalid("pool_size", "a pool holds at least one connection"));
        }
        let mut config = postgres::Config::from_str(&self.url).map_err(|e| errors::url_error(&e))?;
        let connect_timeout =
            self.connect_timeout.or(config.get_connect_timeout().copied()).unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        config
            .options(&format!(
                "-c search_path={schema} -c synchronous_commit={}",
                if self.synchronous_commit { "on" } else { "off" }
            ))
            .application_name(&self.application_name)
            .connect_timeout(connect_timeout);
        let pool = Pool::new(config, self.pool_size, connect_timeout);
        let mut first = pool.connect()?;
        schema::migrate(&mut first, &schema)?;
        let sealing =
            secrets::settle(&mut first, &schema, self.secret_key.as_ref(), self.previous_secret_key.as_ref())?;
        drop(first);
        let channel = format!("appmarket_events_{schema}");
        Ok(PostgresStore {
            pool,
            kinds: KINDS.iter().map(kind_sql).collect(),
            channel,
            schema,
            products: Mutex::new(HashMap::new()),
            numbers: Mutex::new(HashMap::new()),
            sealing,
        })
    }
}

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

/// How long opening a connection may take when neither the builder nor the URL says.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

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

/// An event as stored: everything but its number, which is a column.
#[derive(Serialize, Deserialize)]
struct StoredEvent {
    schema_version: u32,
    at: DateTime<Utc>,
    actor: Actor,
    target: Target,
    kind: EventKind,
}

/// How a call failed inside: on a connection that may have died while idle, before anything was
/// applied (retry on a fresh one), or for good.
enum Fail {
    Retry(postgres::Error),
    Final(Error),
}

impl From<Error> for Fail {
    fn from(e: Error) -> Fail {
        Fail::Final(e)
    }
}

/// A listing's conditions: `owned` (the owner, `$1`) and each filter that is set, written with
/// `$?` for its parameter. Only the set filters appear, so that each combination is a statement
/// of its own, planned on its index.
fn conditions<'a>(
    owned: &str,
    owner: &'a (dyn ToSql + Sync),
    filters: &[(&str, &'a Option<String>)],
) -> (String, Vec<&'a (dyn ToSql + Sync)>) {
    let mut sql = owned.to_owned();
    let mut params = vec![owner];
    for (condition, value) in filters {
        if let Some(value) = value {
            params.push(value);
            sql.push_str(" AND ");
            sql.push_str(&condition.replace("$?", &format!("${}", params.len())));
        }
    }
    (sql, params)
}

/// A listing whose total is kept by the commits in `listing_counts` (per owner and status): one
/// filtered by nothing but its owner, or by its status too. Other filters count their matches.
struct Counted<'a> {
    /// `orders`, `apps`, `customer_flows` or `seller_flows`.
    listing: &'static str,
    owner: &'a str,
    status: Option<&'a str>,
}

fn page_bounds(page: u32, page_size: u32) -> (i64, i64) {
    let offset = i64::from(page.saturating_sub(1)) * i64::from(page_size);
    (i64::from(page_size), offset)
}

impl PostgresStore {
    /// Opens the store at `url` (`postgresql://user:password@host:port/database`) with the
    /// default options.
    pub fn open(url: &str) -> Result<PostgresStore, Error> {
        PostgresStore::builder(url).open()
    }

    /// Options for a store at `url`.
    pub fn builder(url: &str) -> PostgresStoreBuilder {
        PostgresStoreBuilder {
            url: url.to_owned(),
            schema: "public".into(),
            pool_size: 8,
            connect_timeout: None,
            application_name: "appmarket".into(),
            synchronous_commit: true,
            secret_key: None,
            previous_secret_key: None,
        }
    }

    /// The schema the tables live in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The schema version recorded in the database.
    pub fn schema_version(&self) -> Result<i32, Error> {
        self.read("reading the schema version", |conn| schema::version(&mut conn.client).map_err(Fail::Final))
    }

    /// Everything the store holds, in the order of [`appmarket::MemoryStore::snapshot`]: two
    /// stores with the same content give equal snapshots. Reads the whole database: for tests
    /// and diagnostics of small stores.
    pub fn snapshot(&self) -> Result<StoreSnapshot, Error> {
        let mut records = Vec::new();
        for (rank, kind) in KINDS.iter().enumerate() {
            let sql = format!("SELECT version, doc FROM {} ORDER BY id", kind.table);
            for row in self.query("reading a snapshot", &sql, &[])? {
                records.push((record_of(rank, row.get(1))?, row.get::<_, i64>(0) as u64));
            }
        }
        let due = self
            .query("reading a snapshot", "SELECT at, target FROM due ORDER BY at, target", &[])?
            .iter()
            .map(|r| Ok((DateTime::from_timestamp_nanos(r.get(0)), rows::target_of_key(r.get(1))?)))
            .collect::<Result<Vec<_>, Error>>()?;
        let events = self.events_since(0, usize::MAX)?;
        let mut requests = Vec::new();
        for row in self.query("reading a snapshot", "SELECT actor, id FROM requests", &[])? {
            let actor = Actor::parse(row.get(0))?;
            let id = RequestId::parse(row.get(1))?;
            requests.extend(self.request(&actor, &id)?);
        }
        requests.sort_by(|a, b| (&a.actor, &a.id).cmp(&(&b.actor, &b.id)));
        let apps_with_secrets = self
            .query("reading a snapshot", "SELECT app FROM secrets ORDER BY app", &[])?
            .iter()
            .map(|r| AppId::parse(r.get(0)))
            .collect::<Result<Vec<_>, Error>>()?;
        let rows = self.query("reading a snapshot", "SELECT name, value FROM sequences", &[])?;
        let blocks = self.numbers.lock().unwrap_or_else(|p| p.into_inner());
        let mut sequences: Vec<(String, u64)> = rows
            .iter()
            .map(|r| {
                let name: &str = r.get(0);
                let shown = ALL_SEQUENCES
                    .iter()
                    .find(|s| sequence_name(**s) == name)
                    .map_or_else(|| name.to_owned(), |s| format!("{s:?}"));
                // The last number handed out: this store's reserved block is not counted.
                let value = r.get::<_, i64>(1) as u64;
                let unused = blocks.get(name).filter(|b| b.last == value).map_or(0, |b| b.last + 1 - b.next);
                (shown, value - unused)
            })
            .collect();
        drop(blocks);
        sequences.sort();
        Ok(StoreSnapshot { records, due, events, requests, apps_with_secrets, sequences })
    }

    /// Benchmarks only: inserts apps with their due instants, without events, as if each had
    /// just been saved at version 1, in batches of one statement. Not a repository operation.
    #[doc(hidden)]
    pub fn bulk_insert_apps(&self, apps: &[(PurchasedApp, Option<DateTime<Utc>>)]) -> Result<(), Error> {
        for chunk in apps.chunks(2_000) {
            let mut ids = Vec::with_capacity(chunk.len());
            let mut docs = Vec::with_capacity(chunk.len());
            let mut customers = Vec::with_capacity(chunk.len());
            let mut listed = Vec::with_capacity(chunk.len());
            let mut statuses = Vec::with_capacity(chunk.len());
            let mut deliveries = Vec::with_capacity(chunk.len());
            let mut modes = Vec::with_capacity(chunk.len());
            let mut names = Vec::with_capacity(chunk.len());
            let (mut due_keys, mut due_at) = (Vec::new(), Vec::new());
            for (app, due) in chunk {
                ids.push(app.id.to_string());
                docs.push(serde_json::to_string(app).map_err(|e| Error::Storage { reason: e.to_string() })?);
                customers.push(app.customer.to_string());
                listed.push(app.is_listed());
                statuses.push(enum_text(&app.status));
                deliveries.push(enum_text(&app.delivery));
                modes.push(enum_text(&app.mode));
                names.push(app.product_name.to_lowercase());
                if let Some(due) = due {
                    due_keys.push(target_key(&Target::App(app.id.clone())));
                    due_at.push(nanos(*due));
                }
            }
            self.write("inserting apps", |conn| {
                let mut tx = conn.client.transaction()?;
                tx.execute(
                    "INSERT INTO apps (id, version, doc, customer, listed, status, delivery, mode, name_lower)
                     SELECT id, 1, doc, customer, listed, status, delivery, mode, name_lower
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[], $5::text[], $6::text[], $7::text[],
                                 $8::text[]) AS a(id, doc, customer, listed, status, delivery, mode, name_lower)
                     ON CONFLICT (id) DO UPDATE SET version = 1, doc = EXCLUDED.doc, status = EXCLUDED.status,
                         listed = EXCLUDED.listed",
                    &[&ids, &docs, &customers, &listed, &statuses, &deliveries, &modes, &names],
                )?;
                tx.execute(
                    "INSERT INTO due (target, at) SELECT * FROM unnest($1::text[], $2::bigint[])
                     ON CONFLICT (target) DO UPDATE SET at = EXCLUDED.at, claimed_until = NULL",
                    &[&due_keys, &due_at],
                )?;
                tx.commit()
            })?;
        }
        Ok(())
    }

    /// Benchmarks only: drops this store's schema and everything in it (a bench's million apps
    /// would otherwise stay on the server). Not a repository operation.
    #[doc(hidden)]
    pub fn drop_schema(&self) -> Result<(), Error> {
        let sql = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema);
        self.write("dropping the schema", |conn| conn.client.batch_execute(&sql))
    }

    /// A listener on a connection of its own, told of new events after each commit that
    /// appends some; a host waits on it instead of polling, then reads
    /// [`events_since`](Store::events_since) from its cursor.
    pub fn listener(&self) -> Result<EventListener, Error> {
        EventListener::new(self.pool.connect()?, &self.channel)
    }

    /// Runs a read; a connection that died while idle is replaced and the read runs again once.
    fn read<T>(&self, what: &str, mut op: impl FnMut(&mut Conn) -> Result<T, Fail>) -> Result<T, Error> {
        let op = |conn: &mut Conn| {
            op(conn).map_err(|f| match f {
                Fail::Retry(e) if is_connection_lost(&e) => Fail::Retry(e),
                Fail::Retry(e) => Fail::Final(to_error(what, &e)),
                other => other,
            })
        };
        self.run(what, true, op)
    }

    /// Runs `op` on a pooled connection. A lost connection is dropped (and the idle ones with
    /// it); when `op` says nothing was applied and the connection was an idle one, `op` runs
    /// once more on a fresh connection.
    fn run<T>(
        &self,
        what: &str,
        may_retry: bool,
        mut op: impl FnMut(&mut Conn) -> Result<T, Fail>,
    ) -> Result<T, Error> {
        let mut conn = self.pool.get()?;
        match op(conn.conn()) {
            Ok(v) => Ok(v),
            Err(Fail::Final(e)) => {
                if conn.conn().client.is_closed() {
                    conn.broke();
                }
                Err(e)
            }
            Err(Fail::Retry(e)) => {
                let lost = is_connection_lost(&e);
                if lost {
                    conn.broke();
                }
                let again = lost && may_retry && conn.reused;
                drop(conn);
                if !again {
                    return Err(to_error(what, &e));
                }
                let mut fresh = self.pool.get()?;
                op(fresh.conn()).map_err(|f| {
                    let e = match f {
                        Fail::Retry(e) => {
                            if is_connection_lost(&e) {
                                fresh.broke();
                            }
                            to_error(what, &e)
                        }
                        Fail::Final(e) => e,
                    };
                    if fresh.conn().client.is_closed() {
                        fresh.broke();
                    }
                    e
                })
            }
        }
    }

    /// A write of one statement: a lost connection is a [`Error::Storage`] (the statement may
    /// or may not have run), any other failure too, a race a [`Error::Conflict`].
    fn write<T>(&self, what: &str, mut op: impl FnMut(&mut Conn) -> Result<T, postgres::Error>) -> Result<T, Error> {
        self.run(what, false, |conn| op(conn).map_err(Fail::Retry))
    }

    fn query(&self, what: &str, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<postgres::Row>, Error> {
        self.read(what, |conn| {
            let statement = conn.statement(sql).map_err(Fail::Retry)?;
            conn.client.query(&statement, params).map_err(Fail::Retry)
        })
    }

    /// A page of documents of one kind with the total count, newest first. The page reads the
    /// index of its conditions and stops at its last row. When the page does not tell the total
    /// (a full page, or one past the end), a `counted` listing reads it from the counts the
    /// commits keep; any other counts its matches on the same index.
    fn page_of<T>(
        &self,
        what: &str,
        rank: usize,
        (filter_sql, params): (String, Vec<&(dyn ToSql + Sync)>),
        counted: Option<Counted<'_>>,
        (page, page_size): (u32, u32),
        pick: impl Fn(Record) -> Option<T>,
    ) -> Result<Page<T>, Error> {
        let (limit, offset) = page_bounds(page, page_size);
        let table = KINDS[rank].table;
        let n = params.len();
        let sql =
            format!("SELECT doc FROM {table} WHERE {filter_sql} ORDER BY pos DESC LIMIT ${} OFFSET ${}", n + 1, n + 2);
        let mut all = params.clone();
        all.push(&limit);
        all.push(&offset);
        let rows = self.query(what, &sql, &all)?;
        let total = match Page::<T>::total_of_last(page, page_size, rows.len()) {
            Some(total) => total,
            None => {
                let rows = match &counted {
                    Some(Counted { listing, owner, status: None }) => self.query(
                        what,
                        "SELECT COALESCE(sum(n), 0)::bigint FROM listing_counts WHERE listing = $1 AND owner = $2",
                        &[listing, owner],
                    )?,
                    Some(Counted { listing, owner, status: Some(status) }) => self.query(
                        what,
                        "SELECT COALESCE(sum(n), 0)::bigint FROM listing_counts \
                         WHERE listing = $1 AND owner = $2 AND status = $3",
                        &[listing, owner, status],
                    )?,
                    None => self.query(what, &format!("SELECT count(*) FROM {table} WHERE {filter_sql}"), &params)?,
                };
                rows.first().map_or(0, |r| r.get::<_, i64>(0)).max(0) as u64
            }
        };
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            if let Some(item) = pick(record_of(rank, row.get(0))?) {
                items.push(item);
            }
        }
        Ok(Page { items, page, page_size, total })
    }

    /// Products by id from the cache, refreshed for those whose row changed.
    fn cached_products(&self, current: &[(String, i64)]) -> Result<Vec<CachedProduct>, Error> {
        let stale: Vec<String> = {
            let cache = self.products.lock().unwrap_or_else(|p| p.into_inner());
            current
                .iter()
                .filter(|(id, v)| {
                    ProductId::parse(id).ok().and_then(|pid| cache.get(&pid)).is_none_or(|(cv, _, _)| cv != v)
                })
                .map(|(id, _)| id.clone())
                .collect()
        };
        if !stale.is_empty() {
            let rows =
                self.query("loading products", "SELECT id, version, doc FROM products WHERE id = ANY($1)", &[&stale])?;
            let mut cache = self.products.lock().unwrap_or_else(|p| p.into_inner());
            for row in rows {
                let Record::Product(p) = record_of(1, row.get(2))? else { continue };
                let text = Arc::new(SearchText::of(&p));
                cache.insert(p.id.clone(), (row.get(1), Arc::new(*p), text));
            }
        }
        let cache = self.products.lock().unwrap_or_else(|p| p.into_inner());
        Ok(current
            .iter()
            .filter_map(|(id, _)| ProductId::parse(id).ok().and_then(|pid| cache.get(&pid).cloned()))
            .collect())
    }

    fn commit_once(&self, conn: &mut Conn, commit: &Commit, at: DateTime<Utc>) -> Result<u64, Fail> {
        let (client, statements) = conn.parts();
        if commit.writes.len() <= CHUNK {
            // One statement, on its own: atomic without BEGIN and COMMIT (one round trip, and the
            // stream head is held only while the server runs it).
            let head = self.apply_group(client, statements, &[commit], at, true)?;
            return Ok(head[0] as u64);
        }
        // A dead idle connection fails here, before anything is sent: safe to retry.
        let mut tx = client.transaction().map_err(Fail::Retry)?;
        let head = self.apply_group(&mut tx, statements, &[commit], at, false)?;
        Self::end(tx)?;
        Ok(head[0] as u64)
    }

    /// Several commits in one transaction; `None` (and nothing saved) when one of them fails
    /// its checks, so that the caller saves them one by one.
    fn commit_many_once(
        &self,
        conn: &mut Conn,
        commits: &[Commit],
        at: DateTime<Utc>,
    ) -> Result<Option<Vec<u64>>, Fail> {
        if let Some(apps) = app_updates(commits) {
            return self.commit_apps_at_once(conn, commits, &apps, at);
        }
        let (client, statements) = conn.parts();
        let mut tx = client.transaction().map_err(Fail::Retry)?;
        let mut heads = Vec::with_capacity(commits.len());
        // Groups of consecutive commits touching different targets, up to 32 writes, each
        // group one statement.
        let mut group: Vec<&Commit> = Vec::new();
        let mut keys = HashSet::new();
        let mut writes = 0;
        for (i, commit) in commits.iter().enumerate() {
            let targets: Vec<Target> = commit.writes.iter().map(|w| w.record.target()).collect();
            let fits = writes + targets.len() <= 32 && targets.iter().all(|t| !keys.contains(t));
            if !fits && !group.is_empty() {
                match self.apply_group(&mut tx, statements, &group, at, false) {
                    Ok(h) => heads.extend(h.into_iter().map(|h| h as u64)),
                    // The transaction rolls back when dropped.
                    Err(Fail::Final(Error::Conflict { .. })) => return Ok(None),
                    Err(other) => return Err(other),
                }
                group.clear();
                keys.clear();
                writes = 0;
            }
            writes += targets.len();
            keys.extend(targets);
            group.push(commit);
            if i + 1 == commits.len() {
                match self.apply_group(&mut tx, statements, &group, at, false) {
                    Ok(h) => heads.extend(h.into_iter().map(|h| h as u64)),
                    Err(Fail::Final(Error::Conflict { .. })) => return Ok(None),
                    Err(other) => return Err(other),
                }
            }
        }
        Self::end(tx)?;
        Ok(Some(heads))
    }

    /// Commits that each update one app and nothing else (a page of `tick`) in one statement
    /// outside a transaction block: the apps updated from arrays (one plan whatever their
    /// number), their due rows, claims and events as [`apply_group`](Self::apply_group) does;
    /// `None` (and nothing saved) when one of them is stale.
    fn commit_apps_at_once(
        &self,
        conn: &mut Conn,
        commits: &[Commit],
        apps: &[AppUpdate<'_>],
        at: DateTime<Utc>,
    ) -> Result<Option<Vec<u64>>, Fail> {
        let what = "saving commits";
        let n = apps.len();
        // In key order, so that hosts lock rows in the same order.
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|a, b| apps[*a].0.id.as_str().cmp(apps[*b].0.id.as_str()));
        let (mut ids, mut expected, mut docs) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut customers, mut listed, mut statuses) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::new());
        let (mut deliveries, mut modes, mut names) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::new());
        let (mut touched, mut due_keys, mut due_at, mut not_due) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in order {
            let (app, version, due) = apps[i];
            ids.push(app.id.as_str());
            expected.push(i64::try_from(version).unwrap_or(i64::MAX));
            docs.push(
                serde_json::to_string(app)
                    .map_err(|e| Error::Storage { reason: format!("cannot serialize a record: {e}") })?,
            );
            let c = rows::app_columns(app);
            customers.push(c.customer);
            listed.push(c.listed);
            statuses.push(c.status);
            deliveries.push(c.delivery);
            modes.push(c.mode);
            names.push(c.name_lower);
            let key = target_key(&Target::App(app.id.clone()));
            match due {
                Some(due) => {
                    due_keys.push(key.clone());
                    due_at.push(nanos(due));
                }
                None => not_due.push(key.clone()),
            }
            touched.push(key);
        }
        let (event_targets, event_docs) = stored_events(commits.iter(), at)?;
        let count = n as i64;
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![
            &ids,
            &expected,
            &docs,
            &customers,
            &listed,
            &statuses,
            &deliveries,
            &modes,
            &names,
            &touched,
            &not_due,
            &due_keys,
            &due_at,
            &count,
        ];
        let head = if event_docs.is_empty() {
            "(SELECT seq FROM stream_head WHERE id = 1)"
        } else {
            params.extend([&event_targets as &(dyn ToSql + Sync), &event_docs, &self.channel]);
            "(SELECT seq FROM head), pg_notify($17, (SELECT seq FROM head)::text)"
        };
        let events = if event_docs.is_empty() {
            ""
        } else {
            ",
             head AS (UPDATE stream_head SET seq = seq + cardinality($15::text[]) WHERE id = 1 RETURNING seq),
             appended AS (INSERT INTO events (seq, target, doc)
                 SELECT head.seq - cardinality($15::text[]) + e.n, e.target, e.doc
                 FROM head, unnest($15::text[], $16::text[]) WITH ORDINALITY AS e(target, doc, n))"
        };
        let sql = format!(
            "WITH v AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bool[], $6::text[],
                                          $7::text[], $8::text[], $9::text[])
                        AS v(id, expected, doc, customer, listed, status, delivery, mode, name_lower)),
             w AS (UPDATE apps a SET version = a.version + 1, doc = v.doc, customer = v.customer, listed = v.listed,
                       status = v.status, delivery = v.delivery, mode = v.mode, name_lower = v.name_lower
                   FROM v WHERE a.id = v.id AND a.version = v.expected RETURNING 1),
             ended AS (DELETE FROM claims WHERE target = ANY($10::text[])),
             undue AS (DELETE FROM due WHERE target = ANY($11::text[])),
             due_set AS (INSERT INTO due (target, at) SELECT * FROM unnest($12::text[], $13::bigint[])
                         ON CONFLICT (target) DO UPDATE SET at = EXCLUDED.at, claimed_until = NULL){events}
             SELECT appmarket_check((SELECT count(*) FROM w) = $14, 'AM001', 'an app changed meanwhile'), {head}"
        );
        let fail = |e: postgres::Error| {
            Fail::Final(if is_connection_lost(&e) { unknown_outcome(&e) } else { to_error(what, &e) })
        };
        let s = conn.statement(&sql).map_err(|e| if is_connection_lost(&e) { Fail::Retry(e) } else { fail(e) })?;
        let row = match conn.client.query_one(&s, &params) {
            Ok(row) => row,
            Err(e) => {
                return match fail(e) {
                    Fail::Final(Error::Conflict { .. }) => Ok(None),
                    other => Err(other),
                };
            }
        };
        let mut head: i64 = row.get(1);
        let mut heads = vec![0; commits.len()];
        for (j, commit) in commits.iter().enumerate().rev() {
            heads[j] = head as u64;
            head -= commit.events.len() as i64;
        }
        Ok(Some(heads))
    }

    /// Commits a transaction; a connection lost at that moment leaves the outcome unknown.
    fn end(tx: postgres::Transaction<'_>) -> Result<(), Fail> {
        tx.commit().map_err(|e| {
            if is_connection_lost(&e) {
                Fail::Final(unknown_outcome(&e))
            } else {
                Fail::Final(to_error("saving a commit", &e))
            }
        })
    }

    /// Writes commits whose writes touch different targets in one statement (one round trip):
    /// a data-modifying CTE per write (writes sorted by key, so hosts lock rows in the same
    /// order), the due index and claims, passwords, the request records and the events
    /// (numbered in list order), then checks every write and request id with `appmarket_check`,
    /// which raises (and so undoes the whole statement) when one failed. Returns the stream head
    /// after each commit.
    ///
    /// With `alone` the statement is sent outside a transaction (it is atomic on its own): a
    /// connection lost while it runs leaves its outcome unknown. Otherwise it runs inside the
    /// transaction `tx`, and a group of more than [`CHUNK`] writes runs its earlier writes as
    /// statements of their own.
    fn apply_group(
        &self,
        tx: &mut impl postgres::GenericClient,
        statements: &mut HashMap<String, postgres::Statement>,
        commits: &[&Commit],
        at: DateTime<Utc>,
        alone: bool,
    ) -> Result<Vec<i64>, Fail> {
        use std::fmt::Write as _;
        let what = "saving a commit";
        let fail = |e: postgres::Error| {
            Fail::Final(if alone && is_connection_lost(&e) { unknown_outcome(&e) } else { to_error(what, &e) })
        };
        // Preparing runs nothing: a connection lost then may be replaced and the commit sent again.
        let prepare_fail = |e: postgres::Error| if is_connection_lost(&e) { Fail::Retry(e) } else { fail(e) };
        let mut writes: Vec<(String, &appmarket::store::Write)> =
            commits.iter().flat_map(|c| &c.writes).map(|w| (target_key(&w.record.target()), w)).collect();
        writes.sort_by(|a, b| a.0.cmp(&b.0));
        let mut rows = Vec::with_capacity(writes.len());
        let mut expected = Vec::with_capacity(writes.len());
        let mut messages = Vec::with_capacity(writes.len() + 1);
        let (mut touched, mut due_keys, mut due_at, mut not_due) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (key, w) in &writes {
            rows.push(row_of(&w.record)?);
            expected.push(i64::try_from(w.expected_version).unwrap_or(i64::MAX));
            messages.push(format!(
                "{} changed meanwhile (expected version {}): load it again and retry",
                w.record.target(),
                w.expected_version
            ));
            touched.push(key.clone());
            match w.due {
                Some(due) => {
                    due_keys.push(key.clone());
                    due_at.push(nanos(due));
                }
                None => not_due.push(key.clone()),
            }
        }
        // Passwords (sealed with the key, if any): the last one given for an app wins.
        let mut secrets: Vec<(&AppId, &Secret)> = Vec::new();
        for (app, secret) in commits.iter().flat_map(|c| &c.secrets) {
            secrets.retain(|(a, _)| *a != app);
            secrets.push((app, secret));
        }
        let (mut secret_apps, mut secret_plain, mut secret_sealed) = (Vec::new(), Vec::new(), Vec::new());
        for (app, secret) in secrets {
            let (plain, sealed) = secrets::columns(self.sealing.keep(app, secret)?);
            secret_apps.push(app.as_str());
            secret_plain.push(plain);
            secret_sealed.push(sealed);
        }
        let mut requests = Vec::new();
        for req in commits.iter().filter_map(|c| c.request.as_ref()) {
            let doc = serde_json::to_string(req)
                .map_err(|e| Error::Storage { reason: format!("cannot serialize a request record: {e}") })?;
            requests.push((
                actor_key(&req.actor),
                req.id.as_str().to_owned(),
                nanos(req.at),
                doc,
                format!("request id {} was used meanwhile", req.id),
            ));
        }
        let (event_targets, event_docs) = stored_events(commits.iter().copied(), at)?;

        // The placeholder of the parameter just pushed.
        fn next(params: &[&(dyn ToSql + Sync)], _what: &str) -> String {
            format!("${}", params.len())
        }
        // A write as a CTE and its check. A large commit (more than one chunk of writes) runs
        // its earlier chunks as statements of their own in the same transaction, so that a
        // statement stays within PostgreSQL's parameter limit and statement shapes stay few.
        let mut params: Vec<&(dyn ToSql + Sync)> = Vec::new();
        let mut ctes: Vec<String> = Vec::new();
        let mut checks: Vec<String> = Vec::new();
        let chunks = rows.len().div_ceil(CHUNK).max(1);
        for (i, row) in rows.iter().enumerate() {
            let kind = &KINDS[row.rank];
            params.push(&row.id);
            let id = next(&params, "id");
            params.push(&row.doc);
            let doc = next(&params, "doc");
            let mut cols = Vec::with_capacity(row.columns.len());
            for c in &row.columns {
                params.push(c.as_ref() as &(dyn ToSql + Sync));
                cols.push(next(&params, "column"));
            }
            let t = kind.table;
            let w = ctes.len();
            let cte = if expected[i] == 0 {
                let names: String = kind.columns.iter().map(|c| format!(", {c}")).collect();
                let values: String = cols.iter().map(|v| format!(", {v}")).collect();
                format!(
                    "w{w} AS (INSERT INTO {t} (id, version, doc{names}) VALUES ({id}, 1, {doc}{values}) \
                     ON CONFLICT (id) DO NOTHING RETURNING 1)"
                )
            } else {
                params.push(&expected[i]);
                let version = next(&params, "version");
                let sets: String = kind.columns.iter().zip(&cols).map(|(c, v)| format!(", {c} = {v}")).collect();
                format!(
                    "w{w} AS (UPDATE {t} SET version = version + 1, doc = {doc}{sets} \
                     WHERE id = {id} AND version = {version} RETURNING 1)"
                )
            };
            ctes.push(cte);
            params.push(&messages[i]);
            let message = next(&params, "message");
            checks.push(format!("appmarket_check((SELECT count(*) FROM w{w}) = 1, 'AM001', {message})"));
            if (i + 1) % CHUNK == 0 && (i + 1) / CHUNK < chunks {
                let sql = format!("WITH {} SELECT {}", ctes.join(",\n "), checks.join(" AND "));
                let s = prepared(statements, tx, &sql).map_err(prepare_fail)?;
                tx.query_one(&s, &params).map_err(fail)?;
                params.clear();
                ctes.clear();
                checks.clear();
            }
        }
        if !touched.is_empty() {
            params.push(&touched);
            let touched = next(&params, "touched");
            params.push(&not_due);
            let not_due = next(&params, "not due");
            params.push(&due_keys);
            let keys = next(&params, "due keys");
            params.push(&due_at);
            let at = next(&params, "due at");
            ctes.push(format!("ended AS (DELETE FROM claims WHERE target = ANY({touched}::text[]))"));
            ctes.push(format!("undue AS (DELETE FROM due WHERE target = ANY({not_due}::text[]))"));
            ctes.push(format!(
                "due_set AS (INSERT INTO due (target, at) SELECT * FROM unnest({keys}::text[], {at}::bigint[]) \
                 ON CONFLICT (target) DO UPDATE SET at = EXCLUDED.at, claimed_until = NULL)"
            ));
        }
        if !secret_apps.is_empty() {
            params.push(&secret_apps);
            let apps = next(&params, "secret apps");
            params.push(&secret_plain);
            let plain = next(&params, "plain secrets");
            params.push(&secret_sealed);
            let sealed = next(&params, "sealed secrets");
            ctes.push(format!(
                "kept AS (INSERT INTO secrets (app, secret, sealed) \
                 SELECT * FROM unnest({apps}::text[], {plain}::text[], {sealed}::bytea[]) \
                 ON CONFLICT (app) DO UPDATE SET secret = EXCLUDED.secret, sealed = EXCLUDED.sealed)"
            ));
        }
        for (j, (actor, id, req_at, doc, message)) in requests.iter().enumerate() {
            let mut p = Vec::new();
            for v in [actor as &(dyn ToSql + Sync), id, req_at, doc] {
                params.push(v);
                p.push(next(&params, "request"));
            }
            ctes.push(format!(
                "req{j} AS (INSERT INTO requests (actor, id, at, doc) VALUES ({}, {}, {}, {}) \
                 ON CONFLICT (actor, id) DO NOTHING RETURNING 1)",
                p[0], p[1], p[2], p[3]
            ));
            params.push(message);
            let message = next(&params, "message");
            checks.push(format!("appmarket_check((SELECT count(*) FROM req{j}) = 1, 'AM002', {message})"));
        }
        // The stream head last: it is held until the transaction ends.
        let head = if event_docs.is_empty() {
            "(SELECT seq FROM stream_head WHERE id = 1)".to_owned()
        } else {
            params.push(&event_targets);
            let targets = next(&params, "event targets");
            params.push(&event_docs);
            let docs = next(&params, "events");
            params.push(&self.channel);
            let channel = next(&params, "channel");
            ctes.push(format!(
                "head AS (UPDATE stream_head SET seq = seq + cardinality({targets}::text[]) WHERE id = 1 RETURNING seq)"
            ));
            ctes.push(format!(
                "appended AS (INSERT INTO events (seq, target, doc) \
                 SELECT head.seq - cardinality({targets}::text[]) + e.n, e.target, e.doc \
                 FROM head, unnest({targets}::text[], {docs}::text[]) WITH ORDINALITY AS e(target, doc, n))"
            ));
            format!("(SELECT seq FROM head), pg_notify({channel}, (SELECT seq FROM head)::text)")
        };
        let mut sql = String::new();
        if !ctes.is_empty() {
            let _ = write!(sql, "WITH {} ", ctes.join(",\n "));
        }
        let checked = if checks.is_empty() { "true".to_owned() } else { checks.join(" AND ") };
        // The checks first (they run the writes), the stream head last.
        let _ = write!(sql, "SELECT {checked}, {head}");
        let s = prepared(statements, tx, &sql).map_err(prepare_fail)?;
        let row = tx.query_one(&s, &params).map_err(fail)?;
        let mut head: i64 = row.get(1);
        // The head after each commit: the final head less the events of the commits after it.
        let mut heads = vec![0; commits.len()];
        for (j, commit) in commits.iter().enumerate().rev() {
            heads[j] = head;
            head -= commit.events.len() as i64;
        }
        Ok(heads)
    }
}

/// The events of `commits` as stored: their targets' keys and their documents, in order.
fn stored_events<'a>(
    commits: impl Iterator<Item = &'a Commit>,
    at: DateTime<Utc>,
) -> Result<(Vec<String>, Vec<String>), Error> {
    let mut targets = Vec::new();
    let mut docs = Vec::new();
    for e in commits.flat_map(|c| &c.events) {
        targets.push(target_key(&e.target));
        let stored = StoredEvent {
            schema_version: EVENT_SCHEMA_VERSION,
            at,
            actor: e.actor.clone(),
            target: e.target.clone(),
            kind: e.kind.clone(),
        };
        docs.push(
            serde_json::to_string(&stored)
                .map_err(|e| Error::Storage { reason: format!("cannot serialize an event: {e}") })?,
        );
    }
    Ok((targets, docs))
}

/// An app to save: the app, the version it was loaded at and when it is next due.
type AppUpdate<'a> = (&'a PurchasedApp, u64, Option<DateTime<Utc>>);

/// The apps of commits that each update one app (at a version above 0) and nothing else, all
/// different, with their versions and due instants; `None` for any other list.
fn app_updates(commits: &[Commit]) -> Option<Vec<AppUpdate<'_>>> {
    let mut seen = HashSet::with_capacity(commits.len());
    let mut apps = Vec::with_capacity(commits.len());
    for c in commits {
        let ([w], None, true) = (c.writes.as_slice(), &c.request, c.secrets.is_empty()) else { return None };
        let Record::App(app) = &w.record else { return None };
        if w.expected_version == 0 || !seen.insert(app.id.as_str()) {
            return None;
        }
        apps.push((&**app, w.expected_version, w.due));
    }
    (!apps.is_empty()).then_some(apps)
}

/// Writes per statement of a commit: a commit of more runs as several statements in one
/// transaction, so that a statement stays within PostgreSQL's parameter limit and statement
/// shapes stay few.
const CHUNK: usize = 32;

/// A connection lost while a commit was being applied (or committed): it may or may not have
/// been saved.
fn unknown_outcome(e: &postgres::Error) -> Error {
    Error::Storage {
        reason: format!(
            "the connection to PostgreSQL broke while committing ({e}): the commit may or may not have been \
             applied; load the records again (or send the same request id again) before retrying"
        ),
    }
}

fn event_of(seq: i64, doc: &str) -> Result<Event, Error> {
    let stored: StoredEvent = serde_json::from_str(doc).map_err(|e| errors::corrupt("event", e))?;
    Ok(Event {
        schema_version: stored.schema_version,
        seq: seq as u64,
        at: stored.at,
        actor: stored.actor,
        target: stored.target,
        kind: stored.kind,
    })
}

const ALL_SEQUENCES: [Sequence; 6] =
    [Sequence::Product, Sequence::Order, Sequence::App, Sequence::Flow, Sequence::Appeal, Sequence::Invoice];

fn sequence_name(sequence: Sequence) -> &'static str {
    match sequence {
        Sequence::Product => "product",
        Sequence::Order => "order",
        Sequence::App => "app",
        Sequence::Flow => "flow",
        Sequence::Appeal => "appeal",
        Sequence::Invoice => "invoice",
    }
}

impl Store for PostgresStore {
    fn load(&self, target: &Target) -> Result<Option<(Record, u64)>, Error> {
        let (rank, id) = target.kind_and_id();
        let rows = self.query("loading a record", &self.kinds[rank].load, &[&id])?;
        match rows.first() {
            None => Ok(None),
            Some(row) => Ok(Some((record_of(rank, row.get(1))?, row.get::<_, i64>(0) as u64))),
        }
    }

    /// One query per kind among the targets.
    fn load_many(&self, targets: &[Target]) -> Result<Vec<Option<(Record, u64)>>, Error> {
        let mut found: HashMap<(usize, String), (Record, u64)> = HashMap::with_capacity(targets.len());
        for (rank, kind) in KINDS.iter().enumerate() {
            let ids: Vec<&str> =
                targets.iter().map(Target::kind_and_id).filter(|(r, _)| *r == rank).map(|(_, id)| id).collect();
            if ids.is_empty() {
                continue;
            }
            let sql = format!("SELECT id, version, doc FROM {} WHERE id = ANY($1)", kind.table);
            for row in self.query("loading records", &sql, &[&ids])? {
                found.insert((rank, row.get(0)), (record_of(rank, row.get(2))?, row.get::<_, i64>(1) as u64));
            }
        }
        Ok(targets
            .iter()
            .map(|t| {
                let (rank, id) = t.kind_and_id();
                found.get(&(rank, id.to_owned())).cloned()
            })
            .collect())
    }

    fn product(&self, id: &ProductId) -> Result<Option<Arc<Product>>, Error> {
        let cached = {
            let cache = self.products.lock().unwrap_or_else(|p| p.into_inner());
            cache.get(id).cloned()
        };
        let known = cached.as_ref().map_or(-1, |(v, _, _)| *v);
        // The document only when the cached version is stale.
        let rows = self.query(
            "loading a product",
            "SELECT version, CASE WHEN version = $2 THEN NULL ELSE doc END FROM products WHERE id = $1",
            &[&id.as_str(), &known],
        )?;
        let Some(row) = rows.first() else { return Ok(None) };
        let version: i64 = row.get(0);
        match (row.get::<_, Option<&str>>(1), cached) {
            (None, Some((_, p, _))) => Ok(Some(p)),
            (Some(doc), _) => {
                let Record::Product(p) = record_of(1, doc)? else { return Ok(None) };
                let p = Arc::new(*p);
                let text = Arc::new(SearchText::of(&p));
                self.products
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(id.clone(), (version, Arc::clone(&p), text));
                Ok(Some(p))
            }
            (None, None) => Ok(None),
        }
    }

    fn commit(&self, commit: Commit, at: DateTime<Utc>) -> Result<u64, Error> {
        commit.check_writes()?;
        self.run("saving a commit", true, |conn| self.commit_once(conn, &commit, at))
    }

    /// One transaction for all (one flush for a durable commit). When one of them fails its
    /// checks, that transaction is rolled back and they are saved one by one.
    fn commit_many(&self, commits: Vec<Commit>, at: DateTime<Utc>) -> Result<Vec<Result<u64, Error>>, Error> {
        // One that writes a target twice gets its refusal in its slot, the others are saved.
        if commits.iter().any(|c| c.check_writes().is_err()) {
            return appmarket::store::commit_one_by_one(self, commits, at);
        }
        if let Some(heads) = self.run("saving commits", true, |conn| self.commit_many_once(conn, &commits, at))? {
            return Ok(heads.into_iter().map(Ok).collect());
        }
        appmarket::store::commit_one_by_one(self, commits, at)
    }

    /// From a block of numbers this store reserved (one statement per 64
    /// numbers): unique across hosts, increasing on each host, but not in creation order across
    /// hosts, and the unused rest of a block is skipped when the store is dropped (a host
    /// restarts) or its connections broke.
    fn next_number(&self, sequence: Sequence) -> Result<u64, Error> {
        let name = sequence_name(sequence);
        let mut blocks = self.numbers.lock().unwrap_or_else(|p| p.into_inner());
        let breaks = self.pool.breaks();
        if let Some(block) = blocks.get_mut(name)
            && block.breaks == breaks
            && block.next <= block.last
        {
            block.next += 1;
            return Ok(block.next - 1);
        }
        let last = self.write("numbering", |conn| {
            let s = conn.statement(
                "INSERT INTO sequences (name, value) VALUES ($1, $2)
                 ON CONFLICT (name) DO UPDATE SET value = sequences.value + $2 RETURNING value",
            )?;
            conn.client.query_one(&s, &[&name, &NUMBER_BLOCK]).map(|r| r.get::<_, i64>(0) as u64)
        })?;
        let first = last + 1 - NUMBER_BLOCK as u64;
        blocks.insert(name, Block { next: first + 1, last, breaks });
        Ok(first)
    }

    fn search(&self, query: &PreparedQuery<'_>) -> Result<Page<Product>, Error> {
        let rows = self.query("searching products", "SELECT id, version FROM products WHERE listed", &[])?;
        let current: Vec<(String, i64)> = rows.iter().map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1))).collect();
        let products = self.cached_products(&current)?;
        Ok(query.search(products.iter().map(|(_, p, text)| (&**text, &**p))))
    }

    fn orders_of(
        &self,
        customer: &CustomerId,
        filter: &OrderFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<Order>, Error> {
        let status = filter.status.as_ref().map(enum_text);
        let product = filter.product.as_ref().map(|p| p.to_string());
        let customer = customer.as_str();
        self.page_of(
            "listing orders",
            3,
            conditions("customer = $1", &customer, &[("status = $?", &status), ("product = $?", &product)]),
            product.is_none().then_some(Counted { listing: "orders", owner: customer, status: status.as_deref() }),
            (page, page_size),
            |r| match r {
                Record::Order(o) => Some(*o),
                _ => None,
            },
        )
    }

    fn unpaid_orders(&self, customer: &CustomerId) -> Result<u64, Error> {
        let unpaid = enum_text(&appmarket::OrderStatus::PendingPayment);
        let rows = self.query(
            "counting unpaid orders",
            "SELECT count(*) FROM orders WHERE customer = $1 AND status = $2",
            &[&customer.as_str(), &unpaid],
        )?;
        Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0)) as u64)
    }

    fn apps_of(
        &self,
        customer: &CustomerId,
        filter: &AppFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<PurchasedApp>, Error> {
        let status = filter.status.as_ref().map(enum_text);
        let delivery = filter.delivery.as_ref().map(enum_text);
        let mode = filter.mode.as_ref().map(enum_text);
        let name = filter.name.as_ref().map(|n| n.to_lowercase());
        let customer = customer.as_str();
        self.page_of(
            "listing apps",
            4,
            conditions(
                "customer = $1 AND listed",
                &customer,
                &[
                    ("status = $?", &status),
                    ("delivery = $?", &delivery),
                    ("mode = $?", &mode),
                    ("strpos(name_lower, $?) > 0", &name),
                ],
            ),
            (delivery.is_none() && mode.is_none() && name.is_none()).then_some(Counted {
                listing: "apps",
                owner: customer,
                status: status.as_deref(),
            }),
            (page, page_size),
            |r| match r {
                Record::App(a) => Some(*a),
                _ => None,
            },
        )
    }

    fn flows_of(
        &self,
        party: &Actor,
        filter: &FlowFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<ServiceFlow>, Error> {
        let (column, id, listing) = match party {
            Actor::Customer(c) => ("customer", c.as_str(), "customer_flows"),
            Actor::Seller(s) => ("seller", s.as_str(), "seller_flows"),
            _ => return Ok(Page { items: vec![], page, page_size, total: 0 }),
        };
        let status = filter.status.as_ref().map(enum_text);
        let kind = filter.kind.as_ref().map(enum_text);
        let order = filter.order.as_ref().map(|o| o.to_string());
        self.page_of(
            "listing service flows",
            5,
            conditions(
                &format!("{column} = $1"),
                &id,
                &[("status = $?", &status), ("kind = $?", &kind), ("order_id = $?", &order)],
            ),
            (kind.is_none() && order.is_none()).then_some(Counted { listing, owner: id, status: status.as_deref() }),
            (page, page_size),
            |r| match r {
                Record::Flow(f) => Some(*f),
                _ => None,
            },
        )
    }

    fn open_appeals(&self) -> Result<Vec<Appeal>, Error> {
        let rows =
            self.query("listing open appeals", "SELECT doc FROM appeals WHERE open ORDER BY opened_at, id", &[])?;
        rows.iter()
            .map(|row| match record_of(6, row.get(0))? {
                Record::Appeal(a) => Ok(*a),
                _ => Err(errors::corrupt("appeal", "not an appeal")),
            })
            .collect()
    }

    fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Target>, Error> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(
            "reading the due index",
            "SELECT target FROM due WHERE at <= $1 ORDER BY at, target LIMIT $2",
            &[&nanos(now), &limit],
        )?;
        rows.iter().map(|r| rows::target_of_key(r.get(0))).collect()
    }

    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>, Error> {
        let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(
            "reading events",
            "SELECT seq, doc FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&cursor, &limit],
        )?;
        rows.iter().map(|r| event_of(r.get(0), r.get(1))).collect()
    }

    fn records(&self, target: &Target, after: u64, limit: usize) -> Result<Vec<Event>, Error> {
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(
            "reading a record's events",
            "SELECT seq, doc FROM events WHERE target = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            &[&target_key(target), &after, &limit],
        )?;
        rows.iter().map(|r| event_of(r.get(0), r.get(1))).collect()
    }

    fn request(&self, actor: &Actor, id: &RequestId) -> Result<Option<RequestRecord>, Error> {
        let rows = self.query(
            "reading a request id",
            "SELECT doc FROM requests WHERE actor = $1 AND id = $2",
            &[&actor_key(actor), &id.as_str()],
        )?;
        let Some(row) = rows.first() else { return Ok(None) };
        serde_json::from_str(row.get(0)).map(Some).map_err(|e| errors::corrupt("request record", e))
    }

    fn prune_requests(&self, before: DateTime<Utc>) -> Result<u64, Error> {
        self.write("forgetting old request ids", |conn| {
            let s = conn.statement("DELETE FROM requests WHERE at < $1")?;
            conn.client.execute(&s, &[&nanos(before)])
        })
    }

    fn secret(&self, app: &AppId) -> Result<Option<Secret>, Error> {
        let rows =
            self.query("reading a password", "SELECT secret, sealed FROM secrets WHERE app = $1", &[&app.as_str()])?;
        let Some(row) = rows.first() else { return Ok(None) };
        self.sealing.read(app, secrets::stored(row.get(0), row.get(1))?).map(Some)
    }

    fn marketplace_id(&self, proposed: &str) -> Result<String, Error> {
        self.write("recording the marketplace id", |conn| {
            let insert = conn.statement(
                "INSERT INTO meta (key, value) VALUES ('marketplace_id', $1) ON CONFLICT (key) DO NOTHING",
            )?;
            conn.client.execute(&insert, &[&proposed])?;
            let select = conn.statement("SELECT value FROM meta WHERE key = 'marketplace_id'")?;
            conn.client.query_one(&select, &[]).map(|r| r.get(0))
        })
    }

    /// One statement: a due target's claim is its due row's `claimed_until`, set unless a claim
    /// is in force (the row lock makes it exclusive with page claims); a target without a due
    /// row is claimed in the claims table.
    fn claim(&self, target: &Target, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool, Error> {
        let key = target_key(target);
        self.write("claiming a due item", |conn| {
            let s = conn.statement(
                "WITH held AS (SELECT 1 FROM claims WHERE target = $1 AND until > $2),
                 on_due AS (
                     UPDATE due SET claimed_until = $3
                     WHERE target = $1 AND coalesce(claimed_until, $2) <= $2 AND NOT EXISTS (SELECT 1 FROM held)
                     RETURNING 1),
                 is_due AS (SELECT 1 FROM due WHERE target = $1),
                 apart AS (
                     INSERT INTO claims (target, until) SELECT $1, $3 WHERE NOT EXISTS (SELECT 1 FROM is_due)
                     ON CONFLICT (target) DO UPDATE SET until = EXCLUDED.until WHERE claims.until <= $2
                     RETURNING 1)
                 SELECT (SELECT count(*) FROM on_due) + (SELECT count(*) FROM apart)",
            )?;
            conn.client.query_one(&s, &[&key, &nanos(now), &nanos(until)]).map(|r| r.get::<_, i64>(0) > 0)
        })
    }

    fn release(&self, target: &Target) -> Result<(), Error> {
        let key = target_key(target);
        self.write("releasing a claim", |conn| {
            let s = conn.statement(
                "WITH apart AS (DELETE FROM claims WHERE target = $1)
                 UPDATE due SET claimed_until = NULL WHERE target = $1 AND claimed_until IS NOT NULL",
            )?;
            conn.client.execute(&s, &[&key]).map(|_| ())
        })
    }

    /// One statement: the page of due rows not claimed at `now` nor skipped, locked with
    /// `FOR UPDATE SKIP LOCKED` (hosts claiming at the same moment take different pages rather
    /// than queueing on the same rows), claimed by setting their `claimed_until` (an update in
    /// place, found by the locked row's address: no row of its own, no index lookup).
    fn claim_due(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
        skip: &HashSet<Target>,
    ) -> Result<Vec<Target>, Error> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let skip: Vec<String> = skip.iter().map(target_key).collect();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.write("claiming due items", |conn| {
            let s = conn.statement(
                "WITH page AS (
                     SELECT d.ctid FROM due d
                     WHERE d.at <= $1 AND coalesce(d.claimed_until, $1) <= $1 AND d.target <> ALL($4::text[])
                       AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.target = d.target AND c.until > $1)
                     ORDER BY d.at, d.target LIMIT $3
                     FOR UPDATE OF d SKIP LOCKED),
                 claimed AS (
                     UPDATE due SET claimed_until = $2 WHERE ctid = ANY(ARRAY(SELECT ctid FROM page))
                     RETURNING due.target, due.at)
                 SELECT target FROM claimed ORDER BY at, target",
            )?;
            conn.client.query(&s, &[&nanos(now), &nanos(until), &limit, &skip])
        })?;
        rows.iter().map(|r| rows::target_of_key(r.get(0))).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
