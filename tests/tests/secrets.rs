//! APP-5: a password appears in no `Debug`, `Display`, serde output or event of any type.

use appmarket::testing::fixtures;
use appmarket::*;

const PASSWORD: &str = "Zq9#unique-Secret";

#[test]
fn app_5_passwords_never_leak_through_any_output() {
    let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).build().unwrap();
    let seller = Actor::seller("isv-1").unwrap();
    let alice_id = CustomerId::parse("alice").unwrap();
    market.register_customer(CustomerAccount::with_card(alice_id.clone())).unwrap();
    let alice = Actor::Customer(alice_id);
    let image = market.list_product(&seller, fixtures::image_draft()).unwrap();
    let request = image_request();
    let texts = |label: &str, debug: String, json: String| {
        assert!(!debug.contains(PASSWORD), "{label} Debug leaks the password");
        assert!(!json.contains(PASSWORD), "{label} JSON leaks the password");
    };
    texts("request", format!("{request:?}"), serde_json::to_string(&request).unwrap());
    let order = market.provision_image(&alice, &image.id, request, Some(PaymentMethod::CreditCard)).unwrap();
    let app_id = order.app.clone().unwrap();
    let saas = market.list_product(&seller, fixtures::saas_draft()).unwrap();
    let o2 = market.place_order(&alice, fixtures::standard_monthly(saas.id)).unwrap();
    market.accept_terms(&alice, &o2.id).unwrap();
    let o2 = market.pay(&alice, &o2.id, Some(PaymentMethod::CreditCard)).unwrap();
    let app2 = market
        .provide_application_info(
            &seller,
            o2.app.as_ref().unwrap(),
            ApplicationInfo::default(),
            Some(Secret::new(PASSWORD)),
        )
        .unwrap();
    // A supervised SaaS delivers its password with the flow (APP-4, APP-5).
    let crm = market.list_product(&seller, fixtures::supervised_saas_draft()).unwrap();
    let o3 = market.place_order(&alice, fixtures::standard_monthly(crm.id)).unwrap();
    market.accept_terms(&alice, &o3.id).unwrap();
    let o3 = market.pay(&alice, &o3.id, Some(PaymentMethod::CreditCard)).unwrap();
    let flow = market.flow_of_order(&alice, &o3.id).unwrap();
    let request = appmarket::supervision::ServiceRequest {
        description: "Set up our CRM.".into(),
        attachments: vec![appmarket::supervision::Attachment { name: "users.xlsx".into(), bytes: 10 }],
    };
    market.submit_request(&alice, &flow.id, request).unwrap();
    market.accept_request(&seller, &flow.id).unwrap();
    let info = ApplicationInfo {
        username: "admin".into(),
        management_url: "https://crm.example".into(),
        ..ApplicationInfo::default()
    };
    let delivery = appmarket::supervision::Delivery { application_info: Some(info), ..Default::default() };
    let flow = market.deliver(&seller, &flow.id, delivery, Some(Secret::new(PASSWORD))).unwrap();
    texts("flow", format!("{flow:?}"), serde_json::to_string(&flow).unwrap());
    let secret = market.reveal_password(&alice, &app_id).unwrap();
    assert_eq!(secret.expose(), PASSWORD);
    texts("secret", format!("{secret:?} {secret}"), serde_json::to_string(&secret).unwrap());
    texts("order", format!("{order:?}"), serde_json::to_string(&order).unwrap());
    let app = market.app(&alice, &app_id).unwrap();
    texts("app", format!("{app:?}"), serde_json::to_string(&app).unwrap());
    texts("app2", format!("{app2:?}"), serde_json::to_string(&app2).unwrap());
    let events = market.events_since(0, 10_000).unwrap();
    texts("events", format!("{events:?}"), serde_json::to_string(&events).unwrap());
    for e in &events {
        assert!(!format!("{:?}", e.kind).contains(PASSWORD));
    }
    let market_debug = format!("{market:?}");
    assert!(!market_debug.contains(PASSWORD));
}

/// A market with a SaaS app whose seller gave it a password; returns the market, its store,
/// the customer, the seller and the app.
fn app_with_password(password: &str) -> (Marketplace, std::sync::Arc<MemoryStore>, Actor, Actor, AppId) {
    let store = std::sync::Arc::new(MemoryStore::new());
    let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).store(store.clone()).build().unwrap();
    let (alice, seller, app) = fixtures::saas_app_with_password(&market, password).unwrap();
    (market, store, alice, seller, app)
}

/// An image provisioned with `PASSWORD` as its login password.
fn image_request() -> ImageProvisioning {
    ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: "v".into(), subnet: "s".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new(PASSWORD),
        agree_terms: true,
        customization: None,
    }
}

#[test]
fn app_5_a_replayed_reveal_returns_the_current_password_and_its_record_keeps_none() {
    let (market, store, alice, seller, app) = app_with_password("First#pw-1");
    let caller = alice.with_request_id("reveal-1").unwrap();
    assert_eq!(market.reveal_password(&caller, &app).unwrap().expose(), "First#pw-1");
    let reveals = market.records(&alice, &Target::App(app.clone()), 0, Some(1000)).unwrap().len();
    // The request record names the app, not its password.
    let record = store.request(&alice, &RequestId::parse("reveal-1").unwrap()).unwrap().unwrap();
    assert_eq!(record.reply, Ok(appmarket::store::Reply::Password(app.clone())));
    // The seller changes the password: the replay reads the new one, and records no reveal.
    market
        .provide_application_info(&seller, &app, ApplicationInfo::default(), Some(Secret::new("Second#pw-2")))
        .unwrap();
    let after_change = market.records(&alice, &Target::App(app.clone()), 0, Some(1000)).unwrap().len();
    assert_eq!(after_change, reveals + 1, "the change is one event");
    assert_eq!(market.reveal_password(&caller, &app).unwrap().expose(), "Second#pw-2");
    assert_eq!(market.records(&alice, &Target::App(app.clone()), 0, Some(1000)).unwrap().len(), after_change);
}

#[test]
fn app_5_a_replayed_reveal_of_an_unsubscribed_app_is_refused_like_a_new_one() {
    let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).build().unwrap();
    let seller = Actor::seller("isv-1").unwrap();
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
    let alice = Actor::customer("alice").unwrap();
    let image = market.list_product(&seller, fixtures::image_draft()).unwrap();
    let order = market.provision_image(&alice, &image.id, image_request(), Some(PaymentMethod::CreditCard)).unwrap();
    let app = order.app.unwrap();
    let caller = alice.with_request_id("reveal-1").unwrap();
    assert_eq!(market.reveal_password(&caller, &app).unwrap().expose(), PASSWORD);
    market.unsubscribe(&alice, &app).unwrap();
    let replay = market.reveal_password(&caller, &app).unwrap_err();
    assert!(matches!(&replay, Error::NotAllowed { rule, .. } if rule == "APP-5"), "{replay:?}");
    assert_eq!(market.reveal_password(&alice, &app).unwrap_err(), replay);
}
