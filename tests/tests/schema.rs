//! The JSON Schemas of `Policy` and `Command` in `schema/`, for hosts that drive the library by
//! JSON messages (`Marketplace::run_json`, `Policy::from_json`). They are generated from the
//! types (`schemars`, core feature `schema`), so they follow the serde attributes; this test
//! fails when the committed files drift from the types. Regenerate with `make schema`.

use std::path::PathBuf;

use appmarket::Policy;
use appmarket::command::Command;

fn check(file: &str, schema: &schemars::Schema) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema").join(file);
    let text = serde_json::to_string_pretty(schema).unwrap() + "\n";
    if std::env::var_os("APPMARKET_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(committed == text, "schema/{file} differs from the types: run `make schema` and commit schema/{file}");
}

#[test]
fn the_policy_schema_is_the_committed_one() {
    check("policy.json", &schemars::schema_for!(Policy));
}

#[test]
fn the_command_schema_is_the_committed_one() {
    check("command.json", &schemars::schema_for!(Command));
}

/// The `do` values the schema allows: every variant's tag.
fn command_tags(schema: &serde_json::Value) -> Vec<String> {
    schema["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|variant| variant["properties"]["do"]["const"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn every_command_of_the_scenarios_is_in_the_schema_and_unknown_fields_are_refused() {
    let schema = serde_json::to_value(schemars::schema_for!(Command)).unwrap();
    let tags = command_tags(&schema);
    assert!(tags.len() >= 40, "{tags:?}");
    assert!(schema["oneOf"].as_array().unwrap().iter().all(|v| v["additionalProperties"] == false));
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (i, _) in text.match_indices("\"do\"") {
            let rest = &text[i + 4..];
            let value = rest.split('"').nth(1).unwrap();
            assert!(tags.iter().any(|t| t == value), "{}: `do: {value}` is not in the schema", path.display());
            seen += 1;
        }
    }
    assert!(seen > 20, "{seen} commands in the scenarios");
    let policy = serde_json::to_value(schemars::schema_for!(Policy)).unwrap();
    let fields = serde_json::to_value(Policy::default()).unwrap();
    for field in fields.as_object().unwrap().keys() {
        assert!(policy["properties"].get(field).is_some(), "Policy field {field} is not in the schema");
    }
    assert_eq!(policy["additionalProperties"], false);
}
