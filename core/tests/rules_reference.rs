//! The rules reference (`core/RULES.md`, the crate docs' `appmarket::rules` page) names every
//! rule id the code can refuse with, and every `Policy` field.

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
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            rule_ids(&std::fs::read_to_string(&path).unwrap(), found);
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
