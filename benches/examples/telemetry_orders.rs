//! Places, accepts and pays `N` orders in memory (a fresh market every 2,000), with no
//! subscriber or with a `fmt` subscriber into `io::sink` (`info` or `debug`): the same work as
//! `benches/telemetry.rs`, for counting instructions, which a loaded machine does not change
//! (`benches/README.md`, "Telemetry"):
//!
//! ```sh
//! cargo build --release -p appmarket-benches --example telemetry_orders
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/telemetry_orders 20000 none
//! ```
//!
//! The instructions of one order are the difference between two counts (say 20,000 and 10,000
//! orders) divided by the difference in orders; the A/B with the instrumentation compiled out
//! builds the same example with `--features tracing/max_level_off`.

use std::sync::Arc;

use appmarket::testing::fixtures;
use appmarket::*;
use tracing_subscriber::fmt::format::FmtSpan;

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).expect("usage: telemetry_orders N none|info|debug");
    let level = match args.next().as_deref() {
        Some("none") => None,
        Some("info") => Some(tracing::Level::INFO),
        Some("debug") => Some(tracing::Level::DEBUG),
        _ => panic!("usage: telemetry_orders N none|info|debug"),
    };
    let run = || {
        let mut done = 0;
        while done < n {
            let (market, product, actors) = appmarket_benches::market_on(Arc::new(MemoryStore::new()), 64);
            let request = fixtures::standard_monthly(product.id);
            for i in 0..(n - done).min(2_000) {
                let buyer = &actors[i as usize % actors.len()];
                let order = market.place_order(buyer, request.clone()).expect("placed");
                market.accept_terms(buyer, &order.id).expect("accepted");
                std::hint::black_box(market.pay(buyer, &order.id, Some(PaymentMethod::CreditCard)).expect("paid"));
                done += 1;
            }
        }
    };
    match level {
        None => run(),
        Some(level) => {
            let subscriber = tracing_subscriber::fmt()
                .with_writer(std::io::sink)
                .with_max_level(level)
                .with_span_events(FmtSpan::CLOSE)
                .finish();
            tracing::subscriber::with_default(subscriber, run);
        }
    }
}
