//! Random command sequences over a [`Marketplace`], reusable on any [`Store`]: customers,
//! sellers, the operator, the system's `tick`, and clock steps.
//!
//! [`op`] generates one [`Op`]; a [`World`] runs them on a marketplace over a store and checks
//! the library's invariants ([`World::check_invariants`]); [`run_checked`] runs a whole
//! sequence and returns every outcome, so that two stores can be compared step by step.

use std::collections::HashMap;
use std::sync::Arc;

use appmarket::store::{Record, Store, StoreSnapshot};
use appmarket::supervision::{Delivery, FlowStatus, ServiceRequest};
use appmarket::testing::fixtures;
use appmarket::*;
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;

const CUSTOMERS: [&str; 2] = ["alice", "bob"];
const SELLERS: [&str; 2] = ["isv-1", "isv-2"];
const STEPS: [i64; 5] = [3_600, 3 * 3_600, 86_400, 5 * 86_400 + 1, 31 * 86_400];

/// One step of a random sequence; indices pick among what exists so far.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub enum Op {
    Advance(usize),
    Tick,
    Place { customer: usize, product: usize, mode: usize, quantity: u32, periods: u32 },
    Buy { customer: usize, product: usize, yearly: bool, periods: u32 },
    AcceptTerms { customer: usize, order: usize },
    Pay { customer: usize, order: usize, method: usize },
    Cancel { customer: usize, order: usize },
    Upgrade { customer: usize, app: usize, quantity: u32 },
    Renew { customer: usize, app: usize, periods: u32 },
    AutoRenew { customer: usize, app: usize, days_before: u32 },
    Unsubscribe { customer: usize, app: usize },
    RequestInvoice { customer: usize, order: usize },
    IssueInvoice { invoice: usize },
    ReturnInvoice { customer: usize, invoice: usize },
    Flow { actor: usize, flow: usize, action: usize },
    Resolve { appeal: usize, how: usize },
    RequestRefund { customer: usize, order: usize },
    DecideRefund { seller: usize, order: usize, approve: bool },
    DeleteApp { customer: usize, app: usize },
    PayArrears { customer: usize, app: usize },
    ScheduleDowngrade { customer: usize, app: usize },
    CancelDowngrade { customer: usize, app: usize },
}

/// Generates one step.
pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..STEPS.len()).prop_map(Op::Advance),
        Just(Op::Tick),
        (0..2usize, 0..4usize, 0..4usize, prop::sample::select(vec![1u32, 5, 10, 20, 7]), 0..4u32).prop_map(
            |(customer, product, mode, quantity, periods)| Op::Place { customer, product, mode, quantity, periods }
        ),
        (0..2usize, 0..4usize, any::<bool>(), 1..3u32).prop_map(|(customer, product, yearly, periods)| Op::Buy {
            customer,
            product,
            yearly,
            periods
        }),
        (0..2usize, 0..4usize, any::<bool>(), 1..3u32).prop_map(|(customer, product, yearly, periods)| Op::Buy {
            customer,
            product,
            yearly,
            periods
        }),
        (0..2usize, 0..8usize).prop_map(|(customer, order)| Op::AcceptTerms { customer, order }),
        (0..2usize, 0..8usize, 0..4usize).prop_map(|(customer, order, method)| Op::Pay { customer, order, method }),
        (0..2usize, 0..8usize).prop_map(|(customer, order)| Op::Cancel { customer, order }),
        (0..2usize, 0..6usize, prop::sample::select(vec![5u32, 20, 30]))
            .prop_map(|(customer, app, quantity)| Op::Upgrade { customer, app, quantity }),
        (0..2usize, 0..6usize, 0..3u32).prop_map(|(customer, app, periods)| Op::Renew { customer, app, periods }),
        (0..2usize, 0..6usize, 0..9u32).prop_map(|(customer, app, days_before)| Op::AutoRenew {
            customer,
            app,
            days_before
        }),
        (0..2usize, 0..6usize).prop_map(|(customer, app)| Op::Unsubscribe { customer, app }),
        (0..2usize, 0..8usize).prop_map(|(customer, order)| Op::RequestInvoice { customer, order }),
        (0..4usize).prop_map(|invoice| Op::IssueInvoice { invoice }),
        (0..2usize, 0..4usize).prop_map(|(customer, invoice)| Op::ReturnInvoice { customer, invoice }),
        (0..5usize, 0..4usize, 0..8usize).prop_map(|(actor, flow, action)| Op::Flow { actor, flow, action }),
        (0..3usize, 0..4usize).prop_map(|(appeal, how)| Op::Resolve { appeal, how }),
        (0..2usize, 0..8usize).prop_map(|(customer, order)| Op::RequestRefund { customer, order }),
        (0..2usize, 0..8usize, any::<bool>()).prop_map(|(seller, order, approve)| Op::DecideRefund {
            seller,
            order,
            approve
        }),
        (0..2usize, 0..6usize).prop_map(|(customer, app)| Op::DeleteApp { customer, app }),
        (0..2usize, 0..6usize).prop_map(|(customer, app)| Op::PayArrears { customer, app }),
        (0..2usize, 0..6usize).prop_map(|(customer, app)| Op::ScheduleDowngrade { customer, app }),
        (0..2usize, 0..6usize).prop_map(|(customer, app)| Op::CancelDowngrade { customer, app }),
    ]
}

/// A marketplace over some store, with what the sequence has made so far.
pub struct World {
    /// The marketplace under test.
    pub market: Marketplace,
    snapshot: Box<dyn Fn() -> StoreSnapshot>,
    /// Its clock.
    pub clock: ManualClock,
    products: Vec<Product>,
    orders: Vec<OrderId>,
    apps: Vec<AppId>,
    flows: Vec<FlowId>,
    appeals: Vec<AppealId>,
    invoices: Vec<InvoiceId>,
    expiries: HashMap<AppId, DateTime<Utc>>,
}

fn pick<T: Clone>(items: &[T], i: usize) -> Option<T> {
    (!items.is_empty()).then(|| items[i % items.len()].clone())
}

fn customer(i: usize) -> Actor {
    Actor::customer(CUSTOMERS[i % 2]).unwrap()
}

impl World {
    /// A world over a new [`MemoryStore`].
    pub fn new() -> World {
        let store = Arc::new(MemoryStore::new());
        let shot = Arc::clone(&store);
        World::with_store(store, move || shot.snapshot())
    }

    /// A world over an empty `store`; `snapshot` reads everything it holds, in the order of
    /// [`MemoryStore::snapshot`]. The marketplace id is fixed (`"props"`), so that two worlds
    /// over two stores make the same payment keys.
    pub fn with_store(store: Arc<dyn Store>, snapshot: impl Fn() -> StoreSnapshot + 'static) -> World {
        World::with_gateway(store, snapshot, Arc::new(SimulatedPayments::new()))
    }

    /// [`World::with_store`] paying through `gateway`.
    pub fn with_gateway(
        store: Arc<dyn Store>,
        snapshot: impl Fn() -> StoreSnapshot + 'static,
        gateway: Arc<dyn PaymentGateway>,
    ) -> World {
        let clock = ManualClock::new(fixtures::t0());
        // Downgrades at renewal on (PRC-8), so that the sequences schedule and cancel them too.
        let policy = Policy { downgrade_at_renewal: true, ..Policy::default() };
        let market = Marketplace::builder()
            .clock(clock.clone())
            .store(store)
            .payments(gateway)
            .policy(policy)
            .marketplace_id("props")
            .build()
            .unwrap();
        for c in CUSTOMERS {
            market.register_customer(CustomerAccount::with_card(CustomerId::parse(c).unwrap())).unwrap();
        }
        let s1 = Actor::seller(SELLERS[0]).unwrap();
        let s2 = Actor::seller(SELLERS[1]).unwrap();
        let products = vec![
            market.list_product(&s1, fixtures::saas_draft()).unwrap(),
            market.list_product(&s1, fixtures::license_draft()).unwrap(),
            market.list_product(&s2, fixtures::professional_service_draft()).unwrap(),
            market.list_product(&s2, fixtures::supervised_saas_draft()).unwrap(),
        ];
        World {
            market,
            snapshot: Box::new(snapshot),
            clock,
            products,
            orders: vec![],
            apps: vec![],
            flows: vec![],
            appeals: vec![],
            invoices: vec![],
            expiries: HashMap::new(),
        }
    }

    fn flow_actor(&self, i: usize, flow: &ServiceFlow) -> Actor {
        match i {
            0 => Actor::Customer(flow.customer.clone()),
            1 => Actor::Seller(flow.seller.clone()),
            2 => customer(if flow.customer.as_str() == CUSTOMERS[0] { 1 } else { 0 }),
            3 => Actor::seller(if flow.seller.as_str() == SELLERS[0] { SELLERS[1] } else { SELLERS[0] }).unwrap(),
            _ => Actor::operator("ops").unwrap(),
        }
    }

    /// Everything the store holds now.
    pub fn snapshot(&self) -> StoreSnapshot {
        (self.snapshot)()
    }

    /// Runs one operation; returns its outcome (Ok with nothing, or the error).
    pub fn run(&mut self, op: &Op) -> Result<(), Error> {
        let m = &self.market;
        match op.clone() {
            Op::Advance(i) => {
                self.clock.advance(Duration::seconds(STEPS[i])).unwrap();
                Ok(())
            }
            Op::Tick => m.tick(&Actor::System).map(|_| ()),
            Op::Place { customer: c, product, mode, quantity, periods } => {
                let p = &self.products[product];
                let mode =
                    [BillingMode::Monthly, BillingMode::Yearly, BillingMode::OneTime, BillingMode::PayPerUse][mode];
                let request = PurchaseRequest {
                    product: p.id.clone(),
                    specification: p.specifications[0].name.clone(),
                    mode,
                    quantity,
                    periods,
                };
                let order = m.place_order(customer(c), request)?;
                self.orders.push(order.id);
                Ok(())
            }
            Op::Buy { customer: c, product, yearly, periods } => {
                let p = &self.products[product];
                let spec = &p.specifications[0];
                let mode = spec.plans[usize::from(yearly) % spec.plans.len()].mode;
                let request = PurchaseRequest {
                    product: p.id.clone(),
                    specification: spec.name.clone(),
                    mode,
                    quantity: spec.quantity.as_ref().map_or(1, |q| q.min),
                    periods: if mode.is_subscription() { periods } else { 1 },
                };
                let by = customer(c);
                let order = m.place_order(&by, request)?;
                self.orders.push(order.id.clone());
                m.accept_terms(&by, &order.id)?;
                let paid = m.pay(&by, &order.id, Some(PaymentMethod::CreditCard))?;
                self.apps.extend(paid.app);
                self.flows.extend(paid.flow);
                Ok(())
            }
            Op::AcceptTerms { customer: c, order } => {
                let Some(id) = pick(&self.orders, order) else { return Ok(()) };
                self.agrees(&customer(c), &Target::Order(id.clone()), Action::AcceptTerms, |m, by| {
                    m.accept_terms(by, &id).map(|_| ())
                })
            }
            Op::Pay { customer: c, order, method } => {
                let Some(id) = pick(&self.orders, order) else { return Ok(()) };
                let method =
                    [PaymentMethod::CreditCard, PaymentMethod::Online, PaymentMethod::Balance, PaymentMethod::Credit]
                        [method];
                let paid = m.pay(customer(c), &id, Some(method))?;
                if let Some(app) = paid.app
                    && !self.apps.contains(&app)
                {
                    self.apps.push(app);
                }
                if let Some(flow) = paid.flow {
                    self.flows.push(flow);
                }
                Ok(())
            }
            Op::Cancel { customer: c, order } => {
                let Some(id) = pick(&self.orders, order) else { return Ok(()) };
                self.agrees(&customer(c), &Target::Order(id.clone()), Action::CancelOrder, |m, by| {
                    m.cancel_order(by, &id).map(|_| ())
                })
            }
            Op::Upgrade { customer: c, app, quantity } => {
                let Some(id) = pick(&self.apps, app) else { return Ok(()) };
                let order = m.order_upgrade(customer(c), &id, "Standard", quantity)?;
                self.orders.push(order.id);
                Ok(())
            }
            Op::Renew { customer: c, app, periods } => {
                let Some(id) = pick(&self.apps, app) else { return Ok(()) };
                let order = m.renew(customer(c), &id, periods, None)?;
                self.orders.push(order.id);
                Ok(())
            }
            Op::AutoRenew { customer: c, app, days_before } => {
                let Some(id) = pick(&self.apps, app) else { return Ok(()) };
                m.set_auto_renewal(customer(c), &id, 1, 0, days_before, None).map(|_| ())
            }
            Op::Unsubscribe { customer: c, app } => {
                let Some(id) = pick(&self.apps, app) else { return Ok(()) };
                self.agrees(&customer(c), &Target::App(id.clone()), Action::Unsubscribe, |m, by| {
                    m.unsubscribe(by, &id).map(|_| ())
                })
            }
            Op::RequestInvoice { customer: c, order } => {
                let Some(id) = pick(&self.orders, order) else { return Ok(()) };
                let invoice = m.request_invoice(customer(c), &id)?;
                self.invoices.push(invoice.id);
                Ok(())
            }
            Op::IssueInvoice { invoice } => {
                let Some(id) = pick(&self.invoices, invoice) else { return Ok(()) };
                m.issue_invoice(Actor::operator("ops").unwrap(), &id).map(|_| ())
            }
            Op::ReturnInvoice { customer: c, invoice } => {
                let Some(id) = pick(&self.invoices, invoice) else { return Ok(()) };
                m.return_invoice(customer(c), &id).map(|_| ())
            }
            Op::Flow { actor, flow, action } => {
                let Some(id) = pick(&self.flows, flow) else { return Ok(()) };
                let current = m.flow(&Actor::System, &id)?;
                let by = self.flow_actor(actor, &current);
                let frozen = current.status == FlowStatus::Frozen;
                let party =
                    by == Actor::Customer(current.customer.clone()) || by == Actor::Seller(current.seller.clone());
                let request = ServiceRequest {
                    description: "Please set it up.".into(),
                    attachments: vec![appmarket::supervision::Attachment { name: "spec.pdf".into(), bytes: 1000 }],
                };
                let delivery = Delivery {
                    application_info: Some(ApplicationInfo {
                        username: "admin".into(),
                        management_url: "https://admin.example".into(),
                        ..ApplicationInfo::default()
                    }),
                    ..Delivery::default()
                };
                let result = match action {
                    0 => m.submit_request(&by, &id, request).map(|_| ()),
                    1 => m.accept_request(&by, &id).map(|_| ()),
                    2 => m.reject_request(&by, &id, "unclear").map(|_| ()),
                    3 => m.deliver(&by, &id, delivery, None).map(|_| ()),
                    4 => m.confirm_acceptance(&by, &id).map(|_| ()),
                    5 => m.reject_delivery(&by, &id, "broken").map(|_| ()),
                    6 => m.remind_seller(&by, &id).map(|_| ()),
                    _ => m.open_appeal(&by, &id, "help").map(|a| self.appeals.push(a.id)),
                };
                if frozen && party {
                    // Refused: by APL-2, or earlier because the action is the other party's.
                    let err = result.as_ref().expect_err("a frozen flow refuses its parties");
                    assert!(matches!(err, Error::Forbidden { .. }) || err.rule() == Some("APL-2"), "{err}");
                }
                result
            }
            Op::Resolve { appeal, how } => {
                let Some(id) = pick(&self.appeals, appeal) else { return Ok(()) };
                let a = m.appeal(&Actor::System, &id)?;
                let paid = m.order(&Actor::System, &a.order)?.amount_paid();
                let resolution = match how {
                    0 => Resolution::Resume,
                    1 => Resolution::CompleteAsAccepted,
                    2 => Resolution::CloseWithRefund {
                        refund: Money::new(paid.amount / rust_decimal::Decimal::TWO, paid.currency),
                    },
                    _ => Resolution::CloseWithRefund { refund: paid },
                };
                m.resolve_appeal(Actor::operator("ops").unwrap(), &id, resolution).map(|_| ())
            }
            Op::RequestRefund { customer: c, order } => {
                let Some(id) = pick(&self.orders, order) else { return Ok(()) };
                let o = m.order(&Actor::System, &id)?;
                let frozen = self.frozen(&o);
                let paid = o.amount_paid();
                let half = Money::new(paid.amount / rust_decimal::Decimal::TWO, paid.currency);
                let by = customer(c);
                let result = self.agrees(&by, &Target::Order(id.clone()), Action::RequestRefund, |m, by| {
                    m.request_refund(by, &id, half, "not as agreed").map(|_| ())
                });
                if frozen && by == Actor::Customer(o.customer.clone()) {
                    assert_eq!(result.as_ref().err().and_then(Error::rule), Some("APL-2"), "UNS-6 on a frozen flow");
                }
                result
            }
            Op::DecideRefund { seller, order, approve } => {
                let Some(id) = pick(&self.orders, order) else { return Ok(()) };
                let o = m.order(&Actor::System, &id)?;
                let frozen = self.frozen(&o);
                let result = m.resolve_refund_request(Actor::seller(SELLERS[seller]).unwrap(), &id, approve);
                if frozen {
                    assert!(result.is_err(), "a refund decision on a frozen flow (APL-2)");
                }
                result.map(|_| ())
            }
            Op::DeleteApp { customer: c, app } => {
                let Some(id) = pick(&self.apps, app) else { return Ok(()) };
                self.agrees(&customer(c), &Target::App(id.clone()), Action::DeleteApp, |m, by| {
                    m.delete_app(by, &id).map(|_| ())
                })
            }
            Op::PayArrears { customer: c, app } => {
                let Some(id) = pick(&self.apps, app) else { return Ok(()) };
                self.agrees(&customer(c), &Target::App(id.clone()), Action::PayArrears, |m, by| {
                    m.pay_arrears(by, &id, None).map(|_| ())
                })
            }
            // Standard × 5 is the cheapest configuration of the SaaS products (PRC-8).
            Op::ScheduleDowngrade { customer: c, app } => {
                let Some(id) = pick(&self.apps, app) else { return Ok(()) };
                self.agrees(&customer(c), &Target::App(id.clone()), Action::ScheduleDowngrade, |m, by| {
                    m.schedule_downgrade(by, &id, "Standard", 5).map(|_| ())
                })
            }
            Op::CancelDowngrade { customer: c, app } => {
                let Some(id) = pick(&self.apps, app) else { return Ok(()) };
                self.agrees(&customer(c), &Target::App(id.clone()), Action::CancelScheduledDowngrade, |m, by| {
                    m.cancel_scheduled_downgrade(by, &id).map(|_| ())
                })
            }
        }
    }

    /// Whether the order's service flow is frozen by an appeal (APL-2).
    fn frozen(&self, order: &Order) -> bool {
        order
            .flow
            .as_ref()
            .is_some_and(|f| self.market.flow(&Actor::System, f).is_ok_and(|f| f.status == FlowStatus::Frozen))
    }

    /// Runs a command whose button `available_actions` shows, and checks that they agree.
    fn agrees(
        &self,
        by: &Actor,
        target: &Target,
        action: Action,
        command: impl FnOnce(&Marketplace, &Actor) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let shown = self.market.available_actions(by, target);
        let result = command(&self.market, by);
        if let Ok(actions) = shown {
            let button = actions.iter().find(|a| a.action == action).expect("the action is listed");
            match &result {
                Ok(()) => assert!(button.allowed, "{action:?} succeeded but was shown refused: {button:?}"),
                Err(e) => {
                    assert!(!button.allowed, "{action:?} was shown allowed but failed: {e}");
                    assert_eq!(button.rule.as_deref(), e.rule(), "{action:?}: {e}");
                }
            }
        }
        result
    }

    /// Checks the invariants on a snapshot: no negative money, refunds never above what was
    /// paid, an app's expiry never moves back, SUP-4's three hours, every app has a paid order.
    pub fn check_invariants(&mut self, snapshot: &StoreSnapshot) {
        let mut orders = HashMap::new();
        for (record, _) in &snapshot.records {
            if let Record::Order(o) = record {
                orders.insert(o.id.clone(), o.clone());
                assert!(!o.quote.total.is_negative(), "negative quote {}", o.quote.total);
                assert!(!o.refunded.is_negative(), "negative refund");
                assert!(o.refunded.amount <= o.amount_paid().amount, "refunded {} of {}", o.refunded, o.amount_paid());
                if o.involves_supervision
                    && o.status == OrderStatus::Completed
                    && let (Some(accepted), Some(completed)) = (o.accepted_at, o.completed_at)
                {
                    assert!(completed >= accepted + Duration::hours(3), "completed {completed}, accepted {accepted}");
                }
            }
        }
        for (record, _) in &snapshot.records {
            if let Record::Flow(f) = record
                && orders.get(&f.order).is_some_and(|o| o.status == OrderStatus::Unsubscribed)
            {
                assert!(!f.status.is_open(), "flow {} of unsubscribed order {} is still open (UNS-6)", f.id, f.order);
            }
        }
        for (record, _) in &snapshot.records {
            if let Record::App(a) = record {
                let order = orders.get(&a.order).expect("every app has its order");
                assert!(order.is_paid(), "app {} belongs to unpaid order {}", a.id, order.id);
                if let Some(expiry) = a.expires_at() {
                    let before = self.expiries.insert(a.id.clone(), expiry);
                    assert!(before.is_none_or(|b| b <= expiry), "expiry of {} moved back", a.id);
                }
            }
        }
    }
}

impl Default for World {
    fn default() -> World {
        World::new()
    }
}

/// Runs `ops` in `world`, checking after each that a refused command (other than a declined
/// payment, which cancels the order) left the store identical, and that the invariants hold.
/// Returns every outcome, in order.
pub fn run_checked(world: &mut World, ops: &[Op]) -> Vec<Result<(), Error>> {
    let mut outcomes = Vec::with_capacity(ops.len());
    for op in ops {
        let before = world.snapshot();
        let outcome = world.run(op);
        let after = world.snapshot();
        if let Err(e) = &outcome
            && !matches!(e, Error::PaymentDeclined { .. })
        {
            assert_eq!(before, after, "refused {op:?} ({e}) changed the store");
        }
        world.check_invariants(&after);
        outcomes.push(outcome);
    }
    outcomes
}
