//! Bad input: a wrong URL, a wrong password, a missing database, a newer schema (an older one is
//! upgraded), a row edited by hand — each a typed `Error::Storage` saying what to fix, never a
//! panic. Text PostgreSQL cannot keep (a NUL) is refused by the core as `InvalidInput` before
//! the store or the gateway sees it.

mod common;

use appmarket::store::Store;
use std::sync::Arc;

use appmarket::testing::fixtures;
use appmarket::{
    Actor, AppFilter, CustomerAccount, CustomerId, Error, ManualClock, Marketplace, OrderId, PaymentMethod,
    ProductDraft, SimulatedPayments, Target,
};
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
             {}
             ALTER TABLE due DROP COLUMN claimed_until;
             ALTER TABLE accounts RESET (fillfactor); ALTER TABLE orders RESET (fillfactor);
             ALTER TABLE apps RESET (fillfactor); ALTER TABLE flows RESET (fillfactor);
             ALTER TABLE due RESET (fillfactor);
             INSERT INTO claims (target, until) VALUES ('0:alice', 9223372036854775807);
             DROP INDEX orders_by_customer_status, orders_by_customer_product, apps_listed_by_customer,
                 apps_listed_by_customer_status, flows_by_customer_status, flows_by_seller_status, flows_by_order;
             ALTER TABLE secrets DROP CONSTRAINT secrets_one_form, DROP COLUMN sealed;
             ALTER TABLE secrets ALTER COLUMN secret SET NOT NULL;
             ALTER TABLE requests ADD COLUMN secret text;
             UPDATE appmarket_schema SET version = 2;",
            common::DROP_LISTING_COUNTS
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

/// PostgreSQL text cannot hold a NUL: a product named with one would take the money of every
/// payment for it and then fail to record it. The core refuses the name, and a NUL in a
/// listing filter, as `InvalidInput` naming the field, so no charge is ever made for it.
#[test]
fn a_nul_in_a_product_name_is_refused_before_any_charge() {
    let Some(url) = common::url() else { return };
    let store = Arc::new(common::fresh_store(&url, "nul"));
    let payments = Arc::new(SimulatedPayments::new());
    let market = Marketplace::builder()
        .store(store)
        .payments(payments.clone())
        .clock(ManualClock::new(fixtures::t0()))
        .build()
        .expect("market");
    let seller = Actor::seller("isv-1").expect("seller");
    let draft = ProductDraft { name: "Mail\0Pro".into(), ..fixtures::saas_draft() };
    let err = market.list_product(&seller, draft).expect_err("a NUL in a name");
    assert!(matches!(&err, Error::InvalidInput { field, .. } if field == "draft.name"), "{err}");
    assert!(market.search(&Default::default()).expect("search").items.is_empty(), "nothing was listed");

    // The same purchase of a product with a clean name is charged once and recorded.
    let product = market.list_product(&seller, fixtures::saas_draft()).expect("list");
    let alice = CustomerId::parse("alice").expect("id");
    market.register_customer(CustomerAccount::with_card(alice.clone())).expect("register");
    let buyer = Actor::Customer(alice);
    let order = market.place_order(&buyer, fixtures::standard_monthly(product.id)).expect("order");
    market.accept_terms(&buyer, &order.id).expect("terms");
    assert!(payments.charges().is_empty(), "no charge before paying");
    market.pay(&buyer, &order.id, Some(PaymentMethod::CreditCard)).expect("pay");
    assert_eq!(payments.charges().len(), 1);

    let filter = AppFilter { name: Some("\0".into()), ..AppFilter::default() };
    let err = market.apps(&buyer, &filter, 1, Some(20)).expect_err("a NUL in a filter");
    assert!(matches!(&err, Error::InvalidInput { field, .. } if field == "filter.name"), "{err}");
    let json = market.run_json(
        &seller,
        &format!(
            r#"{{"do": "list_product", "draft": {}}}"#,
            serde_json::to_string(&ProductDraft { name: "Mail\0Pro".into(), ..fixtures::saas_draft() }).unwrap()
        ),
    );
    assert!(matches!(&json, Err(Error::InvalidInput { field, .. }) if field == "draft.name"), "{json:?}");
    assert_eq!(payments.charges().len(), 1, "no charge for what was refused");
}
