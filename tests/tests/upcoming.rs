//! Differential property of the preview of upcoming charges (UPC-1): on a random marketplace,
//! what `upcoming` shows up to an instant is, item for item, what `tick` then does when a
//! ticker runs it at every instant something falls due up to that instant, with a gateway that
//! pays every charge and refund — and the preview itself changes nothing.
//!
//! The state comes from the random command sequences of `appmarket_tests::commands` (orders
//! left unpaid, renewals, auto-renewals, upgrades, supervised flows and appeals, downgrades,
//! unsubscriptions, `tick` and clock steps), with pay-per-use apps and declined charges added
//! (arrears, auto-renewal retries). The events `tick` records are read back into items here,
//! independently of the preview's own reading.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use appmarket::app::AppEvent;
use appmarket::order::OrderEvent;
use appmarket::payments::{ChargeRequest, PaymentError, Receipt, RefundRequest};
use appmarket::supervision::{CloseReason, FlowEvent};
use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_tests::commands::{Op, World, op, run_checked};
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use rust_decimal::Decimal;

/// The simulated gateway until the preview, then one that pays every charge and refund (the
/// preview's assumption), each key once.
#[derive(Default)]
struct Gateway {
    simulated: SimulatedPayments,
    pays: AtomicBool,
}

impl PaymentGateway for Gateway {
    fn charge(&self, request: &ChargeRequest) -> Result<Receipt, PaymentError> {
        if !self.pays.load(Ordering::SeqCst) {
            return self.simulated.charge(request);
        }
        Ok(Receipt { id: format!("paid:{}", request.idempotency_key), amount: request.amount, method: request.method })
    }

    fn refund(&self, request: &RefundRequest) -> Result<Receipt, PaymentError> {
        if !self.pays.load(Ordering::SeqCst) {
            return self.simulated.refund(request);
        }
        Ok(Receipt {
            id: format!("refund:{}", request.idempotency_key),
            amount: request.amount,
            method: request.method,
        })
    }
}

/// One step of the random state: a command sequence's step, or one of the steps it lacks.
#[derive(Debug, Clone)]
enum Setup {
    Op(Op),
    /// A customer buys the hourly product pay-per-use and pays by card.
    BuyHourly {
        customer: usize,
        quantity: u32,
    },
    /// The gateway declines the customer's next charge.
    Decline {
        customer: usize,
    },
    /// A customer buys a licence (or a professional service), the seller delivers and the
    /// customer accepts (or not), and auto-renewal is set (or not).
    BuySupervised {
        customer: usize,
        service: bool,
        yearly: bool,
        accept: bool,
        auto: Option<(u32, bool)>,
    },
    /// A customer buys SaaS licences monthly and schedules a downgrade to 5 (or not).
    BuySaas {
        customer: usize,
        quantity: u32,
        downgrade: bool,
    },
    /// The clock moves on by days, without a tick.
    Jump {
        days: i64,
    },
}

fn setup() -> impl Strategy<Value = Setup> {
    prop_oneof![
        12 => op().prop_map(Setup::Op),
        2 => (0..2usize, 1..4u32).prop_map(|(customer, quantity)| Setup::BuyHourly { customer, quantity }),
        2 => (0..2usize).prop_map(|customer| Setup::Decline { customer }),
        3 => (0..2usize, any::<bool>(), any::<bool>(), prop::bool::weighted(0.8), prop::option::of((0..8u32, any::<bool>())))
            .prop_map(|(customer, service, yearly, accept, auto)| Setup::BuySupervised { customer, service, yearly, accept, auto }),
        2 => (0..2usize, prop::sample::select(vec![10u32, 20]), any::<bool>())
            .prop_map(|(customer, quantity, downgrade)| Setup::BuySaas { customer, quantity, downgrade }),
        2 => prop_oneof![3 => 1..10i64, 2 => 10..40i64, 1 => 150..300i64].prop_map(|days| Setup::Jump { days }),
    ]
}

/// The products the extra steps buy: a licence, a professional service, SaaS.
struct Products {
    hourly: Product,
    licence: Product,
    service: Product,
    saas: Product,
}

/// Runs one extra step; a refusal (an app not renewable any more, a declined payment) is part
/// of the random state.
fn run(world: &World, gateway: &Gateway, products: &Products, step: &Setup) {
    let m = &world.market;
    let seller = |p: &Product| Actor::Seller(p.seller.clone());
    match step {
        Setup::Op(_) => unreachable!("run by the command sequences' runner"),
        Setup::BuyHourly { customer: c, quantity } => {
            let by = Actor::Customer(customer(*c));
            let request = PurchaseRequest {
                product: products.hourly.id.clone(),
                specification: "Standard".into(),
                mode: BillingMode::PayPerUse,
                quantity: quantity * 5,
                periods: 1,
            };
            let order = m.place_order(&by, request).unwrap();
            m.accept_terms(&by, &order.id).unwrap();
            let _ = m.pay(&by, &order.id, Some(PaymentMethod::CreditCard));
        }
        Setup::Decline { customer: c } => gateway.simulated.decline_next(&customer(*c), "card expired"),
        Setup::BuySupervised { customer: c, service, yearly, accept, auto } => {
            let by = Actor::Customer(customer(*c));
            let product = if *service { &products.service } else { &products.licence };
            let spec = &product.specifications[0];
            let mode = if *service || !yearly { BillingMode::Monthly } else { BillingMode::Yearly };
            let request = PurchaseRequest {
                product: product.id.clone(),
                specification: spec.name.clone(),
                mode,
                quantity: 1,
                periods: 1,
            };
            let order = m.place_order(&by, request).unwrap();
            m.accept_terms(&by, &order.id).unwrap();
            let Ok(paid) = m.pay(&by, &order.id, Some(PaymentMethod::CreditCard)) else { return };
            let (Some(app), Some(flow)) = (paid.app, paid.flow) else { return };
            if !accept {
                return;
            }
            if *service {
                let request =
                    appmarket::supervision::ServiceRequest { description: "Migrate it.".into(), attachments: vec![] };
                m.submit_request(&by, &flow, request).unwrap();
                m.accept_request(seller(product), &flow).unwrap();
            }
            m.deliver(seller(product), &flow, appmarket::supervision::Delivery::default(), None).unwrap();
            m.confirm_acceptance(&by, &flow).unwrap();
            if let Some((days_before, balance)) = auto {
                let method = if *balance { PaymentMethod::Balance } else { PaymentMethod::CreditCard };
                m.set_auto_renewal(&by, &app, 1, 0, *days_before, Some(method)).unwrap();
            }
        }
        Setup::BuySaas { customer: c, quantity, downgrade } => {
            let by = Actor::Customer(customer(*c));
            let request = PurchaseRequest {
                product: products.saas.id.clone(),
                specification: "Standard".into(),
                mode: BillingMode::Monthly,
                quantity: *quantity,
                periods: 1,
            };
            let order = m.place_order(&by, request).unwrap();
            m.accept_terms(&by, &order.id).unwrap();
            let Ok(paid) = m.pay(&by, &order.id, Some(PaymentMethod::CreditCard)) else { return };
            if *downgrade {
                m.schedule_downgrade(&by, &paid.app.unwrap(), "Standard", 5).unwrap();
            }
        }
        Setup::Jump { days } => world.clock.advance(Duration::days(*days)).unwrap(),
    }
}

/// How far the preview looks: hours ahead, or up to the k-th instant the due index names.
#[derive(Debug, Clone)]
enum Horizon {
    Hours(i64),
    DueInstant(usize),
}

const CUSTOMERS: [&str; 2] = ["alice", "bob"];

fn customer(i: usize) -> CustomerId {
    CustomerId::parse(CUSTOMERS[i % 2]).unwrap()
}

/// A SaaS product billed 0.37 an hour for the whole configuration.
fn hourly() -> ProductDraft {
    let mut draft = fixtures::saas_draft();
    draft.name = "Hourly Mail".into();
    draft.specifications.truncate(1);
    let price = Money::parse("0.37 USD").unwrap();
    draft.specifications[0].plans = vec![PricePlan { mode: BillingMode::PayPerUse, price, per_unit: false }];
    draft
}

/// What an item is compared by.
type Item = (
    DateTime<Utc>,
    Target,
    UpcomingKind,
    Option<AppId>,
    Option<Money>,
    Option<PaymentMethod>,
    u32,
    Option<DateTime<Utc>>,
    Option<String>,
    Option<u32>,
);

fn key(i: &UpcomingItem) -> Item {
    (
        i.at,
        i.target.clone(),
        i.kind,
        i.app.clone(),
        i.amount,
        i.method,
        i.attempt,
        i.expires_at,
        i.specification.clone(),
        i.quantity,
    )
}

/// A pay-per-use app's settlements in the window: count, started hours, total.
type Usage = (u32, u64, Decimal);

/// An app's declined auto-renewal charges, owed settlements (number → amount, declined
/// attempts) and settlement method.
type AppBefore = (u32, HashMap<u32, (Money, u32)>, Option<PaymentMethod>);

/// What the state was before `tick` ran, where the events do not say it.
struct Before {
    /// Each app as it was.
    apps: HashMap<AppId, AppBefore>,
}

fn before(market: &Marketplace) -> Before {
    let mut apps = HashMap::new();
    for c in CUSTOMERS {
        let by = Actor::customer(c).unwrap();
        for app in market.apps(&by, &AppFilter::default(), 1, Some(100)).unwrap().items {
            let declined = app.auto_renewal.map_or(0, |a| a.declined);
            let m = app.metering.as_deref();
            let owed =
                m.map(|m| m.owed.iter().map(|c| (c.number, (c.amount, c.attempts))).collect()).unwrap_or_default();
            apps.insert(app.id.clone(), (declined, owed, m.and_then(|m| m.method)));
        }
    }
    Before { apps }
}

/// The customer a target belongs to.
fn owner(market: &Marketplace, target: &Target) -> CustomerId {
    let system = Actor::System;
    match target {
        Target::App(id) => market.app(&system, id).unwrap().customer,
        Target::Order(id) => market.order(&system, id).unwrap().customer,
        Target::Flow(id) => market.flow(&system, id).unwrap().customer,
        other => panic!("{other} has no scheduled work"),
    }
}

fn app_of(order: &Order) -> Option<AppId> {
    match &order.kind {
        OrderKind::Upgrade { app, .. } | OrderKind::Renewal { app, .. } => Some(app.clone()),
        _ => None,
    }
}

/// What `tick` did, read from its events as items, and each pay-per-use app's settlements.
fn happened(market: &Marketplace, before: &mut Before, events: &[Event]) -> (Vec<Item>, HashMap<AppId, Usage>) {
    let system = Actor::System;
    let mut items = Vec::new();
    let mut usage: HashMap<AppId, Usage> = HashMap::new();
    // The payment of the order an auto-renewal just placed; the order of a flow being closed.
    let mut paid: Option<(Option<PaymentMethod>, Money)> = None;
    let mut placed: Vec<Target> = Vec::new();
    let mut closing: Option<(Target, usize)> = None;
    for e in events {
        assert_eq!(e.actor, Actor::System, "only tick acts: {e:?}");
        let at = e.at;
        let item = |items: &mut Vec<Item>, target: &Target, kind: UpcomingKind, app: Option<AppId>| {
            items.push((at, target.clone(), kind, app, None, None, 0, None, None, None));
            items.len() - 1
        };
        match (&e.kind, &e.target) {
            (EventKind::Order(OrderEvent::Placed { .. }), t) => placed.push(t.clone()),
            (EventKind::Order(OrderEvent::Paid { method, amount, .. }), _) => paid = Some((Some(*method), *amount)),
            (EventKind::Order(OrderEvent::SettledByReseller { amount, .. }), _) => paid = Some((None, *amount)),
            (EventKind::Order(OrderEvent::Cancelled { .. }), t @ Target::Order(id)) => {
                let order = market.order(&system, id).unwrap();
                let i = item(&mut items, t, UpcomingKind::OrderCancelled, app_of(&order));
                items[i].4 = Some(order.quote.total);
            }
            (EventKind::Order(OrderEvent::Completed), t @ Target::Order(id)) => {
                let of_closing = closing.as_ref().is_some_and(|(order, _)| order == t);
                if !placed.contains(t) && !of_closing {
                    let order = market.order(&system, id).unwrap();
                    item(&mut items, t, UpcomingKind::OrderCompleted, app_of(&order));
                }
            }
            (EventKind::Order(OrderEvent::Unsubscribed { refund }), t) => {
                let (order, at) = closing.clone().expect("only a closed flow unsubscribes in tick");
                assert_eq!(&order, t);
                items[at].4 = Some(*refund);
            }
            (EventKind::Flow(FlowEvent::Closed { reason: CloseReason::MaxAge }), t @ Target::Flow(id)) => {
                let flow = market.flow(&system, id).unwrap();
                let i = item(&mut items, t, UpcomingKind::FlowClosed, Some(flow.app.clone()));
                closing = Some((Target::Order(flow.order), i));
            }
            (EventKind::App(event), t @ Target::App(id)) => {
                // An app not listed before (a supervised one in provisioning) owed nothing.
                let (declined, owed, method) = before.apps.entry(id.clone()).or_default();
                let some = Some(id.clone());
                match event {
                    AppEvent::Renewed { auto: true, term, .. } => {
                        let (by, amount) = paid.take().expect("an auto-renewal pays its order first");
                        let attempt = *declined + 1;
                        *declined = 0;
                        let i = item(&mut items, t, UpcomingKind::AutoRenewalCharge, some);
                        let i = &mut items[i];
                        (i.4, i.5, i.6, i.7) = (Some(amount), by, attempt, Some(term.expires_at));
                    }
                    AppEvent::UsageRetried { number, receipt: Some(_), .. } => {
                        let (amount, attempts) = owed[number];
                        let method = *method;
                        let i = item(&mut items, t, UpcomingKind::UsageRetry, some);
                        let i = &mut items[i];
                        (i.4, i.5, i.6) = (Some(amount), method, attempts + 1);
                    }
                    AppEvent::UsageSettled { cycle } => {
                        let u = usage.entry(id.clone()).or_default();
                        *u = (u.0 + 1, u.1 + cycle.hours, u.2 + cycle.amount.amount);
                    }
                    AppEvent::ExpiryReminder { expires_at, .. } => {
                        let i = item(&mut items, t, UpcomingKind::ExpiryReminder, some);
                        items[i].7 = Some(*expires_at);
                    }
                    AppEvent::GracePeriodStarted => {
                        item(&mut items, t, UpcomingKind::GracePeriod, some);
                    }
                    AppEvent::Frozen => {
                        item(&mut items, t, UpcomingKind::Frozen, some);
                    }
                    AppEvent::Released => {
                        item(&mut items, t, UpcomingKind::Released, some);
                    }
                    AppEvent::ArrearsCleared { .. } => {
                        item(&mut items, t, UpcomingKind::ArrearsCleared, some);
                    }
                    AppEvent::DowngradeApplied { specification, quantity, .. } => {
                        let i = item(&mut items, t, UpcomingKind::DowngradeApplied, some);
                        items[i].8 = Some(specification.clone());
                        items[i].9 = Some(*quantity);
                    }
                    AppEvent::ChargeDeclined { .. } => panic!("the gateway pays everything: {e:?}"),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    (items, usage)
}

/// Every event after `seq`, a page of `events_since` at a time.
fn events_after(market: &Marketplace, mut seq: u64) -> Vec<Event> {
    let mut all = Vec::new();
    loop {
        let page = market.events_since(seq, 10_000).unwrap();
        let Some(last) = page.last() else { return all };
        seq = last.seq;
        all.extend(page);
    }
}

/// Runs `tick` as a ticker would up to `until`: at the clock's instant, then at every instant
/// the store's due index names, each time again while something was left due at that instant.
fn tick_through(world: &World, store: &MemoryStore, until: DateTime<Utc>) {
    let drain = || {
        // A pay-per-use app far behind takes `max_settlements_per_tick` cycles a tick.
        for _ in 0..100_000 {
            if world.market.tick(&Actor::System).unwrap().examined == 0 {
                return;
            }
        }
        panic!("tick keeps finding work at {}", world.clock.now());
    };
    drain();
    while let Some(next) = store.next_due(world.clock.now()).unwrap().filter(|n| *n <= until) {
        world.clock.set(next).unwrap();
        drain();
    }
    world.clock.set(until).unwrap();
    drain();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, max_shrink_iters: 1_000, ..ProptestConfig::default() })]

    #[test]
    fn upc_1_the_preview_is_what_tick_then_does(
        steps in prop::collection::vec(setup(), 1..40),
        horizon in prop_oneof![
            (1..72i64).prop_map(Horizon::Hours),
            (72..24 * 40i64).prop_map(Horizon::Hours),
            (24 * 40..24 * 120i64).prop_map(Horizon::Hours),
            (1..8usize).prop_map(Horizon::DueInstant),
        ],
    ) {
        let store = Arc::new(MemoryStore::new());
        let gateway = Arc::new(Gateway::default());
        let shot = Arc::clone(&store);
        let mut world = World::with_gateway(store.clone(), move || shot.snapshot(), gateway.clone());
        let seller = Actor::seller("isv-3").unwrap();
        let list = |draft| world.market.list_product(&seller, draft).unwrap();
        let products = Products {
            hourly: list(hourly()),
            licence: list(fixtures::license_draft()),
            service: list(fixtures::professional_service_draft()),
            saas: list(fixtures::saas_draft()),
        };
        for step in &steps {
            match step {
                Setup::Op(op) => {
                    run_checked(&mut world, std::slice::from_ref(op));
                }
                other => run(&world, &gateway, &products, other),
            }
        }
        let now = world.clock.now();
        let until = match horizon {
            Horizon::Hours(hours) => now + Duration::hours(hours),
            // Exactly the instant something falls due: the boundary is included.
            Horizon::DueInstant(k) => {
                let mut at = now;
                for _ in 0..k {
                    at = store.next_due(at).unwrap().unwrap_or(at + Duration::hours(1));
                }
                at.min(now + Duration::days(300))
            }
        };
        let operator = Actor::operator("ops").unwrap();

        // The previews, and the proof that they changed nothing.
        let (snapshot, seq) = (world.snapshot(), events_after(&world.market, 0).last().map_or(0, |e| e.seq));
        let mut previews = BTreeMap::new();
        for c in CUSTOMERS {
            let by = Actor::customer(c).unwrap();
            let page = world.market.upcoming(&by, until, None, 1, Some(20)).unwrap();
            prop_assert_eq!(page.total, 1);
            previews.insert(c.to_owned(), page.items.into_iter().next().unwrap());
        }
        let all = world.market.upcoming(&operator, until, None, 1, Some(100)).unwrap();
        for u in &all.items {
            prop_assert_eq!(u, &previews[u.customer.as_str()], "the operator sees the customer's own preview");
        }
        prop_assert_eq!(world.snapshot(), snapshot, "a preview commits nothing");

        // Then the ticks, with a gateway that pays.
        let mut state = before(&world.market);
        gateway.pays.store(true, Ordering::SeqCst);
        tick_through(&world, &store, until);
        let events = events_after(&world.market, seq);
        let (done, settled) = happened(&world.market, &mut state, &events);
        let mut by_customer: BTreeMap<String, Vec<Item>> = BTreeMap::new();
        for item in done {
            by_customer.entry(owner(&world.market, &item.1).as_str().to_owned()).or_default().push(item);
        }
        for (c, preview) in &previews {
            let mut shown: Vec<Item> = preview.items.iter().map(key).collect();
            let mut did = by_customer.remove(c).unwrap_or_default();
            // The same instant's items in one order on both sides.
            let order = |a: &Item, b: &Item| (a.0, &a.1, a.2, format!("{a:?}")).cmp(&(b.0, &b.1, b.2, format!("{b:?}")));
            shown.sort_by(order);
            did.sort_by(order);
            prop_assert_eq!(&shown, &did, "customer {}: previewed, then done", c);
            if !shown.is_empty() {
                prop_assert!(all.items.iter().any(|u| u.customer.as_str() == c), "{} has work: the operator sees it", c);
            }
            for forecast in &preview.usage {
                let (n, hours, amount) = settled.get(&forecast.app).copied().unwrap_or_default();
                prop_assert_eq!(
                    (forecast.settlements, forecast.hours, forecast.amount.amount),
                    (n, hours, amount),
                    "settlements of {}", forecast.app
                );
            }
            let forecast_apps = preview.usage.iter().map(|f| &f.app).collect::<Vec<_>>();
            for app in settled.keys().filter(|a| owner(&world.market, &Target::App((*a).clone())).as_str() == c) {
                prop_assert!(forecast_apps.contains(&app), "{} settled without a forecast", app);
            }
        }
        prop_assert!(by_customer.is_empty(), "done for no customer previewed: {:?}", by_customer);
    }
}
