"""Pay-per-use metering (PRC-7) through the package: delete, arrears, usage statement."""

from __future__ import annotations

import datetime as dt

import pytest

import appmarket as am
from conftest import World, license_draft, usd


def hourly_app(w: World, method: am.PaymentMethod = am.PaymentMethod.CreditCard) -> str:
    product = w.market.list_product(
        w.seller,
        am.ProductDraft(
            name="Hourly Analytics",
            category="Analytics",
            delivery=am.DeliveryMethod.Saas,
            specifications=[am.Specification("Hourly", plans=[am.PricePlan(am.BillingMode.PayPerUse, usd("0.30"))])],
        ),
    )
    order = w.market.place_order(w.alice, product=product.id, specification="Hourly", mode=am.BillingMode.PayPerUse)
    assert order.quote.total == usd("0.00") and order.quote.hourly_rate == usd("0.30")
    w.market.accept_terms(w.alice, order.id)
    paid = w.market.pay(w.alice, order.id, method)
    assert paid.app is not None
    return paid.app


def test_prc_7_two_and_a_half_hours_then_deleted_is_three_started_hours(world: World) -> None:
    w = world
    app = hourly_app(w)
    assert w.payments.charges() == []
    w.clock.advance(dt.timedelta(hours=1))
    w.market.tick(am.Actor.system())
    w.clock.advance(dt.timedelta(minutes=90))
    deleted = w.market.delete_app(w.alice, app)
    assert deleted.status == am.AppStatus.Deleted
    statement = w.market.usage_statement(w.seller, app)
    assert (statement.hours, statement.charged, statement.owed) == (3, usd("0.90"), usd("0.00"))
    assert [c.hours for c in statement.cycles] == [1, 1, 1]
    assert all(c.receipt is not None and not c.owed for c in statement.cycles)
    with pytest.raises(am.NotAllowed) as refused:
        w.market.delete_app(w.alice, app)
    assert refused.value.rule == "PRC-7"


def test_prc_7_arrears_and_paying_them(world: World) -> None:
    w = world
    app = hourly_app(w, am.PaymentMethod.Balance)  # no balance: every settlement declines
    w.clock.advance(dt.timedelta(hours=1))
    w.market.tick(am.Actor.system())
    assert w.market.app(w.alice, app).status == am.AppStatus.GracePeriod
    statement = w.market.usage_statement(w.alice, app)
    assert statement.owed == usd("0.30") and statement.cycles[0].declined is not None
    actions = {a.action: a for a in w.market.available_actions(w.alice, am.Target.app(app))}
    assert actions[am.Action.PayArrears].allowed and actions[am.Action.DeleteApp].allowed
    restored = w.market.pay_arrears(w.alice, app, am.PaymentMethod.CreditCard)
    assert restored.status == am.AppStatus.Active
    assert w.market.usage_statement(w.alice, app).owed == usd("0.00")


def test_ord_4_a_resellers_customer_sees_for_reference_only_from_the_first_quote(world: World) -> None:
    w = world
    w.market.register_customer(am.CustomerAccount("dave", bound_card=False, reseller="reseller-9"))
    dave = am.Actor.customer("dave")
    quote = w.market.quote_purchase_for(
        dave, product=w.saas.id, specification="Standard", mode=am.BillingMode.Monthly, quantity=10
    )
    assert quote.for_reference_only and quote.total == usd("230.00")
    mine = w.market.quote_purchase_for(
        w.alice, product=w.saas.id, specification="Standard", mode=am.BillingMode.Monthly, quantity=10
    )
    assert not mine.for_reference_only


def test_img_1_quick_provisioning_bills_the_chosen_mode(world: World) -> None:
    w = world
    request = am.ImageProvisioning(
        specification="Default",
        network=am.Network("vpc-1", "subnet-1"),
        login_password="Secure!Pass9",
        agree_terms=True,
        quick_mode=am.BillingMode.Yearly,
    )
    assert request.quick_mode == am.BillingMode.Yearly
    order = w.market.provision_image(w.alice, w.image.id, request, am.PaymentMethod.CreditCard)
    assert order.mode == am.BillingMode.Yearly and order.quote.total == usd("640.00")
    assert order.amount_paid == usd("640.00")


def test_ren_5_auto_renewal_is_paid_by_the_chosen_method(world: World) -> None:
    w = world
    product = w.market.list_product(w.seller, license_draft())
    order = w.market.place_order(w.alice, product=product.id, specification="Annual License", mode=am.BillingMode.Monthly)
    w.market.accept_terms(w.alice, order.id)
    app = w.market.pay(w.alice, order.id, am.PaymentMethod.CreditCard).app
    assert app is not None
    set_ = w.market.set_auto_renewal(w.alice, app, periods=1, count=0, days_before=7, method=am.PaymentMethod.Balance)
    assert set_.auto_renewal is not None and set_.auto_renewal.method == am.PaymentMethod.Balance
    with pytest.raises(am.InvalidInput):
        w.market.set_auto_renewal(w.alice, app, periods=1, count=0, days_before=7, method=am.PaymentMethod.Online)


def test_prc_7_a_tick_settles_a_bounded_number_per_app_and_records_come_in_pages(world: World) -> None:
    w = world
    app = hourly_app(w)
    w.clock.advance(dt.timedelta(hours=30))
    assert w.market.tick(am.Actor.system()).examined == 1
    assert len(w.market.usage_statement(w.alice, app).cycles) == 24  # max_settlements_per_tick
    assert w.market.tick(am.Actor.system()).examined == 1, "still behind: still due"
    assert w.market.tick(am.Actor.system()).examined == 0
    statement = w.market.usage_statement(w.alice, app)
    assert (statement.hours, statement.charged) == (30, usd("9.00"))
    target = am.Target.app(app)
    everything = w.market.records(w.alice, target)
    first = w.market.records(w.alice, target, limit=10)
    rest = w.market.records(w.alice, target, after=first[-1].seq)
    assert len(first) == 10 and first + rest == everything
    assert w.market.records(w.alice, target, after=everything[-1].seq) == []


def test_inv_1_settled_usage_is_invoiced_by_settled_cycle(world: World) -> None:
    w = world
    app = hourly_app(w)
    order = w.market.app(w.alice, app).order
    with pytest.raises(am.NotAllowed) as nothing:
        w.market.request_invoice(w.alice, order)
    assert nothing.value.rule == "INV-1"
    w.clock.advance(dt.timedelta(hours=3))
    w.market.tick(am.Actor.system())
    invoice = w.market.request_invoice(w.alice, order)
    assert invoice.amount == usd("0.90") and invoice.usage is not None
    usage = invoice.usage
    assert (usage.app, usage.hours, usage.end - usage.start) == (app, 3, dt.timedelta(hours=3))
    assert [(r.first, r.last) for r in usage.settlements] == [(1, 3)]
    standing = w.market.order(w.alice, order).usage_invoices
    assert [(s.invoice, s.issued) for s in standing] == [(invoice.id, False)]
    assert w.market.issue_invoice(am.Actor.operator("ops-1"), invoice.id).amount == usd("0.90")
    assert w.market.order(w.alice, order).invoice_issued
