//! Shared setup for the criterion benches in this folder. Targets are stated in each bench's
//! doc comment; the figures are reported in the issue notes, not asserted by tests.

use std::sync::Arc;

use appmarket::testing::fixtures;
use appmarket::*;

/// A marketplace on a manual clock with one SaaS product and `customers` registered buyers.
pub fn market_with_saas(customers: usize) -> (Marketplace, Product, Vec<Actor>) {
    let clock = ManualClock::new(fixtures::t0());
    let market = Marketplace::builder()
        .clock(clock)
        .store(Arc::new(MemoryStore::new()))
        .payments(Arc::new(SimulatedPayments::new()))
        .build()
        .expect("valid policy");
    let seller = Actor::seller("isv-bench").expect("valid id");
    let product = market.list_product(&seller, fixtures::saas_draft()).expect("valid draft");
    let actors = (0..customers)
        .map(|i| {
            let id = CustomerId::parse(&format!("c{i}")).expect("valid id");
            market.register_customer(CustomerAccount::with_card(id.clone())).expect("registered");
            Actor::Customer(id)
        })
        .collect();
    (market, product, actors)
}
