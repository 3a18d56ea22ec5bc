//! Telemetry (README "Telemetry"): what a host's `tracing` subscriber receives. A capturing
//! layer and a `fmt` layer writing into a buffer see every span and event of a journey on a
//! SQLite store — orders paid by card, a declined and a failed charge, a charge that lost a
//! race, passwords given, refused and revealed, a service request naming a card number, refusals
//! and `tick`s — and none of them holds a password, the card number or a free text.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use appmarket::payments::{ChargeRequest, PaymentError, PaymentGateway, Receipt, RefundRequest};
use appmarket::supervision::{Delivery, ServiceRequest};
use appmarket::testing::fixtures;
use appmarket::*;
use appmarket_tests::capture::{Seen, all_text, captured, lock};
use chrono::Duration;
use tracing::Level;

const IMAGE_PASSWORD: &str = "Img#Telemetry-2026";
const WEAK_PASSWORD: &str = "weakpw";
const SELLER_PASSWORD: &str = "Seller#Telemetry-77";
const DELIVERED_PASSWORD: &str = "Delivered#Telemetry-5";
const CARD: &str = "4111 1111 1111 1111";
const CARD_DIGITS: &str = "4111111111111111";
const FREE_TEXT: &str = "hunter2-free-text";

/// What the next charge does instead of charging.
enum Step {
    Fail(String),
    /// Runs another command while the charge is under way.
    Race(Box<dyn FnOnce() + Send>),
}

/// The simulated gateway, with scripted charges.
struct Scripted {
    inner: SimulatedPayments,
    next: Mutex<VecDeque<Step>>,
}

impl PaymentGateway for Scripted {
    fn charge(&self, request: &ChargeRequest) -> Result<Receipt, PaymentError> {
        let step = lock(&self.next).pop_front();
        match step {
            Some(Step::Fail(reason)) => Err(PaymentError::Failed(reason)),
            Some(Step::Race(racer)) => {
                racer();
                self.inner.charge(request)
            }
            None => self.inner.charge(request),
        }
    }
    fn refund(&self, request: &RefundRequest) -> Result<Receipt, PaymentError> {
        self.inner.refund(request)
    }
}

fn image_request(password: &str) -> ImageProvisioning {
    ImageProvisioning {
        quick_mode: None,
        specification: "Default".into(),
        network: Network { vpc: "vpc-1".into(), subnet: "subnet-1".into() },
        security_group: SecurityGroup::Recommended,
        login_password: Secret::new(password),
        agree_terms: true,
        // Customized: paid by its own `pay`, so that the journey sees a declined and a failed
        // payment of an image order.
        customization: Some(Customization {
            mode: BillingMode::Monthly,
            eip_mbit: None,
            server_name: "web".into(),
            periods: 1,
            instances: 1,
        }),
    }
}

/// A journey through every kind of span and event. Returns the ids it checks against.
struct Journey {
    /// Refused credit (ORD-2), then paid.
    refused_order: OrderId,
    /// Its charge declined.
    declined_order: OrderId,
    /// Its charge failed, then paid.
    failed_order: OrderId,
    /// Placed (no declared target), then its payment lost a race.
    raced_order: OrderId,
}

fn journey(dir: &std::path::Path) -> Journey {
    let clock = ManualClock::new(fixtures::t0());
    let gateway = Arc::new(Scripted { inner: SimulatedPayments::new(), next: Mutex::new(VecDeque::new()) });
    let store = Arc::new(appmarket_sqlite::SqliteStore::open(dir.join("telemetry.db")).unwrap());
    let market =
        Arc::new(Marketplace::builder().clock(clock.clone()).store(store).payments(gateway.clone()).build().unwrap());
    let seller = Actor::seller("isv-1").unwrap();
    let alice_id = CustomerId::parse("alice").unwrap();
    market.register_customer(CustomerAccount::with_card(alice_id.clone())).unwrap();
    let alice = Actor::Customer(alice_id.clone());
    let saas = market.list_product(&seller, fixtures::saas_draft()).unwrap();
    let image = market.list_product(&seller, fixtures::image_draft()).unwrap();
    market.search(&SearchQuery { text: "email".into(), ..SearchQuery::default() }).unwrap();

    // An order refused credit (ORD-2), then paid by card.
    let order = market.place_order(&alice, fixtures::standard_monthly(saas.id.clone())).unwrap();
    market.accept_terms(&alice, &order.id).unwrap();
    assert_eq!(market.pay(&alice, &order.id, Some(PaymentMethod::Credit)).unwrap_err().rule(), Some("ORD-2"));
    let paid = market.pay(&alice, &order.id, Some(PaymentMethod::CreditCard)).unwrap();
    let app = paid.app.clone().unwrap();

    // A password refused to another seller, then given, then revealed (also replayed).
    let mallory = Actor::seller("mallory").unwrap();
    let refused =
        market.provide_application_info(&mallory, &app, ApplicationInfo::default(), Some(Secret::new(SELLER_PASSWORD)));
    assert!(refused.is_err());
    market
        .provide_application_info(&seller, &app, ApplicationInfo::default(), Some(Secret::new(SELLER_PASSWORD)))
        .unwrap();
    let reveal = alice.with_request_id("reveal-1").unwrap();
    assert_eq!(market.reveal_password(&reveal, &app).unwrap().expose(), SELLER_PASSWORD);
    assert_eq!(market.reveal_password(&reveal, &app).unwrap().expose(), SELLER_PASSWORD);

    // An image: a weak password refused, then provisioned; its charge declined with a reason
    // naming the card, the next one failing, the one after paid.
    assert!(market.provision_image(&alice, &image.id, image_request(WEAK_PASSWORD), None).is_err());
    let declined = market.provision_image(&alice, &image.id, image_request(IMAGE_PASSWORD), None).unwrap();
    gateway.inner.decline_next(&alice_id, &format!("card {CARD} expired"));
    let err = market.pay(&alice, &declined.id, Some(PaymentMethod::CreditCard)).unwrap_err();
    assert_eq!(err.kind(), "payment_declined");
    let placed = market.provision_image(&alice, &image.id, image_request(IMAGE_PASSWORD), None).unwrap();
    lock(&gateway.next).push_back(Step::Fail(format!("timeout charging card {CARD_DIGITS}")));
    assert_eq!(market.pay(&alice, &placed.id, Some(PaymentMethod::CreditCard)).unwrap_err().kind(), "gateway");
    market.pay(&alice, &placed.id, Some(PaymentMethod::CreditCard)).unwrap();

    // A payment that loses a race to the customer's own cancellation: decided again, refused,
    // and its charge given back.
    let raced = market.place_order(&alice, fixtures::standard_monthly(saas.id.clone())).unwrap();
    market.accept_terms(&alice, &raced.id).unwrap();
    let (racer, raced_id, by) = (market.clone(), raced.id.clone(), alice.clone());
    lock(&gateway.next).push_back(Step::Race(Box::new(move || {
        racer.cancel_order(&by, &raced_id).unwrap();
    })));
    assert!(market.pay(&alice, &raced.id, Some(PaymentMethod::CreditCard)).is_err());

    // A supervised service: a request whose text names a card and a password (SUP-6 warns),
    // and a delivery with a password.
    let crm = market.list_product(&seller, fixtures::supervised_saas_draft()).unwrap();
    let o3 = market.place_order(&alice, fixtures::standard_monthly(crm.id)).unwrap();
    market.accept_terms(&alice, &o3.id).unwrap();
    let o3 = market.pay(&alice, &o3.id, Some(PaymentMethod::CreditCard)).unwrap();
    let flow = market.flow_of_order(&alice, &o3.id).unwrap();
    let request = ServiceRequest {
        description: format!("my card is {CARD} and the admin password is {FREE_TEXT}"),
        attachments: vec![appmarket::supervision::Attachment { name: format!("card {CARD}.xlsx"), bytes: 10 }],
    };
    let submitted = market.submit_request(&alice, &flow.id, request).unwrap();
    assert!(!submitted.warnings.is_empty());
    market.accept_request(&seller, &flow.id).unwrap();
    let _ = market.reject_request(&seller, &flow.id, FREE_TEXT);
    let info = ApplicationInfo {
        username: "admin".into(),
        management_url: "https://crm.example".into(),
        ..ApplicationInfo::default()
    };
    let delivery = Delivery { note: FREE_TEXT.into(), application_info: Some(info), ..Delivery::default() };
    market.deliver(&seller, &flow.id, delivery, Some(Secret::new(DELIVERED_PASSWORD))).unwrap();

    // `tick`: refused to a customer, nothing due, then a month later.
    assert!(market.tick(&alice).is_err());
    market.tick(&Actor::System).unwrap();
    clock.advance(Duration::days(40)).unwrap();
    assert!(market.tick(&Actor::System).unwrap().examined > 0);
    Journey { refused_order: order.id, declined_order: declined.id, failed_order: placed.id, raced_order: raced.id }
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("appmarket-telemetry-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn no_password_card_number_or_free_text_reaches_a_subscriber() {
    let dir = temp_dir("secrets");
    let (spans, events, fmt) = captured(|| {
        journey(&dir);
    });
    let text = all_text(&spans, &events, &fmt);
    // The capture saw the journey: commands, store calls, gateway calls, ticks.
    for name in ["command", "store", "gateway", "tick"] {
        assert!(spans.iter().any(|s| s.name == name), "no {name} span was captured");
    }
    assert!(fmt.contains("command refused"), "the fmt layer wrote no refusal");
    for secret in [IMAGE_PASSWORD, WEAK_PASSWORD, SELLER_PASSWORD, DELIVERED_PASSWORD, CARD, CARD_DIGITS, FREE_TEXT] {
        assert!(!text.contains(secret), "the telemetry holds {secret:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_command_span_names_the_command_its_target_and_the_refusing_rule() {
    let dir = temp_dir("spans");
    let mut ids = None;
    let (spans, events, _) = captured(|| ids = Some(journey(&dir)));
    let ids = ids.unwrap();
    let commands: Vec<&Seen> = spans.iter().filter(|s| s.name == "command").collect();
    for c in &commands {
        assert_eq!(c.target, "appmarket::command");
        assert_eq!(c.level, Level::INFO);
        for field in ["command", "actor", "outcome", "conflicts", "duration_us"] {
            assert!(c.field(field).is_some(), "a command span without {field}: {c:?}");
        }
    }
    let with = |command: &str, outcome: &str, target: &str| {
        commands.iter().copied().find(|c| {
            c.field("command") == Some(command)
                && c.field("outcome") == Some(outcome)
                && c.field("target") == Some(target)
        })
    };

    // ORD-2: the refusal names its rule, on the span and on its INFO event.
    let refused = with("pay", "refused", ids.refused_order.as_str()).expect("the refused payment's span");
    assert_eq!(refused.field("rule"), Some("ORD-2"));
    assert_eq!(refused.field("error"), Some("not_allowed"));
    assert_eq!(refused.field("actor"), Some("customer"));
    let event = events
        .iter()
        .find(|e| e.field("message") == Some("command refused") && e.field("rule") == Some("ORD-2"))
        .expect("the refusal's event");
    assert_eq!((event.level, event.parent, event.target), (Level::INFO, Some("command"), "appmarket::command"));
    assert_eq!(event.field("command"), Some("pay"));

    // An order placed (no declared target): its span names the order it created.
    assert!(with("place_order", "ok", ids.raced_order.as_str()).is_some());
    // A declined charge is refused; a failed one an error with its ERROR event and the
    // gateway's WARN event; the race is counted.
    let declined = with("pay", "refused", ids.declined_order.as_str()).expect("the declined payment's span");
    assert_eq!(declined.field("error"), Some("payment_declined"));
    let failed = with("pay", "error", ids.failed_order.as_str()).expect("the failed payment's span");
    assert_eq!(failed.field("error"), Some("gateway"));
    assert!(events.iter().any(|e| e.level == Level::ERROR && e.field("message") == Some("command failed")));
    assert!(
        events.iter().any(|e| e.level == Level::WARN
            && e.target == "appmarket::gateway"
            && e.field("outcome") == Some("failed"))
    );
    let raced = with("pay", "refused", ids.raced_order.as_str()).expect("the raced payment's span");
    assert_eq!(raced.field("conflicts"), Some("1"));

    // Store and gateway calls are children of the command that made them.
    assert!(spans.iter().any(|s| s.name == "store"
        && s.parent == Some("command")
        && s.field("op") == Some("commit")
        && s.field("store") == Some("sqlite")
        && s.level == Level::DEBUG));
    assert!(spans.iter().any(|s| s.name == "store" && s.field("op") == Some("secret")));
    let charges: Vec<&Seen> = spans.iter().filter(|s| s.name == "gateway").collect();
    for outcome in ["ok", "declined", "failed"] {
        assert!(charges.iter().any(|g| g.field("call") == Some("charge")
            && g.field("outcome") == Some(outcome)
            && g.field("method") == Some("credit_card")
            && g.parent == Some("command")));
    }
    assert!(charges.iter().any(|g| g.field("call") == Some("refund")), "the raced charge is given back");

    // Each tick: a span and one event with its counts; a refused tick is INFO.
    let ticks: Vec<&Seen> = events.iter().filter(|e| e.target == "appmarket::tick").collect();
    assert_eq!(ticks.len(), 3, "{ticks:?}");
    assert_eq!((ticks[0].field("outcome"), ticks[0].field("error")), (Some("refused"), Some("forbidden")));
    assert_eq!((ticks[1].level, ticks[1].field("examined")), (Level::DEBUG, Some("0")));
    assert_eq!(ticks[2].level, Level::INFO);
    assert_ne!(ticks[2].field("examined"), Some("0"));
    assert!(ticks[2].field("changed").is_some() && ticks[2].field("failed").is_some());
    let _ = std::fs::remove_dir_all(&dir);
}
