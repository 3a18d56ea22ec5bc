//! Opening a store: the checks of the file and its WAL before and after SQLite opens it, the
//! schema brought to its version, the connection set up; and closing it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};
use std::time::Duration;

use appmarket::Error;
use appmarket::store::Sequence;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};

use crate::checkpoint::Checkpointer;
use crate::codec::sequence_name;
use crate::{Block, Catalog, SCHEMA_VERSION, SqliteOptions, SqliteStore, listing, schema, secrets, wal};

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
}

/// Held while a store opens, in this process.
static OPENING: Mutex<()> = Mutex::new(());

/// Opens a connection to the file at `path`, a file path and never a URI: the bundled SQLite
/// reads a name that begins with `file:` as a URI whatever the flags say, so a relative path is
/// given to it as `./path`.
pub(crate) fn connect(path: &Path, flags: OpenFlags) -> rusqlite::Result<Connection> {
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
        if to == schema::SHARED_COLUMNS {
            schema::shared_columns(&tx)?;
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
