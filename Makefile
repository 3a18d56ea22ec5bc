# The README's two commands: `make tour` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TARGET_DIR ?= $(CURDIR)/target
MVN ?= mvn -B -q -f bindings-kotlin/jvm/pom.xml -Dcargo.target.dir=$(CARGO_TARGET_DIR)

.PHONY: tour tour-python tour-kotlin test test-all test-rust test-python test-kotlin kotlin-bindings kotlin-release schema commands stubs lint docs bench
.PHONY: packages package-tools wheels test-wheels jar test-jar

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

# The release library that the jar carries at linux-x86-64/ (the tests load the debug one): built
# as `make jar` builds it (glibc 2.17, zig as the linker), so that the jar the tests install is the
# published one for this platform and `make jar` does not build it again.
kotlin-release: package-tools
	$(call jar-native,x86_64-unknown-linux-gnu.2.17,linux-x86-64,libappmarket_ffi.so)

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

# ---------------------------------------------------------------------------------------------
# Packages (README, Packages): the Python wheels and sdist, the jar with its native libraries.
# Cross builds link with zig (PyPI's ziglang) through maturin --zig and cargo-zigbuild; the tools
# go into .venv, the Rust targets come from rustup. `make packages` builds and checks all.
DIST := $(CARGO_TARGET_DIR)/dist
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
PKG := $(CURDIR)/.venv/bin
PKG_PATH := PATH="$(PKG):$$PATH"
# Wheels: Rust target, then the platform tag they carry (what `auditwheel show` must find).
WHEELS := x86_64-unknown-linux-gnu:manylinux2014:manylinux_2_17_x86_64 \
	aarch64-unknown-linux-gnu:manylinux2014:manylinux_2_17_aarch64 \
	x86_64-unknown-linux-musl:musllinux_1_2:musllinux_1_2_x86_64 \
	aarch64-unknown-linux-musl:musllinux_1_2:musllinux_1_2_aarch64
# Jar: cargo-zigbuild target, then JNA's resource path and the library's file name there. No
# Windows library: the stores do not build for Windows (README, Packages).
JAR_NATIVES := x86_64-unknown-linux-gnu.2.17:linux-x86-64:libappmarket_ffi.so \
	aarch64-unknown-linux-gnu.2.17:linux-aarch64:libappmarket_ffi.so \
	x86_64-apple-darwin:darwin-x86-64:libappmarket_ffi.dylib \
	aarch64-apple-darwin:darwin-aarch64:libappmarket_ffi.dylib
RUST_TARGETS := x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl \
	aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin
# The arm64 Debian root that runs the aarch64 packages under qemu (.ci/debian-root.sh).
ARM64_ROOT := $(CARGO_TARGET_DIR)/arm64-root
ARM64_PYTHON := qemu-aarch64-static -L $(ARM64_ROOT) $(ARM64_ROOT)/usr/bin/python3.11
ARM64_JAVA := $(CARGO_TARGET_DIR)/arm64-jvm/bin/java
ARM64_PACKAGES := python3.11-minimal libpython3.11-stdlib openjdk-17-jre-headless

packages: wheels test-wheels jar test-jar

package-tools:
	test -x $(PKG)/python || python3 -m venv .venv
	$(PKG)/python -m pip install -q "maturin>=1.16,<2" "ziglang==0.17.1" "cargo-zigbuild==0.24.0" "auditwheel==6.8.2"
	rustup target list --installed | sort | comm -13 - <(tr ' ' '\n' <<< "$(RUST_TARGETS)" | sort) \
		| xargs -r rustup target add

# The sdist (unpacked, its Rust workspace must resolve with the lockfile it carries: resolving
# may drop the entries of the workspace's other crates, never add or change one) and the four
# wheels, each checked by `auditwheel show` for its platform tag.
wheels: package-tools
	rm -rf $(DIST)/wheels $(DIST)/sdist && mkdir -p $(DIST)/wheels $(DIST)/sdist
	$(PKG_PATH) maturin sdist -m bindings-python/Cargo.toml -o $(DIST)/wheels
	tar xzf $(DIST)/wheels/appmarket-$(VERSION).tar.gz -C $(DIST)/sdist
	cd $(DIST)/sdist/appmarket-$(VERSION) && ls python/appmarket/__init__.py python/appmarket/_appmarket.pyi \
		python/appmarket/py.typed >/dev/null && cp Cargo.lock Cargo.lock.packed \
		&& $(CARGO) metadata -q --offline --format-version 1 >/dev/null \
		&& if diff Cargo.lock.packed Cargo.lock | grep '^>'; then \
			echo "sdist: its Cargo.lock lacks the lines above"; exit 1; fi
	set -e; for w in $(WHEELS); do IFS=: read -r target compat tag <<< "$$w"; start=$$SECONDS; \
		$(PKG_PATH) maturin build -q --release --locked --zig --target $$target --compatibility $$compat \
			-m bindings-python/Cargo.toml -o $(DIST)/wheels; \
		echo "wheels: $$tag built in $$((SECONDS - start)) s"; \
		$(PKG)/python bindings-python/check_wheel.py --tag-only --tag $$tag \
			$(DIST)/wheels/appmarket-$(VERSION)-cp39-abi3-*$$tag*.whl; \
	done

# Each wheel runs the README quick start (and a SQLite file store) where it can run here: x86-64
# glibc in a fresh venv; aarch64 glibc in Debian's arm64 Python under qemu; x86-64 musl in a
# CPython built against musl (.ci/musl-python.sh). The aarch64 musl wheel is checked by its tag
# alone (README, Packages).
test-wheels:
	$(PKG)/python bindings-python/check_wheel.py --tag manylinux_2_17_x86_64 \
		$(DIST)/wheels/appmarket-$(VERSION)-cp39-abi3-*manylinux_2_17_x86_64.whl
	.ci/debian-root.sh arm64 $(ARM64_ROOT) $(ARM64_PACKAGES)
	$(PKG)/python bindings-python/check_wheel.py --tag manylinux_2_17_aarch64 --python "$(ARM64_PYTHON)" \
		$(DIST)/wheels/appmarket-$(VERSION)-cp39-abi3-*manylinux_2_17_aarch64.whl
	musl_python=$$(.ci/musl-python.sh $(CARGO_TARGET_DIR)/musl-python) && \
		$(PKG)/python bindings-python/check_wheel.py --tag musllinux_1_2_x86_64 --python "$$musl_python" \
			$(DIST)/wheels/appmarket-$(VERSION)-cp39-abi3-*musllinux_1_2_x86_64.whl

# Builds the native library of one platform (cargo-zigbuild target, JNA resource path, file name)
# into the folder the jar takes them from (native.resources.dir). The macOS ones are linked
# against text stubs of the two system frameworks the crates call (bindings-kotlin/macos-frameworks),
# for Rust's oldest macOS: 10.12 on x86-64, 11.0 on arm64.
comma := ,
macos-min = $(if $(findstring x86_64-apple,$(1)),10.12,11.0)
jar-native = start=$$SECONDS && $(if $(findstring apple,$(1)),\
	MACOSX_DEPLOYMENT_TARGET=$(call macos-min,$(1)) $(PKG_PATH) cargo-zigbuild rustc -q --release --locked \
		-p appmarket-kotlin --lib --target $(1) -- -L framework=$(CURDIR)/bindings-kotlin/macos-frameworks \
		-C link-arg=-Wl$(comma)-install_name$(comma)@rpath/$(3),\
	$(PKG_PATH) cargo zigbuild -q --release --locked -p appmarket-kotlin --lib --target $(1)) \
	&& mkdir -p $(CARGO_TARGET_DIR)/jna/$(2) \
	&& cp $(CARGO_TARGET_DIR)/$(patsubst %.2.17,%,$(1))/release/$(3) $(CARGO_TARGET_DIR)/jna/$(2)/$(3) \
	&& echo "jar: $(2) built in $$((SECONDS - start)) s"
split = $(word $(2),$(subst :, ,$(1)))

# The jar with the native library of every platform (JNA picks the one it runs on), in $(DIST).
jar: package-tools kotlin-bindings
	$(foreach n,$(JAR_NATIVES),$(call jar-native,$(call split,$(n),1),$(call split,$(n),2),$(call split,$(n),3)) &&) true
	$(MVN) clean install -Pall-platforms -DskipTests
	mkdir -p $(DIST)
	cp bindings-kotlin/jvm/target/appmarket-kotlin-$(VERSION).jar bindings-kotlin/jvm/target/appmarket-kotlin-$(VERSION)-sources.jar $(DIST)/
	$(PKG)/python -m zipfile -l $(DIST)/appmarket-kotlin-$(VERSION).jar | grep appmarket_ffi

# The consumer project runs the README quick start against the installed jar: here (linux-x86-64)
# and in Debian's arm64 JVM under qemu (linux-aarch64), Maven's surefire forking that JVM through
# a wrapper (its path must end in bin/java).
test-jar:
	mvn -B -q -f bindings-kotlin/consumer/pom.xml test -DargLine=-Dappmarket.platform=linux-x86-64
	.ci/debian-root.sh arm64 $(ARM64_ROOT) $(ARM64_PACKAGES)
	mkdir -p $(dir $(ARM64_JAVA))
	printf '#!/bin/sh\nexec qemu-aarch64-static -L %s %s/usr/lib/jvm/java-17-openjdk-arm64/bin/java "$$@"\n' \
		$(ARM64_ROOT) $(ARM64_ROOT) > $(ARM64_JAVA) && chmod +x $(ARM64_JAVA)
	mvn -B -q -f bindings-kotlin/consumer/pom.xml test -Djvm=$(ARM64_JAVA) -DargLine=-Dappmarket.platform=linux-aarch64
