//! Text from outside is one validated kind of text: a NUL or another control character in any
//! text a command or query carries is `InvalidInput` naming the field, refused before the store
//! or the gateway is called, and nothing changes. Every command of `schema/command.json` has a
//! sample here, and every string in every sample is tried, so a new command or a new text
//! field cannot go unchecked.

use std::collections::BTreeSet;
use std::sync::Arc;

use appmarket::store::memory_snapshot;
use appmarket::testing::fixtures;
use appmarket::*;
use serde_json::{Value, json};

struct World {
    market: Marketplace,
    store: Arc<MemoryStore>,
    payments: Arc<SimulatedPayments>,
    saas: ProductId,
    image: ProductId,
    order: OrderId,
    app: AppId,
    flow: FlowId,
}

fn alice() -> Actor {
    Actor::customer("alice").unwrap()
}

fn seller() -> Actor {
    Actor::seller("isv-1").unwrap()
}

/// A marketplace with a paid SaaS app and a paid professional service whose flow waits for
/// the customer's request.
fn world() -> World {
    let store = Arc::new(MemoryStore::new());
    let payments = Arc::new(SimulatedPayments::new());
    let market = Marketplace::builder()
        .store(store.clone())
        .payments(payments.clone())
        .clock(ManualClock::new(fixtures::t0()))
        .build()
        .unwrap();
    let saas = market.list_product(seller(), fixtures::saas_draft()).unwrap().id;
    let image = market.list_product(seller(), fixtures::image_draft()).unwrap().id;
    let service = market.list_product(seller(), fixtures::professional_service_draft()).unwrap().id;
    market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice").unwrap())).unwrap();
    let buy = |request: PurchaseRequest| {
        let order = market.place_order(alice(), request).unwrap();
        market.accept_terms(alice(), &order.id).unwrap();
        market.pay(alice(), &order.id, Some(PaymentMethod::CreditCard)).unwrap()
    };
    let order = buy(fixtures::standard_monthly(saas.clone()));
    let app = market.apps(&alice(), &AppFilter::default(), 1, Some(20)).unwrap().items[0].id.clone();
    let service_order = buy(fixtures::basic_migration(service));
    let flow = market.flow_of_order(&alice(), &service_order.id).unwrap().id;
    World { market, store, payments, saas, image, order: order.id, app, flow }
}

/// A product draft with every optional text present.
fn draft() -> Value {
    let mut draft = fixtures::image_draft();
    draft.specifications[0].attributes = vec![Attribute { name: "vCPUs".into(), value: "2".into() }];
    draft.specifications[0].quantity = Some(QuantityAttribute { name: "Servers".into(), min: 1, max: 10, step: 1 });
    serde_json::to_value(draft).unwrap()
}

fn image_request() -> Value {
    json!({
        "specification": "Default",
        "network": {"vpc": "vpc-1", "subnet": "subnet-1"},
        "security_group": {"type": "new", "name": "sg-new"},
        "login_password": "Cloud#2026x",
        "agree_terms": true,
        "customization": {"mode": "monthly", "eip_mbit": 5, "server_name": "web", "periods": 1, "instances": 1},
        "quick_mode": null
    })
}

fn app_info() -> Value {
    json!({"username": "admin", "management_url": "https://m.example", "frontend_url": "https://f.example",
           "product_guide": "https://g.example", "has_password": false})
}

/// One sample of every command, with every optional text present, and who sends it.
fn samples(w: &World) -> Vec<(Actor, Value)> {
    let (saas, image, order, app, flow) = (&w.saas, &w.image, &w.order, &w.app, &w.flow);
    let operator = Actor::operator("ops-1").unwrap();
    let purchase =
        json!({"product": saas, "specification": "Standard", "mode": "monthly", "quantity": 10, "periods": 1});
    let customer = [
        json!({"do": "search", "query": {"text": "mail", "category": "Collaboration"}}),
        json!({"do": "save_to_list", "product": saas, "specification": "Standard"}),
        json!({"do": "remove_from_list", "product": saas}),
        json!({"do": "saved_list"}),
        json!({"do": "buy_from_list", "request": purchase}),
        json!({"do": "quote_purchase", "request": purchase}),
        json!({"do": "place_order", "request": purchase}),
        json!({"do": "accept_terms", "order": order}),
        json!({"do": "pay", "order": order, "method": "credit_card"}),
        json!({"do": "cancel_order", "order": order}),
        json!({"do": "order", "order": order}),
        json!({"do": "orders", "filter": {"product": saas, "status": "completed"}}),
        json!({"do": "quote_image", "product": image, "request": image_request()}),
        json!({"do": "provision_image", "product": image, "request": image_request()}),
        json!({"do": "app", "app": app}),
        json!({"do": "apps", "filter": {"name": "Coremail", "mode": "monthly"}}),
        json!({"do": "reveal_password", "app": app}),
        json!({"do": "quote_upgrade", "app": app, "specification": "Premium", "quantity": 10}),
        json!({"do": "order_upgrade", "app": app, "specification": "Premium", "quantity": 10}),
        json!({"do": "flow", "flow": flow}),
        json!({"do": "flow_of_order", "order": order}),
        json!({"do": "flows", "filter": {"order": order, "kind": "professional_service"}}),
        json!({"do": "submit_request", "flow": flow,
               "request": {"description": "Migrate www.example.com.", "attachments": [{"name": "site.zip", "bytes": 10}]}}),
        json!({"do": "confirm_acceptance", "flow": flow}),
        json!({"do": "reject_delivery", "flow": flow, "reason": "Not done."}),
        json!({"do": "remind_seller", "flow": flow}),
        json!({"do": "open_appeal", "flow": flow, "reason": "No answer."}),
        json!({"do": "appeal", "appeal": "APL-00000001"}),
        json!({"do": "quote_renewal", "app": app, "periods": 1, "renewal_day": "last_day"}),
        json!({"do": "renew", "app": app, "periods": 1, "renewal_day": {"day": 3}}),
        json!({"do": "set_auto_renewal", "app": app, "periods": 1, "count": 0, "days_before": 3, "method": "balance"}),
        json!({"do": "disable_auto_renewal", "app": app}),
        json!({"do": "schedule_downgrade", "app": app, "specification": "Standard", "quantity": 5}),
        json!({"do": "cancel_scheduled_downgrade", "app": app}),
        json!({"do": "delete_app", "app": app}),
        json!({"do": "pay_arrears", "app": app, "method": "credit_card"}),
        json!({"do": "usage_statement", "app": app}),
        json!({"do": "upcoming", "until": "2026-05-15T00:00:00Z", "customer": "alice", "page": 1, "page_size": 20}),
        json!({"do": "quote_unsubscribe", "app": app}),
        json!({"do": "unsubscribe", "app": app}),
        json!({"do": "request_refund", "order": order, "amount": {"amount": "1.00", "currency": "USD"}, "reason": "Slow."}),
        json!({"do": "request_invoice", "order": order}),
        json!({"do": "invoice", "invoice": "INV-00000001"}),
        json!({"do": "available_actions", "target": {"kind": "order", "id": order}}),
        json!({"do": "records", "target": {"kind": "app", "id": app}}),
    ];
    let by_seller = [
        json!({"do": "list_product", "draft": draft()}),
        json!({"do": "delist_product", "product": saas}),
        json!({"do": "relist_product", "product": saas}),
        json!({"do": "provide_application_info", "app": app, "info": app_info(), "password": "pw-0123"}),
        json!({"do": "accept_request", "flow": flow}),
        json!({"do": "reject_request", "flow": flow, "reason": "Say more."}),
        json!({"do": "deliver", "flow": flow, "password": "pw-0123",
               "delivery": {"note": "Done.", "enabling_time": "2026-04-16T00:00:00Z", "application_info": app_info()}}),
        json!({"do": "issue_invoice", "invoice": "INV-00000001"}),
        json!({"do": "return_invoice", "invoice": "INV-00000001"}),
    ];
    let by_operator = [
        json!({"do": "resolve_appeal", "appeal": "APL-00000001", "resolution": {"type": "resume"}}),
        json!({"do": "overdue_appeals"}),
        json!({"do": "review_unsubscription", "order": order, "approve": true}),
        json!({"do": "resolve_refund_request", "order": order, "approve": false}),
    ];
    let by_system = [
        json!({"do": "register_customer", "account": {"id": "bob", "bound_card": true, "credit_enabled": false,
               "reseller": "partner-1", "level": "gold"}}),
        json!({"do": "tick"}),
    ];
    let mut all = Vec::new();
    all.extend(customer.into_iter().map(|c| (alice(), c)));
    all.extend(by_seller.into_iter().map(|c| (seller(), c)));
    all.extend(by_operator.into_iter().map(|c| (operator.clone(), c)));
    all.extend(by_system.into_iter().map(|c| (Actor::System, c)));
    all
}

/// The texts of the samples, by command: each is refused under its own name.
const TEXT_FIELDS: &[(&str, &[&str])] = &[
    ("search", &["query.text", "query.category"]),
    ("save_to_list", &["specification"]),
    ("buy_from_list", &["request.specification"]),
    ("quote_purchase", &["request.specification"]),
    ("place_order", &["request.specification"]),
    ("quote_image", IMAGE_REQUEST),
    ("provision_image", IMAGE_REQUEST),
    ("apps", &["filter.name"]),
    ("quote_upgrade", &["specification"]),
    ("order_upgrade", &["specification"]),
    ("submit_request", &["request.description", "request.attachments.name"]),
    ("reject_delivery", &["reason"]),
    ("open_appeal", &["reason"]),
    ("schedule_downgrade", &["specification"]),
    ("request_refund", &["reason"]),
    (
        "list_product",
        &[
            "draft.name",
            "draft.category",
            "draft.tags",
            "draft.description",
            "draft.support.email",
            "draft.support.phone",
            "draft.specifications.name",
            "draft.specifications.attributes.name",
            "draft.specifications.attributes.value",
            "draft.specifications.quantity.name",
            "draft.image.flavour",
            "draft.image.recommended_security_group",
        ],
    ),
    (
        "provide_application_info",
        &["info.username", "info.management_url", "info.frontend_url", "info.product_guide", "password"],
    ),
    ("reject_request", &["reason"]),
    (
        "deliver",
        &[
            "delivery.note",
            "delivery.application_info.username",
            "delivery.application_info.management_url",
            "delivery.application_info.frontend_url",
            "delivery.application_info.product_guide",
            "password",
        ],
    ),
    ("register_customer", &["account.reseller", "account.level"]),
];

const IMAGE_REQUEST: &[&str] = &[
    "request.specification",
    "request.network.vpc",
    "request.network.subnet",
    "request.security_group.name",
    "request.login_password",
    "request.customization.server_name",
];

/// Every string in `value`, as (path to it without list positions, pointer to it).
fn strings(value: &Value, path: &str, pointer: &str, out: &mut Vec<(String, String)>) {
    let join = |name: &str| if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") };
    match value {
        Value::String(_) => out.push((path.to_owned(), pointer.to_owned())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(item, path, &format!("{pointer}/{i}"), out);
            }
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                strings(field, &join(name), &format!("{pointer}/{name}"), out);
            }
        }
        _ => {}
    }
}

fn state(w: &World) -> (String, usize, usize) {
    (memory_snapshot(&w.store), w.payments.charges().len(), w.payments.refunds().len())
}

/// The field an error names, if it is `InvalidInput`.
fn invalid_field(err: &Error) -> &str {
    match err {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn every_command_of_the_schema_has_a_sample() {
    let w = world();
    let schema: Value = serde_json::from_str(include_str!("../../schema/command.json")).unwrap();
    let commands: BTreeSet<String> = schema["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["properties"]["do"]["const"].as_str().unwrap().to_owned())
        .collect();
    let sampled: BTreeSet<String> = samples(&w).iter().map(|(_, c)| c["do"].as_str().unwrap().to_owned()).collect();
    assert_eq!(commands, sampled, "give each command a sample with all its texts");
    for (_, command) in samples(&w) {
        appmarket::command::Command::from_json(&command.to_string()).unwrap_or_else(|e| panic!("{command}: {e}"));
    }
}

#[test]
fn a_nul_or_a_control_character_in_any_text_of_any_command_is_refused_naming_the_field() {
    let w = world();
    let before = state(&w);
    let events = w.market.events_since(0, 10_000).unwrap().len();
    let mut named = BTreeSet::new();
    for (actor, sample) in samples(&w) {
        let command = sample["do"].as_str().unwrap().to_owned();
        let texts = TEXT_FIELDS.iter().find(|(c, _)| *c == command).map_or(&[][..], |(_, f)| f);
        let mut leaves = Vec::new();
        strings(&sample, "", "", &mut leaves);
        for (path, pointer) in leaves {
            for bad in ["Mail\u{0}Pro", "Mail\u{1b}[2JPro", "Mail\nPro"] {
                let mut mutated = sample.clone();
                *mutated.pointer_mut(&pointer).unwrap() = Value::String(bad.to_owned());
                let text = mutated.to_string();
                let is_text = texts.contains(&path.as_str());
                let multi_line =
                    ["reason", "request.description", "delivery.note", "draft.description"].contains(&path.as_str());
                if bad.contains('\n') && multi_line {
                    continue;
                }
                let err = w.market.run_json(&actor, &text).expect_err(&text);
                let field = invalid_field(&err);
                if is_text {
                    assert_eq!(field, path, "{text}: {err}");
                    named.insert(format!("{command}: {path}"));
                } else {
                    // Ids, codes, amounts, instants and enumerations are refused when parsed.
                    assert_eq!(field, "command", "{path} of {command} is a text the table does not list: {err}");
                }
                assert_eq!(state(&w), before, "{text} changed the store or moved money");
            }
        }
    }
    let listed: usize = TEXT_FIELDS.iter().map(|(_, f)| f.len()).sum();
    assert_eq!(named.len(), listed, "every listed text was found in its sample");
    assert_eq!(w.market.events_since(0, 10_000).unwrap().len(), events);
}

/// A facade call whose result is ignored but for its error.
type Call<'a> = Box<dyn Fn() -> Result<(), Error> + 'a>;

#[test]
fn the_typed_facade_refuses_the_same_texts_before_anything_happens() {
    let w = world();
    let m = &w.market;
    let before = state(&w);
    let nul = "Mail\u{0}Pro";
    let request =
        |spec: &str| PurchaseRequest { specification: spec.into(), ..fixtures::standard_monthly(w.saas.clone()) };
    let info = ApplicationInfo { frontend_url: nul.into(), ..ApplicationInfo::default() };
    let provisioning = ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: nul.into(), subnet: "s".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new("Cloud#2026x"),
        agree_terms: true,
        customization: None,
    };
    let mut with_attribute = fixtures::saas_draft();
    with_attribute.specifications[0].attributes[0].value = nul.into();
    let calls: Vec<(&str, Call<'_>)> = vec![
        (
            "draft.name",
            Box::new(|| {
                m.list_product(seller(), ProductDraft { name: nul.into(), ..fixtures::saas_draft() }).map(drop)
            }),
        ),
        (
            "draft.specifications.attributes.value",
            Box::new(|| m.list_product(seller(), with_attribute.clone()).map(drop)),
        ),
        ("query.text", Box::new(|| m.search(&SearchQuery { text: nul.into(), ..SearchQuery::default() }).map(drop))),
        ("specification", Box::new(|| m.save_to_list(alice(), &w.saas, Some(nul)).map(drop))),
        ("request.specification", Box::new(|| m.buy_from_list(alice(), request(nul)).map(drop))),
        ("request.specification", Box::new(|| m.quote_purchase(&appmarket::Actor::System, &request(nul)).map(drop))),
        ("request.specification", Box::new(|| m.quote_purchase(&alice(), &request(nul)).map(drop))),
        ("request.specification", Box::new(|| m.place_order(alice(), request(nul)).map(drop))),
        ("request.network.vpc", Box::new(|| m.quote_image(&alice(), &w.image, &provisioning).map(drop))),
        (
            "request.network.vpc",
            Box::new(|| m.provision_image(alice(), &w.image, provisioning.clone(), None).map(drop)),
        ),
        (
            "filter.name",
            Box::new(|| {
                m.apps(&alice(), &AppFilter { name: Some(nul.into()), ..AppFilter::default() }, 1, Some(20)).map(drop)
            }),
        ),
        ("info.frontend_url", Box::new(|| m.provide_application_info(seller(), &w.app, info.clone(), None).map(drop))),
        (
            "password",
            Box::new(|| {
                m.provide_application_info(seller(), &w.app, ApplicationInfo::default(), Some(Secret::new(nul)))
                    .map(drop)
            }),
        ),
        ("specification", Box::new(|| m.quote_upgrade(&alice(), &w.app, nul, 10).map(drop))),
        ("specification", Box::new(|| m.order_upgrade(alice(), &w.app, nul, 10).map(drop))),
        ("specification", Box::new(|| m.schedule_downgrade(alice(), &w.app, nul, 5).map(drop))),
        (
            "request.description",
            Box::new(|| {
                m.submit_request(alice(), &w.flow, ServiceRequest { description: nul.into(), attachments: vec![] })
                    .map(drop)
            }),
        ),
        ("reason", Box::new(|| m.reject_request(seller(), &w.flow, nul).map(drop))),
        (
            "delivery.application_info.frontend_url",
            Box::new(|| {
                m.deliver(
                    seller(),
                    &w.flow,
                    Delivery { application_info: Some(info.clone()), ..Delivery::default() },
                    None,
                )
                .map(drop)
            }),
        ),
        ("password", Box::new(|| m.deliver(seller(), &w.flow, Delivery::default(), Some(Secret::new(nul))).map(drop))),
        ("reason", Box::new(|| m.reject_delivery(alice(), &w.flow, nul).map(drop))),
        ("reason", Box::new(|| m.open_appeal(alice(), &w.flow, nul).map(drop))),
        ("reason", Box::new(|| m.request_refund(alice(), &w.order, Money::parse("1.00 USD").unwrap(), nul).map(drop))),
        (
            "account.level",
            Box::new(|| {
                let account = CustomerAccount {
                    level: Some(nul.into()),
                    ..CustomerAccount::with_card(CustomerId::parse("bob").unwrap())
                };
                m.register_customer(account).map(drop)
            }),
        ),
    ];
    for (field, call) in &calls {
        let err = call().expect_err(field);
        assert_eq!(invalid_field(&err), *field, "{err}");
        assert!(err.to_string().contains("NUL"), "{err}");
        assert_eq!(state(&w), before, "{field}: refused, yet something changed");
    }
}

#[test]
fn multi_line_texts_keep_their_line_breaks_and_tabs() {
    let w = world();
    let reason = "Step 1 failed:\r\n\tthe site is down.\nPlease look.";
    let flow = w.market.submit_request(
        alice(),
        &w.flow,
        ServiceRequest { description: "Migrate:\n\twww.example.com".into(), attachments: vec![] },
    );
    assert!(flow.is_ok(), "{flow:?}");
    let rejected = w.market.reject_request(seller(), &w.flow, reason).unwrap();
    let quoted = serde_json::to_string(reason).unwrap();
    let records = w.market.records(&alice(), &Target::Flow(rejected.id), 0, Some(1000)).unwrap();
    assert!(serde_json::to_string(&records).unwrap().contains(&quoted[1..quoted.len() - 1]), "{records:?}");
}

#[test]
fn a_text_over_its_limit_is_refused_naming_the_field() {
    let w = world();
    let before = state(&w);
    let max = w.market.policy().product_name_max_chars as usize;
    let long = PurchaseRequest { specification: "S".repeat(max + 1), ..fixtures::standard_monthly(w.saas.clone()) };
    let err = w.market.place_order(alice(), long).unwrap_err();
    assert_eq!(invalid_field(&err), "request.specification", "{err}");
    assert!(err.to_string().contains(&format!("at most {max} characters")), "{err}");
    let support = SupportRange { email: "e".repeat(max + 1), phone: "1".into() };
    let err = w.market.list_product(seller(), ProductDraft { support, ..fixtures::saas_draft() }).unwrap_err();
    assert_eq!(invalid_field(&err), "draft.support.email", "{err}");
    assert_eq!(state(&w), before);
}

#[test]
fn a_marketplace_id_with_a_nul_is_refused_before_the_store_records_it() {
    let store = Arc::new(MemoryStore::new());
    let before = memory_snapshot(&store);
    let err = Marketplace::builder().store(store.clone()).marketplace_id("mkt\u{0}1").build().unwrap_err();
    assert_eq!(invalid_field(&err), "marketplace_id", "{err}");
    assert_eq!(memory_snapshot(&store), before);
}
