//! App passwords at rest (APP-5): sealed with the hosts' key in `secrets`, never in a request
//! record, a wrong or missing key refused at open with nothing changed, an older schema migrated
//! and sealed, keys rotated.

mod common;

use std::sync::Arc;

use appmarket::sealing::WRONG_KEY;
use appmarket::store::{Commit, Reply, Store};
use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_postgres::{PostgresStore, SCHEMA_VERSION, SecretKey};

const PASSWORD: &str = "Zq9#unique-Secret-1";

fn key(byte: u8) -> SecretKey {
    SecretKey::new([byte; 32])
}

fn open(url: &str, schema: &str, key: Option<SecretKey>, previous: Option<SecretKey>) -> Result<PostgresStore, Error> {
    let mut builder = PostgresStore::builder(url).schema(schema).pool_size(2);
    if let Some(key) = key {
        builder = builder.secret_key(key);
    }
    if let Some(previous) = previous {
        builder = builder.previous_secret_key(previous);
    }
    builder.open()
}

fn admin(url: &str) -> postgres::Client {
    postgres::Client::connect(url, postgres::NoTls).expect("connect")
}

/// The `secrets` rows as they are in the database: (app, plain text, sealed bytes).
fn rows(url: &str, schema: &str) -> Vec<(String, Option<String>, Option<Vec<u8>>)> {
    admin(url)
        .query(&format!("SELECT app, secret, sealed FROM {schema}.secrets ORDER BY app"), &[])
        .expect("read secrets")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

fn meta(url: &str, schema: &str) -> Vec<(String, String)> {
    admin(url)
        .query(&format!("SELECT key, value FROM {schema}.meta ORDER BY key"), &[])
        .expect("read meta")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

fn keep(store: &PostgresStore, secrets: &[(&str, &str)]) {
    let secrets = secrets.iter().map(|(a, p)| (AppId::parse(a).unwrap(), Secret::new(*p))).collect();
    store.commit(Commit { secrets, ..Commit::default() }, fixtures::t0()).expect("keep passwords");
}

fn password(store: &PostgresStore, app: &str) -> String {
    store.secret(&AppId::parse(app).unwrap()).expect("read").expect("a password").expose().to_owned()
}

#[test]
fn app_5_the_secrets_table_and_the_request_records_hold_no_plain_password() {
    let Some(url) = common::url() else { return };
    let schema = common::fresh_schema("sealed");
    let store = Arc::new(open(&url, &schema, Some(key(7)), None).expect("open"));
    let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).store(store.clone()).build().unwrap();
    let (alice, seller, app) = fixtures::saas_app_with_password(&market, PASSWORD).unwrap();
    let caller = alice.with_request_id("reveal-1").unwrap();
    assert_eq!(market.reveal_password(&caller, &app).unwrap().expose(), PASSWORD);

    let kept = rows(&url, &schema);
    assert_eq!(kept.len(), 1);
    let (_, plain, sealed) = &kept[0];
    assert_eq!(plain, &None, "the password is in plain text");
    assert!(!holds(sealed.as_deref().expect("sealed"), PASSWORD));
    let mut db = admin(&url);
    let copies: i64 = db
        .query_one(&format!("SELECT count(*) FROM {schema}.requests WHERE strpos(doc, $1) > 0"), &[&PASSWORD])
        .unwrap()
        .get(0);
    assert_eq!(copies, 0, "a request record holds the password");
    let columns: Vec<String> = db
        .query(
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = $1 AND table_name = 'requests' ORDER BY ordinal_position",
            &[&schema],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(columns, ["actor", "id", "at", "doc"]);
    appmarket::testing::contract::a_replayed_reveal_reads_the_current_password(
        &market, &*store, &caller, &seller, &app,
    );
}

#[test]
fn a_wrong_or_missing_key_is_refused_at_open_and_changes_nothing() {
    let Some(url) = common::url() else { return };
    let schema = common::fresh_schema("wrongkey");
    keep(&open(&url, &schema, Some(key(1)), None).expect("open"), &[("app-1", PASSWORD)]);
    let before = (rows(&url, &schema), meta(&url, &schema));
    let err = open(&url, &schema, Some(key(2)), None).unwrap_err();
    assert_eq!(err, Error::Storage { reason: WRONG_KEY.into() });
    let err = open(&url, &schema, None, None).unwrap_err();
    assert!(matches!(&err, Error::Storage { reason } if reason.contains("secret key")), "{err:?}");
    let err = open(&url, &schema, Some(key(3)), Some(key(4))).unwrap_err();
    assert_eq!(err, Error::Storage { reason: WRONG_KEY.into() });
    assert_eq!((rows(&url, &schema), meta(&url, &schema)), before, "a refused key changed the database");
    assert_eq!(password(&open(&url, &schema, Some(key(1)), None).expect("open"), "app-1"), PASSWORD);
}

#[test]
fn rotating_the_key_seals_every_password_again() {
    let Some(url) = common::url() else { return };
    let schema = common::fresh_schema("rotate");
    keep(&open(&url, &schema, Some(key(1)), None).expect("open"), &[("app-1", "First#1"), ("app-2", "Second#2")]);
    let before = rows(&url, &schema);
    let store = open(&url, &schema, Some(key(2)), Some(key(1))).expect("rotate");
    assert_eq!((password(&store, "app-1"), password(&store, "app-2")), ("First#1".into(), "Second#2".into()));
    let after = rows(&url, &schema);
    assert!(after.iter().all(|row| !before.contains(row)), "every password is sealed again");
    assert!(matches!(open(&url, &schema, Some(key(1)), None), Err(Error::Storage { reason }) if reason == WRONG_KEY));
    drop(open(&url, &schema, Some(key(2)), Some(key(1))).expect("the pair again"));
    assert_eq!(rows(&url, &schema), after, "the pair again changes nothing");
    assert_eq!(password(&open(&url, &schema, Some(key(2)), None).expect("open"), "app-2"), "Second#2");
}

#[test]
fn a_version_4_schema_is_migrated_its_passwords_sealed_and_the_copies_dropped() {
    let Some(url) = common::url() else { return };
    let schema = common::fresh_schema("secrets_v3");
    drop(open(&url, &schema, None, None).expect("open"));
    let alice = Actor::customer("alice").unwrap();
    let actor = "customer:alice";
    let done = appmarket::store::RequestRecord {
        actor: alice.clone(),
        id: RequestId::parse("other-1").unwrap(),
        at: fixtures::t0(),
        fingerprint: "v1:y".into(),
        reply: Ok(Reply::Done),
    };
    let reveal = r#"{"actor":{"customer":"alice"},"id":"reveal-1","at":"2026-04-15T02:00:00Z","fingerprint":"v1:x","reply":{"Ok":{"type":"password","value":"***"}}}"#;
    let mut db = admin(&url);
    // Back to version 4 as the previous build wrote it: plain passwords, a reveal's copy, and no
    // listing counts.
    db.batch_execute(&format!(
        "SET search_path TO {schema};
         {}
         ALTER TABLE secrets DROP CONSTRAINT secrets_one_form, DROP COLUMN sealed;
         ALTER TABLE secrets ALTER COLUMN secret SET NOT NULL;
         ALTER TABLE requests ADD COLUMN secret text;
         UPDATE appmarket_schema SET version = 4;",
        common::DROP_LISTING_COUNTS
    ))
    .expect("back to version 4");
    db.execute(&format!("INSERT INTO {schema}.secrets (app, secret) VALUES ('app-1', $1)"), &[&PASSWORD]).unwrap();
    db.execute(
        &format!("INSERT INTO {schema}.requests (actor, id, at, doc, secret) VALUES ($1, 'reveal-1', 0, $2, $3)"),
        &[&actor, &reveal, &PASSWORD],
    )
    .unwrap();
    db.execute(
        &format!("INSERT INTO {schema}.requests (actor, id, at, doc) VALUES ($1, 'other-1', 0, $2)"),
        &[&actor, &serde_json::to_string(&done).unwrap()],
    )
    .unwrap();
    let store = open(&url, &schema, Some(key(9)), None).expect("open migrates");
    assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(password(&store, "app-1"), PASSWORD);
    let kept = rows(&url, &schema);
    assert!(kept[0].1.is_none() && !holds(kept[0].2.as_deref().unwrap(), PASSWORD), "the password stayed plain");
    assert_eq!(store.request(&alice, &RequestId::parse("reveal-1").unwrap()).unwrap(), None);
    assert_eq!(store.request(&alice, &RequestId::parse("other-1").unwrap()).unwrap(), Some(done));
}
