"""`Marketplace(store=PostgresStore(url))`: two marketplaces on one database share state, request
ids run once across them, and bad URLs are `Storage` errors saying what to fix.

Needs the test server's URL in APPMARKET_TEST_POSTGRES_URL (`make test` starts one); without it
the tests skip, except under CI=true, where they fail."""

from __future__ import annotations

import itertools
import os
import threading

import pytest

import appmarket as am
from conftest import T0, saas_draft

_schemas = itertools.count()


def server_url() -> str:
    url = os.environ.get("APPMARKET_TEST_POSTGRES_URL", "")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("APPMARKET_TEST_POSTGRES_URL is not set and CI=true: the PostgreSQL tests must run")
        pytest.skip("no PostgreSQL test server (APPMARKET_TEST_POSTGRES_URL unset): run `make test`")
    return url


def fresh_schema() -> str:
    return f"py_{os.getpid()}_{next(_schemas)}"


def purchase(market: am.Marketplace, request_id: str) -> am.Order:
    seller, alice = am.Actor.seller("isv-1"), am.Actor.customer("alice")
    product = market.list_product(seller, saas_draft())
    market.register_customer(am.CustomerAccount.with_card("alice"))
    order = market.place_order(
        alice, product=product.id, specification="Standard", mode=am.BillingMode.Monthly, quantity=10
    )
    market.accept_terms(alice, order.id)
    return market.pay(alice, order.id, am.PaymentMethod.CreditCard, request_id=request_id)


def test_two_hosts_share_one_database() -> None:
    url, schema = server_url(), fresh_schema()
    store = am.PostgresStore(url, schema=schema, pool_size=2)
    assert store.schema == schema and repr(store) == f'PostgresStore(schema="{schema}")'
    assert "@" not in repr(store), "the URL (and its password) is never shown"
    first = am.Marketplace(clock=am.ManualClock(T0), store=store)
    paid = purchase(first, "pay-1")
    second = am.Marketplace(clock=am.ManualClock(T0), store=am.PostgresStore(url, schema=schema))
    alice = am.Actor.customer("alice")
    assert second.order(alice, paid.id) == paid
    # The request id is remembered in the database: the other host replays the payment.
    assert second.pay(alice, paid.id, am.PaymentMethod.CreditCard, request_id="pay-1") == paid
    seqs = [e.seq for e in second.events_since()]
    assert seqs == list(range(1, len(seqs) + 1))


def test_hosts_racing_on_one_request_id_place_one_order() -> None:
    url, schema = server_url(), fresh_schema()
    hosts = [am.Marketplace(clock=am.ManualClock(T0), store=am.PostgresStore(url, schema=schema)) for _ in range(4)]
    product = hosts[0].list_product(am.Actor.seller("isv-1"), saas_draft())
    hosts[0].register_customer(am.CustomerAccount.with_card("bob"))
    bob = am.Actor.customer("bob")
    placed: list[am.Order] = []

    def place(market: am.Marketplace) -> None:
        placed.append(
            market.place_order(
                bob, product=product.id, specification="Standard", mode=am.BillingMode.Monthly, quantity=10,
                request_id="once",
            )
        )

    threads = [threading.Thread(target=place, args=(m,)) for m in hosts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(placed) == 4 and all(o == placed[0] for o in placed)
    assert hosts[1].orders(bob).total == 1


def test_a_wrong_password_is_a_storage_error() -> None:
    url = server_url()
    user, rest = url.split("://", 1)[1].split("@", 1)
    wrong = f"postgresql://{user.split(':')[0]}:not-it@{rest}"
    with pytest.raises(am.Storage) as refused:
        am.PostgresStore(wrong, schema=fresh_schema())
    assert "password" in str(refused.value) and "not-it" not in str(refused.value)


def test_a_url_that_does_not_parse_is_a_storage_error() -> None:
    with pytest.raises(am.Storage, match="postgresql://user:password@host:port/database"):
        am.PostgresStore("postgresql://u:p@[::1/db")


def test_tls_is_asked_for_in_the_url() -> None:
    # The test server has ssl off: sslmode=require (passed through unchanged) is refused.
    url = server_url()
    with pytest.raises(am.Storage, match=r"does not accept TLS \(sslmode=require\)"):
        am.PostgresStore(url + ("&" if "?" in url else "?") + "sslmode=require", schema=fresh_schema())


def test_a_bad_schema_name_is_invalid_input() -> None:
    with pytest.raises(am.InvalidInput):
        am.PostgresStore("postgresql://u:p@127.0.0.1:1/db", schema="Robert'); DROP")
