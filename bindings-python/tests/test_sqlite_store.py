"""`Marketplace(store=SqliteStore(path))`: state survives a new process, bad files are `Storage`
errors naming the path, and store work releases the GIL."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import threading
import time

import pytest

import appmarket as am
from conftest import T0, saas_draft


HOLD_LOCK = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


def market_on(path: pathlib.Path, clock: am.ManualClock | None = None) -> am.Marketplace:
    return am.Marketplace(clock=clock or am.ManualClock(T0), store=am.SqliteStore(path))


def purchase(market: am.Marketplace) -> am.Order:
    seller, alice = am.Actor.seller("isv-1"), am.Actor.customer("alice")
    product = market.list_product(seller, saas_draft())
    market.register_customer(am.CustomerAccount.with_card("alice"))
    order = market.place_order(
        alice, product=product.id, specification="Standard", mode=am.BillingMode.Monthly, quantity=10
    )
    market.accept_terms(alice, order.id)
    return market.pay(alice, order.id, am.PaymentMethod.CreditCard, request_id="pay-1")


def test_state_survives_reopening_the_file(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "market.db"
    store = am.SqliteStore(path)
    assert store.path == path and repr(store) == f'SqliteStore("{path}")'
    paid = purchase(am.Marketplace(clock=am.ManualClock(T0), store=store))
    del store
    again = market_on(path)
    alice = am.Actor.customer("alice")
    assert again.order(alice, paid.id) == paid
    assert [e.seq for e in again.events_since()] == list(range(1, len(again.events_since()) + 1))
    # The request id is remembered in the file: re-sending it replays the payment.
    assert again.pay(alice, paid.id, am.PaymentMethod.CreditCard, request_id="pay-1") == paid


def test_the_default_store_is_in_memory(tmp_path: pathlib.Path) -> None:
    purchase(am.Marketplace(clock=am.ManualClock(T0)))
    assert list(tmp_path.iterdir()) == []


def test_synchronous_full_is_accepted_and_anything_else_refused(tmp_path: pathlib.Path) -> None:
    am.SqliteStore(tmp_path / "full.db", synchronous="full")
    with pytest.raises(am.InvalidInput) as e:
        am.SqliteStore(tmp_path / "other.db", synchronous="off")
    assert e.value.field == "synchronous"


def test_a_file_that_is_not_a_database_is_a_storage_error_naming_it(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database\n" * 100)
    with pytest.raises(am.Storage) as e:
        am.SqliteStore(path)
    assert str(path) in e.value.reason and "not a database" in e.value.reason
    assert path.read_text() == "not a database\n" * 100


def test_store_work_releases_the_gil(tmp_path: pathlib.Path) -> None:
    """Another process holds the write lock: a commit waits for it (busy timeout). While it
    waits, this thread runs Python and then lets the lock go; without releasing the GIL the
    waiting commit would block this thread until its timeout and fail.

    The lock holder is another process: SQLite's locks do not separate two copies of the
    library in one process (Python's `sqlite3` and the bundled one)."""
    path = tmp_path / "market.db"
    market = market_on(path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline().strip() == "locked"
    outcome: list[object] = []

    def register() -> None:
        try:
            outcome.append(market.register_customer(am.CustomerAccount.with_card("carol")))
        except am.AppMarketError as err:
            outcome.append(err)

    started = time.monotonic()
    worker = threading.Thread(target=register)
    worker.start()
    time.sleep(0.3)
    ran_python = sum(range(10_000))  # needs the GIL while the worker waits on the file
    assert worker.is_alive(), "the commit waits for the lock"
    holder.stdin.write("release\n")
    holder.stdin.flush()
    assert holder.wait(timeout=10) == 0
    worker.join(timeout=10)
    assert ran_python == 49_995_000
    assert time.monotonic() - started < 3, "the waiting commit held the GIL"
    assert len(outcome) == 1 and isinstance(outcome[0], am.CustomerAccount), outcome


def test_a_secret_key_seals_passwords_in_the_file(tmp_path: pathlib.Path) -> None:
    path, key = tmp_path / "market.db", bytes(range(32))
    market = am.Marketplace(clock=am.ManualClock(T0), store=am.SqliteStore(path, secret_key=key))
    app = purchase(market).app
    assert app is not None
    seller, alice = am.Actor.seller("isv-1"), am.Actor.customer("alice")
    market.provide_application_info(seller, app, am.ApplicationInfo(username="admin"), "Zq9#py-Secret")
    assert market.reveal_password(alice, app, request_id="rev-1") == "Zq9#py-Secret"
    del market
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert b"Zq9#py-Secret" not in files
    # A wrong key, no key or a key of another length is refused, and the file stays as it was.
    before = path.read_bytes()
    with pytest.raises(am.Storage, match="does not match"):
        am.SqliteStore(path, secret_key=bytes(32))
    with pytest.raises(am.Storage, match="secret key"):
        am.SqliteStore(path)
    with pytest.raises(am.InvalidInput, match="32"):
        am.SqliteStore(path, secret_key=b"short")
    assert path.read_bytes() == before
    # Rotation: the previous key seals every password again with the new one.
    new = bytes(range(32, 64))
    store = am.SqliteStore(path, secret_key=new, previous_secret_key=key)
    rotated = am.Marketplace(clock=am.ManualClock(T0), store=store)
    assert rotated.reveal_password(alice, app, request_id="rev-1") == "Zq9#py-Secret"
    del rotated, store
    with pytest.raises(am.Storage, match="does not match"):
        am.SqliteStore(path, secret_key=key)
