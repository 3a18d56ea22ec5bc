//! Search over 100,000 listed products with text and two filters.
//! Target: ≤ 2 ms per search.

use appmarket::testing::fixtures;
use appmarket::*;
use criterion::{Criterion, criterion_group, criterion_main};

fn catalog(n: usize) -> Marketplace {
    let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).build().expect("valid");
    appmarket_benches::list_catalog(&market, n);
    market
}

fn search(c: &mut Criterion) {
    let market = catalog(100_000);
    let query = SearchQuery {
        text: "secure hosting".into(),
        category: Some("Security".into()),
        billing_mode: Some(BillingMode::Monthly),
        page_size: Some(20),
        ..SearchQuery::default()
    };
    let hits = market.search(&query).expect("valid").total;
    assert!(hits > 0, "the query should match something");
    c.bench_function("search/100k_text_and_two_filters", |b| b.iter(|| market.search(&query).expect("valid")));
    let text_only = SearchQuery { text: "secure hosting".into(), ..SearchQuery::default() };
    c.bench_function("search/100k_text_only", |b| b.iter(|| market.search(&text_only).expect("valid")));
}

criterion_group!(benches, search);
criterion_main!(benches);
