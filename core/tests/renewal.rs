//! Renewal and the end of a term through the facade (REN-1..6, LIFE-1, APP-2).

#[path = "lifecycle/mod.rs"]
mod common;

use appmarket::testing::fixtures;
use appmarket::*;
use chrono::Duration;
use common::*;

fn expiry(w: &World, app: &AppId) -> String {
    w.app(app).expires_at().unwrap().to_rfc3339()
}

fn saas_auto_policy() -> Policy {
    let mut p = Policy::default();
    p.auto_renewal_delivery_methods.push(DeliveryMethod::Saas);
    p
}

#[test]
fn ren_1_manual_renewal_extends_from_expiry_at_the_current_price() {
    let w = world();
    let (_, app) = w.saas_app(1);
    assert_eq!(expiry(&w, &app), "2026-05-15T15:59:59+00:00");
    let quote = w.market.quote_renewal(&w.alice, &app, 3, None).unwrap();
    assert_eq!(quote.total, money("690.00 USD"));
    let order = w.market.renew(&w.alice, &app, 3, None).unwrap();
    assert_eq!(order.quote, quote);
    assert_eq!(w.app(&app).pending_order, Some(order.id.clone()));
    let paid = w.pay(&w.alice, &order);
    assert_eq!(paid.status, OrderStatus::Completed);
    assert_eq!(expiry(&w, &app), "2026-08-15T15:59:59+00:00");
    assert_eq!(w.app(&app).pending_order, None);
}

#[test]
fn ren_1_periods_out_of_range_are_refused_and_change_nothing() {
    let w = world();
    let (_, app) = w.saas_app(1);
    for periods in [0, 10] {
        let err = refused(&w, || w.market.renew(&w.alice, &app, periods, None));
        assert_eq!(field(&err), "periods");
    }
    let p = w.list(fixtures::saas_draft());
    let (_, yearly) = w.buy(&p, "Standard", BillingMode::Yearly, 10, 1);
    let err = refused(&w, || w.market.renew(&w.alice, &yearly, 4, None));
    assert_eq!(field(&err), "periods");
    assert!(w.market.quote_renewal(&w.alice, &yearly, 3, None).is_ok());
}

#[test]
fn ren_1_unknown_or_foreign_apps_and_wrong_actors_are_refused() {
    let w = world();
    let (_, app) = w.saas_app(1);
    let unknown = AppId::parse("APP-99999999").unwrap();
    assert!(matches!(refused(&w, || w.market.renew(&w.alice, &unknown, 1, None)), Error::NotFound { .. }));
    assert!(matches!(refused(&w, || w.market.renew(&w.bob, &app, 1, None)), Error::Forbidden { .. }));
    assert!(matches!(refused(&w, || w.market.renew(&w.seller, &app, 1, None)), Error::Forbidden { .. }));
    assert!(matches!(refused(&w, || w.market.set_auto_renewal(&w.bob, &app, 1, 0, 7, None)), Error::Forbidden { .. }));
}

#[test]
fn ren_1_an_unpaid_renewal_order_blocks_another_renewal() {
    let w = world();
    let (_, app) = w.saas_app(1);
    let first = w.market.renew(&w.alice, &app, 1, None).unwrap();
    let err = refused(&w, || w.market.renew(&w.alice, &app, 1, None));
    assert_eq!(rule(&err), "REN-1");
    assert!(err.to_string().contains(first.id.as_str()), "{err}");
    let actions = w.market.available_actions(&w.alice, &Target::App(app.clone())).unwrap();
    let renew = actions.iter().find(|a| a.action == Action::Renew).unwrap();
    assert_eq!((renew.allowed, renew.rule.as_deref()), (false, Some("REN-1")));
    // Cancelling it frees the app again.
    w.market.cancel_order(&w.alice, &first.id).unwrap();
    assert!(w.market.renew(&w.alice, &app, 1, None).is_ok());
}

#[test]
fn ren_1_one_time_and_pay_per_use_apps_cannot_be_renewed() {
    let w = world();
    let p = w.list(fixtures::professional_service_draft());
    let (_, app) = w.buy(&p, "Basic Migration", BillingMode::OneTime, 1, 1);
    assert_eq!(rule(&refused(&w, || w.market.renew(&w.alice, &app, 1, None))), "REN-1");
    let (_, image) = w.image_app(BillingMode::PayPerUse, 1);
    assert_eq!(rule(&refused(&w, || w.market.renew(&w.alice, &image, 1, None))), "REN-1");
}

#[test]
fn ren_1_a_released_app_cannot_be_renewed() {
    let w = world();
    let (_, app) = w.saas_app(1);
    // Expiry 2026-05-15, grace to 05-30, retention to 06-14 (billing zone).
    w.tick_at("2026-06-14T16:00:00Z");
    assert_eq!(w.app(&app).status, AppStatus::Released);
    assert_eq!(rule(&refused(&w, || w.market.renew(&w.alice, &app, 1, None))), "REN-1");
    assert_eq!(rule(&refused(&w, || w.market.set_auto_renewal(&w.alice, &app, 1, 0, 7, None))), "REN-5");
}

#[test]
fn ren_1_an_app_released_before_its_renewal_order_is_paid_is_not_charged() {
    let w = world();
    let (_, app) = w.saas_app(1);
    w.tick_at("2026-06-10T02:00:00Z");
    let order = w.market.renew(&w.alice, &app, 1, None).unwrap();
    w.market.accept_terms(&w.alice, &order.id).unwrap();
    w.tick_at("2026-06-14T16:00:00Z");
    assert_eq!(w.app(&app).status, AppStatus::Released);
    let charges = w.payments.charges().len();
    let err = w.market.pay(&w.alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap_err();
    assert_eq!(rule(&err), "REN-1");
    assert_eq!(w.payments.charges().len(), charges);
}

#[test]
fn ren_2_renewal_in_the_grace_period_starts_at_the_original_expiry_and_reactivates() {
    let w = world();
    let (_, app) = w.saas_app(1);
    w.tick_at("2026-05-20T02:00:00Z");
    assert_eq!(w.app(&app).status, AppStatus::GracePeriod);
    let order = w.market.renew(&w.alice, &app, 1, None).unwrap();
    w.pay(&w.alice, &order);
    let a = w.app(&app);
    assert_eq!(a.status, AppStatus::Active);
    assert_eq!(expiry(&w, &app), "2026-06-15T15:59:59+00:00");
    assert_eq!(a.renewals[0].from.to_rfc3339(), "2026-05-15T15:59:59+00:00");
}

#[test]
fn ren_2_renewal_in_the_retention_period_returns_a_frozen_app_to_active() {
    let w = world();
    let (_, app) = w.saas_app(1);
    w.tick_at("2026-06-05T02:00:00Z");
    assert_eq!(w.app(&app).status, AppStatus::Frozen);
    let order = w.market.renew(&w.alice, &app, 2, None).unwrap();
    w.pay(&w.alice, &order);
    assert_eq!(w.app(&app).status, AppStatus::Active);
    assert_eq!(expiry(&w, &app), "2026-07-15T15:59:59+00:00");
}

#[test]
fn ren_3_renewing_a_license_opens_no_service_flow() {
    let w = world();
    let p = w.list(fixtures::license_draft());
    let (_, app) = w.buy(&p, "Annual License", BillingMode::Monthly, 1, 1);
    w.start_term(&app);
    let order = w.market.renew(&w.alice, &app, 1, None).unwrap();
    assert!(!order.involves_supervision);
    let paid = w.pay(&w.alice, &order);
    assert_eq!((paid.flow.clone(), paid.status), (None, OrderStatus::Completed));
}

#[test]
fn ren_3_an_auto_renewal_of_a_licence_opens_no_service_flow() {
    // User guide §6.2: "If you renew a professional service product or a license, there will be
    // no service flow generated."
    let w = world();
    let p = w.list(fixtures::license_draft());
    let (order, app) = w.buy(&p, "Annual License", BillingMode::Monthly, 1, 1);
    w.start_term(&app);
    w.market.set_auto_renewal(&w.alice, &app, 1, 1, 0, None).unwrap();
    let flows = |w: &World| w.market.flows(&w.alice, &FlowFilter::default(), 1, None).unwrap();
    let before = flows(&w);
    assert_eq!(before.total, 1, "the purchase's flow");
    let expires = w.app(&app).expires_at().unwrap();
    let charges = w.payments.charges().len();
    w.clock.set(expires - Duration::hours(12)).unwrap(); // the expiry day, after 03:00
    w.market.tick(&Actor::System).unwrap();
    assert_eq!(w.payments.charges().len(), charges + 1, "the auto-renewal was charged");
    assert_eq!(w.app(&app).auto_renewal.unwrap().done, 1);
    assert!(w.app(&app).expires_at().unwrap() > expires);
    let after = flows(&w);
    assert_eq!(after.total, 1, "no new flow");
    assert_eq!(after.items[0].order, order.id);
    let orders = w.market.orders(&w.alice, &OrderFilter::default(), 1, None).unwrap();
    let renewal = orders.items.iter().find(|o| matches!(o.kind, OrderKind::Renewal { .. })).unwrap();
    assert_eq!((renewal.flow.clone(), renewal.involves_supervision), (None, false));
    assert_eq!(renewal.status, OrderStatus::Completed);
}

#[test]
fn ren_5_auto_renewal_is_paid_by_a_bound_card_or_the_balance() {
    let w = world();
    let p = w.list(fixtures::license_draft());
    let (_, app) = w.buy(&p, "Annual License", BillingMode::Monthly, 1, 1);
    // The card is unbound after the purchase: the card cannot pay auto-renewals any more.
    w.market
        .register_customer(CustomerAccount { bound_card: false, ..CustomerAccount::with_card(w.alice_id.clone()) })
        .unwrap();
    let err = refused(&w, || w.market.set_auto_renewal(&w.alice, &app, 1, 0, 7, None));
    assert_eq!(rule(&err), "REN-5");
    assert!(err.to_string().contains("balance"), "{err}");
    let card = Some(PaymentMethod::CreditCard);
    assert_eq!(rule(&refused(&w, || w.market.set_auto_renewal(&w.alice, &app, 1, 0, 7, card))), "REN-5");
    let set = w.market.set_auto_renewal(&w.alice, &app, 1, 0, 7, Some(PaymentMethod::Balance)).unwrap();
    assert_eq!(set.auto_renewal.map(|a| a.method), Some(PaymentMethod::Balance));
    // Keeping the method keeps the balance; switching back to the card needs one bound.
    assert!(w.market.set_auto_renewal(&w.alice, &app, 2, 0, 7, None).is_ok());
    assert_eq!(rule(&refused(&w, || w.market.set_auto_renewal(&w.alice, &app, 1, 0, 7, card))), "REN-5");
    w.market.register_customer(CustomerAccount::with_card(w.alice_id.clone())).unwrap();
    let set = w.market.set_auto_renewal(&w.alice, &app, 1, 0, 7, card).unwrap();
    assert_eq!(set.auto_renewal.map(|a| a.method), Some(PaymentMethod::CreditCard));
    // Other methods are no auto-renewal methods at all.
    let online = Some(PaymentMethod::Online);
    assert_eq!(field(&refused(&w, || w.market.set_auto_renewal(&w.alice, &app, 1, 0, 7, online))), "method");
}

#[test]
fn app_2_an_app_bought_on_the_31st_renewed_month_by_month_comes_back_to_the_31st() {
    let w = world_at("2026-01-31T02:00:00Z", Policy::default());
    let (_, app) = w.saas_app(1);
    let mut ends = vec![expiry(&w, &app)];
    for _ in 0..3 {
        let order = w.market.renew(&w.alice, &app, 1, None).unwrap();
        w.pay(&w.alice, &order);
        ends.push(expiry(&w, &app));
    }
    assert_eq!(
        ends,
        [
            "2026-02-28T15:59:59+00:00",
            "2026-03-31T15:59:59+00:00",
            "2026-04-30T15:59:59+00:00",
            "2026-05-31T15:59:59+00:00"
        ]
    );
}

#[test]
fn ren_4_a_renewal_date_charges_the_extra_days_pro_rata_on_a_separate_line() {
    let w = world();
    let (_, app) = w.saas_app(1);
    let day = RenewalDay::day(20).unwrap();
    let quote = w.market.quote_renewal(&w.alice, &app, 1, Some(day)).unwrap();
    assert_eq!(quote.lines.len(), 2);
    // 2026-06-15 → 06-20: 5/30 of a 230 month.
    assert_eq!(quote.lines[1].amount, money("38.33 USD"));
    assert_eq!(quote.total, money("268.33 USD"));
    let order = w.market.renew(&w.alice, &app, 1, Some(day)).unwrap();
    w.pay(&w.alice, &order);
    assert_eq!(expiry(&w, &app), "2026-06-20T15:59:59+00:00");
    // The day is now the anchor.
    let order = w.market.renew(&w.alice, &app, 1, None).unwrap();
    w.pay(&w.alice, &order);
    assert_eq!(expiry(&w, &app), "2026-07-20T15:59:59+00:00");
}

#[test]
fn ren_4_renewal_day_0_or_29_to_31_is_refused() {
    let w = world();
    let (_, app) = w.saas_app(1);
    for day in [0, 29, 30, 31] {
        let err = refused(&w, || w.market.renew(&w.alice, &app, 1, Some(RenewalDay::Day(day))));
        assert_eq!(field(&err), "renewal_day");
    }
    assert!(w.market.quote_renewal(&w.alice, &app, 1, Some(RenewalDay::LastDay)).is_ok());
}

#[test]
fn ren_5_auto_renewal_does_not_apply_to_saas_by_default() {
    let w = world();
    let (_, app) = w.saas_app(1);
    let err = refused(&w, || w.market.set_auto_renewal(&w.alice, &app, 1, 0, 7, None));
    assert_eq!(rule(&err), "REN-5");
    let actions = w.market.available_actions(&w.alice, &Target::App(app)).unwrap();
    let set = actions.iter().find(|a| a.action == Action::SetAutoRenewal).unwrap();
    assert_eq!(set.rule.as_deref(), Some("REN-5"));
}

#[test]
fn ren_5_auto_renewal_applies_to_licenses_by_default() {
    let w = world();
    let p = w.list(fixtures::license_draft());
    let (_, app) = w.buy(&p, "Annual License", BillingMode::Monthly, 1, 1);
    let a = w.market.set_auto_renewal(&w.alice, &app, 2, 3, 5, None).unwrap();
    assert_eq!(a.auto_renewal.map(|r| (r.periods, r.count, r.days_before)), Some((2, 3, 5)));
}

#[test]
fn ren_5_auto_renewal_settings_out_of_range_are_refused() {
    let w = world_at("2026-04-15T02:00:00Z", saas_auto_policy());
    let (_, app) = w.saas_app(1);
    assert_eq!(field(&refused(&w, || w.market.set_auto_renewal(&w.alice, &app, 10, 0, 7, None))), "periods");
    assert_eq!(field(&refused(&w, || w.market.set_auto_renewal(&w.alice, &app, 0, 0, 7, None))), "periods");
    assert_eq!(field(&refused(&w, || w.market.set_auto_renewal(&w.alice, &app, 1, 100, 7, None))), "count");
    assert_eq!(field(&refused(&w, || w.market.set_auto_renewal(&w.alice, &app, 1, 0, 8, None))), "days_before");
    assert_eq!(rule(&refused(&w, || w.market.disable_auto_renewal(&w.alice, &app))), "REN-6");
}

#[test]
fn ren_6_auto_renewal_charges_at_03_00_on_the_charge_day_once() {
    let w = world_at("2026-04-15T02:00:00Z", saas_auto_policy());
    let (_, app) = w.saas_app(1);
    w.market.set_auto_renewal(&w.alice, &app, 1, 0, 7, None).unwrap();
    let charges = w.payments.charges().len();
    // 7 days before 2026-05-15 is 05-08; 03:00 there is 2026-05-07T19:00Z.
    w.tick_at("2026-05-07T18:59:59Z");
    assert_eq!(w.payments.charges().len(), charges);
    w.tick_at("2026-05-07T19:00:00Z");
    assert_eq!(w.payments.charges().len(), charges + 1);
    assert_eq!(expiry(&w, &app), "2026-06-15T15:59:59+00:00");
    w.market.tick(&Actor::System).unwrap();
    assert_eq!(w.payments.charges().len(), charges + 1);
    assert_eq!(w.app(&app).auto_renewal.unwrap().done, 1);
}

#[test]
fn ren_6_the_renewal_count_limits_auto_renewals() {
    let w = world_at("2026-04-15T02:00:00Z", saas_auto_policy());
    let (_, app) = w.saas_app(1);
    w.market.set_auto_renewal(&w.alice, &app, 1, 1, 0, None).unwrap();
    w.tick_at("2026-05-14T19:00:00Z");
    assert_eq!(expiry(&w, &app), "2026-06-15T15:59:59+00:00");
    w.tick_at("2026-06-14T19:00:00Z");
    assert_eq!(expiry(&w, &app), "2026-06-15T15:59:59+00:00");
}

fn declining_until(w: &World, last: &str) {
    // Charge day 0 days before expiry: 2026-05-15 03:00 local = 05-14T19:00Z; retried daily.
    let mut day = at("2026-05-14T19:00:00Z");
    while day <= at(last) {
        w.payments.decline_next(&w.alice_id, "card expired");
        w.clock.set(day).unwrap();
        w.market.tick(&Actor::System).unwrap();
        day += Duration::days(1);
    }
}

#[test]
fn ren_6_a_declined_charge_is_retried_daily_and_the_last_retry_is_on_the_last_retention_day() {
    let w = world_at("2026-04-15T02:00:00Z", saas_auto_policy());
    let (_, app) = w.saas_app(1);
    w.market.set_auto_renewal(&w.alice, &app, 1, 0, 0, None).unwrap();
    declining_until(&w, "2026-06-12T19:00:00Z");
    assert_eq!(w.app(&app).status, AppStatus::Frozen);
    let declines = w.market.records(&w.alice, &Target::App(app.clone()), 0, None).unwrap();
    let n =
        declines.iter().filter(|e| matches!(e.kind, EventKind::App(app::AppEvent::AutoRenewalDeclined { .. }))).count();
    assert_eq!(n, 30);
    // Retention ends 2026-06-14 23:59:59 local: the retry at 03:00 that day succeeds.
    w.tick_at("2026-06-13T19:00:00Z");
    let a = w.app(&app);
    assert_eq!(a.status, AppStatus::Active);
    assert_eq!(expiry(&w, &app), "2026-06-15T15:59:59+00:00");
}

#[test]
fn ren_6_no_retry_after_the_retention_period_ends() {
    let w = world_at("2026-04-15T02:00:00Z", saas_auto_policy());
    let (_, app) = w.saas_app(1);
    w.market.set_auto_renewal(&w.alice, &app, 1, 0, 0, None).unwrap();
    declining_until(&w, "2026-06-13T19:00:00Z");
    let charges = w.payments.charges().len();
    w.tick_at("2026-06-14T16:00:00Z");
    w.tick_at("2026-06-14T19:00:00Z");
    assert_eq!(w.app(&app).status, AppStatus::Released);
    assert_eq!(w.payments.charges().len(), charges);
}

#[test]
fn ren_6_a_manual_renewal_moves_the_next_charge() {
    let w = world_at("2026-04-15T02:00:00Z", saas_auto_policy());
    let (_, app) = w.saas_app(1);
    w.market.set_auto_renewal(&w.alice, &app, 1, 0, 7, None).unwrap();
    let order = w.market.renew(&w.alice, &app, 1, None).unwrap();
    w.pay(&w.alice, &order);
    let charges = w.payments.charges().len();
    w.tick_at("2026-05-07T19:00:00Z");
    assert_eq!(w.payments.charges().len(), charges);
    // Now 7 days before 2026-06-15.
    w.tick_at("2026-06-07T19:00:00Z");
    assert_eq!(w.payments.charges().len(), charges + 1);
    assert_eq!(expiry(&w, &app), "2026-07-15T15:59:59+00:00");
}

#[test]
fn ren_6_auto_renewal_can_be_disabled_until_release() {
    let w = world_at("2026-04-15T02:00:00Z", saas_auto_policy());
    let (_, app) = w.saas_app(1);
    w.market.set_auto_renewal(&w.alice, &app, 1, 0, 7, None).unwrap();
    let a = w.market.disable_auto_renewal(&w.alice, &app).unwrap();
    assert!(a.auto_renewal.is_none());
    let charges = w.payments.charges().len();
    w.tick_at("2026-05-07T19:00:00Z");
    assert_eq!(w.payments.charges().len(), charges);
}

#[test]
fn life_1_expiry_reminders_7_3_and_1_days_before_each_once() {
    let w = world();
    let (_, app) = w.saas_app(1);
    let reminders = |w: &World| -> Vec<u32> {
        w.market
            .records(&w.alice, &Target::App(app.clone()), 0, None)
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.kind {
                EventKind::App(app::AppEvent::ExpiryReminder { days, .. }) => Some(days),
                _ => None,
            })
            .collect()
    };
    // 2026-05-08 00:00 local = 05-07T16:00Z.
    w.tick_at("2026-05-07T15:59:59Z");
    assert!(reminders(&w).is_empty());
    w.tick_at("2026-05-07T16:00:00Z");
    w.market.tick(&Actor::System).unwrap();
    assert_eq!(reminders(&w), [7]);
    w.tick_at("2026-05-11T16:00:00Z");
    w.tick_at("2026-05-13T16:00:00Z");
    w.tick_at("2026-05-14T00:00:00Z");
    assert_eq!(reminders(&w), [7, 3, 1]);
}

#[test]
fn life_1_grace_then_retention_then_release() {
    let w = world();
    let (_, app) = w.saas_app(1);
    w.tick_at("2026-05-15T16:00:00Z");
    assert_eq!(w.app(&app).status, AppStatus::GracePeriod);
    w.tick_at("2026-05-30T16:00:00Z");
    assert_eq!(w.app(&app).status, AppStatus::Frozen);
    w.tick_at("2026-06-14T16:00:00Z");
    assert_eq!(w.app(&app).status, AppStatus::Released);
}

#[test]
fn ren_1_tick_is_system_only() {
    let w = world();
    assert!(matches!(refused(&w, || w.market.tick(&w.alice)), Error::Forbidden { .. }));
}

#[test]
fn ren_5_the_customer_chooses_balance_or_card_for_auto_renewal() {
    let w = world_at("2026-04-15T02:00:00Z", saas_auto_policy());
    let (_, app) = w.saas_app(1);
    let err = refused(&w, || w.market.set_auto_renewal(&w.alice, &app, 1, 0, 7, Some(PaymentMethod::Online)));
    assert_eq!(field(&err), "method");
    let set = w.market.set_auto_renewal(&w.alice, &app, 1, 0, 7, Some(PaymentMethod::Balance)).unwrap();
    assert_eq!(set.auto_renewal.unwrap().method, PaymentMethod::Balance);
    // Modifying without a method keeps the chosen one.
    let kept = w.market.set_auto_renewal(&w.alice, &app, 1, 0, 6, None).unwrap();
    assert_eq!(kept.auto_renewal.unwrap().method, PaymentMethod::Balance);
    w.payments.set_balance(&w.alice_id, money("1000 USD"));
    let charges = w.payments.charges().len();
    w.tick_at("2026-05-08T19:00:00Z");
    let paid = &w.payments.charges()[charges];
    assert_eq!(paid.method, PaymentMethod::Balance);
    assert_eq!(w.payments.balance(&w.alice_id).unwrap().amount, money("1000 USD").amount - paid.amount.amount);
}
