//! Purchased apps and upgrades (APP-1..6, PRC-4..6).

mod support;

use appmarket::*;
use chrono::Duration;
use support::{World, usd};

fn bought(w: &World, buyer: &Actor, mode: BillingMode, quantity: u32) -> PurchasedApp {
    let p = w.saas();
    let order = w.buy(buyer, World::request(&p, "Standard", mode, quantity, 1));
    w.market.app(buyer, order.app.as_ref().unwrap()).unwrap()
}

#[test]
fn app_2_the_seeds_example_expires_2020_10_01_15_59_59_utc_with_30_days_left() {
    let w = World::new();
    let clock = ManualClock::at("2020-09-01T02:26:48Z").unwrap();
    let market = Marketplace::builder().clock(clock.clone()).build().unwrap();
    let alice = CustomerId::parse("alice").unwrap();
    market.register_customer(CustomerAccount::with_card(alice.clone())).unwrap();
    let alice = Actor::Customer(alice);
    let p = market.list_product(&w.seller, appmarket::testing::fixtures::saas_draft()).unwrap();
    let order = market.place_order(&alice, World::request(&p, "Standard", BillingMode::Monthly, 10, 1)).unwrap();
    market.accept_terms(&alice, &order.id).unwrap();
    let order = market.pay(&alice, &order.id, Some(PaymentMethod::Online)).unwrap();
    let app = market.app(&alice, order.app.as_ref().unwrap()).unwrap();
    assert_eq!(app.purchased_at.to_rfc3339(), "2020-09-01T02:26:48+00:00");
    assert_eq!(app.expires_at().unwrap().to_rfc3339(), "2020-10-01T15:59:59+00:00");
    assert_eq!(app.remaining_days(clock.instant()), 30);
}

#[test]
fn app_2_a_month_end_anchor_comes_back_to_the_31st() {
    let zone = Policy::default().zone();
    let start = appmarket::time::parse_instant("2026-01-31T04:00:00Z").unwrap();
    let term = Term::starting(start, 1, zone);
    assert_eq!(term.expiry_date(zone).to_string(), "2026-02-28");
    let term = term.extended(1, zone);
    assert_eq!(term.expiry_date(zone).to_string(), "2026-03-31");
    let term = term.extended(1, zone);
    assert_eq!(term.expiry_date(zone).to_string(), "2026-04-30");
    assert_eq!(term.extended(1, zone).expiry_date(zone).to_string(), "2026-05-31");
}

#[test]
fn app_2_the_anchor_is_the_start_date_in_the_billing_zone() {
    // 2026-01-31 17:00 UTC is already 1 February in UTC+08:00.
    let zone = Policy::default().zone();
    let term = Term::starting(appmarket::time::parse_instant("2026-01-31T17:00:00Z").unwrap(), 1, zone);
    assert_eq!(term.anchor.to_string(), "2026-02-01");
    assert_eq!(term.expiry_date(zone).to_string(), "2026-03-01");
}

#[test]
fn app_1_an_app_records_what_was_bought_and_from_whom() {
    let w = World::new();
    let alice = w.customer("alice");
    let app = bought(&w, &alice, BillingMode::Yearly, 10);
    assert_eq!((app.specification.as_str(), app.quantity, app.mode), ("Standard", 10, BillingMode::Yearly));
    assert_eq!(app.product_name, "Coremail Pro Email Hosting");
    assert_eq!(app.seller.seller, SellerId::parse("isv-1").unwrap());
    assert_eq!(app.expires_at().unwrap().to_rfc3339(), "2027-04-15T15:59:59+00:00");
}

#[test]
fn app_5_only_the_owner_reveals_the_password_and_the_reveal_is_recorded() {
    let w = World::new();
    let alice = w.customer("alice");
    let mallory = w.customer("mallory");
    let app = bought(&w, &alice, BillingMode::Monthly, 10);
    let info = ApplicationInfo {
        username: "admin@alice".into(),
        management_url: "https://mail.example/admin".into(),
        frontend_url: "https://mail.example".into(),
        product_guide: "https://mail.example/guide".into(),
        has_password: false,
    };
    let err = w.refused(|| w.market.reveal_password(&alice, &app.id));
    assert_eq!(err.rule(), Some("APP-5"));
    assert!(matches!(
        w.refused(|| w.market.provide_application_info(&alice, &app.id, info.clone(), None)),
        Error::Forbidden { .. }
    ));
    let app = w.market.provide_application_info(&w.seller, &app.id, info, Some(Secret::new("S3cret!pw"))).unwrap();
    assert!(app.info.has_password);
    assert!(matches!(w.refused(|| w.market.reveal_password(&mallory, &app.id)), Error::Forbidden { .. }));
    assert_eq!(w.market.reveal_password(&alice, &app.id).unwrap().expose(), "S3cret!pw");
    let records = w.market.records(&alice, &Target::App(app.id.clone()), 0, None).unwrap();
    assert!(
        records.iter().any(|e| matches!(e.kind, EventKind::App(app::AppEvent::PasswordRevealed)) && e.actor == alice)
    );
}

#[test]
fn app_5_the_password_is_in_no_debug_serde_or_event() {
    let w = World::new();
    let alice = w.customer("alice");
    let app = bought(&w, &alice, BillingMode::Monthly, 10);
    let app = w
        .market
        .provide_application_info(&w.seller, &app.id, ApplicationInfo::default(), Some(Secret::new("Tr0ub4dor&3")))
        .unwrap();
    w.market.reveal_password(&alice, &app.id).unwrap();
    assert!(!format!("{app:?}").contains("Tr0ub4dor"));
    assert!(!serde_json::to_string(&app).unwrap().contains("Tr0ub4dor"));
    assert!(!format!("{:?}", w.market.events_since(0, 1000).unwrap()).contains("Tr0ub4dor"));
    assert!(!w.snapshot().contains("Tr0ub4dor"));
}

#[test]
fn app_6_remaining_days_are_whole_days_and_never_negative() {
    let w = World::new();
    let alice = w.customer("alice");
    let app = bought(&w, &alice, BillingMode::Monthly, 10);
    // Bought 2026-04-15 10:00 (UTC+8), expires 2026-05-15 23:59:59 (UTC+8).
    assert_eq!(app.remaining_days(w.clock.instant()), 30);
    assert_eq!(app.remaining_days(w.clock.instant() + Duration::days(29)), 1);
    assert_eq!(app.remaining_days(w.clock.instant() + Duration::days(60)), 0);
}

#[test]
fn app_6_listing_filters_and_pages_purchased_apps() {
    let w = World::new();
    let alice = w.customer("alice");
    bought(&w, &alice, BillingMode::Monthly, 10);
    bought(&w, &alice, BillingMode::Yearly, 5);
    let all = w.market.apps(&alice, &AppFilter::default(), 1, Some(10)).unwrap();
    assert_eq!(all.total, 2);
    let yearly = w
        .market
        .apps(&alice, &AppFilter { mode: Some(BillingMode::Yearly), ..AppFilter::default() }, 1, Some(10))
        .unwrap();
    assert_eq!(yearly.items[0].quantity, 5);
    let bob = w.customer("bob");
    assert_eq!(w.market.apps(&bob, &AppFilter::default(), 1, Some(10)).unwrap().total, 0);
}

#[test]
fn life_1_an_expired_app_enters_grace_then_retention_then_release() {
    let w = World::new();
    let alice = w.customer("alice");
    let app = bought(&w, &alice, BillingMode::Monthly, 10);
    let expiry = app.expires_at().unwrap();
    w.clock.set(expiry).unwrap();
    w.tick();
    assert_eq!(w.market.app(&alice, &app.id).unwrap().status, AppStatus::Active);
    w.clock.set(expiry + Duration::seconds(1)).unwrap();
    w.tick();
    assert_eq!(w.market.app(&alice, &app.id).unwrap().status, AppStatus::GracePeriod);
    w.clock.set(expiry + Duration::days(15) + Duration::seconds(1)).unwrap();
    w.tick();
    assert_eq!(w.market.app(&alice, &app.id).unwrap().status, AppStatus::Frozen);
    w.clock.set(expiry + Duration::days(30) + Duration::seconds(1)).unwrap();
    w.tick();
    assert_eq!(w.market.app(&alice, &app.id).unwrap().status, AppStatus::Released);
}

#[test]
fn prc_4_upgrading_mid_month_costs_the_difference_for_the_rest_of_the_term() {
    let w = World::new();
    let alice = w.customer("alice");
    // Bought 2026-04-15 for one month: expires 2026-05-15.
    let app = bought(&w, &alice, BillingMode::Monthly, 10);
    let quote = w.market.quote_upgrade(&alice, &app.id, "Standard", 20).unwrap();
    // From 230 to 460 a month; remaining 15/30 of April + 15/31 of May.
    let remaining = rust_decimal::Decimal::from(15) / rust_decimal::Decimal::from(30)
        + rust_decimal::Decimal::from(15) / rust_decimal::Decimal::from(31);
    let expected = Money::new(rust_decimal::Decimal::from(230) * remaining, Currency::USD).rounded();
    assert_eq!(quote.total, expected);
    assert_eq!(quote.total, usd("226.29"));
    assert_eq!(quote.lines.len(), 2);
}

#[test]
fn prc_4_a_paid_upgrade_changes_the_configuration_and_not_the_expiry() {
    let w = World::new();
    let alice = w.customer("alice");
    let app = bought(&w, &alice, BillingMode::Monthly, 10);
    let order = w.market.order_upgrade(&alice, &app.id, "Premium", 10).unwrap();
    assert!(matches!(order.kind, OrderKind::Upgrade { .. }));
    w.market.accept_terms(&alice, &order.id).unwrap();
    w.market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    let after = w.market.app(&alice, &app.id).unwrap();
    assert_eq!((after.specification.as_str(), after.quantity), ("Premium", 10));
    assert_eq!(after.expires_at(), app.expires_at());
    assert_eq!(after.pending_order, None);
}

#[test]
fn prc_4_a_cheaper_target_is_refused_as_a_downgrade() {
    let w = World::new();
    let alice = w.customer("alice");
    let app = bought(&w, &alice, BillingMode::Monthly, 20);
    let err = w.refused(|| w.market.order_upgrade(&alice, &app.id, "Standard", 10));
    assert_eq!(err.rule(), Some("PRC-4"));
    assert!(err.to_string().contains("downgrade"), "{err}");
}

#[test]
fn prc_4_only_active_saas_apps_without_an_unpaid_upgrade_can_be_upgraded() {
    let w = World::new();
    let alice = w.customer("alice");
    let app = bought(&w, &alice, BillingMode::Monthly, 10);
    w.market.order_upgrade(&alice, &app.id, "Standard", 20).unwrap();
    assert_eq!(w.refused(|| w.market.order_upgrade(&alice, &app.id, "Standard", 30)).rule(), Some("PRC-4"));
    let lic = w.list(appmarket::testing::fixtures::license_draft());
    let order = w.buy(&alice, World::request(&lic, "Annual License", BillingMode::Monthly, 1, 1));
    let err = w.refused(|| w.market.order_upgrade(&alice, order.app.as_ref().unwrap(), "Annual License", 1));
    assert_eq!(err.rule(), Some("PRC-4"));
    let mallory = w.customer("mallory");
    assert!(matches!(w.refused(|| w.market.quote_upgrade(&mallory, &app.id, "Standard", 20)), Error::Forbidden { .. }));
}

#[test]
fn prc_4_an_expired_app_cannot_be_upgraded() {
    let w = World::new();
    let alice = w.customer("alice");
    let app = bought(&w, &alice, BillingMode::Monthly, 10);
    w.clock.set(app.expires_at().unwrap() + Duration::seconds(1)).unwrap();
    w.tick();
    let err = w.refused(|| w.market.order_upgrade(&alice, &app.id, "Standard", 20));
    assert_eq!(err.rule(), Some("PRC-4"));
    assert!(err.to_string().contains("active"), "{err}");
}

#[test]
fn prc_4_an_unpaid_upgrade_order_cancelled_by_tick_frees_the_app() {
    let w = World::new();
    let alice = w.customer("alice");
    let app = bought(&w, &alice, BillingMode::Yearly, 10);
    w.market.order_upgrade(&alice, &app.id, "Standard", 20).unwrap();
    w.advance(Duration::days(7));
    w.tick();
    assert_eq!(w.market.app(&alice, &app.id).unwrap().pending_order, None);
    assert!(w.market.order_upgrade(&alice, &app.id, "Standard", 20).is_ok());
}

#[test]
fn prc_4_an_upgrade_ordered_before_expiry_and_paid_after_it_is_refused() {
    let w = World::new();
    let alice = w.customer("alice");
    let app = bought(&w, &alice, BillingMode::Monthly, 10);
    let expiry = app.expires_at().unwrap();
    w.clock.set(expiry - Duration::hours(30)).unwrap();
    let order = w.market.order_upgrade(&alice, &app.id, "Premium", 10).unwrap();
    w.market.accept_terms(&alice, &order.id).unwrap();
    w.clock.set(expiry + Duration::hours(1)).unwrap();
    w.tick();
    let err = w.refused(|| w.market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)));
    assert_eq!(err.rule(), Some("PRC-4"));
    let after = w.market.app(&alice, &app.id).unwrap();
    assert_eq!((after.specification.as_str(), after.quantity), ("Standard", 10), "the spec did not switch");
    assert!(w.market.cancel_order(&alice, &order.id).is_ok(), "the customer can cancel it");
}

#[test]
fn prc_4_an_upgrade_paid_on_a_later_day_than_it_was_priced_is_refused_and_charges_nothing() {
    let w = World::new();
    let alice = w.customer("alice");
    let app = bought(&w, &alice, BillingMode::Monthly, 10);
    let order = w.market.order_upgrade(&alice, &app.id, "Premium", 10).unwrap();
    w.market.accept_terms(&alice, &order.id).unwrap();
    w.advance(Duration::days(3));
    let charges = w.payments.charges().len();
    let err = w.refused(|| w.market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)));
    assert_eq!(err.rule(), Some("PRC-4"));
    assert!(err.to_string().contains("order the upgrade again"), "{err}");
    assert_eq!(w.payments.charges().len(), charges);
}
