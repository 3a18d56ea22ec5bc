//! Two hosts' tickers on one database: each due item is processed once.

mod common;

use std::sync::{Arc, mpsc};
use std::time::{Duration as StdDuration, Instant};

use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_postgres::PostgresStore;
use chrono::Duration;

#[test]
fn two_hosts_tickers_process_each_due_item_once() {
    let Some(url) = common::url() else { return };
    let schema = common::fresh_schema("tickers");
    let clock = ManualClock::new(fixtures::t0());
    let hosts: Vec<Arc<Marketplace>> = (0..2)
        .map(|_| {
            let store = PostgresStore::builder(&url).schema(&schema).pool_size(2).open().expect("open");
            Arc::new(
                Marketplace::builder()
                    .marketplace_id("shared-market")
                    .store(Arc::new(store))
                    .clock(clock.clone())
                    .build()
                    .expect("build"),
            )
        })
        .collect();
    let product = hosts[0].list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap();
    hosts[0].register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
    let alice = Actor::customer("alice").unwrap();
    const ORDERS: u64 = 30;
    let orders: Vec<OrderId> = (0..ORDERS as usize)
        .map(|i| hosts[i % 2].place_order(&alice, fixtures::standard_monthly(product.id.clone())).unwrap().id)
        .collect();
    let (tx, reports) = mpsc::channel();
    let mut tickers: Vec<Ticker> = hosts
        .iter()
        .enumerate()
        .map(|(host, market)| {
            let tx = tx.clone();
            Ticker::start(market.clone(), TickerOptions::default(), move |r| {
                let _ = tx.send((host, r));
            })
            .expect("start")
        })
        .collect();
    clock.advance(Duration::days(7)).unwrap();
    let mut changed = [0u64; 2];
    let deadline = Instant::now() + StdDuration::from_secs(30);
    while changed.iter().sum::<u64>() < ORDERS && Instant::now() < deadline {
        if let Ok((host, r)) = reports.recv_timeout(StdDuration::from_millis(100)) {
            changed[host] += r.expect("no storage fault").changed;
        }
    }
    // Anything more a ticker would (wrongly) do arrives meanwhile.
    std::thread::sleep(StdDuration::from_millis(500));
    while let Ok((host, r)) = reports.try_recv() {
        changed[host] += r.expect("no storage fault").changed;
    }
    for t in &mut tickers {
        t.stop();
    }
    assert_eq!(changed.iter().sum::<u64>(), ORDERS, "each order cancelled once: {changed:?}");
    for order in &orders {
        assert_eq!(hosts[1].order(&alice, order).unwrap().status, OrderStatus::Cancelled);
    }
    let events = hosts[0].events_since(0, 10_000).unwrap();
    let cancellations = events.iter().filter(|e| format!("{:?}", e.kind).contains("Cancel")).count();
    assert_eq!(cancellations as u64, ORDERS, "one cancellation event per order");
}

#[test]
fn another_hosts_commit_rings_the_ticker_bell() {
    let Some(url) = common::url() else { return };
    let schema = common::fresh_schema("commit_bell");
    let open = || Arc::new(PostgresStore::builder(&url).schema(&schema).pool_size(2).open().expect("open"));
    let (here, there) = (open(), open());
    let clock = ManualClock::new(fixtures::t0());
    let market =
        Arc::new(Marketplace::builder().marketplace_id("m").store(here.clone()).clock(clock.clone()).build().unwrap());
    let other = Marketplace::builder().marketplace_id("m").store(there).clock(clock).build().unwrap();
    let mut ticker = Ticker::start(market, TickerOptions::default(), |_| {}).unwrap();
    let mut bell = here.ring_on_commits(ticker.bell()).unwrap();
    std::thread::sleep(StdDuration::from_millis(300));
    let before = ticker.bell().rung();
    other.register_customer(CustomerAccount::with_card(CustomerId::parse("bob").unwrap())).unwrap();
    let deadline = Instant::now() + StdDuration::from_secs(10);
    while ticker.bell().rung() == before && Instant::now() < deadline {
        std::thread::sleep(StdDuration::from_millis(20));
    }
    assert!(ticker.bell().rung() > before, "the other host's commit rang the bell");
    let asked = Instant::now();
    bell.stop();
    ticker.stop();
    assert!(asked.elapsed() < StdDuration::from_secs(1));
}
