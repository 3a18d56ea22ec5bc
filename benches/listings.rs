//! One customer with 100,000 orders, on the SQLite and the PostgreSQL store: a page of their
//! orders costs what it shows, not what they have.
//!
//! Target: a page of 20 (`Marketplace::orders`, total included) ≤ 5 ms on each store: the first
//! page without a filter, the first page filtered by a status that 20% of the orders have, a
//! filtered page whose status only one order has, and page 50. Printed beside each, its floor
//! measured in the same run: decoding the documents the page shows, which no listing can avoid,
//! and the figure as a ratio to it. The total of these listings (no filter, or a status alone)
//! is read from the counts per owner and status the commits keep, not counted.
//!
//! The orders are saved through `Store::commit_many` (copies of one real order, 70% completed,
//! 20% cancelled, 10% processing, one waiting for payment), then the PostgreSQL tables are
//! vacuumed and analysed, as autovacuum would have done for a table that grew this large.
//!
//! PostgreSQL needs a server (`APPMARKET_BENCH_POSTGRES_URL`, else `APPMARKET_TEST_POSTGRES_URL`)
//! and is skipped without one.
//!
//! Run: `cargo bench -p appmarket-benches --bench listings -- --sample-size 10`.

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use appmarket::store::{Commit, Record, Store, Write};
use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_postgres::PostgresStore;
use appmarket_sqlite::SqliteStore;
use criterion::{Criterion, criterion_group, criterion_main};

const ORDERS: usize = 100_000;
const PAGE: u32 = 20;

/// Saves `ORDERS` copies of a real order of the market's one customer; returns that customer.
fn customer_with_many_orders(store: Arc<dyn Store>) -> (Marketplace, Actor) {
    let (market, product, actors) = appmarket_benches::market_on(store.clone(), 1);
    let buyer = actors[0].clone();
    let template = market.place_order(&buyer, fixtures::standard_monthly(product.id.clone())).expect("placed");
    let statuses = |n: usize| match n % 10 {
        0..=6 => OrderStatus::Completed,
        7 | 8 => OrderStatus::Cancelled,
        _ => OrderStatus::Processing,
    };
    for chunk in (1..ORDERS).collect::<Vec<_>>().chunks(2_000) {
        let commits = chunk
            .iter()
            .map(|&n| {
                let mut order = template.clone();
                order.id = OrderId::parse(&format!("ORD-B{n:08}")).expect("valid id");
                order.status = statuses(n);
                let write = Write { record: Record::Order(Box::new(order)), expected_version: 0, due: None };
                Commit { writes: vec![write], ..Commit::default() }
            })
            .collect();
        let saved = store.commit_many(commits, fixtures::t0()).expect("save the orders");
        assert!(saved.iter().all(Result::is_ok));
    }
    (market, buyer)
}

/// The floor per document shown: decoding the documents of one page of orders, as a store
/// reads them, divided by their number.
fn floor(market: &Marketplace, buyer: &Actor) -> f64 {
    let page = market.orders(buyer, &OrderFilter::default(), 1, Some(PAGE)).expect("page");
    let docs: Vec<String> =
        page.items.into_iter().map(|o| serde_json::to_string(&Record::Order(Box::new(o))).expect("encode")).collect();
    let rounds = 2_000;
    let start = Instant::now();
    for _ in 0..rounds {
        for doc in &docs {
            black_box(serde_json::from_str::<Record>(doc).expect("decode"));
        }
    }
    start.elapsed().as_secs_f64() / f64::from(rounds) / docs.len() as f64
}

fn pages(c: &mut Criterion, name: &str, market: &Marketplace, buyer: &Actor) {
    let floor = floor(market, buyer);
    let cancelled = OrderFilter { status: Some(OrderStatus::Cancelled), product: None };
    let unpaid = OrderFilter { status: Some(OrderStatus::PendingPayment), product: None };
    let cases = [
        ("page_1", OrderFilter::default(), 1),
        ("page_1_cancelled", cancelled, 1),
        ("page_1_unpaid", unpaid, 1),
        ("page_50", OrderFilter::default(), 50),
    ];
    println!("{name}: floor, decoding one order's document: {:.2} µs", floor * 1e6);
    for (case, filter, page) in &cases {
        let rounds = 50;
        let start = Instant::now();
        for _ in 0..rounds {
            black_box(market.orders(buyer, filter, *page, Some(PAGE)).expect("page"));
        }
        let each = start.elapsed().as_secs_f64() / f64::from(rounds);
        let shown = market.orders(buyer, filter, *page, Some(PAGE)).expect("page");
        let page_floor = floor * shown.items.len() as f64;
        println!(
            "{name} {case} ({} shown of {} matches): {:.2} ms a page (target ≤ 5 ms); floor {:.0} µs; {:.1}× the floor",
            shown.items.len(),
            shown.total,
            each * 1e3,
            page_floor * 1e6,
            each / page_floor
        );
    }
    let mut group = c.benchmark_group(format!("listings_{name}"));
    for (case, filter, page) in cases {
        group.bench_function(case, |b| b.iter(|| market.orders(buyer, &filter, page, Some(PAGE)).expect("page")));
    }
    group.finish();
}

fn sqlite(c: &mut Criterion) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-listings");
    std::fs::create_dir_all(&dir).expect("bench directory");
    let path = dir.join("listings.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let store = Arc::new(SqliteStore::open(&path).expect("open the bench file"));
    let (market, buyer) = customer_with_many_orders(store);
    pages(c, "sqlite", &market, &buyer);
}

fn postgres(c: &mut Criterion) {
    let Some(url) = std::env::var("APPMARKET_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("APPMARKET_TEST_POSTGRES_URL"))
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("listings on PostgreSQL skipped: set APPMARKET_BENCH_POSTGRES_URL or APPMARKET_TEST_POSTGRES_URL");
        return;
    };
    let schema = format!("bench_listings_{}", std::process::id());
    let store = Arc::new(PostgresStore::builder(&url).schema(&schema).open().expect("open the bench store"));
    let (market, buyer) = customer_with_many_orders(store.clone());
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    admin.batch_execute(&format!("VACUUM ANALYZE {schema}.orders")).expect("vacuum");
    pages(c, "postgres", &market, &buyer);
    drop(market);
    store.drop_schema().expect("drop the bench schema");
}

criterion_group!(benches, sqlite, postgres);
criterion_main!(benches);
