//! The preview of upcoming charges (UPC-1..3): what `tick` and the clock will do up to an
//! instant, decided by `tick`'s own decisions on working copies, committing nothing.

#[path = "lifecycle/mod.rs"]
mod lifecycle;

use appmarket::app::AppEvent;
use appmarket::order::OrderEvent;
use appmarket::store::memory_snapshot;
use appmarket::*;
use chrono::{DateTime, Duration, Utc};
use lifecycle::{World, at, field, money, world_at};

fn auto_policy() -> Policy {
    let mut p = Policy::default();
    p.auto_renewal_delivery_methods.push(DeliveryMethod::Saas);
    p
}

/// The preview of alice's apps up to `until`, checking that it changed nothing.
fn preview(w: &World, until: &str) -> Upcoming {
    let (before, events) = (memory_snapshot(&w.store), w.market.events_since(0, 10_000).unwrap().len());
    let page = w.market.upcoming(&w.alice, at(until), None, 1, Some(20)).unwrap();
    assert_eq!(memory_snapshot(&w.store), before, "a preview commits nothing");
    assert_eq!(w.market.events_since(0, 10_000).unwrap().len(), events);
    assert_eq!((page.total, page.items.len()), (1, 1));
    page.items.into_iter().next().unwrap()
}

fn kinds(upcoming: &Upcoming) -> Vec<(DateTime<Utc>, UpcomingKind)> {
    upcoming.items.iter().map(|i| (i.at, i.kind)).collect()
}

/// Ticks at every instant something is due up to `until` (again at the same instant while
/// something is left due then), as a ticker would; returns the events recorded meanwhile.
fn tick_through(w: &World, until: &str) -> Vec<Event> {
    let until = at(until);
    let from = w.market.events_since(0, 100_000).unwrap().len() as u64;
    loop {
        while w.market.tick(&Actor::System).unwrap().examined > 0 {}
        match w.store.next_due(w.clock.now()).unwrap() {
            Some(next) if next <= until => w.clock.set(next).unwrap(),
            _ => break,
        }
    }
    w.clock.set(until).unwrap();
    while w.market.tick(&Actor::System).unwrap().examined > 0 {}
    w.market.events_since(from, 100_000).unwrap()
}

#[test]
fn upc_1_auto_renewal_charges_and_reminders_are_previewed_with_their_instants_and_commit_nothing() {
    let w = world_at("2026-04-15T02:00:00Z", auto_policy());
    let (_, app) = w.saas_app(1);
    w.market.set_auto_renewal(&w.alice, &app, 1, 0, 0, Some(PaymentMethod::Balance)).unwrap();
    let charges = w.payments.charges().len();
    let upcoming = preview(&w, "2026-06-20T00:00:00Z");
    assert_eq!(w.payments.charges().len(), charges, "the preview asks the gateway nothing");
    // Expiry 2026-05-15 23:59:59 local; reminders 7, 3 and 1 days before at 00:00 local; the
    // charge on the expiry day at 03:00 local; then the same for the renewed term.
    let expected = [
        ("2026-05-07T16:00:00Z", UpcomingKind::ExpiryReminder),
        ("2026-05-11T16:00:00Z", UpcomingKind::ExpiryReminder),
        ("2026-05-13T16:00:00Z", UpcomingKind::ExpiryReminder),
        ("2026-05-14T19:00:00Z", UpcomingKind::AutoRenewalCharge),
        ("2026-06-07T16:00:00Z", UpcomingKind::ExpiryReminder),
        ("2026-06-11T16:00:00Z", UpcomingKind::ExpiryReminder),
        ("2026-06-13T16:00:00Z", UpcomingKind::ExpiryReminder),
        ("2026-06-14T19:00:00Z", UpcomingKind::AutoRenewalCharge),
    ];
    assert_eq!(kinds(&upcoming), expected.map(|(t, k)| (at(t), k)).to_vec());
    let charge = &upcoming.items[3];
    assert_eq!(charge.target, Target::App(app.clone()));
    assert_eq!(charge.app.as_ref(), Some(&app));
    assert_eq!(charge.amount, Some(money("230.00 USD")));
    assert_eq!(charge.method, Some(PaymentMethod::Balance));
    assert_eq!(charge.attempt, 1);
    assert_eq!(charge.expires_at, Some(at("2026-06-15T15:59:59Z")));
    assert_eq!(upcoming.items[0].expires_at, Some(at("2026-05-15T15:59:59Z")));
    assert_eq!(upcoming.items[7].expires_at, Some(at("2026-07-15T15:59:59Z")));
    assert!(upcoming.usage.is_empty());
    assert_eq!((upcoming.start, upcoming.until), (at("2026-04-15T02:00:00Z"), at("2026-06-20T00:00:00Z")));

    // What the ticks then do is what was previewed.
    w.payments.set_balance(&w.alice_id, money("1000.00 USD"));
    let happened = tick_through(&w, "2026-06-20T00:00:00Z");
    let renewals: Vec<DateTime<Utc>> = happened
        .iter()
        .filter(|e| matches!(e.kind, EventKind::App(AppEvent::Renewed { auto: true, .. })))
        .map(|e| e.at)
        .collect();
    assert_eq!(renewals, vec![at("2026-05-14T19:00:00Z"), at("2026-06-14T19:00:00Z")]);
    let reminders = happened.iter().filter(|e| matches!(e.kind, EventKind::App(AppEvent::ExpiryReminder { .. })));
    assert_eq!(reminders.count(), 6);
    assert_eq!(w.payments.balance(&w.alice_id), Some(money("540.00 USD")));
}

#[test]
fn upc_1_a_declined_charge_is_previewed_as_its_next_attempt() {
    let w = world_at("2026-04-15T02:00:00Z", auto_policy());
    let (_, app) = w.saas_app(1);
    w.market.set_auto_renewal(&w.alice, &app, 1, 0, 0, None).unwrap();
    w.payments.decline_next(&w.alice_id, "card expired");
    w.tick_at("2026-05-14T19:00:00Z");
    // Retried the next day at 03:00 local (REN-7): the second attempt.
    let upcoming = preview(&w, "2026-05-20T00:00:00Z");
    let charge = upcoming.items.iter().find(|i| i.kind == UpcomingKind::AutoRenewalCharge).unwrap();
    assert_eq!((charge.at, charge.attempt), (at("2026-05-15T19:00:00Z"), 2));
    assert_eq!(charge.method, Some(PaymentMethod::CreditCard));
    // The grace period starts before the retry, since the term ends first.
    assert_eq!(upcoming.items[0].kind, UpcomingKind::GracePeriod);
    assert_eq!(upcoming.items[0].at, at("2026-05-15T16:00:00Z"));
}

#[test]
fn upc_1_without_auto_renewal_the_term_runs_into_grace_freeze_and_release() {
    let w = world_at("2026-04-15T02:00:00Z", Policy::default());
    w.saas_app(1);
    let upcoming = preview(&w, "2026-07-01T00:00:00Z");
    // Grace 15 days after the expiry day, retention 15 more (LIFE-1).
    let expected = [
        ("2026-05-07T16:00:00Z", UpcomingKind::ExpiryReminder),
        ("2026-05-11T16:00:00Z", UpcomingKind::ExpiryReminder),
        ("2026-05-13T16:00:00Z", UpcomingKind::ExpiryReminder),
        ("2026-05-15T16:00:00Z", UpcomingKind::GracePeriod),
        ("2026-05-30T16:00:00Z", UpcomingKind::Frozen),
        ("2026-06-14T16:00:00Z", UpcomingKind::Released),
    ];
    assert_eq!(kinds(&upcoming), expected.map(|(t, k)| (at(t), k)).to_vec());
    let happened = tick_through(&w, "2026-07-01T00:00:00Z");
    let released: Vec<_> =
        happened.iter().filter(|e| matches!(e.kind, EventKind::App(AppEvent::Released))).map(|e| e.at).collect();
    assert_eq!(released, vec![at("2026-06-14T16:00:00Z")]);
}

/// A SaaS product billed 0.30 an hour.
fn hourly() -> ProductDraft {
    let mut draft = appmarket::testing::fixtures::saas_draft();
    draft.specifications.truncate(1);
    let usd = money("0.30 USD");
    draft.specifications[0].plans.push(PricePlan { mode: BillingMode::PayPerUse, price: usd, per_unit: false });
    draft
}

#[test]
fn upc_1_pay_per_use_settlements_so_far_and_to_come_at_the_current_hourly_rate() {
    let w = world_at("2026-04-15T02:00:00Z", Policy::default());
    let p = w.list(hourly());
    let (_, app) = w.buy(&p, "Standard", BillingMode::PayPerUse, 5, 1);
    w.tick_at("2026-04-15T04:30:00Z");
    // Two cycles settled so far; 30 days on from 04:00, 720 more (a cycle ends at 04:00 of the
    // last day, exactly at the preview's end, and counts).
    let upcoming = preview(&w, "2026-05-15T04:00:00Z");
    assert!(upcoming.items.is_empty(), "{:?}", upcoming.items);
    let usage = &upcoming.usage[0];
    assert_eq!((&usage.app, usage.settled, usage.settled_until), (&app, 2, Some(at("2026-04-15T04:00:00Z"))));
    assert_eq!((usage.settlements, usage.hours), (720, 720));
    assert_eq!((usage.amount, usage.owed, usage.hourly), (money("216.00 USD"), money("0.00 USD"), money("0.30 USD")));
    assert!(!usage.for_reference_only);
    let happened = tick_through(&w, "2026-05-15T04:00:00Z");
    let settled: Vec<&appmarket::metering::UsageCycle> = happened
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::App(AppEvent::UsageSettled { cycle }) => Some(&**cycle),
            _ => None,
        })
        .collect();
    assert_eq!(settled.len(), 720);
    let total: rust_decimal::Decimal = settled.iter().map(|c| c.amount.amount).sum();
    assert_eq!(Money::new(total, Currency::USD), money("216.00 USD"));
}

#[test]
fn upc_1_an_owed_settlement_is_previewed_as_its_retry_and_the_app_as_restored() {
    let w = world_at("2026-04-15T02:00:00Z", Policy::default());
    let p = w.list(hourly());
    let (_, app) = w.buy(&p, "Standard", BillingMode::PayPerUse, 5, 1);
    w.payments.decline_next(&w.alice_id, "card expired");
    w.tick_at("2026-04-15T03:00:00Z");
    assert_eq!(w.app(&app).status, AppStatus::GracePeriod);
    let upcoming = preview(&w, "2026-04-15T10:00:00Z");
    // Retried one cycle after its decline (REN-7), paid: the app is active again.
    assert_eq!(
        kinds(&upcoming),
        vec![
            (at("2026-04-15T04:00:00Z"), UpcomingKind::UsageRetry),
            (at("2026-04-15T04:00:00Z"), UpcomingKind::ArrearsCleared)
        ]
    );
    let retry = &upcoming.items[0];
    assert_eq!(
        (retry.amount, retry.method, retry.attempt),
        (Some(money("0.30 USD")), Some(PaymentMethod::CreditCard), 2)
    );
    let usage = &upcoming.usage[0];
    assert_eq!((usage.owed, usage.settlements, usage.amount), (money("0.30 USD"), 7, money("2.10 USD")));
}

#[test]
fn upc_1_a_scheduled_downgrade_is_previewed_when_it_takes_effect_and_prices_the_renewal() {
    let policy = Policy { downgrade_at_renewal: true, ..auto_policy() };
    let w = world_at("2026-04-15T02:00:00Z", policy);
    let (_, app) = w.saas_app(1);
    w.market.set_auto_renewal(&w.alice, &app, 1, 0, 0, None).unwrap();
    w.market.schedule_downgrade(&w.alice, &app, "Standard", 5).unwrap();
    let upcoming = preview(&w, "2026-05-20T00:00:00Z");
    let charge = upcoming.items.iter().find(|i| i.kind == UpcomingKind::AutoRenewalCharge).unwrap();
    assert_eq!(charge.amount, Some(money("115.00 USD")), "renewed at the downgrade's price (PRC-8)");
    let downgrade = upcoming.items.iter().find(|i| i.kind == UpcomingKind::DowngradeApplied).unwrap();
    assert_eq!(downgrade.at, at("2026-05-15T16:00:00Z"));
    assert_eq!((downgrade.specification.as_deref(), downgrade.quantity), (Some("Standard"), Some(5)));
}

#[test]
fn upc_1_cancelling_an_unpaid_renewal_order_lets_the_auto_renewal_charge_as_tick_would() {
    let w = world_at("2026-04-15T02:00:00Z", auto_policy());
    let (_, app) = w.saas_app(1);
    w.market.set_auto_renewal(&w.alice, &app, 1, 0, 0, None).unwrap();
    w.clock.set(at("2026-05-10T02:00:00Z")).unwrap();
    let renewal = w.market.renew(&w.alice, &app, 1, None).unwrap();
    // The unpaid renewal holds the auto-renewal back until ORD-3 cancels it on 05-17 02:00 UTC,
    // after the charge day: then the charge is due at once, in grace.
    let upcoming = preview(&w, "2026-05-20T00:00:00Z");
    let cancelled = upcoming.items.iter().find(|i| i.kind == UpcomingKind::OrderCancelled).unwrap();
    assert_eq!((cancelled.at, &cancelled.target), (at("2026-05-17T02:00:00Z"), &Target::Order(renewal.id.clone())));
    assert_eq!((cancelled.app.as_ref(), cancelled.amount), (Some(&app), Some(money("230.00 USD"))));
    let charge = upcoming.items.iter().find(|i| i.kind == UpcomingKind::AutoRenewalCharge).unwrap();
    assert_eq!(charge.at, at("2026-05-17T02:00:00Z"));
    let happened = tick_through(&w, "2026-05-20T00:00:00Z");
    let renewed: Vec<_> = happened
        .iter()
        .filter(|e| matches!(e.kind, EventKind::App(AppEvent::Renewed { auto: true, .. })))
        .map(|e| e.at)
        .collect();
    assert_eq!(renewed, vec![at("2026-05-17T02:00:00Z")]);
    assert!(
        happened
            .iter()
            .any(|e| e.kind == EventKind::Order(OrderEvent::Cancelled { reason: "not paid within 7 days".into() }))
    );
}

#[test]
fn upc_1_supervised_orders_complete_after_acceptance_and_old_flows_close() {
    let w = world_at("2026-04-15T02:00:00Z", Policy { upcoming_max_days: 400, ..Policy::default() });
    let licence = w.list(appmarket::testing::fixtures::license_draft());
    let (order, app) = w.buy(&licence, "Annual License", BillingMode::Monthly, 1, 1);
    w.start_term(&app);
    let (open, _) = w.buy(&licence, "Annual License", BillingMode::Monthly, 1, 1);
    let upcoming = preview(&w, "2027-04-20T00:00:00Z");
    let completed = upcoming.items.iter().find(|i| i.kind == UpcomingKind::OrderCompleted).unwrap();
    assert_eq!((completed.at, &completed.target), (at("2026-04-15T05:00:00Z"), &Target::Order(order.id.clone())));
    // The second order's flow is never accepted: closed after 365 days with a full refund
    // (SUP-8).
    let closed = upcoming.items.iter().find(|i| i.kind == UpcomingKind::FlowClosed).unwrap();
    assert_eq!(closed.target, Target::Flow(open.flow.clone().unwrap()));
    assert_eq!((closed.at, closed.amount), (at("2027-04-15T02:00:00Z"), Some(money("100.00 USD"))));
}

#[test]
fn upc_1_a_reseller_settles_the_auto_renewal_for_reference_only() {
    let w = world_at("2026-04-15T02:00:00Z", auto_policy());
    let carol = CustomerId::parse("carol").unwrap();
    let account = CustomerAccount { reseller: Some("partner-1".into()), ..CustomerAccount::with_card(carol.clone()) };
    w.market.register_customer(account).unwrap();
    let by = Actor::Customer(carol);
    let product = w.list(appmarket::testing::fixtures::saas_draft());
    let request = appmarket::testing::fixtures::standard_monthly(product.id);
    let order = w.market.place_order(&by, request).unwrap();
    w.market.accept_terms(&by, &order.id).unwrap();
    let app = w.market.pay(&by, &order.id, None).unwrap().app.unwrap();
    w.market.set_auto_renewal(&by, &app, 1, 0, 0, None).unwrap();
    let page = w.market.upcoming(&by, at("2026-05-20T00:00:00Z"), None, 1, Some(20)).unwrap();
    let charge = page.items[0].items.iter().find(|i| i.kind == UpcomingKind::AutoRenewalCharge).unwrap();
    assert_eq!((charge.method, charge.amount), (None, Some(money("230.00 USD"))));
}

#[test]
fn upc_2_a_customer_sees_their_own_preview_and_an_operator_every_customer_a_page_at_a_time() {
    let w = world_at("2026-04-15T02:00:00Z", Policy::default());
    w.saas_app(1);
    let product = w.list(appmarket::testing::fixtures::saas_draft());
    let bobs = w.market.place_order(&w.bob, appmarket::testing::fixtures::standard_monthly(product.id)).unwrap();
    let until = at("2026-06-01T00:00:00Z");
    let seller = lifecycle::refused(&w, || w.market.upcoming(&w.seller, until, None, 1, Some(20)));
    assert_eq!(seller.kind(), "forbidden");
    let bob = Some(CustomerId::parse("bob").unwrap());
    let other = lifecycle::refused(&w, || w.market.upcoming(&w.alice, until, bob.clone(), 1, Some(20)));
    assert_eq!(other.kind(), "forbidden");
    // Naming oneself is the same as naming no one.
    let own = w.market.upcoming(&w.alice, until, Some(w.alice_id.clone()), 1, Some(20)).unwrap();
    assert_eq!(own, w.market.upcoming(&w.alice, until, None, 1, Some(20)).unwrap());
    let bobs_own = w.market.upcoming(&w.bob, until, None, 1, Some(20)).unwrap();
    assert_eq!(bobs_own.items[0].items.len(), 1);
    assert_eq!(bobs_own.items[0].items[0].target, Target::Order(bobs.id));

    // The operator: every customer with scheduled work, in the order of their ids.
    let all = w.market.upcoming(&w.operator, until, None, 1, Some(20)).unwrap();
    let customers: Vec<&str> = all.items.iter().map(|u| u.customer.as_str()).collect();
    assert_eq!((customers, all.total), (vec!["alice", "bob"], 2));
    let second = w.market.upcoming(&w.operator, until, None, 2, Some(1)).unwrap();
    assert_eq!((second.items.len(), second.total, second.items[0].customer.as_str()), (1, 2, "bob"));
    assert_eq!(second.items[0], bobs_own.items[0]);
    let one = w.market.upcoming(&w.operator, until, bob, 1, Some(20)).unwrap();
    assert_eq!(one.items, bobs_own.items);
    let big = lifecycle::refused(&w, || w.market.upcoming(&w.operator, until, None, 1, Some(1_000)));
    assert_eq!(field(&big), "page_size");
    // Through `run_json`, as the bindings send it.
    let json = format!(r#"{{"do": "upcoming", "until": "{}"}}"#, until.to_rfc3339());
    let ran = w.market.run_json(w.alice.clone(), &json).unwrap();
    let value: serde_json::Value = serde_json::from_str(&ran).unwrap();
    assert_eq!(value["items"][0]["items"][0]["kind"], "expiry_reminder");
}

#[test]
fn upc_3_a_preview_looks_forward_and_at_most_upcoming_max_days() {
    let w = world_at("2026-04-15T02:00:00Z", Policy { upcoming_max_days: 30, ..Policy::default() });
    w.saas_app(1);
    let now = w.clock.now();
    let back = lifecycle::refused(&w, || w.market.upcoming(&w.alice, now - Duration::seconds(1), None, 1, Some(20)));
    assert_eq!(field(&back), "until");
    assert!(back.to_string().contains("UPC-3"), "{back}");
    let far = lifecycle::refused(&w, || {
        w.market.upcoming(&w.alice, now + Duration::days(30) + Duration::seconds(1), None, 1, Some(20))
    });
    assert_eq!(field(&far), "until");
    assert!(w.market.upcoming(&w.alice, now + Duration::days(30), None, 1, Some(20)).is_ok());
    // Now itself: what is due already, as the next tick would do it.
    assert!(w.market.upcoming(&w.alice, now, None, 1, Some(20)).unwrap().items[0].items.is_empty());
    assert_eq!(Policy::from_json(r#"{"upcoming_max_days": 0}"#).unwrap_err().kind(), "invalid_input");
}
