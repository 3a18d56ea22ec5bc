//! The professional-service journey, end to end on the in-memory store: place, accept terms,
//! pay, submit a request, reject it, submit again, accept it, deliver, reject the delivery,
//! deliver again, confirm acceptance, then `tick` 3 hours later completes the order (SUP-4).
//! Target: ≥ 150,000 journeys/s on one core.
//!
//! Two figures, because the in-memory store keeps every record and event (about 6.6 KB per
//! journey), and on a virtual machine the first touch of each new page costs as much as the
//! rules:
//! - `professional_service`: one market for the whole run, which criterion grows to millions of
//!   journeys (what a long-lived process pays, page faults included);
//! - `professional_service_fresh_store`: a fresh market every 2,000 journeys, set up and torn
//!   down outside the timed part (what the rules and the pipeline cost).
//!
//! Two more figures are floors of the journey on this machine, with no rule, no version check,
//! no index and no unit of work: only the data movement of twelve commands on a real service
//! flow kept in a hash map under a lock. Each command copies the flow out under the read lock,
//! changes it, makes one event, puts it back under the write lock (dropping the version it
//! replaces) and appends the event; the caller then drops what it was given.
//! - `floor_of_owned_records`: the caller is given its own copy of the flow, as the facade does
//!   today (two deep copies per command);
//! - `floor_of_shared_records`: the caller is given a shared, immutable snapshot (`Arc`) of what
//!   was stored (one deep copy per command): the design named in ARCHITECTURE.md, Known debts.
//!
//! The target (6.7 µs per journey) is read against them.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use appmarket::event::Event;
use appmarket::store::{Record, Store};
use appmarket::supervision::{Attachment, Delivery, FlowEvent, ServiceFlow, ServiceRequest};
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
        Journeys::on(Arc::new(MemoryStore::new()))
    }

    fn on(store: Arc<MemoryStore>) -> Journeys {
        let clock = ManualClock::new(fixtures::t0());
        let (market, product, buyers) =
            appmarket_benches::market_with(store, clock.clone(), fixtures::professional_service_draft(), 64);
        let seller = Actor::seller("isv-bench").expect("valid id");
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

/// Flows by target, hashed as in the in-memory store.
type Flows = HashMap<Target, Arc<ServiceFlow>, foldhash::fast::RandomState>;

/// What the floor's fixtures are made from: real flows, their buyer, and an event to copy.
type Sample = (Vec<(Target, Box<ServiceFlow>)>, Actor, Event);

/// The floor's fixture: real service flows (paid, a request submitted) in a hash map, and an
/// event stream, under one lock as in the in-memory store.
struct Floor {
    state: RwLock<(Flows, Vec<Event>)>,
    targets: Vec<Target>,
    actor: Actor,
    template: Event,
}

impl Floor {
    /// Flows made by the real pipeline, read back from its store.
    fn sample() -> Sample {
        let store = Arc::new(MemoryStore::new());
        let journeys = Journeys::on(store.clone());
        let (m, buyer) = (&journeys.market, journeys.buyers[0].clone());
        let flows = (0..FRESH_EVERY)
            .map(|_| {
                let order = m.place_order(&buyer, journeys.purchase.clone()).expect("placed");
                m.accept_terms(&buyer, &order.id).expect("accepted");
                let order = m.pay(&buyer, &order.id, Some(PaymentMethod::CreditCard)).expect("paid");
                let flow = order.flow.expect("a service flow");
                m.submit_request(&buyer, &flow, journeys.request.clone()).expect("submitted");
                let target = Target::Flow(flow);
                match store.load(&target).expect("loads") {
                    Some((Record::Flow(flow), _)) => (target, flow),
                    _ => unreachable!("a flow was just written"),
                }
            })
            .collect();
        let template = store.events_since(0, usize::MAX).expect("events").pop().expect("an event");
        (flows, buyer, template)
    }

    fn new(sample: &Sample) -> Floor {
        let (flows, actor, template) = sample;
        Floor {
            state: RwLock::new((
                flows.iter().map(|(t, f)| (t.clone(), Arc::new(ServiceFlow::clone(f)))).collect(),
                Vec::with_capacity(12 * FRESH_EVERY as usize),
            )),
            targets: flows.iter().map(|(t, _)| t.clone()).collect(),
            actor: actor.clone(),
            template: template.clone(),
        }
    }

    /// Twelve commands on the `i`-th flow; the caller is given its own copy (`owned`) or a
    /// shared snapshot.
    fn run(&self, i: u64, owned: bool) {
        let target = &self.targets[i as usize % self.targets.len()];
        for step in 0..12u32 {
            let mut working = ServiceFlow::clone(&self.state.read().expect("not poisoned").0[target]);
            working.request_rejections = step;
            working.updated_at = self.template.at;
            working.last_rejection_reason = Some("Which shop?".to_owned());
            let event = Event {
                seq: u64::from(step),
                at: self.template.at,
                actor: self.actor.clone(),
                target: target.clone(),
                kind: EventKind::Flow(FlowEvent::RequestRejected { reason: "Which shop?".to_owned() }),
                schema_version: self.template.schema_version,
            };
            let stored = Arc::new(working);
            let returned = if owned { Arc::new(ServiceFlow::clone(&stored)) } else { Arc::clone(&stored) };
            {
                let mut state = self.state.write().expect("not poisoned");
                *state.0.get_mut(target).expect("present") = stored;
                state.1.push(event);
            }
            drop(std::hint::black_box(returned));
        }
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
    let sample = Floor::sample();
    for (name, owned) in [("floor_of_owned_records", true), ("floor_of_shared_records", false)] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                appmarket_benches::timed_on_fresh(iters, FRESH_EVERY, || Floor::new(&sample), |f, i| f.run(i, owned))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, journey);
criterion_main!(benches);
