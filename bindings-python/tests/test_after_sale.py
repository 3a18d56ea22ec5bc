"""Service supervision, appeals, renewals, unsubscription, invoices and `run_json`, through the package."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

import appmarket as am
from conftest import T0, World, buy, license_draft, professional_service_draft, quick_image, usd

OPS = am.Actor.operator("ops-1")


def service_order(w: World) -> tuple[am.Order, am.ServiceFlow]:
    """A paid one-time professional service (500 USD) and its flow."""
    product = w.market.list_product(w.seller, professional_service_draft())
    order = w.market.place_order(
        w.alice, product=product.id, specification="Basic Migration", mode=am.BillingMode.OneTime
    )
    w.market.accept_terms(w.alice, order.id)
    order = w.market.pay(w.alice, order.id, am.PaymentMethod.CreditCard)
    return order, w.market.flow_of_order(w.alice, order.id)


def refused(kind: type[am.AppMarketError], call: Any) -> Any:
    with pytest.raises(kind) as info:
        call()
    return info.value


# ---------------------------------------------------------------- supervision


def test_a_professional_service_journey_from_request_to_completed_order(world: World) -> None:
    w = world
    order, flow = service_order(w)
    assert order.status == am.OrderStatus.Processing and order.flow == flow.id
    assert (flow.kind, flow.status, flow.next_step_by) == (
        am.FlowKind.ProfessionalService,
        am.FlowStatus.AwaitingRequest,
        am.Party.Customer,
    )
    assert flow.status_text == "Customer submits request" == flow.status.text
    assert flow.kind.text == "Professional service" and flow.status.is_open
    assert (flow.order, flow.customer, flow.seller, flow.product_name) == (
        order.id,
        "alice",
        "isv-1",
        "Website Migration Service",
    )
    assert flow.opened_at == T0 and flow.term_months is None and flow.request is None
    assert flow.closes_at(w.market.policy) == T0 + dt.timedelta(days=365)
    assert flow.appeals_end_at(w.market.policy) < flow.closes_at(w.market.policy)

    request = am.ServiceRequest(
        "Migrate www.example.com (PHP 8, MySQL 8) to the cloud.", [am.Attachment("site-inventory.xlsx", 48_000)]
    )
    submitted = w.market.submit_request(w.alice, flow.id, request)
    assert submitted.warnings == [] and submitted.flow.status == am.FlowStatus.RequestSubmitted
    assert submitted.flow.request == request and request.attachments[0].bytes == 48_000
    w.clock.advance(dt.timedelta(hours=5))
    rejected = w.market.reject_request(w.seller, flow.id, "Please add the database size.")
    assert rejected.status == am.FlowStatus.AwaitingRequest and rejected.request_rejections == 1
    assert rejected.last_rejection_reason == "Please add the database size."

    again = am.ServiceRequest("Migrate www.example.com, 12 GB database; the admin password is in the sheet.")
    submitted = w.market.submit_request(w.alice, flow.id, again)
    assert len(submitted.warnings) == 1 and submitted.warnings[0].startswith("SUP-6")
    reminded = w.market.remind_seller(w.alice, flow.id)
    assert reminded.last_reminder_at == w.clock.now()
    assert refused(am.NotAllowed, lambda: w.market.remind_seller(w.alice, flow.id)).rule == "SUP-5"
    refused(am.Forbidden, lambda: w.market.accept_request(w.alice, flow.id))
    assert w.market.accept_request(w.seller, flow.id).status == am.FlowStatus.InService

    w.clock.advance(dt.timedelta(days=2))
    delivered = w.market.deliver(w.seller, flow.id, am.Delivery(note="Migrated; DNS switched."))
    assert delivered.status == am.FlowStatus.AwaitingAcceptance and delivered.delivered_at == w.clock.now()
    back = w.market.reject_delivery(w.alice, flow.id, "The contact form does not send mail.")
    assert back.status == am.FlowStatus.InService and back.delivery_rejections == 1
    w.clock.advance(dt.timedelta(days=1))
    w.market.deliver(w.seller, flow.id)
    assert w.market.flow_application_info(w.alice, flow.id) is None
    done = w.market.confirm_acceptance(w.alice, flow.id)
    assert done.status == am.FlowStatus.Completed and not done.status.is_open and done.next_step_by is None
    accepted = w.market.order(w.alice, order.id)
    assert accepted.status == am.OrderStatus.Processing and accepted.accepted_at == w.clock.now()

    w.clock.advance(dt.timedelta(hours=3) - dt.timedelta(seconds=1))
    w.market.tick()
    assert w.market.order(w.alice, order.id).status == am.OrderStatus.Processing
    w.clock.advance(dt.timedelta(seconds=1))
    w.market.tick()
    completed = w.market.order(w.alice, order.id)
    assert completed.status == am.OrderStatus.Completed
    assert completed.completed_at == done.accepted_at + dt.timedelta(hours=3)  # type: ignore[operator]

    kinds = [e.kind["event"]["type"] for e in w.market.records(w.alice, am.Target.flow(flow.id))]
    assert kinds[0] == "opened" and kinds[-1] == "acceptance_confirmed" and "request_rejected" in kinds
    assert w.market.flow(w.seller, flow.id) == done == w.market.flow(OPS, flow.id)
    assert w.market.flows(w.alice).total == 1 and len(w.market.flows(w.seller, status=am.FlowStatus.Completed)) == 1
    assert w.market.flows(w.alice, kind=am.FlowKind.Saas).total == 0
    # The filter's kinds: Standard (professional service), SaaS, License and 5G NaaS (SUP-1).
    assert w.market.flows(w.alice, kind=am.FlowKind.FiveGNaas).total == 0
    assert am.FlowKind.FiveGNaas.text == "5G NaaS" and w.market.flows(w.alice, page_size=1).page_size == 1
    assert w.market.flows(w.alice, order=order.id).items == [done]
    refused(am.Forbidden, lambda: w.market.flows(OPS))
    refused(am.Forbidden, lambda: w.market.flow(w.bob, flow.id))
    refused(am.NotFound, lambda: w.market.flow_of_order(w.alice, w.market.orders(w.alice).items[-1].id + "9"))


def test_sup_3_the_flow_shows_the_sellers_request_template(world: World) -> None:
    w = world
    template = am.Attachment("Requirement template.xlsx", 20480)
    spec = am.Specification(
        "Basic Migration", plans=[am.PricePlan(am.BillingMode.OneTime, usd("500"))], request_template=template
    )
    assert spec.request_template == template
    draft = professional_service_draft()
    product = w.market.list_product(
        w.seller,
        am.ProductDraft(
            name=draft.name,
            category=draft.category,
            delivery=draft.delivery,
            involves_supervision=True,
            specifications=[spec],
        ),
    )
    order = w.market.place_order(w.alice, product=product.id, specification="Basic Migration", mode=am.BillingMode.OneTime)
    w.market.accept_terms(w.alice, order.id)
    order = w.market.pay(w.alice, order.id, am.PaymentMethod.CreditCard)
    flow = w.market.flow_of_order(w.alice, order.id)
    assert flow.status == am.FlowStatus.AwaitingRequest and flow.request_template == template
    licence = license_draft()
    with_template = am.ProductDraft(
        name=licence.name,
        category=licence.category,
        delivery=licence.delivery,
        specifications=[am.Specification("Annual License", plans=licence.specifications[0].plans, request_template=template)],
    )
    assert refused(am.InvalidInput, lambda: w.market.list_product(w.seller, with_template)).field == "specifications.request_template"


def test_request_and_delivery_inputs_are_checked_by_the_core(world: World) -> None:
    w = world
    _, flow = service_order(w)
    err = refused(am.InvalidInput, lambda: w.market.submit_request(w.alice, flow.id, am.ServiceRequest("")))
    assert err.field == "description"
    bad = am.ServiceRequest("Migrate my site.", [am.Attachment("virus.exe", 10)])
    assert refused(am.InvalidInput, lambda: w.market.submit_request(w.alice, flow.id, bad)).field == "attachment"
    d = am.Delivery(note="n", enabling_time=T0, application_info=am.ApplicationInfo(username="admin"))
    assert d.enabling_time == T0 and d.application_info is not None and d.application_info.username == "admin"
    with pytest.raises(TypeError):
        am.Delivery(enabling_time=dt.datetime(2026, 4, 15))  # naive: refused
    refused(am.NotAllowed, lambda: w.market.deliver(w.seller, flow.id))
    refused(am.NotAllowed, lambda: w.market.confirm_acceptance(w.alice, flow.id))


# ---------------------------------------------------------------- appeals


def test_an_appeal_closed_with_a_partial_refund(world: World) -> None:
    w = world
    order, flow = service_order(w)
    w.market.submit_request(w.alice, flow.id, am.ServiceRequest("Migrate shop.example.com."))
    w.clock.advance(dt.timedelta(days=5))
    err = refused(am.NotAllowed, lambda: w.market.open_appeal(w.alice, flow.id, "The seller has not answered."))
    assert err.rule == "APL-1"
    w.clock.advance(dt.timedelta(days=1))
    appeal = w.market.open_appeal(w.alice, flow.id, "The seller has not answered for 6 days.")
    assert (appeal.status, appeal.appellant, appeal.grounds) == (
        am.AppealStatus.Open,
        am.Party.Customer,
        am.AppealGrounds.SellerIdle,
    )
    assert appeal.grounds.text == "the seller has not updated the flow"
    assert (appeal.flow, appeal.order, appeal.customer, appeal.seller) == (flow.id, order.id, "alice", "isv-1")
    assert appeal.opened_at == w.clock.now() and appeal.resolution is None and appeal.resolved_by is None
    assert appeal.resolution_due(w.market.policy) > appeal.opened_at
    frozen = w.market.flow(w.alice, flow.id)
    assert (frozen.status, frozen.frozen_from, frozen.appeal) == (
        am.FlowStatus.Frozen,
        am.FlowStatus.RequestSubmitted,
        appeal.id,
    )
    assert frozen.status_text == "Frozen: appeal under review"
    assert refused(am.NotAllowed, lambda: w.market.accept_request(w.seller, flow.id)).rule == "APL-2"
    refund = am.Resolution.close_with_refund(usd("300.00"))
    refused(am.Forbidden, lambda: w.market.resolve_appeal(w.alice, appeal.id, refund))
    refused(am.Forbidden, lambda: w.market.overdue_appeals(w.alice))
    assert w.market.overdue_appeals(OPS) == []

    resolved = w.market.resolve_appeal(OPS, appeal.id, refund)
    assert resolved.status == am.AppealStatus.Resolved and resolved.resolution == refund
    assert resolved.resolved_by == "ops-1" and resolved.resolved_at == w.clock.now()
    assert w.market.appeal(w.seller, appeal.id) == resolved
    assert w.market.flow(w.alice, flow.id).status == am.FlowStatus.Closed
    after = w.market.order(w.alice, order.id)
    assert (after.status, after.refunded) == (am.OrderStatus.Completed, usd("300.00"))
    assert w.payments.refunds()[-1].amount == usd("300.00")
    assert refused(am.NotAllowed, lambda: w.market.resolve_appeal(OPS, appeal.id, refund)).rule


def test_an_overdue_appeal_resumed_by_the_operator(world: World) -> None:
    w = world
    _, flow = service_order(w)
    w.market.submit_request(w.alice, flow.id, am.ServiceRequest("Migrate shop.example.com."))
    w.clock.advance(dt.timedelta(days=6))
    appeal = w.market.open_appeal(w.alice, flow.id, "Silence.")
    w.clock.advance(dt.timedelta(days=30))
    assert [a.id for a in w.market.overdue_appeals(OPS)] == [appeal.id]
    resume = am.Resolution.resume()
    assert (resume.kind, resume.refund) == ("resume", None) and am.Resolution.complete_as_accepted().kind
    assert refund_kind(am.Resolution.close_with_refund(usd("1"))) == ("close_with_refund", usd("1"))
    w.market.resolve_appeal(OPS, appeal.id, resume)
    assert w.market.flow(w.alice, flow.id).status == am.FlowStatus.RequestSubmitted
    assert w.market.overdue_appeals(OPS) == []


def refund_kind(r: am.Resolution) -> tuple[str, am.Money | None]:
    return r.kind, r.refund


# ---------------------------------------------------------------- renewals


def test_a_renewal_with_a_renewal_date(world: World) -> None:
    w = world
    order = buy(w, w.alice)  # 10 licences monthly, 230 USD, expires 2026-05-15
    assert order.app is not None
    app = order.app
    assert w.market.quote_renewal(w.alice, app, 2).total == usd("460.00")
    dated = w.market.quote_renewal(w.alice, app, 1, am.RenewalDay.day_of_month(1))
    assert len(dated.lines) == 2 and dated.lines[1].label.startswith("Renewal date")
    assert refused(am.InvalidInput, lambda: am.RenewalDay.day_of_month(31)).field == "renewal_day"
    assert am.RenewalDay.day_of_month(28).day == 28 and am.RenewalDay.last_day().is_last_day

    renewal = w.market.renew(w.alice, app, 1, am.RenewalDay.last_day())
    assert renewal.status == am.OrderStatus.PendingPayment and renewal.kind["type"] == "renewal"
    assert w.market.app(w.alice, app).pending_order == renewal.id
    assert refused(am.NotAllowed, lambda: w.market.renew(w.alice, app, 1)).rule == "REN-1"
    refused(am.Forbidden, lambda: w.market.renew(w.bob, app, 1))
    w.market.accept_terms(w.alice, renewal.id)
    w.market.pay(w.alice, renewal.id, am.PaymentMethod.CreditCard)
    renewed = w.market.app(w.alice, app)
    assert renewed.term is not None and renewed.term.renewal_day == am.RenewalDay.last_day()
    assert renewed.term.anchor == dt.date(2026, 6, 30) and renewed.pending_order is None
    [record] = renewed.renewals
    assert record.order == renewal.id and record.months == 1 and record.start < record.end
    assert renewed.reminded == []


def test_auto_renewal_is_set_and_disabled(world: World) -> None:
    w = world
    product = w.market.list_product(w.seller, license_draft())
    order = w.market.place_order(w.alice, product=product.id, specification="Annual License", mode=am.BillingMode.Monthly)
    w.market.accept_terms(w.alice, order.id)
    app = w.market.pay(w.alice, order.id, am.PaymentMethod.CreditCard).app
    assert app is not None
    err = refused(am.InvalidInput, lambda: w.market.set_auto_renewal(w.alice, app, periods=1, count=0, days_before=9))
    assert err.field == "days_before"
    set_ = w.market.set_auto_renewal(w.alice, app, periods=2, count=3, days_before=5)
    assert set_.auto_renewal is not None and (set_.auto_renewal.periods, set_.auto_renewal.count) == (2, 3)
    assert w.market.disable_auto_renewal(w.alice, app).auto_renewal is None
    assert buy(w, w.alice).app is not None
    saas_app = w.market.apps(w.alice, delivery=am.DeliveryMethod.Saas).items[0].id
    rule = refused(am.NotAllowed, lambda: w.market.set_auto_renewal(w.alice, saas_app, periods=1, count=0, days_before=3))
    assert rule.rule == "REN-5"


# ---------------------------------------------------------------- unsubscription


def test_an_image_unsubscription_with_its_quote(world: World) -> None:
    w = world
    # Quick provisioning pays as it creates the servers (IMG-1).
    order = w.market.provision_image(w.alice, w.image.id, quick_image(), am.PaymentMethod.CreditCard)
    assert order.app is not None and order.quote.total == usd("64.00")
    app = order.app
    w.clock.advance(dt.timedelta(hours=120))
    quote = w.market.quote_unsubscribe(w.alice, app)
    assert quote.unconditional and not quote.needs_review and quote.quote.total == usd("64.00")
    assert [(p.order, p.refund) for p in quote.parts] == [(order.id, usd("64.00"))]
    assert "UNS-3" in quote.quote.lines[0].label
    done = w.market.unsubscribe(w.alice, app)
    assert (done.status, done.refunded) == (am.OrderStatus.Unsubscribed, usd("64.00"))
    assert done.unconditional_unsubscription_at == w.clock.now()
    assert w.market.app(w.alice, app).status == am.AppStatus.Unsubscribed
    assert refused(am.NotAllowed, lambda: w.market.unsubscribe(w.alice, app)).rule == "UNS-1"
    saas = buy(w, w.alice).app
    assert saas is not None
    assert refused(am.NotAllowed, lambda: w.market.quote_unsubscribe(w.alice, saas)).rule == "UNS-1"


def test_an_unsubscription_above_the_threshold_waits_for_review() -> None:
    clock = am.ManualClock(T0)
    market = am.Marketplace(policy=am.Policy(unsubscribe_review_above=usd("10")), clock=clock)
    from conftest import image_draft

    seller, alice = am.Actor.seller("isv-1"), am.Actor.customer("alice")
    image = market.list_product(seller, image_draft())
    market.register_customer(am.CustomerAccount.with_card("alice"))
    order = market.provision_image(alice, image.id, quick_image(), am.PaymentMethod.CreditCard)
    assert order.app is not None
    assert market.quote_unsubscribe(alice, order.app).needs_review
    pending = market.unsubscribe(alice, order.app)
    assert pending.pending_unsubscription is not None
    assert pending.pending_unsubscription.kind == am.PendingKind.OperatorReview
    assert pending.pending_unsubscription.quote.total == usd("64.00")
    refused(am.Forbidden, lambda: market.review_unsubscription(alice, order.id, approve=True))
    kept = market.review_unsubscription(OPS, order.id, approve=False)
    assert kept.pending_unsubscription is None and kept.status == am.OrderStatus.Completed
    assert refused(am.NotAllowed, lambda: market.review_unsubscription(OPS, order.id, approve=True)).rule == "UNS-5"
    market.unsubscribe(alice, order.app)
    done = market.review_unsubscription(OPS, order.id, approve=True)
    assert (done.status, done.refunded) == (am.OrderStatus.Unsubscribed, usd("64.00"))


def test_a_negotiated_refund_of_a_supervised_order(world: World) -> None:
    w = world
    order, _ = service_order(w)
    asked = w.market.request_refund(w.alice, order.id, usd("100"), "late")
    pending = asked.pending_unsubscription
    assert pending is not None and (pending.kind, pending.reason) == (am.PendingKind.NegotiatedRefund, "late")
    assert pending.parts[0].refund == usd("100.00") and not pending.unconditional
    kept = w.market.resolve_refund_request(w.seller, order.id, approve=False)
    assert kept.pending_unsubscription is None and kept.status == am.OrderStatus.Processing
    refused(am.InvalidInput, lambda: w.market.request_refund(w.alice, order.id, usd("100"), " "))
    w.market.request_refund(w.alice, order.id, usd("100"), "still late")
    refused(am.Forbidden, lambda: w.market.resolve_refund_request(w.alice, order.id, approve=True))
    done = w.market.resolve_refund_request(w.seller, order.id, approve=True)
    assert (done.status, done.refunded) == (am.OrderStatus.Unsubscribed, usd("100.00"))


# ---------------------------------------------------------------- invoices


def test_an_invoice_is_requested_issued_and_returned(world: World) -> None:
    w = world
    order = buy(w, w.alice)
    invoice = w.market.request_invoice(w.alice, order.id)
    assert (invoice.status, invoice.amount, invoice.order, invoice.customer) == (
        am.InvoiceStatus.Requested,
        usd("230.00"),
        order.id,
        "alice",
    )
    assert invoice.requested_at == T0 and invoice.issued_at is None and invoice.returned_at is None
    assert w.market.order(w.alice, order.id).invoice == invoice.id
    assert refused(am.NotAllowed, lambda: w.market.request_invoice(w.alice, order.id)).rule == "INV-1"
    refused(am.Forbidden, lambda: w.market.issue_invoice(w.alice, invoice.id))
    issued = w.market.issue_invoice(OPS, invoice.id)
    assert issued.status == am.InvoiceStatus.Issued and issued.issued_at == T0
    assert w.market.order(w.alice, order.id).invoice_issued
    assert w.market.invoice(w.alice, invoice.id) == issued
    refused(am.Forbidden, lambda: w.market.invoice(w.bob, invoice.id))
    refused(am.NotFound, lambda: w.market.invoice(w.alice, "INV-404"))
    returned = w.market.return_invoice(w.alice, invoice.id)
    assert returned.status == am.InvoiceStatus.Returned and returned.returned_at == T0
    assert not w.market.order(w.alice, order.id).invoice_issued
    assert w.market.request_invoice(w.alice, order.id).id != invoice.id


# ---------------------------------------------------------------- commands as JSON


def test_run_json_dispatches_commands_and_raises_typed_errors(world: World) -> None:
    w = world
    order = buy(w, w.alice)
    got = json.loads(w.market.run_json(w.alice, json.dumps({"do": "order", "order": order.id})))
    assert got["id"] == order.id and got["status"] == "completed" and got["quote"]["total"]["amount"] == "230.00"
    err = refused(am.NotAllowed, lambda: w.market.run_json(w.alice, json.dumps({"do": "pay", "order": order.id})))
    assert err.rule and err.kind == "not_allowed"
    assert refused(am.InvalidInput, lambda: w.market.run_json(w.alice, '{"do": "fly"}')).field == "command"
    refused(am.Forbidden, lambda: w.market.run_json(w.bob, json.dumps({"do": "order", "order": order.id})))
    placed = [
        w.market.run_json(
            w.alice,
            json.dumps(
                {
                    "do": "place_order",
                    "request": {"product": w.saas.id, "specification": "Standard", "mode": "monthly", "quantity": 5, "periods": 1},
                }
            ),
            request_id="rq-1",
        )
        for _ in range(2)
    ]
    assert placed[0] == placed[1] and json.loads(placed[0])["status"] == "pending_payment"
    tick = json.loads(w.market.run_json(am.Actor.system(), '{"do": "tick"}'))
    assert set(tick) == {"examined", "changed", "failed"}


def test_actor_parse_reads_the_scenario_form() -> None:
    assert am.Actor.parse("customer:alice") == am.Actor.customer("alice")
    assert am.Actor.parse("system") == am.Actor.system()
    assert am.Actor.parse("operator:ops-1").role == "operator"
    assert refused(am.InvalidInput, lambda: am.Actor.parse("root:x")).field == "actor"
