//! Shared setup for the criterion benches in this folder. Targets are stated in each bench's
//! doc comment; the figures are read against them (README's performance table, with their
//! history in `benches/README.md`), never asserted by tests.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use appmarket::testing::fixtures;
use appmarket::*;

/// A marketplace on a manual clock with one SaaS product and `customers` registered buyers.
pub fn market_with_saas(customers: usize) -> (Marketplace, Product, Vec<Actor>) {
    market_on(Arc::new(MemoryStore::new()), customers)
}

/// A marketplace on a manual clock over `store`, with one SaaS product and `customers`
/// registered buyers.
pub fn market_on(store: Arc<dyn store::Store>, customers: usize) -> (Marketplace, Product, Vec<Actor>) {
    market_with(store, ManualClock::new(fixtures::t0()), fixtures::saas_draft(), customers)
}

/// A marketplace on `clock` over `store`, with the product of `draft` listed by the seller
/// `isv-bench` and `customers` registered buyers (`c0`, `c1`, …).
pub fn market_with(
    store: Arc<dyn store::Store>,
    clock: ManualClock,
    draft: ProductDraft,
    customers: usize,
) -> (Marketplace, Product, Vec<Actor>) {
    market_with_policy(store, clock, draft, customers, Policy::default())
}

/// [`market_with`] under `policy`.
pub fn market_with_policy(
    store: Arc<dyn store::Store>,
    clock: ManualClock,
    draft: ProductDraft,
    customers: usize,
    policy: Policy,
) -> (Marketplace, Product, Vec<Actor>) {
    let market = Marketplace::builder()
        .policy(policy)
        .clock(clock)
        .store(store)
        .payments(Arc::new(SimulatedPayments::new()))
        .build()
        .expect("valid policy");
    let seller = Actor::seller("isv-bench").expect("valid id");
    let product = market.list_product(&seller, draft).expect("valid draft");
    let actors = (0..customers)
        .map(|i| {
            let id = CustomerId::parse(&format!("c{i}")).expect("valid id");
            market.register_customer(CustomerAccount::with_card(id.clone())).expect("registered");
            Actor::Customer(id)
        })
        .collect();
    (market, product, actors)
}

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

/// Lists `n` varied products (the catalogue of the search benches).
pub fn list_catalog(market: &Marketplace, n: usize) {
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
}

/// Times `iters` runs of `run` (given the fixture and the run's number within it) on a fresh
/// fixture from `setup` every `every` runs; setting up and tearing down are not timed. For
/// criterion's `iter_custom`: the in-memory store's cost without the growth of its heap.
pub fn timed_on_fresh<F, R>(
    iters: u64,
    every: u64,
    mut setup: impl FnMut() -> F,
    mut run: impl FnMut(&mut F, u64) -> R,
) -> Duration {
    let mut timed = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let batch = left.min(every.max(1));
        let mut fixture = setup();
        let start = Instant::now();
        for i in 0..batch {
            std::hint::black_box(run(&mut fixture, i));
        }
        timed += start.elapsed();
        drop(fixture);
        left -= batch;
    }
    timed
}

/// The path of a database file `name` in `dir` (created if missing), with any file left there
/// by an earlier run (and its `-wal`, `-shm`) removed.
pub fn fresh_file(dir: &Path, name: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}
