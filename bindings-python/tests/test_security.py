"""Security and hardening through the Python package: each class of the Rust tests that crosses
the binding (request ids per actor, host-only commands, typed errors instead of panics)."""

from __future__ import annotations

import json
import pytest

import appmarket as am
from conftest import World, buy, saas_draft


def test_acc_1_a_request_id_is_scoped_to_its_actor(world: World) -> None:
    w, m = world, world.market
    app_id = buy(w, w.alice).app
    assert app_id is not None
    m.provide_application_info(w.seller, app_id, am.ApplicationInfo(username="admin"), "S3cret!pw")
    assert m.reveal_password(w.alice, app_id, request_id="r1") == "S3cret!pw"
    for other in [w.bob, am.Actor.seller("isv-2"), am.Actor.operator("ops")]:
        with pytest.raises(am.Forbidden) as e:
            m.reveal_password(other, app_id, request_id="r1")
        assert "S3cret" not in str(e.value)
    assert m.reveal_password(w.alice, app_id, request_id="r1") == "S3cret!pw"


def test_acc_1_host_level_commands_are_the_hosts_alone(world: World) -> None:
    m = world.market
    command = json.dumps(
        {
            "do": "register_customer",
            "account": {"id": "mallory", "bound_card": True, "credit_enabled": True, "reseller": "x", "level": None},
        }
    )
    for actor in [am.Actor.customer("mallory"), world.alice, world.seller, am.Actor.operator("ops")]:
        with pytest.raises(am.Forbidden):
            m.run_json(actor, command)
    assert json.loads(m.run_json(am.Actor.system(), command))["credit_enabled"] is True
    with pytest.raises(am.InvalidInput):
        m.run_json(world.seller, '{"do": "list_sample_product", "sample": "saas"}')


def test_prc_1_a_price_out_of_range_is_a_typed_error_not_a_panic(world: World) -> None:
    for price in ["10000000000000000000000000000", "1000000000000.01"]:
        with pytest.raises(am.InvalidInput):
            world.market.list_product(world.seller, saas_draft(standard=price))


def test_policy_out_of_range_and_non_objects_are_refused() -> None:
    for text in ["[]", "1", '{"max_monthly_periods": 10000000}', '{"appeal_rejections": 0}']:
        with pytest.raises(am.InvalidInput):
            am.Policy.from_json(text)


def test_gateway_errors_have_their_own_class() -> None:
    assert issubclass(am.GatewayError, am.AppMarketError)



def test_tick_releases_the_gil_so_other_threads_run(world: World) -> None:
    import datetime as dt
    import threading
    import time

    w = world
    # ORD-7 bounds one customer's unpaid orders; this test needs 20,000 of them.
    m = am.Marketplace(policy=am.Policy(max_unpaid_orders_per_customer=20_000), clock=w.clock, payments=w.payments)
    m.register_customer(am.CustomerAccount.with_card("alice"))
    w.saas = m.list_product(w.seller, saas_draft())
    for _ in range(20_000):
        m.place_order(w.alice, product=w.saas.id, specification="Standard", mode=am.BillingMode.Monthly, quantity=10)
    w.clock.advance(dt.timedelta(days=7))
    window: list[float] = []

    def run_tick() -> None:
        window.append(time.perf_counter())
        report = m.tick()
        window.append(time.perf_counter())
        assert report.changed == 20_000

    worker = threading.Thread(target=run_tick)
    beats: list[float] = []
    worker.start()
    while worker.is_alive():
        beats.append(time.perf_counter())
    worker.join()
    start, end = window
    inside = [b for b in beats if start < b < end]
    assert len(inside) > 100, f"only {len(inside)} beats of the main thread during a {end - start:.3f} s tick"
