# The README's two commands: `make tour` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: tour test test-rust test-python lint docs bench

tour:
	$(CARGO) run --locked -q -p appmarket-examples --example tour

test: lint test-rust docs test-python

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --locked --workspace

test-python:
	bindings-python/run-tests.sh

docs:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --locked --workspace --no-deps

bench:
	$(CARGO) bench --locked -p appmarket-benches
