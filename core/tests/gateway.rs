//! A host payment gateway that fails (ORD-3): a typed error, nothing recorded, and a retry with
//! the same request id charges at most once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use appmarket::payments::{ChargeRequest, PaymentError, Receipt, RefundRequest};
use appmarket::store::memory_snapshot;
use appmarket::testing::fixtures;
use appmarket::*;

/// Wraps the simulated gateway; fails the next `fail` calls, either before charging (the
/// provider was unreachable) or after (it charged, then the answer timed out).
struct Failing {
    inner: SimulatedPayments,
    fail: AtomicUsize,
    after_charging: bool,
    calls: AtomicUsize,
}

impl Failing {
    fn new(fail: usize, after_charging: bool) -> Failing {
        Failing {
            inner: SimulatedPayments::new(),
            fail: AtomicUsize::new(fail),
            after_charging,
            calls: AtomicUsize::new(0),
        }
    }

    fn failing_now(&self) -> bool {
        self.fail.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
    }
}

impl PaymentGateway for Failing {
    fn charge(&self, request: &ChargeRequest) -> Result<Receipt, PaymentError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.failing_now() {
            if self.after_charging {
                let _ = self.inner.charge(request);
            }
            return Err(PaymentError::Failed("timed out after 30 s".into()));
        }
        self.inner.charge(request)
    }

    fn refund(&self, request: &RefundRequest) -> Result<Receipt, PaymentError> {
        if self.failing_now() {
            return Err(PaymentError::Failed("connection refused".into()));
        }
        self.inner.refund(request)
    }
}

struct Setup {
    market: Marketplace,
    store: Arc<MemoryStore>,
    gateway: Arc<Failing>,
    alice: Actor,
    order: Order,
}

fn setup(gateway: Failing) -> Setup {
    let store = Arc::new(MemoryStore::new());
    let gateway = Arc::new(gateway);
    let market = Marketplace::builder()
        .marketplace_id("shop-1")
        .clock(ManualClock::new(fixtures::t0()))
        .store(store.clone())
        .payments(gateway.clone())
        .build()
        .unwrap();
    let product = market.list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap();
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
    let alice = Actor::customer("alice").unwrap();
    let request = fixtures::standard_monthly(product.id);
    let order = market.place_order(&alice, request).unwrap();
    market.accept_terms(&alice, &order.id).unwrap();
    Setup { market, store, gateway, alice, order }
}

#[test]
fn ord_3_a_failing_gateway_gives_a_gateway_error_and_records_nothing() {
    let s = setup(Failing::new(usize::MAX, false));
    let before = memory_snapshot(&s.store);
    for _ in 0..3 {
        let err = s.market.pay(&s.alice, &s.order.id, Some(PaymentMethod::CreditCard)).unwrap_err();
        assert!(matches!(&err, Error::Gateway { reason } if reason.contains("timed out")), "{err}");
        assert_eq!(err.kind(), "gateway");
        assert_eq!(memory_snapshot(&s.store), before, "nothing half-applied");
    }
    assert_eq!(s.market.order(&s.alice, &s.order.id).unwrap().status, OrderStatus::PendingPayment);
    assert!(s.gateway.inner.charges().is_empty());
}

#[test]
fn ord_3_a_retry_after_a_timeout_that_charged_charges_once_with_the_same_key() {
    let s = setup(Failing::new(1, true));
    let caller = s.alice.with_request_id("pay-1").unwrap();
    let err = s.market.pay(&caller, &s.order.id, Some(PaymentMethod::CreditCard)).unwrap_err();
    assert!(matches!(err, Error::Gateway { .. }), "{err}");
    assert_eq!(s.gateway.inner.charges().len(), 1, "the provider did charge before timing out");
    let paid = s.market.pay(&caller, &s.order.id, Some(PaymentMethod::CreditCard)).unwrap();
    assert_eq!(paid.status, OrderStatus::Completed);
    assert_eq!(s.gateway.inner.charges().len(), 1, "the retry sent the same key: charged once");
    assert_eq!(paid.payment.unwrap().receipt.unwrap(), s.gateway.inner.charges()[0].id);
    // A replay of the same request id returns the first result and calls nothing.
    let calls = s.gateway.calls.load(Ordering::SeqCst);
    s.market.pay(&caller, &s.order.id, Some(PaymentMethod::CreditCard)).unwrap();
    assert_eq!(s.gateway.calls.load(Ordering::SeqCst), calls);
}

#[test]
fn ord_3_the_idempotency_key_names_the_marketplace_and_the_order() {
    struct Spy(std::sync::Mutex<Vec<String>>);
    impl PaymentGateway for Spy {
        fn charge(&self, r: &ChargeRequest) -> Result<Receipt, PaymentError> {
            self.0.lock().unwrap().push(r.idempotency_key.clone());
            Err(PaymentError::Failed("down".into()))
        }
        fn refund(&self, _: &RefundRequest) -> Result<Receipt, PaymentError> {
            Err(PaymentError::Failed("down".into()))
        }
    }
    let spy = Arc::new(Spy(std::sync::Mutex::new(Vec::new())));
    let store = Arc::new(MemoryStore::new());
    let market = Marketplace::builder()
        .marketplace_id("shop-1")
        .clock(ManualClock::new(fixtures::t0()))
        .store(store)
        .payments(spy.clone())
        .build()
        .unwrap();
    let product = market.list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap();
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
    let alice = Actor::customer("alice").unwrap();
    let order = market.place_order(&alice, fixtures::standard_monthly(product.id)).unwrap();
    market.accept_terms(&alice, &order.id).unwrap();
    for _ in 0..2 {
        market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap_err();
    }
    let keys = spy.0.lock().unwrap().clone();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0], keys[1], "a retry sends the same key");
    assert!(keys[0].starts_with("shop-1:") && keys[0].contains(&order.id.to_string()), "{}", keys[0]);
}

#[test]
fn prc_7_a_settlement_whose_gateway_fails_is_recorded_by_a_later_tick_and_charged_once() {
    let clock = ManualClock::new(fixtures::t0());
    let gateway = Arc::new(Failing::new(0, true));
    let market = Marketplace::builder().clock(clock.clone()).payments(gateway.clone()).build().unwrap();
    let mut draft = fixtures::saas_draft();
    draft.specifications.truncate(1);
    draft.specifications[0].plans.push(PricePlan {
        mode: BillingMode::PayPerUse,
        price: Money::parse("0.30 USD").unwrap(),
        per_unit: false,
    });
    let product = market.list_product(Actor::seller("isv-1").unwrap(), draft).unwrap();
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
    let alice = Actor::customer("alice").unwrap();
    let order = market
        .place_order(
            &alice,
            PurchaseRequest {
                product: product.id,
                specification: "Standard".into(),
                mode: BillingMode::PayPerUse,
                quantity: 5,
                periods: 1,
            },
        )
        .unwrap();
    market.accept_terms(&alice, &order.id).unwrap();
    let app = market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap().app.unwrap();
    let charges_before = gateway.inner.charges().len();

    // The provider takes the money for the first hour, then the answer is lost.
    gateway.fail.store(1, Ordering::SeqCst);
    clock.advance(chrono::Duration::minutes(70)).unwrap();
    let report = market.tick(&Actor::System).unwrap();
    assert_eq!(report.failed, 1, "{report:?}");
    assert!(market.usage_statement(&alice, &app).unwrap().cycles.is_empty(), "nothing recorded");
    assert_eq!(gateway.inner.charges().len(), charges_before + 1);

    // The next tick asks again under the same key: recorded, and charged once.
    let report = market.tick(&Actor::System).unwrap();
    assert_eq!(report.failed, 0, "{report:?}");
    let statement = market.usage_statement(&alice, &app).unwrap();
    assert_eq!(statement.cycles.len(), 1);
    assert_eq!(statement.charged, Money::parse("0.30 USD").unwrap());
    assert_eq!(gateway.inner.charges().len(), charges_before + 1);
}
