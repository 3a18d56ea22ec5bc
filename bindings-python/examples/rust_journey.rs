//! The Rust side of `benches/python_journey.py`: the professional-service journey of
//! `benches/journey.rs`, timed directly on the facade; prints journeys per second of CPU time.
//! Run: `cargo run --release -p appmarket-python --example rust_journey -- 20000`.

use std::sync::Arc;

use appmarket::supervision::{Attachment, Delivery, ServiceRequest};
use appmarket::testing::fixtures;
use appmarket::*;
use chrono::Duration;

/// CPU seconds this process has used (user + system), from `/proc/self/stat`.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> Result<(), Error> {
    let n: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let clock = ManualClock::new(fixtures::t0());
    let market = Marketplace::builder().clock(clock.clone()).store(Arc::new(MemoryStore::new())).build()?;
    let seller = Actor::seller("isv-bench")?;
    let product = market.list_product(&seller, fixtures::professional_service_draft())?;
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice")?))?;
    let buyer = Actor::customer("alice")?;
    let purchase = fixtures::basic_migration(product.id);
    let request = ServiceRequest {
        description: "Move the shop to the new cloud.".into(),
        attachments: vec![Attachment { name: "plan.pdf".into(), bytes: 1024 }],
    };
    let start = cpu_seconds();
    for _ in 0..n {
        let order = market.place_order(&buyer, purchase.clone())?;
        market.accept_terms(&buyer, &order.id)?;
        let order = market.pay(&buyer, &order.id, Some(PaymentMethod::CreditCard))?;
        let flow = order.flow.expect("a supervised order opens a service flow");
        market.submit_request(&buyer, &flow, request.clone())?;
        market.reject_request(&seller, &flow, "Which shop?")?;
        market.submit_request(&buyer, &flow, request.clone())?;
        market.accept_request(&seller, &flow)?;
        market.deliver(&seller, &flow, Delivery::default(), None)?;
        market.reject_delivery(&buyer, &flow, "Images missing")?;
        market.deliver(&seller, &flow, Delivery::default(), None)?;
        market.confirm_acceptance(&buyer, &flow)?;
        clock.advance(Duration::hours(3))?;
        market.tick(&Actor::System)?;
    }
    let cpu = cpu_seconds() - start;
    println!("{:.0}", f64::from(n) / cpu.max(1e-9));
    Ok(())
}
