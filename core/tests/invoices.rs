//! Invoices through the facade (INV-1, INV-2, UNS-2).

#[path = "lifecycle/mod.rs"]
mod common;

use appmarket::testing::fixtures;
use appmarket::*;
use chrono::Duration;
use common::*;

#[test]
fn inv_1_request_issue_return_and_request_again() {
    let w = world();
    let (order, _) = w.saas_app(1);
    let inv = w.market.request_invoice(&w.alice, &order.id).unwrap();
    assert_eq!((inv.status, inv.amount), (InvoiceStatus::Requested, money("230.00 USD")));
    assert_eq!(rule(&refused(&w, || w.market.request_invoice(&w.alice, &order.id))), "INV-1");
    let issued = w.market.issue_invoice(&w.operator, &inv.id).unwrap();
    assert_eq!(issued.status, InvoiceStatus::Issued);
    assert!(w.order(&order.id).invoice_issued);
    let returned = w.market.return_invoice(&w.alice, &inv.id).unwrap();
    assert_eq!(returned.status, InvoiceStatus::Returned);
    assert!(!w.order(&order.id).invoice_issued);
    let again = w.market.request_invoice(&w.alice, &order.id).unwrap();
    assert_ne!(again.id, inv.id);
    assert_eq!(w.order(&order.id).invoice, Some(again.id));
}

#[test]
fn inv_1_the_amount_is_what_was_paid_less_refunds() {
    let w = world();
    let (order, app) = w.image_app(BillingMode::Monthly, 1);
    w.advance(Duration::days(10));
    let renewal = w.market.renew(&w.alice, &app, 1, None).unwrap();
    w.pay(&w.alice, &renewal);
    w.market.unsubscribe(&w.alice, &app).unwrap();
    let inv = w.market.request_invoice(&w.alice, &order.id).unwrap();
    assert_eq!(inv.amount, money("27.33 USD")); // 64.00 − 36.67
}

#[test]
fn inv_1_returning_an_invoice_that_was_never_issued_is_refused() {
    let w = world();
    let (order, _) = w.saas_app(1);
    let inv = w.market.request_invoice(&w.alice, &order.id).unwrap();
    assert_eq!(rule(&refused(&w, || w.market.return_invoice(&w.alice, &inv.id))), "INV-1");
    assert!(matches!(refused(&w, || w.market.issue_invoice(&w.alice, &inv.id)), Error::Forbidden { .. }));
    assert!(matches!(refused(&w, || w.market.request_invoice(&w.bob, &order.id)), Error::Forbidden { .. }));
    assert!(matches!(refused(&w, || w.market.invoice(&w.bob, &inv.id)), Error::Forbidden { .. }));
    let unknown = InvoiceId::parse("INV-404").unwrap();
    assert!(matches!(refused(&w, || w.market.issue_invoice(&w.operator, &unknown)), Error::NotFound { .. }));
}

#[test]
fn inv_1_unpaid_and_reseller_settled_orders_cannot_be_invoiced() {
    let w = world();
    let p = w.list(fixtures::saas_draft());
    let unpaid = w.market.place_order(&w.alice, fixtures::standard_monthly(p.id.clone())).unwrap();
    assert_eq!(rule(&refused(&w, || w.market.request_invoice(&w.alice, &unpaid.id))), "INV-1");
    let carol_id = CustomerId::parse("carol").unwrap();
    let account =
        CustomerAccount { reseller: Some("reseller-1".into()), ..CustomerAccount::with_card(carol_id.clone()) };
    w.market.register_customer(account).unwrap();
    let carol = Actor::Customer(carol_id);
    let order = w.market.place_order(&carol, fixtures::standard_monthly(p.id.clone())).unwrap();
    w.market.accept_terms(&carol, &order.id).unwrap();
    w.market.pay(&carol, &order.id, None).unwrap();
    assert_eq!(rule(&refused(&w, || w.market.request_invoice(&carol, &order.id))), "INV-1");
    let actions = w.market.available_actions(&carol, &Target::Order(order.id)).unwrap();
    let a = actions.iter().find(|a| a.action == Action::RequestInvoice).unwrap();
    assert_eq!(a.rule.as_deref(), Some("INV-1"));
}

#[test]
fn inv_2_no_invoice_while_an_unsubscription_is_pending() {
    let w = world();
    let p = w.list(fixtures::license_draft());
    let (order, _) = w.buy(&p, "Annual License", BillingMode::Monthly, 1, 1);
    assert_eq!(order.status, OrderStatus::Processing, "the licence's service flow is open");
    w.market.request_refund(&w.alice, &order.id, money("10 USD"), "late").unwrap();
    assert_eq!(rule(&refused(&w, || w.market.request_invoice(&w.alice, &order.id))), "INV-2");
}

#[test]
fn uns_2_an_issued_invoice_blocks_unsubscription_until_returned() {
    let w = world();
    let (order, app) = w.image_app(BillingMode::Monthly, 1);
    let inv = w.market.request_invoice(&w.alice, &order.id).unwrap();
    w.market.issue_invoice(&w.operator, &inv.id).unwrap();
    assert_eq!(rule(&refused(&w, || w.market.unsubscribe(&w.alice, &app))), "UNS-2");
    w.market.return_invoice(&w.operator, &inv.id).unwrap();
    assert_eq!(w.market.unsubscribe(&w.alice, &app).unwrap().status, OrderStatus::Unsubscribed);
}

/// A pay-per-use SaaS app at 0.30 an hour (flat), bought by alice: settled every hour by `tick`.
fn hourly_app(w: &World) -> (Order, AppId) {
    let mut draft = fixtures::saas_draft();
    draft.specifications.truncate(1);
    draft.specifications[0].plans.push(PricePlan {
        mode: BillingMode::PayPerUse,
        price: money("0.30 USD"),
        per_unit: false,
    });
    let p = w.list(draft);
    w.buy(&p, "Standard", BillingMode::PayPerUse, 5, 1)
}

fn runs(inv: &Invoice) -> Vec<(u32, u32)> {
    inv.usage.as_ref().unwrap().settlements.iter().map(|r| (r.first, r.last)).collect()
}

#[test]
fn inv_1_settled_usage_is_invoiced_by_settled_cycle() {
    let w = world();
    let (order, app) = hourly_app(&w);
    assert!(order.amount_paid().is_zero(), "nothing is paid up front");
    let err = refused(&w, || w.market.request_invoice(&w.alice, &order.id));
    assert_eq!(rule(&err), "INV-1");
    assert!(err.to_string().contains("no settlement of its usage has been paid yet"), "{err}");
    // Three hours, each its own settlement (PRC-7): 3 × 0.30.
    w.advance(Duration::hours(3));
    w.market.tick(&Actor::System).unwrap();
    let first = w.market.request_invoice(&w.alice, &order.id).unwrap();
    assert_eq!((first.status, first.amount), (InvoiceStatus::Requested, money("0.90 USD")));
    let usage = first.usage.as_ref().unwrap();
    assert_eq!((usage.app.clone(), usage.hours), (app.clone(), 3));
    assert_eq!(runs(&first), [(1, 3)]);
    assert_eq!((usage.from, usage.to), (at("2026-04-15T02:00:00Z"), at("2026-04-15T05:00:00Z")));
    // What is on an invoice is not invoiced twice.
    let err = refused(&w, || w.market.request_invoice(&w.alice, &order.id));
    assert!(rule(&err) == "INV-1" && err.to_string().contains("on an invoice already"), "{err}");
    // Two more settled hours: a second invoice, while the first stands.
    w.advance(Duration::hours(2));
    w.market.tick(&Actor::System).unwrap();
    let second = w.market.request_invoice(&w.alice, &order.id).unwrap();
    assert_eq!((second.amount, runs(&second)), (money("0.60 USD"), vec![(4, 5)]));
    let standing: Vec<InvoiceId> = w.order(&order.id).usage_invoices.iter().map(|s| s.invoice.clone()).collect();
    assert_eq!(standing, [first.id.clone(), second.id.clone()]);
    // Issued, returned and requested again with the same rules: the returned invoice's
    // settlements are invoiced again.
    let issued = w.market.issue_invoice(&w.operator, &first.id).unwrap();
    assert_eq!((issued.status, issued.amount), (InvoiceStatus::Issued, money("0.90 USD")));
    assert!(w.order(&order.id).invoice_issued);
    assert_eq!(rule(&refused(&w, || w.market.issue_invoice(&w.operator, &first.id))), "INV-1");
    w.market.return_invoice(&w.alice, &first.id).unwrap();
    assert!(!w.order(&order.id).invoice_issued, "the second invoice is requested, not issued");
    let again = w.market.request_invoice(&w.alice, &order.id).unwrap();
    assert_eq!((again.amount, runs(&again)), (money("0.90 USD"), vec![(1, 3)]));
    assert_eq!(w.order(&order.id).invoice, Some(again.id.clone()));
    // The usage statement and the invoices agree.
    let statement = w.market.usage_statement(&w.alice, &app).unwrap();
    assert_eq!(statement.charged, money("1.50 USD"));
    let actions = w.market.available_actions(&w.alice, &Target::Order(order.id.clone())).unwrap();
    let button = actions.iter().find(|a| a.action == Action::RequestInvoice).unwrap();
    assert_eq!(button.rule.as_deref(), Some("INV-1"), "every paid settlement is invoiced");
}

#[test]
fn inv_1_an_owed_settlement_is_invoiced_once_it_is_paid() {
    let w = world();
    let (order, app) = hourly_app(&w);
    w.advance(Duration::hours(1));
    w.market.tick(&Actor::System).unwrap();
    w.payments.decline_next(&w.alice_id, "card expired");
    w.advance(Duration::hours(1));
    w.market.tick(&Actor::System).unwrap();
    w.advance(Duration::minutes(30));
    w.market.tick(&Actor::System).unwrap();
    assert_eq!(w.app(&app).metering.unwrap().owed.len(), 1, "settlement 2 is owed");
    let paid = w.market.request_invoice(&w.alice, &order.id).unwrap();
    assert_eq!((paid.amount, runs(&paid)), (money("0.30 USD"), vec![(1, 1)]));
    assert_eq!(rule(&refused(&w, || w.market.request_invoice(&w.alice, &order.id))), "INV-1");
    w.market.pay_arrears(&w.alice, &app, None).unwrap();
    let late = w.market.request_invoice(&w.alice, &order.id).unwrap();
    assert_eq!((late.amount, runs(&late)), (money("0.30 USD"), vec![(2, 2)]));
}

#[test]
fn uns_2_an_issued_usage_invoice_marks_the_order_invoiced_and_deleting_refunds_nothing() {
    // Settled usage is never refunded: a pay-per-use order's refunds are bounded by what it paid
    // up front (nothing), so an issued usage invoice never has to be returned for a refund, and
    // deleting the app (which refunds nothing) is not blocked by it.
    let w = world();
    let (order, app) = hourly_app(&w);
    w.advance(Duration::hours(2));
    w.market.tick(&Actor::System).unwrap();
    let inv = w.market.request_invoice(&w.alice, &order.id).unwrap();
    w.market.issue_invoice(&w.operator, &inv.id).unwrap();
    let invoiced = w.order(&order.id);
    assert!(invoiced.invoice_issued, "UNS-2 and SUP-8 see an invoiced order");
    assert!(invoiced.check_refund(&money("0.01 USD")).is_err(), "nothing paid up front to refund");
    w.advance(Duration::minutes(90));
    let deleted = w.market.delete_app(&w.alice, &app).unwrap();
    assert_eq!(deleted.status, AppStatus::Deleted);
    assert!(w.payments.refunds().is_empty());
    // The last settlements (the third hour, and the started fourth at deletion) are invoiced
    // next; the issued invoice stands as it was.
    let last = w.market.request_invoice(&w.alice, &order.id).unwrap();
    assert_eq!((last.amount, runs(&last)), (money("0.60 USD"), vec![(3, 4)]));
    assert_eq!(w.market.invoice(&w.alice, &inv.id).unwrap().status, InvoiceStatus::Issued);
}

#[test]
fn inv_1_an_unpaid_pay_per_use_image_order_is_not_invoiced() {
    let w = world();
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
            instances: 1,
        }),
    };
    let order = w.market.provision_image(&w.alice, &p.id, request, None).unwrap();
    let err = refused(&w, || w.market.request_invoice(&w.alice, &order.id));
    assert!(rule(&err) == "INV-1" && err.to_string().contains("has not been paid"), "{err}");
    assert!(matches!(refused(&w, || w.market.request_invoice(&w.bob, &order.id)), Error::Forbidden { .. }));
}
