//! Listings on the PostgreSQL store: a database of schema version 3 (without the listing
//! indexes) or 4 (without the listing counts) is upgraded and lists as a new one does; pages and
//! counts are planned on indexes; totals follow every commit.

mod common;

use appmarket::store::Store;
use appmarket::testing::contract;
use appmarket_postgres::{PostgresStore, SCHEMA_VERSION};

const INDEXES: [&str; 7] = [
    "orders_by_customer_status",
    "orders_by_customer_product",
    "apps_listed_by_customer",
    "apps_listed_by_customer_status",
    "flows_by_customer_status",
    "flows_by_seller_status",
    "flows_by_order",
];

#[test]
fn postgres_store_lists_as_the_filters_say() {
    let Some(url) = common::url() else { return };
    contract::listings_filter_and_page_as_their_filters_say(&common::fresh_store(&url, "listings"));
}

#[test]
fn ord_7_postgres_store_counts_unpaid_orders_per_customer() {
    let Some(url) = common::url() else { return };
    contract::ord_7_unpaid_orders_are_counted_per_customer(&common::fresh_store(&url, "unpaid"));
}

/// Takes a schema back to version 5 as that version wrote it: without the listing counts, their
/// triggers and functions.
fn back_to_version_5(admin: &mut postgres::Client, schema: &str) {
    admin
        .batch_execute(&format!(
            "SET search_path TO {schema}; {} UPDATE appmarket_schema SET version = 5; RESET search_path;",
            common::DROP_LISTING_COUNTS
        ))
        .expect("back to version 5");
}

/// The counts of a listing per owner and status (those at zero left out).
fn counts(admin: &mut postgres::Client, schema: &str) -> Vec<(String, String, String, i64)> {
    admin
        .query(
            &format!("SELECT listing, owner, status, n FROM {schema}.listing_counts WHERE n <> 0 ORDER BY 1, 2, 3"),
            &[],
        )
        .expect("read")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

#[test]
fn a_version_5_schema_gets_its_listing_counts_filled() {
    let Some(url) = common::url() else { return };
    let schema = common::fresh_schema("counts_upgrade");
    let store = PostgresStore::builder(&url).schema(&schema).open().expect("open");
    let records = contract::save_varied_listings(&store);
    drop(store);
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    let kept = counts(&mut admin, &schema);
    // Four listings, two customers and two sellers, several statuses each.
    assert!(kept.len() > 10, "{kept:?}");
    assert_eq!(kept.iter().filter(|c| c.0 == "orders").map(|c| c.3).sum::<i64>(), 30);
    back_to_version_5(&mut admin, &schema);
    let store = PostgresStore::builder(&url).schema(&schema).open().expect("open upgrades");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    // Filled from the records: the same counts the commits kept, and the same totals.
    assert_eq!(counts(&mut admin, &schema), kept);
    contract::check_listings(&store, &records);
}

#[test]
fn a_version_3_schema_gets_the_listing_indexes_and_lists_its_records() {
    let Some(url) = common::url() else { return };
    let schema = common::fresh_schema("listing_upgrade");
    let store = PostgresStore::builder(&url).schema(&schema).open().expect("open");
    let records = contract::save_varied_listings(&store);
    drop(store);
    // Back to version 3 as it was: the same tables, without the listing indexes, with the
    // passwords in plain text and a password column in the request records.
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    back_to_version_5(&mut admin, &schema);
    let drops: Vec<String> = INDEXES.iter().map(|i| format!("DROP INDEX {schema}.{i};")).collect();
    admin
        .batch_execute(&format!(
            "{} ALTER TABLE {schema}.secrets DROP CONSTRAINT secrets_one_form, DROP COLUMN sealed;
             ALTER TABLE {schema}.secrets ALTER COLUMN secret SET NOT NULL;
             ALTER TABLE {schema}.requests ADD COLUMN secret text;
             UPDATE {schema}.appmarket_schema SET version = 3;",
            drops.join(" ")
        ))
        .expect("back to version 3");
    let store = PostgresStore::builder(&url).schema(&schema).open().expect("open upgrades");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    for index in INDEXES {
        let found: i64 = admin
            .query_one("SELECT count(*) FROM pg_indexes WHERE schemaname = $1 AND indexname = $2", &[&schema, &index])
            .expect("read")
            .get(0);
        assert_eq!(found, 1, "{index}");
    }
    contract::check_listings(&store, &records);
    let customer = appmarket::CustomerId::parse("contract-customer").expect("id");
    assert!(store.unpaid_orders(&customer).expect("count") > 0);
}

/// A page can read the index of what it filters on, newest first, and stop at its page (no sort
/// of the matches); its count can read an index too. On the test's empty tables the planner
/// would rather scan, so scans and sorts are priced out: a plan without them exists only if the
/// index does.
#[test]
fn pages_and_counts_are_planned_on_indexes() {
    let Some(url) = common::url() else { return };
    let schema = common::fresh_schema("plans");
    drop(PostgresStore::builder(&url).schema(&schema).open().expect("open"));
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    admin
        .batch_execute(&format!(
            "SET search_path TO {schema}; SET enable_seqscan = off; SET enable_sort = off; SET enable_bitmapscan = off;"
        ))
        .expect("set");
    for (table, conditions) in [
        ("orders", "customer = 'c'"),
        ("orders", "customer = 'c' AND status = 'completed'"),
        ("orders", "customer = 'c' AND product = 'p'"),
        ("apps", "customer = 'c' AND listed AND status = 'active'"),
        ("flows", "seller = 's' AND status = 'in_service'"),
        ("flows", "customer = 'c' AND order_id = 'o'"),
    ] {
        for sql in [
            format!("SELECT doc FROM {table} WHERE {conditions} ORDER BY pos DESC LIMIT 20 OFFSET 0"),
            format!("SELECT count(*) FROM {table} WHERE {conditions}"),
        ] {
            let plan: Vec<String> = admin
                .query(&format!("EXPLAIN {sql}"), &[])
                .expect("explain")
                .iter()
                .map(|r| r.get::<_, String>(0))
                .collect();
            let plan = plan.join("\n");
            assert!(plan.contains("Index"), "{sql}:\n{plan}");
            assert!(!plan.contains("Sort"), "{sql} sorts:\n{plan}");
        }
    }
}

#[test]
fn postgres_store_listing_totals_follow_every_commit() {
    let Some(url) = common::url() else { return };
    contract::listing_totals_follow_every_commit(&common::fresh_store(&url, "totals"));
}
