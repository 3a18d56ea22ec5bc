//! The Rust side of `benches/python_overhead.py`: the same calls, timed directly on the facade.
//! Run: `cargo run --release -p appmarket-python --example rust_timing`.

use std::time::Instant;

use appmarket::testing::fixtures;
use appmarket::{Actor, CustomerAccount, CustomerId, ManualClock, Marketplace, PaymentMethod};

fn main() -> Result<(), appmarket::Error> {
    let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).build()?;
    let product = market.list_product(&Actor::seller("isv-1")?, fixtures::saas_draft())?;
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice")?))?;
    let alice = Actor::customer("alice")?;
    let request = fixtures::standard_monthly(product.id);

    let n = 200_000;
    let start = Instant::now();
    for _ in 0..n {
        std::hint::black_box(market.quote_purchase(&appmarket::Actor::System, &request)?);
    }
    let quote = start.elapsed().as_secs_f64() / f64::from(n) * 1e6;

    let n = 20_000;
    let start = Instant::now();
    for _ in 0..n {
        let order = market.place_order(&alice, request.clone())?;
        market.accept_terms(&alice, &order.id)?;
        std::hint::black_box(market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard))?);
    }
    let purchase = start.elapsed().as_secs_f64() / f64::from(n) * 1e6;
    println!("rust   quote_purchase:                 {quote:8.2} µs/call");
    println!("rust   place+accept+pay (3 calls):     {purchase:8.2} µs/purchase");
    Ok(())
}
