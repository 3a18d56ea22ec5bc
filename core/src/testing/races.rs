//! The racing-charges suite: every command that charges, raced by a command or a `tick` that
//! changes what it charges for while the gateway answers. The gateway takes the money, then
//! blocks until the racing command has committed, so the charging command loses the race and
//! is decided again on the new state. Whatever it then concludes, every charge the gateway made
//! is recorded once: kept as the payment it was for, or given back with a refund. Every store
//! runs it: call [`run_all`] with a factory of empty stores.

use std::sync::{Arc, Mutex};

use chrono::Duration;

use crate::account::CustomerAccount;
use crate::actor::{Actor, AppId, CustomerId, OrderId};
use crate::app::{AppEvent, AppStatus, PurchasedApp};
use crate::catalog::{BillingMode, DeliveryMethod, PricePlan, ProductDraft};
use crate::error::Error;
use crate::event::{Event, EventKind};
use crate::marketplace::Marketplace;
use crate::money::Money;
use crate::order::{OrderEvent, OrderStatus, PurchaseRequest};
use crate::payments::{ChargeRequest, PaymentError, PaymentGateway, PaymentMethod, Receipt, RefundRequest};
use crate::policy::Policy;
use crate::store::Store;
use crate::time::ManualClock;

use super::fixtures;

/// Runs every case on a fresh store from `make_store`.
pub fn run_all(make_store: impl Fn() -> Arc<dyn Store>) {
    pay_raced_by_cancel_order(make_store());
    pay_raced_by_tick_cancelling_it_unpaid(make_store());
    pay_raced_by_another_payment_of_the_order(make_store());
    renewal_payment_raced_by_cancel_order(make_store());
    upgrade_payment_raced_by_cancel_order(make_store());
    image_payment_raced_by_cancel_order(make_store());
    auto_renewal_raced_by_disable_auto_renewal(make_store());
    usage_settlement_raced_by_delete_app(make_store());
    arrears_payment_raced_by_another_arrears_payment(make_store());
}

type Racer = Box<dyn FnOnce() -> Result<(), Error> + Send>;

/// A gateway that, on its next charge, takes the money and then runs the racing command to its
/// commit before it answers.
struct RacingGateway {
    inner: crate::payments::SimulatedPayments,
    racer: Mutex<Option<Racer>>,
    raced: Mutex<Option<Result<(), Error>>>,
}

impl PaymentGateway for RacingGateway {
    fn charge(&self, request: &ChargeRequest) -> Result<Receipt, PaymentError> {
        let answer = self.inner.charge(request);
        let racer = self.racer.lock().expect("not poisoned").take();
        if let Some(racer) = racer {
            let outcome = std::thread::spawn(racer).join().expect("the racing command does not panic");
            *self.raced.lock().expect("not poisoned") = Some(outcome);
        }
        answer
    }
    fn refund(&self, request: &RefundRequest) -> Result<Receipt, PaymentError> {
        self.inner.refund(request)
    }
}

struct Race {
    market: Arc<Marketplace>,
    gateway: Arc<RacingGateway>,
    clock: ManualClock,
    alice: Actor,
}

impl Race {
    fn new(store: Arc<dyn Store>) -> Race {
        let mut policy = Policy::default();
        policy.auto_renewal_delivery_methods.push(DeliveryMethod::Saas);
        let clock = ManualClock::new(fixtures::t0());
        let gateway = Arc::new(RacingGateway {
            inner: crate::payments::SimulatedPayments::new(),
            racer: Mutex::new(None),
            raced: Mutex::new(None),
        });
        let market = Marketplace::builder()
            .store(store)
            .clock(clock.clone())
            .payments(gateway.clone())
            .policy(policy)
            .build()
            .expect("a valid marketplace");
        let alice = CustomerId::parse("alice").expect("valid id");
        market.register_customer(CustomerAccount::with_card(alice.clone())).expect("registered");
        Race { market: Arc::new(market), gateway, clock, alice: Actor::Customer(alice) }
    }

    /// Runs `racer` (given the marketplace) inside the next charge.
    fn arm(&self, racer: impl FnOnce(&Marketplace) -> Result<(), Error> + Send + 'static) {
        let market = self.market.clone();
        *self.gateway.racer.lock().expect("not poisoned") = Some(Box::new(move || racer(&market)));
    }

    /// The racing command ran, and committed.
    fn assert_raced(&self) {
        let raced = self.gateway.raced.lock().expect("not poisoned").take();
        match raced {
            Some(Ok(())) => {}
            Some(Err(e)) => panic!("the racing command failed: {e}"),
            None => panic!("no charge was raced"),
        }
    }

    fn list(&self, draft: ProductDraft) -> crate::catalog::Product {
        self.market.list_product(Actor::seller("isv-1").expect("valid id"), draft).expect("listed")
    }

    fn unpaid(&self, request: PurchaseRequest) -> OrderId {
        let order = self.market.place_order(&self.alice, request).expect("placed");
        self.market.accept_terms(&self.alice, &order.id).expect("accepted");
        order.id
    }

    fn bought(&self, request: PurchaseRequest) -> AppId {
        let order = self.unpaid(request);
        let paid = self.market.pay(&self.alice, &order, Some(PaymentMethod::CreditCard)).expect("paid");
        paid.app.expect("an app")
    }

    /// Pays `order` while the customer cancels it: refused as the order was cancelled
    /// meanwhile (ORD-3), the race run. Returns the order after.
    fn pay_while_cancelled(&self, order: &OrderId) -> crate::order::Order {
        let (id, alice) = (order.clone(), self.alice.clone());
        self.arm(move |m| m.cancel_order(&alice, &id).map(|_| ()));
        let err =
            self.market.pay(&self.alice, order, Some(PaymentMethod::CreditCard)).expect_err("cancelled meanwhile");
        assert!(matches!(err, Error::NotAllowed { .. }), "{err:?}");
        self.assert_raced();
        self.market.order(&self.alice, order).expect("visible")
    }

    fn app(&self, app: &AppId) -> PurchasedApp {
        self.market.app(&self.alice, app).expect("visible")
    }

    fn events(&self) -> Vec<Event> {
        let mut all = Vec::new();
        loop {
            let page = self.market.events_since(all.last().map_or(0, |e: &Event| e.seq), 1000).expect("readable");
            if page.is_empty() {
                return all;
            }
            all.extend(page);
        }
    }

    /// Every charge the gateway made is recorded exactly once — as a payment or settlement, or
    /// as a charge given back — and every charge given back was refunded under its own key.
    /// Returns how many were given back.
    fn assert_every_charge_recorded(&self) -> usize {
        let (mut kept, mut returned, mut refunds) = (Vec::new(), Vec::new(), Vec::new());
        for event in self.events() {
            match event.kind {
                EventKind::Order(OrderEvent::Paid { receipt, .. }) => kept.push(receipt),
                EventKind::App(AppEvent::UsageSettled { cycle }) => kept.extend(cycle.receipt),
                EventKind::App(AppEvent::UsageRetried { receipt, .. }) => kept.extend(receipt),
                EventKind::Order(OrderEvent::ChargeReturned { returned: r })
                | EventKind::App(AppEvent::ChargeReturned { returned: r }) => {
                    returned.push(r.charge.id.clone());
                    refunds.push(r.refund.as_ref().expect("the charge was refunded").id.clone());
                }
                _ => {}
            }
        }
        // A pay-per-use order records a receipt of its own, for nothing charged.
        kept.retain(|id| !id.ends_with(":pay-per-use") && !id.is_empty());
        let mut recorded: Vec<String> = kept.iter().chain(&returned).cloned().collect();
        recorded.sort();
        let mut charged: Vec<String> = self.gateway.inner.charges().into_iter().map(|r| r.id).collect();
        charged.sort();
        assert_eq!(recorded, charged, "charged = recorded, each receipt once");
        let mut refunded: Vec<String> = self.gateway.inner.refunds().into_iter().map(|r| r.id).collect();
        refunded.sort();
        refunds.sort();
        assert_eq!(refunds, refunded, "every charge given back was refunded, and nothing else");
        returned.len()
    }
}

fn usd(amount: &str) -> Money {
    Money::parse(&format!("{amount} USD")).expect("a valid amount")
}

fn hourly_draft() -> ProductDraft {
    let mut draft = fixtures::saas_draft();
    draft.name = "Hourly Analytics".into();
    draft.specifications.truncate(1);
    draft.specifications[0].plans.push(PricePlan { mode: BillingMode::PayPerUse, price: usd("0.30"), per_unit: false });
    draft
}

fn request(product: &crate::catalog::Product, mode: BillingMode) -> PurchaseRequest {
    PurchaseRequest { mode, ..fixtures::standard_monthly(product.id.clone()) }
}

/// The customer cancels the order while its payment is charged: the charge is given back.
fn pay_raced_by_cancel_order(store: Arc<dyn Store>) {
    let r = Race::new(store);
    let product = r.list(fixtures::saas_draft());
    let order = r.unpaid(request(&product, BillingMode::Monthly));
    let order = r.pay_while_cancelled(&order);
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert_eq!(order.charges_returned, 1);
    assert_eq!(r.assert_every_charge_recorded(), 1);
}

/// `tick` cancels the unpaid order (ORD-3) while its payment is charged.
fn pay_raced_by_tick_cancelling_it_unpaid(store: Arc<dyn Store>) {
    let r = Race::new(store);
    let product = r.list(fixtures::saas_draft());
    let order = r.unpaid(request(&product, BillingMode::Monthly));
    let days = i64::from(r.market.policy().order_payment_timeout_days);
    r.clock.advance(Duration::days(days) - Duration::seconds(1)).expect("forward");
    let clock = r.clock.clone();
    r.arm(move |m| {
        clock.advance(Duration::seconds(1))?;
        m.tick(&Actor::System).map(|_| ())
    });
    let err = r.market.pay(&r.alice, &order, Some(PaymentMethod::CreditCard)).expect_err("cancelled meanwhile");
    assert!(matches!(err, Error::NotAllowed { .. }), "{err:?}");
    r.assert_raced();
    let order = r.market.order(&r.alice, &order).expect("visible");
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert_eq!(r.assert_every_charge_recorded(), 1);
}

/// Two payments of one order: the gateway answers both with the same receipt, recorded once
/// by the winner and neither refunded nor recorded twice by the loser.
fn pay_raced_by_another_payment_of_the_order(store: Arc<dyn Store>) {
    let r = Race::new(store);
    let product = r.list(fixtures::saas_draft());
    let order = r.unpaid(request(&product, BillingMode::Monthly));
    let (id, alice) = (order.clone(), r.alice.clone());
    r.arm(move |m| m.pay(&alice, &id, Some(PaymentMethod::CreditCard)).map(|_| ()));
    let _ = r.market.pay(&r.alice, &order, Some(PaymentMethod::CreditCard));
    r.assert_raced();
    let order = r.market.order(&r.alice, &order).expect("visible");
    assert_eq!(order.status, OrderStatus::Completed);
    assert_eq!(r.gateway.inner.charges().len(), 1);
    assert_eq!(r.assert_every_charge_recorded(), 0);
}

/// The customer cancels a renewal order while it is charged: the term is not extended and the
/// charge is given back.
fn renewal_payment_raced_by_cancel_order(store: Arc<dyn Store>) {
    let r = Race::new(store);
    let product = r.list(fixtures::saas_draft());
    let app = r.bought(request(&product, BillingMode::Monthly));
    let expiry = r.app(&app).term.expect("a term").expires_at;
    let renewal = r.market.renew(&r.alice, &app, 1, None).expect("renewal order").id;
    r.market.accept_terms(&r.alice, &renewal).expect("accepted");
    r.pay_while_cancelled(&renewal);
    assert_eq!(r.app(&app).term.expect("a term").expires_at, expiry, "not renewed");
    assert_eq!(r.assert_every_charge_recorded(), 1);
}

/// The customer cancels an upgrade order while it is charged.
fn upgrade_payment_raced_by_cancel_order(store: Arc<dyn Store>) {
    let r = Race::new(store);
    let product = r.list(fixtures::saas_draft());
    let app = r.bought(request(&product, BillingMode::Monthly));
    let upgrade = r.market.order_upgrade(&r.alice, &app, "Premium", 10).expect("upgrade order").id;
    r.market.accept_terms(&r.alice, &upgrade).expect("accepted");
    r.pay_while_cancelled(&upgrade);
    assert_eq!(r.app(&app).specification, "Standard", "not upgraded");
    assert_eq!(r.assert_every_charge_recorded(), 1);
}

/// The customer cancels a customized image provisioning order while it is charged: no server
/// is made. (A quick provisioning order is charged in the command that places it: no other
/// command can reach it before.)
fn image_payment_raced_by_cancel_order(store: Arc<dyn Store>) {
    let r = Race::new(store);
    let product = r.list(fixtures::image_draft());
    let provisioning = fixtures::customized_image();
    let order = r.market.provision_image(&r.alice, &product.id, provisioning, None).expect("image order").id;
    let order = r.pay_while_cancelled(&order);
    assert_eq!(order.status, OrderStatus::Cancelled);
    let server = order.app.expect("the server's id is given when provisioning");
    assert!(matches!(r.market.app(&r.alice, &server), Err(Error::NotFound { .. })), "no server is made");
    assert_eq!(r.assert_every_charge_recorded(), 1);
}

/// The customer turns auto-renewal off while `tick` charges it (REN-5): the term is not
/// extended, and the charge is given back and recorded on the app.
fn auto_renewal_raced_by_disable_auto_renewal(store: Arc<dyn Store>) {
    let r = Race::new(store);
    let product = r.list(fixtures::saas_draft());
    let app = r.bought(request(&product, BillingMode::Monthly));
    r.market.set_auto_renewal(&r.alice, &app, 1, 0, 0, None).expect("auto-renewal set");
    let expiry = r.app(&app).term.expect("a term").expires_at;
    let (id, alice) = (app.clone(), r.alice.clone());
    r.arm(move |m| m.disable_auto_renewal(&alice, &id).map(|_| ()));
    // Charged on the day of expiry, at the charge hour.
    r.clock.set(expiry - Duration::hours(12)).expect("forward");
    r.market.tick(&Actor::System).expect("tick runs");
    r.assert_raced();
    let after = r.app(&app);
    assert_eq!(after.term.expect("a term").expires_at, expiry, "not renewed");
    assert_eq!(after.auto_renewal, None);
    assert_eq!(after.charges_returned, 1);
    assert_eq!(r.assert_every_charge_recorded(), 1);
}

/// The customer deletes a pay-per-use app while `tick` settles its usage (PRC-7): both settle
/// the same hours under the same keys, so the receipts are the same and recorded once.
fn usage_settlement_raced_by_delete_app(store: Arc<dyn Store>) {
    let r = Race::new(store);
    let product = r.list(hourly_draft());
    let app = r.bought(request(&product, BillingMode::PayPerUse));
    r.clock.advance(Duration::hours(2)).expect("forward");
    let (id, alice) = (app.clone(), r.alice.clone());
    r.arm(move |m| m.delete_app(&alice, &id).map(|_| ()));
    r.market.tick(&Actor::System).expect("tick runs");
    r.assert_raced();
    assert_eq!(r.app(&app).status, AppStatus::Deleted);
    assert!(!r.gateway.inner.charges().is_empty());
    assert_eq!(r.assert_every_charge_recorded(), 0);
}

/// Two payments of a pay-per-use app's arrears: the same settlement attempt has the same key,
/// so the receipt is the same and recorded once.
fn arrears_payment_raced_by_another_arrears_payment(store: Arc<dyn Store>) {
    let r = Race::new(store);
    let product = r.list(hourly_draft());
    let app = r.bought(request(&product, BillingMode::PayPerUse));
    let Actor::Customer(alice_id) = &r.alice else { unreachable!("alice is a customer") };
    r.gateway.inner.decline_next(alice_id, "card expired");
    r.clock.advance(Duration::hours(1)).expect("forward");
    r.market.tick(&Actor::System).expect("tick runs");
    assert!(!r.app(&app).metering.expect("metered").owed.is_empty(), "in arrears");
    let (id, alice) = (app.clone(), r.alice.clone());
    r.arm(move |m| m.pay_arrears(&alice, &id, Some(PaymentMethod::CreditCard)).map(|_| ()));
    let _ = r.market.pay_arrears(&r.alice, &app, Some(PaymentMethod::CreditCard));
    r.assert_raced();
    assert!(r.app(&app).metering.expect("metered").owed.is_empty(), "nothing owed");
    assert_eq!(r.gateway.inner.charges().len(), 1);
    assert_eq!(r.assert_every_charge_recorded(), 0);
}
