//! The professional-service journey, end to end on the in-memory store: place, accept terms,
//! pay, submit a request, reject it, submit again, accept it, deliver, reject the delivery,
//! deliver again, confirm acceptance, then `tick` 3 hours later completes the order (SUP-4).
//! Target (issue 11): ≥ 150,000 journeys/s on one core.

use std::sync::Arc;

use appmarket::supervision::{Attachment, Delivery, ServiceRequest};
use appmarket::testing::fixtures;
use appmarket::*;
use chrono::Duration;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn journey(c: &mut Criterion) {
    let clock = ManualClock::new(fixtures::t0());
    let market = Marketplace::builder()
        .clock(clock.clone())
        .store(Arc::new(MemoryStore::new()))
        .payments(Arc::new(SimulatedPayments::new()))
        .build()
        .expect("valid policy");
    let seller = Actor::seller("isv-bench").expect("valid id");
    let product = market.list_product(&seller, fixtures::professional_service_draft()).expect("valid draft");
    let buyers: Vec<Actor> = (0..64)
        .map(|i| {
            let id = CustomerId::parse(&format!("c{i}")).expect("valid id");
            market.register_customer(CustomerAccount::with_card(id.clone())).expect("registered");
            Actor::Customer(id)
        })
        .collect();
    let purchase = PurchaseRequest {
        product: product.id.clone(),
        specification: "Basic Migration".into(),
        mode: BillingMode::OneTime,
        quantity: 1,
        periods: 1,
    };
    let request = ServiceRequest {
        description: "Move the shop to the new cloud.".into(),
        attachments: vec![Attachment { name: "plan.pdf".into(), bytes: 1024 }],
    };
    let mut i = 0usize;
    let mut group = c.benchmark_group("journey");
    group.throughput(Throughput::Elements(1));
    group.bench_function("professional_service", |b| {
        b.iter(|| {
            let buyer = &buyers[i % buyers.len()];
            i += 1;
            let order = market.place_order(buyer, purchase.clone()).expect("placed");
            market.accept_terms(buyer, &order.id).expect("accepted");
            let order = market.pay(buyer, &order.id, Some(PaymentMethod::CreditCard)).expect("paid");
            let flow = order.flow.expect("a service flow");
            market.submit_request(buyer, &flow, request.clone()).expect("submitted");
            market.reject_request(&seller, &flow, "Which shop?").expect("rejected");
            market.submit_request(buyer, &flow, request.clone()).expect("submitted again");
            market.accept_request(&seller, &flow).expect("accepted");
            market.deliver(&seller, &flow, Delivery::default(), None).expect("delivered");
            market.reject_delivery(buyer, &flow, "Images missing").expect("rejected");
            market.deliver(&seller, &flow, Delivery::default(), None).expect("delivered again");
            market.confirm_acceptance(buyer, &flow).expect("confirmed");
            clock.advance(Duration::hours(3)).expect("forward");
            market.tick(&Actor::System).expect("tick")
        })
    });
    group.finish();
}

criterion_group!(benches, journey);
criterion_main!(benches);
