"""The preview of upcoming charges (UPC-1..3) through the package: the typed method, its page
and items, and its refusals."""

from __future__ import annotations

import datetime as dt

import pytest

import appmarket as am
from conftest import T0, World, license_draft, usd


def licence_with_auto_renewal(w: World) -> tuple[str, str]:
    licence = w.market.list_product(w.seller, license_draft())
    order = w.market.place_order(w.alice, product=licence.id, specification="Annual License", mode=am.BillingMode.Monthly)
    w.market.accept_terms(w.alice, order.id)
    paid = w.market.pay(w.alice, order.id, am.PaymentMethod.CreditCard)
    assert paid.app is not None and paid.flow is not None
    w.market.deliver(w.seller, paid.flow, am.Delivery())
    w.market.confirm_acceptance(w.alice, paid.flow)
    w.market.set_auto_renewal(w.alice, paid.app, periods=1, count=0, days_before=7)
    return order.id, paid.app


def test_upc_1_the_charge_is_previewed_and_nothing_changes(world: World) -> None:
    w = world
    order, app = licence_with_auto_renewal(w)
    before = w.market.app(w.alice, app)
    page = w.market.upcoming(w.alice, T0 + dt.timedelta(days=25))
    assert isinstance(page, am.UpcomingPage) and (page.total, len(page)) == (1, 1)
    preview = page.items[0]
    assert (preview.customer, preview.start) == ("alice", T0)
    kinds = [(i.at, i.kind) for i in preview.items]
    assert kinds == [
        (T0 + dt.timedelta(hours=3), am.UpcomingKind.OrderCompleted),
        (dt.datetime(2026, 5, 7, 16, tzinfo=dt.timezone.utc), am.UpcomingKind.ExpiryReminder),
        (dt.datetime(2026, 5, 7, 19, tzinfo=dt.timezone.utc), am.UpcomingKind.AutoRenewalCharge),
    ]
    charge = preview.items[2]
    assert (charge.app, charge.amount, charge.method, charge.attempt) == (
        app,
        usd("100.00"),
        am.PaymentMethod.CreditCard,
        1,
    )
    assert charge.target == am.Target.app(app)
    assert charge.expires_at == dt.datetime(2026, 6, 15, 15, 59, 59, tzinfo=dt.timezone.utc)
    assert preview.items[0].target == am.Target.order(order)
    assert w.market.app(w.alice, app) == before


def test_upc_2_and_3_who_may_see_it_and_how_far(world: World) -> None:
    w = world
    licence_with_auto_renewal(w)
    until = T0 + dt.timedelta(days=25)
    with pytest.raises(am.Forbidden):
        w.market.upcoming(w.seller, until)
    with pytest.raises(am.Forbidden):
        w.market.upcoming(w.bob, until, customer="alice")
    operator = am.Actor.operator("ops")
    every = w.market.upcoming(operator, until, page_size=5)
    assert [u.customer for u in every.items] == ["alice"] and every.page_size == 5
    assert w.market.upcoming(operator, until, customer="alice").items == w.market.upcoming(w.alice, until).items
    with pytest.raises(am.InvalidInput) as back:
        w.market.upcoming(w.alice, T0 - dt.timedelta(seconds=1))
    assert back.value.field == "until"
    with pytest.raises(am.InvalidInput):
        w.market.upcoming(w.alice, T0 + dt.timedelta(days=367))
