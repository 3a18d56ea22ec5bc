//! Place + accept terms + pay with the in-memory store and simulated payments.
//! Target: ≥ 100,000 orders/s on one core (≤ 10 µs per order); ≥ 300,000 (issue 11).
//!
//! Two figures, as in `journey.rs`: `place_accept_pay` on one market that criterion grows to
//! millions of orders (page faults included), and `place_accept_pay_fresh_store` on a fresh
//! market every 2,000 orders, set up and torn down outside the timed part.

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
    group.finish();
}

criterion_group!(benches, place_and_pay);
criterion_main!(benches);
