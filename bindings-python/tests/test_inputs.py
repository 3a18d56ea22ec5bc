"""Bad input from Python raises a typed exception — never a panic, abort or segfault."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import appmarket as am
from conftest import World, saas_draft, usd

TYPED = (am.AppMarketError, TypeError, ValueError, OverflowError, KeyError)


@pytest.mark.parametrize("bad", [1.5, 1.0, True, "1.5", None, [1]])
def test_money_refuses_non_decimal(bad: object) -> None:
    with pytest.raises(TypeError):
        am.Money(bad, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), 10**40, Decimal("1e40")])
def test_money_refuses_non_finite_and_huge(bad: Any) -> None:
    with pytest.raises(ValueError):
        am.Money(bad, "USD")


@pytest.mark.parametrize("code", ["usd", "", "US", "USDX", "€€€", None])
def test_money_refuses_bad_currency(code: Any) -> None:
    with pytest.raises((am.InvalidInput, TypeError)):
        am.Money(Decimal(1), code)


def test_bad_arguments_to_the_facade(world: World) -> None:
    w, m = world, world.market
    p = w.saas.id
    calls: list[tuple[type[BaseException], Callable[[], object]]] = [
        (TypeError, lambda: m.product(123)),  # type: ignore[arg-type]
        (TypeError, lambda: m.product(None)),  # type: ignore[arg-type]
        (am.InvalidInput, lambda: m.product("")),
        (am.InvalidInput, lambda: m.product("x" * 65)),
        (am.InvalidInput, lambda: m.product("bad id")),
        (TypeError, lambda: am.Actor.customer(None)),  # type: ignore[arg-type]
        (am.InvalidInput, lambda: am.Actor.seller("é")),
        (TypeError, lambda: m.saved_list("alice")),  # type: ignore[arg-type]
        (TypeError, lambda: m.quote_purchase(product=p, specification="Standard", mode="monthly")),  # type: ignore[arg-type]
        (TypeError, lambda: m.quote_purchase(product=p, specification="Standard", mode=1)),  # type: ignore[arg-type]
        (TypeError, lambda: m.quote_purchase(product=p, specification="Standard", mode=am.PaymentMethod.CreditCard)),  # type: ignore[arg-type]
        (TypeError, lambda: m.quote_purchase(product=p, specification=None, mode=am.BillingMode.Monthly)),  # type: ignore[arg-type]
        (OverflowError, lambda: m.quote_purchase(product=p, specification="Standard", mode=am.BillingMode.Monthly, quantity=2**32)),
        (OverflowError, lambda: m.quote_purchase(product=p, specification="Standard", mode=am.BillingMode.Monthly, quantity=2**70)),
        (OverflowError, lambda: m.quote_purchase(product=p, specification="Standard", mode=am.BillingMode.Monthly, quantity=-5)),
        (TypeError, lambda: m.quote_purchase(product=p, specification="Standard", mode=am.BillingMode.Monthly, quantity=5.0)),  # type: ignore[arg-type]
        (am.InvalidInput, lambda: m.quote_purchase(product=p, specification="Standard", mode=am.BillingMode.Monthly, quantity=7)),
        (am.InvalidInput, lambda: m.quote_purchase(product=p, specification="Standard", mode=am.BillingMode.Monthly, quantity=5, periods=0)),
        (am.NotAllowed, lambda: m.quote_purchase(product=p, specification="Standard", mode=am.BillingMode.OneTime, quantity=5)),
        (am.InvalidInput, lambda: m.quote_purchase(product=p, specification="", mode=am.BillingMode.Monthly, quantity=5)),
        (am.InvalidInput, lambda: m.quote_purchase(product=p, specification="S" * 100_000, mode=am.BillingMode.Monthly, quantity=5)),
        (OverflowError, lambda: m.events_since(-1)),
        (OverflowError, lambda: m.events_since(2**64)),
        (am.InvalidInput, lambda: m.orders(w.alice, page=0)),
        (am.InvalidInput, lambda: m.orders(w.alice, page_size=101)),
        (OverflowError, lambda: m.apps(w.alice, page=2**33)),
        (am.InvalidInput, lambda: m.search(am.SearchQuery(text="x" * 201))),
        (am.InvalidInput, lambda: m.search(am.SearchQuery(min_price=usd("-1")))),
        (am.InvalidInput, lambda: m.search(am.SearchQuery(min_price=usd("10"), max_price=usd("1")))),
        (am.InvalidInput, lambda: am.SearchQuery(seller="")),
        (TypeError, lambda: am.SearchQuery(sort="newest")),  # type: ignore[arg-type]
        (TypeError, lambda: am.ProductDraft(name="n", category="c", delivery=am.DeliveryMethod.Saas, specifications="x")),  # type: ignore[arg-type]
        (TypeError, lambda: am.ProductDraft(name="n", category="c", delivery=am.DeliveryMethod.Saas, specifications=[], tags="x")),  # type: ignore[arg-type]
        (TypeError, lambda: am.ProductDraft(name=None, category="c", delivery=am.DeliveryMethod.Saas, specifications=[])),  # type: ignore[arg-type]
        (am.InvalidInput, lambda: m.list_product(w.seller, am.ProductDraft(name="n", category="c", delivery=am.DeliveryMethod.Saas, specifications=[]))),
        (am.InvalidInput, lambda: m.list_product(w.seller, am.ProductDraft(name="", category="c", delivery=am.DeliveryMethod.Saas, specifications=saas_draft().specifications))),
        (am.InvalidInput, lambda: m.list_product(w.seller, am.ProductDraft(name="n" * 201, category="c", delivery=am.DeliveryMethod.Saas, specifications=saas_draft().specifications))),
        (am.InvalidInput, lambda: m.list_product(w.seller, am.ProductDraft(name="n", category="c", delivery=am.DeliveryMethod.Saas, specifications=[am.Specification("s", plans=[am.PricePlan(am.BillingMode.Monthly, usd("-1"))])]))),
        (am.InvalidInput, lambda: m.list_product(w.seller, am.ProductDraft(name="n", category="c", delivery=am.DeliveryMethod.Saas, specifications=[am.Specification("s", plans=[am.PricePlan(am.BillingMode.Monthly, usd("0"))])]))),
        (am.InvalidInput, lambda: m.list_product(w.seller, am.ProductDraft(name="n", category="c", delivery=am.DeliveryMethod.Image, specifications=saas_draft().specifications))),
        (OverflowError, lambda: am.QuantityAttribute("n", min=-1, max=5)),
        (TypeError, lambda: am.PricePlan("monthly", usd("1"))),  # type: ignore[arg-type]
        (TypeError, lambda: am.PricePlan(am.BillingMode.Monthly, Decimal("1"))),  # type: ignore[arg-type]
        (TypeError, lambda: am.ManualClock(dt.date(2026, 1, 1))),  # type: ignore[arg-type]
        (TypeError, lambda: am.ManualClock("2026-01-01T00:00:00Z")),  # type: ignore[arg-type]
        (TypeError, lambda: w.clock.advance(5)),  # type: ignore[arg-type]
        (am.InvalidInput, lambda: w.clock.advance(dt.timedelta(days=-1))),
        (am.InvalidInput, lambda: m.accept_terms(w.alice, "ORD-1", request_id="")),
        (am.InvalidInput, lambda: m.accept_terms(w.alice, "ORD-1", request_id="r" * 65)),
        (am.NotFound, lambda: m.accept_terms(w.alice, "ORD-99999999")),
        (am.NotFound, lambda: m.app(w.alice, "APP-99999999")),
        (TypeError, lambda: m.pay(w.alice, "ORD-1", "card")),  # type: ignore[arg-type]
        (TypeError, lambda: w.payments.set_balance("alice", Decimal("1"))),  # type: ignore[arg-type]
        (am.InvalidInput, lambda: w.payments.set_balance("", usd("1"))),
        (am.InvalidInput, lambda: m.register_customer(am.CustomerAccount("carol", reseller=""))),
        (am.InvalidInput, lambda: m.register_customer(am.CustomerAccount("carol", reseller="r" * 65))),
        (TypeError, lambda: am.Marketplace(clock="system")),  # type: ignore[arg-type]
        (TypeError, lambda: am.Marketplace(policy={})),  # type: ignore[arg-type]
        (TypeError, lambda: am.Policy(max_page_size=1.5)),
        (OverflowError, lambda: am.Policy(max_page_size=2**70)),
        (am.InvalidInput, lambda: am.Policy(max_page_size=-1)),
        (am.InvalidInput, lambda: am.Policy(max_page_size="x")),
        (TypeError, lambda: am.Policy.from_dict({1: 2})),  # type: ignore[dict-item]
        (TypeError, lambda: am.Policy(max_page_size=object())),
        (am.InvalidInput, lambda: m.quote_image(w.alice, w.image.id, am.ImageProvisioning(specification="Default", network=am.Network("", ""), login_password="Secure!Pass9", agree_terms=True))),
        (am.InvalidInput, lambda: m.quote_image(w.alice, w.image.id, am.ImageProvisioning(specification="Default", network=am.Network("v", "s"), login_password="short", agree_terms=True))),
        (am.InvalidInput, lambda: m.quote_image(w.alice, w.image.id, am.ImageProvisioning(specification="Default", network=am.Network("v", "s"), login_password="Secure!Pass9", agree_terms=True, customization=am.Customization(mode=am.BillingMode.Monthly, server_name="bad name!", instances=51)))),
        (OverflowError, lambda: am.Customization(mode=am.BillingMode.Monthly, server_name="x", eip_mbit=-1)),
    ]
    for expected, call in calls:
        with pytest.raises(expected):
            call()


def test_failed_commands_change_nothing(world: World) -> None:
    w, m = world, world.market
    before = m.events_since()
    for call in [
        lambda: m.list_product(w.alice, saas_draft()),
        lambda: m.place_order(w.seller, product=w.saas.id, specification="Standard", mode=am.BillingMode.Monthly, quantity=5),
        lambda: m.delist_product(am.Actor.seller("isv-2"), w.saas.id),
    ]:
        with pytest.raises(am.AppMarketError):
            call()  # type: ignore[no-untyped-call]
    assert m.events_since() == before



def test_a_nul_in_a_product_name_is_refused_naming_the_field(world: World) -> None:
    w, m = world, world.market
    before, charges = m.events_since(), w.payments.charges()
    with pytest.raises(am.InvalidInput) as e:
        m.list_product(w.seller, saas_draft(name="Mail\x00Pro"))
    assert e.value.field == "draft.name"
    with pytest.raises(am.InvalidInput) as e:
        m.apps(w.alice, name="\x00")
    assert e.value.field == "filter.name"
    assert m.events_since() == before and w.payments.charges() == charges

ids = st.one_of(st.text(max_size=80), st.from_regex(r"[A-Z]{3}-[0-9]{8}", fullmatch=True))
ints = st.one_of(st.integers(min_value=-(2**80), max_value=2**80), st.integers(min_value=0, max_value=2000))


@settings(max_examples=300, deadline=None)
@given(product=ids, spec=st.text(max_size=30), quantity=ints, periods=ints, cursor=ints, customer=ids)
def test_random_input_never_panics(product: str, spec: str, quantity: int, periods: int, cursor: int, customer: str) -> None:
    m = am.Marketplace()
    for call in [
        lambda: m.quote_purchase(product=product, specification=spec, mode=am.BillingMode.Yearly, quantity=quantity, periods=periods),
        lambda: m.events_since(cursor, limit=quantity),
        lambda: m.save_to_list(am.Actor.customer(customer), product, spec),
        lambda: m.orders(am.Actor.customer(customer), page=quantity, page_size=periods),
        lambda: am.Money(Decimal(quantity) / 7, customer),
    ]:
        try:
            call()  # type: ignore[no-untyped-call]
        except TYPED:
            pass  # a PanicException derives from BaseException and would fail the test
