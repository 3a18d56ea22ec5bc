//! Pay-per-use settlement (PRC-7): catching up an app `tick` has not seen for years, and the
//! hourly `tick` of an app with a long history on SQLite.
//!
//! Targets:
//! - Catch-up is linear in the cycles behind: an hourly app left for 3 years (26,280
//!   settlements, by as many `tick`s of `max_settlements_per_tick` as it takes) costs
//!   ≤ 3.5 × the same app left for 1 year (8,760 settlements). Each `tick` makes at most
//!   `max_settlements_per_tick` (24) settlements per app.
//! - An app's hourly `tick` does not grow with its history: on SQLite, the `tick` that settles
//!   the next hour of an app a year old costs ≤ 1.5 × that of an app a day old.
//!
//! Each measured catch-up starts from a fresh in-memory marketplace (built outside the
//! timing) whose only app has accrued for the whole span; it runs `tick` until nothing is due.
//! The SQLite figures are one `tick` after the clock moved one hour, on a file where the app's
//! earlier cycles were settled beforehand.
//!
//! Run: `cargo bench -p appmarket-benches --bench metering -- --sample-size 10`.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_benches::fresh_file;
use appmarket_sqlite::SqliteStore;
use chrono::Duration;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

/// A marketplace on `store` whose one app is billed 0.30 an hour from the clock's start.
fn hourly_app(store: Arc<dyn store::Store>, policy: Policy) -> (Marketplace, ManualClock) {
    let clock = ManualClock::new(fixtures::t0());
    let market = Marketplace::builder()
        .clock(clock.clone())
        .store(store)
        .payments(Arc::new(SimulatedPayments::new()))
        .policy(policy)
        .build()
        .expect("valid policy");
    let mut draft = fixtures::saas_draft();
    draft.specifications.truncate(1);
    let price = Money::parse("0.30 USD").expect("valid amount");
    draft.specifications[0].plans.push(PricePlan { mode: BillingMode::PayPerUse, price, per_unit: false });
    let product = market.list_product(Actor::seller("isv-bench").expect("valid id"), draft).expect("listed");
    let alice = CustomerId::parse("alice").expect("valid id");
    market.register_customer(CustomerAccount::with_card(alice.clone())).expect("registered");
    let alice = Actor::Customer(alice);
    let request = PurchaseRequest {
        product: product.id,
        specification: "Standard".into(),
        mode: BillingMode::PayPerUse,
        quantity: 5,
        periods: 1,
    };
    let order = market.place_order(&alice, request).expect("placed");
    market.accept_terms(&alice, &order.id).expect("accepted");
    market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).expect("paid");
    (market, clock)
}

/// An in-memory marketplace whose app has not been settled for `days`.
fn behind_by(days: i64) -> Marketplace {
    let (market, clock) = hourly_app(Arc::new(MemoryStore::new()), Policy::default());
    clock.advance(Duration::days(days)).expect("valid instant");
    market
}

/// Runs `tick` until nothing is due; returns the ticks that did work.
fn catch_up(market: &Marketplace) -> u32 {
    let mut ticks = 0;
    while market.tick(&Actor::System).expect("tick").examined > 0 {
        ticks += 1;
    }
    ticks
}

/// The fastest of `runs` catch-ups: on a shared machine, other work only adds time.
fn fastest_catch_up(days: i64, runs: usize) -> StdDuration {
    (0..runs)
        .map(|_| {
            let market = behind_by(days);
            let start = Instant::now();
            black_box(catch_up(&market));
            let took = start.elapsed();
            drop(market);
            took
        })
        .min()
        .expect("at least one run")
}

/// A SQLite marketplace whose app is `days` old and settled up to now.
fn sqlite_app(days: i64) -> (Marketplace, ManualClock) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("metering-bench");
    let store = Arc::new(SqliteStore::open(fresh_file(&dir, &format!("after-{days}-days.db"))).expect("opened"));
    // Settled in one go before measuring: the history is what matters here, not its making.
    let policy = Policy { max_settlements_per_tick: 8_760, ..Policy::default() };
    let (market, clock) = hourly_app(store, policy);
    clock.advance(Duration::days(days)).expect("valid instant");
    catch_up(&market);
    (market, clock)
}

fn median_hourly_tick(market: &Marketplace, clock: &ManualClock, runs: usize) -> StdDuration {
    let mut times: Vec<StdDuration> = (0..runs)
        .map(|_| {
            clock.advance(Duration::hours(1)).expect("valid instant");
            let start = Instant::now();
            black_box(market.tick(&Actor::System).expect("tick"));
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn bench_metering(c: &mut Criterion) {
    for (name, days) in [("catch up 1 year of hourly cycles", 365), ("catch up 3 years of hourly cycles", 3 * 365)] {
        c.bench_function(name, |b| {
            // By reference: dropping the marketplace is not timed.
            b.iter_batched_ref(|| behind_by(days), |market| black_box(catch_up(market)), BatchSize::PerIteration)
        });
    }
    let (one, three) = (fastest_catch_up(365, 11), fastest_catch_up(3 * 365, 11));
    println!(
        "fastest of 11 catch-ups: 1 year {one:?}, 3 years {three:?}, ratio {:.2} (target <= 3.5)",
        three.as_secs_f64() / one.as_secs_f64()
    );

    let mut medians = Vec::new();
    for (name, days) in [("sqlite hourly tick, app 1 day old", 1), ("sqlite hourly tick, app 1 year old", 365)] {
        let (market, clock) = sqlite_app(days);
        c.bench_function(name, |b| {
            b.iter_batched(
                || clock.advance(Duration::hours(1)).expect("valid instant"),
                |()| black_box(market.tick(&Actor::System).expect("tick")),
                BatchSize::PerIteration,
            )
        });
        medians.push(median_hourly_tick(&market, &clock, 51));
    }
    println!(
        "median sqlite hourly tick: app 1 day old {:?}, 1 year old {:?}, ratio {:.2} (target <= 1.5)",
        medians[0],
        medians[1],
        medians[1].as_secs_f64() / medians[0].as_secs_f64()
    );
}

criterion_group!(benches, bench_metering);
criterion_main!(benches);
