//! The rules reference (`core/RULES.md`, the crate docs' `appmarket::rules` page) names every
//! rule id the code can refuse with, and every `Policy` field; and every rule it lists has a
//! test named after its id (`fn inv_1_…`).

use std::path::Path;

const FAMILIES: [&str; 13] =
    ["ACC", "CAT", "PRC", "ORD", "APP", "SUP", "APL", "REN", "LIFE", "UNS", "INV", "IMG", "UPC"];

/// The quoted rule ids (`"ORD-3"`) in a source text.
fn rule_ids(text: &str, found: &mut Vec<String>) {
    for quoted in text.split('"').skip(1).step_by(2) {
        let Some((family, number)) = quoted.split_once('-') else { continue };
        if FAMILIES.contains(&family) && (1..=2).contains(&number.len()) && number.chars().all(|c| c.is_ascii_digit()) {
            found.push(quoted.to_owned());
        }
    }
}

fn sources(dir: &Path, found: &mut Vec<String>) {
    each_source(dir, &mut |text| rule_ids(text, found));
}

fn each_source(dir: &Path, f: &mut dyn FnMut(&str)) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            each_source(&path, f);
        } else if path.extension().is_some_and(|e| e == "rs") {
            f(&std::fs::read_to_string(&path).unwrap());
        }
    }
}

fn reference() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("RULES.md")).unwrap()
}

#[test]
fn every_rule_id_in_the_code_is_in_the_reference() {
    let mut ids = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut ids);
    ids.sort();
    ids.dedup();
    assert!(ids.len() > 30, "{ids:?}");
    let reference = reference();
    let missing: Vec<&String> = ids.iter().filter(|id| !reference.contains(&format!("- **{id}**"))).collect();
    assert!(missing.is_empty(), "core/RULES.md lacks an entry `- **ID**` for {missing:?}");
}

#[test]
fn every_policy_field_is_in_the_reference() {
    let policy = serde_json::to_value(appmarket::Policy::default()).unwrap();
    let reference = reference();
    let missing: Vec<&String> =
        policy.as_object().unwrap().keys().filter(|field| !reference.contains(&format!("`{field}`"))).collect();
    assert!(missing.is_empty(), "core/RULES.md does not name the Policy fields {missing:?}");
}

#[test]
fn every_rule_in_the_reference_has_a_test_named_after_it() {
    let reference = reference();
    let rules: Vec<&str> =
        reference.lines().filter_map(|l| l.strip_prefix("- **")?.split_once("**").map(|(id, _)| id)).collect();
    assert!(rules.len() > 50, "{rules:?}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut tests = String::new();
    for dir in ["src", "tests"] {
        each_source(&root.join(dir), &mut |text| {
            for line in text.lines().filter_map(|l| l.trim_start().strip_prefix("fn ")) {
                tests.push_str(line.split('(').next().unwrap_or_default());
                tests.push('\n');
            }
        });
    }
    let untested: Vec<&&str> = rules
        .iter()
        .filter(|id| {
            let prefix = format!("{}_", id.to_lowercase().replace('-', "_"));
            !tests.lines().any(|name| name.starts_with(&prefix))
        })
        .collect();
    assert!(untested.is_empty(), "no test is named after the rules {untested:?} (`fn inv_1_…`)");
}
