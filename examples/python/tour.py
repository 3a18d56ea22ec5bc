"""A tour of appmarket from Python, mirroring examples/tour.rs.

A customer finds a SaaS product by search, saves it, buys 10 licences monthly, pays, sees it
among purchased apps, upgrades to 20 licences mid-month (printing the itemised upgrade quote),
buys an image by quick provisioning, and the clock runs a month on with `tick`. Then, as in the
Rust tour, a professional service goes through service supervision (request, rejection, request
again, delivery, rejection, delivery, acceptance, completion 3 hours later), and a second one ends
in an appeal the operator closes with a partial refund.

It keeps everything in a SQLite file, ``target/tour-python.db`` (under ``CARGO_TARGET_DIR`` when
set), and starts from a fresh file at every run.

Run: .venv/bin/python examples/python/tour.py
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib
from decimal import Decimal

import appmarket as am


def usd(amount: str) -> am.Money:
    return am.Money(Decimal(amount), "USD")


def show(quote: am.Quote) -> None:
    for line in quote.lines:
        print(f"    {line.label:<55} {line.quantity:>4} × {line.unit_price} × {line.periods:.4f} = {line.amount}")
    print(f"    {'total':<55} {quote.total}")


def fresh_store(name: str) -> am.SqliteStore:
    """A SQLite store in a fresh file under the target directory (an earlier one is removed)."""
    root = pathlib.Path(__file__).resolve().parents[2]
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", root / "target"))
    target.mkdir(parents=True, exist_ok=True)
    path = target / name
    for suffix in ("", "-wal", "-shm"):
        pathlib.Path(f"{path}{suffix}").unlink(missing_ok=True)
    return am.SqliteStore(path)


def main() -> None:
    clock = am.ManualClock(dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.timezone.utc))
    payments = am.SimulatedPayments()
    store = fresh_store("tour-python.db")
    print(f"(store: the SQLite file {store.path}, started fresh)")
    market = am.Marketplace(policy=am.Policy(), clock=clock, payments=payments, store=store)

    seller = am.Actor.seller("isv-1")
    licences = am.QuantityAttribute("Number of Licenses", min=5, max=1000, step=5)
    market.list_product(
        seller,
        am.ProductDraft(
            name="Coremail Pro Email Hosting",
            category="Collaboration",
            delivery=am.DeliveryMethod.Saas,
            tags=["email", "hosting"],
            description="Enterprise email hosting with anti-spam and archiving.",
            support=am.SupportRange(email="support@isv.example", phone="+86 10 0000 0000"),
            specifications=[
                am.Specification(
                    "Standard",
                    quantity=licences,
                    plans=[am.PricePlan(am.BillingMode.Monthly, usd("23"), per_unit=True)],
                )
            ],
        ),
    )
    image = market.list_product(
        seller,
        am.ProductDraft(
            name="LAMP Stack Image",
            category="Developer Tools",
            delivery=am.DeliveryMethod.Image,
            specifications=[am.Specification("Default", plans=[am.PricePlan(am.BillingMode.Monthly, usd("10"))])],
            image=am.ImageResources(
                flavour="s6.large.2",
                system_disk_gb=40,
                recommended_security_group="sg-web",
                plans=[
                    am.ResourcePlan(
                        am.BillingMode.Monthly, flavour=usd("50"), disk_per_gb=usd("0.1"), eip_per_mbit=usd("2")
                    )
                ],
            ),
        ),
    )

    market.register_customer(am.CustomerAccount.with_card("alice"))
    alice = am.Actor.customer("alice")

    found = market.search(am.SearchQuery(text="email hosting"))
    product = found.items[0]
    print(f"1. search 'email hosting': {found.total} found: {product.name} ({product.id})")

    saved = market.save_to_list(alice, product.id, "Standard")
    print(f"2. saved list: {[item.product for item in saved.items]}")

    order = market.buy_from_list(alice, product=product.id, mode=am.BillingMode.Monthly, quantity=10)
    print(f"3. order {order.id}: 10 licences monthly, {order.status}")
    show(order.quote)
    market.accept_terms(alice, order.id)
    paid = market.pay(alice, order.id, am.PaymentMethod.CreditCard, request_id="pay-first-order")
    print(f"4. paid {paid.amount_paid}: {paid.status}")

    apps = market.apps(alice)
    app = apps.items[0]
    print(f"5. purchased apps: {[(a.product_name, a.quantity, str(a.expires_at)) for a in apps.items]}")

    clock.set(dt.datetime(2026, 4, 15, 2, 0, tzinfo=dt.timezone.utc))
    quote = market.quote_upgrade(alice, app.id, specification="Standard", quantity=20)
    print("6. upgrade to 20 licences on 15 April, itemised:")
    show(quote)
    upgrade = market.order_upgrade(alice, app.id, specification="Standard", quantity=20)
    market.accept_terms(alice, upgrade.id)
    market.pay(alice, upgrade.id, am.PaymentMethod.CreditCard)
    print(f"   now {market.app(alice, app.id).quantity} licences, expiry unchanged")

    request = am.ImageProvisioning(
        specification="Default",
        network=am.Network("vpc-default", "subnet-default"),
        login_password="Secure!Pass9",
        agree_terms=True,
    )
    print("7. quick provisioning of the LAMP image, paid as the servers are created:")
    show(market.quote_image(alice, image.id, request))
    market.provision_image(alice, image.id, request, am.PaymentMethod.CreditCard)

    clock.advance(dt.timedelta(days=31))
    report = market.tick()
    print(f"8. a month on ({clock.now():%Y-%m-%d}): tick examined {report.examined}, changed {report.changed}")
    for a in market.apps(alice).items:
        print(f"   {a.product_name}: {a.status}, {a.remaining_days(market.now())} days left")
    print(f"   charges: {[str(r.amount) for r in payments.charges()]}")
    print(f"   events so far: {len(market.events_since(limit=1000))}")

    print("8b. in its grace period, she renews the email app for a month")
    show(market.quote_renewal(alice, app.id, 1))
    renewal = market.renew(alice, app.id, 1)
    market.accept_terms(alice, renewal.id)
    market.pay(alice, renewal.id, am.PaymentMethod.CreditCard)
    renewed = market.app(alice, app.id)
    print(f"   {renewed.product_name}: {renewed.status}, expires {renewed.expires_at}")

    supervision(market, clock, seller, alice)
    after_sale(market, clock, payments, seller, alice, image.id)


def print_records(records: list[am.Event]) -> None:
    for event in records:
        print(f"    {event.at:%Y-%m-%d %H:%M} {event.actor}: {event.kind['event']['type']}")


def buy_service(market: am.Marketplace, alice: am.Actor, product: str) -> tuple[am.Order, am.ServiceFlow]:
    order = market.place_order(alice, product=product, specification="Basic Migration", mode=am.BillingMode.OneTime)
    market.accept_terms(alice, order.id)
    order = market.pay(alice, order.id, am.PaymentMethod.CreditCard)
    return order, market.flow_of_order(alice, order.id)


def supervision(market: am.Marketplace, clock: am.ManualClock, seller: am.Actor, alice: am.Actor) -> None:
    print("9. a professional service, under service supervision")
    service = market.list_product(
        seller,
        am.ProductDraft(
            name="Website Migration Service",
            category="Professional Services",
            delivery=am.DeliveryMethod.ProfessionalService,
            involves_supervision=True,
            specifications=[
                am.Specification(
                    "Basic Migration",
                    plans=[
                        am.PricePlan(am.BillingMode.OneTime, usd("500")),
                        am.PricePlan(am.BillingMode.Monthly, usd("300")),
                    ],
                )
            ],
        ),
    )
    order, flow = buy_service(market, alice, service.id)
    print(f"   order {order.id}: {order.status}; Service Supervision: {flow.id} — {flow.status_text}")
    request = am.ServiceRequest(
        "Migrate www.example.com (PHP 8, MySQL 8) to the cloud.", [am.Attachment("site-inventory.xlsx", 48_000)]
    )
    market.submit_request(alice, flow.id, request)
    clock.advance(dt.timedelta(hours=5))
    market.reject_request(seller, flow.id, "Please add the database size.")
    again = am.ServiceRequest(
        "Migrate www.example.com (PHP 8, MySQL 8, 12 GB database); admin password is in the sheet.",
        request.attachments,
    )
    for warning in market.submit_request(alice, flow.id, again).warnings:
        print(f"   reminder: {warning}")
    market.accept_request(seller, flow.id)
    clock.advance(dt.timedelta(days=2))
    market.deliver(seller, flow.id, am.Delivery(note="Migrated; DNS switched."))
    market.reject_delivery(alice, flow.id, "The contact form does not send mail.")
    clock.advance(dt.timedelta(days=1))
    market.deliver(seller, flow.id, am.Delivery(note="Mail relay configured."))
    flow = market.confirm_acceptance(alice, flow.id)
    print(f"   {flow.status_text} — order {market.order(alice, order.id).status}")
    clock.advance(dt.timedelta(hours=3))
    market.tick()
    print(f"   3 hours after acceptance — order {market.order(alice, order.id).status}")
    print("   operation records:")
    print_records(market.records(alice, am.Target.flow(flow.id)))

    print("10. a second service where the seller goes silent, and an appeal")
    order, flow = buy_service(market, alice, service.id)
    market.submit_request(alice, flow.id, am.ServiceRequest("Migrate shop.example.com."))
    clock.advance(dt.timedelta(days=5))
    try:
        market.open_appeal(alice, flow.id, "The seller has not answered.")
    except am.NotAllowed as e:
        print(f"   after exactly 5 days: {e} (rule {e.rule})")
    clock.advance(dt.timedelta(days=1))
    appeal = market.open_appeal(alice, flow.id, "The seller has not answered for 6 days.")
    print(f"   appeal {appeal.id} opened ({appeal.grounds.text}); the flow is {market.flow(alice, flow.id).status_text}")
    try:
        market.accept_request(seller, flow.id)
    except am.NotAllowed as e:
        print(f"   the seller tries to act: {e}")
    operator = am.Actor.operator("ops-1")
    market.resolve_appeal(operator, appeal.id, am.Resolution.close_with_refund(usd("300.00")))
    order = market.order(alice, order.id)
    print(
        f"   resolved: flow {market.flow(alice, flow.id).status_text}, order {order.status}, refunded {order.refunded}"
    )
    print_records(market.records(alice, am.Target.flow(flow.id)))


def after_sale(
    market: am.Marketplace,
    clock: am.ManualClock,
    payments: am.SimulatedPayments,
    seller: am.Actor,
    alice: am.Actor,
    image: str,
) -> None:
    print("11. a monthly licence with auto-renewal runs for a year")
    licence = market.list_product(
        seller,
        am.ProductDraft(
            name="Antivirus Server License",
            category="Security",
            delivery=am.DeliveryMethod.License,
            specifications=[
                am.Specification("Annual License", plans=[am.PricePlan(am.BillingMode.Monthly, usd("100"))])
            ],
        ),
    )
    order = market.place_order(alice, product=licence.id, specification="Annual License", mode=am.BillingMode.Monthly)
    market.accept_terms(alice, order.id)
    order = market.pay(alice, order.id, am.PaymentMethod.CreditCard)
    flow = market.flow_of_order(alice, order.id)
    market.deliver(seller, flow.id, am.Delivery(note="Licence key sent by email."))
    market.confirm_acceptance(alice, flow.id)
    assert order.app is not None
    market.set_auto_renewal(alice, order.app, periods=1, count=0, days_before=7)
    before = len(payments.charges())
    for day in range(1, 367):
        clock.advance(dt.timedelta(days=1))
        if day == 150:
            payments.decline_next("alice", "card limit reached")
        market.tick()
    for event in market.records(alice, am.Target.app(order.app)):
        kind = event.kind["event"]
        if kind["type"] == "renewed" and kind["auto"]:
            print(f"   {event.at:%Y-%m-%d}: auto-renewed, now expires {kind['term']['expires_at']}")
        elif kind["type"] == "auto_renewal_declined":
            print(f"   {event.at:%Y-%m-%d}: charge declined ({kind['reason']}), retry at {kind['retry_at']}")
    print(f"   {len(payments.charges()) - before} auto-renewal charges in the year")

    print("12. two images: one unsubscribed on day 3, one on day 20")
    request = am.ImageProvisioning(
        specification="Default",
        network=am.Network("vpc-default", "subnet-default"),
        login_password="Secure!Pass9",
        agree_terms=True,
    )
    first = market.provision_image(alice, image, request, am.PaymentMethod.CreditCard)
    second = market.provision_image(alice, image, request, am.PaymentMethod.CreditCard)
    assert first.app is not None and second.app is not None
    clock.advance(dt.timedelta(days=3))
    refund = market.quote_unsubscribe(alice, first.app)
    print(f"   day 3 (unconditional: {refund.unconditional}):")
    show(refund.quote)
    print(f"   order {market.unsubscribe(alice, first.app).status}")
    clock.advance(dt.timedelta(days=17))
    refund = market.quote_unsubscribe(alice, second.app)
    print("   day 20, refund = paid - consumed - handling fee:")
    show(refund.quote)
    print(f"   order {market.unsubscribe(alice, second.app).status}")


if __name__ == "__main__":
    main()
