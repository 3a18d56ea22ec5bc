//! Place + accept terms + pay with the in-memory store and simulated payments.
//! Target: ≥ 100,000 orders/s on one core (≤ 10 µs per order).

use appmarket::testing::fixtures;
use appmarket::*;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn place_and_pay(c: &mut Criterion) {
    let (market, product, actors) = appmarket_benches::market_with_saas(64);
    let request = fixtures::standard_monthly(product.id.clone());
    let mut i = 0usize;
    let mut group = c.benchmark_group("orders");
    group.throughput(Throughput::Elements(1));
    group.bench_function("place_accept_pay", |b| {
        b.iter(|| {
            let buyer = &actors[i % actors.len()];
            i += 1;
            let order = market.place_order(buyer, request.clone()).expect("placed");
            market.accept_terms(buyer, &order.id).expect("accepted");
            market.pay(buyer, &order.id, Some(PaymentMethod::CreditCard)).expect("paid")
        })
    });
    group.finish();
}

criterion_group!(benches, place_and_pay);
criterion_main!(benches);
