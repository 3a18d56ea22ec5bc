//! `appmarket verify`: a store left by a journey verifies; a record changed behind the store's
//! back (its document updated with SQL) is found, named, and the exit code is 1.

mod common;

use std::sync::Arc;

use appmarket::store::{Item, Record, Store};
use appmarket_sqlite::SqliteStore;
use appmarket_tests::journeys;
use common::*;

/// A SQLite store left by the `supervision` journey, and its completed service flow's id.
fn journey_store(tag: &str) -> (std::path::PathBuf, String) {
    let path = fresh_file(tag);
    let file = journeys::files().into_iter().find(|f| f.ends_with("supervision.json")).expect("the journey");
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    journeys::replay_on(&file, Some(store.clone() as Arc<dyn Store>));
    let order = content(&*store)
        .into_iter()
        .find_map(|i| match i {
            Item::Record(k) => match k.record {
                Record::Order(o) if o.status == appmarket::OrderStatus::Completed => Some(o.id.as_str().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .expect("a completed order");
    (path, order)
}

fn verify(args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["verify", "--quiet"];
    all.extend_from_slice(args);
    let out = run(&all);
    let (stdout, stderr) = texts(&out);
    (out.status.success(), stdout, stderr)
}

fn finds_the_change(args: &[&str], order: &str) {
    let (ok, stdout, stderr) = verify(args);
    assert!(!ok, "a changed record verified: {stdout}");
    assert!(
        stdout.lines().any(
            |l| l.starts_with(&format!("order {order}: status: kept \"cancelled\", its events give \"completed\""))
        ),
        "{stdout}"
    );
    assert!(stdout.contains("1 mismatches"), "{stdout}");
    assert!(stderr.starts_with("error: 1 mismatches in ") && stderr.lines().count() == 1, "{stderr}");
}

#[test]
fn verify_finds_a_record_changed_behind_the_sqlite_store() {
    let (path, order) = journey_store("verify");
    let (ok, stdout, _) = verify(&[&sqlite(&path)]);
    assert!(ok, "{stdout}");
    assert!(stdout.contains("no mismatch") && stdout.contains("rebuilt from their events"), "{stdout}");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let changed = conn
        .execute(
            "UPDATE records SET doc = json_set(doc, '$.value.status', 'cancelled') WHERE kind = 3 AND id = ?1",
            [&order],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(conn);
    finds_the_change(&[&sqlite(&path)], &order);
}

#[test]
fn verify_finds_a_record_changed_behind_the_postgres_store() {
    let Some(url) = postgres_url() else { return };
    let (path, order) = journey_store("verify-pg");
    let schema = fresh_schema("verify");
    let out = run(&["migrate", "--quiet", "--from", &sqlite(&path), "--to", &url, "--to-schema", &schema]);
    assert!(out.status.success(), "{}", texts(&out).1);
    let (ok, stdout, _) = verify(&[&url, "--schema", &schema]);
    assert!(ok, "{stdout}");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let changed = client
        .execute(
            &format!(
                "UPDATE \"{schema}\".orders SET doc = jsonb_set(doc::jsonb, '{{status}}', '\"cancelled\"')::text WHERE id = $1"
            ),
            &[&order],
        )
        .unwrap();
    assert_eq!(changed, 1);
    finds_the_change(&[&url, "--schema", &schema], &order);
}
