//! The professional-service journey, end to end on the in-memory store: place, accept terms,
//! pay, submit a request, reject it, submit again, accept it, deliver, reject the delivery,
//! deliver again, confirm acceptance, then `tick` 3 hours later completes the order (SUP-4).
//! Target (issue 11): ≥ 150,000 journeys/s on one core.
//!
//! Two figures, because the in-memory store keeps every record and event (about 6.6 KB per
//! journey), and on a virtual machine the first touch of each new page costs as much as the
//! rules:
//! - `professional_service`: one market for the whole run, which criterion grows to millions of
//!   journeys (what a long-lived process pays, page faults included);
//! - `professional_service_fresh_store`: a fresh market every 2,000 journeys, set up and torn
//!   down outside the timed part (what the rules and the pipeline cost).

use std::sync::Arc;

use appmarket::supervision::{Attachment, Delivery, ServiceRequest};
use appmarket::testing::fixtures;
use appmarket::*;
use chrono::Duration;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Journeys per market in the fresh-store figure.
const FRESH_EVERY: u64 = 2_000;

/// A market with the professional-service product and its buyers.
struct Journeys {
    clock: ManualClock,
    market: Marketplace,
    seller: Actor,
    buyers: Vec<Actor>,
    purchase: PurchaseRequest,
    request: ServiceRequest,
    done: usize,
}

impl Journeys {
    fn new() -> Journeys {
        let clock = ManualClock::new(fixtures::t0());
        let market = Marketplace::builder()
            .clock(clock.clone())
            .store(Arc::new(MemoryStore::new()))
            .payments(Arc::new(SimulatedPayments::new()))
            .build()
            .expect("valid policy");
        let seller = Actor::seller("isv-bench").expect("valid id");
        let product = market.list_product(&seller, fixtures::professional_service_draft()).expect("valid draft");
        let buyers = (0..64)
            .map(|i| {
                let id = CustomerId::parse(&format!("c{i}")).expect("valid id");
                market.register_customer(CustomerAccount::with_card(id.clone())).expect("registered");
                Actor::Customer(id)
            })
            .collect();
        let purchase = fixtures::basic_migration(product.id.clone());
        let request = ServiceRequest {
            description: "Move the shop to the new cloud.".into(),
            attachments: vec![Attachment { name: "plan.pdf".into(), bytes: 1024 }],
        };
        Journeys { clock, market, seller, buyers, purchase, request, done: 0 }
    }

    /// One journey; returns what the final `tick` did.
    fn run(&mut self) -> TickReport {
        let (market, seller) = (&self.market, &self.seller);
        let buyer = &self.buyers[self.done % self.buyers.len()];
        self.done += 1;
        let order = market.place_order(buyer, self.purchase.clone()).expect("placed");
        market.accept_terms(buyer, &order.id).expect("accepted");
        let order = market.pay(buyer, &order.id, Some(PaymentMethod::CreditCard)).expect("paid");
        let flow = order.flow.expect("a service flow");
        market.submit_request(buyer, &flow, self.request.clone()).expect("submitted");
        market.reject_request(seller, &flow, "Which shop?").expect("rejected");
        market.submit_request(buyer, &flow, self.request.clone()).expect("submitted again");
        market.accept_request(seller, &flow).expect("accepted");
        market.deliver(seller, &flow, Delivery::default(), None).expect("delivered");
        market.reject_delivery(buyer, &flow, "Images missing").expect("rejected");
        market.deliver(seller, &flow, Delivery::default(), None).expect("delivered again");
        market.confirm_acceptance(buyer, &flow).expect("confirmed");
        self.clock.advance(Duration::hours(3)).expect("forward");
        market.tick(&Actor::System).expect("tick")
    }
}

fn journey(c: &mut Criterion) {
    let mut group = c.benchmark_group("journey");
    group.throughput(Throughput::Elements(1));
    let mut grown = Journeys::new();
    group.bench_function("professional_service", |b| b.iter(|| grown.run()));
    group.bench_function("professional_service_fresh_store", |b| {
        b.iter_custom(|iters| appmarket_benches::timed_on_fresh(iters, FRESH_EVERY, Journeys::new, |j, _| j.run()))
    });
    group.finish();
}

criterion_group!(benches, journey);
criterion_main!(benches);
