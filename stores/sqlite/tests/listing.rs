//! Listings on the SQLite store: a file of schema version 2 (no listing columns) or 4 (no
//! listing counts) is migrated, its columns and counts filled, and lists as a new one does.

mod common;

use appmarket::store::Store;
use appmarket::testing::contract;
use appmarket_sqlite::{SCHEMA_VERSION, SqliteStore};

fn fresh_path(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sqlite-listing");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

/// Takes a file back to schema version 2 as that version wrote it: the `records` table without
/// the listing columns and their indexes, the request records with their password column and
/// the passwords in plain text only.
fn back_to_version_2(path: &std::path::Path) {
    common::back_to_version_4(path);
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "DROP INDEX records_customer_status; DROP INDEX records_seller_status;
         DROP INDEX records_customer_product; DROP INDEX records_listed_apps; DROP INDEX records_flow_order;
         ALTER TABLE records DROP COLUMN product; ALTER TABLE records DROP COLUMN listed;
         ALTER TABLE records DROP COLUMN delivery; ALTER TABLE records DROP COLUMN mode;
         ALTER TABLE records DROP COLUMN name_lower; ALTER TABLE records DROP COLUMN flow_kind;
         ALTER TABLE records DROP COLUMN order_id;
         ALTER TABLE requests ADD COLUMN password TEXT;
         CREATE TABLE secrets_plain (app TEXT PRIMARY KEY, password TEXT NOT NULL) WITHOUT ROWID;
         INSERT INTO secrets_plain SELECT app, password FROM secrets;
         DROP TABLE secrets; ALTER TABLE secrets_plain RENAME TO secrets;
         PRAGMA user_version = 2;",
    )
    .unwrap();
}

#[test]
fn a_version_2_file_is_migrated_and_lists_its_records_by_the_new_columns() {
    let path = fresh_path("version-2");
    let store = SqliteStore::open(&path).unwrap();
    let records = contract::save_varied_listings(&store);
    let unpaid = store.unpaid_orders(&appmarket::CustomerId::parse("contract-customer").unwrap()).unwrap();
    store.checkpoint().unwrap();
    drop(store);
    back_to_version_2(&path);
    assert_eq!(appmarket_sqlite::user_version(&path).unwrap(), 2);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(appmarket_sqlite::user_version(&path).unwrap(), SCHEMA_VERSION);
    contract::check_listings(&store, &records);
    let customer = appmarket::CustomerId::parse("contract-customer").unwrap();
    assert!(unpaid > 0);
    assert_eq!(store.unpaid_orders(&customer).unwrap(), unpaid);
    // Reopened, the migrated file is as it was.
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    contract::check_listings(&store, &records);
}

/// The counts of a listing per owner and status, as a file holds them (those at zero left out).
fn counts(path: &std::path::Path) -> Vec<(String, String, String, i64)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt =
        conn.prepare("SELECT listing, owner, status, n FROM listing_counts WHERE n <> 0 ORDER BY 1, 2, 3").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn a_version_4_file_is_migrated_with_its_listing_counts_filled() {
    let path = fresh_path("version-4");
    let store = SqliteStore::open(&path).unwrap();
    let records = contract::save_varied_listings(&store);
    store.checkpoint().unwrap();
    drop(store);
    let kept = counts(&path);
    // Four listings, two customers and two sellers, several statuses each.
    assert!(kept.len() > 10, "{kept:?}");
    assert_eq!(kept.iter().filter(|c| c.0 == "orders").map(|c| c.3).sum::<i64>(), 30);
    common::back_to_version_4(&path);
    assert_eq!(appmarket_sqlite::user_version(&path).unwrap(), 4);

    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(appmarket_sqlite::user_version(&path).unwrap(), SCHEMA_VERSION);
    // Filled from the records: the same counts the commits kept, and the same totals.
    assert_eq!(counts(&path), kept);
    contract::check_listings(&store, &records);
}

/// A listing reads the index of what it filters on: the plans SQLite makes for a page and its
/// count name an index and no full scan of `records`, and no sort; a kept total is read on the
/// key of the counts.
#[test]
fn listings_are_planned_on_their_indexes() {
    let path = fresh_path("plans");
    drop(SqliteStore::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let plan = |sql: &str| -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt.query_map([], |r| r.get::<_, String>(3)).unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
    };
    for conditions in [
        "kind = 3 AND customer = 'c'",
        "kind = 3 AND customer = 'c' AND status = 'completed'",
        "kind = 3 AND customer = 'c' AND product = 'p'",
        "kind = 4 AND listed = 1 AND customer = 'c' AND status = 'active'",
        "kind = 5 AND seller = 's' AND status = 'in_service'",
        "kind = 5 AND customer = 'c' AND order_id = 'o'",
    ] {
        for sql in [
            format!("SELECT doc FROM records WHERE {conditions} ORDER BY rowid DESC LIMIT 20 OFFSET 0"),
            format!("SELECT count(*) FROM records WHERE {conditions}"),
        ] {
            let plan = plan(&sql);
            assert!(plan.contains("USING") && plan.contains("INDEX"), "{sql}: {plan}");
            assert!(!plan.contains("SCAN records") || plan.contains("INDEX"), "{sql}: {plan}");
            assert!(!plan.contains("TEMP B-TREE"), "{sql} sorts: {plan}");
        }
    }
    // A kept total is read on the counts' key, one owner's statuses or one status.
    for sql in [
        "SELECT COALESCE(sum(n), 0) FROM listing_counts WHERE listing = 'orders' AND owner = 'c'",
        "SELECT COALESCE(sum(n), 0) FROM listing_counts WHERE listing = 'orders' AND owner = 'c' AND status = 'completed'",
    ] {
        let plan = plan(sql);
        assert!(plan.contains("SEARCH listing_counts USING PRIMARY KEY"), "{sql}: {plan}");
    }
    // The open appeals are read on their partial index.
    let sql = "SELECT doc FROM records WHERE kind = 6 AND status = 'open'";
    let plan = plan(sql);
    assert!(plan.contains("records_open_appeals"), "{sql}: {plan}");
}
