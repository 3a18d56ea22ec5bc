# The README's two commands: `make tour` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TARGET_DIR ?= $(CURDIR)/target
MVN ?= mvn -B -q -f bindings-kotlin/jvm/pom.xml -Dcargo.target.dir=$(CARGO_TARGET_DIR)

.PHONY: tour tour-python tour-kotlin test test-all test-rust test-python test-kotlin kotlin-bindings kotlin-release schema commands stubs lint docs bench

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

# The release library that the jar carries at linux-x86-64/ (the tests load the debug one).
kotlin-release:
	$(CARGO) build --release --locked -p appmarket-kotlin --lib

# Tests, then installs the jar (with the native library) and its sources jar in the local Maven
# repository, from a clean `target/` (classes of types that moved package must not linger); the
# consumer project then runs the README quick start against that jar alone.
test-kotlin: kotlin-bindings kotlin-release
	$(MVN) clean install
	mvn -B -q -f bindings-kotlin/consumer/pom.xml test

tour-kotlin: kotlin-bindings
	$(MVN) test-compile exec:java

tour-python:
	.venv/bin/python examples/python/tour.py

# Regenerates the files made from the command declarations (core/src/marketplace/declarations.rs):
# the Command enum and run's dispatch, the Action buttons, the Kotlin and Python command methods
# (checked by tests/tests/declarations.rs). Then `make schema`: the command schema follows.
commands:
	APPMARKET_UPDATE_GENERATED=1 $(CARGO) test --locked -q -p appmarket-tests --test declarations

# Regenerates schema/policy.json and schema/command.json from the types (checked by tests/tests/schema.rs).
schema:
	APPMARKET_UPDATE_SCHEMA=1 $(CARGO) test --locked -q -p appmarket-tests --test schema

# Regenerates bindings-python/python/appmarket/_appmarket.pyi from pyo3's introspection of the
# extension and the module as imported (checked by bindings-python/run-tests.sh).
stubs:
	test -x .venv/bin/python || python3 -m venv .venv
	.venv/bin/python -m pip install -q "maturin>=1.16,<2"
	VIRTUAL_ENV=$(CURDIR)/.venv .venv/bin/maturin develop -q --locked -m bindings-python/Cargo.toml
	.venv/bin/python bindings-python/generate_stub.py

docs:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc --locked --workspace --no-deps

bench:
	$(CARGO) bench --locked -p appmarket-benches
