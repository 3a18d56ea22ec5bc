//! One customer with 100,000 orders (issue: scale). Targets:
//! - `orders(page = 1, 20 per page)` without a filter ≤ 50 µs: O(page size), not O(orders);
//! - `orders` filtered by status ≤ 5 ms: every order is tested, only the page is copied;
//! - `quote_unsubscribe` of an image inside the 5-day window ≤ 50 µs: the UNS-3 quota is a
//!   counter on the account, not a recount of the year's unsubscriptions.

use appmarket::provisioning::{ImageProvisioning, Network, SecurityGroup};
use appmarket::testing::fixtures;
use appmarket::*;
use criterion::{Criterion, criterion_group, criterion_main};

const ORDERS: usize = 100_000;

fn customer_with_many_orders(c: &mut Criterion) {
    // Room for all of them unpaid (ORD-7).
    let policy = Policy { max_unpaid_orders_per_customer: 1_000_000, ..Policy::default() };
    let clock = ManualClock::new(fixtures::t0());
    let store = std::sync::Arc::new(MemoryStore::new());
    let (market, product, actors) =
        appmarket_benches::market_with_policy(store, clock, fixtures::saas_draft(), 1, policy);
    let buyer = &actors[0];
    let request = fixtures::standard_monthly(product.id.clone());
    for _ in 0..ORDERS {
        market.place_order(buyer, request.clone()).expect("placed");
    }
    let seller = Actor::seller("isv-bench").expect("valid id");
    let image = market.list_product(&seller, fixtures::image_draft()).expect("valid draft");
    let provisioning = ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: "v".into(), subnet: "s".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new("Cloud#2026x"),
        agree_terms: true,
        customization: None,
    };
    let paid = market.provision_image(buyer, &image.id, provisioning, Some(PaymentMethod::CreditCard)).expect("paid");
    let app = paid.app.expect("an app");

    let mut group = c.benchmark_group("customer_100k_orders");
    group.bench_function("orders_page_1", |b| {
        b.iter(|| market.orders(buyer, &OrderFilter::default(), 1, Some(20)).expect("page"))
    });
    let pending = OrderFilter { status: Some(OrderStatus::PendingPayment), product: None };
    group.bench_function("orders_filtered_page_1", |b| {
        b.iter(|| market.orders(buyer, &pending, 1, Some(20)).expect("page"))
    });
    group.bench_function("quote_unsubscribe_in_window", |b| {
        b.iter(|| market.quote_unsubscribe(buyer, &app).expect("quote"))
    });
    group.finish();
}

criterion_group!(benches, customer_with_many_orders);
criterion_main!(benches);
