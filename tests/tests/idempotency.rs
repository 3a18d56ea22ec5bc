//! Every mutating facade call under a request id: the same id returns the first result and has
//! no second effect; a different command under a used id is a conflict.

use std::sync::Arc;

use appmarket::store::memory_snapshot;
use appmarket::supervision::{Delivery, ServiceRequest};
use appmarket::testing::fixtures;
use appmarket::*;
use chrono::Duration;

struct W {
    market: Marketplace,
    store: Arc<MemoryStore>,
    payments: Arc<SimulatedPayments>,
    clock: ManualClock,
    n: std::cell::Cell<u32>,
}

impl W {
    fn new() -> W {
        let store = Arc::new(MemoryStore::new());
        let payments = Arc::new(SimulatedPayments::new());
        let clock = ManualClock::new(fixtures::t0());
        let market = Marketplace::builder()
            .clock(clock.clone())
            .store(store.clone())
            .payments(payments.clone())
            .build()
            .unwrap();
        market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
        W { market, store, payments, clock, n: std::cell::Cell::new(0) }
    }

    fn caller(&self, actor: &Actor) -> Caller {
        self.n.set(self.n.get() + 1);
        actor.with_request_id(&format!("req-{}", self.n.get())).unwrap()
    }

    /// Calls `f` twice under one request id: same result, no second effect; then another
    /// command under that id is a conflict that changes nothing.
    fn replays<T: PartialEq + std::fmt::Debug>(&self, actor: &Actor, f: impl Fn(&Caller) -> Result<T, Error>) -> T {
        let caller = self.caller(actor);
        let charges = self.payments.charges().len();
        let first = f(&caller);
        let after_first = memory_snapshot(&self.store);
        let charged = self.payments.charges().len();
        assert!(charged - charges <= 1);
        let second = f(&caller);
        assert_eq!(first, second, "a replay returned another result");
        assert_eq!(after_first, memory_snapshot(&self.store), "a replay changed the store");
        assert_eq!(charged, self.payments.charges().len(), "a replay charged again");
        let other = self.market.remove_from_list(&caller, &ProductId::parse("PRD-none").unwrap());
        assert!(matches!(other, Err(Error::Conflict { .. })), "{other:?}");
        assert_eq!(after_first, memory_snapshot(&self.store));
        first.expect("the first call succeeds")
    }
}

#[test]
fn every_mutating_call_replays_under_its_request_id() {
    let w = W::new();
    let seller = Actor::seller("isv-1").unwrap();
    let alice = Actor::customer("alice").unwrap();
    let operator = Actor::operator("ops").unwrap();
    let saas = w.replays(&seller, |c| w.market.list_product(c, fixtures::saas_draft()));
    w.replays(&seller, |c| w.market.delist_product(c, &saas.id));
    w.replays(&seller, |c| w.market.relist_product(c, &saas.id));
    w.replays(&alice, |c| w.market.save_to_list(c, &saas.id, Some("Standard")));
    let request = fixtures::standard_monthly(saas.id.clone());
    let listed = w.replays(&alice, |c| w.market.buy_from_list(c, request.clone()));
    w.replays(&alice, |c| w.market.cancel_order(c, &listed.id));
    w.replays(&alice, |c| w.market.remove_from_list(c, &saas.id));
    let order = w.replays(&alice, |c| w.market.place_order(c, request.clone()));
    w.replays(&alice, |c| w.market.accept_terms(c, &order.id));
    let order = w.replays(&alice, |c| w.market.pay(c, &order.id, Some(PaymentMethod::CreditCard)));
    let app = order.app.clone().unwrap();
    w.replays(&seller, |c| {
        w.market.provide_application_info(c, &app, ApplicationInfo::default(), Some(Secret::new("pw-1")))
    });
    w.replays(&alice, |c| w.market.reveal_password(c, &app).map(|s| s.expose().to_owned()));
    let upgrade = w.replays(&alice, |c| w.market.order_upgrade(c, &app, "Standard", 20));
    w.replays(&alice, |c| w.market.accept_terms(c, &upgrade.id));
    w.replays(&alice, |c| w.market.pay(c, &upgrade.id, Some(PaymentMethod::CreditCard)));

    let image = w.market.list_product(&seller, fixtures::image_draft()).unwrap();
    let provisioning = ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: "v".into(), subnet: "s".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new("Cloud#2026x"),
        agree_terms: true,
        customization: None,
    };
    // Quick provisioning charges once, even replayed (IMG-1).
    w.replays(&alice, |c| {
        w.market.provision_image(c, &image.id, provisioning.clone(), Some(PaymentMethod::CreditCard))
    });

    let service = w.market.list_product(&seller, fixtures::professional_service_draft()).unwrap();
    let buy_service = || {
        let o = w
            .market
            .place_order(
                &alice,
                PurchaseRequest {
                    product: service.id.clone(),
                    specification: "Basic Migration".into(),
                    mode: BillingMode::OneTime,
                    quantity: 1,
                    periods: 1,
                },
            )
            .unwrap();
        w.market.accept_terms(&alice, &o.id).unwrap();
        let o = w.market.pay(&alice, &o.id, Some(PaymentMethod::CreditCard)).unwrap();
        w.market.flow_of_order(&alice, &o.id).unwrap()
    };
    let flow = buy_service();
    let req = ServiceRequest { description: "Please migrate my site.".into(), attachments: vec![] };
    w.replays(&alice, |c| w.market.submit_request(c, &flow.id, req.clone()));
    w.replays(&seller, |c| w.market.reject_request(c, &flow.id, "More detail, please."));
    w.market.submit_request(&alice, &flow.id, req.clone()).unwrap();
    w.replays(&seller, |c| w.market.accept_request(c, &flow.id));
    w.replays(&alice, |c| w.market.remind_seller(c, &flow.id));
    w.replays(&seller, |c| w.market.deliver(c, &flow.id, Delivery::default(), None));
    w.replays(&alice, |c| w.market.reject_delivery(c, &flow.id, "Not done."));
    w.market.deliver(&seller, &flow.id, Delivery::default(), None).unwrap();
    w.replays(&alice, |c| w.market.confirm_acceptance(c, &flow.id));

    let flow = buy_service();
    w.market.submit_request(&alice, &flow.id, req.clone()).unwrap();
    w.clock.advance(Duration::days(6)).unwrap();
    let appeal = w.replays(&alice, |c| w.market.open_appeal(c, &flow.id, "The seller is silent."));
    w.replays(&operator, |c| w.market.resolve_appeal(c, &appeal.id, Resolution::Resume));

    // Renewals and auto-renewal (REN).
    let renewal = w.replays(&alice, |c| w.market.renew(c, &app, 1, None));
    w.market.accept_terms(&alice, &renewal.id).unwrap();
    w.replays(&alice, |c| w.market.pay(c, &renewal.id, Some(PaymentMethod::CreditCard)));
    let licence = w.market.list_product(&seller, fixtures::license_draft()).unwrap();
    let lic_order = w
        .market
        .place_order(
            &alice,
            PurchaseRequest {
                product: licence.id.clone(),
                specification: "Annual License".into(),
                mode: BillingMode::Monthly,
                quantity: 1,
                periods: 1,
            },
        )
        .unwrap();
    w.market.accept_terms(&alice, &lic_order.id).unwrap();
    let lic_order = w.market.pay(&alice, &lic_order.id, Some(PaymentMethod::CreditCard)).unwrap();
    let lic_flow = w.market.flow_of_order(&alice, &lic_order.id).unwrap();
    w.market.deliver(&seller, &lic_flow.id, Delivery::default(), None).unwrap();
    w.market.confirm_acceptance(&alice, &lic_flow.id).unwrap();
    let lic_app = lic_order.app.clone().unwrap();
    w.replays(&alice, |c| w.market.set_auto_renewal(c, &lic_app, 1, 0, 7, None));
    w.replays(&alice, |c| w.market.disable_auto_renewal(c, &lic_app));

    // Invoices (INV) and unsubscription (UNS).
    let image_order =
        w.market.provision_image(&alice, &image.id, provisioning.clone(), Some(PaymentMethod::CreditCard)).unwrap();
    let invoice = w.replays(&alice, |c| w.market.request_invoice(c, &image_order.id));
    w.replays(&operator, |c| w.market.issue_invoice(c, &invoice.id));
    w.replays(&alice, |c| w.market.return_invoice(c, &invoice.id));
    w.replays(&alice, |c| w.market.unsubscribe(c, image_order.app.as_ref().unwrap()));

    let mut costly = fixtures::image_draft();
    costly.specifications[0].plans[0].price = Money::parse("9000 USD").unwrap();
    let costly = w.market.list_product(&seller, costly).unwrap();
    let big =
        w.market.provision_image(&alice, &costly.id, provisioning.clone(), Some(PaymentMethod::CreditCard)).unwrap();
    let pending = w.replays(&alice, |c| w.market.unsubscribe(c, big.app.as_ref().unwrap()));
    assert!(pending.pending_unsubscription.is_some(), "over 7,000 USD waits for review (UNS-5)");
    w.replays(&operator, |c| w.market.review_unsubscription(c, &big.id, true));
    let flow = buy_service(); // an open professional-service flow: UNS-6 applies
    let refund_order = w.market.flow(&alice, &flow.id).unwrap().order;
    w.replays(&alice, |c| w.market.request_refund(c, &refund_order, Money::parse("50 USD").unwrap(), "Not needed."));
    w.replays(&seller, |c| w.market.resolve_refund_request(c, &refund_order, false));
}
