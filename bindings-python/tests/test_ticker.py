"""The ticker: a thread that runs `tick` when something is due, as a context manager or by hand."""

from __future__ import annotations

import datetime as dt
import queue
import time

import pytest

import appmarket as am
from conftest import World


def wait_for_change(reports: queue.Queue[am.TickReport]) -> am.TickReport:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        report = reports.get(timeout=10)
        if report.changed > 0:
            return report
    raise AssertionError("no tick changed anything")


def test_the_ticker_as_a_context_manager_ticks_what_the_clock_makes_due(world: World) -> None:
    w, m = world, world.market
    unpaid = m.place_order(w.bob, product=w.saas.id, specification="Standard", mode=am.BillingMode.Monthly, quantity=5)
    reports: queue.Queue[am.TickReport] = queue.Queue()
    errors: list[am.AppMarketError] = []
    with m.ticker(on_report=reports.put, on_error=errors.append) as ticker:
        assert ticker.running
        assert reports.get(timeout=10).changed == 0  # the first tick runs at once
        w.clock.advance(dt.timedelta(days=8))  # moving the clock wakes the ticker
        assert wait_for_change(reports).changed == 1
        assert m.order(w.bob, unpaid.id).status == am.OrderStatus.Cancelled  # ORD-3
        started = time.monotonic()
    assert time.monotonic() - started < 1, "stopped within a second"
    assert not ticker.running and errors == []


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_ticker_started_and_stopped_by_hand_survives_a_raising_callback(world: World) -> None:
    w, m = world, world.market
    m.place_order(w.bob, product=w.saas.id, specification="Standard", mode=am.BillingMode.Monthly, quantity=5)
    reports: queue.Queue[am.TickReport] = queue.Queue()
    calls = 0

    def on_report(report: am.TickReport) -> None:
        nonlocal calls
        calls += 1
        reports.put(report)
        if calls == 1:
            raise RuntimeError("a host's bug: written to sys.unraisablehook, the ticker goes on")

    ticker = m.ticker(on_report)
    assert not ticker.running
    ticker.start()
    ticker.start()  # already running: nothing more
    reports.get(timeout=10)
    w.clock.advance(dt.timedelta(days=8))
    wait_for_change(reports)
    ticker.stop()
    ticker.stop()
    assert not ticker.running and repr(ticker) == "Ticker(running=False)"
