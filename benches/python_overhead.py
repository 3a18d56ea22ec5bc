"""Per-call cost of the facade through Python, to compare with the same calls in Rust.

Run: .venv/bin/python benches/python_overhead.py
Rust side: cargo run --release -p appmarket-python --example rust_timing
Target: binding overhead (Python − Rust) ≤ 2 µs per call.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import appmarket as am


def setup() -> tuple[am.Marketplace, am.Actor, str]:
    clock = am.ManualClock(dt.datetime(2026, 4, 15, 2, 0, tzinfo=dt.timezone.utc))
    market = am.Marketplace(clock=clock)
    licences = am.QuantityAttribute("Number of Licenses", min=5, max=1000, step=5)
    product = market.list_product(
        am.Actor.seller("isv-1"),
        am.ProductDraft(
            name="Coremail Pro Email Hosting",
            category="Collaboration",
            delivery=am.DeliveryMethod.Saas,
            specifications=[
                am.Specification(
                    "Standard",
                    quantity=licences,
                    plans=[am.PricePlan(am.BillingMode.Monthly, am.Money(Decimal(23), "USD"), per_unit=True)],
                )
            ],
        ),
    )
    market.register_customer(am.CustomerAccount.with_card("alice"))
    return market, am.Actor.customer("alice"), product.id


def per_call(n: int, f: object) -> float:
    assert callable(f)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(n):
            f()
        best = min(best, (time.perf_counter() - start) / n * 1e6)
    return best


def main() -> None:
    market, alice, pid = setup()
    monthly = am.BillingMode.Monthly
    card = am.PaymentMethod.CreditCard

    def quote() -> None:
        market.quote_purchase(product=pid, specification="Standard", mode=monthly, quantity=10)

    def purchase() -> None:
        order = market.place_order(alice, product=pid, specification="Standard", mode=monthly, quantity=10)
        market.accept_terms(alice, order.id)
        market.pay(alice, order.id, card)

    def noop() -> None:
        market.now()

    print(f"python now() (binding floor):         {per_call(200_000, noop):8.2f} µs/call")
    print(f"python quote_purchase:                {per_call(100_000, quote):8.2f} µs/call")
    print(f"python place+accept+pay (3 calls):    {per_call(10_000, purchase):8.2f} µs/purchase")


if __name__ == "__main__":
    main()
