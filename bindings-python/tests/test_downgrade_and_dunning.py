"""Downgrade at renewal (PRC-8) and dunning as data (REN-7) through the package."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import appmarket as am
from conftest import T0, World, saas_draft, usd


def world_with(policy: am.Policy) -> World:
    clock = am.ManualClock(T0)
    payments = am.SimulatedPayments()
    market = am.Marketplace(policy=policy, clock=clock, payments=payments)
    seller = am.Actor.seller("isv-1")
    saas = market.list_product(seller, saas_draft())
    market.register_customer(am.CustomerAccount.with_card("alice"))
    market.register_customer(am.CustomerAccount("bob", bound_card=True))
    alice, bob = am.Actor.customer("alice"), am.Actor.customer("bob")
    return World(market, clock, payments, seller, alice, bob, saas, saas)


def bought(w: World) -> str:
    order = w.market.place_order(
        w.alice, product=w.saas.id, specification="Standard", mode=am.BillingMode.Monthly, quantity=10
    )
    w.market.accept_terms(w.alice, order.id)
    app = w.market.pay(w.alice, order.id, am.PaymentMethod.CreditCard).app
    assert app is not None
    return app


def actions(w: World, app: str) -> dict[am.Action, am.Availability]:
    return {a.action: a for a in w.market.available_actions(w.alice, am.Target.app(app))}


def test_prc_8_refused_by_default_and_state_unchanged(world: World) -> None:
    w = world
    app = bought(w)
    before = w.market.app(w.alice, app)
    listed = actions(w, app)[am.Action.ScheduleDowngrade]
    with pytest.raises(am.NotAllowed) as refused:
        w.market.schedule_downgrade(w.alice, app, specification="Standard", quantity=5)
    assert refused.value.rule == "PRC-8" == listed.rule and not listed.allowed
    with pytest.raises(am.NotAllowed) as upgrade:
        w.market.order_upgrade(w.alice, app, specification="Standard", quantity=5)
    assert upgrade.value.rule == "PRC-4"
    assert w.market.app(w.alice, app) == before


def test_prc_8_downgrade_scheduled_renewed_and_applied_by_tick() -> None:
    w = world_with(am.Policy(downgrade_at_renewal=True))
    app = bought(w)
    assert actions(w, app)[am.Action.ScheduleDowngrade].allowed
    scheduled = w.market.schedule_downgrade(w.alice, app, specification="Standard", quantity=5)
    d = scheduled.scheduled_downgrade
    assert d is not None and (d.specification, d.quantity, d.renewal_order) == ("Standard", 5, None)
    assert d.effective_at == scheduled.expires_at
    assert scheduled.quantity == 10
    upgrade = actions(w, app)[am.Action.Upgrade]
    assert (upgrade.allowed, upgrade.rule) == (False, "PRC-8")
    assert w.market.quote_renewal(w.alice, app, 1).total == usd("115.00")
    # A second schedule replaces the first; cancelling drops it.
    replaced = w.market.schedule_downgrade(w.alice, app, specification="Premium", quantity=5)
    assert replaced.scheduled_downgrade is not None and replaced.scheduled_downgrade.specification == "Premium"
    assert w.market.cancel_scheduled_downgrade(w.alice, app).scheduled_downgrade is None
    with pytest.raises(am.NotAllowed) as refused:
        w.market.cancel_scheduled_downgrade(w.alice, app)
    assert refused.value.rule == "PRC-8" == actions(w, app)[am.Action.CancelScheduledDowngrade].rule
    with pytest.raises(am.NotAllowed) as not_cheaper:
        w.market.schedule_downgrade(w.alice, app, specification="Premium", quantity=10)
    assert not_cheaper.value.rule == "PRC-8"
    with pytest.raises(am.Forbidden):
        w.market.schedule_downgrade(w.bob, app, specification="Standard", quantity=5)
    # Scheduled again, then the term ends: tick applies it.
    w.market.schedule_downgrade(w.alice, app, specification="Standard", quantity=5)
    w.clock.set(dt.datetime(2026, 5, 15, 16, 0, tzinfo=dt.timezone.utc))
    w.market.tick(am.Actor.system())
    after = w.market.app(w.alice, app)
    assert (after.quantity, after.status, after.scheduled_downgrade) == (5, am.AppStatus.GracePeriod, None)


def test_ren_7_retry_schedule_from_the_policy_and_declines_are_events() -> None:
    policy = am.Policy(auto_renewal_delivery_methods=["saas"], auto_renewal_retries=[{"hours": 6}])
    assert policy["auto_renewal_retries"] == [{"hours": 6}]
    with pytest.raises(am.InvalidInput):
        am.Policy(auto_renewal_retries=[])
    w = world_with(policy)
    app = bought(w)
    w.market.set_auto_renewal(w.alice, app, periods=1, count=0, days_before=0)
    w.payments.decline_next("alice", "card expired")
    w.clock.set(dt.datetime(2026, 5, 14, 19, 0, tzinfo=dt.timezone.utc))
    w.market.tick(am.Actor.system())
    kinds = [e.kind.get("event", {}) for e in w.market.events_since(0, 1000)]
    declined = [k for k in kinds if k.get("type") == "charge_declined"]
    assert len(declined) == 1
    assert declined[0]["charge"] == {"charge": "auto_renewal"}
    assert declined[0]["attempt"] == 1 and declined[0]["reason"] == "card expired"
    assert declined[0]["next_attempt_at"] == "2026-05-15T01:00:00Z"
    assert json.loads(w.market.events_since(0, 1000)[-1].kind_json)["area"] == "app"
    settings = w.market.app(w.alice, app).auto_renewal
    assert settings is not None
    assert (settings.declined, settings.retry_at) == (1, dt.datetime(2026, 5, 15, 1, 0, tzinfo=dt.timezone.utc))
    # Paid on the retry six hours later.
    w.clock.set(dt.datetime(2026, 5, 15, 1, 0, tzinfo=dt.timezone.utc))
    w.market.tick(am.Actor.system())
    renewed = w.market.app(w.alice, app).auto_renewal
    assert renewed is not None and (renewed.declined, renewed.retry_at) == (0, None)
    assert w.market.app(w.alice, app).expires_at == dt.datetime(2026, 6, 15, 15, 59, 59, tzinfo=dt.timezone.utc)
