//! Files the store refuses, and files it keeps: each refusal is a typed `Storage` error naming
//! the path and the cause, and leaves the file as it was.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use appmarket::Error;
use appmarket::store::Store;
use appmarket_sqlite::{SCHEMA_VERSION, SqliteStore};

fn dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sqlite-files").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every file of a directory with its bytes and mode.
fn listing(dir: &Path) -> BTreeMap<String, (Vec<u8>, u32)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            let bytes = if meta.is_file() { std::fs::read(entry.path()).unwrap() } else { Vec::new() };
            (entry.file_name().to_string_lossy().into_owned(), (bytes, meta.permissions().mode()))
        })
        .collect()
}

/// Opens `path`, expecting a `Storage` error that names the path and contains `cause`; checks
/// that nothing in its directory changed: no file created or removed, the same bytes and modes.
fn refused(path: &Path, cause: &str) -> String {
    let dir = if path.is_dir() { path.to_path_buf() } else { path.parent().unwrap().to_path_buf() };
    let before = listing(&dir);
    let err = SqliteStore::open(path).expect_err("the file is refused");
    let Error::Storage { reason } = &err else { panic!("expected a Storage error, got {err:?}") };
    assert!(reason.contains(&path.display().to_string()), "{reason}");
    assert!(reason.contains(cause), "{reason}");
    assert_eq!(listing(&dir), before, "the refusal changed the directory: {reason}");
    reason.clone()
}

/// A store with a little in it, checkpointed so the file holds everything.
fn filled(path: &Path) {
    let store = SqliteStore::open(path).unwrap();
    assert_eq!(store.marketplace_id("kept").unwrap(), "kept");
    for _ in 0..500 {
        store.next_number(appmarket::store::Sequence::Order).unwrap();
    }
    let events = (0..2_000)
        .map(|_| appmarket::event::NewEvent {
            actor: appmarket::Actor::System,
            target: appmarket::Target::Account(appmarket::CustomerId::parse("alice").unwrap()),
            kind: appmarket::event::EventKind::AccountRegistered,
        })
        .collect();
    store
        .commit(appmarket::store::Commit { events, ..Default::default() }, appmarket::testing::fixtures::t0())
        .unwrap();
    store.checkpoint().unwrap();
}

#[test]
fn a_file_that_is_not_a_database_is_refused() {
    let path = dir("not-a-db").join("market.db");
    std::fs::write(&path, "these are my notes, not a database\n".repeat(200)).unwrap();
    refused(&path, "not a database");
}

#[test]
fn a_sqlite_database_of_something_else_is_refused() {
    let path = dir("foreign").join("other.db");
    foreign_db(&path);
    refused(&path, "something else");
}

/// A SQLite database made by another program: tables, but no appmarket schema version.
fn foreign_db(path: &Path) {
    // Create a valid store, then reset its user_version to 0: it has tables but no version.
    appmarket_sqlite::create_at_version(path, 1).unwrap();
    appmarket_sqlite::set_user_version(path, 0).unwrap();
}

#[test]
fn a_truncated_file_is_refused() {
    let d = dir("cut-file");
    let path = d.join("market.db");
    filled(&path);
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 8_192, "the filled file has several pages ({} bytes)", bytes.len());
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    refused(&path, "truncated");
}

#[test]
fn a_read_only_file_is_refused() {
    let path = dir("read-only-file").join("market.db");
    filled(&path);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    refused(&path, "read-only");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(SqliteStore::open(&path).unwrap().marketplace_id("other").unwrap(), "kept");
}

#[test]
fn a_read_only_directory_is_refused() {
    let d = dir("read-only-dir");
    let path = d.join("market.db");
    filled(&path);
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o555)).unwrap();
    let reason = refused(&path, "read-only");
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(reason.contains("directory"), "{reason}");
}

#[test]
fn a_directory_is_refused() {
    let d = dir("a-directory");
    refused(&d, "directory");
}

#[test]
fn a_file_from_a_newer_schema_is_refused() {
    let path = dir("newer").join("market.db");
    filled(&path);
    appmarket_sqlite::set_user_version(&path, SCHEMA_VERSION + 1).unwrap();
    refused(&path, "newer");
}

#[test]
fn an_older_file_is_migrated_and_keeps_its_content() {
    let path = dir("older").join("market.db");
    appmarket_sqlite::create_at_version(&path, 1).unwrap();
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(appmarket_sqlite::user_version(&path).unwrap(), SCHEMA_VERSION);
    // The migrated file has the claims of version 2.
    let target = appmarket::Target::Order(appmarket::OrderId::parse("ORD-1").unwrap());
    let t0 = appmarket::testing::fixtures::t0();
    assert!(store.claim(&target, t0, t0 + chrono::Duration::seconds(60)).unwrap());
    assert!(!store.claim(&target, t0, t0 + chrono::Duration::seconds(60)).unwrap());
}

#[test]
fn a_reopened_file_keeps_everything() {
    let path = dir("reopen").join("market.db");
    filled(&path);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.marketplace_id("other").unwrap(), "kept");
    assert_eq!(store.next_number(appmarket::store::Sequence::Order).unwrap(), 501);
    assert_eq!(store.events_since(0, 10_000).unwrap().len(), 2_000);
}

/// The WAL is checkpointed by the store's thread while commits go on, and starts over instead
/// of growing: after 3,000 commits of about 3 pages each, it holds at most half of their 9,000
/// pages (a WAL that never started over would hold them all).
#[test]
fn background_checkpoints_keep_the_wal_small() {
    for background in [true, false] {
        let path = dir(&format!("checkpoints-{background}")).join("market.db");
        let options = appmarket_sqlite::SqliteOptions {
            checkpoint_pages: 100,
            background_checkpoints: background,
            ..Default::default()
        };
        let store = SqliteStore::open_with(&path, options).unwrap();
        let account = appmarket::Target::Account(appmarket::CustomerId::parse("alice").unwrap());
        for _ in 0..3_000 {
            let event = appmarket::event::NewEvent {
                actor: appmarket::Actor::System,
                target: account.clone(),
                kind: appmarket::event::EventKind::AccountRegistered,
            };
            store
                .commit(
                    appmarket::store::Commit { events: vec![event], ..Default::default() },
                    appmarket::testing::fixtures::t0(),
                )
                .unwrap();
        }
        let wal = std::fs::metadata(format!("{}-wal", path.display())).unwrap().len();
        assert!(wal < 4_500 * (4_096 + 24), "background {background}: the WAL grew to {wal} bytes");
        assert_eq!(store.events_since(0, 10_000).unwrap().len(), 3_000);
        drop(store);
        assert_eq!(SqliteStore::open(&path).unwrap().events_since(0, 10_000).unwrap().len(), 3_000);
    }
}

#[test]
fn a_negative_schema_version_is_refused() {
    for version in [-1, i64::from(i32::MIN)] {
        let path = dir(&format!("negative{version}")).join("market.db");
        filled(&path);
        appmarket_sqlite::set_user_version(&path, version).unwrap();
        let reason = refused(&path, &format!("schema version is {version}"));
        assert!(reason.contains("backup"), "the refusal says what to do: {reason}");
    }
}

#[test]
fn a_sqlite_file_with_no_tables_is_refused_and_left_as_it_was() {
    // Version 1 with no tables: a damaged or foreign file, not a store to migrate.
    let path = dir("no-tables-v1").join("market.db");
    appmarket_sqlite::set_user_version(&path, 1).unwrap();
    refused(&path, "no appmarket schema");
    // Version 0, one page, no tables: not a new (empty) file either.
    let path = dir("no-tables-v0").join("market.db");
    appmarket_sqlite::set_user_version(&path, 1).unwrap();
    appmarket_sqlite::set_user_version(&path, 0).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() > 0);
    refused(&path, "no appmarket schema");
}

/// The account events every commit of [`live`] records.
fn event() -> appmarket::event::NewEvent {
    appmarket::event::NewEvent {
        actor: appmarket::Actor::System,
        target: appmarket::Target::Account(appmarket::CustomerId::parse("alice").unwrap()),
        kind: appmarket::event::EventKind::AccountRegistered,
    }
}

/// An open store in a new directory `name` with `commits` commits of one event each, all still
/// in its `-wal` file.
fn live(name: &str, commits: usize) -> (PathBuf, SqliteStore) {
    let path = dir(name).join("market.db");
    let store = SqliteStore::open(&path).unwrap();
    for _ in 0..commits {
        let commit = appmarket::store::Commit { events: vec![event()], ..Default::default() };
        store.commit(commit, appmarket::testing::fixtures::t0()).unwrap();
    }
    (path, store)
}

fn wal_of(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}-wal", path.display()))
}

/// Copies the store file at `from` to a new directory `name`, with its `-wal` file changed by
/// `wal` (`None`: without it), as a copy taken while the store is open would be.
fn copy(from: &Path, name: &str, wal: Option<&dyn Fn(Vec<u8>) -> Vec<u8>>) -> PathBuf {
    let to = dir(name).join("market.db");
    std::fs::copy(from, &to).unwrap();
    if let Some(change) = wal {
        std::fs::write(wal_of(&to), change(std::fs::read(wal_of(from)).unwrap())).unwrap();
    }
    to
}

const FRAME: usize = 24 + 4096;

/// A change to a `-wal` file: the byte at `at` flipped.
fn flipped(at: usize) -> impl Fn(Vec<u8>) -> Vec<u8> {
    move |mut wal| {
        wal[at] ^= 0x55;
        wal
    }
}

#[test]
fn a_file_copied_without_its_wal_is_refused() {
    let (path, _store) = live("live-no-wal", 200);
    assert!(std::fs::metadata(wal_of(&path)).unwrap().len() > 0, "the commits are in the -wal file");
    let copied = copy(&path, "copied-no-wal", None);
    let reason = refused(&copied, "no appmarket schema");
    assert!(reason.contains("-wal"), "the refusal names the missing -wal file: {reason}");
}

#[test]
fn a_file_copied_with_its_whole_wal_opens_with_every_commit() {
    let (path, _store) = live("live-whole", 200);
    let copied = copy(&path, "copied-whole", Some(&|wal| wal));
    assert_eq!(SqliteStore::open(&copied).unwrap().events_since(0, 1_000).unwrap().len(), 200);
}

#[test]
fn a_wal_with_a_damaged_header_is_refused() {
    let (path, _store) = live("live-header", 200);
    for (at, name) in [(0, "magic"), (5, "version"), (17, "salt"), (26, "checksum")] {
        let copied = copy(&path, &format!("damaged-header-{name}"), Some(&flipped(at)));
        let reason = refused(&copied, "-wal");
        assert!(reason.contains("header"), "{name}: {reason}");
    }
    let copied = copy(&path, "damaged-header-short", Some(&|wal| wal[..20].to_vec()));
    refused(&copied, "header");
}

#[test]
fn a_wal_cut_short_is_refused() {
    let (path, _store) = live("live-cut", 200);
    let len = std::fs::metadata(wal_of(&path)).unwrap().len() as usize;
    // Half of its frames and a part of the next one, as a copy cut off midway leaves it.
    let cut = 32 + (len - 32) / FRAME / 2 * FRAME + 1_000;
    let copied = copy(&path, "cut-half", Some(&|wal| wal[..cut].to_vec()));
    let reason = refused(&copied, "-wal");
    assert!(reason.contains("cut"), "{reason}");
    // The way out the refusal gives: a checkpoint by SQLite keeps the commits it can read.
    assert!(reason.contains("PRAGMA wal_checkpoint(TRUNCATE)"), "{reason}");
    let sqlite = rusqlite::Connection::open(&copied).unwrap();
    sqlite.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())).unwrap();
    drop(sqlite);
    let kept = SqliteStore::open(&copied).unwrap().events_since(0, 1_000).unwrap().len();
    assert!(kept > 0 && kept < 200, "the commits before the cut are kept: {kept}");
}

#[test]
fn a_wal_damaged_before_its_last_commit_is_refused() {
    let (path, _store) = live("live-frame", 200);
    let len = std::fs::metadata(wal_of(&path)).unwrap().len() as usize;
    let middle = (len - 32) / FRAME / 2;
    for (offset, name) in [(100, "page"), (0, "page-number")] {
        let copied = copy(&path, &format!("damaged-frame-{name}"), Some(&flipped(32 + middle * FRAME + offset)));
        let reason = refused(&copied, "-wal");
        assert!(reason.contains("damaged"), "{name}: {reason}");
    }
}

/// A process killed while writing a transaction leaves its frames without a commit frame, or a
/// frame cut after its header: the store opens with every commit, as SQLite recovers it.
#[test]
fn a_wal_torn_as_a_killed_process_leaves_it_opens_with_every_commit() {
    let (path, _store) = live("live-torn", 200);
    let wal = std::fs::read(wal_of(&path)).unwrap();
    // The last frame again (a commit frame), its commit flag cleared: an unfinished transaction.
    let mut unfinished = wal[wal.len() - FRAME..].to_vec();
    unfinished[4..8].copy_from_slice(&[0; 4]);
    let cases: [(&str, Vec<u8>); 2] = [("header-only", unfinished[..24].to_vec()), ("uncommitted", unfinished.clone())];
    for (name, tail) in cases {
        let copied = copy(
            &path,
            &format!("torn-{name}"),
            Some(&|mut wal: Vec<u8>| {
                wal.extend_from_slice(&tail);
                wal
            }),
        );
        assert_eq!(SqliteStore::open(&copied).unwrap().events_since(0, 1_000).unwrap().len(), 200, "{name}");
    }
}

#[test]
fn a_wal_without_its_file_is_refused_and_no_file_is_created() {
    let (path, _store) = live("live-orphan", 20);
    let orphan = dir("orphan-wal").join("market.db");
    std::fs::copy(wal_of(&path), wal_of(&orphan)).unwrap();
    refused(&orphan, "-wal");
}

/// A store that is dropped copies its commits into the file, also while another store has the
/// file open: the file alone then holds them.
#[test]
fn dropping_a_store_checkpoints_its_commits_into_the_file() {
    let (path, store) = live("drop-checkpoint", 50);
    let other = SqliteStore::open(&path).unwrap();
    drop(store);
    let copied = copy(&path, "drop-checkpoint-copy", None);
    assert_eq!(SqliteStore::open(&copied).unwrap().events_since(0, 1_000).unwrap().len(), 50);
    drop(other);
    assert!(std::fs::metadata(wal_of(&path)).map_or(true, |m| m.len() == 0), "the -wal file is empty");
}
