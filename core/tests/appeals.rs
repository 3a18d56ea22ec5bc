//! Appeals through the facade (APL-1..4), on a manual clock.

mod common;

use appmarket::*;
use chrono::Duration;
use common::*;

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn usd(text: &str) -> Money {
    Money::parse(&format!("{text} USD")).unwrap()
}

/// A licence flow frozen by the customer's appeal after the seller was idle.
fn frozen(w: &World) -> (ServiceFlow, Appeal) {
    let flow = w.license();
    w.advance(days(6));
    let appeal = w.market.open_appeal(&w.buyer, &flow.id, "No licence after 6 days").unwrap();
    (flow, appeal)
}

#[test]
fn apl_1_customer_may_not_appeal_after_exactly_5_idle_days() {
    let w = world();
    let flow = w.license();
    w.advance(days(5));
    let err = w.refused(|m| m.open_appeal(&w.buyer, &flow.id, "Seller silent"));
    assert_eq!(err.rule(), Some("APL-1"));
}

#[test]
fn apl_1_customer_may_appeal_after_5_idle_days_and_1_second() {
    let w = world();
    let flow = w.license();
    w.advance(days(5) + Duration::seconds(1));
    let appeal = w.market.open_appeal(&w.buyer, &flow.id, "Seller silent").unwrap();
    assert_eq!(appeal.appellant, Party::Customer);
    assert_eq!(appeal.grounds, AppealGrounds::SellerIdle);
    assert_eq!(appeal.status, AppealStatus::Open);
}

#[test]
fn apl_1_the_idle_clock_counts_from_the_last_step_not_from_reminders() {
    let w = world();
    let flow = w.saas();
    w.advance(days(3));
    w.submit(&flow);
    w.advance(days(5));
    w.market.remind_seller(&w.buyer, &flow.id).unwrap();
    let err = w.refused(|m| m.open_appeal(&w.buyer, &flow.id, "Seller silent"));
    assert_eq!(err.rule(), Some("APL-1"));
    w.advance(Duration::seconds(1));
    assert!(w.market.open_appeal(&w.buyer, &flow.id, "Seller silent").is_ok());
}

#[test]
fn apl_1_seller_may_appeal_when_the_customer_is_idle_for_more_than_5_days() {
    let w = world();
    let flow = w.saas();
    w.advance(days(5));
    let err = w.refused(|m| m.open_appeal(&w.seller, &flow.id, "No request"));
    assert_eq!(err.rule(), Some("APL-1"));
    w.advance(Duration::seconds(1));
    let appeal = w.market.open_appeal(&w.seller, &flow.id, "No request").unwrap();
    assert_eq!((appeal.appellant, appeal.grounds), (Party::Seller, AppealGrounds::CustomerIdle));
}

#[test]
fn apl_1_seller_may_not_appeal_its_own_idleness() {
    let w = world();
    let flow = w.license();
    w.advance(days(30));
    let err = w.refused(|m| m.open_appeal(&w.seller, &flow.id, "Customer is silent"));
    assert_eq!(err.rule(), Some("APL-1"));
}

#[test]
fn apl_1_the_third_request_rejection_opens_the_appeal_the_second_does_not() {
    let w = world();
    let flow = w.saas();
    for n in 1..=3 {
        w.submit(&flow);
        w.market.reject_request(&w.seller, &flow.id, "Not enough detail").unwrap();
        if n == 2 {
            let err = w.refused(|m| m.open_appeal(&w.buyer, &flow.id, "Seller keeps rejecting"));
            assert_eq!(err.rule(), Some("APL-1"));
        }
    }
    let appeal = w.market.open_appeal(&w.buyer, &flow.id, "Seller keeps rejecting").unwrap();
    assert_eq!(appeal.grounds, AppealGrounds::RequestRejected);
}

/// Delivers and has the customer reject the delivery `n` times; checks that the appeal of both
/// parties is refused until the last rejection, and returns the flow then.
fn reject_deliveries(w: &World, flow: &ServiceFlow, n: u32) {
    for k in 1..=n {
        if flow.kind != FlowKind::License && k == 1 {
            w.submit(flow);
            w.market.accept_request(&w.seller, &flow.id).unwrap();
        }
        w.deliver(flow);
        let before = w.refused(|m| m.open_appeal(&w.buyer, &flow.id, "Bad"));
        assert_eq!(before.rule(), Some("APL-1"), "after {} rejections", k - 1);
        assert_eq!(w.refused(|m| m.open_appeal(&w.seller, &flow.id, "Bad")).rule(), Some("APL-1"));
        w.market.reject_delivery(&w.buyer, &flow.id, "Wrong key").unwrap();
    }
}

#[test]
fn apl_1_a_licence_delivery_rejected_twice_opens_the_appeal_for_both_parties() {
    // User guide §4.1: "submit an appeal after you have rejected the product twice".
    let w = world();
    let flow = w.license();
    reject_deliveries(&w, &flow, 2);
    let seller_may = w.market.available_actions(&w.seller, &Target::Flow(flow.id.clone())).unwrap();
    assert!(seller_may.iter().any(|a| a.action == Action::Appeal && a.allowed));
    let appeal = w.market.open_appeal(&w.seller, &flow.id, "Customer rejects a valid key").unwrap();
    assert_eq!(appeal.grounds, AppealGrounds::DeliveryRejected);
}

#[test]
fn apl_1_a_professional_service_delivery_rejected_twice_opens_the_appeal() {
    // User guide §4.2, "Accepting a Product": "after you have rejected the product twice".
    let w = world();
    let flow = w.professional_service();
    reject_deliveries(&w, &flow, 2);
    let appeal = w.market.open_appeal(&w.buyer, &flow.id, "Rejected twice").unwrap();
    assert_eq!((appeal.appellant, appeal.grounds), (Party::Customer, AppealGrounds::DeliveryRejected));
}

#[test]
fn apl_1_a_saas_delivery_needs_three_rejections() {
    // User guide §4.3, "Appeal": "rejected a product delivered by a seller three times".
    let w = world();
    let flow = w.saas();
    reject_deliveries(&w, &flow, 3);
    let appeal = w.market.open_appeal(&w.buyer, &flow.id, "Rejected three times").unwrap();
    assert_eq!(appeal.grounds, AppealGrounds::DeliveryRejected);
}

#[test]
fn apl_1_a_professional_service_request_needs_three_rejections_by_the_seller() {
    // The seller's rejections of the request follow the Appeal sections' three times, in every
    // kind (the "twice" of §4.1 and §4.2 is the customer's rejection of the product).
    let w = world();
    let flow = w.professional_service();
    for n in 1..=3 {
        w.submit(&flow);
        w.market.reject_request(&w.seller, &flow.id, "Not enough detail").unwrap();
        if n == 2 {
            let err = w.refused(|m| m.open_appeal(&w.buyer, &flow.id, "Seller keeps rejecting"));
            assert_eq!(err.rule(), Some("APL-1"));
            assert!(err.to_string().contains("3 rejections of the request or 2 of the delivery"), "{err}");
        }
    }
    let appeal = w.market.open_appeal(&w.buyer, &flow.id, "Seller keeps rejecting").unwrap();
    assert_eq!(appeal.grounds, AppealGrounds::RequestRejected);
}

#[test]
fn apl_1_strangers_cannot_appeal_and_a_reason_is_needed() {
    let w = world();
    let flow = w.license();
    w.advance(days(6));
    assert_eq!(w.refused(|m| m.open_appeal(&w.other_customer, &flow.id, "x")).kind(), "forbidden");
    assert_eq!(w.refused(|m| m.open_appeal(&w.other_seller, &flow.id, "x")).kind(), "forbidden");
    assert_eq!(w.refused(|m| m.open_appeal(&w.operator, &flow.id, "x")).kind(), "forbidden");
    let err = w.refused(|m| m.open_appeal(&w.buyer, &flow.id, ""));
    assert_eq!(field(&err), Some("reason"));
    let err = w.refused(|m| m.open_appeal(&w.buyer, &flow.id, &"x".repeat(1001)));
    assert_eq!(field(&err), Some("reason"));
}

#[test]
fn apl_1_no_appeal_on_a_completed_flow() {
    let w = world();
    let flow = w.license();
    w.to_acceptance(&flow);
    w.market.confirm_acceptance(&w.buyer, &flow.id).unwrap();
    w.advance(days(10));
    assert_eq!(w.refused(|m| m.open_appeal(&w.buyer, &flow.id, "Too late")).rule(), Some("APL-1"));
}

#[test]
fn apl_2_an_appeal_freezes_the_flow_for_customer_and_seller() {
    let w = world();
    let (flow, appeal) = frozen(&w);
    let f = w.flow(&flow);
    assert_eq!((f.status, f.appeal.clone()), (FlowStatus::Frozen, Some(appeal.id.clone())));
    assert!(f.status.to_string().contains("Frozen"));
    let b = &w.buyer;
    let s = &w.seller;
    let errs = vec![
        w.refused(|m| m.deliver(s, &flow.id, Delivery::default(), None)),
        w.refused(|m| m.accept_request(s, &flow.id)),
        w.refused(|m| m.reject_request(s, &flow.id, "no")),
        w.refused(|m| m.submit_request(b, &flow.id, request())),
        w.refused(|m| m.confirm_acceptance(b, &flow.id)),
        w.refused(|m| m.reject_delivery(b, &flow.id, "no")),
        w.refused(|m| m.remind_seller(b, &flow.id)),
    ];
    for err in errs {
        assert_eq!(err.rule(), Some("APL-2"), "{err}");
    }
    for by in [b, s] {
        let actions = w.market.available_actions(by, &Target::Flow(flow.id.clone())).unwrap();
        assert!(actions.iter().all(|a| !a.allowed), "{actions:?}");
        // A party's own buttons name APL-2; the other party's buttons are not theirs at all.
        let own: Vec<_> = actions.iter().filter(|a| a.rule.is_some()).collect();
        assert!(own.len() >= 2 && own.iter().all(|a| a.rule.as_deref() == Some("APL-2")), "{actions:?}");
    }
}

#[test]
fn apl_2_a_second_open_appeal_is_refused() {
    let w = world();
    let (flow, _) = frozen(&w);
    let err = w.refused(|m| m.open_appeal(&w.buyer, &flow.id, "Again"));
    assert_eq!(err.rule(), Some("APL-2"));
    let err = w.refused(|m| m.open_appeal(&w.seller, &flow.id, "Me too"));
    assert_eq!(err.rule(), Some("APL-2"));
}

#[test]
fn apl_3_an_appeal_one_second_before_opened_plus_350_days_is_allowed() {
    let w = world();
    let flow = w.license();
    w.advance(days(350) - Duration::seconds(1));
    assert!(w.market.open_appeal(&w.buyer, &flow.id, "Seller silent").is_ok());
}

#[test]
fn apl_3_an_appeal_at_opened_plus_350_days_is_refused() {
    let w = world();
    let flow = w.license();
    w.advance(days(350));
    let err = w.refused(|m| m.open_appeal(&w.buyer, &flow.id, "Seller silent"));
    assert_eq!(err.rule(), Some("APL-3"));
}

#[test]
fn apl_4_only_an_operator_resolves() {
    let w = world();
    let (_, appeal) = frozen(&w);
    for by in [&w.buyer, &w.seller, &Actor::System] {
        let err = w.refused(|m| m.resolve_appeal(by, &appeal.id, Resolution::Resume));
        assert_eq!(err.kind(), "forbidden");
    }
    let actions = w.market.available_actions(&w.operator, &Target::Appeal(appeal.id.clone())).unwrap();
    assert!(actions[0].allowed && actions[0].action == Action::ResolveAppeal);
}

#[test]
fn apl_4_resume_returns_the_flow_where_it_was() {
    let w = world();
    let (flow, appeal) = frozen(&w);
    let resolved = w.market.resolve_appeal(&w.operator, &appeal.id, Resolution::Resume).unwrap();
    assert_eq!(resolved.status, AppealStatus::Resolved);
    assert_eq!(resolved.resolved_by, Some(OperatorId::parse("ops-1").unwrap()));
    let f = w.flow(&flow);
    assert_eq!((f.status, f.appeal), (FlowStatus::InService, None));
    assert!(w.market.deliver(&w.seller, &flow.id, Delivery::default(), None).is_ok());
    let err = w.refused(|m| m.resolve_appeal(&w.operator, &appeal.id, Resolution::Resume));
    assert_eq!(err.rule(), Some("APL-4"));
}

#[test]
fn apl_4_complete_as_accepted_completes_the_flow_and_the_order_3_hours_later() {
    let w = world();
    let (flow, appeal) = frozen(&w);
    w.market.resolve_appeal(&w.operator, &appeal.id, Resolution::CompleteAsAccepted).unwrap();
    assert_eq!(w.flow(&flow).status, FlowStatus::Completed);
    assert_eq!(w.app(&flow).status, AppStatus::Active);
    assert_eq!(w.order_status(&flow), OrderStatus::Processing);
    w.advance(Duration::hours(3));
    w.tick();
    assert_eq!(w.order_status(&flow), OrderStatus::Completed);
}

#[test]
fn apl_4_close_with_a_full_refund_unsubscribes_the_order() {
    let w = world();
    let (flow, appeal) = frozen(&w);
    let refund = Resolution::CloseWithRefund { refund: usd("100") };
    w.market.resolve_appeal(&w.operator, &appeal.id, refund).unwrap();
    assert_eq!(w.flow(&flow).status, FlowStatus::Closed);
    let order = w.order(&flow);
    assert_eq!((order.status, order.refunded), (OrderStatus::Unsubscribed, usd("100.00")));
    assert_eq!(w.app(&flow).status, AppStatus::Unsubscribed);
    assert_eq!(w.payments.refunds().len(), 1);
}

#[test]
fn apl_4_close_with_a_partial_refund_completes_the_order() {
    let w = world();
    let (flow, appeal) = frozen(&w);
    let refund = Resolution::CloseWithRefund { refund: usd("40") };
    w.market.resolve_appeal(&w.operator, &appeal.id, refund).unwrap();
    assert_eq!(w.flow(&flow).status, FlowStatus::Closed);
    let order = w.order(&flow);
    assert_eq!((order.status, order.refunded), (OrderStatus::Completed, usd("40.00")));
    assert_eq!(w.payments.refunds()[0].amount, usd("40.00"));
}

#[test]
fn apl_4_a_refund_out_of_bounds_is_refused() {
    let w = world();
    let (_, appeal) = frozen(&w);
    for amount in ["0", "-1", "100.01"] {
        let refund = Resolution::CloseWithRefund { refund: usd(amount) };
        let err = w.refused(|m| m.resolve_appeal(&w.operator, &appeal.id, refund));
        assert_eq!(field(&err), Some("refund"), "{amount}");
    }
    let euros = Resolution::CloseWithRefund { refund: Money::parse("10 EUR").unwrap() };
    assert!(w.refused(|m| m.resolve_appeal(&w.operator, &appeal.id, euros)).kind() == "invalid_input");
}

#[test]
fn apl_4_appeals_open_for_more_than_3_working_days_are_listed_as_overdue() {
    let w = world();
    // t0 is Wednesday 10:00 in the billing zone; the freeze happens 6 days later, a Tuesday.
    let (_, appeal) = frozen(&w);
    assert!(w.market.overdue_appeals(&w.operator).unwrap().is_empty());
    // Tuesday + 3 working days = Friday, same time.
    w.advance(days(3));
    assert!(w.market.overdue_appeals(&w.operator).unwrap().is_empty());
    w.advance(Duration::seconds(1));
    assert_eq!(w.market.overdue_appeals(&w.operator).unwrap(), vec![appeal.clone()]);
    assert_eq!(w.market.overdue_appeals(&w.buyer).unwrap_err().kind(), "forbidden");
    w.market.resolve_appeal(&w.operator, &appeal.id, Resolution::Resume).unwrap();
    assert!(w.market.overdue_appeals(&w.operator).unwrap().is_empty());
}

#[test]
fn apl_4_weekends_do_not_count_as_working_days() {
    let w = world();
    let flow = w.license();
    // Open the appeal on Friday (t0 + 9 days, 10:00 local): due the next Wednesday 10:00.
    w.advance(days(9));
    w.market.open_appeal(&w.buyer, &flow.id, "Seller silent").unwrap();
    w.advance(days(5));
    assert!(w.market.overdue_appeals(&w.operator).unwrap().is_empty());
    w.advance(Duration::seconds(1));
    assert_eq!(w.market.overdue_appeals(&w.operator).unwrap().len(), 1);
}

#[test]
fn apl_4_the_parties_see_the_appeal_and_strangers_do_not() {
    let w = world();
    let (_, appeal) = frozen(&w);
    assert_eq!(w.market.appeal(&w.seller, &appeal.id).unwrap(), appeal);
    assert_eq!(w.market.appeal(&w.buyer, &appeal.id).unwrap(), appeal);
    assert_eq!(w.market.appeal(&w.other_customer, &appeal.id).unwrap_err().kind(), "forbidden");
}

#[test]
fn sup_8_closing_a_frozen_flow_closes_its_appeal() {
    let w = world();
    let (flow, appeal) = frozen(&w);
    w.advance(days(365));
    w.tick();
    assert_eq!(w.flow(&flow).status, FlowStatus::Closed);
    assert_eq!(w.market.appeal(&w.operator, &appeal.id).unwrap().status, AppealStatus::Closed);
    assert_eq!(w.order_status(&flow), OrderStatus::Unsubscribed);
}

#[test]
fn apl_1_the_rejection_count_is_set_per_flow_kind() {
    let defaults = Policy::default();
    assert_eq!(defaults.appeal_rejections, 3, "the Appeal sections: three times");
    let kinds: Vec<(FlowKind, u32)> = FlowKind::ALL.iter().map(|k| (*k, defaults.appeal_rejections_for(*k))).collect();
    assert_eq!(
        kinds,
        [(FlowKind::ProfessionalService, 2), (FlowKind::Saas, 3), (FlowKind::License, 2), (FlowKind::FiveGNaas, 3)]
    );
    let mut policy = Policy::default();
    policy.appeal_rejections_by_kind.insert(FlowKind::License, 4);
    let w = world_with(policy.clone());
    let flow = w.license();
    reject_deliveries(&w, &flow, 4);
    let appeal = w.market.open_appeal(&w.buyer, &flow.id, "Rejected four times").unwrap();
    assert_eq!(appeal.grounds, AppealGrounds::DeliveryRejected);
    // Old policy JSON loads with the defaults; the JSON form names the kind.
    assert_eq!(Policy::from_json("{}").unwrap().appeal_rejections_for(FlowKind::License), 2);
    let json = policy.to_json();
    assert!(json.contains("\"license\": 4") && json.contains("\"professional_service\": 2"), "{json}");
    assert_eq!(Policy::from_json(&json).unwrap(), policy);
    let all_three = Policy::from_json(r#"{"appeal_rejections_by_kind": {}}"#).unwrap();
    assert_eq!(all_three.appeal_rejections_for(FlowKind::License), 3);
    assert!(Policy::from_json(r#"{"appeal_rejections_by_kind": {"license": 0}}"#).is_err());
    assert!(Policy::from_json(r#"{"appeal_rejections_by_kind": {"5g_naas": 101}}"#).is_err());
}

#[test]
fn uns_2_an_appeal_cannot_refund_an_order_whose_invoice_is_issued() {
    let w = world();
    let (flow, appeal) = frozen(&w);
    let invoice = w.market.request_invoice(&w.buyer, &flow.order).unwrap();
    w.market.issue_invoice(&w.operator, &invoice.id).unwrap();
    for refund in [usd("100"), usd("40")] {
        let err = w.refused(|m| m.resolve_appeal(&w.operator, &appeal.id, Resolution::CloseWithRefund { refund }));
        assert_eq!(rule(&err), Some("UNS-2"), "{err}");
    }
    assert!(w.payments.refunds().is_empty());
    // Once the invoice is returned, the appeal may close with a refund.
    w.market.return_invoice(&w.buyer, &invoice.id).unwrap();
    let refund = Resolution::CloseWithRefund { refund: usd("40") };
    w.market.resolve_appeal(&w.operator, &appeal.id, refund).unwrap();
    assert_eq!(w.order(&flow).refunded, usd("40.00"));
}

#[test]
fn inv_1_an_invoice_requested_before_a_refund_is_issued_for_what_is_left() {
    let w = world();
    let (flow, appeal) = frozen(&w);
    let invoice = w.market.request_invoice(&w.buyer, &flow.order).unwrap();
    assert_eq!(invoice.amount, usd("100.00"));
    let refund = Resolution::CloseWithRefund { refund: usd("40") };
    w.market.resolve_appeal(&w.operator, &appeal.id, refund).unwrap();
    let issued = w.market.issue_invoice(&w.operator, &invoice.id).unwrap();
    assert_eq!(issued.amount, usd("60.00"), "paid minus refunded");
}

#[test]
fn inv_1_an_invoice_of_an_order_refunded_in_full_is_not_issued() {
    let w = world();
    let (flow, appeal) = frozen(&w);
    let invoice = w.market.request_invoice(&w.buyer, &flow.order).unwrap();
    let refund = Resolution::CloseWithRefund { refund: usd("100") };
    w.market.resolve_appeal(&w.operator, &appeal.id, refund).unwrap();
    let err = w.refused(|m| m.issue_invoice(&w.operator, &invoice.id));
    assert_eq!(rule(&err), Some("INV-1"), "{err}");
    assert!(err.to_string().contains("refunded in full"), "{err}");
}

#[test]
fn uns_6_an_appeal_refund_settles_a_pending_refund_request() {
    let w = world();
    let flow = w.license();
    w.market.request_refund(&w.buyer, &flow.order, usd("30"), "not what was promised").unwrap();
    assert!(w.order(&flow).pending_unsubscription.is_some());
    w.advance(days(6));
    let appeal = w.market.open_appeal(&w.buyer, &flow.id, "No licence after 6 days").unwrap();
    let refund = Resolution::CloseWithRefund { refund: usd("40") };
    w.market.resolve_appeal(&w.operator, &appeal.id, refund).unwrap();
    let order = w.order(&flow);
    assert_eq!(order.pending_unsubscription, None, "the appeal's refund supersedes the request");
    assert_eq!(order.refunded, usd("40.00"));
    // INV-2 no longer blocks an invoice, and the superseded request cannot be approved.
    assert!(w.market.request_invoice(&w.buyer, &flow.order).is_ok());
    assert!(w.market.resolve_refund_request(&w.seller, &flow.order, true).is_err());
}
