//! Shared set-up of the facade tests: a marketplace on a manual clock, simulated payments and an
//! in-memory store the tests can snapshot.
#![allow(dead_code)]

use std::sync::Arc;

use appmarket::*;
use chrono::{DateTime, Duration, Utc};

pub struct World {
    pub clock: ManualClock,
    pub store: Arc<MemoryStore>,
    pub payments: Arc<SimulatedPayments>,
    pub market: Marketplace,
    pub seller: Actor,
    pub alice: Actor,
    pub alice_id: CustomerId,
    pub bob: Actor,
    pub operator: Actor,
}

pub fn world_at(start: &str, policy: Policy) -> World {
    let clock = ManualClock::at(start).unwrap();
    let store = Arc::new(MemoryStore::new());
    let payments = Arc::new(SimulatedPayments::new());
    let market = Marketplace::builder()
        .clock(clock.clone())
        .store(store.clone())
        .payments(payments.clone())
        .policy(policy)
        .build()
        .unwrap();
    let alice_id = CustomerId::parse("alice").unwrap();
    market.register_customer(CustomerAccount::with_card(alice_id.clone())).unwrap();
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("bob").unwrap())).unwrap();
    World {
        clock,
        store,
        payments,
        market,
        seller: Actor::seller("isv-1").unwrap(),
        alice: Actor::Customer(alice_id.clone()),
        alice_id,
        bob: Actor::customer("bob").unwrap(),
        operator: Actor::operator("op-1").unwrap(),
    }
}

/// 2026-04-15 02:00 UTC (10:00 in the billing zone), default policy.
pub fn world() -> World {
    world_at("2026-04-15T02:00:00Z", Policy::default())
}

pub fn at(text: &str) -> DateTime<Utc> {
    appmarket::time::parse_instant(text).unwrap()
}

impl World {
    pub fn list(&self, draft: ProductDraft) -> Product {
        self.market.list_product(&self.seller, draft).unwrap()
    }

    pub fn pay(&self, by: &Actor, order: &Order) -> Order {
        self.market.accept_terms(by, &order.id).unwrap();
        self.market.pay(by, &order.id, Some(PaymentMethod::CreditCard)).unwrap()
    }

    /// Buys a product and pays; returns the paid order and its app.
    pub fn buy(&self, product: &Product, spec: &str, mode: BillingMode, quantity: u32, periods: u32) -> (Order, AppId) {
        let order = self
            .market
            .place_order(
                &self.alice,
                PurchaseRequest { product: product.id.clone(), specification: spec.into(), mode, quantity, periods },
            )
            .unwrap();
        let paid = self.pay(&self.alice, &order);
        let app = paid.app.clone().unwrap();
        (paid, app)
    }

    /// A monthly SaaS app: 10 Standard licences at 23 USD (230 a month).
    pub fn saas_app(&self, periods: u32) -> (Order, AppId) {
        let p = self.list(appmarket::testing::fixtures::saas_draft());
        self.buy(&p, "Standard", BillingMode::Monthly, 10, periods)
    }

    /// An image bought by customized provisioning, paid.
    pub fn image_app(&self, mode: BillingMode, periods: u32) -> (Order, AppId) {
        let p = self.list(appmarket::testing::fixtures::image_draft());
        let request = ImageProvisioning {
            quick_mode: None,
            specification: "Default".into(),
            network: Network { vpc: "vpc-1".into(), subnet: "subnet-1".into() },
            security_group: SecurityGroup::Recommended,
            login_password: Secret::new("Str0ng!Pass"),
            agree_terms: true,
            customization: Some(Customization {
                mode,
                eip_mbit: None,
                server_name: "web-1".into(),
                periods,
                instances: 1,
            }),
        };
        let order = self.market.provision_image(&self.alice, &p.id, request, None).unwrap();
        let paid = self.market.pay(&self.alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
        let app = paid.app.clone().unwrap();
        (paid, app)
    }

    pub fn app(&self, id: &AppId) -> PurchasedApp {
        self.market.app(&self.alice, id).unwrap()
    }

    pub fn order(&self, id: &OrderId) -> Order {
        self.market.order(&self.alice, id).unwrap()
    }

    pub fn tick_at(&self, instant: &str) -> TickReport {
        self.clock.set(at(instant)).unwrap();
        self.market.tick(&Actor::System).unwrap()
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by).unwrap();
    }

    /// Stands in for the service flow (another module): starts a supervised app's term now.
    /// Completes an app's service flow: the seller delivers and the customer accepts, which
    /// starts the term (APP-3).
    pub fn start_term(&self, app: &AppId) {
        let order = self.app(app).order;
        let flow = self.market.flow_of_order(&self.alice, &order).unwrap();
        self.market.deliver(&self.seller, &flow.id, appmarket::supervision::Delivery::default(), None).unwrap();
        self.market.confirm_acceptance(&self.alice, &flow.id).unwrap();
        assert_eq!(self.app(app).status, AppStatus::Active);
    }
}

pub fn money(text: &str) -> Money {
    Money::parse(text).unwrap()
}

pub fn rule(err: &Error) -> &str {
    err.rule().unwrap_or_else(|| panic!("expected a rule refusal, got {err}"))
}

pub fn field(err: &Error) -> &str {
    match err {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected invalid input, got {other}"),
    }
}

/// Runs `f`, which must fail, and asserts the store is unchanged; returns the error.
pub fn refused<T: std::fmt::Debug>(w: &World, f: impl FnOnce() -> Result<T, Error>) -> Error {
    let before = w.store.snapshot();
    let err = f().expect_err("expected a refusal");
    assert!(w.store.snapshot() == before, "the store changed after a refusal: {err}");
    err
}
