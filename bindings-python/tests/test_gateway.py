"""A host payment gateway written in Python (ORD-3): receipts, declines, failures, slowness, retries."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest

import appmarket as am
from conftest import T0, saas_draft, usd


class LedgerGateway:
    """A well-behaved gateway: at most one charge per idempotency key, then scripted trouble."""

    def __init__(self) -> None:
        self.charged: dict[str, am.Receipt] = {}
        self.requests: list[am.ChargeRequest] = []
        self.refunds: list[am.RefundRequest] = []
        self.decline: str | None = None
        self.fail_times = 0
        self.fail_after_charging = False
        self.delay = 0.0
        self.calls = 0

    def charge(self, request: am.ChargeRequest) -> am.Receipt:
        self.calls += 1
        self.requests.append(request)
        if self.delay:
            time.sleep(self.delay)
        if request.idempotency_key in self.charged:
            return self.charged[request.idempotency_key]
        if self.decline is not None:
            raise am.PaymentDeclined(self.decline)
        receipt = am.Receipt(f"TX-{len(self.charged) + 1}", request.amount, request.method)
        if self.fail_times and not self.fail_after_charging:
            self.fail_times -= 1
            raise ConnectionError("payment provider unreachable")
        self.charged[request.idempotency_key] = receipt
        if self.fail_times:
            self.fail_times -= 1
            raise TimeoutError("no answer within 30 s")
        return receipt

    def refund(self, request: am.RefundRequest) -> am.Receipt:
        self.refunds.append(request)
        return am.Receipt(f"RF-{len(self.refunds)}", request.amount, request.method)


def market_with(gateway: Any) -> tuple[am.Marketplace, am.Actor, str]:
    market = am.Marketplace(clock=am.ManualClock(T0), payments=gateway)
    product = market.list_product(am.Actor.seller("isv-1"), saas_draft())
    market.register_customer(am.CustomerAccount.with_card("alice"))
    alice = am.Actor.customer("alice")
    order = market.place_order(alice, product=product.id, specification="Standard",
                               mode=am.BillingMode.Monthly, quantity=10)
    market.accept_terms(alice, order.id)
    return market, alice, order.id


def test_ord_3_a_host_gateway_charges_with_typed_request_and_the_idempotency_key() -> None:
    gateway = LedgerGateway()
    assert isinstance(gateway, am.PaymentGateway)
    market, alice, order = market_with(gateway)
    paid = market.pay(alice, order, am.PaymentMethod.CreditCard)
    assert paid.status == am.OrderStatus.Completed
    assert paid.payment is not None and paid.payment.receipt == "TX-1"
    (request,) = gateway.requests
    assert request.customer == "alice"
    assert request.method == am.PaymentMethod.CreditCard
    assert request.amount == usd("230.00")
    assert order in request.idempotency_key


def test_ord_3_a_declined_charge_cancels_the_order_with_the_reason() -> None:
    gateway = LedgerGateway()
    gateway.decline = "card expired"
    market, alice, order = market_with(gateway)
    with pytest.raises(am.PaymentDeclined) as refused:
        market.pay(alice, order, am.PaymentMethod.CreditCard)
    assert refused.value.reason == "card expired"
    cancelled = market.order(alice, order)
    assert cancelled.status == am.OrderStatus.Cancelled
    assert cancelled.cancel_reason is not None and "card expired" in cancelled.cancel_reason


def test_ord_3_a_gateway_raising_on_every_call_gives_a_gateway_error_and_changes_nothing() -> None:
    gateway = LedgerGateway()
    gateway.fail_times = 1_000_000
    market, alice, order = market_with(gateway)
    records = market.records(alice, am.Target.order(order))
    for _ in range(3):
        with pytest.raises(am.GatewayError) as failed:
            market.pay(alice, order, am.PaymentMethod.CreditCard, request_id="pay-1")
        assert failed.value.kind == "gateway"
        assert "ConnectionError" in failed.value.reason and "unreachable" in failed.value.reason
        assert market.order(alice, order).status == am.OrderStatus.PendingPayment
        assert market.records(alice, am.Target.order(order)) == records
    assert gateway.charged == {}
    assert gateway.calls == 3


def test_ord_3_a_retry_after_a_timeout_that_charged_charges_once() -> None:
    gateway = LedgerGateway()
    gateway.fail_times, gateway.fail_after_charging = 1, True
    market, alice, order = market_with(gateway)
    with pytest.raises(am.GatewayError, match="TimeoutError"):
        market.pay(alice, order, am.PaymentMethod.CreditCard, request_id="pay-1")
    assert len(gateway.charged) == 1  # the provider took the money, the answer was lost
    paid = market.pay(alice, order, am.PaymentMethod.CreditCard, request_id="pay-1")
    assert paid.status == am.OrderStatus.Completed
    assert len(gateway.charged) == 1
    assert gateway.requests[0].idempotency_key == gateway.requests[1].idempotency_key
    # The replay of the request id returns the first result without calling the gateway.
    assert market.pay(alice, order, am.PaymentMethod.CreditCard, request_id="pay-1") == paid
    assert gateway.calls == 2


def test_ord_3_a_slow_gateway_blocks_only_its_own_call() -> None:
    gateway = LedgerGateway()
    gateway.delay = 0.5
    market, alice, order = market_with(gateway)
    result: list[am.Order] = []
    payer = threading.Thread(target=lambda: result.append(market.pay(alice, order, am.PaymentMethod.CreditCard)))
    started = time.monotonic()
    payer.start()
    time.sleep(0.05)
    # While the gateway sleeps (GIL released by pay, retaken for the call), other Python code
    # and other marketplace calls run.
    assert market.order(alice, order).status == am.OrderStatus.PendingPayment
    assert time.monotonic() - started < 0.4
    payer.join()
    assert result[0].status == am.OrderStatus.Completed


def test_ord_3_a_slow_gateway_that_times_out_is_a_failure_and_the_retry_pays() -> None:
    class TimingOut(LedgerGateway):
        def charge(self, request: am.ChargeRequest) -> am.Receipt:
            if self.calls == 0:
                self.calls += 1
                time.sleep(0.2)
                raise TimeoutError("gave up after 0.2 s")
            return super().charge(request)

    gateway = TimingOut()
    market, alice, order = market_with(gateway)
    with pytest.raises(am.GatewayError, match="gave up"):
        market.pay(alice, order, am.PaymentMethod.CreditCard)
    assert market.pay(alice, order, am.PaymentMethod.CreditCard).status == am.OrderStatus.Completed
    assert len(gateway.charged) == 1


def test_a_gateway_returning_something_else_than_a_receipt_is_a_failure() -> None:
    class Sloppy:
        def charge(self, request: am.ChargeRequest) -> object:
            return {"id": "TX-1"}

        def refund(self, request: am.RefundRequest) -> object:
            return None

    market, alice, order = market_with(Sloppy())
    with pytest.raises(am.GatewayError, match="not a Receipt"):
        market.pay(alice, order, am.PaymentMethod.CreditCard)
    assert market.order(alice, order).status == am.OrderStatus.PendingPayment


def test_an_object_without_charge_and_refund_is_refused() -> None:
    with pytest.raises(TypeError, match="refund"):
        am.Marketplace(payments=type("Half", (), {"charge": lambda self, r: None})())


class InterruptingGateway(LedgerGateway):
    """A gateway during whose charge the host is stopped (Ctrl-C, sys.exit)."""

    def __init__(self, stop: type[BaseException]) -> None:
        super().__init__()
        self.stop = stop

    def charge(self, request: am.ChargeRequest) -> am.Receipt:
        self.calls += 1
        raise self.stop()


@pytest.mark.parametrize("stop", [KeyboardInterrupt, SystemExit])
def test_ord_3_ctrl_c_or_exit_inside_a_gateway_reaches_the_host_and_records_nothing(
        stop: type[BaseException]) -> None:
    gateway = InterruptingGateway(stop)
    market, alice, order = market_with(gateway)
    events = market.events_since(0, 1000)
    with pytest.raises(stop):
        market.pay(alice, order, am.PaymentMethod.CreditCard, request_id="pay-1")
    assert market.order(alice, order).status == am.OrderStatus.PendingPayment
    assert market.events_since(0, 1000) == events
    # Nothing was remembered under the request id: the host may try again.
    gateway.stop = KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        market.pay(alice, order, am.PaymentMethod.CreditCard, request_id="pay-1")
    assert gateway.calls == 2


def test_prc_7_ctrl_c_inside_a_gateway_during_tick_reaches_the_host_and_records_nothing() -> None:
    gateway = InterruptingGateway(KeyboardInterrupt)
    clock = am.ManualClock(T0)
    market = am.Marketplace(clock=clock, payments=gateway)
    market.register_customer(am.CustomerAccount.with_card("alice"))
    alice = am.Actor.customer("alice")
    product = market.list_product(
        am.Actor.seller("isv-1"),
        am.ProductDraft(
            name="Hourly Analytics",
            category="Analytics",
            delivery=am.DeliveryMethod.Saas,
            specifications=[am.Specification("Hourly", plans=[am.PricePlan(am.BillingMode.PayPerUse, usd("0.30"))])],
        ),
    )
    order = market.place_order(alice, product=product.id, specification="Hourly", mode=am.BillingMode.PayPerUse)
    market.accept_terms(alice, order.id)
    market.pay(alice, order.id, am.PaymentMethod.CreditCard)  # pay-per-use: nothing charged up front
    clock.advance(dt.timedelta(hours=2))
    events = market.events_since(0, 1000)
    with pytest.raises(KeyboardInterrupt):
        market.tick(am.Actor.system())
    assert market.events_since(0, 1000) == events
    assert gateway.calls == 1, "the interrupted tick asks the gateway nothing more"
