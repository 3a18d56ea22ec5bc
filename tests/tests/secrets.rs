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
    let request = ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: "v".into(), subnet: "s".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new(PASSWORD),
        agree_terms: true,
        customization: None,
    };
    let texts = |label: &str, debug: String, json: String| {
        assert!(!debug.contains(PASSWORD), "{label} Debug leaks the password");
        assert!(!json.contains(PASSWORD), "{label} JSON leaks the password");
    };
    texts("request", format!("{request:?}"), serde_json::to_string(&request).unwrap());
    let order = market.provision_image(&alice, &image.id, request).unwrap();
    let order = market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
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
