//! Unsubscription and refunds through the facade (UNS-1..6).

#[path = "lifecycle/mod.rs"]
mod common;

use appmarket::testing::fixtures;
use appmarket::*;
use chrono::Duration;
use common::*;

#[test]
fn uns_1_saas_license_professional_service_and_pay_per_use_cannot_be_unsubscribed() {
    let w = world();
    let (_, saas) = w.saas_app(1);
    let p = w.list(fixtures::license_draft());
    let (_, license) = w.buy(&p, "Annual License", BillingMode::Monthly, 1, 1);
    let (_, ppu) = w.image_app(BillingMode::PayPerUse, 1);
    for app in [&saas, &license, &ppu] {
        let err = refused(&w, || w.market.unsubscribe(&w.alice, app));
        assert_eq!(rule(&err), "UNS-1", "{err}");
    }
    let actions = w.market.available_actions(&w.alice, &Target::App(saas)).unwrap();
    let u = actions.iter().find(|a| a.action == Action::Unsubscribe).unwrap();
    assert_eq!((u.allowed, u.rule.as_deref()), (false, Some("UNS-1")));
}

#[test]
fn uns_1_unsubscribing_twice_and_unknown_or_foreign_apps_are_refused() {
    let w = world();
    let (_, app) = w.image_app(BillingMode::Monthly, 1);
    assert!(matches!(refused(&w, || w.market.unsubscribe(&w.bob, &app)), Error::Forbidden { .. }));
    let unknown = AppId::parse("APP-404").unwrap();
    assert!(matches!(refused(&w, || w.market.unsubscribe(&w.alice, &unknown)), Error::NotFound { .. }));
    w.market.unsubscribe(&w.alice, &app).unwrap();
    assert_eq!(rule(&refused(&w, || w.market.unsubscribe(&w.alice, &app))), "UNS-1");
}

#[test]
fn uns_3_unconditional_refund_up_to_120_hours() {
    let w = world();
    let (order, app) = w.image_app(BillingMode::Monthly, 1);
    assert_eq!(order.quote.total, money("64.00 USD"));
    w.advance(Duration::hours(120));
    let before = w.store.snapshot();
    let q = w.market.quote_unsubscribe(&w.alice, &app).unwrap();
    assert!(w.store.snapshot() == before, "a quote changes nothing");
    assert!(q.unconditional);
    assert_eq!(q.quote.total, money("64.00 USD"));
    let done = w.market.unsubscribe(&w.alice, &app).unwrap();
    assert_eq!(done.status, OrderStatus::Unsubscribed);
    assert_eq!(done.refunded, money("64.00 USD"));
    assert_eq!(w.app(&app).status, AppStatus::Unsubscribed);
    assert_eq!(w.payments.refunds().last().unwrap().amount, money("64.00 USD"));
}

#[test]
fn uns_3_the_refund_line_names_the_policys_window() {
    let w = world();
    let (order, app) = w.image_app(BillingMode::Monthly, 1);
    let q = w.market.quote_unsubscribe(&w.alice, &app).unwrap();
    assert_eq!(
        q.quote.lines[0].label,
        format!("Order {}: paid, unconditional unsubscription within 5 days (UNS-3)", order.id)
    );
    let w = world_at("2026-04-15T02:00:00Z", Policy { unconditional_unsubscribe_hours: 36, ..Policy::default() });
    let (order, app) = w.image_app(BillingMode::Monthly, 1);
    w.advance(Duration::hours(36));
    let q = w.market.quote_unsubscribe(&w.alice, &app).unwrap();
    assert!(q.unconditional);
    assert_eq!(
        q.quote.lines[0].label,
        format!("Order {}: paid, unconditional unsubscription within 36 hours (UNS-3)", order.id)
    );
    w.advance(Duration::seconds(1));
    assert!(!w.market.quote_unsubscribe(&w.alice, &app).unwrap().unconditional);
    assert_eq!(appmarket::unsubscribe::window_text(24), "1 day");
}

#[test]
fn uns_3_at_120_hours_and_1_second_the_formula_applies() {
    let w = world();
    let (_, app) = w.image_app(BillingMode::Monthly, 1);
    w.advance(Duration::hours(120) + Duration::seconds(1));
    let q = w.market.quote_unsubscribe(&w.alice, &app).unwrap();
    assert!(!q.unconditional);
    // 64 − 64 × 120/734 − 10% = 47.14
    assert_eq!(q.quote.total, money("47.14 USD"));
    let done = w.market.unsubscribe(&w.alice, &app).unwrap();
    assert_eq!(done.refunded, money("47.14 USD"));
    assert!(done.unconditional_unsubscription_at.is_none());
}

fn unsubscribe_n(w: &World, n: usize) {
    for _ in 0..n {
        let (_, app) = w.image_app(BillingMode::Monthly, 1);
        assert!(w.market.unsubscribe(&w.alice, &app).unwrap().unconditional_unsubscription_at.is_some());
    }
}

#[test]
fn uns_3_the_10th_unconditional_unsubscription_in_a_year_is_allowed_and_the_11th_is_not() {
    let w = world();
    unsubscribe_n(&w, 9);
    let (_, tenth) = w.image_app(BillingMode::Monthly, 1);
    let (_, eleventh) = w.image_app(BillingMode::Monthly, 1);
    assert!(w.market.quote_unsubscribe(&w.alice, &tenth).unwrap().unconditional);
    w.market.unsubscribe(&w.alice, &tenth).unwrap();
    let q = w.market.quote_unsubscribe(&w.alice, &eleventh).unwrap();
    assert!(!q.unconditional);
    assert!(q.quote.total.amount < money("64.00 USD").amount);
}

#[test]
fn uns_3_the_yearly_limit_resets_on_1_january_in_the_billing_zone() {
    let w = world_at("2026-12-28T02:00:00Z", Policy::default());
    unsubscribe_n(&w, 10);
    let (_, a) = w.image_app(BillingMode::Monthly, 1);
    let (_, b) = w.image_app(BillingMode::Monthly, 1);
    // 31 December 23:59 local (UTC+8) is still 2026: the limit is used up.
    w.clock.set(at("2026-12-31T15:59:00Z")).unwrap();
    assert!(w.market.unsubscribe(&w.alice, &a).unwrap().unconditional_unsubscription_at.is_none());
    // 1 January 00:00 local: a new year.
    w.clock.set(at("2026-12-31T16:00:00Z")).unwrap();
    let done = w.market.unsubscribe(&w.alice, &b).unwrap();
    assert!(done.unconditional_unsubscription_at.is_some());
    assert_eq!(done.refunded, money("64.00 USD"));
}

#[test]
fn uns_4_refund_is_paid_less_consumed_hours_less_the_handling_fee() {
    let w = world();
    let (_, app) = w.image_app(BillingMode::Monthly, 1);
    w.advance(Duration::days(10));
    let q = w.market.quote_unsubscribe(&w.alice, &app).unwrap();
    // Order hours: 04-15 10:00 to 05-16 00:00 local = 734; used 240; fee 10%.
    assert_eq!(q.quote.total, money("36.67 USD"));
    let labels: Vec<&str> = q.quote.lines.iter().map(|l| l.label.as_str()).collect();
    assert!(labels[1].contains("240 of 734 hours"), "{labels:?}");
    assert!(labels[2].contains("Handling fee 10%"), "{labels:?}");
}

#[test]
fn uns_4_a_refund_the_formula_takes_below_zero_is_zero() {
    let w = world();
    let (_, app) = w.image_app(BillingMode::Monthly, 1);
    w.tick_at("2026-05-20T02:00:00Z");
    assert_eq!(w.app(&app).status, AppStatus::GracePeriod);
    let q = w.market.quote_unsubscribe(&w.alice, &app).unwrap();
    assert_eq!(q.quote.total, money("0.00 USD"));
    let done = w.market.unsubscribe(&w.alice, &app).unwrap();
    assert_eq!((done.status, done.refunded), (OrderStatus::Unsubscribed, money("0.00 USD")));
}

#[test]
fn uns_4_a_yearly_term_across_29_february_counts_its_real_hours() {
    let w = world_at("2027-03-10T02:00:00Z", Policy::default());
    let (order, app) = w.image_app(BillingMode::Yearly, 1);
    assert_eq!(order.quote.total, money("640.00 USD"));
    w.clock.set(at("2027-09-10T02:00:00Z")).unwrap();
    let q = w.market.quote_unsubscribe(&w.alice, &app).unwrap();
    // 366 days + 14 hours to midnight after 2028-03-10; 184 days used.
    assert!(q.quote.lines[1].label.contains("4416 of 8798 hours"), "{:?}", q.quote.lines[1]);
    assert_eq!(q.quote.total, money("254.76 USD"));
}

#[test]
fn uns_4_the_handling_fee_bands_cover_every_term_the_policy_allows() {
    // The default terms (9 months, 3 years) have their bands.
    assert!(Policy::default().validate().is_ok());
    // Five-year terms need bands for 4 and 5 years.
    let five = Policy { max_yearly_periods: 5, ..Policy::default() };
    let err = five.validate().unwrap_err();
    assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "handling_fees"), "{err}");
    assert!(err.to_string().contains("4-year"), "{err}");
    let mut banded = five.clone();
    let pct = |n: i64| rust_decimal::Decimal::new(n, 0);
    banded.handling_fees.longer_term_percent.insert(4, vec![pct(20), pct(15), pct(10), pct(5)]);
    banded.handling_fees.longer_term_percent.insert(5, vec![pct(20), pct(15)]);
    assert!(banded.validate().is_ok());
    // A monthly order of 24 months is a 2-year term: its band exists by default.
    assert!(Policy { max_monthly_periods: 24, ..Policy::default() }.validate().is_ok());
    assert!(Policy { max_monthly_periods: 48, ..Policy::default() }.validate().is_err());
    // A band holds 1 to its years' fees; keys name 4–10 years.
    let mut long = banded.clone();
    long.handling_fees.longer_term_percent.insert(5, vec![pct(1); 6]);
    assert!(long.validate().is_err());
    let mut empty = banded.clone();
    empty.handling_fees.longer_term_percent.insert(4, vec![]);
    assert!(empty.validate().is_err());
    let mut odd = banded.clone();
    odd.handling_fees.longer_term_percent.insert(11, vec![pct(1)]);
    assert!(odd.validate().is_err());
    let mut too_high = banded.clone();
    too_high.handling_fees.longer_term_percent.insert(4, vec![pct(101)]);
    assert!(too_high.validate().is_err());
    // The fee of a year of use past the band's last is the last (20, 15, then 15).
    let start = at("2026-01-10T02:00:00Z");
    let fee = |months, now: &str| {
        appmarket::unsubscribe::handling_fee_percent(months, start, at(now), &banded).normalize().to_string()
    };
    assert_eq!(fee(60, "2026-06-01T00:00:00Z"), "20");
    assert_eq!(fee(60, "2027-06-01T00:00:00Z"), "15");
    assert_eq!(fee(60, "2029-06-01T00:00:00Z"), "15");
    assert_eq!(fee(48, "2029-06-01T00:00:00Z"), "5");
    // The JSON form: keys are the years.
    let json = banded.to_json();
    assert_eq!(Policy::from_json(&json).unwrap(), banded);
    assert!(json.contains("\"longer_term_percent\""), "{json}");
}

#[test]
fn uns_5_a_renewal_period_not_started_is_refunded_in_full() {
    let w = world();
    let (_, app) = w.image_app(BillingMode::Monthly, 1);
    let renewal = w.market.renew(&w.alice, &app, 1, None).unwrap();
    w.pay(&w.alice, &renewal);
    w.advance(Duration::days(10));
    let q = w.market.quote_unsubscribe(&w.alice, &app).unwrap();
    assert_eq!(q.parts[0].refund, money("36.67 USD"));
    assert_eq!(q.parts[1].refund, money("64.00 USD"));
    assert_eq!(q.quote.total, money("100.67 USD"));
    w.market.unsubscribe(&w.alice, &app).unwrap();
    assert_eq!(w.order(&renewal.id).status, OrderStatus::Unsubscribed);
    assert_eq!(w.order(&renewal.id).refunded, money("64.00 USD"));
    assert_eq!(w.app(&app).status, AppStatus::Unsubscribed);
}

fn big_image(w: &World) -> (Order, AppId) {
    let p = w.list(fixtures::image_draft());
    let request = ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: "vpc-1".into(), subnet: "subnet-1".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new("Str0ng!Pass"),
        agree_terms: true,
        customization: Some(Customization {
            mode: BillingMode::Yearly,
            eip_mbit: None,
            server_name: "big".into(),
            periods: 1,
            instances: 12,
        }),
    };
    let order = w.market.provision_image(&w.alice, &p.id, request, None).unwrap();
    let paid = w.market.pay(&w.alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    let app = paid.app.clone().unwrap();
    (paid, app)
}

#[test]
fn uns_5_a_refund_above_7000_usd_waits_for_operator_review_then_approval_refunds() {
    let w = world();
    let (order, app) = big_image(&w);
    assert_eq!(order.quote.total, money("7680.00 USD"));
    let pending = w.market.unsubscribe(&w.alice, &app).unwrap();
    assert_eq!(pending.status, OrderStatus::Completed);
    assert_eq!(pending.pending_unsubscription.as_ref().map(|p| p.kind), Some(PendingKind::OperatorReview));
    assert_eq!(w.app(&app).status, AppStatus::Active);
    assert_eq!(rule(&refused(&w, || w.market.unsubscribe(&w.alice, &app))), "UNS-5");
    assert!(matches!(
        refused(&w, || w.market.review_unsubscription(&w.alice, &order.id, true)),
        Error::Forbidden { .. }
    ));
    let done = w.market.review_unsubscription(&w.operator, &order.id, true).unwrap();
    assert_eq!((done.status, done.refunded), (OrderStatus::Unsubscribed, money("7680.00 USD")));
    assert_eq!(w.app(&app).status, AppStatus::Unsubscribed);
}

#[test]
fn uns_5_a_rejected_review_leaves_the_app_subscribed() {
    let w = world();
    let (order, app) = big_image(&w);
    w.market.unsubscribe(&w.alice, &app).unwrap();
    let after = w.market.review_unsubscription(&w.operator, &order.id, false).unwrap();
    assert!(after.pending_unsubscription.is_none());
    assert_eq!(after.status, OrderStatus::Completed);
    assert_eq!(rule(&refused(&w, || w.market.review_unsubscription(&w.operator, &order.id, true))), "UNS-5");
}

fn supervised_order(w: &World) -> (Order, AppId) {
    let p = w.list(fixtures::license_draft());
    let (order, app) = w.buy(&p, "Annual License", BillingMode::Monthly, 1, 1);
    assert_eq!(order.status, OrderStatus::Processing, "the licence's service flow is open");
    (w.order(&order.id), app)
}

#[test]
fn uns_6_negotiated_refund_approved_by_the_seller_unsubscribes_with_that_refund() {
    let w = world();
    let (order, app) = supervised_order(&w);
    let asked = w.market.request_refund(&w.alice, &order.id, money("40 USD"), "not what we needed").unwrap();
    assert_eq!(asked.pending_unsubscription.as_ref().map(|p| p.kind), Some(PendingKind::NegotiatedRefund));
    let other_seller = Actor::seller("isv-2").unwrap();
    assert!(matches!(
        refused(&w, || w.market.resolve_refund_request(&other_seller, &order.id, true)),
        Error::Forbidden { .. }
    ));
    let done = w.market.resolve_refund_request(&w.seller, &order.id, true).unwrap();
    assert_eq!((done.status, done.refunded), (OrderStatus::Unsubscribed, money("40.00 USD")));
    assert_eq!(w.app(&app).status, AppStatus::Unsubscribed);
}

#[test]
fn uns_6_a_rejected_negotiated_refund_changes_nothing_but_the_request() {
    let w = world();
    let (order, _) = supervised_order(&w);
    w.market.request_refund(&w.alice, &order.id, money("40 USD"), "late").unwrap();
    let after = w.market.resolve_refund_request(&w.seller, &order.id, false).unwrap();
    assert!(after.pending_unsubscription.is_none());
    assert_eq!(after.status, OrderStatus::Processing);
}

#[test]
fn uns_6_refund_amounts_out_of_bounds_are_refused() {
    let w = world();
    let (order, _) = supervised_order(&w);
    for bad in ["0 USD", "-1 USD", "100.01 USD"] {
        let err = refused(&w, || w.market.request_refund(&w.alice, &order.id, money(bad), "why"));
        assert_eq!(field(&err), "amount", "{bad}");
    }
    assert_eq!(field(&refused(&w, || w.market.request_refund(&w.alice, &order.id, money("5 EUR"), "why"))), "amount");
    assert!(matches!(
        refused(&w, || w.market.request_refund(&w.bob, &order.id, money("5 USD"), "why")),
        Error::Forbidden { .. }
    ));
    assert!(w.market.request_refund(&w.alice, &order.id, money("100 USD"), "all of it").is_ok());
}

#[test]
fn uns_6_only_open_supervised_orders_take_a_negotiated_refund() {
    let w = world();
    let (order, _) = w.saas_app(1);
    let err = refused(&w, || w.market.request_refund(&w.alice, &order.id, money("5 USD"), "why"));
    assert_eq!(rule(&err), "UNS-6");
    let actions = w.market.available_actions(&w.alice, &Target::Order(order.id.clone())).unwrap();
    let r = actions.iter().find(|a| a.action == Action::RequestRefund).unwrap();
    assert_eq!(r.rule.as_deref(), Some("UNS-6"));
}

#[test]
fn uns_6_approval_closes_the_service_flow_with_a_record() {
    let w = world();
    let (order, app) = supervised_order(&w);
    w.market.request_refund(&w.alice, &order.id, money("40 USD"), "not what we needed").unwrap();
    w.market.resolve_refund_request(&w.seller, &order.id, true).unwrap();
    let flow = w.market.flow_of_order(&w.alice, &order.id).unwrap();
    assert_eq!(flow.status, FlowStatus::Closed);
    let records = w.market.records(&w.alice, &Target::Flow(flow.id.clone()), 0, None).unwrap();
    let last = records.last().unwrap();
    assert!(matches!(
        &last.kind,
        EventKind::Flow(appmarket::supervision::FlowEvent::Closed {
            reason: appmarket::supervision::CloseReason::NegotiatedRefund
        })
    ));
    // The seller can no longer deliver to, nor push information to, the unsubscribed app.
    let err = refused(&w, || w.market.deliver(&w.seller, &flow.id, Delivery::default(), None));
    assert!(matches!(err, Error::NotAllowed { .. }), "{err}");
    assert_eq!(w.app(&app).status, AppStatus::Unsubscribed);
}

#[test]
fn uns_6_apl_2_no_refund_request_or_decision_while_an_appeal_freezes_the_flow() {
    let w = world();
    let (order, _) = supervised_order(&w);
    w.market.request_refund(&w.alice, &order.id, money("40 USD"), "late").unwrap();
    // The seller stays idle for more than 5 days: the customer appeals, the flow freezes.
    w.advance(Duration::days(5) + Duration::seconds(1));
    let flow = w.market.flow_of_order(&w.alice, &order.id).unwrap();
    let appeal = w.market.open_appeal(&w.alice, &flow.id, "Seller silent").unwrap();
    for approve in [true, false] {
        let err = refused(&w, || w.market.resolve_refund_request(&w.seller, &order.id, approve));
        assert_eq!(rule(&err), "APL-2", "{err}");
    }
    // Resumed, the request is decided; then a new request on a frozen flow is refused too.
    w.market.resolve_appeal(&w.operator, &appeal.id, Resolution::Resume).unwrap();
    w.market.resolve_refund_request(&w.seller, &order.id, false).unwrap();
    w.advance(Duration::days(5) + Duration::seconds(1));
    w.market.open_appeal(&w.alice, &flow.id, "Seller silent again").unwrap();
    let err = refused(&w, || w.market.request_refund(&w.alice, &order.id, money("40 USD"), "late"));
    assert_eq!(rule(&err), "APL-2");
    let actions = w.market.available_actions(&w.alice, &Target::Order(order.id.clone())).unwrap();
    let r = actions.iter().find(|a| a.action == Action::RequestRefund).unwrap();
    assert_eq!((r.allowed, r.rule.as_deref()), (false, Some("APL-2")));
}

#[test]
fn uns_6_approval_rechecks_that_supervision_is_still_open() {
    let w = world();
    let (order, _) = supervised_order(&w);
    w.market.request_refund(&w.alice, &order.id, money("40 USD"), "late").unwrap();
    // Meanwhile the seller delivers and the customer accepts: supervision has completed.
    let flow = w.market.flow_of_order(&w.alice, &order.id).unwrap();
    w.market.deliver(&w.seller, &flow.id, Delivery::default(), None).unwrap();
    w.market.confirm_acceptance(&w.alice, &flow.id).unwrap();
    let err = refused(&w, || w.market.resolve_refund_request(&w.seller, &order.id, true));
    assert_eq!(rule(&err), "UNS-6");
    assert!(err.to_string().contains("open supervision"), "{err}");
}

#[test]
fn uns_6_negotiated_refunds_are_a_policy_switch() {
    let w = world_at("2026-04-15T02:00:00Z", Policy { negotiated_refunds: false, ..Policy::default() });
    let (order, _) = supervised_order(&w);
    let err = refused(&w, || w.market.request_refund(&w.alice, &order.id, money("40 USD"), "late"));
    assert_eq!(rule(&err), "UNS-6");
    let actions = w.market.available_actions(&w.alice, &Target::Order(order.id.clone())).unwrap();
    assert!(!actions.iter().find(|a| a.action == Action::RequestRefund).unwrap().allowed);
    assert!(Policy::from_json(r#"{"negotiated_refunds": false}"#).is_ok());
}

#[test]
fn sup_8_policy_may_complete_an_uninvoiced_flow_instead_of_refunding_it() {
    let w = world_at("2026-04-15T02:00:00Z", Policy { max_age_refunds_uninvoiced: false, ..Policy::default() });
    let (order, _) = supervised_order(&w);
    w.advance(Duration::days(365));
    w.market.tick(&Actor::System).unwrap();
    let after = w.order(&order.id);
    assert_eq!((after.status, after.refunded), (OrderStatus::Completed, money("0.00 USD")));
    assert!(w.payments.refunds().is_empty());
}

/// The image fixture priced in euros.
fn euro_image(w: &World) -> (Order, AppId) {
    let mut draft = fixtures::image_draft();
    let eur = |m: Money| Money::new(m.amount, Currency::EUR);
    for plan in &mut draft.specifications[0].plans {
        plan.price = eur(plan.price);
    }
    for r in &mut draft.image.as_mut().unwrap().plans {
        (r.flavour, r.disk_per_gb, r.eip_per_mbit) = (eur(r.flavour), eur(r.disk_per_gb), eur(r.eip_per_mbit));
    }
    let p = w.list(draft);
    let request = ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: "vpc-1".into(), subnet: "subnet-1".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new("Str0ng!Pass"),
        agree_terms: true,
        customization: None,
    };
    let paid = w.market.provision_image(&w.alice, &p.id, request, Some(PaymentMethod::CreditCard)).unwrap();
    let app = paid.app.clone().unwrap();
    (paid, app)
}

#[test]
fn uns_5_a_refund_in_a_currency_without_a_threshold_waits_for_review() {
    let w = world();
    let (order, app) = euro_image(&w);
    assert_eq!(order.quote.total, money("64.00 EUR"));
    assert!(w.market.quote_unsubscribe(&w.alice, &app).unwrap().needs_review);
    let pending = w.market.unsubscribe(&w.alice, &app).unwrap();
    assert_eq!(pending.pending_unsubscription.map(|p| p.kind), Some(PendingKind::OperatorReview));
}

#[test]
fn uns_5_a_refund_in_a_currency_without_a_threshold_follows_the_policys_choice() {
    let policy = Policy { review_refunds_without_threshold: false, ..Policy::default() };
    let w = world_at("2026-04-15T02:00:00Z", policy);
    let (_, app) = euro_image(&w);
    assert!(!w.market.quote_unsubscribe(&w.alice, &app).unwrap().needs_review, "never reviewed");
    let done = w.market.unsubscribe(&w.alice, &app).unwrap();
    assert_eq!((done.status, done.refunded), (OrderStatus::Unsubscribed, money("64.00 EUR")));
    // A currency with a threshold keeps it.
    let policy = Policy { review_refunds_without_threshold: false, ..Policy::default() };
    let usd = world_at("2026-04-15T02:00:00Z", Policy { unsubscribe_review_above: money("10 USD"), ..policy });
    let (_, app) = usd.image_app(BillingMode::Monthly, 1);
    assert!(usd.market.quote_unsubscribe(&usd.alice, &app).unwrap().needs_review);
    assert!(Policy::default().review_refunds_without_threshold, "by default such a refund is reviewed");
}

#[test]
fn uns_5_thresholds_are_set_per_currency() {
    let policy = Policy { unsubscribe_review_thresholds: vec![money("6500 EUR")], ..Policy::default() };
    let w = world_at("2026-04-15T02:00:00Z", policy.clone());
    let (_, app) = euro_image(&w);
    assert!(!w.market.quote_unsubscribe(&w.alice, &app).unwrap().needs_review);
    let done = w.market.unsubscribe(&w.alice, &app).unwrap();
    assert_eq!(done.status, OrderStatus::Unsubscribed);
    assert_eq!(policy.review_threshold(Currency::USD), Some(money("7000 USD")));
    assert_eq!(policy.review_threshold(Currency::EUR), Some(money("6500 EUR")));
    assert_eq!(policy.review_threshold(Currency::JPY), None);
    // Old policy JSON still loads; nonsense thresholds are refused.
    assert_eq!(Policy::from_json(r#"{"appeal_idle_days": 5}"#).unwrap(), Policy::default());
    let twice = Policy { unsubscribe_review_thresholds: vec![money("1 EUR"), money("2 EUR")], ..Policy::default() };
    assert!(twice.validate().is_err());
    let negative = Policy { unsubscribe_review_thresholds: vec![money("-1 EUR")], ..Policy::default() };
    assert!(negative.validate().is_err());
    assert_eq!(Policy::from_json(&policy.to_json()).unwrap(), policy);
}

#[test]
fn uns_3_the_yearly_count_is_kept_on_the_account_and_registering_again_does_not_reset_it() {
    let w = world();
    unsubscribe_n(&w, 10);
    let account = CustomerAccount::with_card(CustomerId::parse("alice").unwrap());
    let registered = w.market.register_customer(account).unwrap();
    assert_eq!(registered.unconditional_unsubscriptions.count, 10, "the host cannot reset the quota");
    let (_, eleventh) = w.image_app(BillingMode::Monthly, 1);
    assert!(!w.market.quote_unsubscribe(&w.alice, &eleventh).unwrap().unconditional);
}
