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
