"""Telemetry: the core's events are `logging` records of the `appmarket.*` loggers, with their
fields as attributes; no password, card number or free text is in any of them."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

import appmarket as am
from conftest import World, buy, quick_image

PASSWORD = "Py#Telemetry-Secret9"
CARD = "4111 1111 1111 1111"


def field(record: logging.LogRecord, name: str) -> object:
    return record.__dict__.get(name)


def test_a_refusal_is_logged_with_its_rule(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="appmarket")
    am.refresh_log_levels()
    m, alice = world.market, world.alice
    order = m.place_order(alice, product=world.saas.id, specification="Standard",
                          mode=am.BillingMode.Monthly, quantity=10)
    m.accept_terms(alice, order.id)
    with pytest.raises(am.NotAllowed):
        m.pay(alice, order.id, am.PaymentMethod.Credit)
    refusals = [r for r in caplog.records if r.name == "appmarket.command" and r.levelno == logging.INFO]
    assert len(refusals) == 1, caplog.records
    refusal = refusals[0]
    assert refusal.getMessage().startswith("command refused command=pay actor=customer")
    assert "rule=ORD-2" in refusal.getMessage()
    assert (field(refusal, "command"), field(refusal, "rule"), field(refusal, "error")) == ("pay", "ORD-2", "not_allowed")
    assert (field(refusal, "target"), field(refusal, "outcome")) == (order.id, "refused")
    # At INFO, the commands that succeeded are not logged (they are DEBUG).
    assert all(r.levelno >= logging.INFO for r in caplog.records)


def test_levels_map_and_no_secret_is_logged(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="appmarket")
    am.refresh_log_levels()
    m, alice = world.market, world.alice
    app = buy(world, alice).app
    assert app is not None
    info = am.ApplicationInfo(username="admin", management_url="https://mail.example/admin")
    with pytest.raises(am.Forbidden):
        m.provide_application_info(am.Actor.seller("mallory"), app, info, PASSWORD)
    m.provide_application_info(world.seller, app, info, PASSWORD)
    assert m.reveal_password(alice, app, request_id="rev-1") == PASSWORD
    # Quick provisioning pays as it creates the servers: the declined charge cancels it.
    world.payments.decline_next("alice", f"card {CARD} expired")
    with pytest.raises(am.PaymentDeclined):
        m.provision_image(alice, world.image.id, quick_image(PASSWORD), am.PaymentMethod.CreditCard)
    world.clock.set(world.clock.now() + dt.timedelta(days=40))
    m.tick()

    ours = [r for r in caplog.records if r.name.startswith("appmarket.")]
    done = [r for r in ours if r.getMessage().startswith("command done")]
    assert done and all(r.levelno == logging.DEBUG and r.name == "appmarket.command" for r in done)
    assert any(field(r, "command") == "reveal_password" for r in done)
    ticks = [r for r in ours if r.name == "appmarket.tick"]
    assert len(ticks) == 1 and ticks[0].levelno == logging.INFO and field(ticks[0], "examined") != "0"
    declined = [r for r in ours if field(r, "error") == "payment_declined"]
    assert len(declined) == 1 and declined[0].levelno == logging.INFO
    for record in caplog.records:
        text = record.getMessage() + repr(record.__dict__)
        assert PASSWORD not in text and CARD not in text, record


def test_a_level_changed_at_run_time_applies_after_refresh(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="appmarket")
    am.refresh_log_levels()
    m, alice = world.market, world.alice
    with pytest.raises(am.NotFound):
        m.accept_terms(alice, "ORD-99999999")
    assert not [r for r in caplog.records if r.name.startswith("appmarket.")]
    caplog.set_level(logging.INFO, logger="appmarket")
    am.refresh_log_levels()
    with pytest.raises(am.NotFound):
        m.accept_terms(alice, "ORD-99999999")
    refused = [r for r in caplog.records if r.name == "appmarket.command"]
    assert len(refused) == 1 and field(refused[0], "error") == "not_found"
