//! Service supervision through the facade (SUP-1..8, APP-3, APP-4), on a manual clock.

mod common;

use appmarket::event::EventKind;
use appmarket::supervision::FlowEvent;
use appmarket::testing::fixtures;
use appmarket::*;
use chrono::Duration;
use common::*;

#[test]
fn sup_1_a_paid_license_order_opens_one_flow_and_stays_processing() {
    let w = world();
    let flow = w.license();
    let order = w.order(&flow);
    assert_eq!(order.flow.as_ref(), Some(&flow.id));
    assert_eq!(order.status, OrderStatus::Processing);
    assert_eq!(flow.kind, FlowKind::License);
    assert_eq!(w.app(&flow).status, AppStatus::Provisioning);
    assert_eq!(w.app(&flow).term, None);
}

#[test]
fn sup_1_an_order_without_supervision_opens_no_flow() {
    let w = world();
    let order = w.buy(fixtures::saas_draft(), "Standard", BillingMode::Monthly, 10);
    assert_eq!(order.status, OrderStatus::Completed);
    assert!(order.flow.is_none());
    let err = w.market.flow_of_order(&w.buyer, &order.id).unwrap_err();
    assert_eq!(err.kind(), "not_found");
}

#[test]
fn sup_2_a_license_flow_waits_for_the_seller_and_needs_no_request() {
    let w = world();
    let flow = w.license();
    assert_eq!(flow.status, FlowStatus::InService);
    assert_eq!(flow.status.to_string(), "Waiting for the seller to provide the service");
    let err = w.refused(|m| m.submit_request(&w.buyer, &flow.id, request()));
    assert_eq!(err.rule(), Some("SUP-2"));
}

#[test]
fn sup_2_the_seller_marks_a_license_delivered_then_it_waits_for_acceptance() {
    let w = world();
    let flow = w.license();
    let delivered = w.deliver(&flow);
    assert_eq!(delivered.status, FlowStatus::AwaitingAcceptance);
    assert_eq!(delivered.status.to_string(), "Waiting for the user to confirm acceptance");
    let done = w.market.confirm_acceptance(&w.buyer, &flow.id).unwrap();
    assert_eq!(done.status.to_string(), "Service completed");
}

#[test]
fn sup_3_a_professional_service_starts_with_the_customer_request_and_attachments_are_optional() {
    let w = world();
    let flow = w.professional_service();
    assert_eq!(flow.status.to_string(), "Customer submits request");
    let req = ServiceRequest { description: "Migrate example.com".into(), attachments: vec![] };
    let submitted = w.market.submit_request(&w.buyer, &flow.id, req).unwrap();
    assert_eq!(submitted.flow.status, FlowStatus::RequestSubmitted);
    assert!(submitted.warnings.is_empty());
}

fn template() -> Attachment {
    Attachment { name: "Requirement template.xlsx".into(), bytes: 20_480 }
}

#[test]
fn sup_3_the_flow_shows_the_sellers_request_template_before_the_first_request() {
    // User guide §4.3: "You can submit a request based on the request template provided by the
    // seller."
    let w = world();
    let mut draft = fixtures::supervised_saas_draft();
    draft.specifications[0].request_template = Some(template());
    let order = w.buy(draft, "Standard", BillingMode::Monthly, 10);
    let flow = w.market.flow_of_order(&w.buyer, &order.id).unwrap();
    assert_eq!((flow.status, flow.request.is_none()), (FlowStatus::AwaitingRequest, true));
    assert_eq!(flow.request_template, Some(template()));
    assert_eq!(w.market.flow(&w.seller, &flow.id).unwrap().request_template, Some(template()));
    // Another specification without one shows none.
    let other = w.buy(fixtures::supervised_saas_draft(), "Premium", BillingMode::Monthly, 10);
    assert_eq!(w.market.flow_of_order(&w.buyer, &other.id).unwrap().request_template, None);
    // A professional service takes one too.
    let mut service = fixtures::professional_service_draft();
    service.specifications[0].request_template = Some(template());
    let order = w.buy(service, "Basic Migration", BillingMode::OneTime, 1);
    assert_eq!(w.market.flow_of_order(&w.buyer, &order.id).unwrap().request_template, Some(template()));
}

#[test]
fn sup_3_only_a_product_whose_flow_takes_requests_takes_a_request_template() {
    let w = world();
    for mut draft in [fixtures::license_draft(), fixtures::saas_draft(), fixtures::image_draft()] {
        draft.specifications[0].request_template = Some(template());
        let err = w.refused(|m| m.list_product(&w.seller, draft));
        assert_eq!(field(&err), Some("specifications.request_template"), "{err}");
    }
    let mut bad = fixtures::supervised_saas_draft();
    bad.specifications[0].request_template = Some(Attachment { name: "template.exe".into(), bytes: 10 });
    assert_eq!(field(&w.refused(|m| m.list_product(&w.seller, bad))), Some("specifications.request_template"));
    let mut empty = fixtures::supervised_saas_draft();
    empty.specifications[0].request_template = Some(Attachment { name: "template.doc".into(), bytes: 0 });
    assert_eq!(field(&w.refused(|m| m.list_product(&w.seller, empty))), Some("specifications.request_template"));
    let mut nul = fixtures::supervised_saas_draft();
    nul.specifications[0].request_template = Some(Attachment { name: "temp\0late.doc".into(), bytes: 10 });
    let err = w.refused(|m| m.list_product(&w.seller, nul));
    assert_eq!(field(&err), Some("draft.specifications.request_template.name"));
    // Listed, the template is part of the product's specification.
    let mut good = fixtures::supervised_saas_draft();
    good.specifications[0].request_template = Some(template());
    let listed = w.market.list_product(&w.seller, good).unwrap();
    assert_eq!(listed.specifications[0].request_template, Some(template()));
}

#[test]
fn sup_3_a_saas_request_needs_an_attachment() {
    let w = world();
    let flow = w.saas();
    let req = ServiceRequest { description: "Set it up".into(), attachments: vec![] };
    let err = w.refused(|m| m.submit_request(&w.buyer, &flow.id, req));
    assert_eq!(field(&err), Some("attachments"));
}

#[test]
fn sup_3_a_description_of_1000_multibyte_characters_is_accepted() {
    let w = world();
    let flow = w.saas();
    let req = ServiceRequest { description: "需".repeat(1000), ..request() };
    assert!(req.description.len() > 1000);
    assert!(w.market.submit_request(&w.buyer, &flow.id, req).is_ok());
}

#[test]
fn sup_3_a_description_of_1001_characters_is_refused() {
    let w = world();
    let flow = w.saas();
    let req = ServiceRequest { description: "a".repeat(1001), ..request() };
    let err = w.refused(|m| m.submit_request(&w.buyer, &flow.id, req));
    assert_eq!(field(&err), Some("request.description"));
}

#[test]
fn sup_3_an_empty_description_is_refused() {
    let w = world();
    let flow = w.professional_service();
    for text in ["", "   "] {
        let req = ServiceRequest { description: text.into(), attachments: vec![] };
        let err = w.refused(|m| m.submit_request(&w.buyer, &flow.id, req));
        assert_eq!(field(&err), Some("description"));
    }
}

#[test]
fn sup_3_an_attachment_of_an_unsupported_format_is_refused() {
    let w = world();
    let flow = w.saas();
    for name in ["setup.exe", "noextension", ".pdf", "notes.txt"] {
        let req = ServiceRequest { attachments: vec![Attachment { name: name.into(), bytes: 10 }], ..request() };
        let err = w.refused(|m| m.submit_request(&w.buyer, &flow.id, req));
        assert_eq!(field(&err), Some("attachment"), "{name}");
    }
}

#[test]
fn sup_3_an_attachment_over_50_mb_is_refused_and_exactly_50_mb_accepted() {
    let w = world();
    let flow = w.saas();
    let max = 50 * 1024 * 1024;
    let over = ServiceRequest { attachments: vec![Attachment { name: "a.ZIP".into(), bytes: max + 1 }], ..request() };
    let err = w.refused(|m| m.submit_request(&w.buyer, &flow.id, over));
    assert_eq!(field(&err), Some("attachment"));
    let exact = ServiceRequest { attachments: vec![Attachment { name: "a.ZIP".into(), bytes: max }], ..request() };
    assert!(w.market.submit_request(&w.buyer, &flow.id, exact).is_ok());
}

#[test]
fn sup_3_a_rejected_request_returns_to_the_customer_with_the_reason() {
    let w = world();
    let flow = w.saas();
    w.submit(&flow);
    let back = w.market.reject_request(&w.seller, &flow.id, "Please attach the logo").unwrap();
    assert_eq!(back.status, FlowStatus::AwaitingRequest);
    assert_eq!(back.request_rejections, 1);
    assert_eq!(back.last_rejection_reason.as_deref(), Some("Please attach the logo"));
}

#[test]
fn sup_3_a_rejected_delivery_returns_to_the_seller_with_the_reason() {
    let w = world();
    let flow = w.professional_service();
    w.to_acceptance(&flow);
    let back = w.market.reject_delivery(&w.buyer, &flow.id, "The site is down").unwrap();
    assert_eq!(back.status, FlowStatus::InService);
    assert_eq!(back.delivery_rejections, 1);
    assert_eq!(back.last_rejection_reason.as_deref(), Some("The site is down"));
}

#[test]
fn sup_3_a_rejection_needs_a_reason() {
    let w = world();
    let flow = w.saas();
    w.submit(&flow);
    let err = w.refused(|m| m.reject_request(&w.seller, &flow.id, " "));
    assert_eq!(field(&err), Some("reason"));
}

#[test]
fn sup_3_another_customer_cannot_submit_a_request() {
    let w = world();
    let flow = w.saas();
    let err = w.refused(|m| m.submit_request(&w.other_customer, &flow.id, request()));
    assert_eq!(err.kind(), "forbidden");
}

#[test]
fn sup_3_another_seller_cannot_accept_or_deliver() {
    let w = world();
    let flow = w.saas();
    w.submit(&flow);
    let err = w.refused(|m| m.accept_request(&w.other_seller, &flow.id));
    assert_eq!(err.kind(), "forbidden");
    let err = w.refused(|m| m.deliver(&w.other_seller, &flow.id, Delivery::default(), None));
    assert_eq!(err.kind(), "forbidden");
}

#[test]
fn sup_3_steps_out_of_order_are_refused_naming_the_rule() {
    let w = world();
    let flow = w.saas();
    let err = w.refused(|m| m.accept_request(&w.seller, &flow.id));
    assert_eq!(err.rule(), Some("SUP-3"));
    let err = w.refused(|m| m.deliver(&w.seller, &flow.id, Delivery::default(), None));
    assert_eq!(err.rule(), Some("SUP-3"));
    let err = w.refused(|m| m.reject_delivery(&w.buyer, &flow.id, "no"));
    assert_eq!(err.rule(), Some("SUP-3"));
    let err = w.refused(|m| m.confirm_acceptance(&w.buyer, &flow.id));
    assert_eq!(err.rule(), Some("SUP-4"));
}

#[test]
fn sup_3_a_saas_delivery_needs_the_application_information() {
    let w = world();
    let flow = w.saas();
    w.submit(&flow);
    w.market.accept_request(&w.seller, &flow.id).unwrap();
    let err = w.refused(|m| m.deliver(&w.seller, &flow.id, Delivery::default(), None));
    assert_eq!(field(&err), Some("application_info"));
    let no_user = Delivery {
        application_info: Some(ApplicationInfo { username: "".into(), ..app_info() }),
        ..Delivery::default()
    };
    let err = w.refused(|m| m.deliver(&w.seller, &flow.id, no_user, None));
    assert_eq!(field(&err), Some("username"));
}

#[test]
fn sup_4_the_order_completes_3_hours_after_acceptance_not_a_second_before() {
    let w = world();
    let flow = w.license();
    w.to_acceptance(&flow);
    w.advance(Duration::days(2));
    w.market.confirm_acceptance(&w.buyer, &flow.id).unwrap();
    assert_eq!(w.order_status(&flow), OrderStatus::Processing);
    w.advance(Duration::hours(3) - Duration::seconds(1));
    w.tick();
    assert_eq!(w.order_status(&flow), OrderStatus::Processing);
    w.advance(Duration::seconds(1));
    w.tick();
    let order = w.order(&flow);
    assert_eq!(order.status, OrderStatus::Completed);
    assert_eq!(order.completed_at, Some(w.clock.instant()));
}

#[test]
fn app_3_the_term_starts_at_acceptance() {
    let w = world();
    let flow = w.license();
    w.to_acceptance(&flow);
    w.advance(Duration::days(10));
    w.market.confirm_acceptance(&w.buyer, &flow.id).unwrap();
    let app = w.app(&flow);
    assert_eq!(app.status, AppStatus::Active);
    assert_eq!(app.term.unwrap().started_at, w.clock.instant());
}

#[test]
fn app_3_the_term_starts_at_the_enabling_time_the_seller_entered() {
    let w = world();
    let flow = w.license();
    w.advance(Duration::days(3));
    let enabled = w.clock.instant() - Duration::days(1);
    let delivery = Delivery { enabling_time: Some(enabled), note: "Key sent by email".into(), ..Delivery::default() };
    w.market.deliver(&w.seller, &flow.id, delivery, None).unwrap();
    w.advance(Duration::days(2));
    w.market.confirm_acceptance(&w.buyer, &flow.id).unwrap();
    assert_eq!(w.app(&flow).term.unwrap().started_at, enabled);
}

#[test]
fn app_3_an_enabling_time_in_the_future_or_before_payment_is_refused() {
    let w = world();
    let flow = w.license();
    w.advance(Duration::days(1));
    for at in [w.clock.instant() + Duration::seconds(1), fixtures::t0() - Duration::seconds(1)] {
        let delivery = Delivery { enabling_time: Some(at), ..Delivery::default() };
        let err = w.refused(|m| m.deliver(&w.seller, &flow.id, delivery, None));
        assert_eq!(field(&err), Some("enabling_time"));
    }
}

#[test]
fn app_4_a_supervised_saas_app_is_listed_only_after_completion_and_its_info_shows_on_the_flow() {
    let w = world();
    let flow = w.saas();
    let listed = |w: &common::World| w.market.apps(&w.buyer, &AppFilter::default(), 1, Some(10)).unwrap().total;
    assert_eq!(listed(&w), 0);
    assert_eq!(w.market.flow_application_info(&w.buyer, &flow.id).unwrap(), None);
    w.to_acceptance(&flow);
    assert_eq!(listed(&w), 0);
    let info = w.market.flow_application_info(&w.buyer, &flow.id).unwrap().unwrap();
    assert_eq!(info.username, "admin");
    assert!(info.has_password);
    w.market.confirm_acceptance(&w.buyer, &flow.id).unwrap();
    assert_eq!(listed(&w), 1);
    assert_eq!(w.app(&flow).info.management_url, "https://crm.example/admin");
}

#[test]
fn app_5_the_delivered_password_goes_to_the_vault_never_into_the_flow_or_events() {
    let w = world();
    let flow = w.saas();
    w.to_acceptance(&flow);
    let json = serde_json::to_string(&w.store.snapshot()).unwrap();
    assert!(!json.contains("S3cret!pass"));
    assert!(w.store.snapshot().apps_with_secrets.contains(&flow.app));
    w.market.confirm_acceptance(&w.buyer, &flow.id).unwrap();
    assert_eq!(w.market.reveal_password(&w.buyer, &flow.app).unwrap().expose(), "S3cret!pass");
}

#[test]
fn sup_5_the_customer_may_remind_the_seller_once_per_24_hours() {
    let w = world();
    let flow = w.license();
    w.market.remind_seller(&w.buyer, &flow.id).unwrap();
    w.advance(Duration::hours(24) - Duration::seconds(1));
    let err = w.refused(|m| m.remind_seller(&w.buyer, &flow.id));
    assert_eq!(err.rule(), Some("SUP-5"));
    w.advance(Duration::seconds(1));
    assert!(w.market.remind_seller(&w.buyer, &flow.id).is_ok());
}

#[test]
fn sup_5_no_reminder_while_the_customer_holds_the_next_step() {
    let w = world();
    let flow = w.saas();
    let err = w.refused(|m| m.remind_seller(&w.buyer, &flow.id));
    assert_eq!(err.rule(), Some("SUP-5"));
    let err = w.refused(|m| m.remind_seller(&w.seller, &flow.id));
    assert_eq!(err.kind(), "forbidden");
}

#[test]
fn sup_6_sensitive_words_earn_warnings_not_a_refusal() {
    let w = world();
    let flow = w.saas();
    let req = ServiceRequest {
        description: "Admin account: boss, Password: hunter2, 密码 123".into(),
        attachments: vec![Attachment { name: "id card scan.png".into(), bytes: 10 }],
    };
    let submitted = w.market.submit_request(&w.buyer, &flow.id, req).unwrap();
    assert_eq!(submitted.flow.status, FlowStatus::RequestSubmitted);
    assert_eq!(submitted.warnings.len(), 2, "{:?}", submitted.warnings);
    assert!(submitted.warnings[0].contains("\"password\"") && submitted.warnings[0].contains("密码"));
    assert!(submitted.warnings[1].contains("id card"));
}

#[test]
fn sup_6_a_plain_request_has_no_warnings() {
    let w = world();
    let flow = w.saas();
    assert!(w.market.submit_request(&w.buyer, &flow.id, request()).unwrap().warnings.is_empty());
}

#[test]
fn sup_7_the_operation_records_hold_every_step_with_its_actor() {
    let w = world();
    let flow = w.saas();
    w.submit(&flow);
    w.market.reject_request(&w.seller, &flow.id, "Need a logo").unwrap();
    w.to_acceptance(&flow);
    w.market.confirm_acceptance(&w.buyer, &flow.id).unwrap();
    let records = w.market.records(&w.seller, &Target::Flow(flow.id.clone()), 0, None).unwrap();
    let steps: Vec<(String, Actor)> = records
        .iter()
        .map(|e| match &e.kind {
            EventKind::Flow(f) => (f.to_string(), e.actor.clone()),
            other => panic!("not a flow event: {other:?}"),
        })
        .collect();
    let texts: Vec<&str> = steps.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(texts.len(), 7, "{texts:?}");
    assert_eq!(texts[2], "Request rejected: Need a logo");
    assert_eq!(steps[2].1, w.seller);
    assert_eq!(steps[6].1, w.buyer);
    assert!(matches!(records[6].kind, EventKind::Flow(FlowEvent::AcceptanceConfirmed)));
    let err = w.market.records(&w.other_customer, &Target::Flow(flow.id.clone()), 0, None).unwrap_err();
    assert_eq!(err.kind(), "forbidden");
}

#[test]
fn sup_8_an_uninvoiced_flow_open_365_days_is_unsubscribed_with_a_full_refund() {
    let w = world();
    let flow = w.license();
    w.advance(Duration::days(365) - Duration::seconds(1));
    w.tick();
    assert_eq!(w.flow(&flow).status, FlowStatus::InService);
    w.advance(Duration::seconds(1));
    w.tick();
    assert_eq!(w.flow(&flow).status, FlowStatus::Closed);
    let order = w.order(&flow);
    assert_eq!(order.status, OrderStatus::Unsubscribed);
    assert_eq!(order.refunded.to_string(), "100.00 USD");
    assert_eq!(w.payments.refunds().len(), 1);
    assert_eq!(w.app(&flow).status, AppStatus::Unsubscribed);
}

#[test]
fn sup_8_an_invoiced_flow_open_365_days_closes_and_the_order_completes() {
    let w = world();
    let flow = w.license();
    w.mark_invoiced(&flow);
    w.advance(Duration::days(365));
    w.tick();
    assert_eq!(w.flow(&flow).status, FlowStatus::Closed);
    let order = w.order(&flow);
    assert_eq!(order.status, OrderStatus::Completed);
    assert!(order.refunded.is_zero());
    assert!(w.payments.refunds().is_empty());
}

#[test]
fn sup_8_a_completed_flow_is_not_closed_later() {
    let w = world();
    let flow = w.license();
    w.to_acceptance(&flow);
    w.market.confirm_acceptance(&w.buyer, &flow.id).unwrap();
    w.advance(Duration::days(400));
    w.tick();
    assert_eq!(w.flow(&flow).status, FlowStatus::Completed);
    assert_eq!(w.order_status(&flow), OrderStatus::Completed);
}

#[test]
fn acc_1_flows_are_listed_for_their_customer_and_seller_only() {
    let w = world();
    let a = w.license();
    let b = w.saas();
    let page = w.market.flows(&w.buyer, &FlowFilter::default(), 1, Some(1)).unwrap();
    assert_eq!((page.total, page.items[0].id.clone()), (2, b.id.clone()));
    assert_eq!(w.market.flows(&w.seller, &FlowFilter::default(), 2, Some(1)).unwrap().items[0].id, a.id);
    let only_license = FlowFilter { kind: Some(FlowKind::License), ..FlowFilter::default() };
    assert_eq!(w.market.flows(&w.seller, &only_license, 1, Some(10)).unwrap().total, 1);
    assert_eq!(w.market.flows(&w.other_customer, &FlowFilter::default(), 1, Some(10)).unwrap().total, 0);
    assert_eq!(w.market.flows(&w.operator, &FlowFilter::default(), 1, Some(10)).unwrap_err().kind(), "forbidden");
    assert_eq!(w.market.flow(&w.other_seller, &a.id).unwrap_err().kind(), "forbidden");
}

#[test]
fn sup_2_available_actions_show_each_party_its_buttons() {
    let w = world();
    let flow = w.license();
    let allowed = |by: &Actor| -> Vec<Action> {
        w.market
            .available_actions(by, &Target::Flow(flow.id.clone()))
            .unwrap()
            .into_iter()
            .filter(|a| a.allowed)
            .map(|a| a.action)
            .collect()
    };
    assert_eq!(allowed(&w.seller), vec![Action::Deliver]);
    assert_eq!(allowed(&w.buyer), vec![Action::RemindSeller]);
    assert!(allowed(&w.operator).is_empty());
    let submit = w
        .market
        .available_actions(&w.buyer, &Target::Flow(flow.id.clone()))
        .unwrap()
        .into_iter()
        .find(|a| a.action == Action::SubmitRequest)
        .unwrap();
    assert_eq!(submit.rule.as_deref(), Some("SUP-2"));
    assert!(w.market.available_actions(&w.other_customer, &Target::Flow(flow.id.clone())).is_err());
}

#[test]
fn sup_6_a_replayed_submission_returns_the_same_warnings_and_changes_nothing() {
    let w = world();
    let flow = w.saas();
    let caller = w.buyer.with_request_id("req-submit-1").unwrap();
    let req = ServiceRequest { description: "root password is 1234".into(), ..request() };
    let first = w.market.submit_request(&caller, &flow.id, req.clone()).unwrap();
    assert_eq!(first.warnings.len(), 1);
    let before = w.store.snapshot();
    let again = w.market.submit_request(&caller, &flow.id, req).unwrap();
    assert_eq!(again, first);
    assert_eq!(w.store.snapshot(), before);
}
