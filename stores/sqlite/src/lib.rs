//! A persisted embedded store for appmarket: one SQLite file.
//!
//! ```
//! use std::sync::Arc;
//! use appmarket::{CustomerAccount, CustomerId, Marketplace};
//! use appmarket_sqlite::SqliteStore;
//!
//! # let dir = std::env::temp_dir().join(format!("appmarket-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # let path = dir.join("market.db");
//! let store = Arc::new(SqliteStore::open(&path)?);
//! let market = Marketplace::builder().store(store).build()?;
//! market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice")?))?;
//! drop(market);
//!
//! // Reopened, the file still holds what happened.
//! let market = Marketplace::builder().store(Arc::new(SqliteStore::open(&path)?)).build()?;
//! assert_eq!(market.events_since(0, 10)?.len(), 1);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), appmarket::Error>(())
//! ```
//!
//! [`SqliteStore`] implements [`appmarket::store::Store`] on rows, not on a map loaded at start:
//!
//! - every aggregate but products is a row of `records`: a JSON document plus the columns the
//!   queries need (kind, id, version, customer, seller, status, due instant, and what the
//!   listings filter on: an order's product, an app's delivery, mode, product name and whether
//!   it is listed, a flow's process and order; the rowid is the creation order; each value
//!   encoded by `appmarket::store::columns`, as the PostgreSQL store does), with an index
//!   per query (the due index, a customer's orders and apps by status, orders by product, a
//!   party's flows by status, a flow by its order, open appeals). A listing is filtered,
//!   ordered and paged in SQL on them and decodes only its page. When the page does not tell
//!   its total, a listing filtered by nothing or by its status alone reads it from
//!   `listing_counts` (per listing, owner and status), which triggers on `records` keep in the
//!   transaction of every commit that creates a record or changes its owner, status or
//!   listedness; other filters count their matches on the index;
//! - products are rows of `products` and are also cached in memory, as the trait allows; the
//!   cache catches up with what other processes saved through a catalogue counter;
//! - the event log (`events`, gapless `seq` in commit order), request records per actor with
//!   their creation time (`requests`), passwords apart from the apps (`secrets`, APP-5),
//!   sequences, claims on due items and meta values (the marketplace id) have tables of their
//!   own.
//!
//! A commit is one `BEGIN IMMEDIATE` transaction: the version checks (a stale version is
//! [`Error::Conflict`] and nothing is written), the rows, the events, the secrets and the request
//! record. The file is in WAL mode with a busy timeout; two processes may open the same file, one
//! writes at a time, and a writer that cannot get the lock within the timeout gets
//! [`Error::Conflict`], so the facade decides again.
//!
//! # Durability
//!
//! [`Synchronous::Normal`] (the default) in WAL mode loses nothing when the *process* crashes
//! (killed, panics): every commit that returned `Ok` is in the WAL file, which the operating
//! system keeps. On a *power loss or an operating-system crash*, the last commits before the loss
//! may be rolled back (never half-applied: the file stays consistent), or the WAL may keep
//! commits after frames that did not reach the disk, a WAL the store refuses (see
//! [Files](crate#files)) until told to drop them. [`Synchronous::Full`]
//! syncs the WAL at every commit, so a commit that returned `Ok` survives a power loss too, at
//! the price of one `fsync` per commit.
//!
//! # Checkpoints
//!
//! Commits append to the WAL; a checkpoint copies it into the file (with an `fsync` of each
//! under [`Synchronous::Normal`] and [`Synchronous::Full`]) so that it can start over. By
//! default ([`SqliteOptions::background_checkpoints`]) the store checkpoints on a thread of its
//! own, with its own connection, when the WAL reaches [`SqliteOptions::checkpoint_pages`]: no
//! call waits for the copy and its `fsync`s, which run beside the commits (a `PASSIVE`
//! checkpoint). The pages committed during that pass are copied by the next commit when they
//! are few (a short pass; else the thread makes another pass first), so the WAL starts over
//! instead of growing; a WAL four times larger than `checkpoint_pages` (large commits in a row)
//! is checkpointed by the commit itself. With `background_checkpoints: false`,
//! SQLite's own automatic checkpoint runs inside the commit that filled the WAL. Either way a
//! checkpoint changes nothing that a crash could lose or half-apply. The thread stops when the
//! store is dropped.
//!
//! # Numbering
//!
//! Order, app, flow, appeal, invoice and product numbers ([`Store::next_number`]) are reserved
//! in the file in blocks of [`SqliteOptions::number_block`] (default 64), one write transaction
//! per block, and handed out from memory: numbering is not a write transaction of its own on
//! every order. A number is never handed out twice, also between processes sharing the file;
//! numbers increase within one store but not across stores (two processes sharing a file
//! interleave their blocks), and they may have gaps: the rest of a block is given back when the
//! store is dropped (if no one reserved after it), and skipped after a crash or when another
//! store reserved meanwhile. A block of 1 numbers without gaps, at one transaction per number.
//!
//! # Schema versions
//!
//! The schema version is `PRAGMA user_version`. A new file is created at [`SCHEMA_VERSION`]; an
//! older file is migrated in one transaction when it is opened; a file from a newer build, or
//! with a negative version, is refused with [`Error::Storage`] naming the path, and left
//! untouched.
//!
//! # Files
//!
//! The path is a file path, never a SQLite URI: `file:m.db?nolock=1` and `:memory:` are file
//! names. Every refusal is an [`Error::Storage`] naming the path and what to do, and leaves the
//! file and its `-wal` file as they were (a missing file is not created). Before SQLite opens
//! the file, the store refuses an empty path, a missing or read-only directory, a read-only
//! file, and a `-wal` file that is damaged or cut short (see below), or that holds commits next
//! to a missing or empty file. Then, before it writes, it refuses a file that is not a SQLite
//! database or is truncated, one of another program (tables, no schema version), one that is
//! not empty but has no tables (copied without its `-wal` file before the first checkpoint,
//! while the schema is still there), and one with a negative or newer schema version. A file in
//! another journal mode is migrated before it is switched to WAL. Stores that open a new file
//! at the same moment wait for the one that writes its schema.
//!
//! The `-wal` file is checked frame by frame (its format:
//! <https://sqlite.org/fileformat2.html#walformat>), because SQLite reads a WAL whose header
//! does not check as empty and stops at the first frame that does not check: a damaged or cut
//! WAL would open with part of the commits, and the next write would overwrite the rest. The
//! store refuses a header that does not check, a last frame cut where no killed process cuts
//! one (after its 24-byte header or at a 4 KiB boundary), and a committed transaction after a
//! frame that does not check. What a killed process leaves (an unfinished transaction, a
//! frame cut at those places) opens as SQLite recovers it, losing nothing that was committed.
//! A WAL cut at a frame boundary, or right after a frame header, looks like that and cannot be
//! told apart; neither can a file copied without its `-wal` once it has been checkpointed (it
//! opens as the store was at the last checkpoint).
//!
//! Dropping a store checkpoints the WAL into the file and empties it (`TRUNCATE`): once every
//! store on it is closed, the file alone holds everything. While a store has it open, the
//! recent commits are in the `-wal` file: copy a store with every store on it closed, or with
//! SQLite's backup API or `VACUUM INTO` from another process.
//!
//! The file holds app passwords: a new file is created owner-only (0600) whatever the umask,
//! and SQLite gives the `-wal` and `-shm` files the mode of the file; a file that exists keeps
//! the mode its operator gave it.
//!
//! # Secrets at rest
//!
//! App passwords (APP-5) are kept apart from the apps, in `secrets`; a request record of a
//! reveal keeps only which app it was, and a replay reads the app's current password. With
//! [`SqliteOptions::secret_key`] (32 bytes the host keeps, never in the file) each password is
//! sealed with XChaCha20-Poly1305, a random nonce per value and the app's id as associated data;
//! the file records a key check, so that opening it with another key, or without one, is refused
//! with [`Error::Storage`] and changes nothing. A file opened with a key for the first time has
//! its plain passwords sealed in one transaction as it opens (and its WAL emptied, deleted
//! content being overwritten). Without a key, passwords are in plain text in the file: anyone
//! who can read the file, its WAL or a backup of them can read every app password.
//!
//! To rotate the key, open the store with the new key as `secret_key` and the current one as
//! [`SqliteOptions::previous_secret_key`]: every password is sealed again with the new key in
//! one transaction, and the key check follows. Opening with the same pair again changes nothing,
//! so the pair may stay in the configuration until every process uses the new key. A process
//! that still has the old key refuses to reveal passwords sealed with the new one
//! ([`Error::Storage`]) until it is opened again with the new key.
//!
//! # Connections
//!
//! One connection writes, behind a mutex: SQLite lets one writer at a time in any case, and one
//! connection keeps its prepared statements and its page cache hot. A read runs on that
//! connection when no commit holds it (its cache is the freshest: another connection's cache is
//! dropped whenever the file changes), else on a small pool of read connections, so a query
//! never waits behind a commit of another thread (WAL lets readers and a writer run at once).
//! Each read sees the last committed state.
//!
//! Do not open the same file through a second copy of SQLite in the same process (for example
//! Python's `sqlite3` module next to this store): SQLite's POSIX locks do not separate two
//! copies of the library inside one process. Other processes are fine.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod checkpoint;
mod codec;
mod commit;
mod listing;
mod open;
mod options;
mod portable;
mod schema;
mod secrets;
mod snapshot;
mod store;
mod wal;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, RwLock};

use appmarket::Error;
use appmarket::catalog::Catalogue;
use appmarket::sealing::Sealing;
use appmarket::store::{Record, Sequence};
use rusqlite::{Connection, ErrorCode, OpenFlags, params};

use checkpoint::Checkpointer;
use open::connect;

pub use appmarket::sealing::SecretKey;
pub use open::{create_at_version, set_user_version, user_version};
pub use options::{SqliteOptions, Synchronous};
pub use schema::SCHEMA_VERSION;

#[cfg(doc)]
use appmarket::store::Store;

/// The cached catalogue: products in listing order, with their prepared search entries.
#[derive(Default)]
struct Catalog {
    products: Catalogue,
    /// The catalogue counter this cache has caught up with.
    seen: i64,
}

/// Numbers of one sequence reserved in the file and not yet handed out: `next..=end`.
#[derive(Debug, Clone, Copy)]
struct Block {
    next: u64,
    end: u64,
}

/// The SQLite store. `Send + Sync`; every method takes `&self`.
pub struct SqliteStore {
    path: PathBuf,
    options: SqliteOptions,
    /// Reserved numbers per sequence. Lock order: `numbers` before `writer`.
    numbers: Mutex<HashMap<Sequence, Block>>,
    writer: Mutex<Connection>,
    checkpointer: Option<Checkpointer>,
    readers: Mutex<Vec<Connection>>,
    catalog: RwLock<Catalog>,
    /// How passwords are kept: sealed with the secret key, or in plain text.
    sealing: Sealing,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).field("options", &self.options).finish()
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

impl SqliteStore {
    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fail(&self, doing: &str, e: impl std::fmt::Display) -> Error {
        Error::Storage { reason: format!("SQLite store {}: {doing}: {e}", self.path.display()) }
    }

    fn sql(&self, doing: &str, e: rusqlite::Error) -> Error {
        if is_busy(&e) {
            Error::conflict(format!(
                "SQLite store {} is busy with another writer ({doing}): try again",
                self.path.display()
            ))
        } else {
            self.fail(doing, e)
        }
    }

    /// Runs `f` on the writing connection when no commit holds it (its page cache is the
    /// freshest), else on a read connection from the pool.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T, Error>) -> Result<T, Error> {
        match self.writer.try_lock() {
            Ok(conn) => return f(&conn),
            Err(std::sync::TryLockError::Poisoned(p)) => return f(&p.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => {}
        }
        let pooled = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => {
                let conn = connect(&self.path, OpenFlags::SQLITE_OPEN_READ_WRITE)
                    .map_err(|e| self.fail("opening a read connection", e))?;
                conn.busy_timeout(self.options.busy_timeout).map_err(|e| self.fail("opening a read connection", e))?;
                conn.set_prepared_statement_cache_capacity(64);
                conn
            }
        };
        let result = f(&conn);
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < self.options.read_connections {
            pool.push(conn);
        }
        result
    }

    /// Brings the cached catalogue up to the file's catalogue counter.
    fn catch_up(&self, conn: &Connection) -> Result<(), Error> {
        let counter: i64 = conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'catalog_seq'")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(|e| self.sql("reading the catalogue counter", e))?;
        if self.catalog.read().unwrap_or_else(|p| p.into_inner()).seen >= counter {
            return Ok(());
        }
        let mut catalog = self.catalog.write().unwrap_or_else(|p| p.into_inner());
        if catalog.seen >= counter {
            return Ok(());
        }
        let mut stmt = conn
            .prepare_cached("SELECT version, doc FROM products WHERE changed > ?1 AND changed <= ?2 ORDER BY rowid")
            .map_err(|e| self.sql("reading products", e))?;
        let rows = stmt
            .query_map(params![catalog.seen, counter], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| self.sql("reading products", e))?;
        for row in rows {
            let (version, doc) = row.map_err(|e| self.sql("reading products", e))?;
            let Record::Product(product) = self.decode("product", &doc)? else {
                return Err(self.fail("reading products", "a product row holds another kind of record"));
            };
            catalog.products.put(*product, version as u64);
        }
        catalog.seen = counter;
        Ok(())
    }
}
