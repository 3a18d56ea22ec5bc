//! A marketplace on a manual clock, with its store and payments in reach.
#![allow(dead_code)]

use std::sync::Arc;

use appmarket::store::memory_snapshot;
use appmarket::testing::fixtures;
use appmarket::*;
use chrono::Duration;

pub struct World {
    pub market: Marketplace,
    pub clock: ManualClock,
    pub store: Arc<MemoryStore>,
    pub payments: Arc<SimulatedPayments>,
    pub seller: Actor,
}

impl World {
    pub fn new() -> World {
        World::with_policy(Policy::default())
    }

    pub fn with_policy(policy: Policy) -> World {
        let clock = ManualClock::new(fixtures::t0());
        let store = Arc::new(MemoryStore::new());
        let payments = Arc::new(SimulatedPayments::new());
        let market = Marketplace::builder()
            .clock(clock.clone())
            .store(store.clone())
            .payments(payments.clone())
            .policy(policy)
            .build()
            .expect("valid policy");
        World { market, clock, store, payments, seller: Actor::seller("isv-1").unwrap() }
    }

    pub fn customer(&self, id: &str) -> Actor {
        let cid = CustomerId::parse(id).unwrap();
        self.market.register_customer(CustomerAccount::with_card(cid.clone())).unwrap();
        Actor::Customer(cid)
    }

    pub fn account(&self, account: CustomerAccount) -> Actor {
        let id = account.id.clone();
        self.market.register_customer(account).unwrap();
        Actor::Customer(id)
    }

    pub fn list(&self, draft: ProductDraft) -> Product {
        self.market.list_product(&self.seller, draft).unwrap()
    }

    pub fn saas(&self) -> Product {
        self.list(fixtures::saas_draft())
    }

    pub fn request(product: &Product, spec: &str, mode: BillingMode, quantity: u32, periods: u32) -> PurchaseRequest {
        PurchaseRequest { product: product.id.clone(), specification: spec.into(), mode, quantity, periods }
    }

    /// Places, accepts and pays by card.
    pub fn buy(&self, buyer: &Actor, request: PurchaseRequest) -> Order {
        let order = self.market.place_order(buyer, request).unwrap();
        self.market.accept_terms(buyer, &order.id).unwrap();
        self.market.pay(buyer, &order.id, Some(PaymentMethod::CreditCard)).unwrap()
    }

    pub fn snapshot(&self) -> String {
        memory_snapshot(&self.store)
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by).unwrap();
    }

    pub fn tick(&self) -> TickReport {
        self.market.tick(&Actor::System).unwrap()
    }

    /// Asserts that `f` is refused and leaves the store exactly as it was.
    pub fn refused<T: std::fmt::Debug>(&self, f: impl FnOnce() -> Result<T, Error>) -> Error {
        let before = self.snapshot();
        let err = f().expect_err("the command should be refused");
        assert_eq!(before, self.snapshot(), "a refusal changed the store: {err}");
        err
    }
}

pub fn usd(amount: &str) -> Money {
    Money::parse(&format!("{amount} USD")).unwrap()
}

pub fn field(err: &Error) -> &str {
    match err {
        Error::InvalidInput { field, .. } => field,
        _ => panic!("not an InvalidInput: {err}"),
    }
}
