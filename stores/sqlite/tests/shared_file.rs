//! Two stores on one file (as two processes would have): one writes at a time, a stale write is
//! a `Conflict` that writes nothing, and each sees what the other committed, products included.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use appmarket::store::{Commit, Record, Store, StoreExt, Write};
use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_sqlite::SqliteStore;

fn fresh(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sqlite-shared");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

#[test]
fn a_stale_write_through_the_other_store_is_a_conflict_and_writes_nothing() {
    let path = fresh("stale.db");
    let (a, b) = (SqliteStore::open(&path).unwrap(), SqliteStore::open(&path).unwrap());
    let id = CustomerId::parse("alice").unwrap();
    let target = Target::Account(id.clone());
    let save = |store: &SqliteStore, version: u64| {
        let write = Write {
            record: Record::Account(Box::new(CustomerAccount::with_card(id.clone()))),
            expected_version: version,
            due: None,
        };
        let event = appmarket::event::NewEvent {
            actor: Actor::System,
            target: target.clone(),
            kind: appmarket::event::EventKind::AccountRegistered,
        };
        store.commit(Commit { writes: vec![write], events: vec![event], ..Commit::default() }, fixtures::t0())
    };
    save(&a, 0).unwrap();
    assert_eq!(b.get::<CustomerAccount>(&target).unwrap().version, 1, "b sees a's commit");
    save(&b, 1).unwrap();
    let err = save(&a, 1).expect_err("a's version is stale");
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    assert_eq!(a.get::<CustomerAccount>(&target).unwrap().version, 2);
    assert_eq!(a.events_since(0, 10).unwrap().len(), 2, "the refused commit appended no event");
}

#[test]
fn two_marketplaces_on_one_file_sell_concurrently() {
    let path = fresh("concurrent.db");
    let a = Arc::new(SqliteStore::open(&path).unwrap());
    let b = Arc::new(SqliteStore::open(&path).unwrap());
    let market = |store: Arc<SqliteStore>| {
        Marketplace::builder().store(store).clock(ManualClock::new(fixtures::t0())).build().unwrap()
    };
    let (ma, mb) = (market(a.clone()), market(b.clone()));
    assert_eq!(ma.id(), mb.id(), "one marketplace id recorded in the file");
    let product = ma.list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap();
    // b's cached catalogue catches up with a product a listed.
    assert_eq!(mb.product(&product.id).unwrap(), product);
    ma.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
    let alice = Actor::customer("alice").unwrap();
    let request = fixtures::standard_monthly(product.id.clone());
    std::thread::scope(|s| {
        for m in [&ma, &mb] {
            let (alice, request) = (alice.clone(), request.clone());
            s.spawn(move || {
                for _ in 0..25 {
                    let order = m.place_order(&alice, request.clone()).unwrap();
                    m.accept_terms(&alice, &order.id).unwrap();
                    m.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
                }
            });
        }
    });
    let orders = a.orders_of(&CustomerId::parse("alice").unwrap(), &OrderFilter::default(), 1, 1_000).unwrap();
    assert_eq!(orders.total, 50);
    assert!(orders.items.iter().all(|o| o.status == OrderStatus::Completed));
    let events = b.events_since(0, usize::MAX).unwrap();
    assert!(events.iter().enumerate().all(|(i, e)| e.seq == i as u64 + 1), "event numbers have no gap");
}

#[test]
fn two_stores_on_one_file_never_hand_out_the_same_number() {
    use appmarket::store::Sequence;
    let path = fresh("numbers.db");
    let a = SqliteStore::open(&path).unwrap();
    let b = SqliteStore::open(&path).unwrap();
    let mut seen = std::collections::HashSet::new();
    let (mut last_a, mut last_b) = (0, 0);
    for _ in 0..200 {
        let n = a.next_number(Sequence::Order).unwrap();
        assert!(n > last_a, "a's numbers increase");
        assert!(seen.insert(n), "{n} handed out twice");
        last_a = n;
        let n = b.next_number(Sequence::Order).unwrap();
        assert!(n > last_b, "b's numbers increase");
        assert!(seen.insert(n), "{n} handed out twice");
        last_b = n;
    }
    // The sequences are apart: apps start at 1.
    assert_eq!(a.next_number(Sequence::App).unwrap(), 1);
}

#[test]
fn a_block_is_given_back_on_close_and_skipped_after_a_crash() {
    use appmarket::store::Sequence;
    let path = fresh("blocks.db");
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.next_number(Sequence::Flow).unwrap(), 1);
    assert_eq!(store.next_number(Sequence::Flow).unwrap(), 2);
    drop(store);
    // Closed cleanly and no one reserved meanwhile: no gap.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.next_number(Sequence::Flow).unwrap(), 3);
    // Not closed (as after a crash): the rest of the block is skipped, never handed out again.
    std::mem::forget(store);
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.next_number(Sequence::Flow).unwrap(), 3 + 64);
    // A block of one numbers without gaps, also across stores.
    let options = appmarket_sqlite::SqliteOptions { number_block: 1, ..Default::default() };
    let one = SqliteStore::open_with(&path, options).unwrap();
    assert_eq!(one.next_number(Sequence::Appeal).unwrap(), 1);
    assert_eq!(store.next_number(Sequence::Appeal).unwrap(), 2);
    assert_eq!(one.next_number(Sequence::Appeal).unwrap(), 66, "the other store holds 2..=65");
}

/// Stores that open a new file at the same moment all open it: one creates the schema, the
/// others wait for it (a file with a page and no tables is refused only when no one is creating
/// it).
#[test]
fn stores_that_open_a_new_file_at_once_all_open_it() {
    for round in 0..20 {
        let path = fresh(&format!("at-once-{round}.db"));
        let start = std::sync::Barrier::new(6);
        std::thread::scope(|scope| {
            let opened: Vec<_> = (0..6)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        SqliteStore::open(&path).map(|store| store.marketplace_id("at-once").unwrap())
                    })
                })
                .collect();
            for store in opened {
                assert_eq!(store.join().unwrap().unwrap(), "at-once", "round {round}");
            }
        });
    }
}

/// The same across processes, where a store waits for the other's schema in the file itself.
#[test]
fn processes_that_open_a_new_file_at_once_all_open_it() {
    for round in 0..10 {
        let path = fresh(&format!("processes-at-once-{round}.db"));
        let children: Vec<_> = (0..4)
            .map(|_| {
                std::process::Command::new(std::env::current_exe().unwrap())
                    .args(["--exact", "open_child", "--nocapture", "--test-threads", "1"])
                    .env("APPMARKET_OPEN_STORE", &path)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "round {round}: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

/// The child: opens the store at `APPMARKET_OPEN_STORE`.
#[test]
fn open_child() {
    let Ok(path) = std::env::var("APPMARKET_OPEN_STORE") else { return };
    assert_eq!(SqliteStore::open(path).unwrap().marketplace_id("at-once").unwrap(), "at-once");
}
