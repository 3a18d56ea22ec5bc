# The README's two commands: `make tour` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TARGET_DIR ?= $(CURDIR)/target
MVN ?= mvn -B -q -f bindings-kotlin/jvm/pom.xml -Dcargo.target.dir=$(CARGO_TARGET_DIR)

.PHONY: tour tour-python tour-kotlin test test-all test-rust test-python test-kotlin kotlin-bindings lint docs bench

tour:
	$(CARGO) run --locked -q -p appmarket-examples --example tour

# Starts a throw-away PostgreSQL server for the PostgreSQL store's tests (.ci/postgres.sh) unless
# APPMARKET_TEST_POSTGRES_URL is already set, and stops it at the end even on failure.
test:
	.ci/with-postgres.sh $(MAKE) --no-print-directory test-all

test-all: lint test-rust docs test-python test-kotlin

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

test-rust:
	$(CARGO) test --locked --workspace

test-python:
	bindings-python/run-tests.sh

kotlin-bindings:
	$(CARGO) build --locked -p appmarket-kotlin --features cli
	rm -rf bindings-kotlin/jvm/generated-src
	$(CARGO) run --locked -q -p appmarket-kotlin --features cli --bin uniffi-bindgen -- generate \
		--library $(CARGO_TARGET_DIR)/debug/libappmarket_ffi.so --language kotlin \
		--out-dir bindings-kotlin/jvm/generated-src --no-format

test-kotlin: kotlin-bindings
	$(MVN) test

tour-kotlin: kotlin-bindings
	$(MVN) compile exec:java

tour-python:
	.venv/bin/python examples/python/tour.py

docs:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --locked --workspace --no-deps

bench:
	$(CARGO) bench --locked -p appmarket-benches
