//! Pay-per-use metering (PRC-7): settlement by cycle and at deletion, arrears (LIFE-1), the
//! usage statement, and the UNS-1 refusal.

mod support;

use appmarket::testing::fixtures;
use appmarket::*;
use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use support::{World, usd};

/// A SaaS product billed 0.30 an hour (flat), or 23 a month per licence.
fn hourly_saas(price: &str) -> ProductDraft {
    let mut draft = fixtures::saas_draft();
    draft.name = "Hourly Analytics".into();
    draft.specifications.truncate(1);
    draft.specifications[0].plans.push(PricePlan { mode: BillingMode::PayPerUse, price: usd(price), per_unit: false });
    draft
}

fn buy_hourly(w: &World, buyer: &Actor, price: &str) -> (Order, AppId) {
    let p = w.list(hourly_saas(price));
    let order = w.buy(buyer, World::request(&p, "Standard", BillingMode::PayPerUse, 5, 1));
    let app = order.app.clone().unwrap();
    (order, app)
}

/// Runs `tick` until nothing is due: one `tick` makes at most `max_settlements_per_tick`
/// settlements per app, and an app left behind stays due. Returns how many ticks did work.
fn catch_up(w: &World) -> u32 {
    let mut ticks = 0;
    while w.tick().examined > 0 {
        ticks += 1;
        assert!(ticks < 100_000, "tick does not catch up");
    }
    ticks
}

fn charged(w: &World) -> Money {
    let total = w.payments.charges().iter().map(|r| r.amount.amount).sum();
    Money::new(total, Currency::USD)
}

#[test]
fn prc_7_a_pay_per_use_order_is_quoted_by_the_hour_and_charges_nothing_up_front() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(hourly_saas("0.30"));
    let quote = w
        .market
        .quote_purchase(&appmarket::Actor::System, &World::request(&p, "Standard", BillingMode::PayPerUse, 5, 1))
        .unwrap();
    assert_eq!(quote.total, usd("0.00"));
    assert_eq!(quote.hourly_rate, Some(usd("0.30")));
    let (order, app) = buy_hourly(&w, &alice, "0.30");
    assert_eq!(order.status, OrderStatus::Completed);
    assert!(w.payments.charges().is_empty(), "nothing is charged up front");
    let app = w.market.app(&alice, &app).unwrap();
    assert_eq!(app.metering.unwrap().accruing_since, Some(fixtures::t0()));
}

#[test]
fn prc_7_two_and_a_half_hours_at_0_30_then_deleted_is_three_started_hours() {
    let w = World::new();
    let alice = w.customer("alice");
    let (_, app) = buy_hourly(&w, &alice, "0.30");
    w.advance(Duration::hours(1));
    w.tick();
    assert_eq!(charged(&w), usd("0.30"));
    w.advance(Duration::minutes(90));
    let deleted = w.market.delete_app(&alice, &app).unwrap();
    assert_eq!(deleted.status, AppStatus::Deleted);
    assert_eq!(charged(&w), usd("0.90"));
    let statement = w.market.usage_statement(&alice, &app).unwrap();
    assert_eq!(statement.hours, 3);
    assert_eq!(statement.charged, usd("0.90"));
    assert_eq!(statement.owed, usd("0.00"));
    assert_eq!(statement.cycles.iter().map(|c| c.hours).collect::<Vec<_>>(), vec![1, 1, 1]);
    assert!(statement.cycles.iter().all(|c| c.receipt.is_some()));
    // Metering has ended: time passes, nothing more is charged.
    w.advance(Duration::hours(5));
    w.tick();
    assert_eq!(charged(&w), usd("0.90"));
    // The seller sees the same statement; a stranger does not.
    assert_eq!(w.market.usage_statement(&w.seller, &app).unwrap(), statement);
    let bob = w.customer("bob");
    assert!(matches!(w.market.usage_statement(&bob, &app), Err(Error::Forbidden { .. })));
}

#[test]
fn prc_7_a_late_or_repeated_tick_charges_each_cycle_once() {
    let w = World::new();
    let alice = w.customer("alice");
    let (_, app) = buy_hourly(&w, &alice, "0.30");
    w.advance(Duration::hours(3) + Duration::minutes(10));
    w.tick();
    w.tick();
    assert_eq!(w.payments.charges().len(), 3, "one charge per cycle");
    assert_eq!(charged(&w), usd("0.90"));
    let statement = w.market.usage_statement(&alice, &app).unwrap();
    assert_eq!(statement.cycles.len(), 3);
    assert_eq!(statement.accruing_since, Some(fixtures::t0()));
}

#[test]
fn prc_7_the_cycle_length_is_policy() {
    let policy = Policy { pay_per_use_cycle_hours: 4, ..Policy::default() };
    let w = World::with_policy(policy);
    let alice = w.customer("alice");
    let (_, app) = buy_hourly(&w, &alice, "0.30");
    w.advance(Duration::hours(3));
    w.tick();
    assert!(w.payments.charges().is_empty());
    w.advance(Duration::hours(1));
    w.tick();
    assert_eq!(charged(&w), usd("1.20"));
    assert_eq!(w.market.usage_statement(&alice, &app).unwrap().cycles[0].hours, 4);
    assert!(Policy::from_json(r#"{"pay_per_use_cycle_hours": 0}"#).is_err());
    assert!(Policy::from_json(r#"{"pay_per_use_cycle_hours": 25}"#).is_err());
}

#[test]
fn prc_7_only_its_customer_deletes_a_pay_per_use_app_and_only_once() {
    let w = World::new();
    let alice = w.customer("alice");
    let bob = w.customer("bob");
    let (_, app) = buy_hourly(&w, &alice, "0.30");
    let err = w.refused(|| w.market.delete_app(&bob, &app));
    assert!(matches!(err, Error::Forbidden { .. }));
    let monthly = w.buy(&alice, World::request(&w.saas(), "Standard", BillingMode::Monthly, 5, 1));
    let err = w.refused(|| w.market.delete_app(&alice, monthly.app.as_ref().unwrap()));
    assert_eq!(err.rule(), Some("PRC-7"));
    w.advance(Duration::minutes(1));
    w.market.delete_app(&alice, &app).unwrap();
    let err = w.refused(|| w.market.delete_app(&alice, &app));
    assert_eq!(err.rule(), Some("PRC-7"));
    // 5 licences × 23 for the month, and the first started hour of the deleted app.
    assert_eq!(charged(&w), usd("115.30"));
}

#[test]
fn uns_1_a_pay_per_use_image_is_deleted_not_unsubscribed() {
    let w = World::new();
    let alice = w.customer("alice");
    let p = w.list(fixtures::image_draft());
    let request = ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: "vpc-1".into(), subnet: "subnet-1".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new("Str0ng!Pass"),
        agree_terms: true,
        customization: Some(Customization {
            mode: BillingMode::PayPerUse,
            eip_mbit: None,
            server_name: "web-1".into(),
            periods: 1,
            instances: 2,
        }),
    };
    let order = w.market.provision_image(&alice, &p.id, request, None).unwrap();
    // 2 × (0.02 image + 0.07 flavour + 40 GB × 0.0001 disk) = 0.188 an hour; nothing up front.
    assert_eq!(order.quote.total, usd("0.00"));
    assert_eq!(order.quote.hourly_rate.unwrap().amount.normalize().to_string(), "0.188");
    let order = w.market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    assert!(w.payments.charges().is_empty());
    let app = order.app.unwrap();
    let err = w.refused(|| w.market.unsubscribe(&alice, &app));
    assert_eq!(err.rule(), Some("UNS-1"));
    assert!(err.to_string().contains("delete"), "{err}");
    let actions = w.market.available_actions(&alice, &Target::App(app.clone())).unwrap();
    let find = |a: Action| actions.iter().find(|x| x.action == a).unwrap().clone();
    assert!(!find(Action::Unsubscribe).allowed);
    assert!(find(Action::DeleteApp).allowed);
    assert_eq!(find(Action::PayArrears).rule.as_deref(), Some("PRC-7"));
    w.advance(Duration::minutes(30));
    w.market.delete_app(&alice, &app).unwrap();
    assert_eq!(charged(&w), usd("0.19"));
}

#[test]
fn prc_7_a_declined_settlement_puts_the_app_in_arrears_retried_each_cycle() {
    let w = World::new();
    let alice = w.customer("alice");
    let alice_id = CustomerId::parse("alice").unwrap();
    let (_, app) = buy_hourly(&w, &alice, "0.30");
    w.payments.decline_next(&alice_id, "card expired");
    assert!(w.market.tick(&alice).is_err(), "only the system settles");
    w.advance(Duration::hours(1));
    w.tick();
    let a = w.market.app(&alice, &app).unwrap();
    assert_eq!(a.status, AppStatus::GracePeriod);
    let statement = w.market.usage_statement(&alice, &app).unwrap();
    assert_eq!((statement.owed, statement.charged), (usd("0.30"), usd("0.00")));
    assert_eq!(statement.cycles[0].declined.as_deref(), Some("card expired"));
    // The next cycle charges cycle 2 and retries cycle 1 with a new key.
    w.advance(Duration::hours(1));
    w.tick();
    let a = w.market.app(&alice, &app).unwrap();
    assert_eq!(a.status, AppStatus::Active, "paid in full on the retry");
    assert_eq!(charged(&w), usd("0.60"));
    let keys = w.market.usage_statement(&alice, &app).unwrap();
    assert_eq!(keys.owed, usd("0.00"));
}

/// Buys the hourly product paying by balance: settlements decline while the balance is short.
fn buy_hourly_by_balance(w: &World, buyer: &Actor) -> AppId {
    let p = w.list(hourly_saas("0.30"));
    let order = w.market.place_order(buyer, World::request(&p, "Standard", BillingMode::PayPerUse, 5, 1)).unwrap();
    w.market.accept_terms(buyer, &order.id).unwrap();
    w.market.pay(buyer, &order.id, Some(PaymentMethod::Balance)).unwrap().app.unwrap()
}

#[test]
fn prc_7_arrears_follow_life_1_grace_frozen_released() {
    let w = World::new();
    let alice = w.customer("alice");
    let app = buy_hourly_by_balance(&w, &alice);
    w.advance(Duration::hours(1));
    w.tick();
    assert_eq!(w.market.app(&alice, &app).unwrap().status, AppStatus::GracePeriod);
    // t0 is 2026-04-15 02:00 UTC = 10:00 UTC+8: grace runs to 2026-04-30 23:59:59 UTC+8.
    let grace_end: DateTime<Utc> = "2026-04-30T15:59:59Z".parse().unwrap();
    w.clock.set(grace_end).unwrap();
    w.tick();
    assert_eq!(w.market.app(&alice, &app).unwrap().status, AppStatus::GracePeriod);
    w.clock.set(grace_end + Duration::seconds(1)).unwrap();
    catch_up(&w);
    let frozen = w.market.app(&alice, &app).unwrap();
    assert_eq!(frozen.status, AppStatus::Frozen);
    assert_eq!(frozen.metering.as_ref().unwrap().accruing_since, None, "a frozen app does not accrue");
    let hours = (grace_end - fixtures::t0()).num_seconds().div_euclid(3600) + 1;
    let statement = w.market.usage_statement(&alice, &app).unwrap();
    assert_eq!(statement.hours as i64, hours);
    assert_eq!(statement.owed.amount, usd("0.30").amount * rust_decimal::Decimal::from(hours));
    // Frozen for the retention period, then released; the debt stays on the statement.
    w.clock.set("2026-05-15T16:00:00Z".parse().unwrap()).unwrap();
    w.tick();
    let released = w.market.app(&alice, &app).unwrap();
    assert_eq!(released.status, AppStatus::Released);
    assert_eq!(w.market.usage_statement(&alice, &app).unwrap().hours as i64, hours);
    let err = w.refused(|| w.market.delete_app(&alice, &app));
    assert_eq!(err.rule(), Some("PRC-7"));
}

#[test]
fn prc_7_paying_arrears_restores_a_frozen_app_and_metering_resumes() {
    let w = World::new();
    let alice = w.customer("alice");
    let alice_id = CustomerId::parse("alice").unwrap();
    let app = buy_hourly_by_balance(&w, &alice);
    w.advance(Duration::hours(1));
    w.tick();
    w.clock.set("2026-05-01T00:00:00Z".parse().unwrap()).unwrap();
    catch_up(&w);
    assert_eq!(w.market.app(&alice, &app).unwrap().status, AppStatus::Frozen);
    let owed = w.market.usage_statement(&alice, &app).unwrap().owed;
    // Still short: declined, recorded, and the app stays frozen.
    let err = w.market.pay_arrears(&alice, &app, None).unwrap_err();
    assert!(matches!(err, Error::PaymentDeclined { .. }), "{err}");
    assert_eq!(w.market.app(&alice, &app).unwrap().status, AppStatus::Frozen);
    let bob = w.customer("bob");
    assert!(matches!(w.refused(|| w.market.pay_arrears(&bob, &app, None)), Error::Forbidden { .. }));
    // Paid by card: restored, and it accrues again from now.
    let restored = w.market.pay_arrears(&alice, &app, Some(PaymentMethod::CreditCard)).unwrap();
    assert_eq!(restored.status, AppStatus::Active);
    let now = w.market.now();
    assert_eq!(restored.metering.as_ref().unwrap().accruing_since, Some(now));
    let statement = w.market.usage_statement(&alice, &app).unwrap();
    assert_eq!((statement.owed, statement.charged), (usd("0.00"), owed));
    let actions = w.market.available_actions(&alice, &Target::App(app.clone())).unwrap();
    let pay = actions.iter().find(|a| a.action == Action::PayArrears).unwrap();
    assert_eq!((pay.allowed, pay.rule.as_deref()), (false, Some("PRC-7")));
    assert!(w.refused(|| w.market.pay_arrears(&alice, &app, None)).rule() == Some("PRC-7"));
    // Later cycles use the order's method (balance) again: top it up.
    w.payments.set_balance(&alice_id, usd("10"));
    w.advance(Duration::hours(1));
    w.tick();
    let statement = w.market.usage_statement(&alice, &app).unwrap();
    assert_eq!(statement.charged, owed.checked_add(&usd("0.30")).unwrap());
    assert_eq!(w.market.app(&alice, &app).unwrap().status, AppStatus::Active);
}

#[test]
fn prc_7_a_reseller_customers_usage_is_for_reference_only() {
    let w = World::new();
    let carol = w.account(CustomerAccount {
        reseller: Some("reseller-1".into()),
        ..CustomerAccount::with_card(CustomerId::parse("carol").unwrap())
    });
    let p = w.list(hourly_saas("0.30"));
    let order = w.market.place_order(&carol, World::request(&p, "Standard", BillingMode::PayPerUse, 5, 1)).unwrap();
    w.market.accept_terms(&carol, &order.id).unwrap();
    let order = w.market.pay(&carol, &order.id, None).unwrap();
    let app = order.app.unwrap();
    w.advance(Duration::hours(2));
    w.tick();
    let statement = w.market.usage_statement(&carol, &app).unwrap();
    assert!(statement.for_reference_only);
    assert_eq!((statement.hours, statement.owed), (2, usd("0.00")));
    assert!(statement.cycles.iter().all(|c| c.settled_by_reseller.as_deref() == Some("reseller-1")));
    assert!(w.payments.charges().is_empty());
}

#[test]
fn prc_7_a_supervised_pay_per_use_app_accrues_from_acceptance() {
    let w = World::new();
    let alice = w.customer("alice");
    let mut draft = hourly_saas("0.30");
    draft.involves_supervision = true;
    let p = w.list(draft);
    let order = w.buy(&alice, World::request(&p, "Standard", BillingMode::PayPerUse, 5, 1));
    let app = order.app.clone().unwrap();
    assert_eq!(w.market.app(&alice, &app).unwrap().metering.unwrap().accruing_since, None);
    w.advance(Duration::hours(3));
    w.tick();
    assert!(w.payments.charges().is_empty(), "nothing accrues before the flow completes");
    let flow = w.market.flow_of_order(&alice, &order.id).unwrap();
    let request = ServiceRequest {
        description: "Set it up".into(),
        attachments: vec![Attachment { name: "plan.pdf".into(), bytes: 10 }],
    };
    w.market.submit_request(&alice, &flow.id, request).unwrap();
    w.market.accept_request(&w.seller, &flow.id).unwrap();
    let info =
        ApplicationInfo { username: "admin".into(), management_url: "https://x".into(), ..ApplicationInfo::default() };
    let delivery = Delivery { application_info: Some(info), ..Delivery::default() };
    w.market.deliver(&w.seller, &flow.id, delivery, None).unwrap();
    w.market.confirm_acceptance(&alice, &flow.id).unwrap();
    let started = w.market.now();
    assert_eq!(w.market.app(&alice, &app).unwrap().metering.unwrap().accruing_since, Some(started));
    w.advance(Duration::minutes(61));
    w.tick();
    assert_eq!(charged(&w), usd("0.30"));
}

fn cadence_total(start_after: i64, run_for: i64, ticks: &[i64]) -> (u64, Money) {
    let w = World::new();
    let alice = w.customer("alice");
    w.advance(Duration::seconds(start_after));
    let (_, app) = buy_hourly(&w, &alice, "0.30");
    let start = w.market.now();
    let stop = start + Duration::seconds(run_for);
    for gap in ticks {
        let at = w.market.now() + Duration::seconds(*gap);
        if at >= stop {
            break;
        }
        w.clock.set(at).unwrap();
        w.tick();
    }
    w.clock.set(stop).unwrap();
    w.market.delete_app(&alice, &app).unwrap();
    let hours = appmarket::pricing::started_hours(start, stop).max(if run_for == 0 { 0 } else { 1 });
    (hours, charged(&w))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn prc_7_total_charged_is_started_hours_times_price_whatever_the_tick_cadence(
        start_after in 0i64..7_200,
        run_for in 1i64..(30 * 3_600),
        ticks in proptest::collection::vec(1i64..(8 * 3_600), 0..12),
    ) {
        let (hours, total) = cadence_total(start_after, run_for, &ticks);
        prop_assert_eq!(total, Money::new(usd("0.30").amount * rust_decimal::Decimal::from(hours), Currency::USD).rounded());
    }
}

/// A gateway that answers every charge with a receipt for one cent more.
struct Skewed;

impl appmarket::PaymentGateway for Skewed {
    fn charge(
        &self,
        r: &appmarket::payments::ChargeRequest,
    ) -> Result<appmarket::payments::Receipt, appmarket::payments::PaymentError> {
        let amount = Money::new(r.amount.amount + rust_decimal::Decimal::new(1, 2), r.amount.currency);
        Ok(appmarket::payments::Receipt { id: "skewed".into(), amount, method: r.method })
    }
    fn refund(
        &self,
        r: &appmarket::payments::RefundRequest,
    ) -> Result<appmarket::payments::Receipt, appmarket::payments::PaymentError> {
        Ok(appmarket::payments::Receipt { id: "refund".into(), amount: r.amount, method: r.method })
    }
}

/// A marketplace on a manual clock and a memory store, charging through `gateway`, where alice
/// has bought the hourly product by card.
fn hourly_on(
    gateway: std::sync::Arc<dyn appmarket::PaymentGateway>,
    policy: Policy,
) -> (Marketplace, ManualClock, std::sync::Arc<MemoryStore>, Actor, AppId) {
    let clock = ManualClock::new(fixtures::t0());
    let store = std::sync::Arc::new(MemoryStore::new());
    let market = Marketplace::builder()
        .clock(clock.clone())
        .store(store.clone())
        .payments(gateway)
        .policy(policy)
        .build()
        .unwrap();
    let alice = Actor::customer("alice").unwrap();
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
    let p = market.list_product(Actor::seller("isv-1").unwrap(), hourly_saas("0.30")).unwrap();
    let order = market.place_order(&alice, World::request(&p, "Standard", BillingMode::PayPerUse, 5, 1)).unwrap();
    market.accept_terms(&alice, &order.id).unwrap();
    let app = market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap().app.unwrap();
    (market, clock, store, alice, app)
}

#[test]
fn prc_7_a_receipt_for_another_amount_records_nothing_and_the_cycle_stays_due() {
    let (market, clock, _, alice, app) = hourly_on(std::sync::Arc::new(Skewed), Policy::default());
    clock.advance(Duration::hours(1)).unwrap();
    let report = market.tick(&Actor::System).unwrap();
    assert_eq!(report.failed, 1);
    assert!(market.usage_statement(&alice, &app).unwrap().cycles.is_empty());
    assert!(matches!(market.delete_app(&alice, &app), Err(Error::Gateway { .. })));
    assert_eq!(market.app(&alice, &app).unwrap().status, AppStatus::Active);
}

/// A gateway that keeps every idempotency key with the amount first asked under it, as real
/// gateways do: the same key for another amount is refused. Its first charge fails (the answer
/// is lost, no money moved); the others go to the simulated gateway.
#[derive(Default)]
struct KeyedGateway {
    inner: SimulatedPayments,
    asked: std::sync::Mutex<std::collections::HashMap<String, Money>>,
    failed_once: std::sync::atomic::AtomicBool,
}

impl appmarket::PaymentGateway for KeyedGateway {
    fn charge(
        &self,
        r: &appmarket::payments::ChargeRequest,
    ) -> Result<appmarket::payments::Receipt, appmarket::payments::PaymentError> {
        let first = *self.asked.lock().unwrap().entry(r.idempotency_key.clone()).or_insert(r.amount);
        if first != r.amount {
            let reason = format!("key {} was asked {first}, now {}", r.idempotency_key, r.amount);
            return Err(appmarket::payments::PaymentError::Failed(reason));
        }
        if !self.failed_once.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return Err(appmarket::payments::PaymentError::Failed("timed out".into()));
        }
        self.inner.charge(r)
    }
    fn refund(
        &self,
        r: &appmarket::payments::RefundRequest,
    ) -> Result<appmarket::payments::Receipt, appmarket::payments::PaymentError> {
        self.inner.refund(r)
    }
}

#[test]
fn prc_7_a_settlement_key_names_one_span_so_a_lost_answer_does_not_block_the_next_span() {
    let gateway = std::sync::Arc::new(KeyedGateway::default());
    let policy = Policy { pay_per_use_cycle_hours: 24, ..Policy::default() };
    let (market, clock, store, alice, app) = hourly_on(gateway.clone(), policy);
    // Deleting at +3 h asks 0.90 for the first settlement; the answer is lost: nothing changes.
    clock.advance(Duration::hours(3)).unwrap();
    let before = appmarket::store::memory_snapshot(&store);
    assert!(matches!(market.delete_app(&alice, &app), Err(Error::Gateway { .. })));
    assert_eq!(before, appmarket::store::memory_snapshot(&store), "a lost answer records nothing");
    assert_eq!(market.app(&alice, &app).unwrap().status, AppStatus::Active);
    // The cycle's end: the first settlement is now 24 hours, another span, asked under its own key.
    clock.advance(Duration::hours(21)).unwrap();
    let report = market.tick(&Actor::System).unwrap();
    assert_eq!((report.changed, report.failed), (1, 0));
    let statement = market.usage_statement(&alice, &app).unwrap();
    assert_eq!(statement.cycles.iter().map(|c| (c.number, c.hours)).collect::<Vec<_>>(), vec![(1, 24)]);
    assert_eq!(statement.charged, usd("7.20"));
    // Deleting an hour later settles the started hour: recorded once each, charged once each.
    clock.advance(Duration::hours(1)).unwrap();
    market.delete_app(&alice, &app).unwrap();
    market.tick(&Actor::System).unwrap();
    let statement = market.usage_statement(&alice, &app).unwrap();
    assert_eq!(statement.cycles.iter().map(|c| (c.number, c.hours)).collect::<Vec<_>>(), vec![(1, 24), (2, 1)]);
    let receipts = gateway.inner.charges();
    assert_eq!(receipts.len(), 2, "one charge per settled span");
    let total = receipts.iter().map(|r| r.amount.amount).sum();
    assert_eq!(statement.charged, Money::new(total, Currency::USD), "charged = recorded");
    assert_eq!(statement.charged, usd("7.50"));
    // Three keys were asked, each for one amount: the lost span's, and the two settled spans'.
    let asked = gateway.asked.lock().unwrap();
    assert_eq!(asked.len(), 3);
    assert!(asked.keys().all(|k| k.contains(&format!("{app}:usage:"))), "{asked:?}");
}

/// An hourly app bought at t0 whose `tick` does not run for `days`.
fn idle_for(w: &World, days: i64) -> (Actor, AppId) {
    let alice = w.customer("alice");
    let (_, app) = buy_hourly(w, &alice, "0.30");
    w.advance(Duration::days(days));
    (alice, app)
}

#[test]
fn prc_7_a_tick_settles_at_most_the_policy_number_per_app_and_the_app_stays_due_until_caught_up() {
    let w = World::new();
    let (alice, app) = idle_for(&w, 365);
    let report = w.tick();
    assert_eq!((report.examined, report.changed), (1, 1));
    let settled = |w: &World| w.market.usage_statement(&alice, &app).unwrap().cycles.len();
    assert_eq!(settled(&w), 24, "max_settlements_per_tick (24)");
    assert_eq!(w.tick().examined, 1, "still behind: still due");
    assert_eq!(settled(&w), 48);
    // A year is 8,760 cycles: 365 ticks of 24, the last of which catches up.
    assert_eq!(catch_up(&w), 365 - 2);
    assert_eq!(settled(&w), 8_760);
    assert_eq!(w.tick().examined, 0, "caught up: due at the end of the open cycle");
    let m = w.market.app(&alice, &app).unwrap().metering.unwrap();
    assert_eq!(m.settled_until, Some(fixtures::t0() + Duration::days(365)));
    assert_eq!(m.settlements, 8_760);
}

#[test]
fn prc_7_a_years_catch_up_charges_what_it_records_once_per_cycle() {
    let policy = Policy { max_settlements_per_tick: 1_000, ..Policy::default() };
    let w = World::with_policy(policy);
    let (alice, app) = idle_for(&w, 365);
    catch_up(&w);
    let statement = w.market.usage_statement(&alice, &app).unwrap();
    assert_eq!((statement.hours, statement.cycles.len()), (8_760, 8_760));
    assert!(statement.cycles.iter().enumerate().all(|(i, c)| c.number as usize == i + 1 && c.hours == 1));
    assert_eq!(statement.charged, charged(&w), "charged = recorded");
    assert_eq!(statement.charged, usd("2628.00"));
    assert_eq!(w.payments.charges().len(), 8_760, "one charge per cycle");
    // Deleting now settles the started hour of the open cycle.
    w.advance(Duration::minutes(1));
    w.market.delete_app(&alice, &app).unwrap();
    assert_eq!(w.market.usage_statement(&alice, &app).unwrap().charged, charged(&w));
}

#[test]
fn prc_7_an_app_stays_small_after_a_year_of_hourly_ticks() {
    let w = World::new();
    let alice = w.customer("alice");
    let (_, app) = buy_hourly(&w, &alice, "0.30");
    for _ in 0..8_760 {
        w.advance(Duration::hours(1));
        w.tick();
    }
    let current = w.market.app(&alice, &app).unwrap();
    let size = serde_json::to_string(&current).unwrap().len();
    assert!(size < 8 * 1024, "the app's document is {size} bytes after a year");
    assert_eq!(current.metering.as_ref().unwrap().settlements, 8_760);
    assert_eq!(w.market.usage_statement(&alice, &app).unwrap().cycles.len(), 8_760);
    // Its records come a page at a time (max_records_page), oldest first.
    let target = Target::App(app.clone());
    let first = w.market.records(&alice, &target, 0, None).unwrap();
    assert_eq!(first.len(), 1_000);
    let (mut all, mut after) = (0, 0);
    loop {
        let page = w.market.records(&alice, &target, after, Some(700)).unwrap();
        assert!(page.len() <= 700 && page.iter().all(|e| e.seq > after && e.target == target));
        assert!(page.windows(2).all(|p| p[0].seq < p[1].seq));
        all += page.len();
        match page.last() {
            Some(last) if page.len() == 700 => after = last.seq,
            _ => break,
        }
    }
    assert!(all > 8_760, "{all} events");
    assert_eq!(first[0..10], w.market.records(&alice, &target, 0, Some(10)).unwrap()[..]);
    // The same through `run_json`.
    let json = format!(
        r#"{{"do": "records", "target": {}, "after": {}, "limit": 3}}"#,
        serde_json::to_string(&target).unwrap(),
        first[4].seq
    );
    let page: Vec<Event> = serde_json::from_str(&w.market.run_json(&alice, &json).unwrap()).unwrap();
    assert_eq!(page[..], first[5..8]);
}

#[test]
fn prc_7_an_app_written_with_every_settlement_in_its_document_loads_with_the_owed_ones_only() {
    let w = World::new();
    let alice = w.customer("alice");
    let alice_id = CustomerId::parse("alice").unwrap();
    let (_, app) = buy_hourly(&w, &alice, "0.30");
    w.advance(Duration::hours(1));
    w.tick();
    w.payments.decline_next(&alice_id, "card expired");
    w.advance(Duration::hours(1));
    w.tick();
    let current = w.market.app(&alice, &app).unwrap();
    let statement = w.market.usage_statement(&alice, &app).unwrap();
    assert_eq!(statement.cycles.len(), 2);
    // The document as the library wrote it while the app kept every settlement: `cycles`,
    // no `settlements`, no `owed`.
    let mut doc = serde_json::to_value(&current).unwrap();
    let metering = doc["metering"].as_object_mut().unwrap();
    metering.remove("settlements");
    metering.remove("owed");
    metering.insert("cycles".into(), serde_json::to_value(&statement.cycles).unwrap());
    let old = doc.to_string();
    assert!(old.contains(r#""cycles":[{"#) && !old.contains("settlements"), "{old}");
    let loaded: PurchasedApp = serde_json::from_str(&old).unwrap();
    assert_eq!(loaded, current);
    let m = loaded.metering.as_ref().unwrap();
    assert_eq!((m.settlements, m.owed.len(), m.owed[0].number), (2, 1, 2));
    let written = serde_json::to_string(&loaded).unwrap();
    assert!(!written.contains("cycles") && written.len() < old.len(), "{written}");
}

#[test]
fn prc_7_the_settlements_per_tick_and_the_records_page_are_policy_with_a_range() {
    for (json, field) in [
        (r#"{"max_settlements_per_tick": 0}"#, "max_settlements_per_tick"),
        (r#"{"max_settlements_per_tick": 8761}"#, "max_settlements_per_tick"),
        (r#"{"max_records_page": 0}"#, "max_records_page"),
        (r#"{"max_records_page": 100001}"#, "max_records_page"),
    ] {
        let err = Policy::from_json(json).unwrap_err();
        assert_eq!(support::field(&err), field, "{json}: {err}");
    }
    let p = Policy::from_json(r#"{"max_settlements_per_tick": 8760, "max_records_page": 1}"#).unwrap();
    assert_eq!((p.max_settlements_per_tick, p.max_records_page), (8_760, 1));
    assert_eq!((Policy::default().max_settlements_per_tick, Policy::default().max_records_page), (24, 1_000));
}
