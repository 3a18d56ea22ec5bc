//! The tour: what a buyer sees, step by step, on a manual clock.
//!
//! Run with `make tour`. It keeps everything in a SQLite file, `target/tour.db` (under
//! `CARGO_TARGET_DIR` when set), and starts from a fresh file at every run.

use std::sync::Arc;

use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_examples::{print_quote, print_records, show_app, show_order};
use chrono::Duration;

fn main() -> Result<(), Error> {
    let clock = ManualClock::at("2026-04-15T02:00:00Z")?;
    let payments = Arc::new(SimulatedPayments::new());
    let store = Arc::new(appmarket_examples::fresh_sqlite_store("tour.db")?);
    println!("(store: the SQLite file {}, started fresh)\n", store.path().display());
    let market = Marketplace::builder().clock(clock.clone()).payments(payments.clone()).store(store).build()?;

    println!("== A seller lists products");
    let seller = Actor::seller("coremail-isv")?;
    let email = market.list_product(&seller, fixtures::saas_draft())?;
    let image = market.list_product(&seller, fixtures::image_draft())?;
    println!("listed {} ({}) and {} ({})", email.name, email.id, image.name, image.id);

    let alice_id = CustomerId::parse("alice")?;
    market.register_customer(CustomerAccount::with_card(alice_id.clone()))?;
    let alice = Actor::Customer(alice_id);

    println!("\n== Alice searches for \"email hosting\"");
    let found = market.search(&SearchQuery { text: "email hosting".into(), ..SearchQuery::default() })?;
    for p in &found.items {
        println!("  {} — {} — from {}", p.name, p.delivery, p.lowest_price());
    }
    let product = &found.items[0];

    println!("\n== She saves it to her list");
    let list = market.save_to_list(&alice, &product.id, Some("Standard"))?;
    println!("  saved list: {} item(s)", list.items.len());

    println!("\n== She buys 10 licences, monthly, from the list");
    let order = market.buy_from_list(
        &alice,
        PurchaseRequest {
            product: product.id.clone(),
            specification: String::new(),
            mode: BillingMode::Monthly,
            quantity: 10,
            periods: 1,
        },
    )?;
    print_quote("Order details", &order.quote);
    market.accept_terms(&alice, &order.id)?;
    let order = market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard))?;
    show_order(&order);
    let first_order = order.id.clone();

    println!("\n== Purchased Apps");
    let apps = market.apps(&alice, &AppFilter::default(), 1, Some(20))?;
    for app in &apps.items {
        show_app(app, clock.instant());
    }
    let app = apps.items[0].clone();

    println!("\n== Mid-month, she upgrades to 20 licences");
    let quote = market.quote_upgrade(&alice, &app.id, "Standard", 20)?;
    print_quote("Upgrade Specification", &quote);
    let upgrade = market.order_upgrade(&alice, &app.id, "Standard", 20)?;
    market.accept_terms(&alice, &upgrade.id)?;
    market.pay(&alice, &upgrade.id, Some(PaymentMethod::CreditCard))?;
    show_app(&market.app(&alice, &app.id)?, clock.instant());

    println!("\n== She buys a server image by quick provisioning");
    let request = ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: "vpc-default".into(), subnet: "subnet-default".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new("Tour#Pass2026"),
        agree_terms: true,
        customization: None,
    };
    let weak = ImageProvisioning { login_password: Secret::new("password"), ..request.clone() };
    if let Err(e) = market.provision_image(&alice, &image.id, weak, Some(PaymentMethod::CreditCard)) {
        println!("  a weak password is refused: {e}");
    }
    print_quote("Image order", &market.quote_image(&alice, &image.id, &request)?);
    // Quick provisioning pays as the servers are created.
    let image_order = market.provision_image(&alice, &image.id, request, Some(PaymentMethod::CreditCard))?;
    show_order(&image_order);

    println!("\n== A month and a day pass");
    clock.advance(Duration::days(31))?;
    let report = market.tick(&Actor::System)?;
    println!("  tick examined {} and changed {} item(s)", report.examined, report.changed);
    for app in market.apps(&alice, &AppFilter::default(), 1, Some(20))?.items {
        show_app(&app, clock.instant());
    }

    println!("\n== In its grace period, she renews the email app for a month");
    print_quote("Renewal", &market.quote_renewal(&alice, &app.id, 1, None)?);
    let renewal = market.renew(&alice, &app.id, 1, None)?;
    market.accept_terms(&alice, &renewal.id)?;
    market.pay(&alice, &renewal.id, Some(PaymentMethod::CreditCard))?;
    show_app(&market.app(&alice, &app.id)?, clock.instant());

    println!("\n== A professional service, under service supervision");
    let service = market.list_product(&seller, fixtures::professional_service_draft())?;
    let order = buy_one(&market, &alice, &service, "Basic Migration", BillingMode::OneTime)?;
    show_order(&order);
    let flow = market.flow_of_order(&alice, &order.id)?;
    println!("  Service Supervision: {} — {}", flow.id, flow.status);
    let request = ServiceRequest {
        description: "Migrate www.example.com (PHP 8, MySQL 8) to the cloud.".into(),
        attachments: vec![Attachment { name: "site-inventory.xlsx".into(), bytes: 48_000 }],
    };
    market.submit_request(&alice, &flow.id, request.clone())?;
    clock.advance(Duration::hours(5))?;
    market.reject_request(&seller, &flow.id, "Please add the database size.")?;
    let again = ServiceRequest {
        description: "Migrate www.example.com (PHP 8, MySQL 8, 12 GB database); admin password is in the sheet.".into(),
        ..request
    };
    let submitted = market.submit_request(&alice, &flow.id, again)?;
    for warning in &submitted.warnings {
        println!("  reminder: {warning}");
    }
    market.accept_request(&seller, &flow.id)?;
    clock.advance(Duration::days(2))?;
    market.deliver(
        &seller,
        &flow.id,
        Delivery { note: "Migrated; DNS switched.".into(), ..Delivery::default() },
        None,
    )?;
    market.reject_delivery(&alice, &flow.id, "The contact form does not send mail.")?;
    clock.advance(Duration::days(1))?;
    market.deliver(
        &seller,
        &flow.id,
        Delivery { note: "Mail relay configured.".into(), ..Delivery::default() },
        None,
    )?;
    let flow = market.confirm_acceptance(&alice, &flow.id)?;
    println!("  {} — order {}", flow.status, market.order(&alice, &order.id)?.status);
    clock.advance(Duration::hours(3))?;
    market.tick(&Actor::System)?;
    println!("  3 hours after acceptance — order {}", market.order(&alice, &order.id)?.status);
    println!("  Operation records:");
    print_records(&market.records(&alice, &Target::Flow(flow.id.clone()), 0, Some(100))?);

    println!("\n== A second service where the seller goes silent, and an appeal");
    let order = buy_one(&market, &alice, &service, "Basic Migration", BillingMode::OneTime)?;
    let flow = market.flow_of_order(&alice, &order.id)?;
    market.submit_request(
        &alice,
        &flow.id,
        ServiceRequest { description: "Migrate shop.example.com.".into(), attachments: vec![] },
    )?;
    clock.advance(Duration::days(5))?;
    if let Err(e) = market.open_appeal(&alice, &flow.id, "The seller has not answered.") {
        println!("  after exactly 5 days: {e}");
    }
    clock.advance(Duration::days(1))?;
    let appeal = market.open_appeal(&alice, &flow.id, "The seller has not answered for 6 days.")?;
    println!("  appeal {} opened; the flow is {}", appeal.id, market.flow(&alice, &flow.id)?.status);
    if let Err(e) = market.accept_request(&seller, &flow.id) {
        println!("  the seller tries to act: {e}");
    }
    let operator = Actor::operator("ops-1")?;
    let refund = Money::parse("300.00 USD")?;
    market.resolve_appeal(&operator, &appeal.id, Resolution::CloseWithRefund { refund })?;
    let order = market.order(&alice, &order.id)?;
    println!(
        "  resolved: flow {}, order {}, refunded {}",
        market.flow(&alice, &flow.id)?.status,
        order.status,
        order.refunded
    );
    print_records(&market.records(&alice, &Target::Flow(flow.id.clone()), 0, Some(100))?);

    println!("\n== A monthly licence with auto-renewal runs for a year");
    let licence = market.list_product(&seller, fixtures::license_draft())?;
    let order = buy_one(&market, &alice, &licence, "Annual License", BillingMode::Monthly)?;
    let flow = market.flow_of_order(&alice, &order.id)?;
    market.deliver(
        &seller,
        &flow.id,
        Delivery { note: "Licence key sent by email.".into(), ..Delivery::default() },
        None,
    )?;
    market.confirm_acceptance(&alice, &flow.id)?;
    let licence_app = order.app.clone().expect("a paid order has an app");
    market.set_auto_renewal(&alice, &licence_app, 1, 0, 7, None)?;
    show_app(&market.app(&alice, &licence_app)?, clock.instant());
    let charges_before = payments.charges().len();
    for day in 1..=366 {
        clock.advance(Duration::days(1))?;
        if day == 150 {
            payments.decline_next(&alice_id_of(&alice), "card limit reached");
        }
        market.tick(&Actor::System)?;
    }
    for e in market.records(&alice, &Target::App(licence_app.clone()), 0, Some(100))? {
        let line = match &e.kind {
            EventKind::App(app::AppEvent::Renewed { term, auto: true, .. }) => {
                format!("auto-renewed: now expires {}", appmarket_examples::local(term.expires_at))
            }
            EventKind::App(app::AppEvent::AutoRenewalDeclined { reason, retry_at }) => {
                format!("charge declined ({reason}); retry at {}", appmarket_examples::local(*retry_at))
            }
            _ => continue,
        };
        println!("  {}  {line}", appmarket_examples::local(e.at));
    }
    println!("  {} auto-renewal charges in the year", payments.charges().len() - charges_before);
    show_app(&market.app(&alice, &licence_app)?, clock.instant());

    println!("\n== Two images: one unsubscribed on day 3, one on day 20");
    let img_request = ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: "vpc-default".into(), subnet: "subnet-default".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new("Tour#Pass2026"),
        agree_terms: true,
        customization: None,
    };
    let first = market.provision_image(&alice, &image.id, img_request.clone(), Some(PaymentMethod::CreditCard))?;
    let second = market.provision_image(&alice, &image.id, img_request, Some(PaymentMethod::CreditCard))?;
    clock.advance(Duration::days(3))?;
    let first_app = first.app.clone().expect("an app");
    let quote = market.quote_unsubscribe(&alice, &first_app)?;
    print_quote(
        if quote.unconditional { "Day 3: five-day unconditional unsubscription" } else { "Day 3" },
        &quote.quote,
    );
    show_order(&market.unsubscribe(&alice, &first_app)?);
    clock.advance(Duration::days(17))?;
    let second_app = second.app.clone().expect("an app");
    let quote = market.quote_unsubscribe(&alice, &second_app)?;
    print_quote("Day 20: refund = paid − consumed − handling fee", &quote.quote);
    show_order(&market.unsubscribe(&alice, &second_app)?);

    println!("\n== Operation records of the first order");
    print_records(&market.records(&alice, &Target::Order(first_order.clone()), 0, Some(100))?);
    println!(
        "\n{} charge(s) made, {} events in the stream",
        payments.charges().len(),
        market.events_since(0, 10_000)?.len()
    );
    Ok(())
}

fn alice_id_of(actor: &Actor) -> CustomerId {
    match actor {
        Actor::Customer(id) => id.clone(),
        _ => unreachable!("the tour's buyer is a customer"),
    }
}

/// Places an order for one unit of one period, accepts the terms and pays by card.
fn buy_one(
    market: &Marketplace,
    buyer: &Actor,
    product: &Product,
    specification: &str,
    mode: BillingMode,
) -> Result<Order, Error> {
    let request = PurchaseRequest {
        product: product.id.clone(),
        specification: specification.into(),
        mode,
        quantity: 1,
        periods: 1,
    };
    let order = market.place_order(buyer, request)?;
    market.accept_terms(buyer, &order.id)?;
    market.pay(buyer, &order.id, Some(PaymentMethod::CreditCard))
}
