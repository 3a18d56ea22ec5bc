//! `appmarket status`, `events`, `backup` and `policy check`, and how the command line fails:
//! one line, a non-zero exit code, never a password.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use appmarket::store::{Portable, Store};
use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_sqlite::SqliteStore;
use appmarket_tests::journeys;
use chrono::Utc;
use common::*;

/// A SQLite store left by the `renewal` journey.
fn journey_store(tag: &str) -> std::path::PathBuf {
    let path = fresh_file(tag);
    let file = journeys::files().into_iter().find(|f| f.ends_with("renewal.json")).expect("the journey");
    journeys::replay_on(&file, Some(Arc::new(SqliteStore::open(&path).unwrap()) as Arc<dyn Store>));
    path
}

#[test]
fn status_shows_what_a_store_holds() {
    let path = journey_store("status");
    let census = SqliteStore::open(&path).unwrap().census(Utc::now()).unwrap();
    let out = run(&["status", &sqlite(&path)]);
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("schema version: 6\n"), "{stdout}");
    assert!(stdout.contains(&format!("marketplace id: {}\n", census.marketplace_id.clone().unwrap())), "{stdout}");
    assert!(stdout.contains(&format!("events: {} (last number {})\n", census.events, census.last_seq)), "{stdout}");
    assert!(stdout.contains(&format!("records: {} (account 1, product 1,", census.total_records())), "{stdout}");
    assert!(stdout.contains("open claims: 0\n"), "{stdout}");
    let out = run(&["status", "--json", &sqlite(&path)]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["records"]["app"], census.records[4]);
    assert_eq!(json["events"], census.events);
    assert_eq!(json["due"]["app"], census.due[4]);
    assert_eq!(json["next_due"], serde_json::json!(census.next_due.map(|d| d.to_rfc3339())));
}

#[test]
fn events_prints_the_stream_as_json_lines_and_follows_it() {
    let path = journey_store("events");
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let all = store.events_since(0, 1000).unwrap();
    let out = run(&["events", &sqlite(&path), "--since", "3"]);
    assert!(out.status.success(), "{}", texts(&out).1);
    let printed: Vec<Event> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(printed, all[3..].to_vec());
    let out = run(&["events", &sqlite(&path), "--since", "1", "--limit", "2"]);
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), 2);

    // --follow prints what is committed after it started.
    let mut child = appmarket()
        .args(["events", &sqlite(&path), "--since", &all.len().to_string(), "--follow", "--poll-ms", "20"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    std::thread::sleep(Duration::from_millis(200));
    let market = Marketplace::builder()
        .store(store.clone() as Arc<dyn Store>)
        .clock(ManualClock::new(Utc::now()))
        .build()
        .unwrap();
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("dave").unwrap())).unwrap();
    let line = lines.next().expect("a followed event").unwrap();
    let event: Event = serde_json::from_str(&line).unwrap();
    assert_eq!(event.seq, all.len() as u64 + 1);
    assert_eq!(event.target, Target::Account(CustomerId::parse("dave").unwrap()));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn events_follow_a_postgres_store_by_its_notifications() {
    let Some(url) = postgres_url() else { return };
    let schema = fresh_schema("events");
    let store = Arc::new(postgres(&url, &schema));
    let market = Marketplace::builder()
        .store(store.clone() as Arc<dyn Store>)
        .clock(ManualClock::new(fixtures::t0()))
        .build()
        .unwrap();
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("erin").unwrap())).unwrap();
    let mut child =
        appmarket().args(["events", &url, "--schema", &schema, "--follow"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Event = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first.seq, 1);
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("frank").unwrap())).unwrap();
    let second: Event = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!((second.seq, second.target), (2, Target::Account(CustomerId::parse("frank").unwrap())));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn backup_copies_a_store_while_a_host_writes() {
    let path = journey_store("backup");
    let store = Arc::new(SqliteStore::open(&path).unwrap());
    let market = Arc::new(
        Marketplace::builder()
            .store(store.clone() as Arc<dyn Store>)
            .clock(ManualClock::new(Utc::now()))
            .build()
            .unwrap(),
    );
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (market, stop) = (market.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let id = CustomerId::parse(&format!("writer-{n}")).unwrap();
                market.register_customer(CustomerAccount::with_card(id)).unwrap();
            }
            n
        })
    };
    std::thread::sleep(Duration::from_millis(100));
    let copy = fresh_file("backup-copy");
    let out = run(&["backup", &sqlite(&path), copy.to_str().unwrap()]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.starts_with("backed up sqlite:") && stdout.contains("checked"), "{stdout}");
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The copy is the store at one commit: its accounts are the registrations its stream holds.
    let copied = SqliteStore::open(&copy).unwrap();
    let census = copied.census(Utc::now()).unwrap();
    assert!(census.records[0] > 1 && census.records[0] < 1 + written as u64 + 1, "{census:?}");
    let events = copied.events_since(0, 100_000).unwrap();
    assert_eq!(events.len() as u64, census.last_seq);
    assert!(events.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1));
    let registrations = events.iter().filter(|e| matches!(e.kind, EventKind::AccountRegistered)).count() as u64;
    assert_eq!(registrations, census.records[0], "accounts and their events are of one commit");
    // The backup never overwrites a file.
    let out = run(&["backup", &sqlite(&path), copy.to_str().unwrap()]);
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.starts_with("error: ") && stderr.contains("exists already"), "{stderr}");
}

#[test]
fn policy_check_validates_and_prints_the_policy_in_force() {
    let file = fresh_file("policy").with_extension("json");
    std::fs::write(&file, r#"{"appeal_idle_days": 7}"#).unwrap();
    let out = run(&["policy", "check", file.to_str().unwrap()]);
    let (stdout, stderr) = texts(&out);
    assert!(out.status.success(), "{stderr}");
    let policy = Policy::from_json(&stdout).unwrap();
    assert_eq!(policy.appeal_idle_days, 7);
    assert_eq!(policy.flow_max_days, Policy::default().flow_max_days, "a default is printed");
    assert!(stderr.contains("it sets 1 of"), "{stderr}");

    std::fs::write(&file, r#"{"appeal_idle_days": 7, "no_such_rule": 1}"#).unwrap();
    let out = run(&["policy", "check", file.to_str().unwrap()]);
    let (stdout, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.is_empty());
    assert!(stderr.starts_with("error: ") && stderr.contains("no_such_rule"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn failures_are_one_line_with_a_code_and_no_password() {
    let out = run(&["status", "sqlite:/nonexistent/dir/market.db"]);
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr, "error: there is no store at sqlite:/nonexistent/dir/market.db: check the path\n");

    let out = run(&["status", "postgresql://someone:Sup3r-Secret@127.0.0.1:1/db"]);
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.starts_with("error: postgresql://someone:***@127.0.0.1:1/db"), "{stderr}");
    assert!(!stderr.contains("Sup3r-Secret"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let out = run(&["migrate", "--from", "mysql://u:Sup3r-Secret@h/db", "--to", "sqlite:x.db"]);
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr.contains("Sup3r-Secret") && stderr.contains("is not a store"), "{stderr}");

    let out = run(&["migrate", "--from", "sqlite:a.db"]);
    assert_eq!(out.status.code(), Some(2), "a bad command line");

    // A sealed store opened without its key says how to give it.
    let path = fresh_file("sealed");
    let options = appmarket_sqlite::SqliteOptions {
        secret_key: Some(appmarket_sqlite::SecretKey::new([9; 32])),
        ..Default::default()
    };
    drop(SqliteStore::open_with(&path, options).unwrap());
    let out = run(&["status", &sqlite(&path)]);
    let (_, stderr) = texts(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("--key-file or APPMARKET_SECRET_KEY"), "{stderr}");
    let out =
        appmarket().args(["status", &sqlite(&path)]).env("APPMARKET_SECRET_KEY", "09".repeat(32)).output().unwrap();
    assert!(out.status.success(), "{}", texts(&out).1);
}
