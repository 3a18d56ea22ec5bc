//! The PostgreSQL store (`appmarket-postgres`) against a real server.
//!
//! Targets:
//! - place + accept terms + pay, each call its own transaction: ≥ 2,000 orders/s on one
//!   connection, and 4 connections (4 threads, one pool of 4) ≥ 1.5× that. Printed before it,
//!   the floor of 1 and of 4 connections to the server at hand: three reads and three
//!   one-statement commits per order, and three commits alone, through the postgres driver with
//!   no store;
//! - `tick` over 1,000,000 apps of which 1% (10,000) are due: ≤ 1 s.
//!
//! Each figure is measured with durable commits (the default: a commit returns once the server
//! flushed it) and with `synchronous_commit(false)`. The tick figure is measured with one host
//! and with four hosts ticking the same database at once.
//!
//! Needs a server: `APPMARKET_BENCH_POSTGRES_URL`, else `APPMARKET_TEST_POSTGRES_URL`
//! (`eval "$(.ci/postgres.sh start)"` starts a throw-away one). `POSTGRES_BENCH_APPS` sets the
//! number of apps of the tick bench (default 1,000,000; 1% of them due); `POSTGRES_BENCH_ONLY`
//! = `orders` or `tick` runs one half. Each figure is printed with the bench process's CPU time
//! (the client's; the server's is not in it). Each figure's schema is dropped after it.
//!
//! Run: `cargo bench -p appmarket-benches --bench postgres -- --sample-size 10`.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration as StdDuration, Instant};

use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_postgres::PostgresStore;
use chrono::Duration;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn url() -> Option<String> {
    std::env::var("APPMARKET_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("APPMARKET_TEST_POSTGRES_URL"))
        .ok()
        .filter(|u| !u.is_empty())
}

fn schema(tag: &str) -> String {
    format!("bench_{tag}_{}", std::process::id())
}

fn store(url: &str, schema: &str, pool: usize, durable: bool) -> Arc<PostgresStore> {
    Arc::new(
        PostgresStore::builder(url)
            .schema(schema)
            .pool_size(pool)
            .synchronous_commit(durable)
            .open()
            .expect("open the bench store"),
    )
}

/// CPU seconds used by this process so far (user + system), where `/proc` tells it.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else { return 0.0 };
    // After the command name in parentheses: state is field 3, utime 14 and stime 15.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn runs(half: &str) -> bool {
    std::env::var("POSTGRES_BENCH_ONLY").map_or(true, |only| only.is_empty() || only == half)
}

fn request(product: &Product) -> PurchaseRequest {
    fixtures::standard_monthly(product.id.clone())
}

fn one_order(market: &Marketplace, buyer: &Actor, request: &PurchaseRequest) -> Order {
    let order = market.place_order(buyer, request.clone()).expect("placed");
    market.accept_terms(buyer, &order.id).expect("accepted");
    market.pay(buyer, &order.id, Some(PaymentMethod::CreditCard)).expect("paid")
}

/// Orders per second over `for_how_long`, with `threads` threads on one marketplace whose
/// store has a pool of `threads` connections.
fn orders_per_second(url: &str, threads: usize, durable: bool, for_how_long: StdDuration) -> (f64, f64) {
    let tag = format!("orders{threads}{}", if durable { "d" } else { "a" });
    let db = store(url, &schema(&tag), threads, durable);
    let (market, product, actors) = appmarket_benches::market_on(db.clone(), 64);
    let request = request(&product);
    let done = AtomicU64::new(0);
    let cpu = cpu_seconds();
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let (market, actors, request, done) = (&market, &actors, &request, &done);
            s.spawn(move || {
                let mut i = t;
                while start.elapsed() < for_how_long {
                    black_box(one_order(market, &actors[i % actors.len()], request));
                    i += threads;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    let n = done.load(Ordering::Relaxed) as f64;
    let figures = (n / start.elapsed().as_secs_f64(), (cpu_seconds() - cpu) / n);
    db.drop_schema().expect("drop the bench schema");
    figures
}

/// The floors under the orders figures: what `connections` connections to this server can do
/// at best for orders of three commands, with the postgres driver alone, each connection on its
/// own row of about an order's size. Per command, a store must read what it decides on (one
/// round trip) and commit (at least one more); a store that cached every read would still
/// commit three times. Returns the orders/s of (three reads and three one-statement commits,
/// three commits alone).
fn orders_floor(url: &str, durable: bool, connections: usize) -> (f64, f64) {
    let schema = schema("floor");
    let mut admin = postgres::Client::connect(url, postgres::NoTls).expect("connect for the floor");
    admin
        .batch_execute(&format!(
            "CREATE SCHEMA {schema}; CREATE TABLE {schema}.records (id BIGINT PRIMARY KEY, version BIGINT, doc TEXT);
             INSERT INTO {schema}.records SELECT g, 0, repeat('x', 1200) FROM generate_series(0, {connections}) g"
        ))
        .expect("floor schema");
    let rate = |with_reads: bool| {
        let done = AtomicU64::new(0);
        let window = StdDuration::from_secs(3);
        let start = Instant::now();
        std::thread::scope(|scope| {
            for row in 0..connections as i64 {
                let (schema, done) = (&schema, &done);
                scope.spawn(move || {
                    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect for the floor");
                    let sync = if durable { "on" } else { "off" };
                    client.batch_execute(&format!("SET synchronous_commit = {sync}")).expect("set commits");
                    let read = client.prepare(&format!("SELECT doc, version FROM {schema}.records WHERE id = $1"));
                    let write = client
                        .prepare(&format!("UPDATE {schema}.records SET version = version + 1, doc = $2 WHERE id = $1"));
                    let (read, write) = (read.expect("prepare"), write.expect("prepare"));
                    let doc = "y".repeat(1200);
                    while start.elapsed() < window {
                        for _ in 0..3 {
                            if with_reads {
                                client.query_one(&read, &[&row]).expect("floor read");
                            }
                            client.execute(&write, &[&row, &doc]).expect("floor write");
                        }
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
    };
    let figures = (rate(true), rate(false));
    admin.batch_execute(&format!("DROP SCHEMA {schema} CASCADE")).expect("drop the floor schema");
    figures
}

fn orders(c: &mut Criterion) {
    if !runs("orders") {
        return;
    }
    let Some(url) = url() else {
        println!(
            "postgres bench skipped: set APPMARKET_BENCH_POSTGRES_URL (or run `eval \"$(.ci/postgres.sh start)\"`)"
        );
        return;
    };
    let db = store(&url, &schema("criterion"), 1, true);
    let (market, product, actors) = appmarket_benches::market_on(db.clone(), 64);
    let request = request(&product);
    let mut i = 0usize;
    let mut group = c.benchmark_group("postgres");
    group.throughput(Throughput::Elements(1));
    group.bench_function("place_accept_pay_one_connection", |b| {
        b.iter(|| {
            i += 1;
            one_order(&market, &actors[i % actors.len()], &request)
        })
    });
    group.finish();
    db.drop_schema().expect("drop the bench schema");

    let window = StdDuration::from_secs(5);
    for durable in [true, false] {
        let (reads1, commits1) = orders_floor(&url, durable, 1);
        let (reads4, commits4) = orders_floor(&url, durable, 4);
        println!(
            "floor, {} commits, the driver alone: 3 reads + 3 one-statement commits per order: 1 connection \
             {reads1:.0} orders/s, 4 connections {reads4:.0} (ratio {:.2}); 3 commits alone: {commits1:.0} / \
             {commits4:.0} (ratio {:.2})",
            if durable { "durable" } else { "asynchronous" },
            reads4 / reads1,
            commits4 / commits1,
        );
        let (one, cpu1) = orders_per_second(&url, 1, durable, window);
        let (four, cpu4) = orders_per_second(&url, 4, durable, window);
        println!(
            "place+accept+pay, {} commits: 1 connection {one:.0} orders/s (target >= 2000), 4 connections \
             {four:.0} orders/s, ratio {:.2} (target >= 1.5); client CPU per order {:.0} µs / {:.0} µs",
            if durable { "durable" } else { "asynchronous" },
            four / one,
            cpu1 * 1e6,
            cpu4 * 1e6
        );
    }
}

struct TickFixture {
    markets: Vec<Marketplace>,
    stores: Vec<Arc<PostgresStore>>,
    template: PurchasedApp,
    policy: Policy,
    now: chrono::DateTime<chrono::Utc>,
    due_apps: Vec<(PurchasedApp, Option<chrono::DateTime<chrono::Utc>>)>,
}

impl TickFixture {
    fn new(url: &str, durable: bool) -> TickFixture {
        let schema = schema(if durable { "tickd" } else { "ticka" });
        let clock = ManualClock::at("2026-04-15T02:00:00Z").unwrap();
        let stores: Vec<Arc<PostgresStore>> = (0..4).map(|_| store(url, &schema, 2, durable)).collect();
        let markets: Vec<Marketplace> = stores
            .iter()
            .map(|s| {
                Marketplace::builder().clock(clock.clone()).store(s.clone()).marketplace_id("bench").build().unwrap()
            })
            .collect();
        let market = &markets[0];
        let seller = Actor::seller("isv-1").unwrap();
        let product = market.list_product(&seller, fixtures::saas_draft()).unwrap();
        let alice = CustomerId::parse("alice").unwrap();
        market.register_customer(CustomerAccount::with_card(alice.clone())).unwrap();
        let buyer = Actor::Customer(alice);
        let paid = one_order(market, &buyer, &request(&product));
        let template = market.app(&buyer, paid.app.as_ref().unwrap()).unwrap();
        let policy = market.policy().clone();
        // Tick runs 60 days later: the due apps expired before then; the others run for a year.
        clock.advance(Duration::days(60)).unwrap();
        let now = clock.instant();
        TickFixture { markets, stores, template, policy, now, due_apps: Vec::new() }
    }

    fn app(&self, i: usize, due: bool) -> (PurchasedApp, Option<chrono::DateTime<chrono::Utc>>) {
        let mut app = self.template.clone();
        app.id = AppId::parse(&format!("APP-B{i:09}")).unwrap();
        app.customer = CustomerId::parse(&format!("c{}", i % 200_000)).unwrap();
        let zone = self.policy.zone();
        app.term = Some(if due {
            Term::starting(self.now - Duration::days(40), 1, zone)
        } else {
            Term::starting(self.now, 12, zone)
        });
        let next = app.next_due(&self.policy);
        (app, next)
    }

    fn fill(&mut self, total: usize) {
        const CHUNK: usize = 50_000;
        let mut i = 0;
        while i < total {
            let end = (i + CHUNK).min(total);
            let chunk: Vec<_> = (i..end).map(|n| self.app(n, n % 100 == 0)).collect();
            self.due_apps
                .extend(chunk.iter().filter(|(a, _)| a.term.is_some_and(|t| t.expires_at < self.now)).cloned());
            self.stores[0].bulk_insert_apps(&chunk).unwrap();
            i = end;
        }
    }

    fn reset_due(&self) {
        self.stores[0].bulk_insert_apps(&self.due_apps).unwrap();
    }

    /// One tick over the due apps by `hosts` hosts at once; the time until all are done.
    fn tick(&self, hosts: usize) -> (StdDuration, f64) {
        self.reset_due();
        let cpu = cpu_seconds();
        let start = Instant::now();
        let changed: u64 = std::thread::scope(|s| {
            let handles: Vec<_> = self.markets[..hosts]
                .iter()
                .map(|m| s.spawn(move || m.tick(&Actor::System).unwrap().changed))
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        let took = start.elapsed();
        let cpu = cpu_seconds() - cpu;
        assert!(changed as usize >= self.due_apps.len(), "changed {changed} of {}", self.due_apps.len());
        (took, cpu)
    }
}

fn tick(_c: &mut Criterion) {
    if !runs("tick") {
        return;
    }
    let Some(url) = url() else { return };
    let apps: usize = std::env::var("POSTGRES_BENCH_APPS").ok().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    for durable in [false, true] {
        let mut f = TickFixture::new(&url, durable);
        let start = Instant::now();
        f.fill(apps);
        println!("filled {apps} apps in {:?}", start.elapsed());
        for hosts in [1, 4] {
            let mut runs: Vec<(StdDuration, f64)> = (0..3).map(|_| f.tick(hosts)).collect();
            runs.sort_by_key(|r| r.0);
            println!(
                "tick over {apps} apps, {} due, {} commits, {hosts} host(s): median {:?} (target <= 1 s), \
                 client CPU {:.2} s; runs {:?}",
                f.due_apps.len(),
                if durable { "durable" } else { "asynchronous" },
                runs[1].0,
                runs[1].1,
                runs.iter().map(|r| r.0).collect::<Vec<_>>()
            );
        }
        f.stores[0].drop_schema().expect("drop the bench schema");
    }
}

criterion_group!(benches, orders, tick);
criterion_main!(benches);
