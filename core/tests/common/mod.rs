//! Shared set-up of the supervision and appeal tests: a marketplace on a manual clock, a buyer,
//! a seller, strangers and an operator.
#![allow(dead_code)]

use std::sync::Arc;

use appmarket::order::OrderStatus;
use appmarket::testing::fixtures;
use appmarket::*;
use chrono::Duration;

pub struct World {
    pub clock: ManualClock,
    pub store: Arc<MemoryStore>,
    pub payments: Arc<SimulatedPayments>,
    pub market: Marketplace,
    pub buyer: Actor,
    pub seller: Actor,
    pub other_customer: Actor,
    pub other_seller: Actor,
    pub operator: Actor,
}

pub fn world() -> World {
    world_with(Policy::default())
}

pub fn world_with(policy: Policy) -> World {
    let clock = ManualClock::new(fixtures::t0());
    let store = Arc::new(MemoryStore::new());
    let payments = Arc::new(SimulatedPayments::new());
    let market = Marketplace::builder()
        .clock(clock.clone())
        .store(store.clone())
        .payments(payments.clone())
        .policy(policy)
        .build()
        .unwrap();
    for c in ["alice", "mallory"] {
        market.register_customer(CustomerAccount::with_card(CustomerId::parse(c).unwrap())).unwrap();
    }
    World {
        clock,
        store,
        payments,
        market,
        buyer: Actor::customer("alice").unwrap(),
        seller: Actor::seller("isv-1").unwrap(),
        other_customer: Actor::customer("mallory").unwrap(),
        other_seller: Actor::seller("isv-2").unwrap(),
        operator: Actor::operator("ops-1").unwrap(),
    }
}

impl World {
    /// Lists `draft` and buys it; returns the paid order.
    pub fn buy(&self, draft: ProductDraft, specification: &str, mode: BillingMode, quantity: u32) -> Order {
        let product = self.market.list_product(&self.seller, draft).unwrap();
        let order = self
            .market
            .place_order(
                &self.buyer,
                PurchaseRequest {
                    product: product.id,
                    specification: specification.into(),
                    mode,
                    quantity,
                    periods: 1,
                },
            )
            .unwrap();
        self.market.accept_terms(&self.buyer, &order.id).unwrap();
        self.market.pay(&self.buyer, &order.id, Some(PaymentMethod::CreditCard)).unwrap()
    }

    fn flow_of(&self, order: &Order) -> ServiceFlow {
        self.market.flow_of_order(&self.buyer, &order.id).unwrap()
    }

    /// A monthly licence flow, waiting for the seller.
    pub fn license(&self) -> ServiceFlow {
        let order = self.buy(fixtures::license_draft(), "Annual License", BillingMode::Monthly, 1);
        self.flow_of(&order)
    }

    /// A one-time professional-service flow, waiting for the request.
    pub fn professional_service(&self) -> ServiceFlow {
        let order = self.buy(fixtures::professional_service_draft(), "Basic Migration", BillingMode::OneTime, 1);
        self.flow_of(&order)
    }

    /// A monthly supervised SaaS flow, waiting for the request.
    pub fn saas(&self) -> ServiceFlow {
        let order = self.buy(fixtures::supervised_saas_draft(), "Standard", BillingMode::Monthly, 10);
        self.flow_of(&order)
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by).unwrap();
    }

    pub fn tick(&self) -> TickReport {
        self.market.tick(&Actor::System).unwrap()
    }

    /// Runs a command that must be refused, and checks that the store did not change (ACC-2).
    pub fn refused<T: std::fmt::Debug>(&self, command: impl FnOnce(&Marketplace) -> Result<T, Error>) -> Error {
        let before = self.store.snapshot();
        let err = command(&self.market).expect_err("the command must be refused");
        assert_eq!(self.store.snapshot(), before, "a refusal changed the store: {err}");
        err
    }

    pub fn order(&self, flow: &ServiceFlow) -> Order {
        self.market.order(&self.operator, &flow.order).unwrap()
    }

    pub fn app(&self, flow: &ServiceFlow) -> PurchasedApp {
        self.market.app(&self.operator, &flow.app).unwrap()
    }

    pub fn flow(&self, flow: &ServiceFlow) -> ServiceFlow {
        self.market.flow(&self.operator, &flow.id).unwrap()
    }

    /// Has the flow's order invoiced: the customer requests the invoice and the operator
    /// issues it (INV-1).
    pub fn mark_invoiced(&self, flow: &ServiceFlow) {
        let invoice = self.market.request_invoice(&self.buyer, &flow.order).unwrap();
        self.market.issue_invoice(&self.operator, &invoice.id).unwrap();
        assert!(self.order(flow).invoice_issued);
    }

    /// Submits a valid request (professional service or SaaS).
    pub fn submit(&self, flow: &ServiceFlow) -> ServiceFlow {
        self.market.submit_request(&self.buyer, &flow.id, request()).unwrap().flow
    }

    /// Delivers as the seller, with application information for SaaS.
    pub fn deliver(&self, flow: &ServiceFlow) -> ServiceFlow {
        let info = (flow.kind == FlowKind::Saas).then(app_info);
        let password = info.as_ref().map(|_| Secret::new("S3cret!pass"));
        let delivery = Delivery { application_info: info, ..Delivery::default() };
        self.market.deliver(&self.seller, &flow.id, delivery, password).unwrap()
    }

    /// Brings a flow to the customer's acceptance.
    pub fn to_acceptance(&self, flow: &ServiceFlow) -> ServiceFlow {
        if flow.kind != FlowKind::License {
            self.submit(flow);
            self.market.accept_request(&self.seller, &flow.id).unwrap();
        }
        self.deliver(flow)
    }

    pub fn order_status(&self, flow: &ServiceFlow) -> OrderStatus {
        self.order(flow).status
    }
}

pub fn request() -> ServiceRequest {
    ServiceRequest {
        description: "Set up the CRM for 10 users with our logo.".into(),
        attachments: vec![Attachment { name: "Requirements.DOCX".into(), bytes: 1024 }],
    }
}

pub fn app_info() -> ApplicationInfo {
    ApplicationInfo {
        username: "admin".into(),
        management_url: "https://crm.example/admin".into(),
        frontend_url: "https://crm.example".into(),
        product_guide: "https://crm.example/guide".into(),
        has_password: false,
    }
}

pub fn rule(err: &Error) -> Option<&str> {
    err.rule()
}

pub fn field(err: &Error) -> Option<&str> {
    match err {
        Error::InvalidInput { field, .. } => Some(field),
        _ => None,
    }
}
