"""The professional-service journey from Python, against the same journey in Rust, in one run.

The journey (as in benches/journey.rs): place, accept terms, pay, submit a request, reject it,
submit again, accept it, deliver, reject the delivery, deliver again, confirm acceptance, then
`tick` 3 hours later completes the order (SUP-4).

Run: .venv/bin/python benches/python_journey.py [journeys]
It first runs the Rust side (`cargo run --release -p appmarket-python --example rust_journey`),
then the Python side, both timed in CPU seconds, and prints the ratio.
Target: Python runs at >= 2/3 of the Rust rate measured in the same run.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from decimal import Decimal

import appmarket as am


def rust_rate(n: int) -> float:
    out = subprocess.run(
        ["cargo", "run", "--release", "--locked", "-q", "-p", "appmarket-python", "--example", "rust_journey", str(n)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def python_rate(n: int) -> float:
    clock = am.ManualClock(dt.datetime(2026, 4, 15, 2, 0, tzinfo=dt.timezone.utc))
    market = am.Marketplace(clock=clock)
    seller = am.Actor.seller("isv-bench")
    product = market.list_product(
        seller,
        am.ProductDraft(
            name="Website Migration Service",
            category="Professional Services",
            delivery=am.DeliveryMethod.ProfessionalService,
            involves_supervision=True,
            specifications=[
                am.Specification(
                    "Basic Migration", plans=[am.PricePlan(am.BillingMode.OneTime, am.Money(Decimal(500), "USD"))]
                )
            ],
        ),
    )
    market.register_customer(am.CustomerAccount.with_card("alice"))
    alice = am.Actor.customer("alice")
    request = am.ServiceRequest("Move the shop to the new cloud.", [am.Attachment("plan.pdf", 1024)])
    one_time, card, three_hours = am.BillingMode.OneTime, am.PaymentMethod.CreditCard, dt.timedelta(hours=3)
    start = time.process_time()
    for _ in range(n):
        order = market.place_order(alice, product=product.id, specification="Basic Migration", mode=one_time)
        market.accept_terms(alice, order.id)
        flow = market.pay(alice, order.id, card).flow
        assert flow is not None
        market.submit_request(alice, flow, request)
        market.reject_request(seller, flow, "Which shop?")
        market.submit_request(alice, flow, request)
        market.accept_request(seller, flow)
        market.deliver(seller, flow, am.Delivery())
        market.reject_delivery(alice, flow, "Images missing")
        market.deliver(seller, flow, am.Delivery())
        market.confirm_acceptance(alice, flow)
        clock.advance(three_hours)
        market.tick()
    return n / max(time.process_time() - start, 1e-9)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    rust = rust_rate(n)
    python = python_rate(n)
    print(f"rust   journey: {rust:10.0f} journeys per CPU second")
    print(f"python journey: {python:10.0f} journeys per CPU second")
    print(f"python / rust:  {python / rust:10.2f}   (target >= 0.67)")


if __name__ == "__main__":
    main()
