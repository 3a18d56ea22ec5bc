//! Place + accept terms + pay with the in-memory store and simulated payments.
//! Target: ≥ 300,000 orders/s on one core (≤ 3.3 µs per order).
//!
//! Two figures, as in `journey.rs`: `place_accept_pay` on one market that criterion grows to
//! millions of orders (page faults included), and `place_accept_pay_fresh_store` on a fresh
//! market every 2,000 orders, set up and torn down outside the timed part.
//!
//! A third figure, `floor_of_owned_records`, is the floor of an order on this machine with the
//! facade's owned records (see `journey.rs`): only the data movement of the three calls, with no
//! rule, no version check, no index, no unit of work and no gateway. Placing copies a real
//! order into a hash map and gives the caller a copy; accepting and paying each copy the order
//! out, change it, put it back and give the caller a copy; paying also adds a copy of a real
//! app; every event the real calls record is copied into the stream. The target (3.3 µs
//! per order) is read against it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use appmarket::store::{Record, Store};
use appmarket::testing::fixtures;
use appmarket::*;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Orders per market in the fresh-store figure.
const FRESH_EVERY: u64 = 2_000;

/// Places, accepts and pays the `i`-th order.
fn order(market: &Marketplace, actors: &[Actor], request: &PurchaseRequest, i: usize) -> Order {
    let buyer = &actors[i % actors.len()];
    let order = market.place_order(buyer, request.clone()).expect("placed");
    market.accept_terms(buyer, &order.id).expect("accepted");
    market.pay(buyer, &order.id, Some(PaymentMethod::CreditCard)).expect("paid")
}

/// Records by target, hashed as in the in-memory store.
type Records = HashMap<Target, Record, foldhash::fast::RandomState>;

/// What the floor's fixtures are made from: a real paid order, its app, and the events of each
/// of its three calls.
type Sample = (Order, PurchasedApp, [Vec<Event>; 3]);

/// The floor's fixture: a real paid order, its app and its events, and a map and stream that
/// fill as orders are "placed".
struct Floor {
    state: RwLock<(Records, Vec<Event>)>,
    order: Order,
    app: PurchasedApp,
    /// The events of one real order, by call: place, accept, pay.
    events: [Vec<Event>; 3],
    ids: Vec<(OrderId, AppId)>,
}

impl Floor {
    /// One order placed, accepted and paid by the real pipeline, read back from its store.
    fn sample() -> Sample {
        let store = Arc::new(MemoryStore::new());
        let (market, product, actors) = appmarket_benches::market_on(store.clone(), 1);
        let request = fixtures::standard_monthly(product.id.clone());
        let buyer = &actors[0];
        let mark = |store: &MemoryStore| store.events_since(0, usize::MAX).expect("events").len();
        let start = mark(&store);
        let placed = market.place_order(buyer, request).expect("placed");
        let accepted_at = mark(&store);
        market.accept_terms(buyer, &placed.id).expect("accepted");
        let paid_at = mark(&store);
        let order = market.pay(buyer, &placed.id, Some(PaymentMethod::CreditCard)).expect("paid");
        let all = store.events_since(0, usize::MAX).expect("events");
        let app = match store.load(&Target::App(order.app.clone().expect("an app"))).expect("loads") {
            Some((Record::App(app), _)) => *app,
            _ => unreachable!("paying made the app"),
        };
        let events = [all[start..accepted_at].to_vec(), all[accepted_at..paid_at].to_vec(), all[paid_at..].to_vec()];
        (order, app, events)
    }

    fn new(sample: &Sample) -> Floor {
        let (order, app, events) = sample.clone();
        let per_order: usize = events.iter().map(Vec::len).sum();
        Floor {
            state: RwLock::new((Records::default(), Vec::with_capacity(per_order * FRESH_EVERY as usize))),
            order,
            app,
            events,
            ids: (1..=FRESH_EVERY)
                .map(|n| {
                    let order = OrderId::parse(&format!("ORD-9{n:07}")).expect("valid id");
                    let app = AppId::parse(&format!("APP-9{n:07}")).expect("valid id");
                    (order, app)
                })
                .collect(),
        }
    }

    /// Appends the events of one call, as the store does.
    fn record(&self, state: &mut (Records, Vec<Event>), call: usize) {
        state.1.extend(self.events[call].iter().cloned());
    }

    /// Accepting or paying: the order copied out, changed, put back with any record the call
    /// makes; the caller's copy.
    fn change(&self, target: &Target, call: usize, made: Option<(Target, Record)>) -> Order {
        let mut working = match &self.state.read().expect("not poisoned").0[target] {
            Record::Order(order) => Order::clone(order),
            _ => unreachable!("an order"),
        };
        working.quantity += 1;
        let returned = working.clone();
        let mut state = self.state.write().expect("not poisoned");
        *state.0.get_mut(target).expect("present") = Record::Order(Box::new(working));
        if let Some((target, record)) = made {
            state.0.insert(target, record);
        }
        self.record(&mut state, call);
        returned
    }

    /// Places, accepts and pays the `i`-th order.
    fn run(&self, i: u64) {
        let (order_id, app_id) = &self.ids[i as usize % self.ids.len()];
        let target = Target::Order(order_id.clone());
        let mut placed = self.order.clone();
        placed.id = order_id.clone();
        let returned = placed.clone();
        {
            let mut state = self.state.write().expect("not poisoned");
            state.0.insert(target.clone(), Record::Order(Box::new(placed)));
            self.record(&mut state, 0);
        }
        drop(std::hint::black_box(returned));
        drop(std::hint::black_box(self.change(&target, 1, None)));
        let mut app = self.app.clone();
        app.id = app_id.clone();
        let made = (Target::App(app_id.clone()), Record::App(Box::new(app)));
        drop(std::hint::black_box(self.change(&target, 2, Some(made))));
    }
}

fn place_and_pay(c: &mut Criterion) {
    let mut group = c.benchmark_group("orders");
    group.throughput(Throughput::Elements(1));
    let (market, product, actors) = appmarket_benches::market_with_saas(64);
    let request = fixtures::standard_monthly(product.id.clone());
    let mut i = 0usize;
    group.bench_function("place_accept_pay", |b| {
        b.iter(|| {
            i += 1;
            order(&market, &actors, &request, i)
        })
    });
    group.bench_function("place_accept_pay_fresh_store", |b| {
        let setup = || {
            let (market, product, actors) = appmarket_benches::market_with_saas(64);
            (market, fixtures::standard_monthly(product.id), actors)
        };
        b.iter_custom(|iters| {
            appmarket_benches::timed_on_fresh(iters, FRESH_EVERY, setup, |(market, request, actors), i| {
                order(market, actors, request, i as usize)
            })
        })
    });
    let sample = Floor::sample();
    group.bench_function("floor_of_owned_records", |b| {
        b.iter_custom(|iters| {
            appmarket_benches::timed_on_fresh(iters, FRESH_EVERY, || Floor::new(&sample), |f, i| f.run(i))
        })
    });
    group.finish();
}

criterion_group!(benches, place_and_pay);
criterion_main!(benches);
