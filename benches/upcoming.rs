//! The preview of upcoming charges (UPC-1) for one customer with 1,000 apps, 30 days ahead.
//!
//! Target: ≤ 5 ms for the preview (an absolute target: what a customer's page may take). For
//! context, the same run measures a floor: loading those 1,000 apps from the memory store, the
//! listing the preview itself starts from (`Store::apps_of`, one page of everything).
//!
//! The customer's apps, bought over the 30 days before the preview through the facade, with
//! `tick` run every day meanwhile: 600 monthly licences and 150 yearly ones with auto-renewal
//! (7 days before expiry), 150 monthly SaaS subscriptions without it, 100 pay-per-use SaaS apps
//! billed by the hour. Over the next 30 days the monthly ones each have their reminders and
//! their charge or their grace period, and the pay-per-use ones 720 settlements each, counted.
//!
//! Run: `cargo bench -p appmarket-benches --bench upcoming`. On a loaded machine, CPU time tells
//! more than the wall clock: `UPCOMING_ONLY_PREVIEWS=n` (or `UPCOMING_ONLY_FLOORS=n`) runs only
//! the set-up and `n` previews (or loads), for `perf stat -e task-clock`; the difference between
//! two `n` divided by their difference is one preview's CPU time.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use appmarket::store::Store;
use appmarket::supervision::Delivery;
use appmarket::testing::fixtures;
use appmarket::*;
use chrono::Duration;
use criterion::{Criterion, criterion_group, criterion_main};

const APPS: usize = 1_000;

struct Fixture {
    market: Marketplace,
    store: Arc<MemoryStore>,
    customer: CustomerId,
    until: chrono::DateTime<chrono::Utc>,
}

fn hourly() -> ProductDraft {
    let mut draft = fixtures::saas_draft();
    draft.name = "Hourly Mail".into();
    draft.specifications.truncate(1);
    let price = Money::parse("0.30 USD").unwrap();
    draft.specifications[0].plans = vec![PricePlan { mode: BillingMode::PayPerUse, price, per_unit: false }];
    draft
}

fn fixture() -> Fixture {
    let clock = ManualClock::at("2026-04-15T02:00:00Z").unwrap();
    let store = Arc::new(MemoryStore::new());
    let market = Marketplace::builder().clock(clock.clone()).store(store.clone()).build().unwrap();
    let seller = Actor::seller("isv-1").unwrap();
    let licence = market.list_product(&seller, fixtures::license_draft()).unwrap();
    let saas = market.list_product(&seller, fixtures::saas_draft()).unwrap();
    let metered = market.list_product(&seller, hourly()).unwrap();
    let customer = CustomerId::parse("alice").unwrap();
    market.register_customer(CustomerAccount::with_card(customer.clone())).unwrap();
    let alice = Actor::Customer(customer.clone());
    let buy = |product: &Product, specification: &str, mode: BillingMode, quantity: u32| {
        let request = PurchaseRequest {
            product: product.id.clone(),
            specification: specification.into(),
            mode,
            quantity,
            periods: 1,
        };
        let order = market.place_order(&alice, request).unwrap();
        market.accept_terms(&alice, &order.id).unwrap();
        market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap()
    };
    for i in 0..APPS {
        // 1,000 purchases over 30 days, a tick every day.
        clock.advance(Duration::minutes(43)).unwrap();
        if i % 33 == 0 {
            market.tick(&Actor::System).unwrap();
        }
        match i % 20 {
            0..15 => {
                let mode = if i % 20 < 12 { BillingMode::Monthly } else { BillingMode::Yearly };
                let paid = buy(&licence, "Annual License", mode, 1);
                let flow = paid.flow.unwrap();
                market.deliver(&seller, &flow, Delivery::default(), None).unwrap();
                market.confirm_acceptance(&alice, &flow).unwrap();
                market.set_auto_renewal(&alice, paid.app.as_ref().unwrap(), 1, 0, 7, None).unwrap();
            }
            15..18 => {
                buy(&saas, "Standard", BillingMode::Monthly, 10);
            }
            _ => {
                buy(&metered, "Standard", BillingMode::PayPerUse, 5);
            }
        }
    }
    market.tick(&Actor::System).unwrap();
    let until = clock.now() + Duration::days(30);
    Fixture { market, store, customer, until }
}

fn bench_upcoming(c: &mut Criterion) {
    let f = fixture();
    // For measuring CPU time (`perf stat -e task-clock`, less moved by other processes than the
    // wall clock) apart from the set-up: only `n` previews, or `n` loads of the floor.
    let only = |name: &str| std::env::var(name).ok().and_then(|n| n.parse::<usize>().ok());
    if let Some(n) = only("UPCOMING_ONLY_PREVIEWS") {
        let alice = Actor::Customer(f.customer.clone());
        for _ in 0..n {
            black_box(f.market.upcoming(&alice, f.until, None, 1, Some(20)).unwrap());
        }
        return;
    }
    if let Some(n) = only("UPCOMING_ONLY_FLOORS") {
        for _ in 0..n {
            black_box(f.store.apps_of(&f.customer, &AppFilter::default(), 1, u32::MAX).unwrap());
        }
        return;
    }
    let alice = Actor::Customer(f.customer.clone());
    let preview = f.market.upcoming(&alice, f.until, None, 1, Some(20)).unwrap();
    let shown = &preview.items[0];
    let charges = shown.items.iter().filter(|i| i.kind == UpcomingKind::AutoRenewalCharge).count();
    let settlements: u32 = shown.usage.iter().map(|u| u.settlements).sum();
    println!(
        "preview of {APPS} apps over 30 days: {} items ({charges} auto-renewal charges), {settlements} settlements of {} pay-per-use apps",
        shown.items.len(),
        shown.usage.len()
    );
    let everything = AppFilter::default();
    assert_eq!(f.store.apps_of(&f.customer, &everything, 1, u32::MAX).unwrap().items.len(), APPS);

    c.bench_function("upcoming: 1,000 apps, 30 days", |b| {
        b.iter(|| black_box(f.market.upcoming(&alice, f.until, None, 1, Some(20)).unwrap()))
    });
    c.bench_function("floor: load the 1,000 apps", |b| {
        b.iter(|| black_box(f.store.apps_of(&f.customer, &everything, 1, u32::MAX).unwrap()))
    });

    let median = |run: &dyn Fn()| {
        let mut times: Vec<_> = (0..51)
            .map(|_| {
                let start = Instant::now();
                run();
                start.elapsed()
            })
            .collect();
        times.sort();
        times[25]
    };
    let preview = median(&|| {
        black_box(f.market.upcoming(&alice, f.until, None, 1, Some(20)).unwrap());
    });
    let floor = median(&|| {
        black_box(f.store.apps_of(&f.customer, &everything, 1, u32::MAX).unwrap());
    });
    println!(
        "median of 51: preview {preview:?} (target <= 5 ms), loading the apps {floor:?}, ratio {:.1}",
        preview.as_secs_f64() / floor.as_secs_f64()
    );
}

criterion_group!(benches, bench_upcoming);
criterion_main!(benches);
