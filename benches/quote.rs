//! Quotes. Target: a new-purchase quote and an upgrade quote each ≤ 1 µs.

use appmarket::pricing::{purchase_quote, remaining_months, upgrade_quote};
use appmarket::testing::fixtures;
use appmarket::*;
use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

fn quotes(c: &mut Criterion) {
    let draft = fixtures::saas_draft();
    let spec = &draft.specifications[0];
    let plan = spec.plan(BillingMode::Monthly).expect("offered");
    c.bench_function("quote/new_purchase", |b| {
        b.iter(|| purchase_quote(black_box(spec), black_box(plan), black_box(10), black_box(3)))
    });
    let old = Money::parse("230 USD").expect("valid");
    let new = Money::parse("460 USD").expect("valid");
    let change = NaiveDate::from_ymd_opt(2026, 4, 15).expect("valid");
    let expiry = NaiveDate::from_ymd_opt(2026, 5, 15).expect("valid");
    c.bench_function("quote/upgrade", |b| {
        b.iter(|| {
            let remaining = remaining_months(black_box(change), black_box(expiry));
            upgrade_quote("10 licences", old, "20 licences", new, remaining, rust_decimal::Decimal::ONE)
        })
    });
    let (market, product, _) = appmarket_benches::market_with_saas(0);
    let request = fixtures::standard_monthly(product.id.clone());
    c.bench_function("quote/new_purchase_via_facade", |b| {
        b.iter(|| market.quote_purchase(&appmarket::Actor::System, black_box(&request)))
    });
}

criterion_group!(benches, quotes);
criterion_main!(benches);
