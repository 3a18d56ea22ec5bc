//! Files the store refuses, and files it keeps: each refusal is a typed `Storage` error naming
//! the path and the cause, and leaves the file as it was.

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

/// Opens `path`, expecting a `Storage` error that names the path and contains `cause`; checks
/// that the file's bytes did not change.
fn refused(path: &Path, cause: &str) -> String {
    let before = std::fs::read(path).ok();
    let err = SqliteStore::open(path).expect_err("the file is refused");
    let Error::Storage { reason } = &err else { panic!("expected a Storage error, got {err:?}") };
    assert!(reason.contains(&path.display().to_string()), "{reason}");
    assert!(reason.contains(cause), "{reason}");
    assert_eq!(std::fs::read(path).ok(), before, "the refused file was changed");
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
    let d = dir("truncated");
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
