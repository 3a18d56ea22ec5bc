//! Bad input: a wrong URL, a wrong password, a missing database, a newer schema (an older one is
//! upgraded), a row edited by hand — each a typed `Error::Storage` saying what to fix, never a
//! panic.

mod common;

use appmarket::store::Store;
use appmarket::{Error, OrderId, Target};
use appmarket_postgres::{PostgresStore, SCHEMA_VERSION};

fn storage_reason(result: Result<PostgresStore, Error>) -> String {
    match result {
        Err(Error::Storage { reason }) => reason,
        Err(other) => panic!("expected a storage error, got {other}"),
        Ok(_) => panic!("expected a storage error, got a store"),
    }
}

/// `postgresql://user:password@host:port/db` split at the password and at the database.
fn parts(url: &str) -> (String, String, String) {
    let (head, db) = url.rsplit_once('/').expect("a database in the URL");
    let (userpass, hostport) = head.rsplit_once('@').expect("credentials in the URL");
    let (user, _password) = userpass.rsplit_once(':').expect("a password in the URL");
    (user.to_owned(), hostport.to_owned(), db.to_owned())
}

#[test]
fn a_url_that_does_not_parse_names_the_expected_form() {
    let reason = storage_reason(PostgresStore::open("postgres://me:pw@[::1:5432/x"));
    assert!(reason.contains("postgresql://user:password@host:port/database"), "{reason}");
    assert!(!reason.contains(":pw@"), "the password is never repeated: {reason}");
}

#[test]
fn an_unreachable_server_asks_whether_it_runs() {
    let reason = storage_reason(
        PostgresStore::builder("postgresql://appmarket:pw@127.0.0.1:1/appmarket")
            .connect_timeout(std::time::Duration::from_secs(2))
            .open(),
    );
    assert!(reason.contains("127.0.0.1:1") && reason.contains("is the server running"), "{reason}");
}

#[test]
fn a_wrong_password_says_to_fix_the_password() {
    let Some(url) = common::url() else { return };
    let (user, hostport, db) = parts(&url);
    let reason = storage_reason(PostgresStore::open(&format!("{user}:not-the-password@{hostport}/{db}")));
    assert!(reason.contains("refused the password") && reason.contains("fix the password"), "{reason}");
    assert!(!reason.contains("not-the-password"), "the password is never repeated: {reason}");
}

#[test]
fn a_missing_database_says_to_create_it() {
    let Some(url) = common::url() else { return };
    let (userpass_host, _db) = url.rsplit_once('/').expect("a database in the URL");
    let reason = storage_reason(PostgresStore::open(&format!("{userpass_host}/no_such_database")));
    assert!(reason.contains("`no_such_database` does not exist") && reason.contains("createdb"), "{reason}");
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let Some(url) = common::url() else { return };
    let schema = common::fresh_schema("newer");
    let store = PostgresStore::builder(&url).schema(&schema).open().expect("open");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    drop(store);
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    let newer = SCHEMA_VERSION + 1;
    admin.execute(&format!("UPDATE {schema}.appmarket_schema SET version = $1"), &[&newer]).expect("bump");
    let reason = storage_reason(PostgresStore::builder(&url).schema(&schema).open());
    assert!(reason.contains(&format!("version {newer}")) && reason.contains("upgrade appmarket-postgres"), "{reason}");
    let still: i32 =
        admin.query_one(&format!("SELECT version FROM {schema}.appmarket_schema"), &[]).expect("read").get(0);
    assert_eq!(still, newer, "a refused open changes nothing");
}

/// A database of schema version 2 (claims only in their own table, no `fillfactor`) is brought
/// to the current version on open; what it held stays, its claims in force hold.
#[test]
fn a_version_2_schema_is_upgraded_and_its_claims_hold() {
    let Some(url) = common::url() else { return };
    let schema = common::fresh_schema("upgrade");
    let store = PostgresStore::builder(&url).schema(&schema).open().expect("open");
    let alice = appmarket::CustomerId::parse("alice").expect("id");
    let target = Target::Account(alice.clone());
    let account = appmarket::store::Record::Account(Box::new(appmarket::CustomerAccount::with_card(alice)));
    // Due at t0, as far as the store knows (it keeps whatever instant a write gives).
    let t0 = appmarket::testing::fixtures::t0();
    let write = appmarket::store::Write { record: account, expected_version: 0, due: Some(t0) };
    store.commit(appmarket::store::Commit { writes: vec![write], ..Default::default() }, t0).expect("save");
    drop(store);
    // Back to version 2 as it was, with a claim of the due account in force in the claims table.
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    admin
        .batch_execute(&format!(
            "SET search_path TO {schema};
             ALTER TABLE due DROP COLUMN claimed_until;
             ALTER TABLE accounts RESET (fillfactor); ALTER TABLE orders RESET (fillfactor);
             ALTER TABLE apps RESET (fillfactor); ALTER TABLE flows RESET (fillfactor);
             ALTER TABLE due RESET (fillfactor);
             INSERT INTO claims (target, until) VALUES ('0:alice', 9223372036854775807);
             ALTER TABLE secrets DROP CONSTRAINT secrets_one_form, DROP COLUMN sealed;
             ALTER TABLE secrets ALTER COLUMN secret SET NOT NULL;
             ALTER TABLE requests ADD COLUMN secret text;
             UPDATE appmarket_schema SET version = 2;"
        ))
        .expect("back to version 2");
    let store = PostgresStore::builder(&url).schema(&schema).open().expect("open upgrades");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    assert_eq!(store.load(&target).expect("load").map(|(_, v)| v), Some(1), "the account is kept");
    let now = appmarket::testing::fixtures::t0();
    let until = now + chrono::Duration::minutes(5);
    assert!(!store.claim(&target, now, until).expect("claim"), "the old claim holds");
    let none = std::collections::HashSet::new();
    assert!(store.claim_due(now, until, 10, &none).expect("claim a page").is_empty(), "for pages too");
    store.release(&target).expect("release");
    assert_eq!(store.claim_due(now, until, 10, &none).expect("claim a page"), vec![target.clone()]);
    let fillfactor: Vec<String> = admin
        .query_one(&format!("SELECT reloptions FROM pg_class WHERE oid = '{schema}.apps'::regclass"), &[])
        .expect("read")
        .get(0);
    assert_eq!(fillfactor, vec!["fillfactor=80".to_owned()]);
}

#[test]
fn hosts_opening_together_migrate_once() {
    let Some(url) = common::url() else { return };
    let schema = common::fresh_schema("together");
    let opened: Vec<Result<PostgresStore, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| PostgresStore::builder(&url).schema(&schema).open())).collect();
        handles.into_iter().map(|h| h.join().expect("no panic")).collect()
    });
    for store in opened {
        assert_eq!(store.expect("every host opens").schema_version().expect("version"), SCHEMA_VERSION);
    }
}

#[test]
fn a_row_edited_by_hand_is_a_storage_error_not_a_panic() {
    let Some(url) = common::url() else { return };
    let schema = common::fresh_schema("corrupt");
    let store = PostgresStore::builder(&url).schema(&schema).open().expect("open");
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    admin
        .execute(
            &format!(
                "INSERT INTO {schema}.orders (id, version, doc, customer, status, product)
                 VALUES ('ORD-00000001', 1, '{{not json', 'c', 'completed', 'p')"
            ),
            &[],
        )
        .expect("insert");
    let err = store.load(&Target::Order(OrderId::parse("ORD-00000001").unwrap())).expect_err("corrupt");
    assert!(matches!(&err, Error::Storage { reason } if reason.contains("does not read back")), "{err}");
}
