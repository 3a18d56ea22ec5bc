//! Builds a SQLite marketplace of N paid apps through the facade, for timing `appmarket migrate`
//! and `appmarket verify` at scale (run it in release mode):
//!
//! ```sh
//! cargo run --release -p appmarket-cli --example big_store -- market.db 1000000
//! ```
//!
//! One seller lists the SaaS product of the fixtures; 1,000 customers each place, accept and pay
//! orders of it in turn (a month's 10 licences by card), so every app is an order, an app and
//! their events, as a host would have made them. The clock advances a minute every 1,000 apps.

use std::sync::Arc;
use std::time::Instant;

use appmarket::store::Store;
use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_sqlite::{SqliteOptions, SqliteStore};

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "market.db".into());
    let apps: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let options = SqliteOptions { number_block: 4096, ..SqliteOptions::default() };
    let store = Arc::new(SqliteStore::open_with(&path, options)?);
    let clock = ManualClock::new(fixtures::t0());
    let market = Marketplace::builder().store(store as Arc<dyn Store>).clock(clock.clone()).build()?;
    let seller = Actor::seller("isv-1")?;
    let product = market.list_product(&seller, fixtures::saas_draft())?;
    let customers: Vec<Actor> = (0..1000)
        .map(|i| {
            let id = CustomerId::parse(&format!("customer-{i:04}"))?;
            market.register_customer(CustomerAccount::with_card(id.clone()))?;
            Ok(Actor::Customer(id))
        })
        .collect::<Result<_, Error>>()?;
    let started = Instant::now();
    for n in 0..apps {
        let customer = &customers[n % customers.len()];
        let order = market.place_order(customer, fixtures::standard_monthly(product.id.clone()))?;
        market.accept_terms(customer, &order.id)?;
        market.pay(customer, &order.id, Some(PaymentMethod::CreditCard))?;
        if (n + 1) % 1000 == 0 {
            clock.advance(chrono::Duration::minutes(1))?;
        }
        if (n + 1) % 50_000 == 0 {
            let secs = started.elapsed().as_secs_f64();
            eprintln!("{} apps in {secs:.0} s ({:.0} apps/s)", n + 1, (n + 1) as f64 / secs);
        }
    }
    eprintln!("{apps} apps in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}
