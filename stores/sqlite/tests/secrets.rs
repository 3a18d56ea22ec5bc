//! App passwords at rest (APP-5): sealed with the host's key, never in a request record, a wrong
//! or missing key refused at open with nothing changed, older files migrated and sealed, keys
//! rotated.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use appmarket::sealing::WRONG_KEY;
use appmarket::store::{Commit, Reply, RequestRecord, Store};
use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_sqlite::{SecretKey, SqliteOptions, SqliteStore};
use rusqlite::{Connection, params};

const PASSWORD: &str = "Zq9#unique-Secret-1";

fn dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sqlite-secrets").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn key(byte: u8) -> SecretKey {
    SecretKey::new([byte; 32])
}

fn options(secret_key: Option<SecretKey>, previous_secret_key: Option<SecretKey>) -> SqliteOptions {
    SqliteOptions { secret_key, previous_secret_key, ..SqliteOptions::default() }
}

fn open(path: &Path, secret_key: Option<SecretKey>) -> Result<SqliteStore, Error> {
    SqliteStore::open_with(path, options(secret_key, None))
}

fn app(id: &str) -> AppId {
    AppId::parse(id).unwrap()
}

/// Keeps passwords for apps directly, as a commit of the facade would.
fn keep(store: &SqliteStore, secrets: &[(&str, &str)]) {
    let secrets = secrets.iter().map(|(a, p)| (app(a), Secret::new(*p))).collect();
    store.commit(Commit { secrets, ..Commit::default() }, fixtures::t0()).unwrap();
}

fn password(store: &SqliteStore, id: &str) -> String {
    store.secret(&app(id)).unwrap().expect("the app has a password").expose().to_owned()
}

/// The bytes of the file and of its WAL.
fn file_bytes(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap();
    bytes.extend(std::fs::read(format!("{}-wal", path.display())).unwrap_or_default());
    bytes
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

/// A marketplace on `store` with a SaaS app whose seller gave it `PASSWORD`.
fn market_with_app(store: Arc<SqliteStore>) -> (Marketplace, Actor, Actor, AppId) {
    let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).store(store).build().unwrap();
    let (alice, seller, app) = fixtures::saas_app_with_password(&market, PASSWORD).unwrap();
    (market, alice, seller, app)
}

#[test]
fn app_5_the_file_and_its_wal_never_hold_a_revealed_password() {
    let path = dir("at-rest").join("market.db");
    let store = Arc::new(open(&path, Some(key(7))).unwrap());
    let (market, alice, _, app) = market_with_app(store.clone());
    let caller = alice.with_request_id("reveal-1").unwrap();
    assert_eq!(market.reveal_password(&caller, &app).unwrap().expose(), PASSWORD);
    assert_eq!(market.reveal_password(&caller, &app).unwrap().expose(), PASSWORD);
    assert!(!holds(&file_bytes(&path), PASSWORD), "the WAL holds the password");
    store.checkpoint().unwrap();
    assert!(!holds(&file_bytes(&path), PASSWORD), "the file holds the password");
    drop(market);
    drop(store);
    assert!(!holds(&file_bytes(&path), PASSWORD), "the closed file holds the password");
    assert_eq!(password(&open(&path, Some(key(7))).unwrap(), app.as_str()), PASSWORD);
}

#[test]
fn app_5_a_replayed_reveal_keeps_no_second_copy_and_reads_the_current_password() {
    // Without a key the password is in plain text, once: in `secrets`, not in the request record.
    let path = dir("no-copy").join("market.db");
    let store = Arc::new(open(&path, None).unwrap());
    let (market, alice, seller, app) = market_with_app(store.clone());
    let caller = alice.with_request_id("reveal-1").unwrap();
    assert_eq!(market.reveal_password(&caller, &app).unwrap().expose(), PASSWORD);
    let conn = Connection::open(&path).unwrap();
    let copies: i64 = conn
        .query_row("SELECT count(*) FROM requests WHERE instr(CAST(requests.doc AS BLOB), ?1) > 0", [PASSWORD], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(copies, 0);
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('requests')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(columns, ["actor", "id", "at", "doc"]);
    appmarket::testing::contract::a_replayed_reveal_reads_the_current_password(
        &market, &*store, &caller, &seller, &app,
    );
}

#[test]
fn a_wrong_or_missing_key_is_refused_at_open_and_changes_nothing() {
    let path = dir("wrong-key").join("market.db");
    {
        let store = open(&path, Some(key(1))).unwrap();
        keep(&store, &[("app-1", PASSWORD)]);
        store.checkpoint().unwrap();
    }
    let before = file_bytes(&path);
    let err = open(&path, Some(key(2))).unwrap_err();
    let Error::Storage { reason } = &err else { panic!("expected a Storage error, got {err:?}") };
    assert!(reason.contains(WRONG_KEY) && reason.contains(&path.display().to_string()), "{reason}");
    assert_eq!(file_bytes(&path), before, "a wrong key changed the file");
    let err = open(&path, None).unwrap_err();
    let Error::Storage { reason } = &err else { panic!("expected a Storage error, got {err:?}") };
    assert!(reason.contains("secret key"), "{reason}");
    assert_eq!(file_bytes(&path), before, "a missing key changed the file");
    assert_eq!(password(&open(&path, Some(key(1))).unwrap(), "app-1"), PASSWORD);
}

#[test]
fn a_password_sealed_for_one_app_does_not_open_for_another() {
    let path = dir("moved").join("market.db");
    let store = open(&path, Some(key(1))).unwrap();
    keep(&store, &[("app-1", "First#1"), ("app-2", "Second#2")]);
    let conn = Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE app = 'app-1') WHERE app = 'app-2'",
        [],
    )
    .unwrap();
    let err = store.secret(&app("app-2")).unwrap_err();
    assert_eq!(err.kind(), "storage", "{err:?}");
    assert_eq!(password(&store, "app-1"), "First#1");
}

#[test]
fn a_first_key_seals_the_plain_passwords_as_the_store_opens() {
    let path = dir("first-key").join("market.db");
    {
        let store = open(&path, None).unwrap();
        keep(&store, &[("app-1", PASSWORD)]);
        store.checkpoint().unwrap();
    }
    assert!(holds(&file_bytes(&path), PASSWORD), "without a key the password is in plain text");
    let store = open(&path, Some(key(3))).unwrap();
    assert!(!holds(&file_bytes(&path), PASSWORD), "the plain password is still in the files");
    assert_eq!(password(&store, "app-1"), PASSWORD);
    keep(&store, &[("app-2", "Later#pw")]);
    drop(store);
    let store = open(&path, Some(key(3))).unwrap();
    assert_eq!(password(&store, "app-2"), "Later#pw");
}

#[test]
fn rotating_the_key_seals_every_password_again_in_one_go() {
    let path = dir("rotation").join("market.db");
    {
        let store = open(&path, Some(key(1))).unwrap();
        keep(&store, &[("app-1", "First#1"), ("app-2", "Second#2")]);
    }
    let sealed_before: Vec<Vec<u8>> = sealed(&path);
    let store = SqliteStore::open_with(&path, options(Some(key(2)), Some(key(1)))).unwrap();
    assert_eq!((password(&store, "app-1"), password(&store, "app-2")), ("First#1".into(), "Second#2".into()));
    drop(store);
    let sealed_after = sealed(&path);
    assert!(sealed_after.iter().all(|s| !sealed_before.contains(s)), "every password is sealed again");
    // The old key is refused now; the pair again, or the new key alone, opens it unchanged.
    assert!(matches!(open(&path, Some(key(1))), Err(Error::Storage { reason }) if reason.contains(WRONG_KEY)));
    drop(SqliteStore::open_with(&path, options(Some(key(2)), Some(key(1)))).unwrap());
    assert_eq!(sealed(&path), sealed_after);
    assert_eq!(password(&open(&path, Some(key(2))).unwrap(), "app-2"), "Second#2");
    // A previous key that does not open the store is no way in either.
    let err = SqliteStore::open_with(&path, options(Some(key(4)), Some(key(5)))).unwrap_err();
    assert!(matches!(&err, Error::Storage { reason } if reason.contains(WRONG_KEY)), "{err:?}");
}

fn sealed(path: &Path) -> Vec<Vec<u8>> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT sealed FROM secrets ORDER BY app").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
}

/// A file as the previous schema (version 2) wrote it: a password in `secrets`, and a request
/// record of a reveal with its own copy of the password, beside a request record of another
/// command.
fn version_2_file(path: &Path) {
    appmarket_sqlite::create_at_version(path, 2).unwrap();
    let conn = Connection::open(path).unwrap();
    conn.execute("INSERT INTO secrets (app, password) VALUES ('app-1', ?1)", [PASSWORD]).unwrap();
    let alice = Actor::customer("alice").unwrap();
    let actor = serde_json::to_string(&alice).unwrap();
    let reveal = r#"{"actor":{"customer":"alice"},"id":"reveal-1","at":"2026-04-15T02:00:00Z","fingerprint":"v1:x","reply":{"Ok":{"type":"password","value":"***"}}}"#;
    conn.execute(
        "INSERT INTO requests (actor, id, at, doc, password) VALUES (?1, 'reveal-1', 0, ?2, ?3)",
        params![actor, reveal, PASSWORD],
    )
    .unwrap();
    let done = RequestRecord {
        actor: alice,
        id: RequestId::parse("other-1").unwrap(),
        at: fixtures::t0(),
        fingerprint: "v1:y".into(),
        reply: Ok(Reply::Done),
    };
    conn.execute(
        "INSERT INTO requests (actor, id, at, doc) VALUES (?1, 'other-1', 0, ?2)",
        params![actor, serde_json::to_string(&done).unwrap()],
    )
    .unwrap();
}

#[test]
fn a_version_2_file_is_migrated_its_passwords_sealed_and_the_copies_dropped() {
    let path = dir("migrated").join("market.db");
    version_2_file(&path);
    assert!(holds(&file_bytes(&path), PASSWORD));
    let store = open(&path, Some(key(9))).unwrap();
    assert_eq!(appmarket_sqlite::user_version(&path).unwrap(), appmarket_sqlite::SCHEMA_VERSION);
    assert_eq!(password(&store, "app-1"), PASSWORD);
    let alice = Actor::customer("alice").unwrap();
    assert_eq!(store.request(&alice, &RequestId::parse("reveal-1").unwrap()).unwrap(), None);
    let other = store.request(&alice, &RequestId::parse("other-1").unwrap()).unwrap().unwrap();
    assert_eq!(other.reply, Ok(Reply::Done));
    assert!(!holds(&file_bytes(&path), PASSWORD), "a plain copy stayed in the files");
}

#[test]
fn a_version_2_file_opened_without_a_key_keeps_its_password_and_drops_the_copies() {
    let path = dir("migrated-plain").join("market.db");
    version_2_file(&path);
    let store = open(&path, None).unwrap();
    assert_eq!(password(&store, "app-1"), PASSWORD);
    let alice = Actor::customer("alice").unwrap();
    assert_eq!(store.request(&alice, &RequestId::parse("reveal-1").unwrap()).unwrap(), None);
    let conn = Connection::open(&path).unwrap();
    let requests: i64 = conn.query_row("SELECT count(*) FROM requests", [], |r| r.get(0)).unwrap();
    assert_eq!(requests, 1);
}
