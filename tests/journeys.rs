//! The journeys of `tests/scenarios/*.json` (format: `tests/scenarios/README.md`), replayed on a
//! marketplace over any store: by the scenario runner (`tests/tests/scenarios.rs`) and by
//! tests that need a marketplace driven through every journey.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use appmarket::command::Command;
use appmarket::store::Store;
use appmarket::*;
use serde_json::Value;

/// The scenario files, sorted.
pub fn files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/scenarios exists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// The value at a dotted path (`payment.amount.amount`, `items.0.id`) of `value`.
pub fn at_path<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(value);
    }
    path.split('.').try_fold(value, |v, key| match v {
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        Value::Object(map) => map.get(key),
        _ => None,
    })
}

/// `value` with each `${name.path}` replaced by what was saved as `name`.
pub fn substitute(value: &Value, saved: &HashMap<String, Value>) -> Value {
    match value {
        Value::String(s) if s.starts_with("${") && s.ends_with('}') => {
            let inner = &s[2..s.len() - 1];
            let (name, path) = inner.split_once('.').unwrap_or((inner, ""));
            let base = saved.get(name).unwrap_or_else(|| panic!("nothing saved as `{name}`"));
            at_path(base, path).unwrap_or_else(|| panic!("no `{path}` in `{name}`: {base}")).clone()
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, saved)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), substitute(v, saved))).collect()),
        other => other.clone(),
    }
}

/// Replays one scenario on a marketplace over the in-memory store; returns one line per step,
/// for a failure message.
pub fn replay(path: &Path) -> Vec<String> {
    replay_on(path, None)
}

/// Replays one scenario on a marketplace over `store` (`None`: the in-memory store); returns
/// one line per step. Panics when a step does not give what the scenario expects.
pub fn replay_on(path: &Path, store: Option<Arc<dyn Store>>) -> Vec<String> {
    let text = std::fs::read_to_string(path).expect("readable");
    let scenario: Value = serde_json::from_str(&text).expect("valid JSON");
    let clock = ManualClock::at(scenario["start"].as_str().expect("a start")).expect("valid start");
    let policy = match scenario.get("policy") {
        Some(p) if !p.is_null() => Policy::from_json(&p.to_string()).expect("valid policy"),
        _ => Policy::default(),
    };
    let mut builder = Marketplace::builder().clock(clock.clone()).policy(policy);
    if let Some(store) = store {
        builder = builder.store(store);
    }
    let market = builder.build().expect("valid");
    let mut saved: HashMap<String, Value> = HashMap::new();
    let mut transcript = Vec::new();
    for (i, step) in scenario["steps"].as_array().expect("steps").iter().enumerate() {
        let here = format!("{} step {i}", path.display());
        if let Some(seconds) = step.get("advance_seconds") {
            clock.advance(chrono::Duration::seconds(seconds.as_i64().expect("seconds"))).expect("forward");
            transcript.push(format!("{i}: advance {seconds}"));
            continue;
        }
        let actor = Actor::parse(step["as"].as_str().unwrap_or_else(|| panic!("{here}: no actor"))).expect("actor");
        let caller: Caller = match step.get("request_id").and_then(Value::as_str) {
            Some(id) => actor.with_request_id(id).expect("request id"),
            None => actor.into(),
        };
        let command_json = substitute(&step["run"], &saved);
        let command: Command = serde_json::from_value(command_json.clone())
            .unwrap_or_else(|e| panic!("{here}: not a command ({e}): {command_json}"));
        let outcome = market.run(caller, command);
        match (&outcome, step.get("expect_error")) {
            (Ok(result), None) => {
                if let Some(expect) = step.get("expect").and_then(Value::as_object) {
                    for (p, want) in expect {
                        let got = at_path(result, p);
                        assert_eq!(got, Some(want), "{here}: `{p}` of {result}");
                    }
                }
                if let Some(name) = step.get("save").and_then(Value::as_str) {
                    saved.insert(name.to_owned(), result.clone());
                }
                transcript.push(format!("{i}: ok"));
            }
            (Err(e), Some(want)) => {
                assert_eq!(Some(e.kind()), want["kind"].as_str(), "{here}: {e}");
                if let Some(rule) = want.get("rule") {
                    assert_eq!(e.rule(), rule.as_str(), "{here}: {e}");
                }
                if let Some(field) = want.get("field") {
                    let got = match e {
                        Error::InvalidInput { field, .. } => Some(field.as_str()),
                        _ => None,
                    };
                    assert_eq!(got, field.as_str(), "{here}: {e}");
                }
                transcript.push(format!("{i}: {}", e.kind()));
            }
            (Ok(result), Some(want)) => panic!("{here}: expected {want}, got {result}"),
            (Err(e), None) => panic!("{here}: {e}"),
        }
    }
    transcript
}
