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
//!   it is listed, a flow's process and order; the rowid is the creation order), with an index
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

mod listing;
mod schema;
mod secrets;
mod wal;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use appmarket::Error;
use appmarket::actor::{Actor, AppId, AppealId, CustomerId, FlowId, InvoiceId, OrderId, ProductId, RequestId, Target};
use appmarket::app::{AppFilter, PurchasedApp};
use appmarket::appeal::{Appeal, AppealStatus};
use appmarket::catalog::{Catalogue, Page, PreparedQuery, Product};
use appmarket::event::{EVENT_SCHEMA_VERSION, Event};
use appmarket::order::{Order, OrderFilter};
use appmarket::sealing::Sealing;
use appmarket::secret::Secret;
use appmarket::store::{Commit, Record, RequestRecord, Sequence, Store, StoreSnapshot};
use appmarket::supervision::{FlowFilter, ServiceFlow};
use chrono::{DateTime, Utc};
use rusqlite::config::DbConfig;
use rusqlite::types::ToSql;
use rusqlite::{Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior, params};

use listing::{Columns, Conditions, Counted, text};

pub use appmarket::sealing::SecretKey;
pub use schema::SCHEMA_VERSION;

/// How hard SQLite syncs to disk (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Syncs at checkpoints only. In WAL mode a process crash loses nothing; a power loss may
    /// roll back the last commits (never half of one).
    #[default]
    Normal,
    /// Syncs the WAL at every commit: a commit that returned `Ok` survives a power loss.
    Full,
}

impl Synchronous {
    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// Options of a [`SqliteStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// Durability against power loss; see [`Synchronous`].
    pub synchronous: Synchronous,
    /// How long a writer waits for another process's write lock before giving up with
    /// [`Error::Conflict`]. Default 5 s.
    pub busy_timeout: Duration,
    /// How many idle read connections are kept. Default 4.
    pub read_connections: usize,
    /// The WAL is copied into the file (a checkpoint, with two `fsync`s) when it reaches this
    /// many pages of 4 KiB. Default 10,000 (about 40 MB): a commit writes a few pages, and
    /// rarer checkpoints write each hot page once instead of many times. 0: never on its own
    /// (only [`SqliteStore::checkpoint`]).
    pub checkpoint_pages: u32,
    /// Whether checkpoints run on a thread of the store (default `true`) instead of inside the
    /// commit that filled the WAL. See [Checkpoints](crate#checkpoints).
    pub background_checkpoints: bool,
    /// The page cache of the writing connection, in KiB. Default 32,768 (32 MB, filled only as
    /// pages are read).
    pub cache_kib: u32,
    /// How many numbers of a sequence (order, app, flow... ids) one write transaction reserves;
    /// they are then handed out from memory. Default 64; 0 counts as 1. See
    /// [Numbering](crate#numbering).
    pub number_block: u32,
    /// The key that seals app passwords in the file (default none: plain text). See
    /// [Secrets at rest](crate#secrets-at-rest).
    pub secret_key: Option<SecretKey>,
    /// The key the passwords are sealed with now, to seal them again with `secret_key` as the
    /// store opens (key rotation). See [Secrets at rest](crate#secrets-at-rest).
    pub previous_secret_key: Option<SecretKey>,
}

impl Default for SqliteOptions {
    fn default() -> SqliteOptions {
        SqliteOptions {
            synchronous: Synchronous::Normal,
            busy_timeout: Duration::from_secs(5),
            read_connections: 4,
            checkpoint_pages: 10_000,
            background_checkpoints: true,
            cache_kib: 32 * 1024,
            number_block: 64,
            secret_key: None,
            previous_secret_key: None,
        }
    }
}

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

/// Gives back the numbers reserved and not handed out, when no one reserved after this store:
/// a file closed cleanly continues its sequences without a gap. Best effort: when the file is
/// busy or the store is not closed (a crash), the rest of the block is skipped.
///
/// Then checkpoints the WAL into the file and empties it (`TRUNCATE`), so that the file alone
/// holds every commit of the store: also while other stores have it open, when they are not
/// reading at that moment (else the last store to close does it).
impl Drop for SqliteStore {
    fn drop(&mut self) {
        if let Some(checkpointer) = self.checkpointer.take() {
            checkpointer.stop();
        }
        let numbers = self.numbers.get_mut().unwrap_or_else(|p| p.into_inner());
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let unused: Vec<(Sequence, Block)> =
            numbers.iter().filter(|(_, b)| b.next <= b.end).map(|(s, b)| (*s, *b)).collect();
        if conn.busy_timeout(Duration::from_millis(100)).is_err() {
            return;
        }
        for (sequence, block) in unused {
            let _ = conn.execute(
                "UPDATE sequences SET value = ?3 WHERE name = ?1 AND value = ?2",
                params![sequence_name(sequence), block.end as i64, (block.next - 1) as i64],
            );
        }
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }
}

/// What the committing connection and the checkpoint thread tell each other.
#[derive(Default)]
struct CheckpointSignal {
    /// (a checkpoint is wanted, the thread is to stop)
    state: Mutex<(bool, bool)>,
    wake: Condvar,
    /// The thread's pass is done: the next commit copies what was committed meanwhile.
    tail: AtomicBool,
    /// The WAL frames the thread's last pass left copied.
    copied: AtomicI64,
}

impl CheckpointSignal {
    fn set(&self, want: bool, stop: bool) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.0 |= want;
        state.1 |= stop;
        self.wake.notify_one();
    }
}

/// The thread that checkpoints the WAL, with its own connection.
struct Checkpointer {
    signal: Arc<CheckpointSignal>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread on `conn`, and has the writer's commits wake it when the WAL holds
    /// `pages` pages or more (SQLite's own automatic checkpoint is turned off).
    ///
    /// A `PASSIVE` checkpoint on the thread copies the WAL into the file beside the commits
    /// (the `fsync`s and the bulk of the copying). What was committed meanwhile is copied by the
    /// writer's next commit, right after it, when that is a short tail (else the thread makes
    /// another pass first), so that the WAL is complete before this store's next write begins,
    /// and starts over instead of growing. Should the WAL reach four times `pages` all the same
    /// (large commits in a row), the commit checkpoints as SQLite's own automatic checkpoint
    /// would. Failures (another process checkpointing, a reader in the way) are left to the
    /// next round.
    fn start(writer: &mut Connection, conn: Connection, pages: u32) -> Result<Checkpointer, String> {
        let signal = Arc::new(CheckpointSignal::default());
        writer.query_row("PRAGMA wal_autocheckpoint = 0", [], |_| Ok(())).map_err(|e| e.to_string())?;
        let hook = Arc::clone(&signal);
        writer
            .wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, in_wal: std::ffi::c_int| {
                let (in_wal, pages) = (i64::from(in_wal), i64::from(pages));
                let tail = hook.tail.swap(false, Ordering::AcqRel);
                if in_wal >= 4 * pages || (tail && in_wal - hook.copied.load(Ordering::Acquire) <= short(pages)) {
                    // The commit stands whatever the checkpoint says: errors wait for a later one.
                    let _ = wal.checkpoint_v2(rusqlite::wal::CheckpointMode::PASSIVE);
                } else if tail || in_wal >= pages {
                    hook.set(true, false);
                }
                Ok(())
            }))
            .map_err(|e| e.to_string())?;
        let inbox = Arc::clone(&signal);
        let thread = std::thread::Builder::new()
            .name("appmarket-sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(&conn, &inbox, pages))
            .map_err(|e| format!("cannot start the checkpoint thread: {e}"))?;
        Ok(Checkpointer { signal, thread: Some(thread) })
    }

    fn stop(mut self) {
        self.signal.set(false, true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How many WAL frames a commit copies itself after the checkpoint thread's pass.
fn short(pages: i64) -> i64 {
    (pages / 32).max(64)
}

/// Checkpoints whenever the writer asks, until told to stop; see [`Checkpointer::start`].
fn checkpoint_loop(conn: &Connection, signal: &CheckpointSignal, pages: u32) {
    loop {
        {
            let mut state = signal.state.lock().unwrap_or_else(|p| p.into_inner());
            while !state.0 && !state.1 {
                state = signal.wake.wait(state).unwrap_or_else(|p| p.into_inner());
            }
            if state.1 {
                return;
            }
            state.0 = false;
        }
        // Passes until what was committed during the last one is a short tail (or 8 passes).
        let mut done = None;
        for _ in 0..8 {
            match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
            }) {
                Ok((0, log, copied)) => {
                    done = Some(copied);
                    if log - copied <= short(i64::from(pages)) {
                        break;
                    }
                }
                _ => {
                    done = None;
                    break;
                }
            }
        }
        // The commits during the passes asked again: the tail pass answers them, and the WAL
        // starts over at the commit after it (another pass now would hold it up).
        signal.state.lock().unwrap_or_else(|p| p.into_inner()).0 = false;
        if let Some(copied) = done {
            signal.copied.store(copied, Ordering::Release);
            signal.tail.store(true, Ordering::Release);
        }
    }
}

/// A record's row as a commit finds it: rowid, due instant and the columns it is found by.
type Row = (i64, Option<i64>, Columns);

/// The position of a target's variant in `Target` and its id: (kind, id) sorts like `Target`.
fn key(target: &Target) -> (i64, &str) {
    let (kind, id) = target.kind_and_id();
    (kind as i64, id)
}

const KIND_APP: i64 = 4;

fn target_of(kind: i64, id: &str) -> Result<Target, Error> {
    Ok(match kind {
        0 => Target::Account(CustomerId::parse(id)?),
        1 => Target::Product(ProductId::parse(id)?),
        2 => Target::SavedList(CustomerId::parse(id)?),
        3 => Target::Order(OrderId::parse(id)?),
        4 => Target::App(AppId::parse(id)?),
        5 => Target::Flow(FlowId::parse(id)?),
        6 => Target::Appeal(AppealId::parse(id)?),
        7 => Target::Invoice(InvoiceId::parse(id)?),
        other => return Err(Error::Storage { reason: format!("unknown record kind {other} in the store") }),
    })
}

/// Nanoseconds since the epoch; instants beyond 1677–2262 are clamped (they still sort).
fn nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(if at.timestamp() < 0 { i64::MIN } else { i64::MAX })
}

fn instant(nanos: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(nanos)
}

fn sequence_name(sequence: Sequence) -> String {
    format!("{sequence:?}")
}

fn actor_key(actor: &Actor) -> Result<String, Error> {
    serde_json::to_string(actor).map_err(|e| Error::Storage { reason: format!("cannot encode actor {actor}: {e}") })
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if matches!(f.code, ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked))
}

impl SqliteStore {
    /// Opens (or creates) the store in the file at `path`, with the default options.
    ///
    /// A file that is not an appmarket store, is damaged or truncated (or its `-wal` file is),
    /// is read-only or lies in a read-only directory, or comes from a newer schema is refused
    /// with [`Error::Storage`] naming the path and the cause, and is left as it was. `path` is a
    /// file path, never a SQLite URI; a new file is created owner-only (0600). See
    /// [Files](crate#files).
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, Error> {
        SqliteStore::open_with(path, SqliteOptions::default())
    }

    /// Opens (or creates) the store in the file at `path` with `options`.
    pub fn open_with(path: impl AsRef<Path>, options: SqliteOptions) -> Result<SqliteStore, Error> {
        let path = path.as_ref().to_path_buf();
        // Another process may hold the file's lock while it creates or migrates it, in a step
        // where SQLite does not wait (switching to WAL): the open is tried again until the busy
        // timeout, each try refusing before any change.
        let deadline = std::time::Instant::now() + options.busy_timeout;
        loop {
            match SqliteStore::try_open(&path, options.clone()) {
                Err(Error::Storage { reason }) if busy(&reason) && std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                other => return other,
            }
        }
    }

    fn try_open(path: &Path, options: SqliteOptions) -> Result<SqliteStore, Error> {
        let path = path.to_path_buf();
        let fail = |cause: String| Error::Storage {
            reason: format!("cannot open the SQLite store {}: {cause}", path.display()),
        };
        // Stores of this process open one at a time: a store that creates a file has its schema
        // written before another looks at it.
        let _opening = OPENING.lock().unwrap_or_else(|p| p.into_inner());
        check_file(&path).map_err(&fail)?;
        let len = match std::fs::metadata(&path) {
            Ok(meta) => Some(meta.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(fail(e.to_string())),
        };
        let wal = wal::check(&path).map_err(&fail)?;
        if wal > 0 && len.unwrap_or(0) == 0 {
            return Err(fail(format!(
                "the file is {} but its -wal file {} holds commits: restore the file from a backup, or move \
                 the -wal file away to start a new store",
                if len.is_some() { "empty" } else { "missing" },
                wal::file_of(&path).display()
            )));
        }
        let opened = SqliteStore::open_file(path.clone(), options, wal > 0, len.is_none());
        // A file this try created is removed again, unless another process holds it (it is
        // writing its schema, into the -wal first) or has written to it meanwhile.
        if let Err(Error::Storage { reason }) = &opened
            && len.is_none()
            && !busy(reason)
            && std::fs::metadata(&path).is_ok_and(|m| m.len() == 0)
        {
            let _ = std::fs::remove_file(&path);
        }
        opened
    }

    /// Opens the store in the file at `path` (`new`: creates it), whose WAL (`wal`: it has one)
    /// checked. Every refusal comes before the first change to the file.
    fn open_file(path: PathBuf, options: SqliteOptions, wal: bool, new: bool) -> Result<SqliteStore, Error> {
        use std::os::unix::fs::PermissionsExt;
        let fail = |cause: String| Error::Storage {
            reason: format!("cannot open the SQLite store {}: {cause}", path.display()),
        };
        let create = if new { OpenFlags::SQLITE_OPEN_CREATE } else { OpenFlags::empty() };
        let conn = connect(&path, OpenFlags::SQLITE_OPEN_READ_WRITE | create).map_err(|e| fail(e.to_string()))?;
        if new {
            // Owner-only whatever the umask, before anything is written: the file holds app
            // passwords, and SQLite gives its -wal and -shm files the file's mode. (By path: a
            // descriptor of the file closed by this process would drop the locks SQLite holds.)
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| fail(format!("cannot make the new file owner-only: {e}")))?;
        }
        // Closing the connection would checkpoint the WAL into the file: a refused file keeps
        // both as they were.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, wal).map_err(|e| fail(e.to_string()))?;
        conn.busy_timeout(options.busy_timeout).map_err(|e| fail(e.to_string()))?;
        let probe = |immediate: bool| -> Result<(i64, i64, i64), String> {
            let look = || {
                conn.query_row(
                    "SELECT (SELECT user_version FROM pragma_user_version), (SELECT count(*) FROM sqlite_master), \
                     (SELECT page_count FROM pragma_page_count)",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
            };
            let found = if immediate {
                conn.execute_batch("BEGIN IMMEDIATE").and_then(|()| {
                    let found = look();
                    conn.execute_batch("ROLLBACK").and(found)
                })
            } else {
                look()
            };
            found.map_err(|e| match truncated(&path) {
                Some(cause) => cause,
                None => format!("{e} (is it an appmarket store?)"),
            })
        };
        let (mut version, mut tables, mut pages) = probe(false).map_err(&fail)?;
        // A store of another process that creates the file switches it to WAL (its first page)
        // before it writes the schema: its write is waited for before the file is called one
        // with no schema.
        for _ in 0..5 {
            if tables > 0 || pages == 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
            (version, tables, pages) = probe(true).map_err(&fail)?;
        }
        if version < 0 {
            return Err(fail(format!(
                "its schema version is {version}, which no appmarket build writes: the file is damaged or was \
                 changed by another program; restore it from a backup"
            )));
        }
        if version > SCHEMA_VERSION {
            return Err(fail(format!(
                "its schema version is {version}, newer than this build's {SCHEMA_VERSION}: open it with a newer appmarket"
            )));
        }
        if version == 0 && tables > 0 {
            return Err(fail(
                "it is a SQLite database of something else (it has tables but no appmarket schema version)".into(),
            ));
        }
        if tables == 0 && (version > 0 || pages > 0) {
            return Err(fail(
                "it is a SQLite file with no appmarket schema (no tables). If it was copied while a store had it \
                 open, the schema and the last commits are in its -wal file: copy that file with it, or copy \
                 once every store is closed; if it is a new store whose creation was cut short, delete it"
                    .into(),
            ));
        }
        check_length(&conn, &path).map_err(&fail)?;
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false).map_err(|e| fail(e.to_string()))?;
        // A new file gets its schema in the WAL (until the first checkpoint, a copy without the
        // WAL is a file with no schema, refused); a file in another journal mode is migrated
        // first, so that a migration that fails leaves it as it was.
        let mut conn = conn;
        let schema = |conn: &mut Connection| {
            migrate(conn).map_err(|e| fail(format!("cannot bring the schema to version {SCHEMA_VERSION}: {e}")))
        };
        if pages > 0 {
            schema(&mut conn)?;
        }
        let mode: String =
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(|e| fail(e.to_string()))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(fail(format!("cannot switch to WAL mode (journal mode stays {mode})")));
        }
        conn.pragma_update(None, "synchronous", options.synchronous.pragma()).map_err(|e| fail(e.to_string()))?;
        conn.query_row(&format!("PRAGMA wal_autocheckpoint = {}", options.checkpoint_pages), [], |_| Ok(()))
            .map_err(|e| fail(e.to_string()))?;
        conn.pragma_update(None, "cache_size", -i64::from(options.cache_kib)).map_err(|e| fail(e.to_string()))?;
        conn.set_prepared_statement_cache_capacity(64);
        if pages == 0 {
            schema(&mut conn)?;
        }
        let keys = (options.secret_key.as_ref(), options.previous_secret_key.as_ref());
        let sealing = secrets::settle(&mut conn, keys.0, keys.1, (1..4).contains(&version)).map_err(|e| {
            // A refused key leaves the file and its -wal file as they were.
            let _ = conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true);
            match e {
                Error::Storage { reason } => fail(reason),
                other => other,
            }
        })?;
        let writer = Mutex::new(conn);
        let checkpointer = if options.background_checkpoints && options.checkpoint_pages > 0 {
            let start = || -> Result<Checkpointer, String> {
                let own = connect(&path, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(|e| e.to_string())?;
                own.pragma_update(None, "synchronous", options.synchronous.pragma()).map_err(|e| e.to_string())?;
                let mut conn = writer.lock().unwrap_or_else(|p| p.into_inner());
                Checkpointer::start(&mut conn, own, options.checkpoint_pages)
            };
            Some(start().map_err(|e| fail(format!("cannot set up checkpoints: {e}")))?)
        } else {
            None
        };
        let store = SqliteStore {
            path,
            options,
            numbers: Mutex::new(HashMap::new()),
            writer,
            checkpointer,
            readers: Mutex::new(Vec::new()),
            catalog: RwLock::new(Catalog::default()),
            sealing,
        };
        {
            let conn = store.writer();
            store.catch_up(&conn)?;
        }
        Ok(store)
    }

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

    fn decode<T: serde::de::DeserializeOwned>(&self, what: &str, doc: &str) -> Result<T, Error> {
        serde_json::from_str(doc).map_err(|e| self.fail(&format!("decoding a stored {what}"), e))
    }

    fn encode<T: serde::Serialize>(&self, what: &str, value: &T) -> Result<String, Error> {
        serde_json::to_string(value).map_err(|e| self.fail(&format!("encoding a {what}"), e))
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

    /// A page of the records matching `conditions`, newest first, with their total: the page
    /// reads the index of its conditions and stops at its last row. When the page does not tell
    /// the total (a full page, or one past the end), a `counted` listing reads it from the counts
    /// the commits keep; any other counts its matches on the same index. Both in one read
    /// transaction.
    fn page<T>(
        &self,
        conditions: Conditions<'_>,
        counted: Option<Counted<'_>>,
        pick: impl Fn(Record) -> Option<T>,
        page: u32,
        page_size: u32,
    ) -> Result<Page<T>, Error> {
        let q = |e| self.sql("listing", e);
        let limit = i64::from(page_size);
        let offset = i64::from(page.saturating_sub(1)) * limit;
        self.read(|conn| {
            let tx = conn.unchecked_transaction().map_err(q)?;
            let mut items = Vec::new();
            let mut shown = 0;
            {
                let sql =
                    format!("SELECT doc FROM records WHERE {} ORDER BY rowid DESC LIMIT ? OFFSET ?", conditions.sql);
                let mut stmt = tx.prepare_cached(&sql).map_err(q)?;
                let mut params = conditions.params.clone();
                params.push(&limit);
                params.push(&offset);
                let mut rows = stmt.query(params.as_slice()).map_err(q)?;
                while let Some(row) = rows.next().map_err(q)? {
                    shown += 1;
                    let doc = row.get_ref(0).and_then(|v| Ok(v.as_str()?)).map_err(q)?;
                    items.extend(pick(self.decode("record", doc)?));
                }
            }
            let total = match Page::<T>::total_of_last(page, page_size, shown) {
                Some(total) => total,
                None => match &counted {
                    Some(counted) => counted.total(&tx).map_err(q)?,
                    None => tx
                        .prepare_cached(&format!("SELECT count(*) FROM records WHERE {}", conditions.sql))
                        .and_then(|mut s| s.query_row(conditions.params.as_slice(), |r| r.get::<_, i64>(0)))
                        .map_err(q)? as u64,
                },
            };
            tx.finish().map_err(q)?;
            Ok(Page { items, page, page_size, total })
        })
    }

    /// Applies one commit inside the caller's write transaction: the checks first (a stale
    /// version or a used request id is [`Error::Conflict`] and writes nothing), then the rows.
    /// Returns the last event's seq and whether the catalogue changed.
    fn apply(&self, tx: &Connection, commit: Commit, at: DateTime<Utc>) -> Result<(u64, bool), Error> {
        let q = |e| self.sql("committing", e);
        commit.check_writes()?;
        // Checks first: a stale version or a used request id writes nothing (the transaction
        // rolls back when dropped). A record's row is found here once: its rowid, and its
        // indexed status and due instant, which an update leaves alone when they did not change.
        let mut rows: Vec<Option<Row>> = Vec::with_capacity(commit.writes.len());
        let targets: Vec<Target> = commit.writes.iter().map(|w| w.record.target()).collect();
        for (w, target) in commit.writes.iter().zip(&targets) {
            let (kind, id) = key(target);
            let current: u64 = if kind == 1 {
                rows.push(None);
                tx.prepare_cached("SELECT version FROM products WHERE id = ?1")
                    .and_then(|mut s| s.query_row(params![id], |r| r.get::<_, i64>(0)).optional())
                    .map_err(q)?
                    .map_or(0, |v| v as u64)
            } else {
                let row = tx
                    .prepare_cached(listing::SELECT_ROW)
                    .and_then(|mut s| {
                        s.query_row(params![kind, id], |r| {
                            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get(2)?, Columns::read(r, 3)?))
                        })
                        .optional()
                    })
                    .map_err(q)?;
                let version = row.as_ref().map_or(0, |r| r.1 as u64);
                rows.push(row.map(|(rowid, _, due, columns)| (rowid, due, columns)));
                version
            };
            if current != w.expected_version {
                return Err(Error::conflict(format!(
                    "{target} changed meanwhile (version {current}, expected {}): load it again and retry",
                    w.expected_version
                )));
            }
        }
        let request = match &commit.request {
            Some(req) => {
                let actor = actor_key(&req.actor)?;
                let used = tx
                    .prepare_cached("SELECT 1 FROM requests WHERE actor = ?1 AND id = ?2")
                    .and_then(|mut s| s.exists(params![actor, req.id.as_str()]))
                    .map_err(q)?;
                if used {
                    return Err(Error::conflict(format!("request id {} was used meanwhile", req.id)));
                }
                Some(actor)
            }
            None => None,
        };
        let mut catalog_seq: Option<i64> = None;
        for ((w, target), row) in commit.writes.iter().zip(&targets).zip(rows) {
            let (kind, id) = key(target);
            let version = (w.expected_version + 1) as i64;
            let doc = self.encode("record", &w.record)?;
            if kind == 1 {
                let seq = match catalog_seq {
                    Some(seq) => seq,
                    None => {
                        let seq: i64 = tx
                            .prepare_cached(
                                "UPDATE meta SET value = value + 1 WHERE key = 'catalog_seq' RETURNING value",
                            )
                            .and_then(|mut s| s.query_row([], |r| r.get(0)))
                            .map_err(q)?;
                        catalog_seq = Some(seq);
                        seq
                    }
                };
                tx.prepare_cached(
                    "INSERT INTO products (id, version, changed, doc) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (id) DO UPDATE SET version = ?2, changed = ?3, doc = ?4",
                )
                .and_then(|mut s| s.execute(params![id, version, seq, doc]))
                .map_err(q)?;
            } else {
                let columns = Columns::of(&w.record);
                let due = w.due.map(nanos);
                if w.expected_version == 0 {
                    let mut values: Vec<&dyn ToSql> = vec![&kind, &id, &due, &doc];
                    values.extend(columns.values());
                    tx.prepare_cached(listing::INSERT).and_then(|mut s| s.execute(values.as_slice())).map_err(q)?;
                } else {
                    let Some((rowid, old_due, old_columns)) = row else {
                        return Err(self.fail("committing", format!("{target} has a version but no row")));
                    };
                    // The indexed columns are written only when they changed: most commits change
                    // the document alone, and an index entry rewritten is pages written.
                    if old_columns == columns && old_due == due {
                        tx.prepare_cached("UPDATE records SET version = ?2, doc = ?3 WHERE rowid = ?1")
                            .and_then(|mut s| s.execute(params![rowid, version, doc]))
                            .map_err(q)?;
                    } else if old_columns.same_but_status(&columns) {
                        let mut values: Vec<&dyn ToSql> = vec![&rowid, &version, &due, &doc];
                        values.extend(columns.status_values());
                        tx.prepare_cached(listing::UPDATE_STATUS)
                            .and_then(|mut s| s.execute(values.as_slice()))
                            .map_err(q)?;
                    } else {
                        let mut values: Vec<&dyn ToSql> = vec![&rowid, &version, &due, &doc];
                        values.extend(columns.values());
                        tx.prepare_cached(listing::UPDATE).and_then(|mut s| s.execute(values.as_slice())).map_err(q)?;
                    }
                }
            }
            tx.prepare_cached("DELETE FROM claims WHERE kind = ?1 AND id = ?2")
                .and_then(|mut s| s.execute(params![kind, id]))
                .map_err(q)?;
        }
        for (app, secret) in &commit.secrets {
            secrets::keep(tx, &self.sealing, app, secret)?;
        }
        let mut last: i64 = tx
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM events")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(q)?;
        for e in commit.events {
            last += 1;
            let event = Event {
                schema_version: EVENT_SCHEMA_VERSION,
                seq: last as u64,
                at,
                actor: e.actor,
                target: e.target,
                kind: e.kind,
            };
            let doc = self.encode("event", &event)?;
            let (kind, id) = key(&event.target);
            tx.prepare_cached("INSERT INTO events (seq, kind, id, doc) VALUES (?1, ?2, ?3, ?4)")
                .and_then(|mut s| s.execute(params![last, kind, id, doc]))
                .map_err(q)?;
        }
        if let (Some(req), Some(actor)) = (&commit.request, request) {
            let doc = self.encode("request record", req)?;
            tx.prepare_cached("INSERT INTO requests (actor, id, at, doc) VALUES (?1, ?2, ?3, ?4)")
                .and_then(|mut s| s.execute(params![actor, req.id.as_str(), nanos(req.at), doc]))
                .map_err(q)?;
        }
        Ok((last as u64, catalog_seq.is_some()))
    }

    /// Everything the store holds, in the order of `MemoryStore::snapshot`: two stores with the
    /// same content give equal snapshots. Passwords are not included, only which apps have one.
    ///
    /// A sequence shows the last number handed out when this store reserved the file's last
    /// block (as the file will after the store is closed), else the last number reserved.
    pub fn snapshot(&self) -> Result<StoreSnapshot, Error> {
        let numbers = self.numbers.lock().unwrap_or_else(|p| p.into_inner());
        let mut conn = self.writer();
        let tx = conn.transaction().map_err(|e| self.sql("reading a snapshot", e))?;
        let q = |e| self.sql("reading a snapshot", e);
        let mut records: Vec<(Record, u64)> = Vec::new();
        for sql in ["SELECT doc, version FROM records", "SELECT doc, version FROM products"] {
            let mut stmt = tx.prepare(sql).map_err(q)?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).map_err(q)?;
            for row in rows {
                let (doc, version) = row.map_err(q)?;
                records.push((self.decode("record", &doc)?, version as u64));
            }
        }
        records.sort_by_key(|(r, _)| r.target());
        let mut due = Vec::new();
        let mut stmt =
            tx.prepare("SELECT due, kind, id FROM records WHERE due IS NOT NULL ORDER BY due, kind, id").map_err(q)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))
            .map_err(q)?;
        for row in rows {
            let (at, kind, id) = row.map_err(q)?;
            due.push((instant(at), target_of(kind, &id)?));
        }
        drop(stmt);
        let mut events = Vec::new();
        let mut stmt = tx.prepare("SELECT doc FROM events ORDER BY seq").map_err(q)?;
        for doc in stmt.query_map([], |r| r.get::<_, String>(0)).map_err(q)? {
            events.push(self.decode::<Event>("event", &doc.map_err(q)?)?);
        }
        drop(stmt);
        let mut requests = Vec::new();
        let mut stmt = tx.prepare("SELECT doc FROM requests").map_err(q)?;
        for doc in stmt.query_map([], |r| r.get::<_, String>(0)).map_err(q)? {
            requests.push(self.decode::<RequestRecord>("request record", &doc.map_err(q)?)?);
        }
        drop(stmt);
        requests.sort_by(|a, b| (&a.actor, &a.id).cmp(&(&b.actor, &b.id)));
        let mut apps_with_secrets = Vec::new();
        let mut stmt = tx.prepare("SELECT app FROM secrets").map_err(q)?;
        for app in stmt.query_map([], |r| r.get::<_, String>(0)).map_err(q)? {
            apps_with_secrets.push(AppId::parse(&app.map_err(q)?)?);
        }
        drop(stmt);
        apps_with_secrets.sort();
        let mut sequences = Vec::new();
        let mut stmt = tx.prepare("SELECT name, value FROM sequences ORDER BY name").map_err(q)?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).map_err(q)? {
            let (name, value) = row.map_err(q)?;
            let mut value = value as u64;
            if let Some(block) = numbers.iter().find(|(s, _)| sequence_name(**s) == name).map(|(_, b)| b)
                && block.end == value
            {
                value = block.next - 1;
            }
            sequences.push((name, value));
        }
        drop(stmt);
        sequences.sort();
        Ok(StoreSnapshot { records, due, events, requests, apps_with_secrets, sequences })
    }

    /// Benchmarks only: inserts apps with their due instants in one transaction, without
    /// events, as if each had just been saved at version 1. Not a repository operation.
    #[doc(hidden)]
    pub fn bulk_insert_apps(
        &self,
        apps: impl IntoIterator<Item = (PurchasedApp, Option<DateTime<Utc>>)>,
    ) -> Result<(), Error> {
        let mut conn = self.writer();
        let tx =
            conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.sql("bulk insert", e))?;
        {
            let mut stmt = tx.prepare_cached(listing::UPSERT).map_err(|e| self.sql("bulk insert", e))?;
            for (app, due) in apps {
                let record = Record::App(Box::new(app));
                let doc = self.encode("record", &record)?;
                let columns = Columns::of(&record);
                let Record::App(app) = record else { unreachable!() };
                let (id, due) = (app.id.as_str(), due.map(nanos));
                let mut values: Vec<&dyn ToSql> = vec![&KIND_APP, &id, &due, &doc];
                values.extend(columns.values());
                stmt.execute(values.as_slice()).map_err(|e| self.sql("bulk insert", e))?;
            }
        }
        tx.commit().map_err(|e| self.sql("bulk insert", e))
    }

    /// Runs a checkpoint: copies the WAL into the file and truncates the WAL.
    pub fn checkpoint(&self) -> Result<(), Error> {
        self.writer()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(|e| self.sql("checkpointing", e))
    }
}

/// Held while a store opens, in this process.
static OPENING: Mutex<()> = Mutex::new(());

/// Opens a connection to the file at `path`, a file path and never a URI: the bundled SQLite
/// reads a name that begins with `file:` as a URI whatever the flags say, so a relative path is
/// given to it as `./path`.
fn connect(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
    if path.is_relative() {
        Connection::open_with_flags(Path::new(".").join(path), flags)
    } else {
        Connection::open_with_flags(path, flags)
    }
}

/// Refuses what SQLite would open but the store cannot use, before SQLite touches it.
fn check_file(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    if path.as_os_str().is_empty() {
        return Err("the path is empty".into());
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir_meta =
        std::fs::metadata(&dir).map_err(|e| format!("its directory {} cannot be used: {e}", dir.display()))?;
    if !dir_meta.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    if dir_meta.permissions().mode() & 0o222 == 0 {
        return Err(format!(
            "its directory {} is read-only (the store writes its -wal and -shm files next to it)",
            dir.display()
        ));
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err("it is a directory, not a file".into()),
        Ok(meta) if meta.permissions().readonly() => Err("the file is read-only".into()),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// Whether the WAL of the file at `path` has frames now (another store may be writing them).
fn has_wal(path: &Path) -> bool {
    std::fs::metadata(wal::file_of(path)).is_ok_and(|m| m.len() > 0)
}

/// Refuses a file shorter than the pages its header counts (a truncated copy), when no WAL
/// holds the missing pages.
fn check_length(conn: &Connection, path: &Path) -> Result<(), String> {
    if has_wal(path) {
        return Ok(());
    }
    let pages: u32 = conn.query_row("PRAGMA page_count", [], |r| r.get(0)).map_err(|e| e.to_string())?;
    let size: u32 = conn.query_row("PRAGMA page_size", [], |r| r.get(0)).map_err(|e| e.to_string())?;
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    shorter(len, u64::from(pages), u64::from(size))
}

fn shorter(len: u64, pages: u64, size: u64) -> Result<(), String> {
    if len < pages * size {
        return Err(format!("the file is truncated ({len} bytes, its header counts {pages} pages of {size} bytes)"));
    }
    Ok(())
}

/// Why SQLite cannot read the file, when it is truncated: SQLite first reads the schema, which
/// may lie in the missing part, and says only that the file is malformed. Reads the header
/// itself; called only on a file SQLite cannot read, which no store has open (a descriptor of
/// the file closed by this process drops the locks SQLite holds on it).
fn truncated(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut header = [0; 100];
    let len = std::fs::File::open(path)
        .and_then(|mut file| {
            file.read_exact(&mut header)?;
            file.metadata()
        })
        .ok()?
        .len();
    let word = |at: usize| u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
    // The page count at 28 is valid when the change counter at 24 matches the one at 92.
    if has_wal(path) || &header[..16] != b"SQLite format 3\0" || word(24) != word(92) {
        return None;
    }
    let size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        size => u64::from(size),
    };
    shorter(len, u64::from(word(28)), size).err()
}

/// Whether an open failed on another connection's lock (SQLite's own words for it).
fn busy(reason: &str) -> bool {
    reason.ends_with("database is locked") || reason.ends_with("database is busy")
}

/// Creates or migrates the schema in one transaction.
fn migrate(conn: &mut Connection) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let Ok(from) = usize::try_from(version) else {
        return Err(rusqlite::Error::IntegralValueOutOfRange(0, version));
    };
    if version >= SCHEMA_VERSION {
        return Ok(());
    }
    for (step, to) in schema::MIGRATIONS[from..SCHEMA_VERSION as usize].iter().zip(version + 1..) {
        tx.execute_batch(step)?;
        if to == schema::LISTING_COLUMNS {
            listing::backfill(&tx)?;
        }
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()
}

/// Test support: creates a file at an older schema version, to check migrations.
#[doc(hidden)]
pub fn create_at_version(path: impl AsRef<Path>, version: i64) -> Result<(), rusqlite::Error> {
    let mut conn = Connection::open(path)?;
    let tx = conn.transaction()?;
    for step in &schema::MIGRATIONS[..version as usize] {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "user_version", version)?;
    tx.commit()
}

/// Test support: sets a file's `user_version`.
#[doc(hidden)]
pub fn set_user_version(path: impl AsRef<Path>, version: i64) -> Result<(), rusqlite::Error> {
    Connection::open(path)?.pragma_update(None, "user_version", version)
}

/// Test support: reads a file's `user_version`.
#[doc(hidden)]
pub fn user_version(path: impl AsRef<Path>) -> Result<i64, rusqlite::Error> {
    Connection::open(path)?.query_row("PRAGMA user_version", [], |r| r.get(0))
}

impl Store for SqliteStore {
    fn load(&self, target: &Target) -> Result<Option<(Record, u64)>, Error> {
        let (kind, id) = key(target);
        let row: Option<(String, i64)> = self.read(|conn| {
            let sql = if kind == 1 {
                "SELECT doc, version FROM products WHERE id = ?2 AND ?1 = 1"
            } else {
                "SELECT doc, version FROM records WHERE kind = ?1 AND id = ?2"
            };
            conn.prepare_cached(sql)
                .and_then(|mut s| s.query_row(params![kind, id], |r| Ok((r.get(0)?, r.get(1)?))).optional())
                .map_err(|e| self.sql("loading", e))
        })?;
        match row {
            None => Ok(None),
            Some((doc, version)) => Ok(Some((self.decode("record", &doc)?, version as u64))),
        }
    }

    /// One read transaction for all (one lock of the file instead of one per record), each
    /// record read by its key with one cached statement.
    fn load_many(&self, targets: &[Target]) -> Result<Vec<Option<(Record, u64)>>, Error> {
        if targets.len() < 2 {
            return targets.iter().map(|t| self.load(t)).collect();
        }
        self.read(|conn| {
            let q = |e| self.sql("loading", e);
            let tx = conn.unchecked_transaction().map_err(q)?;
            let mut loaded = Vec::with_capacity(targets.len());
            {
                let mut records =
                    tx.prepare_cached("SELECT doc, version FROM records WHERE kind = ?1 AND id = ?2").map_err(q)?;
                let mut products = tx.prepare_cached("SELECT doc, version FROM products WHERE id = ?1").map_err(q)?;
                for target in targets {
                    let (kind, id) = key(target);
                    let mut rows = if kind == 1 {
                        products.query(params![id]).map_err(q)?
                    } else {
                        records.query(params![kind, id]).map_err(q)?
                    };
                    let row = match rows.next().map_err(q)? {
                        None => None,
                        Some(row) => {
                            let doc = row.get_ref(0).and_then(|v| Ok(v.as_str()?)).map_err(q)?;
                            let version: i64 = row.get(1).map_err(q)?;
                            Some((self.decode("record", doc)?, version as u64))
                        }
                    };
                    loaded.push(row);
                }
            }
            tx.finish().map_err(q)?;
            Ok(loaded)
        })
    }

    fn product(&self, id: &ProductId) -> Result<Option<Arc<Product>>, Error> {
        self.read(|conn| self.catch_up(conn))?;
        let catalog = self.catalog.read().unwrap_or_else(|p| p.into_inner());
        Ok(catalog.products.get(id).map(|(p, _)| Arc::clone(p)))
    }

    fn commit(&self, commit: Commit, at: DateTime<Utc>) -> Result<u64, Error> {
        let mut conn = self.writer();
        let tx =
            conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.sql("committing", e))?;
        let (last, catalog) = self.apply(&tx, commit, at)?;
        tx.commit().map_err(|e| self.sql("committing", e))?;
        if catalog {
            self.catch_up(&conn)?;
        }
        Ok(last)
    }

    /// One `BEGIN IMMEDIATE` transaction for all: a commit that fails its checks (a stale
    /// version, a target written twice) wrote nothing (the checks come before the writes) and
    /// the others go on.
    fn commit_many(&self, commits: Vec<Commit>, at: DateTime<Utc>) -> Result<Vec<Result<u64, Error>>, Error> {
        let mut conn = self.writer();
        let tx =
            conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.sql("committing", e))?;
        let mut saved = Vec::with_capacity(commits.len());
        let mut catalog = false;
        for commit in commits {
            match self.apply(&tx, commit, at) {
                Ok((last, changed)) => {
                    catalog |= changed;
                    saved.push(Ok(last));
                }
                Err(e @ (Error::Conflict { .. } | Error::InvalidInput { .. })) => saved.push(Err(e)),
                Err(other) => return Err(other),
            }
        }
        tx.commit().map_err(|e| self.sql("committing", e))?;
        if catalog {
            self.catch_up(&conn)?;
        }
        Ok(saved)
    }

    /// Hands out the next number of the block this store reserved; when the block is used up,
    /// one write transaction reserves the next `number_block` numbers in the file.
    fn next_number(&self, sequence: Sequence) -> Result<u64, Error> {
        let mut numbers = self.numbers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(block) = numbers.get_mut(&sequence)
            && block.next <= block.end
        {
            block.next += 1;
            return Ok(block.next - 1);
        }
        let size = u64::from(self.options.number_block.max(1));
        let end = self
            .writer()
            .prepare_cached(
                "INSERT INTO sequences (name, value) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET value = value + ?2 RETURNING value",
            )
            .and_then(|mut s| s.query_row(params![sequence_name(sequence), size as i64], |r| r.get::<_, i64>(0)))
            .map(|n| n as u64)
            .map_err(|e| self.sql("numbering", e))?;
        let first = end - size + 1;
        numbers.insert(sequence, Block { next: first + 1, end });
        Ok(first)
    }

    fn search(&self, query: &PreparedQuery<'_>) -> Result<Page<Product>, Error> {
        self.read(|conn| self.catch_up(conn))?;
        let catalog = self.catalog.read().unwrap_or_else(|p| p.into_inner());
        Ok(catalog.products.search(query))
    }

    fn orders_of(
        &self,
        customer: &CustomerId,
        filter: &OrderFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<Order>, Error> {
        let customer = customer.as_str();
        let (status, product) = (filter.status.map(text), filter.product.as_ref().map(|p| p.as_str().to_owned()));
        let conditions = Conditions::new("kind = 3 AND customer = ?", &customer)
            .and("status = ?", &status)
            .and("product = ?", &product);
        let counted =
            product.is_none().then_some(Counted { listing: "orders", owner: customer, status: status.as_deref() });
        let pick = |r: Record| match r {
            Record::Order(o) => Some(*o),
            _ => None,
        };
        self.page(conditions, counted, pick, page, page_size)
    }

    fn unpaid_orders(&self, customer: &CustomerId) -> Result<u64, Error> {
        self.read(|conn| listing::unpaid_orders(conn, customer.as_str()).map_err(|e| self.sql("counting orders", e)))
    }

    fn apps_of(
        &self,
        customer: &CustomerId,
        filter: &AppFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<PurchasedApp>, Error> {
        let customer = customer.as_str();
        let status = filter.status.map(text);
        let (delivery, mode) = (filter.delivery.map(text), filter.mode.map(text));
        let name = filter.name.as_ref().map(|n| n.to_lowercase());
        // Unlisted apps (APP-4) are never listed.
        let conditions = Conditions::new("kind = 4 AND listed = 1 AND customer = ?", &customer)
            .and("status = ?", &status)
            .and("delivery = ?", &delivery)
            .and("mode = ?", &mode)
            .and("instr(name_lower, ?) > 0", &name);
        let counted = (delivery.is_none() && mode.is_none() && name.is_none()).then_some(Counted {
            listing: "apps",
            owner: customer,
            status: status.as_deref(),
        });
        let pick = |r: Record| match r {
            Record::App(a) => Some(*a),
            _ => None,
        };
        self.page(conditions, counted, pick, page, page_size)
    }

    fn flows_of(
        &self,
        party: &Actor,
        filter: &FlowFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<ServiceFlow>, Error> {
        let (owned, id, listing) = match party {
            Actor::Customer(c) => ("kind = 5 AND customer = ?", c.as_str(), "customer_flows"),
            Actor::Seller(s) => ("kind = 5 AND seller = ?", s.as_str(), "seller_flows"),
            _ => return Ok(Page::of(Vec::new(), page, page_size)),
        };
        let (status, kind) = (filter.status.map(text), filter.kind.map(text));
        let order = filter.order.as_ref().map(|o| o.as_str().to_owned());
        let conditions = Conditions::new(owned, &id)
            .and("status = ?", &status)
            .and("flow_kind = ?", &kind)
            .and("order_id = ?", &order);
        let counted =
            (kind.is_none() && order.is_none()).then_some(Counted { listing, owner: id, status: status.as_deref() });
        let pick = |r: Record| match r {
            Record::Flow(f) => Some(*f),
            _ => None,
        };
        self.page(conditions, counted, pick, page, page_size)
    }

    fn open_appeals(&self) -> Result<Vec<Appeal>, Error> {
        let mut open: Vec<Appeal> = self.read(|conn| {
            let mut stmt = conn
                .prepare_cached("SELECT doc FROM records WHERE kind = 6 AND status = 'Open'")
                .map_err(|e| self.sql("listing open appeals", e))?;
            let rows =
                stmt.query_map([], |r| r.get::<_, String>(0)).map_err(|e| self.sql("listing open appeals", e))?;
            let mut open = Vec::new();
            for doc in rows {
                if let Record::Appeal(a) =
                    self.decode("record", &doc.map_err(|e| self.sql("listing open appeals", e))?)?
                    && a.status == AppealStatus::Open
                {
                    open.push(*a);
                }
            }
            Ok(open)
        })?;
        open.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
        Ok(open)
    }

    fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Target>, Error> {
        let rows: Vec<(i64, String)> = self.read(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT kind, id FROM records WHERE due IS NOT NULL AND due <= ?1 ORDER BY due, kind, id LIMIT ?2",
                )
                .map_err(|e| self.sql("reading the due index", e))?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt
                .query_map(params![nanos(now), limit], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(|e| self.sql("reading the due index", e))?;
            rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql("reading the due index", e))
        })?;
        rows.iter().map(|(kind, id)| target_of(*kind, id)).collect()
    }

    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>, Error> {
        let docs: Vec<String> = self.read(|conn| {
            let mut stmt = conn
                .prepare_cached("SELECT doc FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2")
                .map_err(|e| self.sql("reading events", e))?;
            let cursor = i64::try_from(cursor).unwrap_or(i64::MAX);
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows =
                stmt.query_map(params![cursor, limit], |r| r.get(0)).map_err(|e| self.sql("reading events", e))?;
            rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql("reading events", e))
        })?;
        docs.iter().map(|d| self.decode("event", d)).collect()
    }

    fn records(&self, target: &Target, after: u64, limit: usize) -> Result<Vec<Event>, Error> {
        let (kind, id) = key(target);
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let docs: Vec<String> = self.read(|conn| {
            // `events_target` on (kind, id) holds the rowid, `seq`: the index gives the page in order.
            let mut stmt = conn
                .prepare_cached("SELECT doc FROM events WHERE kind = ?1 AND id = ?2 AND seq > ?3 ORDER BY seq LIMIT ?4")
                .map_err(|e| self.sql("reading events", e))?;
            let rows = stmt
                .query_map(params![kind, id, after, limit], |r| r.get(0))
                .map_err(|e| self.sql("reading events", e))?;
            rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.sql("reading events", e))
        })?;
        docs.iter().map(|d| self.decode("event", d)).collect()
    }

    fn request(&self, actor: &Actor, id: &RequestId) -> Result<Option<RequestRecord>, Error> {
        let actor = actor_key(actor)?;
        let doc: Option<String> = self.read(|conn| {
            conn.prepare_cached("SELECT doc FROM requests WHERE actor = ?1 AND id = ?2")
                .and_then(|mut s| s.query_row(params![actor, id.as_str()], |r| r.get(0)).optional())
                .map_err(|e| self.sql("reading a request record", e))
        })?;
        doc.map(|doc| self.decode("request record", &doc)).transpose()
    }

    fn prune_requests(&self, before: DateTime<Utc>) -> Result<u64, Error> {
        let conn = self.writer();
        conn.prepare_cached("DELETE FROM requests WHERE at < ?1")
            .and_then(|mut s| s.execute(params![nanos(before)]))
            .map(|n| n as u64)
            .map_err(|e| self.sql("pruning request records", e))
    }

    fn secret(&self, app: &AppId) -> Result<Option<Secret>, Error> {
        let kept = self.read(|conn| secrets::load(conn, app).map_err(|e| self.sql("reading a password", e)))?;
        kept.map(|kept| self.sealing.read(app, kept)).transpose()
    }

    fn marketplace_id(&self, proposed: &str) -> Result<String, Error> {
        let mut conn = self.writer();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.sql("recording the marketplace id", e))?;
        let q = |e| self.sql("recording the marketplace id", e);
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('marketplace_id', ?1) ON CONFLICT (key) DO NOTHING",
            params![proposed],
        )
        .map_err(q)?;
        let id: String =
            tx.query_row("SELECT value FROM meta WHERE key = 'marketplace_id'", [], |r| r.get(0)).map_err(q)?;
        tx.commit().map_err(q)?;
        Ok(id)
    }

    fn claim(&self, target: &Target, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool, Error> {
        let (kind, id) = key(target);
        let conn = self.writer();
        conn.prepare_cached(
            "INSERT INTO claims (kind, id, until) VALUES (?1, ?2, ?3)
             ON CONFLICT (kind, id) DO UPDATE SET until = ?3 WHERE claims.until <= ?4",
        )
        .and_then(|mut s| s.execute(params![kind, id, nanos(until), nanos(now)]))
        .map(|n| n == 1)
        .map_err(|e| self.sql("claiming a due item", e))
    }

    fn release(&self, target: &Target) -> Result<(), Error> {
        let (kind, id) = key(target);
        let conn = self.writer();
        conn.prepare_cached("DELETE FROM claims WHERE kind = ?1 AND id = ?2")
            .and_then(|mut s| s.execute(params![kind, id]))
            .map(|_| ())
            .map_err(|e| self.sql("releasing a claim", e))
    }

    /// One `BEGIN IMMEDIATE` transaction: reads the due index past the claims in force and the
    /// skipped targets, and claims the page.
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
        let mut conn = self.writer();
        let q = |e| self.sql("claiming due items", e);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(q)?;
        let mut claimed = Vec::new();
        {
            let mut select = tx
                .prepare_cached(
                    "SELECT r.kind, r.id FROM records r INDEXED BY records_due
                     WHERE r.due IS NOT NULL AND r.due <= ?1
                       AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.kind = r.kind AND c.id = r.id AND c.until > ?1)
                     ORDER BY r.due, r.kind, r.id",
                )
                .map_err(q)?;
            let mut rows = select.query(params![nanos(now)]).map_err(q)?;
            while claimed.len() < limit {
                let Some(row) = rows.next().map_err(q)? else { break };
                let target =
                    target_of(row.get(0).map_err(q)?, row.get_ref(1).and_then(|v| Ok(v.as_str()?)).map_err(q)?)?;
                if !skip.contains(&target) {
                    claimed.push(target);
                }
            }
        }
        {
            let mut upsert = tx
                .prepare_cached(
                    "INSERT INTO claims (kind, id, until) VALUES (?1, ?2, ?3)
                     ON CONFLICT (kind, id) DO UPDATE SET until = ?3",
                )
                .map_err(q)?;
            for target in &claimed {
                let (kind, id) = key(target);
                upsert.execute(params![kind, id, nanos(until)]).map_err(q)?;
            }
        }
        tx.commit().map_err(q)?;
        Ok(claimed)
    }
}
