//! Orders and payment (ORD-1..7), actors (ACC-1..2), through the facade.

mod support;

use appmarket::*;
use chrono::Duration;
use support::{World, field, usd};

#[test]
fn ord_1_placing_fixes_the_quote_and_waits_for_payment() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let order = w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 3)).unwrap();
    assert_eq!(order.status, OrderStatus::PendingPayment);
    assert_eq!(order.quote.total, usd("690.00"));
    assert_eq!((order.quantity, order.periods, order.mode), (10, 3, BillingMode::Monthly));
}

#[test]
fn ord_1_periods_outside_1_to_9_months_are_refused() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    for periods in [0, 10] {
        let err = w.refused(|| {
            w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, periods))
        });
        assert_eq!(field(&err), "periods");
        assert!(err.to_string().contains("1–9 months"), "{err}");
    }
}

#[test]
fn ord_1_periods_outside_1_to_3_years_are_refused() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let err = w.refused(|| w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Yearly, 10, 4)));
    assert!(err.to_string().contains("1–3 years"), "{err}");
    assert!(w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Yearly, 10, 3)).is_ok());
}

#[test]
fn ord_1_unknown_product_and_specification_are_refused() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let mut request = World::request(&p, "Standard", BillingMode::Monthly, 10, 1);
    request.product = ProductId::parse("PRD-404").unwrap();
    assert!(matches!(w.refused(|| w.market.place_order(&alice, request.clone())), Error::NotFound { .. }));
    let err = w.refused(|| w.market.place_order(&alice, World::request(&p, "Gold", BillingMode::Monthly, 10, 1)));
    assert!(err.to_string().contains("Standard, Premium"), "{err}");
}

#[test]
fn cat_2_ordering_a_mode_the_product_does_not_offer_names_the_offered_modes() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let err = w.refused(|| w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::PayPerUse, 10, 1)));
    assert_eq!(err.rule(), Some("CAT-2"));
    assert!(err.to_string().contains("monthly, yearly"), "{err}");
}

#[test]
fn cat_2_quantity_outside_min_max_step_is_refused() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    for q in [0, 3, 12, 1005] {
        let err =
            w.refused(|| w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, q, 1)));
        assert_eq!(field(&err), "quantity", "{q}");
    }
}

#[test]
fn ord_7_a_customer_with_the_most_unpaid_orders_cannot_place_another() {
    let w = World::with_policy(Policy { max_unpaid_orders_per_customer: 3, ..Policy::default() });
    let alice = w.customer("alice");
    let bob = w.customer("bob");
    let p = w.saas();
    let request = || World::request(&p, "Standard", BillingMode::Monthly, 10, 1);
    let placed: Vec<Order> = (0..3).map(|_| w.market.place_order(&alice, request()).unwrap()).collect();
    let err = w.refused(|| w.market.place_order(&alice, request()));
    assert_eq!(err.rule(), Some("ORD-7"));
    assert!(err.to_string().contains("3 orders waiting for payment"), "{err}");
    // Another customer's unpaid orders are their own.
    w.market.place_order(&bob, request()).unwrap();
    // A cancelled order, or a paid one, no longer waits for payment.
    w.market.cancel_order(&alice, &placed[0].id).unwrap();
    w.market.place_order(&alice, request()).unwrap();
    w.refused(|| w.market.place_order(&alice, request()));
    w.market.accept_terms(&alice, &placed[1].id).unwrap();
    w.market.pay(&alice, &placed[1].id, Some(PaymentMethod::CreditCard)).unwrap();
    w.market.place_order(&alice, request()).unwrap();
    assert_eq!(w.refused(|| w.market.place_order(&alice, request())).rule(), Some("ORD-7"));
}

#[test]
fn ord_7_orders_cancelled_by_tick_for_want_of_payment_make_room() {
    let w = World::with_policy(Policy { max_unpaid_orders_per_customer: 2, ..Policy::default() });
    let alice = w.customer("alice");
    let p = w.saas();
    let request = || World::request(&p, "Standard", BillingMode::Monthly, 10, 1);
    w.market.place_order(&alice, request()).unwrap();
    w.market.place_order(&alice, request()).unwrap();
    w.refused(|| w.market.place_order(&alice, request()));
    w.advance(Duration::days(8));
    w.tick();
    w.market.place_order(&alice, request()).unwrap();
}

#[test]
fn ord_7_the_limit_is_1_to_1_000_000() {
    for limit in [0, 1_000_001] {
        let policy = Policy { max_unpaid_orders_per_customer: limit, ..Policy::default() };
        let err = policy.validate().unwrap_err();
        assert_eq!(field(&err), "max_unpaid_orders_per_customer");
    }
    assert_eq!(Policy::default().max_unpaid_orders_per_customer, 100);
}

#[test]
fn ord_2_payment_needs_the_terms_accepted_first() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let order = w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    let err = w.refused(|| w.market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)));
    assert_eq!(err.rule(), Some("ORD-2"));
    assert!(w.payments.charges().is_empty());
}

#[test]
fn ord_2_a_customer_without_a_bound_card_cannot_place_orders() {
    let w = World::new();
    let bob = w.account(CustomerAccount {
        bound_card: false,
        ..CustomerAccount::with_card(CustomerId::parse("bob").unwrap())
    });
    let p = w.saas();
    let err = w.refused(|| w.market.place_order(&bob, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)));
    assert_eq!(err.rule(), Some("ORD-2"));
}

#[test]
fn ord_2_credit_only_where_enabled() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let order = w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    w.market.accept_terms(&alice, &order.id).unwrap();
    let err = w.refused(|| w.market.pay(&alice, &order.id, Some(PaymentMethod::Credit)));
    assert_eq!(err.rule(), Some("ORD-2"));
    let carol = w.account(CustomerAccount {
        credit_enabled: true,
        ..CustomerAccount::with_card(CustomerId::parse("carol").unwrap())
    });
    let order = w.market.place_order(&carol, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    w.market.accept_terms(&carol, &order.id).unwrap();
    assert_eq!(w.market.pay(&carol, &order.id, Some(PaymentMethod::Credit)).unwrap().status, OrderStatus::Completed);
}

#[test]
fn ord_2_balance_payment_debits_the_balance() {
    let w = World::new();
    let alice = w.customer("alice");
    let Actor::Customer(alice_id) = &alice else { unreachable!() };
    w.payments.set_balance(alice_id, usd("1000.00"));
    let p = w.saas();
    let order = w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    w.market.accept_terms(&alice, &order.id).unwrap();
    w.market.pay(&alice, &order.id, Some(PaymentMethod::Balance)).unwrap();
    assert_eq!(w.payments.balance(alice_id), Some(usd("770.00")));
}

#[test]
fn ord_2_a_payment_method_must_be_chosen() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let order = w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    w.market.accept_terms(&alice, &order.id).unwrap();
    assert_eq!(field(&w.refused(|| w.market.pay(&alice, &order.id, None))), "method");
}

#[test]
fn ord_3_a_declined_payment_cancels_the_order_with_its_reason() {
    let w = World::new();
    let alice = w.customer("alice");
    let Actor::Customer(alice_id) = &alice else { unreachable!() };
    w.payments.decline_next(alice_id, "card expired");
    let p = w.saas();
    let order = w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    w.market.accept_terms(&alice, &order.id).unwrap();
    let err = w.market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap_err();
    assert!(matches!(err, Error::PaymentDeclined { ref reason } if reason == "card expired"), "{err}");
    let order = w.market.order(&alice, &order.id).unwrap();
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert!(order.cancel_reason.unwrap().contains("card expired"));
    assert_eq!(w.market.apps(&alice, &AppFilter::default(), 1, Some(10)).unwrap().total, 0);
}

#[test]
fn ord_3_paying_twice_with_the_same_request_id_charges_once() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let order = w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    w.market.accept_terms(&alice, &order.id).unwrap();
    let caller = alice.with_request_id("pay-1").unwrap();
    let first = w.market.pay(&caller, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    let again = w.market.pay(&caller, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    assert_eq!(first, again);
    assert_eq!(w.payments.charges().len(), 1);
    // Without the request id, the second payment is refused: the order is no longer pending.
    let err = w.refused(|| w.market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)));
    assert_eq!(err.rule(), Some("ORD-3"));
    // The same request id for another command is a conflict.
    let err = w.refused(|| w.market.cancel_order(&caller, &order.id));
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
}

#[test]
fn ord_3_an_order_unpaid_for_7_days_is_cancelled_by_tick() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let order = w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    w.advance(Duration::days(7) - Duration::seconds(1));
    w.tick();
    assert_eq!(w.market.order(&alice, &order.id).unwrap().status, OrderStatus::PendingPayment);
    w.advance(Duration::seconds(1));
    let report = w.tick();
    assert_eq!(report.changed, 1);
    let order = w.market.order(&alice, &order.id).unwrap();
    assert_eq!(order.status, OrderStatus::Cancelled);
    assert!(order.cancel_reason.unwrap().contains("7 days"));
}

#[test]
fn ord_4_a_resellers_customer_is_settled_without_payment_and_for_reference_only() {
    let w = World::new();
    let dave = w.account(CustomerAccount {
        bound_card: false,
        reseller: Some("reseller-9".into()),
        ..CustomerAccount::with_card(CustomerId::parse("dave").unwrap())
    });
    let p = w.saas();
    let request = World::request(&p, "Standard", BillingMode::Monthly, 10, 1);
    // For reference only from the first quote, and on the placed order.
    let first = w.market.quote_purchase(&dave, &request).unwrap();
    assert!(first.for_reference_only);
    assert_eq!(first.total.to_string(), "230.00 USD");
    let alice = w.customer("alice");
    assert!(!w.market.quote_purchase(&alice, &request).unwrap().for_reference_only);
    // Anyone else sees the catalog's price, not marked.
    assert!(!w.market.quote_purchase(&w.seller, &request).unwrap().for_reference_only);
    let order = w.market.place_order(&dave, request).unwrap();
    assert!(order.quote.for_reference_only);
    w.market.accept_terms(&dave, &order.id).unwrap();
    let err = w.refused(|| w.market.pay(&dave, &order.id, Some(PaymentMethod::CreditCard)));
    assert_eq!(err.rule(), Some("ORD-4"));
    let order = w.market.pay(&dave, &order.id, None).unwrap();
    assert!(order.quote.for_reference_only);
    assert_eq!(order.payment.as_ref().unwrap().settled_by_reseller.as_deref(), Some("reseller-9"));
    assert!(order.amount_paid().is_zero());
    assert!(w.payments.charges().is_empty());
    assert_eq!(order.status, OrderStatus::Completed);
}

#[test]
fn ord_5_a_paid_order_creates_the_purchased_app_and_completes() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let order = w.buy(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1));
    assert_eq!(order.status, OrderStatus::Completed);
    let app = w.market.app(&alice, order.app.as_ref().unwrap()).unwrap();
    assert_eq!((app.status, app.quantity, app.order.clone()), (AppStatus::Active, 10, order.id.clone()));
    assert_eq!(app.seller.email, "support@isv.example");
}

#[test]
fn ord_6_every_status_change_is_an_event_with_time_and_actor() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let order = w.buy(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1));
    let records = w.market.records(&alice, &Target::Order(order.id.clone()), 0, None).unwrap();
    let kinds: Vec<String> = records
        .iter()
        .map(|e| match &e.kind {
            EventKind::Order(o) => format!("{o:?}").split([' ', '{']).next().unwrap().to_owned(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["Placed", "TermsAccepted", "Paid", "Fulfilled", "Completed"]);
    assert!(records.iter().all(|e| e.actor == alice && e.at == w.clock.instant()));
}

#[test]
fn ord_6_the_customer_may_cancel_an_unpaid_order_only() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let order = w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    assert_eq!(w.market.cancel_order(&alice, &order.id).unwrap().status, OrderStatus::Cancelled);
    let err = w.refused(|| w.market.cancel_order(&alice, &order.id));
    assert_eq!(err.rule(), Some("ORD-6"));
}

#[test]
fn acc_1_another_customer_cannot_touch_or_see_an_order() {
    let w = World::new();
    let alice = w.customer("alice");
    let mallory = w.customer("mallory");
    let p = w.saas();
    let order = w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    assert!(matches!(w.refused(|| w.market.accept_terms(&mallory, &order.id)), Error::Forbidden { .. }));
    assert!(matches!(w.refused(|| w.market.cancel_order(&mallory, &order.id)), Error::Forbidden { .. }));
    w.market.accept_terms(&alice, &order.id).unwrap();
    for payer in [&mallory, &w.seller, &Actor::operator("ops").unwrap(), &Actor::customer("ghost").unwrap()] {
        let err = w.refused(|| w.market.pay(payer, &order.id, Some(PaymentMethod::CreditCard)));
        assert!(matches!(err, Error::Forbidden { .. }), "{payer}: {err}");
    }
    assert!(matches!(w.market.order(&mallory, &order.id), Err(Error::Forbidden { .. })));
    assert!(matches!(
        w.market.records(&mallory, &Target::Order(order.id.clone()), 0, None),
        Err(Error::Forbidden { .. })
    ));
    // The seller of the product sees it; another seller does not.
    assert!(w.market.order(&w.seller, &order.id).is_ok());
    assert!(w.market.order(&Actor::seller("isv-2").unwrap(), &order.id).is_err());
}

#[test]
fn acc_1_only_customers_order_and_only_the_system_ticks() {
    let w = World::new();
    let p = w.saas();
    let err =
        w.refused(|| w.market.place_order(&w.seller, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)));
    assert!(matches!(err, Error::Forbidden { .. }));
    let err = w.refused(|| w.market.tick(&Actor::operator("ops").unwrap()));
    assert!(matches!(err, Error::Forbidden { .. }));
}

#[test]
fn acc_2_an_unregistered_customer_is_told_to_register() {
    let w = World::new();
    let p = w.saas();
    let ghost = Actor::customer("ghost").unwrap();
    let err = w.refused(|| w.market.place_order(&ghost, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)));
    assert!(err.to_string().contains("register"), "{err}");
}

#[test]
fn acc_2_available_actions_agree_with_the_commands() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    let order = w.market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    let target = Target::Order(order.id.clone());
    let actions = w.market.available_actions(&alice, &target).unwrap();
    let pay = actions.iter().find(|a| a.action == Action::Pay).unwrap();
    assert!(!pay.allowed);
    assert_eq!(pay.rule.as_deref(), Some("ORD-2"));
    assert!(actions.iter().find(|a| a.action == Action::AcceptTerms).unwrap().allowed);
    w.market.accept_terms(&alice, &order.id).unwrap();
    let actions = w.market.available_actions(&alice, &target).unwrap();
    assert!(actions.iter().find(|a| a.action == Action::Pay).unwrap().allowed);
    assert!(!actions.iter().find(|a| a.action == Action::AcceptTerms).unwrap().allowed);
}

#[test]
fn events_since_gives_each_event_once_by_cursor() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.saas();
    w.buy(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1));
    let all = w.market.events_since(0, 1000).unwrap();
    assert!(all.len() >= 8);
    assert!(all.windows(2).all(|p| p[1].seq == p[0].seq + 1));
    let tail = w.market.events_since(all[4].seq, 1000).unwrap();
    assert_eq!(tail.first().unwrap().seq, all[5].seq);
    assert!(w.market.events_since(all.last().unwrap().seq, 10).unwrap().is_empty());
}

/// A gateway whose refunds can be switched to declined.
struct FlakyRefunds {
    inner: SimulatedPayments,
    decline: std::sync::atomic::AtomicBool,
}

impl PaymentGateway for FlakyRefunds {
    fn charge(
        &self,
        request: &appmarket::payments::ChargeRequest,
    ) -> Result<appmarket::payments::Receipt, appmarket::payments::PaymentError> {
        self.inner.charge(request)
    }
    fn refund(
        &self,
        request: &appmarket::payments::RefundRequest,
    ) -> Result<appmarket::payments::Receipt, appmarket::payments::PaymentError> {
        if self.decline.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(appmarket::payments::PaymentError::Declined("refunds are down".into()));
        }
        self.inner.refund(request)
    }
}

#[test]
fn sup_8_a_declined_refund_in_tick_does_not_stop_the_other_scheduled_work() {
    let clock = ManualClock::new(appmarket::testing::fixtures::t0());
    let gateway = std::sync::Arc::new(FlakyRefunds {
        inner: SimulatedPayments::new(),
        decline: std::sync::atomic::AtomicBool::new(true),
    });
    let market = Marketplace::builder().clock(clock.clone()).payments(gateway.clone()).build().unwrap();
    let seller = Actor::seller("isv-1").unwrap();
    let service = market.list_product(&seller, appmarket::testing::fixtures::professional_service_draft()).unwrap();
    let saas = market.list_product(&seller, appmarket::testing::fixtures::saas_draft()).unwrap();
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
    let alice = Actor::customer("alice").unwrap();
    let order =
        market.place_order(&alice, World::request(&service, "Basic Migration", BillingMode::OneTime, 1, 1)).unwrap();
    market.accept_terms(&alice, &order.id).unwrap();
    market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    clock.advance(Duration::days(365) - Duration::days(7)).unwrap();
    let unpaid = market.place_order(&alice, World::request(&saas, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    clock.advance(Duration::days(7)).unwrap();

    let report = market.tick(&Actor::System).unwrap();
    assert_eq!(report.failed, 1, "{report:?}");
    assert_eq!(market.order(&alice, &unpaid.id).unwrap().status, OrderStatus::Cancelled, "ORD-3 work still ran");
    assert_eq!(
        market.order(&alice, &order.id).unwrap().status,
        OrderStatus::Processing,
        "the failed close changed nothing"
    );

    gateway.decline.store(false, std::sync::atomic::Ordering::SeqCst);
    let report = market.tick(&Actor::System).unwrap();
    assert_eq!(report.failed, 0, "{report:?}");
    assert_eq!(
        market.order(&alice, &order.id).unwrap().status,
        OrderStatus::Unsubscribed,
        "closed with a full refund at the next tick"
    );
}

#[test]
fn ord_4_every_quote_a_resellers_customer_sees_is_for_reference_only() {
    let w = World::new();
    let dave = w.account(CustomerAccount {
        bound_card: false,
        reseller: Some("reseller-9".into()),
        ..CustomerAccount::with_card(CustomerId::parse("dave").unwrap())
    });
    let alice = w.customer("alice");
    let p = w.saas();
    let placed = w.market.place_order(&dave, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    w.market.accept_terms(&dave, &placed.id).unwrap();
    let mine = w.market.pay(&dave, &placed.id, None).unwrap().app.unwrap();
    let theirs = w.buy(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)).app.unwrap();
    w.advance(chrono::Duration::days(3));
    let before = w.snapshot();
    // The upgrade and renewal quotes are for reference only, as the orders they lead to.
    let upgrade = w.market.quote_upgrade(&dave, &mine, "Standard", 20).unwrap();
    assert!(upgrade.for_reference_only && !upgrade.total.is_zero());
    let renewal = w.market.quote_renewal(&dave, &mine, 2, None).unwrap();
    assert!(renewal.for_reference_only);
    assert_eq!(renewal.total, usd("460.00"));
    let image = w.list(appmarket::testing::fixtures::image_draft());
    let request = ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: "vpc-1".into(), subnet: "subnet-1".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new("Str0ng!Pass"),
        agree_terms: true,
        customization: None,
    };
    let before_image = w.snapshot();
    assert!(w.market.quote_image(&dave, &image.id, &request).unwrap().for_reference_only);
    assert_eq!(w.snapshot(), before_image, "a quote changes nothing");
    // Anyone else sees the amount itself.
    assert!(!w.market.quote_upgrade(&alice, &theirs, "Standard", 20).unwrap().for_reference_only);
    assert!(!w.market.quote_renewal(&alice, &theirs, 2, None).unwrap().for_reference_only);
    assert!(!w.market.quote_image(&alice, &image.id, &request).unwrap().for_reference_only);
    assert!(!w.market.quote_image(&w.seller, &image.id, &request).unwrap().for_reference_only);
    // The orders they lead to are marked too.
    let upgrade_order = w.market.order_upgrade(&dave, &mine, "Standard", 20).unwrap();
    assert!(upgrade_order.quote.for_reference_only);
    assert_eq!(upgrade_order.quote.total, upgrade.total);
    assert_ne!(w.snapshot(), before);
}

#[test]
fn ord_4_a_reseller_settled_unsubscription_refunds_for_reference_only() {
    let w = World::new();
    let dave = w.account(CustomerAccount {
        bound_card: false,
        reseller: Some("reseller-9".into()),
        ..CustomerAccount::with_card(CustomerId::parse("dave").unwrap())
    });
    let p = w.list(appmarket::testing::fixtures::image_draft());
    let request = ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: "vpc-1".into(), subnet: "subnet-1".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new("Str0ng!Pass"),
        agree_terms: true,
        customization: None,
    };
    let quoted = w.market.quote_image(&dave, &p.id, &request).unwrap();
    assert!(quoted.for_reference_only);
    // Quick provisioning settles at once: the reseller settles, no method (ORD-4).
    let order = w.market.provision_image(&dave, &p.id, request, None).unwrap();
    assert!(order.quote.for_reference_only && order.settled_by_reseller());
    let app = order.app.unwrap();
    let quote = w.market.quote_unsubscribe(&dave, &app).unwrap();
    assert!(quote.quote.for_reference_only, "never a silent 0.00");
    assert_eq!(quote.quote.total, usd("64.00"));
    assert!(!quote.needs_review);
    let done = w.market.unsubscribe(&dave, &app).unwrap();
    assert_eq!((done.status, done.refunded), (OrderStatus::Unsubscribed, usd("64.00")));
    assert!(w.payments.refunds().is_empty(), "the reseller settles the refund");
}
