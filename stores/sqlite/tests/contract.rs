//! The repository contract suite (`appmarket::testing::contract`) on the SQLite store.

use appmarket::testing::contract;
use appmarket_sqlite::{SecretKey, SqliteOptions, SqliteStore};

/// A fresh store in a file of its own under the target directory.
fn fresh(name: &str) -> SqliteStore {
    fresh_with(name, SqliteOptions::default())
}

fn fresh_with(name: &str, options: SqliteOptions) -> SqliteStore {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sqlite-contract");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    SqliteStore::open_with(&path, options).unwrap()
}

#[test]
fn sqlite_store_passes_the_whole_suite() {
    let counter = std::sync::atomic::AtomicUsize::new(0);
    contract::run_all(|| fresh(&format!("all-{}", counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed))));
}

#[test]
fn sqlite_store_with_a_secret_key_passes_the_whole_suite() {
    let counter = std::sync::atomic::AtomicUsize::new(0);
    contract::run_all(|| {
        let options = SqliteOptions { secret_key: Some(SecretKey::new([7; 32])), ..SqliteOptions::default() };
        fresh_with(&format!("sealed-{}", counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed)), options)
    });
}

#[test]
fn sqlite_store_loads_and_saves() {
    contract::load_and_save(&fresh("load"));
}

#[test]
fn sqlite_store_refuses_a_stale_version() {
    contract::stale_version_is_a_conflict(&fresh("stale"));
}

#[test]
fn sqlite_store_remembers_and_prunes_request_ids() {
    contract::request_ids_are_remembered(&fresh("requests"));
    contract::old_request_ids_are_pruned(&fresh("prune"));
}

#[test]
fn sqlite_store_claims_due_items_exclusively() {
    contract::due_claims_are_exclusive(&fresh("claims"));
}

#[test]
fn sqlite_store_lists_as_the_filters_say() {
    contract::listings_filter_and_page_as_their_filters_say(&fresh("listings"));
}

#[test]
fn ord_7_sqlite_store_counts_unpaid_orders_per_customer() {
    contract::ord_7_unpaid_orders_are_counted_per_customer(&fresh("unpaid"));
}

#[test]
fn sqlite_store_listing_totals_follow_every_commit() {
    contract::listing_totals_follow_every_commit(&fresh("totals"));
}
