#!/usr/bin/env bash
# Builds and tests the Python package: venv (.venv at the repo root) -> `maturin build --release`
# (the abi3 manylinux wheel) -> that wheel installed offline into a fresh venv, running the README
# quick start -> the same wheel into .venv -> the committed stub is what this build generates
# -> pytest -> stubtest -> mypy --strict on the tour and tests.
# Run from anywhere: bindings-python/run-tests.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

test -x "$PY" || python3 -m venv "$VENV"
"$PY" -m pip install -q --upgrade pip
"$PY" -m pip install -q "maturin>=1.16,<2" "pytest==9.2.0" "hypothesis==6.170.17" "mypy==2.4.1"
"$VENV/bin/maturin" build -q --release --locked -m bindings-python/Cargo.toml -o "$CARGO_TARGET_DIR/wheels"
VERSION="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
WHEEL="$(ls -t "$CARGO_TARGET_DIR"/wheels/appmarket-"$VERSION"-cp39-abi3-manylinux*.whl | head -1)"
"$PY" bindings-python/check_wheel.py "$WHEEL"
"$PY" -m pip install -q --force-reinstall --no-deps "$WHEEL"
# The committed stub is what `make stubs` writes from this build (pyo3's introspection + the module).
"$PY" bindings-python/generate_stub.py --check --release
"$PY" -m pytest -q bindings-python/tests
"$PY" -m mypy.stubtest appmarket
"$PY" -m mypy --strict examples/python/tour.py benches/python_overhead.py bindings-python/tests bindings-python/check_wheel.py \
    bindings-python/generate_stub.py
"$PY" examples/python/tour.py > /dev/null
