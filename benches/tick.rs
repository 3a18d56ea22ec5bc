//! `tick` cost and the in-memory store's footprint.
//!
//! Targets:
//! - `tick` over 1,000,000 apps of which 1% (10,000) are due takes ≤ 50 ms.
//! - Its cost grows with the apps due, not with all apps: 5,000,000 apps against 1,000,000 with
//!   the same 10,000 due gives a ratio ≤ 1.5.
//! - The in-memory store holds an app in ≤ 1 KiB, not counting its operation records.
//!
//! How the footprint is measured: this binary installs a counting global allocator (a thin
//! wrapper over the system allocator that adds every allocation's size and subtracts every
//! deallocation's). The bytes live after filling a fresh store with 1,000,000 apps, minus the
//! bytes live before, divided by 1,000,000, is the store's cost of one app: the record in the
//! hash map (with the map's spare capacity), its strings, the due index and the per-customer
//! index. Apps are bulk-inserted without events, so operation records are not counted. The
//! figure slightly overstates the store's share: it also holds the bench's own copies of the
//! 10,000 due apps (1% of the apps) kept to restore them between iterations.
//!
//! Each measured iteration first restores the 10,000 due apps (expired, still `Active`) outside
//! the timing, then runs one `tick`, which moves each into its grace period.
//!
//! Run: `cargo bench -p appmarket-benches --bench tick -- --sample-size 10`. Set
//! `TICK_BENCH_SKIP_5M=1` to skip the 5,000,000-app case.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration as StdDuration, Instant};

use appmarket::testing::fixtures;
use appmarket::*;
use chrono::Duration;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: delegates to the system allocator; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const DUE: usize = 10_000;

struct Fixture {
    market: Marketplace,
    store: Arc<MemoryStore>,
    template: PurchasedApp,
    policy: Policy,
    now: chrono::DateTime<chrono::Utc>,
    due_apps: Vec<(PurchasedApp, Option<chrono::DateTime<chrono::Utc>>)>,
}

fn fixture() -> Fixture {
    let clock = ManualClock::at("2026-04-15T02:00:00Z").unwrap();
    let store = Arc::new(MemoryStore::new());
    let market = Marketplace::builder().clock(clock.clone()).store(store.clone()).build().unwrap();
    let seller = Actor::seller("isv-1").unwrap();
    let product = market.list_product(&seller, fixtures::saas_draft()).unwrap();
    let alice = CustomerId::parse("alice").unwrap();
    market.register_customer(CustomerAccount::with_card(alice.clone())).unwrap();
    let buyer = Actor::Customer(alice);
    let order = market.place_order(&buyer, fixtures::standard_monthly(product.id.clone())).unwrap();
    market.accept_terms(&buyer, &order.id).unwrap();
    let paid = market.pay(&buyer, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    let template = market.app(&buyer, paid.app.as_ref().unwrap()).unwrap();
    let policy = market.policy().clone();
    // Tick runs 60 days later: the due apps expired before then; the others run for a year.
    clock.advance(Duration::days(60)).unwrap();
    let now = clock.instant();
    Fixture { market, store, template, policy, now, due_apps: Vec::new() }
}

impl Fixture {
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

    /// Fills the store up to `total` apps, every 100th of the first 1,000,000 due.
    fn fill(&mut self, from: usize, total: usize) {
        const CHUNK: usize = 100_000;
        let mut i = from;
        while i < total {
            let end = (i + CHUNK).min(total);
            let chunk: Vec<_> = (i..end).map(|n| self.app(n, n < 1_000_000 && n % 100 == 0)).collect();
            for entry in &chunk {
                if entry.0.term.is_some_and(|t| t.expires_at < self.now) {
                    self.due_apps.push(entry.clone());
                }
            }
            self.store.bulk_insert_apps(chunk);
            i = end;
        }
    }

    fn reset_due(&self) {
        self.store.bulk_insert_apps(self.due_apps.iter().cloned());
    }

    fn tick(&self) -> TickReport {
        let report = self.market.tick(&Actor::System).unwrap();
        assert!(report.changed as usize >= DUE, "{report:?}");
        report
    }

    fn median_tick(&self, runs: usize) -> StdDuration {
        let mut times: Vec<StdDuration> = (0..runs)
            .map(|_| {
                self.reset_due();
                let start = Instant::now();
                black_box(self.tick());
                start.elapsed()
            })
            .collect();
        times.sort();
        times[runs / 2]
    }
}

fn bench_tick(c: &mut Criterion) {
    let mut f = fixture();
    let live_before = LIVE.load(Ordering::Relaxed);
    f.fill(0, 1_000_000);
    let live_after = LIVE.load(Ordering::Relaxed);
    let per_app = (live_after - live_before) as f64 / 1_000_000.0;
    println!("store footprint: {per_app:.0} bytes per app (1,000,000 apps; target <= 1024)");
    assert_eq!(f.due_apps.len(), DUE);
    // The template app bought by the fixture is due too: one more than DUE changes.

    c.bench_function("tick 1M apps, 10k due", |b| {
        b.iter_batched(|| f.reset_due(), |()| black_box(f.tick()), BatchSize::PerIteration)
    });
    let small = f.median_tick(5);

    if std::env::var_os("TICK_BENCH_SKIP_5M").is_none() {
        f.fill(1_000_000, 5_000_000);
        c.bench_function("tick 5M apps, 10k due", |b| {
            b.iter_batched(|| f.reset_due(), |()| black_box(f.tick()), BatchSize::PerIteration)
        });
        let large = f.median_tick(5);
        println!(
            "median tick: 1M apps {small:?}, 5M apps {large:?}, ratio {:.2} (target <= 1.5)",
            large.as_secs_f64() / small.as_secs_f64()
        );
    } else {
        println!("median tick: 1M apps {small:?}");
    }
}

criterion_group!(benches, bench_tick);
criterion_main!(benches);
