//! Dunning as data (REN-7): the retry schedules of auto-renewal (REN-6) and of pay-per-use
//! settlement (PRC-7) come from `Policy`, and every declined attempt is an event a host can
//! notify on.

#[path = "lifecycle/mod.rs"]
mod lifecycle;

use appmarket::app::AppEvent;
use appmarket::*;
use chrono::{DateTime, Duration, Utc};
use lifecycle::{at, world_at};

/// The `charge_declined` events of the global stream: (charge, attempt, amount, next attempt).
fn declines(market: &Marketplace) -> Vec<(DeclinedCharge, u32, Money, Option<DateTime<Utc>>)> {
    market
        .events_since(0, 10_000)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::App(AppEvent::ChargeDeclined { charge, attempt, amount, next_attempt_at, .. }) => {
                Some((charge, attempt, amount, next_attempt_at))
            }
            _ => None,
        })
        .collect()
}

fn auto_policy() -> Policy {
    let mut p = Policy::default();
    p.auto_renewal_delivery_methods.push(DeliveryMethod::Saas);
    p
}

#[test]
fn ren_7_auto_renewal_retries_follow_the_schedule_in_the_policy() {
    let policy = Policy { auto_renewal_retries: vec![RetryWait::Hours(6), RetryWait::Days(2)], ..auto_policy() };
    let w = world_at("2026-04-15T02:00:00Z", policy);
    let (_, app) = w.saas_app(1);
    w.market.set_auto_renewal(&w.alice, &app, 1, 0, 0, None).unwrap();
    // The charge: 2026-05-15 03:00 local = 05-14T19:00Z. Declined: retried 6 hours later.
    w.payments.decline_next(&w.alice_id, "card expired");
    w.tick_at("2026-05-14T19:00:00Z");
    assert_eq!(w.app(&app).auto_renewal.unwrap().retry_at, Some(at("2026-05-15T01:00:00Z")));
    w.tick_at("2026-05-15T00:59:59Z");
    assert_eq!(declines(&w.market).len(), 1);
    // Declined again: then two days after that day (05-15 local), at 03:00 = 05-16T19:00Z.
    w.payments.decline_next(&w.alice_id, "card expired");
    w.tick_at("2026-05-15T01:00:00Z");
    assert_eq!(w.app(&app).auto_renewal.unwrap().retry_at, Some(at("2026-05-16T19:00:00Z")));
    // The last wait repeats.
    w.payments.decline_next(&w.alice_id, "card expired");
    w.tick_at("2026-05-16T19:00:00Z");
    assert_eq!(w.app(&app).auto_renewal.unwrap().retry_at, Some(at("2026-05-18T19:00:00Z")));
    let total = money("230.00 USD");
    assert_eq!(
        declines(&w.market),
        vec![
            (DeclinedCharge::AutoRenewal, 1, total, Some(at("2026-05-15T01:00:00Z"))),
            (DeclinedCharge::AutoRenewal, 2, total, Some(at("2026-05-16T19:00:00Z"))),
            (DeclinedCharge::AutoRenewal, 3, total, Some(at("2026-05-18T19:00:00Z"))),
        ]
    );
    // Paid on the next attempt: renewed, and the count starts again.
    w.tick_at("2026-05-18T19:00:00Z");
    let a = w.app(&app);
    assert_eq!((a.status, a.auto_renewal.unwrap().declined), (AppStatus::Active, 0));
    assert_eq!(a.expires_at(), Some(at("2026-06-15T15:59:59Z")));
}

#[test]
fn ren_7_by_default_every_declined_charge_is_an_event_and_the_last_has_no_next_attempt() {
    let w = world_at("2026-04-15T02:00:00Z", auto_policy());
    let (_, app) = w.saas_app(1);
    w.market.set_auto_renewal(&w.alice, &app, 1, 0, 0, None).unwrap();
    // Daily at 03:00 until the retention period ends (2026-06-14 23:59:59 local).
    let mut day = at("2026-05-14T19:00:00Z");
    while day <= at("2026-06-13T19:00:00Z") {
        w.payments.decline_next(&w.alice_id, "card expired");
        w.tick_at(&day.to_rfc3339());
        day += Duration::days(1);
    }
    let seen = declines(&w.market);
    assert_eq!(seen.len(), 31);
    assert_eq!(seen.iter().map(|d| d.1).collect::<Vec<_>>(), (1..=31).collect::<Vec<_>>());
    assert_eq!(seen[0].3, Some(at("2026-05-15T19:00:00Z")));
    assert_eq!(seen[30].3, None, "no attempt after the retention period");
    assert_eq!(w.app(&app).status, AppStatus::Frozen);
    let charges = w.payments.charges().len();
    w.tick_at("2026-06-14T19:00:00Z");
    assert_eq!(w.app(&app).status, AppStatus::Released);
    assert_eq!(w.payments.charges().len(), charges);
}

/// A SaaS product billed 0.30 an hour.
fn hourly() -> ProductDraft {
    let mut draft = appmarket::testing::fixtures::saas_draft();
    draft.specifications.truncate(1);
    let usd = Money::parse("0.30 USD").unwrap();
    draft.specifications[0].plans.push(PricePlan { mode: BillingMode::PayPerUse, price: usd, per_unit: false });
    draft
}

fn money(text: &str) -> Money {
    Money::parse(text).unwrap()
}

#[test]
fn ren_7_pay_per_use_retries_follow_the_schedule_in_the_policy() {
    let policy = Policy { pay_per_use_retries: vec![RetryWait::Hours(3)], ..Policy::default() };
    let w = world_at("2026-04-15T02:00:00Z", policy);
    let p = w.list(hourly());
    let (_, app) = w.buy(&p, "Standard", BillingMode::PayPerUse, 5, 1);
    w.payments.decline_next(&w.alice_id, "card expired");
    w.tick_at("2026-04-15T03:00:00Z");
    assert_eq!(w.app(&app).status, AppStatus::GracePeriod);
    let settlement = DeclinedCharge::Settlement { number: 1 };
    assert_eq!(declines(&w.market), vec![(settlement, 1, money("0.30 USD"), Some(at("2026-04-15T06:00:00Z")))]);
    // Cycles 2 and 3 are settled each hour; settlement 1 waits for its retry.
    w.tick_at("2026-04-15T05:00:00Z");
    let statement = w.market.usage_statement(&w.alice, &app).unwrap();
    assert_eq!((statement.owed, statement.cycles[0].attempts), (money("0.30 USD"), 1));
    // At 06:00 cycle 4 is charged, then settlement 1 is retried: both declined.
    w.payments.decline_next(&w.alice_id, "card expired");
    w.payments.decline_next(&w.alice_id, "card expired");
    w.tick_at("2026-04-15T06:00:00Z");
    let seen = declines(&w.market);
    assert_eq!(seen.len(), 3);
    let retry = Some(at("2026-04-15T09:00:00Z"));
    assert_eq!(seen[1], (DeclinedCharge::Settlement { number: 4 }, 1, money("0.30 USD"), retry));
    assert_eq!(seen[2], (settlement, 2, money("0.30 USD"), retry));
    w.tick_at("2026-04-15T09:00:00Z");
    let statement = w.market.usage_statement(&w.alice, &app).unwrap();
    assert_eq!(statement.owed, money("0.00 USD"));
    assert_eq!(w.app(&app).status, AppStatus::Active);
}

#[test]
fn ren_7_a_declined_arrears_payment_is_an_event_too() {
    let w = world_at("2026-04-15T02:00:00Z", Policy::default());
    let p = w.list(hourly());
    let (_, app) = w.buy(&p, "Standard", BillingMode::PayPerUse, 5, 1);
    w.payments.decline_next(&w.alice_id, "card expired");
    w.tick_at("2026-04-15T03:00:00Z");
    w.payments.decline_next(&w.alice_id, "card expired");
    let err = w.market.pay_arrears(&w.alice, &app, None).unwrap_err();
    assert!(matches!(err, Error::PaymentDeclined { .. }), "{err}");
    let seen = declines(&w.market);
    assert_eq!(seen.len(), 2);
    // By default a retry is one cycle after the last attempt.
    assert_eq!(seen[1].1, 2);
    assert_eq!(seen[1].3, Some(at("2026-04-15T04:00:00Z")));
}
