"""Hypothesis: random amounts and dates through the quotes agree with the rules (PRC-1, -3, -5)."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

import appmarket as am
from conftest import saas_draft, usd

ZONE = dt.timezone(dt.timedelta(hours=8))  # the default billing zone
CENT = Decimal("0.01")


def round_money(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)  # half away from zero for x ≥ 0


def remaining_months(change: dt.date, expiry: dt.date) -> Fraction:
    """PRC-5, written independently of the core as the test oracle, as an exact fraction."""
    if expiry <= change:
        return Fraction(0)

    def dim(d: dt.date) -> int:
        return calendar.monthrange(d.year, d.month)[1]

    if (change.year, change.month) == (expiry.year, expiry.month):
        return Fraction(expiry.day - change.day, dim(change))
    first = Fraction(dim(change) - change.day, dim(change))
    between = (expiry.year - change.year) * 12 + expiry.month - change.month - 1
    return first + between + Fraction(expiry.day, dim(expiry))


def round_fraction(x: Fraction) -> Decimal:
    """Rounds an exact amount to cents, half away from zero (x ≥ 0), rounding once (PRC-1)."""
    cents, rest = divmod(x * 100, 1)
    return (Decimal(int(cents) + (1 if rest >= Fraction(1, 2) else 0)) / 100).quantize(CENT)


prices = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999"), places=4)


@settings(max_examples=200, deadline=None)
@given(price=prices, quantity=st.integers(1, 200).map(lambda n: n * 5), periods=st.integers(1, 9))
def test_prc_3_purchase_quote_matches_decimal_formula(price: Decimal, quantity: int, periods: int) -> None:
    m = am.Marketplace()
    p = m.list_product(am.Actor.seller("isv"), saas_draft(standard=str(price)))
    q = m.quote_purchase(
        product=p.id, specification="Standard", mode=am.BillingMode.Monthly, quantity=quantity, periods=periods
    )
    expected = round_money(price * quantity * periods)
    assert q.total == usd(str(expected))
    assert q.total.amount.as_tuple().exponent == -2  # PRC-1: always the currency's scale
    assert q.lines[0].amount.amount == expected


instants = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2027, 12, 31), timezones=st.just(dt.timezone.utc)
)


@settings(max_examples=150, deadline=None)
@given(
    start=instants,
    periods=st.integers(1, 9),
    later=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=250)),
    price=prices,
    before=st.integers(1, 50).map(lambda n: n * 5),
    more=st.integers(1, 50).map(lambda n: n * 5),
)
def test_prc_4_5_upgrade_quote_matches_remaining_months(
    start: dt.datetime, periods: int, later: dt.timedelta, price: Decimal, before: int, more: int
) -> None:
    clock = am.ManualClock(start)
    m = am.Marketplace(clock=clock)
    p = m.list_product(am.Actor.seller("isv"), saas_draft(standard=str(price)))
    m.register_customer(am.CustomerAccount.with_card("alice"))
    alice = am.Actor.customer("alice")
    order = m.place_order(
        alice, product=p.id, specification="Standard", mode=am.BillingMode.Monthly, quantity=before, periods=periods
    )
    m.accept_terms(alice, order.id)
    app_id = m.pay(alice, order.id, am.PaymentMethod.CreditCard).app
    assert app_id is not None
    app = m.app(alice, app_id)
    assert app.expires_at is not None
    change_at = start + later
    if change_at >= app.expires_at:
        return
    clock.set(change_at)
    quote = m.quote_upgrade(alice, app_id, specification="Standard", quantity=before + more)
    change = change_at.astimezone(ZONE).date()
    expiry = app.expires_at.astimezone(ZONE).date()
    months = remaining_months(change, expiry)
    # the core divides with 28 significant digits: agree up to that precision
    core_months = am._appmarket._remaining_months(change, expiry)
    assert abs(Fraction(core_months) - months) < Fraction(1, 10**25)
    # the exact cost, rounded once: an exact half cent (0.225 × 46/30 = 0.345) rounds up
    expected = round_fraction((Fraction(price) * (before + more) - Fraction(price) * before) * months)
    assert quote.total.amount == expected
