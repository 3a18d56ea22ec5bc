//! `appmarket migrate`: a marketplace driven through every journey of `tests/scenarios` and
//! through a random command sequence, migrated SQLite → PostgreSQL → SQLite with a secret key
//! on each store, is the same at each step (records with versions and due instants, events with
//! their numbers, passwords, request records, sequences, marketplace id), verifies, and goes on
//! on the last copy. A migration killed midway leaves its target empty; a target that is not
//! empty is refused and left as it was.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;

use appmarket::command::Command;
use appmarket::store::{Item, Portable, Record, Reply, Sequence, Store};
use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_sqlite::{SecretKey, SqliteOptions, SqliteStore};
use appmarket_tests::commands::{World, op, run_checked};
use appmarket_tests::journeys;
use chrono::Utc;
use common::*;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

const KEYS: [[u8; 32]; 3] = [[1; 32], [2; 32], [3; 32]];

fn hex(key: &[u8; 32]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

fn sealed(key: usize) -> SqliteOptions {
    SqliteOptions { secret_key: Some(SecretKey::new(KEYS[key])), ..SqliteOptions::default() }
}

/// Runs `migrate` with the keys of the two stores (in the environment); asserts success.
fn migrate(from: &[&str], to: &[&str], keys: (usize, usize)) -> String {
    let mut args = vec!["migrate", "--quiet"];
    args.extend_from_slice(from);
    args.extend_from_slice(to);
    let out = appmarket()
        .args(&args)
        .env("APPMARKET_FROM_SECRET_KEY", hex(&KEYS[keys.0]))
        .env("APPMARKET_TO_SECRET_KEY", hex(&KEYS[keys.1]))
        .output()
        .unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "migrate {args:?} failed: {stderr}");
    assert!(stdout.contains("checked: the target holds the same counts and events"), "{stdout}");
    stdout
}

/// `verify` of a store, with its key and the policy of its marketplace; asserts no mismatch.
fn verify_clean(store: &[&str], key: usize, policy: &Policy) {
    let file = fresh_file("policy").with_extension("json");
    std::fs::write(&file, policy.to_json()).unwrap();
    let mut args = vec!["verify", "--quiet", "--policy", file.to_str().unwrap()];
    args.extend_from_slice(store);
    let out = appmarket().args(&args).env("APPMARKET_SECRET_KEY", hex(&KEYS[key])).output().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "verify {store:?}: {stdout} {stderr}");
    assert!(stdout.contains("no mismatch"), "{stdout}");
}

/// Migrates the marketplace in the SQLite file `source` (sealed with key 0) to PostgreSQL
/// (key 1) and from there to a new SQLite file (key 2), checking each copy; returns the last.
fn round_trip(source: &Path, url: &str, policy: &Policy, tag: &str) -> std::path::PathBuf {
    let original = content(&SqliteStore::open_with(source, sealed(0)).unwrap());
    assert!(original.iter().any(|i| matches!(i, Item::Event(_))), "{tag}: nothing to migrate");
    let schema = fresh_schema(tag);
    let back = fresh_file(tag);
    migrate(&["--from", &sqlite(source)], &["--to", url, "--to-schema", &schema], (0, 1));
    let on_postgres = appmarket_postgres::PostgresStore::builder(url)
        .schema(&schema)
        .pool_size(2)
        .secret_key(SecretKey::new(KEYS[1]))
        .open()
        .unwrap();
    assert_eq!(content(&on_postgres), original, "{tag}: the PostgreSQL copy differs");
    drop(on_postgres);
    migrate(&["--from", url, "--from-schema", &schema], &["--to", &sqlite(&back)], (1, 2));
    assert_eq!(content(&SqliteStore::open_with(&back, sealed(2)).unwrap()), original, "{tag}: the SQLite copy differs");
    assert!(SqliteStore::open(&back).is_err(), "{tag}: the copy's passwords are sealed with its key");
    verify_clean(&[&sqlite(&back)], 2, policy);
    back
}

/// The marketplace goes on on its copy: a replayed request id replays (no new event), new
/// numbers and events follow the copied ones.
fn goes_on(copy: &Path, policy: &Policy) {
    let store = Arc::new(SqliteStore::open_with(copy, sealed(2)).unwrap());
    let items = content(&*store);
    let census = store.census(Utc::now()).unwrap();
    let clock = ManualClock::new(Utc::now());
    let market = Marketplace::builder()
        .store(store.clone() as Arc<dyn Store>)
        .clock(clock)
        .policy(policy.clone())
        .build()
        .unwrap();
    let paid = items.iter().find_map(|i| match i {
        Item::Request(r) => match &r.reply {
            Ok(Reply::Record(Record::Order(o))) if r.fingerprint.starts_with("v1:") && r.id.as_str() == "pay-1" => {
                Some((r.actor.clone(), o.clone()))
            }
            _ => None,
        },
        _ => None,
    });
    if let Some((actor, order)) = paid {
        let command: Command = serde_json::from_value(serde_json::json!({
            "do": "pay", "order": order.id.as_str(), "method": "credit_card"
        }))
        .unwrap();
        let replayed = market.run(actor.with_request_id("pay-1").unwrap(), command).expect("the replay");
        assert_eq!(replayed["id"], order.id.as_str());
        assert_eq!(store.census(Utc::now()).unwrap().last_seq, census.last_seq, "a replay appends no event");
    }
    let highest = items
        .iter()
        .filter_map(|i| match i {
            Item::Record(k) => match &k.record {
                Record::Order(o) => o.id.as_str().strip_prefix("ORD-").and_then(|n| n.parse::<u64>().ok()),
                _ => None,
            },
            _ => None,
        })
        .max()
        .unwrap_or(0);
    assert!(store.next_number(Sequence::Order).unwrap() > highest, "a number is handed out again");
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("carol").unwrap())).unwrap();
    let next = store.events_since(census.last_seq, 10).unwrap();
    assert_eq!(next.first().map(|e| e.seq), Some(census.last_seq + 1));
}

fn policy_of(file: &Path) -> Policy {
    let scenario: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    match scenario.get("policy") {
        Some(p) if !p.is_null() => Policy::from_json(&p.to_string()).unwrap(),
        _ => Policy::default(),
    }
}

#[test]
fn every_journey_migrates_sqlite_postgres_sqlite_and_goes_on() {
    let Some(url) = postgres_url() else { return };
    let files = journeys::files();
    // Two at a time: each waits on its processes half of the time.
    std::thread::scope(|scope| {
        for half in files.chunks(files.len().div_ceil(2)) {
            let url = &url;
            scope.spawn(move || {
                for file in half {
                    let tag = file.file_stem().unwrap().to_string_lossy().into_owned();
                    let source = fresh_file(&tag);
                    let store = Arc::new(SqliteStore::open_with(&source, sealed(0)).unwrap());
                    journeys::replay_on(file, Some(store as Arc<dyn Store>));
                    let policy = policy_of(file);
                    let copy = round_trip(&source, url, &policy, &tag);
                    goes_on(&copy, &policy);
                }
            });
        }
    });
}

#[test]
fn a_random_command_sequence_migrates_sqlite_postgres_sqlite() {
    let Some(url) = postgres_url() else { return };
    let mut runner = TestRunner::deterministic();
    let ops = proptest::collection::vec(op(), 150).new_tree(&mut runner).unwrap().current();
    let source = fresh_file("random");
    {
        let store = Arc::new(SqliteStore::open_with(&source, sealed(0)).unwrap());
        let reader = Arc::clone(&store);
        let mut world = World::with_store(store, move || reader.snapshot().unwrap());
        run_checked(&mut world, &ops);
        let (_, _, _) = fixtures::saas_app_with_password(&world.market, "Random#pw-1").unwrap();
    }
    let copy = round_trip(&source, &url, &Policy::default(), "random");
    goes_on(&copy, &Policy::default());
}

/// A SQLite store of `apps` apps (no events), big enough for a migration to show progress.
fn big_store(apps: usize) -> std::path::PathBuf {
    let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).build().unwrap();
    let (alice, _, app) = fixtures::saas_app_with_password(&market, "Big#pw-1").unwrap();
    let template = market.app(&alice, &app).unwrap();
    let path = fresh_file("big");
    let store = SqliteStore::open(&path).unwrap();
    store
        .bulk_insert_apps((1..=apps).map(|n| {
            let mut a = template.clone();
            a.id = AppId::parse(&format!("APP-{n:08}")).unwrap();
            (a, None)
        }))
        .unwrap();
    path
}

/// Spawns `migrate` and kills it (SIGKILL) once it has shown progress.
fn kill_midway(from: &Path, to: &[&str]) {
    let mut args = vec!["migrate", "--from"];
    let from = sqlite(from);
    args.push(&from);
    args.extend_from_slice(to);
    let mut child = appmarket()
        .args(&args)
        .env("APPMARKET_PROGRESS_MS", "20")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines.next().expect("a progress line").unwrap();
    assert!(line.starts_with("migrate: "), "{line}");
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the migration ended before it was killed");
}

#[test]
fn a_killed_migration_leaves_an_empty_target_and_a_full_one_is_refused() {
    let source = big_store(5_000);
    let target = fresh_file("killed");
    kill_midway(&source, &["--to", &sqlite(&target)]);
    let store = SqliteStore::open(&target).unwrap();
    assert!(store.census(Utc::now()).unwrap().is_empty(), "a killed migration left something");
    drop(store);
    // The empty target takes a migration.
    let out = run(&["migrate", "--quiet", "--from", &sqlite(&source), "--to", &sqlite(&target)]);
    assert!(out.status.success(), "{}", texts(&out).1);
    let copied = content(&SqliteStore::open(&target).unwrap());
    assert_eq!(copied.iter().filter(|i| matches!(i, Item::Record(_))).count(), 5_000);
    // A target that is not empty is refused and left as it was.
    let out = run(&["migrate", "--quiet", "--from", &sqlite(&source), "--to", &sqlite(&target)]);
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: target sqlite:") && stderr.contains("is not empty (5000 records"), "{stderr}");
    assert!(stderr.contains("migrate needs an empty target"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(content(&SqliteStore::open(&target).unwrap()), copied);

    let Some(url) = postgres_url() else { return };
    let schema = fresh_schema("killed");
    kill_midway(&source, &["--to", &url, "--to-schema", &schema]);
    let store = postgres(&url, &schema);
    assert!(store.census(Utc::now()).unwrap().is_empty(), "a killed migration left something");
    let out = run(&["migrate", "--quiet", "--from", &sqlite(&source), "--to", &url, "--to-schema", &schema]);
    assert!(out.status.success(), "{}", texts(&out).1);
    let before = content(&store);
    let out = run(&["migrate", "--quiet", "--from", &sqlite(&source), "--to", &url, "--to-schema", &schema]);
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("is not empty (5000 records"), "{stderr}");
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(auth, _)| auth.split_once(':'))
        .map(|(_, p)| p.to_owned());
    if let Some(p) = password.filter(|p| !p.is_empty()) {
        assert!(!stderr.contains(&p), "a password was printed: {stderr}");
    }
    assert_eq!(content(&store), before);
}
