#!/usr/bin/env bash
# Builds and tests the Python package: venv (.venv at the repo root) -> pip install (PEP 517,
# maturin) -> pytest -> stubtest -> mypy --strict on the tour and tests.
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
"$PY" -m pip install -q --force-reinstall --no-deps ./bindings-python
"$PY" -m pytest -q bindings-python/tests
"$PY" -m mypy.stubtest appmarket
"$PY" -m mypy --strict examples/python/tour.py benches/python_overhead.py bindings-python/tests
"$PY" examples/python/tour.py > /dev/null
