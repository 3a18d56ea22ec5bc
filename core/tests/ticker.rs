//! The ticker: it runs `tick` when something is due by the clock (manual or real), reports
//! each outcome, survives storage faults and stops within a second.

use std::collections::HashSet;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration as StdDuration, Instant};

use appmarket::actor::{AppId, ProductId, RequestId};
use appmarket::catalog::{Page, PreparedQuery, Product};
use appmarket::event::Event;
use appmarket::store::{Commit, Record, RequestRecord, Sequence};
use appmarket::testing::fixtures;
use appmarket::*;
use chrono::{DateTime, Duration, Utc};

const WAIT: StdDuration = StdDuration::from_secs(10);

type Reports = mpsc::Receiver<Result<TickReport, Error>>;

fn start(market: &Arc<Marketplace>, options: TickerOptions) -> (Ticker, Reports) {
    let (tx, rx) = mpsc::channel();
    let ticker = Ticker::start(market.clone(), options, move |r| {
        let _ = tx.send(r);
    })
    .expect("start");
    (ticker, rx)
}

/// Waits for a report that changed something; returns the reports seen until then.
fn until_changed(reports: &Reports) -> Vec<Result<TickReport, Error>> {
    let mut seen = Vec::new();
    loop {
        let r = reports.recv_timeout(WAIT).expect("a report in time");
        let changed = r.as_ref().is_ok_and(|r| r.changed > 0);
        seen.push(r);
        if changed {
            return seen;
        }
    }
}

/// A market with an unpaid order (ORD-3: cancelled 7 days later).
fn market_with_unpaid_order(market: &Marketplace) -> (Actor, OrderId) {
    let product = market.list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap();
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
    let alice = Actor::customer("alice").unwrap();
    let order = market.place_order(&alice, fixtures::standard_monthly(product.id)).unwrap();
    (alice, order.id)
}

#[test]
fn a_manual_clock_moved_forward_wakes_the_ticker_and_it_ticks_what_is_due() {
    let clock = ManualClock::new(fixtures::t0());
    let market = Arc::new(Marketplace::builder().clock(clock.clone()).build().unwrap());
    let (alice, order) = market_with_unpaid_order(&market);
    let (mut ticker, reports) = start(&market, TickerOptions::default());
    let first = reports.recv_timeout(WAIT).expect("the first tick runs at once").unwrap();
    assert_eq!(first.changed, 0);
    clock.advance(Duration::days(7)).unwrap();
    until_changed(&reports);
    assert_eq!(market.order(&alice, &order).unwrap().status, OrderStatus::Cancelled);
    ticker.stop();
    assert!(!ticker.is_running());
}

/// A clock that follows real time from an offset the test moves, without telling anyone
/// (as the system clock does: no bell).
#[derive(Clone)]
struct Offset {
    millis: Arc<AtomicI64>,
}

impl Clock for Offset {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.millis.load(Ordering::SeqCst))
    }
}

#[test]
fn with_a_real_clock_the_ticker_sleeps_until_the_next_due_instant() {
    let clock = Offset { millis: Arc::new(AtomicI64::new(0)) };
    let market = Arc::new(Marketplace::builder().clock(clock.clone()).build().unwrap());
    let (alice, order) = market_with_unpaid_order(&market);
    // The order is due in about 0.8 s of real time.
    clock.millis.store((Duration::days(7) - Duration::milliseconds(800)).num_milliseconds(), Ordering::SeqCst);
    let options = TickerOptions { max_sleep: StdDuration::from_secs(30), ..TickerOptions::default() };
    let started = Instant::now();
    let (mut ticker, reports) = start(&market, options);
    let seen = until_changed(&reports);
    assert!(started.elapsed() >= StdDuration::from_millis(700), "not before it is due: {:?}", started.elapsed());
    assert!(started.elapsed() < StdDuration::from_secs(5), "slept to the due instant, not the cap");
    assert!(seen.len() <= 3, "no busy loop while waiting: {seen:?}");
    assert_eq!(market.order(&alice, &order).unwrap().status, OrderStatus::Cancelled);
    ticker.stop();
}

#[test]
fn stop_ends_the_thread_within_a_second() {
    let market = Arc::new(Marketplace::new());
    market_with_unpaid_order(&market);
    let (mut ticker, reports) = start(&market, TickerOptions::default());
    reports.recv_timeout(WAIT).expect("a first tick").unwrap();
    std::thread::sleep(StdDuration::from_millis(100));
    assert!(ticker.is_running());
    let asked = Instant::now();
    ticker.stop();
    assert!(asked.elapsed() < StdDuration::from_secs(1), "stopped in {:?}", asked.elapsed());
    assert!(!ticker.is_running());
    ticker.stop();
    // Dropping stops too.
    let (ticker, reports) = start(&market, TickerOptions::default());
    reports.recv_timeout(WAIT).expect("a first tick").unwrap();
    let asked = Instant::now();
    drop(ticker);
    assert!(asked.elapsed() < StdDuration::from_secs(1), "dropped in {:?}", asked.elapsed());
}

/// A memory store whose `claim_due` fails a given number of times.
struct Faulty {
    inner: MemoryStore,
    failures: AtomicU32,
}

impl Store for Faulty {
    fn load(&self, target: &Target) -> Result<Option<(Record, u64)>, Error> {
        self.inner.load(target)
    }
    fn product(&self, id: &ProductId) -> Result<Option<Arc<Product>>, Error> {
        self.inner.product(id)
    }
    fn commit(&self, commit: Commit, at: DateTime<Utc>) -> Result<u64, Error> {
        self.inner.commit(commit, at)
    }
    fn next_number(&self, sequence: Sequence) -> Result<u64, Error> {
        self.inner.next_number(sequence)
    }
    fn search(&self, query: &PreparedQuery<'_>) -> Result<Page<Product>, Error> {
        self.inner.search(query)
    }
    fn orders_of(&self, c: &CustomerId, f: &OrderFilter, page: u32, size: u32) -> Result<Page<Order>, Error> {
        self.inner.orders_of(c, f, page, size)
    }
    fn apps_of(&self, c: &CustomerId, f: &AppFilter, page: u32, size: u32) -> Result<Page<PurchasedApp>, Error> {
        self.inner.apps_of(c, f, page, size)
    }
    fn flows_of(&self, p: &Actor, f: &FlowFilter, page: u32, size: u32) -> Result<Page<ServiceFlow>, Error> {
        self.inner.flows_of(p, f, page, size)
    }
    fn open_appeals(&self) -> Result<Vec<Appeal>, Error> {
        self.inner.open_appeals()
    }
    fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<Target>, Error> {
        self.inner.due(now, limit)
    }
    fn next_due(&self, after: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Error> {
        self.inner.next_due(after)
    }
    fn events_since(&self, cursor: u64, limit: usize) -> Result<Vec<Event>, Error> {
        self.inner.events_since(cursor, limit)
    }
    fn records(&self, target: &Target, after: u64, limit: usize) -> Result<Vec<Event>, Error> {
        self.inner.records(target, after, limit)
    }
    fn request(&self, actor: &Actor, id: &RequestId) -> Result<Option<RequestRecord>, Error> {
        self.inner.request(actor, id)
    }
    fn prune_requests(&self, before: DateTime<Utc>) -> Result<u64, Error> {
        self.inner.prune_requests(before)
    }
    fn secret(&self, app: &AppId) -> Result<Option<Secret>, Error> {
        self.inner.secret(app)
    }
    fn marketplace_id(&self, proposed: &str) -> Result<String, Error> {
        self.inner.marketplace_id(proposed)
    }
    fn claim(&self, target: &Target, now: DateTime<Utc>, until: DateTime<Utc>) -> Result<bool, Error> {
        self.inner.claim(target, now, until)
    }
    fn release(&self, target: &Target) -> Result<(), Error> {
        self.inner.release(target)
    }
    fn claim_due(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
        skip: &HashSet<Target>,
    ) -> Result<Vec<Target>, Error> {
        if self.failures.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            return Err(Error::Storage { reason: "the disk is gone for a moment".into() });
        }
        self.inner.claim_due(now, until, limit, skip)
    }
}

#[test]
fn a_storage_fault_is_reported_and_retried_with_backoff_until_it_passes() {
    let clock = ManualClock::new(fixtures::t0());
    let store = Arc::new(Faulty { inner: MemoryStore::new(), failures: AtomicU32::new(0) });
    let market = Arc::new(Marketplace::builder().store(store.clone()).clock(clock.clone()).build().unwrap());
    let (alice, order) = market_with_unpaid_order(&market);
    let options = TickerOptions {
        first_backoff: StdDuration::from_millis(20),
        max_backoff: StdDuration::from_millis(50),
        ..TickerOptions::default()
    };
    let (mut ticker, reports) = start(&market, options);
    reports.recv_timeout(WAIT).expect("a first tick").unwrap();
    store.failures.store(4, Ordering::SeqCst);
    clock.advance(Duration::days(7)).unwrap();
    let seen = until_changed(&reports);
    let errors: Vec<_> = seen.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(errors.len(), 4, "each fault reported: {seen:?}");
    assert!(errors.iter().all(|e| e.kind() == "storage"));
    assert_eq!(market.order(&alice, &order).unwrap().status, OrderStatus::Cancelled);
    assert!(ticker.is_running());
    ticker.stop();
}

#[test]
fn a_panicking_callback_is_caught_and_the_ticker_goes_on() {
    let clock = ManualClock::new(fixtures::t0());
    let market = Arc::new(Marketplace::builder().clock(clock.clone()).build().unwrap());
    let (alice, order) = market_with_unpaid_order(&market);
    let (tx, reports) = mpsc::channel();
    let mut calls = 0;
    let mut ticker = Ticker::start(market.clone(), TickerOptions::default(), move |r| {
        calls += 1;
        let _ = tx.send(r);
        if calls == 1 {
            panic!("a host's bug");
        }
    })
    .unwrap();
    reports.recv_timeout(WAIT).expect("a first tick").unwrap();
    clock.advance(Duration::days(7)).unwrap();
    until_changed(&reports);
    assert_eq!(market.order(&alice, &order).unwrap().status, OrderStatus::Cancelled);
    assert_eq!(ticker.callback_panics(), 1);
    assert!(ticker.is_running());
    ticker.stop();
}

#[test]
fn several_tickers_on_one_store_process_each_due_item_once() {
    let clock = ManualClock::new(fixtures::t0());
    let store = Arc::new(MemoryStore::new());
    let hosts: Vec<Arc<Marketplace>> = (0..3)
        .map(|_| {
            Arc::new(
                Marketplace::builder()
                    .marketplace_id("shared")
                    .store(store.clone())
                    .clock(clock.clone())
                    .build()
                    .unwrap(),
            )
        })
        .collect();
    let product = hosts[0].list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap();
    hosts[0].register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
    let alice = Actor::customer("alice").unwrap();
    let orders: Vec<OrderId> = (0..20)
        .map(|i| hosts[i % 3].place_order(&alice, fixtures::standard_monthly(product.id.clone())).unwrap().id)
        .collect();
    let (tx, reports) = mpsc::channel();
    let mut tickers: Vec<Ticker> = hosts
        .iter()
        .map(|m| {
            let tx = tx.clone();
            Ticker::start(m.clone(), TickerOptions::default(), move |r| {
                let _ = tx.send(r);
            })
            .unwrap()
        })
        .collect();
    clock.advance(Duration::days(7)).unwrap();
    let mut changed = 0;
    let deadline = Instant::now() + WAIT;
    while changed < 20 && Instant::now() < deadline {
        if let Ok(r) = reports.recv_timeout(StdDuration::from_millis(100)) {
            changed += r.unwrap().changed;
        }
    }
    std::thread::sleep(StdDuration::from_millis(200));
    while let Ok(r) = reports.try_recv() {
        changed += r.unwrap().changed;
    }
    assert_eq!(changed, 20, "each order cancelled once");
    for order in &orders {
        assert_eq!(hosts[0].order(&alice, order).unwrap().status, OrderStatus::Cancelled);
    }
    for t in &mut tickers {
        t.stop();
    }
}
