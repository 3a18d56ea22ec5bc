//! Every public value round-trips through serde JSON; a whole store snapshot round-trips; events
//! carry a schema version.

use std::sync::Arc;

use appmarket::event::EVENT_SCHEMA_VERSION;
use appmarket::store::StoreSnapshot;
use appmarket::testing::fixtures;
use appmarket::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: &T) {
    let json = serde_json::to_string(value).expect("serializes");
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
    assert_eq!(&back, value, "{json}");
}

#[test]
fn public_values_round_trip_through_json() {
    let store = Arc::new(MemoryStore::new());
    let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).store(store.clone()).build().unwrap();
    let seller = Actor::seller("isv-1").unwrap();
    let alice_id = CustomerId::parse("alice").unwrap();
    let account = market.register_customer(CustomerAccount::with_card(alice_id.clone())).unwrap();
    round_trip(&account);
    let alice = Actor::Customer(alice_id);
    round_trip(&alice);
    round_trip(&Actor::System);
    round_trip(&Policy::default());
    for draft in [
        fixtures::saas_draft(),
        fixtures::license_draft(),
        fixtures::image_draft(),
        fixtures::professional_service_draft(),
    ] {
        round_trip(&draft);
        let product = market.list_product(&seller, draft).unwrap();
        round_trip(&product);
    }
    let page = market.search(&SearchQuery::default()).unwrap();
    round_trip(&page);
    round_trip(&SearchQuery {
        text: "x".into(),
        min_price: Some(Money::parse("1 USD").unwrap()),
        ..SearchQuery::default()
    });
    let p = &page.items[0];
    let saved = market.save_to_list(&alice, &p.id, None).unwrap();
    round_trip(&saved);
    let request =
        fixtures::standard_monthly(page.items.iter().find(|p| p.delivery == DeliveryMethod::Saas).unwrap().id.clone());
    round_trip(&request);
    let order = market.place_order(&alice, request).unwrap();
    round_trip(&order.quote);
    market.accept_terms(&alice, &order.id).unwrap();
    let order = market
        .pay(&alice, &order.id, Some(PaymentMethod::Balance))
        .unwrap_or_else(|_| market.order(&alice, &order.id).unwrap());
    round_trip(&order);
    let licence = page.items.iter().find(|p| p.delivery == DeliveryMethod::License).unwrap();
    let o2 = market
        .place_order(
            &alice,
            PurchaseRequest {
                product: licence.id.clone(),
                specification: "Annual License".into(),
                mode: BillingMode::Yearly,
                quantity: 1,
                periods: 1,
            },
        )
        .unwrap();
    market.accept_terms(&alice, &o2.id).unwrap();
    let o2 = market.pay(&alice, &o2.id, Some(PaymentMethod::CreditCard)).unwrap();
    round_trip(&o2);
    let app = market.app(&alice, o2.app.as_ref().unwrap()).unwrap();
    round_trip(&app);
    let flow = market.flow_of_order(&alice, &o2.id).unwrap();
    round_trip(&flow);
    round_trip(&market.available_actions(&alice, &Target::Flow(flow.id.clone())).unwrap());
    round_trip(&market.available_actions(&alice, &Target::App(app.id.clone())).unwrap());
    for e in market.events_since(0, 10_000).unwrap() {
        assert_eq!(e.schema_version, EVENT_SCHEMA_VERSION);
        round_trip(&e);
    }
    // Invoices, refund quotes, renewals and commands.
    let invoice = market.request_invoice(&alice, &o2.id).unwrap();
    round_trip(&invoice);
    round_trip(&market.quote_renewal(&alice, &app.id, 1, None).unwrap_or_else(|_| o2.quote.clone()));
    let image = page.items.iter().find(|p| p.delivery == DeliveryMethod::Image).unwrap();
    let provisioning = ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: "v".into(), subnet: "s".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new("Cloud#2026x"),
        agree_terms: true,
        customization: None,
    };
    let img = market.provision_image(&alice, &image.id, provisioning, Some(PaymentMethod::CreditCard)).unwrap();
    round_trip(&market.quote_unsubscribe(&alice, img.app.as_ref().unwrap()).unwrap());
    let command = appmarket::command::Command::Pay { order: img.id.clone(), method: Some(PaymentMethod::Online) };
    round_trip(&command);
    round_trip(&appmarket::renewal::RenewalDay::LastDay);
    round_trip(&Error::not_allowed("ORD-2", "x"));
    round_trip(&market.tick(&Actor::System).unwrap());

    let snapshot = store.snapshot();
    let json = serde_json::to_string(&snapshot).unwrap();
    let back: StoreSnapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, snapshot);
}

/// Documents written before the request template, the usage invoices and the invoice's usage
/// existed load with them empty, and an empty one is written as before: the stores keep their
/// files without a migration.
#[test]
fn documents_without_the_newer_optional_fields_load_and_are_written_unchanged() {
    let market = Marketplace::builder().clock(ManualClock::new(fixtures::t0())).build().unwrap();
    let seller = Actor::seller("isv-1").unwrap();
    let alice_id = CustomerId::parse("alice").unwrap();
    market.register_customer(CustomerAccount::with_card(alice_id.clone())).unwrap();
    let alice = Actor::Customer(alice_id);
    let service = market.list_product(&seller, fixtures::professional_service_draft()).unwrap();
    let order = market.place_order(&alice, fixtures::basic_migration(service.id.clone())).unwrap();
    market.accept_terms(&alice, &order.id).unwrap();
    let order = market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    let flow = market.flow_of_order(&alice, &order.id).unwrap();
    let invoice = market.request_invoice(&alice, &order.id).unwrap();
    for (what, json) in [
        ("order", serde_json::to_value(&order).unwrap()),
        ("flow", serde_json::to_value(&flow).unwrap()),
        ("invoice", serde_json::to_value(&invoice).unwrap()),
        ("specification", serde_json::to_value(&service.specifications[0]).unwrap()),
    ] {
        let fields = json.as_object().unwrap();
        for newer in ["usage_invoices", "request_template", "usage"] {
            assert!(!fields.contains_key(newer), "{what} writes an empty `{newer}`: {json}");
        }
    }
    let back: Order = serde_json::from_value(serde_json::to_value(&order).unwrap()).unwrap();
    assert!(back.usage_invoices.is_empty());
    let back: ServiceFlow = serde_json::from_value(serde_json::to_value(&flow).unwrap()).unwrap();
    assert_eq!(back.request_template, None);
    let back: Invoice = serde_json::from_value(serde_json::to_value(&invoice).unwrap()).unwrap();
    assert_eq!(back, invoice);
    let back: Specification =
        serde_json::from_value(serde_json::to_value(&service.specifications[0]).unwrap()).unwrap();
    assert_eq!(back.request_template, None);
}
