//! What the telemetry (README "Telemetry") costs a command: place + accept terms + pay (three
//! commands, one gateway call) in memory on a fresh store, as in `orders.rs`.
//! Target: with no subscriber, ≤ 1.02 × the same order with the instrumentation compiled out
//! (an A/B of two builds: `--features tracing/max_level_off`, run alternately); with a `fmt`
//! subscriber at INFO writing each command's span as it closes into `io::sink`, ≤ 2 × the
//! order with no subscriber.
//!
//! Three figures in one run:
//! - `no_subscriber`: the library as a host gets it (measured first, before any subscriber
//!   exists in the process);
//! - `fmt_info_to_sink`: `tracing_subscriber::fmt` at INFO, spans written when they close
//!   (`FmtSpan::CLOSE`, an access log of every command), into `io::sink`;
//! - `fmt_debug_to_sink`: the same at DEBUG: also each command's `command done` event and the
//!   gateway's span (the in-memory store has no store spans).
//!
//! Each figure is an order: a command costs a third of it.

use std::sync::Arc;

use appmarket::testing::fixtures;
use appmarket::*;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tracing::Dispatch;
use tracing_subscriber::fmt::format::FmtSpan;

/// Orders per market.
const FRESH_EVERY: u64 = 2_000;

fn order(market: &Marketplace, actors: &[Actor], request: &PurchaseRequest, i: usize) -> Order {
    let buyer = &actors[i % actors.len()];
    let order = market.place_order(buyer, request.clone()).expect("placed");
    market.accept_terms(buyer, &order.id).expect("accepted");
    market.pay(buyer, &order.id, Some(PaymentMethod::CreditCard)).expect("paid")
}

fn timed(iters: u64) -> std::time::Duration {
    let setup = || {
        let (market, product, actors) = appmarket_benches::market_on(Arc::new(MemoryStore::new()), 64);
        (market, fixtures::standard_monthly(product.id), actors)
    };
    appmarket_benches::timed_on_fresh(iters, FRESH_EVERY, setup, |(market, request, actors), i| {
        order(market, actors, request, i as usize)
    })
}

fn fmt_to_sink(level: tracing::Level) -> Dispatch {
    Dispatch::new(
        tracing_subscriber::fmt()
            .with_writer(std::io::sink)
            .with_max_level(level)
            .with_span_events(FmtSpan::CLOSE)
            .finish(),
    )
}

fn telemetry(c: &mut Criterion) {
    let mut group = c.benchmark_group("telemetry");
    group.throughput(Throughput::Elements(1));
    group.bench_function("no_subscriber", |b| b.iter_custom(timed));
    for (name, level) in [("fmt_info_to_sink", tracing::Level::INFO), ("fmt_debug_to_sink", tracing::Level::DEBUG)] {
        let dispatch = fmt_to_sink(level);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| tracing::dispatcher::with_default(&dispatch, || timed(iters)))
        });
    }
    group.finish();
}

criterion_group!(benches, telemetry);
criterion_main!(benches);
