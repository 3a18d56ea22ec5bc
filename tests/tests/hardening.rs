//! No panics, ever: out-of-range amounts and policies are refused with typed errors, and random
//! policies with random commands never make the facade panic.

use std::sync::Arc;

use appmarket::store::memory_snapshot;
use appmarket::testing::fixtures;
use appmarket::*;
use chrono::Duration;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn with_price(price: &str) -> ProductDraft {
    let mut draft = fixtures::saas_draft();
    draft.specifications[0].plans[0].price = Money::new(price.parse::<Decimal>().unwrap(), Currency::USD);
    draft
}

#[test]
fn prc_1_a_price_outside_the_documented_range_is_refused_at_listing_and_changes_nothing() {
    let store = Arc::new(MemoryStore::new());
    let market = Marketplace::builder().store(store.clone()).clock(ManualClock::new(fixtures::t0())).build().unwrap();
    let seller = Actor::seller("isv-1").unwrap();
    let before = memory_snapshot(&store);
    for price in ["10000000000000000000000000000", "1000000000000.01", "0.000000001"] {
        let err = market.list_product(&seller, with_price(price)).unwrap_err();
        assert_eq!(err.kind(), "invalid_input", "{price}: {err}");
        assert!(err.to_string().contains("1000000000000"), "{err}");
        assert_eq!(before, memory_snapshot(&store));
    }
    // The largest price is accepted, and the largest order quotes without overflow.
    let product = market.list_product(&seller, with_price("1000000000000")).unwrap();
    let request = PurchaseRequest {
        product: product.id,
        specification: "Standard".into(),
        mode: BillingMode::Monthly,
        quantity: 1000,
        periods: 9,
    };
    assert_eq!(
        market.quote_purchase(&appmarket::Actor::System, &request).unwrap().total.to_string(),
        "9000000000000000.00 USD"
    );
}

#[test]
fn prc_2_a_quote_out_of_decimal_range_is_an_error_not_a_panic() {
    let huge = Money::new(Decimal::MAX, Currency::USD);
    let err = pricing::QuoteBuilder::new(Currency::USD).line("x", huge, Decimal::TEN, Decimal::TEN).build();
    assert_eq!(err.unwrap_err().kind(), "invalid_input");
    assert!(huge.times(Decimal::TEN).is_err());
    assert!(huge.checked_add(&huge).is_err());
}

#[test]
fn policy_fields_out_of_their_documented_range_are_refused() {
    for json in [
        r#"{"end_of_term": {"grace_days": 1000000000, "retention_days": 15}}"#,
        r#"{"end_of_term_by_level": {"gold": {"grace_days": 15, "retention_days": 1000000000}}}"#,
        r#"{"expiry_reminder_days": [1000000000]}"#,
        r#"{"order_payment_timeout_days": 1000000000}"#,
        r#"{"flow_max_days": 1000000000}"#,
        r#"{"completion_delay_hours": 1000000000}"#,
        r#"{"reminder_interval_hours": 1000000000}"#,
        r#"{"unconditional_unsubscribe_hours": 1000000000}"#,
        r#"{"appeal_resolution_working_days": 1000000000}"#,
        r#"{"auto_renewal_days_before": 1000000000}"#,
        r#"{"max_monthly_periods": 10000000}"#,
        r#"{"appeal_rejections": 0}"#,
        r#"{"tick_claim_seconds": 0}"#,
        r#"{"unsubscribe_review_above": {"amount": "-1", "currency": "USD"}}"#,
        "[]",
        "1",
        "null",
    ] {
        let err = Policy::from_json(json).unwrap_err();
        assert_eq!(err.kind(), "invalid_input", "{json} accepted");
    }
    assert!(Policy::from_json("{}").is_ok());
}

#[test]
fn a_clock_off_the_calendar_is_refused_not_a_panic() {
    let far = chrono::DateTime::from_timestamp(253_402_300_800 + 86_400, 0).unwrap();
    let market = Marketplace::builder().clock(ManualClock::new(far)).build().unwrap();
    let err = market.list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap_err();
    assert_eq!(err.kind(), "invalid_input");
    assert!(err.to_string().contains("clock"), "{err}");
    assert_eq!(market.tick(&Actor::System).unwrap_err().kind(), "invalid_input");
}

/// A policy as JSON with each field drawn from a wide range, valid or not.
fn policy_json() -> impl Strategy<Value = String> {
    let days = prop_oneof![0u64..40, 0u64..4_000, Just(1_000_000_000u64), Just(u64::from(u32::MAX))];
    (
        days.clone(),
        days.clone(),
        days.clone(),
        days.clone(),
        prop_oneof![1u64..20, Just(10_000_000u64)],
        days.clone(),
        0u64..5,
        days,
    )
        .prop_map(|(grace, retention, flow, timeout, months, hours, rejections, before)| {
            format!(
                r#"{{"end_of_term": {{"grace_days": {grace}, "retention_days": {retention}}}, "flow_max_days": {flow},
                "order_payment_timeout_days": {timeout}, "max_monthly_periods": {months},
                "completion_delay_hours": {hours}, "appeal_rejections": {rejections},
                "auto_renewal_days_before": {before}, "unconditional_unsubscribe_hours": {hours},
                "expiry_reminder_days": [{before}]}}"#
            )
        })
}

#[derive(Debug, Clone)]
enum Step {
    Buy { quantity: u32, periods: u32, yearly: bool },
    Advance { hours: i64 },
    Tick,
    Renew { periods: u32 },
    AutoRenew { periods: u32, count: u32, days_before: u32 },
    Unsubscribe,
    Upgrade { quantity: u32 },
    Refund { cents: i64 },
}

fn step() -> impl Strategy<Value = Step> {
    let n = prop_oneof![0u32..20, Just(1_000u32), Just(u32::MAX)];
    prop_oneof![
        (n.clone(), n.clone(), any::<bool>()).prop_map(|(quantity, periods, yearly)| Step::Buy {
            quantity,
            periods,
            yearly
        }),
        prop_oneof![0i64..100, 0i64..100_000, Just(10_000_000i64)].prop_map(|hours| Step::Advance { hours }),
        Just(Step::Tick),
        n.clone().prop_map(|periods| Step::Renew { periods }),
        (n.clone(), n.clone(), n.clone()).prop_map(|(periods, count, days_before)| Step::AutoRenew {
            periods,
            count,
            days_before
        }),
        Just(Step::Unsubscribe),
        n.prop_map(|quantity| Step::Upgrade { quantity }),
        any::<i64>().prop_map(|cents| Step::Refund { cents }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random policies and random commands: every call returns a value or a typed error.
    #[test]
    fn random_policies_and_commands_never_panic(policy in policy_json(), price in prop_oneof![
        Just("23".to_owned()), Just("0.01".to_owned()), Just("1000000000000".to_owned()), Just("10000000000000000000000000000".to_owned())
    ], steps in prop::collection::vec(step(), 1..25)) {
        let Ok(policy) = Policy::from_json(&policy) else { return Ok(()) };
        let clock = ManualClock::new(fixtures::t0());
        let market = Marketplace::builder().policy(policy).clock(clock.clone()).build().unwrap();
        let seller = Actor::seller("isv-1").unwrap();
        let alice = Actor::customer("alice").unwrap();
        market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
        let Ok(amount) = price.parse::<Decimal>() else { return Ok(()) };
        let mut draft = fixtures::saas_draft();
        draft.specifications[0].plans[0].price = Money::new(amount, Currency::USD);
        draft.specifications[0].plans[1].price = Money::new(amount, Currency::USD);
        draft.specifications[1].plans[0].price = Money::new(amount.checked_mul(Decimal::TWO).unwrap_or(amount), Currency::USD);
        let Ok(product) = market.list_product(&seller, draft) else { return Ok(()) };
        let mut app: Option<AppId> = None;
        let mut order: Option<OrderId> = None;
        for s in steps {
            match s {
                Step::Buy { quantity, periods, yearly } => {
                    let mode = if yearly { BillingMode::Yearly } else { BillingMode::Monthly };
                    let request = PurchaseRequest { product: product.id.clone(), specification: "Standard".into(), mode, quantity, periods };
                    let _ = market.quote_purchase(&appmarket::Actor::System, &request);
                    if let Ok(o) = market.place_order(&alice, request) {
                        let _ = market.accept_terms(&alice, &o.id);
                        if let Ok(paid) = market.pay(&alice, &o.id, Some(PaymentMethod::CreditCard)) {
                            app = paid.app.clone();
                            order = Some(paid.id);
                        }
                    }
                }
                Step::Advance { hours } => { let _ = clock.advance(Duration::hours(hours)); }
                Step::Tick => { let _ = market.tick(&Actor::System); }
                Step::Renew { periods } => if let Some(a) = &app {
                    let _ = market.quote_renewal(&alice, a, periods, None);
                    if let Ok(o) = market.renew(&alice, a, periods, None) {
                        let _ = market.accept_terms(&alice, &o.id);
                        let _ = market.pay(&alice, &o.id, Some(PaymentMethod::CreditCard));
                    }
                },
                Step::AutoRenew { periods, count, days_before } => if let Some(a) = &app {
                    let _ = market.set_auto_renewal(&alice, a, periods, count, days_before, None);
                },
                Step::Unsubscribe => if let Some(a) = &app {
                    let _ = market.quote_unsubscribe(&alice, a);
                    let _ = market.unsubscribe(&alice, a);
                },
                Step::Upgrade { quantity } => if let Some(a) = &app {
                    let _ = market.quote_upgrade(&alice, a, "Premium", quantity);
                    if let Ok(o) = market.order_upgrade(&alice, a, "Premium", quantity) {
                        let _ = market.accept_terms(&alice, &o.id);
                        let _ = market.pay(&alice, &o.id, Some(PaymentMethod::CreditCard));
                    }
                },
                Step::Refund { cents } => if let Some(o) = &order {
                    let _ = market.request_refund(&alice, o, Money::new(Decimal::new(cents, 2), Currency::USD), "why");
                },
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// A customer adds up the lines: they always equal the total (PRC-1, PRC-2).
    #[test]
    fn prc_2_quote_lines_add_up_to_the_total(
        old in 1i64..10_000_000, new in 1i64..10_000_000, day in 1u32..28, month in 1u32..12, expiry_months in 1u32..36,
        discount in 1i64..=100,
    ) {
        let usd = |cents: i64| Money::new(Decimal::new(cents, 2), Currency::USD);
        let (old, new) = (old.min(new), old.max(new));
        let change = chrono::NaiveDate::from_ymd_opt(2026, month, day).unwrap();
        let expiry = change + chrono::Months::new(expiry_months);
        for remaining in [pricing::remaining_months(change, expiry), pricing::remaining_years(change, expiry)] {
            let q = pricing::upgrade_quote("a", usd(old), "b", usd(new), remaining, Decimal::new(discount, 2)).unwrap();
            let sum: Decimal = q.lines.iter().map(|l| l.amount.amount).sum();
            prop_assert_eq!(sum, q.total.amount, "{:?}", q);
        }
    }
}
