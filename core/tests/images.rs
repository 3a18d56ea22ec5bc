//! Image provisioning (IMG-1..3, PRC-3).

mod support;

use appmarket::testing::fixtures;
use appmarket::*;
use support::{World, field, usd};

fn quick(password: &str) -> ImageProvisioning {
    ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: "vpc-main".into(), subnet: "subnet-a".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new(password),
        agree_terms: true,
        customization: None,
    }
}

fn customized(instances: u32, server_name: &str) -> ImageProvisioning {
    ImageProvisioning {
        quick_mode: None,
        customization: Some(Customization {
            mode: BillingMode::Monthly,
            eip_mbit: Some(5),
            server_name: server_name.into(),
            periods: 2,
            instances,
        }),
        ..quick("Cloud#2026x")
    }
}

#[test]
fn img_1_quick_provisioning_pays_one_monthly_server_at_once_with_separate_fee_lines() {
    // User guide §3.4: "fees will be automatically deducted when the resources are created".
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    let order = w.market.provision_image(&alice, &p.id, quick("Cloud#2026x"), Some(PaymentMethod::CreditCard)).unwrap();
    assert_eq!((order.mode, order.periods, order.quantity), (BillingMode::Monthly, 1, 1));
    assert!(order.terms_accepted_at.is_some());
    let labels: Vec<&str> = order.quote.lines.iter().map(|l| l.label.as_str()).collect();
    assert!(labels[0].starts_with("Image fee"), "{labels:?}");
    assert!(labels[1].starts_with("Cloud resource fee"), "{labels:?}");
    assert_eq!(order.quote.total, usd("64.00")); // 10 + 50 + 40 × 0.10
    let OrderKind::Image { setup } = &order.kind else { panic!("not an image order") };
    assert_eq!(setup.security_group, "sg-web");
    assert_eq!(order.status, OrderStatus::Completed);
    assert_eq!(order.amount_paid(), usd("64.00"));
    assert_eq!(w.payments.charges().len(), 1);
    let app = w.market.app(&alice, order.app.as_ref().unwrap()).unwrap();
    assert_eq!(app.status, AppStatus::Active);
    assert_eq!(w.refused(|| w.market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard))).rule(), Some("ORD-3"));
}

#[test]
fn img_1_quick_provisioning_creates_the_servers_with_the_login_password_kept_secret() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    let order = w.market.provision_image(&alice, &p.id, quick("Cloud#2026x"), Some(PaymentMethod::CreditCard)).unwrap();
    assert!(!format!("{order:?}").contains("Cloud#2026x"));
    let app = w.market.app(&alice, order.app.as_ref().unwrap()).unwrap();
    assert_eq!((app.info.username.as_str(), app.delivery), ("root", DeliveryMethod::Image));
    assert_eq!(w.market.reveal_password(&alice, &app.id).unwrap().expose(), "Cloud#2026x");
    assert!(!w.snapshot().contains("Cloud#2026x"));
}

#[test]
fn img_3_the_image_login_user_is_the_policys() {
    let w = World::with_policy(Policy { password_user_name: "ubuntu".into(), ..Policy::default() });
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    let order = w.market.provision_image(&alice, &p.id, quick("Cloud#2026x"), Some(PaymentMethod::CreditCard)).unwrap();
    let app = w.market.app(&alice, order.app.as_ref().unwrap()).unwrap();
    assert_eq!(app.info.username, "ubuntu");
    let err = w.refused(|| w.market.provision_image(&alice, &p.id, quick("Ubuntu#2026"), Some(PaymentMethod::Balance)));
    assert_eq!(field(&err), "login_password");
}

#[test]
fn img_1_a_declined_quick_provisioning_cancels_its_order_and_keeps_no_password() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    w.payments.decline_next(&CustomerId::parse("alice").unwrap(), "card expired");
    let err = w.market.provision_image(&alice, &p.id, quick("Cloud#2026x"), Some(PaymentMethod::CreditCard));
    assert!(matches!(err, Err(Error::PaymentDeclined { ref reason }) if reason == "card expired"), "{err:?}");
    let orders = w.market.orders(&alice, &OrderFilter::default(), 1, None).unwrap();
    assert_eq!(orders.total, 1);
    let cancelled = &orders.items[0];
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(cancelled.cancel_reason.as_deref(), Some("payment failed: card expired"));
    assert!(cancelled.payment.is_none() && cancelled.app.is_some(), "the app's number was given, the app not made");
    assert!(w.market.app(&alice, cancelled.app.as_ref().unwrap()).is_err());
    assert!(w.market.apps(&alice, &AppFilter::default(), 1, None).unwrap().items.is_empty());
    assert!(!w.snapshot().contains("Cloud#2026x"));
}

#[test]
fn img_1_quick_provisioning_takes_a_method_the_account_may_use_and_refusals_change_nothing() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    let err = w.refused(|| w.market.provision_image(&alice, &p.id, quick("Cloud#2026x"), None));
    assert_eq!(field(&err), "method");
    let err = w.refused(|| w.market.provision_image(&alice, &p.id, quick("Cloud#2026x"), Some(PaymentMethod::Credit)));
    assert_eq!(err.rule(), Some("ORD-2"));
    // A reseller's customer names no method: the reseller settles, for reference only (ORD-4).
    let reseller_customer = CustomerAccount {
        reseller: Some("reseller-1".into()),
        ..CustomerAccount::with_card(CustomerId::parse("dave").unwrap())
    };
    let dave = w.account(reseller_customer);
    let err = w.refused(|| w.market.provision_image(&dave, &p.id, quick("Cloud#2026x"), Some(PaymentMethod::Balance)));
    assert_eq!(err.rule(), Some("ORD-4"));
    let settled = w.market.provision_image(&dave, &p.id, quick("Cloud#2026x"), None).unwrap();
    assert!(settled.settled_by_reseller() && settled.quote.for_reference_only);
    assert_eq!(settled.status, OrderStatus::Completed);
    assert!(w.payments.charges().is_empty());
}

#[test]
fn img_2_customized_provisioning_keeps_its_separate_payment_step() {
    // User guide §3.4, Customized Provisioning: "select a payment method and click Pay Now".
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    let err =
        w.refused(|| w.market.provision_image(&alice, &p.id, customized(1, "web-1"), Some(PaymentMethod::CreditCard)));
    assert_eq!(field(&err), "method");
    let order = w.market.provision_image(&alice, &p.id, customized(1, "web-1"), None).unwrap();
    assert_eq!((order.status, order.payment.is_none()), (OrderStatus::PendingPayment, true));
    assert!(w.payments.charges().is_empty());
    let paid = w.market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    assert_eq!(paid.status, OrderStatus::Completed);
    assert_eq!(w.market.reveal_password(&alice, paid.app.as_ref().unwrap()).unwrap().expose(), "Cloud#2026x");
}

#[test]
fn img_1_an_image_is_never_billed_one_time() {
    let w = World::new();
    let alice = w.customer("alice");
    // Listing: an image with a one-time plan, alone or beside others, is refused (the store unchanged).
    let mut one_time_only = fixtures::image_draft();
    one_time_only.specifications[0].plans.iter_mut().for_each(|plan| plan.mode = BillingMode::OneTime);
    one_time_only.specifications[0].plans.truncate(1);
    let resources = one_time_only.image.as_mut().unwrap();
    resources.plans.truncate(1);
    resources.plans[0].mode = BillingMode::OneTime;
    let mut one_time_beside = fixtures::image_draft();
    let mut extra = one_time_beside.specifications[0].plans[0].clone();
    extra.mode = BillingMode::OneTime;
    one_time_beside.specifications[0].plans.push(extra);
    let mut extra = one_time_beside.image.as_ref().unwrap().plans[0].clone();
    extra.mode = BillingMode::OneTime;
    one_time_beside.image.as_mut().unwrap().plans.push(extra);
    for draft in [one_time_only, one_time_beside] {
        let err = w.refused(|| w.market.list_product(&w.seller, draft.clone()));
        assert_eq!(field(&err), "plans");
        assert!(err.to_string().contains("IMG-1"), "{err}");
    }
    // Provisioning: one-time is neither a quick mode nor a customized one.
    let p = w.list(fixtures::image_draft());
    let card = Some(PaymentMethod::CreditCard);
    let mut quick_one_time = quick("Cloud#2026x");
    quick_one_time.quick_mode = Some(BillingMode::OneTime);
    let err = w.refused(|| w.market.provision_image(&alice, &p.id, quick_one_time.clone(), card));
    assert_eq!(field(&err), "quick_mode");
    let mut one_time = customized(1, "web-1");
    one_time.customization.as_mut().unwrap().mode = BillingMode::OneTime;
    let err = w.refused(|| w.market.provision_image(&alice, &p.id, one_time.clone(), None));
    assert_eq!(field(&err), "customization.mode");
}

#[test]
fn img_1_the_terms_must_be_agreed() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    let err = w.refused(|| {
        w.market.provision_image(&alice, &p.id, ImageProvisioning { agree_terms: false, ..quick("Cloud#2026x") }, None)
    });
    assert_eq!(err.rule(), Some("IMG-1"));
}

#[test]
fn img_1_network_and_security_group_are_required() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    let mut r = quick("Cloud#2026x");
    r.network.vpc = " ".into();
    assert_eq!(field(&w.refused(|| w.market.provision_image(&alice, &p.id, r, None))), "network.vpc");
    let r = ImageProvisioning { security_group: SecurityGroup::New { name: String::new() }, ..quick("Cloud#2026x") };
    assert_eq!(field(&w.refused(|| w.market.provision_image(&alice, &p.id, r, None))), "security_group");
}

#[test]
fn img_1_a_saas_product_cannot_be_provisioned_and_an_image_cannot_be_ordered_plainly() {
    let w = World::new();
    let alice = w.customer("alice");
    let saas = w.saas();
    assert_eq!(
        w.refused(|| w.market.provision_image(&alice, &saas.id, quick("Cloud#2026x"), None)).rule(),
        Some("IMG-1")
    );
    let img = w.list(fixtures::image_draft());
    let err = w.refused(|| w.market.place_order(&alice, World::request(&img, "Default", BillingMode::Monthly, 1, 1)));
    assert_eq!(err.rule(), Some("IMG-1"));
}

#[test]
fn img_2_customized_provisioning_prices_instances_periods_and_eip() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    let order = w.market.provision_image(&alice, &p.id, customized(3, "web-01"), None).unwrap();
    // (10 + 50 + 4 + 5 × 2) × 3 instances × 2 months.
    assert_eq!(order.quote.total, usd("444.00"));
    assert_eq!(order.quote.lines.len(), 4);
    assert!(order.quote.lines[3].label.contains("EIP"));
}

#[test]
fn img_2_instances_must_be_1_to_50() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    for n in [0, 51] {
        let err = w.refused(|| w.market.provision_image(&alice, &p.id, customized(n, "web-01"), None));
        assert_eq!(field(&err), "instances", "{n}");
    }
    assert!(w.market.provision_image(&alice, &p.id, customized(50, "web-01"), None).is_ok());
}

#[test]
fn img_2_server_names_are_1_to_64_letters_digits_underscore_dash_dot() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    for bad in ["", "web 01", "web/01"] {
        assert_eq!(
            field(&w.refused(|| w.market.provision_image(&alice, &p.id, customized(1, bad), None))),
            "server_name"
        );
    }
    // The length is a text's limit, checked with the field's path before anything else.
    let long = "a".repeat(65);
    let err = w.refused(|| w.market.provision_image(&alice, &p.id, customized(1, &long), None));
    assert_eq!(field(&err), "request.customization.server_name");
}

#[test]
fn img_2_periods_follow_the_billing_mode() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    let mut r = customized(1, "web-01");
    r.customization.as_mut().unwrap().periods = 10;
    assert_eq!(field(&w.refused(|| w.market.provision_image(&alice, &p.id, r, None))), "periods");
}

#[test]
fn img_3_the_password_error_says_which_condition_failed() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    let cases = [
        ("Ab1#", "8–26 characters"),
        ("abcdefgh", "at least 3 of"),
        ("Rootpass#1", "root"),
        ("Abc 123#xyz", "not allowed"),
    ];
    for (pw, says) in cases {
        let err = w.refused(|| w.market.provision_image(&alice, &p.id, quick(pw), None));
        assert_eq!(field(&err), "login_password");
        assert!(err.to_string().contains(says), "{pw}: {err}");
        assert!(!err.to_string().contains(pw) || pw.len() < 8, "the error must not echo the password");
    }
}

#[test]
fn img_1_quick_provisioning_bills_the_mode_the_customer_chooses() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    let card = Some(PaymentMethod::CreditCard);
    let yearly = ImageProvisioning { quick_mode: Some(BillingMode::Yearly), ..quick("Cloud#2026x") };
    let order = w.market.provision_image(&alice, &p.id, yearly, card).unwrap();
    assert_eq!((order.mode, order.periods), (BillingMode::Yearly, 1));
    assert_eq!(order.quote.total, usd("640.00")); // 100 + 500 + 40 × 1
    assert_eq!(order.amount_paid(), usd("640.00"));
    let hourly = ImageProvisioning { quick_mode: Some(BillingMode::PayPerUse), ..quick("Cloud#2026x") };
    let order = w.market.provision_image(&alice, &p.id, hourly, card).unwrap();
    assert_eq!((order.mode, order.quote.total), (BillingMode::PayPerUse, usd("0.00")));
    // Pay-per-use pays nothing up front: the app accrues from now (PRC-7).
    let app = w.market.app(&alice, order.app.as_ref().unwrap()).unwrap();
    assert!(app.metering.as_ref().unwrap().accruing_since.is_some());
    // Only the modes the image offers, and never one-time; customized provisioning sets its
    // mode in the customization.
    let one_time = ImageProvisioning { quick_mode: Some(BillingMode::OneTime), ..quick("Cloud#2026x") };
    assert_eq!(field(&w.refused(|| w.market.provision_image(&alice, &p.id, one_time.clone(), card))), "quick_mode");
    let mut monthly_only = fixtures::image_draft();
    monthly_only.specifications[0].plans.retain(|plan| plan.mode == BillingMode::Monthly);
    let p2 = w.list(monthly_only);
    let yearly = ImageProvisioning { quick_mode: Some(BillingMode::Yearly), ..quick("Cloud#2026x") };
    let err = w.refused(|| w.market.provision_image(&alice, &p2.id, yearly, card));
    assert!(err.to_string().contains("monthly"), "the error names the offered modes: {err}");
    let both = ImageProvisioning { quick_mode: Some(BillingMode::Yearly), ..customized(1, "web-1") };
    assert_eq!(field(&w.refused(|| w.market.provision_image(&alice, &p.id, both, None))), "quick_mode");
}

#[test]
fn ord_7_an_image_order_counts_and_is_refused_past_the_limit() {
    let w = World::with_policy(Policy { max_unpaid_orders_per_customer: 2, ..Policy::default() });
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    // Quick provisioning is paid at once: it leaves no unpaid order.
    w.market.provision_image(&alice, &p.id, quick("Cloud#2026x"), Some(PaymentMethod::CreditCard)).unwrap();
    w.market.provision_image(&alice, &p.id, customized(1, "web-1"), None).unwrap();
    let saas = w.saas();
    w.market.place_order(&alice, World::request(&saas, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    let card = Some(PaymentMethod::CreditCard);
    let err = w.refused(|| w.market.provision_image(&alice, &p.id, quick("Cloud#2026x"), card));
    assert_eq!(err.rule(), Some("ORD-7"));
}
