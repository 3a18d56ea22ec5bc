"""Replays the JSON scenarios (format: tests/scenarios/README.md) through `Marketplace.run_json`.

Every `*.json` of the repository's `tests/scenarios/` and of `sample_scenarios/` next to this file
is one test. A scenario runs on a `ManualClock` starting at `start`, with `policy` overrides; each
step either advances the clock or runs a command as an actor, then checks `expect` (path → JSON
value) or `expect_error` (kind, and rule or field when given).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import appmarket as am

HERE = Path(__file__).resolve().parent
SCENARIO_DIRS = [HERE.parent.parent / "tests" / "scenarios", HERE / "sample_scenarios"]
SCENARIO_KEYS = {"name", "description", "start", "policy", "steps"}
STEP_KEYS = {"as", "run", "request_id", "save", "expect", "expect_error"}
ERROR_KEYS = {"kind", "rule", "field"}


def scenario_files() -> list[Path]:
    files: list[Path] = []
    for directory in SCENARIO_DIRS:
        if directory.is_dir():
            files.extend(sorted(directory.glob("*.json")))  # an empty directory adds nothing
    return files


def scenario_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def at_path(value: Any, path: str) -> Any:
    """The value at a dot-separated path of keys and list indexes; `""` is the whole value."""
    if path == "":
        return value
    current = value
    walked: list[str] = []
    for part in path.split("."):
        walked.append(part)
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            raise AssertionError(f"no `{'.'.join(walked)}` in {json.dumps(value)[:400]}")
    return current


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: unlike Python's `==`, `true` is not `1` and `1` is not `"1"`."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def substitute(value: Any, saved: dict[str, Any]) -> Any:
    """Replaces every string that is exactly `${name.path}` by the saved value at that path."""
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        name, _, path = value[2:-1].partition(".")
        if name not in saved:
            raise AssertionError(f"{value}: nothing was saved as `{name}` (saved: {sorted(saved)})")
        return at_path(saved[name], path)
    if isinstance(value, dict):
        return {k: substitute(v, saved) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, saved) for v in value]
    return value


def check_error(where: str, err: am.AppMarketError, expected: dict[str, Any]) -> None:
    unknown = set(expected) - ERROR_KEYS
    assert not unknown, f"{where}: unknown expect_error keys {sorted(unknown)}"
    got = {"kind": err.kind, "rule": getattr(err, "rule", None), "field": getattr(err, "field", None)}
    for key, want in expected.items():
        assert got[key] == want, f"{where}: expected error {key} {want!r}, got {got[key]!r} ({err})"


def run_scenario(path: Path) -> None:
    scenario = json.loads(path.read_text(encoding="utf-8"))
    unknown = set(scenario) - SCENARIO_KEYS
    assert not unknown, f"{path.name}: unknown keys {sorted(unknown)}"
    start = dt.datetime.fromisoformat(scenario["start"].replace("Z", "+00:00"))
    clock = am.ManualClock(start)
    policy = am.Policy.from_json(json.dumps(scenario.get("policy") or {}))
    market = am.Marketplace(policy=policy, clock=clock)
    saved: dict[str, Any] = {}
    for index, step in enumerate(scenario["steps"]):
        where = f"{path.name} step {index}"
        if "advance_seconds" in step:
            assert set(step) == {"advance_seconds"}, f"{where}: advance_seconds stands alone"
            clock.advance(dt.timedelta(seconds=step["advance_seconds"]))
            continue
        unknown = set(step) - STEP_KEYS
        assert not unknown, f"{where}: unknown keys {sorted(unknown)}"
        assert not ("expect" in step and "expect_error" in step), f"{where}: expect and expect_error both given"
        actor = am.Actor.parse(step["as"])
        command = json.dumps(substitute(step["run"], saved))
        where = f"{where} ({step['run'].get('do')})"
        try:
            text = market.run_json(actor, command, request_id=step.get("request_id"))
        except am.AppMarketError as err:
            if "expect_error" not in step:
                raise AssertionError(f"{where}: failed with {type(err).__name__}: {err}") from err
            check_error(where, err, step["expect_error"])
            continue
        assert "expect_error" not in step, f"{where}: expected {step['expect_error']}, but it succeeded: {text[:400]}"
        result = json.loads(text)
        for key, want in step.get("expect", {}).items():
            got = at_path(result, key)
            assert json_equal(got, want), f"{where}: `{key}` is {json.dumps(got)}, expected {json.dumps(want)}"
        if "save" in step:
            saved[step["save"]] = result


@pytest.mark.parametrize("path", scenario_files(), ids=scenario_id)
def test_scenario(path: Path) -> None:
    run_scenario(path)


def test_the_runner_compares_as_json_and_substitutes_whole_values() -> None:
    assert json_equal({"a": [1, "2.00"]}, {"a": [1, "2.00"]})
    assert not json_equal(True, 1) and not json_equal(1, "1") and not json_equal({"a": 1}, {"a": 1, "b": 2})
    saved = {"order": {"id": "ORD-1", "quote": {"lines": [{"label": "x"}]}}}
    assert substitute({"o": "${order.id}", "l": ["${order.quote.lines.0}"], "s": "a ${order.id}"}, saved) == {
        "o": "ORD-1",
        "l": [{"label": "x"}],
        "s": "a ${order.id}",
    }
    assert substitute("${order}", saved) == saved["order"]
    with pytest.raises(AssertionError):
        at_path(saved, "order.quote.lines.1")


def test_the_runner_fails_on_a_wrong_expectation(tmp_path: Path) -> None:
    base = {
        "name": "t",
        "start": "2026-04-15T02:00:00Z",
        "steps": [{"as": "customer:alice", "run": {"do": "order", "order": "ORD-00000001"}}],
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps(base))
    with pytest.raises(AssertionError, match="NotFound"):
        run_scenario(path)
    base["steps"][0]["expect_error"] = {"kind": "not_found"}  # type: ignore[index]
    path.write_text(json.dumps(base))
    run_scenario(path)
    base["steps"][0]["expect_error"] = {"kind": "not_allowed", "rule": "ORD-2"}  # type: ignore[index]
    path.write_text(json.dumps(base))
    with pytest.raises(AssertionError, match="expected error kind"):
        run_scenario(path)
