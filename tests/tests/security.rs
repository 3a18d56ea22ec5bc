//! Security as a hostile user or a careless host would try it: request ids scoped per actor,
//! host-level commands, payment keys per marketplace, receipts checked against the amount due,
//! canonical fingerprints, and unknown fields refused everywhere.

use std::sync::Arc;

use appmarket::command::Command;
use appmarket::payments::{ChargeRequest, PaymentError, PaymentGateway, Receipt, RefundRequest};
use appmarket::store::memory_snapshot;
use appmarket::testing::fixtures;
use appmarket::*;
use rust_decimal::Decimal;

struct World {
    market: Marketplace,
    store: Arc<MemoryStore>,
    payments: Arc<SimulatedPayments>,
}

fn world_with(id: &str, payments: Arc<SimulatedPayments>) -> World {
    let store = Arc::new(MemoryStore::new());
    let market = Marketplace::builder()
        .marketplace_id(id)
        .clock(ManualClock::new(fixtures::t0()))
        .store(store.clone())
        .payments(payments.clone())
        .build()
        .unwrap();
    for c in ["alice", "bob"] {
        market.register_customer(CustomerAccount::with_card(CustomerId::parse(c).unwrap())).unwrap();
    }
    World { market, store, payments }
}

fn world() -> World {
    world_with("market-1", Arc::new(SimulatedPayments::new()))
}

fn request(product: &ProductId, quantity: u32) -> PurchaseRequest {
    PurchaseRequest {
        product: product.clone(),
        specification: "Standard".into(),
        mode: BillingMode::Monthly,
        quantity,
        periods: 1,
    }
}

/// Alice buys a SaaS app whose seller gives it a password; returns the app.
fn alice_app(w: &World) -> AppId {
    let seller = Actor::seller("isv-1").unwrap();
    let alice = Actor::customer("alice").unwrap();
    let product = w.market.list_product(&seller, fixtures::saas_draft()).unwrap();
    let order = w.market.place_order(&alice, request(&product.id, 10)).unwrap();
    w.market.accept_terms(&alice, &order.id).unwrap();
    let paid = w.market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    let app = paid.app.unwrap();
    w.market
        .provide_application_info(&seller, &app, ApplicationInfo::default(), Some(Secret::new("alice-secret-1")))
        .unwrap();
    app
}

#[test]
fn acc_1_a_request_id_is_scoped_to_its_actor_and_a_replay_passes_the_same_checks() {
    let w = world();
    let app = alice_app(&w);
    let alice = Actor::customer("alice").unwrap();
    let revealed = w.market.reveal_password(alice.with_request_id("r1").unwrap(), &app).unwrap();
    assert_eq!(revealed.expose(), "alice-secret-1");
    let before = memory_snapshot(&w.store);
    for other in [Actor::customer("bob").unwrap(), Actor::seller("isv-2").unwrap(), Actor::operator("ops").unwrap()] {
        let err = w.market.reveal_password(other.with_request_id("r1").unwrap(), &app).unwrap_err();
        assert!(matches!(err, Error::Forbidden { .. }), "{other}: {err}");
        assert!(!err.to_string().contains("alice-secret-1"));
        assert_eq!(before, memory_snapshot(&w.store), "a refusal changed nothing");
    }
    // Her own replay still works.
    let again = w.market.reveal_password(alice.with_request_id("r1").unwrap(), &app).unwrap();
    assert_eq!(again.expose(), "alice-secret-1");
}

#[test]
fn acc_1_an_actor_cannot_squat_another_actors_request_id_and_conflicts_show_nothing_of_it() {
    let w = world();
    let seller = Actor::seller("isv-1").unwrap();
    let product = w.market.list_product(&seller, fixtures::saas_draft()).unwrap();
    let bob = Actor::customer("bob").unwrap();
    let alice = Actor::customer("alice").unwrap();
    // Bob uses "shared-id" first.
    let bobs = w.market.place_order(bob.with_request_id("shared-id").unwrap(), request(&product.id, 15)).unwrap();
    // Alice's own command under the same id is hers: a new request, not Bob's order.
    let hers = w.market.place_order(alice.with_request_id("shared-id").unwrap(), request(&product.id, 10)).unwrap();
    assert_ne!(hers.id, bobs.id);
    assert_eq!(hers.customer.as_str(), "alice");
    // Bob reusing his id for another command: a conflict that says nothing of the command.
    let err = w.market.place_order(bob.with_request_id("shared-id").unwrap(), request(&product.id, 20)).unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }));
    assert!(!err.to_string().contains("place_order") && !err.to_string().contains("Standard"), "{err}");
}

#[test]
fn acc_1_host_level_commands_are_refused_to_every_actor_but_the_host() {
    let w = world();
    let before = memory_snapshot(&w.store);
    let command = r#"{"do": "register_customer", "account": {"id": "mallory", "bound_card": true,
        "credit_enabled": true, "reseller": "evil-reseller", "level": null}}"#;
    for actor in [
        Actor::customer("mallory").unwrap(),
        Actor::customer("alice").unwrap(),
        Actor::seller("isv-1").unwrap(),
        Actor::operator("ops").unwrap(),
    ] {
        let err = w.market.run_json(&actor, command).unwrap_err();
        assert_eq!(err.kind(), "forbidden", "{actor}: {err}");
        assert_eq!(before, memory_snapshot(&w.store), "a refused host command changed nothing");
    }
    // Rewriting another customer's account is refused the same way.
    let rewrite = r#"{"do": "register_customer", "account": {"id": "alice", "bound_card": false,
        "credit_enabled": true, "reseller": null, "level": "vip"}}"#;
    assert_eq!(w.market.run_json(Actor::customer("alice").unwrap(), rewrite).unwrap_err().kind(), "forbidden");
    // The host may.
    assert!(w.market.run_json(&Actor::System, command).is_ok());
    // The test-only sample command is not part of the command set.
    let sample = r#"{"do": "list_sample_product", "sample": "saas"}"#;
    assert_eq!(w.market.run_json(Actor::seller("isv-1").unwrap(), sample).unwrap_err().kind(), "invalid_input");
}

#[test]
fn ord_3_payment_keys_are_unique_per_marketplace_sharing_one_gateway() {
    let gateway = Arc::new(SimulatedPayments::new());
    let a = world_with("market-a", gateway.clone());
    let b = world_with("market-b", gateway.clone());
    let alice = Actor::customer("alice").unwrap();
    let seller = Actor::seller("isv-1").unwrap();
    let mut paid = Vec::new();
    for (w, quantity) in [(&a, 10), (&b, 45)] {
        let product = w.market.list_product(&seller, fixtures::saas_draft()).unwrap();
        let order = w.market.place_order(&alice, request(&product.id, quantity)).unwrap();
        assert_eq!(order.id.as_str(), "ORD-00000001", "both marketplaces number their orders alike");
        w.market.accept_terms(&alice, &order.id).unwrap();
        paid.push(w.market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap());
    }
    let charges = gateway.charges();
    assert_eq!(charges.len(), 2, "each marketplace's payment was charged: {charges:?}");
    assert_eq!(charges[0].amount, paid[0].quote.total);
    assert_eq!(charges[1].amount, paid[1].quote.total);
    assert_ne!(charges[0].amount, charges[1].amount);
    assert_eq!(a.market.id(), "market-a");
    // The id is recorded in the store: reopening it under another id is refused.
    let err = Marketplace::builder().store(a.store.clone()).marketplace_id("market-b").build().unwrap_err();
    assert!(err.to_string().contains("market-a"), "{err}");
    let reopened = Marketplace::builder().store(a.store.clone()).build().unwrap();
    assert_eq!(reopened.id(), "market-a");
    let _ = &b.payments;
}

/// A gateway that answers every charge with a receipt for a fixed amount.
struct WrongReceipts(Money);

impl PaymentGateway for WrongReceipts {
    fn charge(&self, request: &ChargeRequest) -> Result<Receipt, PaymentError> {
        Ok(Receipt { id: format!("rcpt-{}", request.idempotency_key), amount: self.0, method: request.method })
    }
    fn refund(&self, request: &RefundRequest) -> Result<Receipt, PaymentError> {
        Ok(Receipt { id: format!("rfnd-{}", request.idempotency_key), amount: self.0, method: request.method })
    }
}

#[test]
fn ord_3_a_receipt_for_another_amount_or_currency_is_refused_and_changes_nothing() {
    let usd = |s: &str| Money::new(s.parse::<Decimal>().unwrap(), Currency::USD);
    for receipt in [usd("23000.00"), Money::new(Decimal::new(23000, 0), Currency::parse("CNY").unwrap())] {
        let store = Arc::new(MemoryStore::new());
        let market = Marketplace::builder()
            .clock(ManualClock::new(fixtures::t0()))
            .store(store.clone())
            .payments(Arc::new(WrongReceipts(receipt)))
            .build()
            .unwrap();
        market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
        let alice = Actor::customer("alice").unwrap();
        let product = market.list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap();
        let order = market.place_order(&alice, request(&product.id, 10)).unwrap();
        market.accept_terms(&alice, &order.id).unwrap();
        let before = memory_snapshot(&store);
        let err = market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap_err();
        assert_eq!(err.kind(), "gateway", "{err}");
        assert!(err.to_string().contains("230.00 USD"), "{err}");
        assert_eq!(before, memory_snapshot(&store), "nothing recorded");
        assert_eq!(market.order(&alice, &order.id).unwrap().status, OrderStatus::PendingPayment);
    }
}

/// A gateway that answers every charge with the receipt `answer` makes of the request.
struct OddReceipts(fn(&ChargeRequest) -> Receipt);

impl PaymentGateway for OddReceipts {
    fn charge(&self, request: &ChargeRequest) -> Result<Receipt, PaymentError> {
        Ok((self.0)(request))
    }
    fn refund(&self, request: &RefundRequest) -> Result<Receipt, PaymentError> {
        Ok(Receipt { id: "rfnd-1".into(), amount: request.amount, method: request.method })
    }
}

/// What a gateway answers to a charge.
type Answer = fn(&ChargeRequest) -> Receipt;

#[test]
fn ord_3_a_receipt_for_another_method_or_with_an_odd_id_is_refused_and_changes_nothing() {
    let answers: [(Answer, &str); 5] = [
        (|r| Receipt { id: "rcpt-1".into(), amount: r.amount, method: PaymentMethod::Balance }, "paid by balance"),
        (|r| Receipt { id: String::new(), amount: r.amount, method: r.method }, "id that is empty"),
        (|r| Receipt { id: "r".repeat(129), amount: r.amount, method: r.method }, "over 128 characters"),
        (|r| Receipt { id: "rcpt\n1".into(), amount: r.amount, method: r.method }, "not printable"),
        (|r| Receipt { id: "rcpt\u{0}1".into(), amount: r.amount, method: r.method }, "not printable"),
    ];
    for (answer, says) in answers {
        let store = Arc::new(MemoryStore::new());
        let market = Marketplace::builder()
            .clock(ManualClock::new(fixtures::t0()))
            .store(store.clone())
            .payments(Arc::new(OddReceipts(answer)))
            .build()
            .unwrap();
        market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
        let alice = Actor::customer("alice").unwrap();
        let product = market.list_product(Actor::seller("isv-1").unwrap(), fixtures::saas_draft()).unwrap();
        let order = market.place_order(&alice, request(&product.id, 10)).unwrap();
        market.accept_terms(&alice, &order.id).unwrap();
        let before = memory_snapshot(&store);
        let err = market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap_err();
        assert_eq!(err.kind(), "gateway", "{err}");
        assert!(err.to_string().contains(says), "{err}");
        assert!(!err.to_string().contains('\u{0}'), "{err}");
        assert_eq!(before, memory_snapshot(&store), "nothing recorded");
        assert_eq!(market.order(&alice, &order.id).unwrap().status, OrderStatus::PendingPayment);
    }
}

#[test]
fn acc_1_amounts_are_normalised_in_fingerprints() {
    let order = OrderId::parse("ORD-00000001").unwrap();
    let money = |s: &str| Money::new(s.parse::<Decimal>().unwrap(), Currency::USD);
    let command =
        |amount: &str| Command::RequestRefund { order: order.clone(), amount: money(amount), reason: "x".into() };
    assert_eq!(command("400").fingerprint(), command("400.00").fingerprint());
    assert_ne!(command("400").fingerprint(), command("400.01").fingerprint());
}

#[test]
fn acc_1_fingerprints_are_pinned() {
    // Request records persist fingerprints: an accidental change of the format must fail here.
    // The values are SHA-256 of `{"do":"accept_terms","order":"ORD-00000001"}` and of
    // `{"do":"pay","method":"credit_card","order":"ORD-00000007"}` (sorted keys, no spaces),
    // computed independently with Python's hashlib.
    let accept = Command::from_json(r#"{"do": "accept_terms", "order": "ORD-00000001"}"#).unwrap();
    assert_eq!(accept.fingerprint(), "v1:648d065cd8410a0ce1a45b51577f2e91f0e26fc3b7a65217d1d5f9fcc12366d2");
    let pay = Command::from_json(r#"{"do": "pay", "order": "ORD-00000007", "method": "credit_card"}"#).unwrap();
    assert_eq!(pay.fingerprint(), "v1:e0717aaf6bbdb04d101f6db75b0e43590cd9d30ba686e7e60cb97a9186c6472d");
}

#[test]
fn prc_8_downgrade_command_fingerprints_are_pinned() {
    // SHA-256 of the canonical JSON, computed independently with Python's hashlib.
    let schedule = Command::from_json(
        r#"{"do": "schedule_downgrade", "app": "APP-00000001", "specification": "Standard", "quantity": 5}"#,
    )
    .unwrap();
    assert_eq!(schedule.fingerprint(), "v1:bea3d507183f5b4b6c436ef99e8ada9b382ea23614933d1f4441a24b7bcf930e");
    let cancel = Command::from_json(r#"{"do": "cancel_scheduled_downgrade", "app": "APP-00000001"}"#).unwrap();
    assert_eq!(cancel.fingerprint(), "v1:f500e87165d90bc1c23d6c848a5b0571274f970e268c989edd0587c27966b8b2");
}

/// Every object inside every command of the shared scenarios, with one unknown field added,
/// is refused: no command ignores a field it does not know.
#[test]
fn acc_2_unknown_fields_are_refused_in_every_command() {
    fn objects(value: &serde_json::Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        match value {
            serde_json::Value::Object(map) => {
                out.push(path.clone());
                for (k, v) in map {
                    let mut p = path.clone();
                    p.push(k.clone());
                    objects(v, p, out);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let mut p = path.clone();
                    p.push(i.to_string());
                    objects(v, p, out);
                }
            }
            _ => {}
        }
    }
    fn at<'a>(value: &'a mut serde_json::Value, path: &[String]) -> &'a mut serde_json::Value {
        path.iter().fold(value, |v, k| match v {
            serde_json::Value::Array(items) => &mut items[k.parse::<usize>().unwrap()],
            other => &mut other[k.as_str()],
        })
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut checked = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let scenario: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for step in scenario["steps"].as_array().unwrap() {
            // Saved values (`${order.id}`) are left as written: only the shape matters here.
            let command = &step["run"];
            let text = command.to_string();
            let Ok(_) = Command::from_json(&text) else { continue };
            let mut paths = Vec::new();
            objects(command, Vec::new(), &mut paths);
            for p in paths {
                let mut changed = command.clone();
                at(&mut changed, &p).as_object_mut().unwrap().insert("no_such_field".into(), 1.into());
                let err = Command::from_json(&changed.to_string());
                assert!(err.is_err(), "{}: unknown field at {p:?} accepted in {changed}", path.display());
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked} objects checked");
    // Commands without fields refuse them too.
    for bare in [r#"{"do": "tick", "x": 1}"#, r#"{"do": "saved_list", "x": 1}"#, r#"{"do": "overdue_appeals", "x": 1}"#]
    {
        assert!(Command::from_json(bare).is_err(), "{bare}");
    }
}
