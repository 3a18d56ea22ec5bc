//! Several hosts on one database: four marketplaces, each with its own store and pool, race on
//! the same orders, lists, request ids and due apps.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use appmarket::payments::{ChargeRequest, PaymentError, Receipt, RefundRequest};
use appmarket::store::{Commit, Record, Write};
use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_postgres::PostgresStore;
use chrono::Duration;

const HOSTS: usize = 4;

/// A gateway that counts every charge call, not deduplicated by idempotency key.
#[derive(Default)]
struct CountingGateway {
    inner: SimulatedPayments,
    calls: Mutex<HashMap<String, u32>>,
}

impl CountingGateway {
    fn calls(&self) -> HashMap<String, u32> {
        self.calls.lock().unwrap().clone()
    }
}

impl PaymentGateway for CountingGateway {
    fn charge(&self, request: &ChargeRequest) -> Result<Receipt, PaymentError> {
        *self.calls.lock().unwrap().entry(request.idempotency_key.clone()).or_default() += 1;
        self.inner.charge(request)
    }
    fn refund(&self, request: &RefundRequest) -> Result<Receipt, PaymentError> {
        self.inner.refund(request)
    }
}

struct Hosts {
    markets: Vec<Marketplace>,
    clock: ManualClock,
    gateway: Arc<CountingGateway>,
    url: String,
    schema: String,
}

fn hosts(url: &str, tag: &str) -> Hosts {
    let schema = common::fresh_schema(tag);
    let clock = ManualClock::new(fixtures::t0());
    let gateway = Arc::new(CountingGateway::default());
    let markets = (0..HOSTS)
        .map(|_| {
            let store = PostgresStore::builder(url).schema(&schema).pool_size(2).open().expect("open");
            Marketplace::builder()
                .marketplace_id("shared-market")
                .store(Arc::new(store))
                .payments(gateway.clone())
                .clock(clock.clone())
                .build()
                .expect("build")
        })
        .collect();
    Hosts { markets, clock, gateway, url: url.to_owned(), schema }
}

fn request(product: &ProductId) -> PurchaseRequest {
    fixtures::standard_monthly(product.clone())
}

/// Reads the stream by cursor while others commit: every batch must continue exactly at the
/// cursor (a number seen out of commit order would leave a gap behind the cursor forever).
fn spawn_stream_reader(h: &Hosts, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    let store = PostgresStore::builder(&h.url).schema(&h.schema).pool_size(1).open().expect("open");
    std::thread::spawn(move || {
        let mut cursor = 0;
        loop {
            let done = stop.load(Ordering::SeqCst);
            let batch = store.events_since(cursor, 500).expect("events");
            for event in &batch {
                assert_eq!(event.seq, cursor + 1, "events are read in commit order without gaps");
                cursor = event.seq;
            }
            if done && batch.is_empty() {
                return cursor;
            }
        }
    })
}

#[test]
fn four_hosts_race_on_orders_lists_and_request_ids() {
    let Some(url) = common::url() else { return };
    let h = hosts(&url, "race");
    let first = &h.markets[0];
    let seller = Actor::seller("isv-1").unwrap();
    let products: Vec<Product> =
        (0..HOSTS * 4).map(|_| first.list_product(&seller, fixtures::saas_draft()).unwrap()).collect();
    let customers: Vec<Actor> = (0..8)
        .map(|i| {
            let id = CustomerId::parse(&format!("buyer-{i}")).unwrap();
            first.register_customer(CustomerAccount::with_card(id.clone())).unwrap();
            Actor::Customer(id)
        })
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let reader = spawn_stream_reader(&h, stop.clone());

    // Orders placed and accepted on different hosts, then every host tries to pay every order.
    let orders: Vec<(Actor, OrderId)> = (0..40)
        .map(|i| {
            let market = &h.markets[i % HOSTS];
            let buyer = &customers[i % customers.len()];
            let order = market.place_order(buyer, request(&products[0].id)).unwrap();
            h.markets[(i + 1) % HOSTS].accept_terms(buyer, &order.id).unwrap();
            (buyer.clone(), order.id)
        })
        .collect();
    let outcomes: Vec<Vec<Result<Order, Error>>> = std::thread::scope(|s| {
        let handles: Vec<_> = h
            .markets
            .iter()
            .map(|market| {
                let orders = &orders;
                s.spawn(move || {
                    orders
                        .iter()
                        .map(|(buyer, id)| market.pay(buyer, id, Some(PaymentMethod::CreditCard)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (i, (buyer, id)) in orders.iter().enumerate() {
        let results: Vec<&Result<Order, Error>> = outcomes.iter().map(|o| &o[i]).collect();
        let paid = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(paid, 1, "exactly one host pays order {id}: {results:?}");
        for r in results.iter().filter_map(|r| r.as_ref().err()) {
            assert!(matches!(r, Error::NotAllowed { .. }), "the others are told it is paid: {r}");
        }
        assert_eq!(first.order(buyer, id).unwrap().status, OrderStatus::Completed);
    }
    assert_eq!(h.gateway.inner.charges().len(), orders.len(), "one receipt per order");

    // No lost update: every host saves its own products to one list at once.
    let alice = &customers[0];
    std::thread::scope(|s| {
        for (n, market) in h.markets.iter().enumerate() {
            let products = &products;
            s.spawn(move || {
                for p in products.iter().skip(n * 4).take(4) {
                    market.save_to_list(alice, &p.id, None).unwrap();
                }
            });
        }
    });
    let list = first.saved_list(alice).unwrap();
    assert_eq!(list.items.len(), products.len(), "every save survives: {list:?}");

    // One request id, sent to every host at once: executed once, the same reply everywhere.
    let bob = &customers[1];
    let before = first.orders(bob, &OrderFilter::default(), 1, Some(100)).unwrap().total;
    let replies: Vec<Order> = std::thread::scope(|s| {
        let handles: Vec<_> = h
            .markets
            .iter()
            .map(|market| {
                let caller = bob.with_request_id("place-once").unwrap();
                let product = &products[1].id;
                s.spawn(move || market.place_order(caller, request(product)).unwrap())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(replies.iter().all(|o| *o == replies[0]), "every host returns the same order");
    assert_eq!(first.orders(bob, &OrderFilter::default(), 1, Some(100)).unwrap().total, before + 1);

    stop.store(true, Ordering::SeqCst);
    let seen = reader.join().expect("the reader saw every event in order");
    let all = first.events_since(0, 1_000_000).unwrap();
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=all.len() as u64).collect::<Vec<_>>());
    assert_eq!(seen, all.len() as u64);
}

fn store_version(store: &PostgresStore, app: &AppId) -> u64 {
    appmarket::Store::load(store, &Target::App(app.clone())).unwrap().map_or(0, |(_, v)| v)
}

/// How many due apps the tick race runs over (10,000 unless `APPMARKET_TICK_RACE_APPS` says).
fn due_apps() -> usize {
    std::env::var("APPMARKET_TICK_RACE_APPS").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000)
}

#[test]
fn four_tick_loops_charge_each_due_app_once() {
    let Some(url) = common::url() else { return };
    let h = hosts(&url, "tick");
    let first = &h.markets[0];
    let seller = Actor::seller("isv-1").unwrap();
    let product = first.list_product(&seller, fixtures::saas_draft()).unwrap();
    let alice = CustomerId::parse("alice").unwrap();
    first.register_customer(CustomerAccount::with_card(alice.clone())).unwrap();
    let buyer = Actor::Customer(alice);
    let order = first.place_order(&buyer, request(&product.id)).unwrap();
    first.accept_terms(&buyer, &order.id).unwrap();
    let paid = first.pay(&buyer, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    let app_id = paid.app.unwrap();
    // Auto-renewal as set on a licence (REN-5), written straight to the store for the copies.
    let mut template = first.app(&buyer, &app_id).unwrap();
    template.delivery = DeliveryMethod::License;
    template.auto_renewal = Some(AutoRenewal {
        periods: 1,
        count: 0,
        done: 0,
        days_before: 3,
        retry_at: None,
        method: PaymentMethod::CreditCard,
        declined: 0,
    });
    let policy = first.policy().clone();

    // Copies of the app, all with the same term: their auto-renewal is due at the same instant.
    let n = due_apps();
    let store = PostgresStore::builder(&url).schema(&h.schema).open().expect("open");
    let mut writes: Vec<Write> = vec![Write {
        record: Record::App(Box::new(template.clone())),
        expected_version: store_version(&store, &app_id),
        due: template.next_due(&policy),
    }];
    writes.extend((0..n).map(|i| {
        let mut app = template.clone();
        app.id = AppId::parse(&format!("APP-R{i:07}")).unwrap();
        let due = app.next_due(&policy);
        Write { record: Record::App(Box::new(app)), expected_version: 0, due }
    }));
    appmarket::Store::commit(&store, Commit { writes, ..Commit::default() }, h.clock.instant()).unwrap();
    h.clock.advance(Duration::days(29)).unwrap();
    let charge_at = appmarket::renewal::next_charge(&template, &policy).unwrap();
    assert!(charge_at <= h.clock.instant(), "the renewals are due");

    let reports: Vec<TickReport> = std::thread::scope(|s| {
        let handles: Vec<_> = h
            .markets
            .iter()
            .map(|market| {
                s.spawn(move || {
                    let mut total = TickReport::default();
                    // A loop, as a worker runs it: until a pass finds nothing to do.
                    loop {
                        let r = market.tick(&Actor::System).expect("tick");
                        total.examined += r.examined;
                        total.changed += r.changed;
                        total.failed += r.failed;
                        if r.examined == 0 {
                            return total;
                        }
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let calls = h.gateway.calls();
    let renewals: Vec<(&String, &u32)> = calls.iter().filter(|(k, _)| k.contains("auto-renewal")).collect();
    let charged_twice: Vec<_> = renewals.iter().filter(|(_, c)| **c != 1).collect();
    assert!(charged_twice.is_empty(), "each auto-renewal is charged once: {charged_twice:?}");
    // The copies and the template itself.
    assert_eq!(renewals.len(), n + 1, "every due app is charged: reports {reports:?}");
    let changed: u64 = reports.iter().map(|r| r.changed).sum();
    assert!(changed as usize > n, "{reports:?}");
    assert!(reports.iter().filter(|r| r.changed > 0).count() >= 2, "the work is shared: {reports:?}");
    let one = first.app(&buyer, &AppId::parse("APP-R0000000").unwrap()).unwrap();
    assert_eq!(one.auto_renewal.unwrap().done, 1, "renewed once");
}

/// Numbers come from blocks each store reserves in one statement: unique across hosts,
/// increasing on each host, the first store's first number 1.
#[test]
fn numbers_are_unique_across_hosts_and_increase_on_each() {
    let Some(url) = common::url() else { return };
    let schema = common::fresh_schema("numbers");
    let stores: Vec<PostgresStore> =
        (0..HOSTS).map(|_| PostgresStore::builder(&url).schema(&schema).pool_size(1).open().expect("open")).collect();
    let per_host: Vec<Vec<u64>> = std::thread::scope(|s| {
        let handles: Vec<_> = stores
            .iter()
            .map(|store| {
                s.spawn(move || {
                    (0..300).map(|_| appmarket::Store::next_number(store, store::Sequence::Order).unwrap()).collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for numbers in &per_host {
        assert!(numbers.windows(2).all(|w| w[0] < w[1]), "increasing on each host: {numbers:?}");
    }
    let mut all: Vec<u64> = per_host.concat();
    all.sort_unstable();
    let n = all.len();
    all.dedup();
    assert_eq!(all.len(), n, "no number is given twice");
    let other = PostgresStore::builder(&url).schema(&schema).open().expect("open");
    let next = appmarket::Store::next_number(&other, store::Sequence::Order).unwrap();
    assert!(next > *all.last().unwrap(), "a new host starts after every reserved number");
    let fresh = PostgresStore::builder(&url).schema(common::fresh_schema("numbers")).open().expect("open");
    assert_eq!(appmarket::Store::next_number(&fresh, store::Sequence::App).unwrap(), 1);
    assert_eq!(appmarket::Store::next_number(&fresh, store::Sequence::App).unwrap(), 2);
}
