//! Search over 100,000 listed products with text and two filters.
//! Target: ≤ 2 ms per search.

use appmarket::testing::fixtures;
use appmarket::*;
use criterion::{Criterion, criterion_group, criterion_main};

const CATEGORIES: [&str; 10] = [
    "Collaboration",
    "Security",
    "Developer Tools",
    "Databases",
    "AI",
    "Storage",
    "Networking",
    "Analytics",
    "CRM",
    "ERP",
];
const WORDS: [&str; 12] =
    ["email", "backup", "secure", "cloud", "fast", "managed", "open", "server", "hosting", "sync", "web", "office"];

fn catalog(n: usize) -> Marketplace {
    let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).build().expect("valid");
    let seller = Actor::seller("isv-bench").expect("valid id");
    for i in 0..n {
        let mut draft = if i % 3 == 0 { fixtures::license_draft() } else { fixtures::saas_draft() };
        draft.name = format!("{} {} suite {i}", WORDS[i % 12], WORDS[(i / 12) % 12]);
        draft.category = CATEGORIES[i % 10].into();
        draft.tags = vec![WORDS[(i / 7) % 12].into(), WORDS[(i / 5) % 12].into()];
        draft.description =
            format!("A {} {} product for teams, number {i}.", WORDS[(i / 3) % 12], WORDS[(i / 11) % 12]);
        market.list_product(&seller, draft).expect("listed");
    }
    market
}

fn search(c: &mut Criterion) {
    let market = catalog(100_000);
    let query = SearchQuery {
        text: "secure hosting".into(),
        category: Some("Security".into()),
        billing_mode: Some(BillingMode::Monthly),
        page_size: 20,
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
