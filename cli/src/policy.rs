//! `appmarket policy check`: a policy file validated as the library loads it
//! (`Policy::from_json`: missing fields keep their defaults, unknown fields and values out of
//! their ranges are refused), and the policy in force printed with every field.

use std::path::Path;

use appmarket::Policy;

use crate::failure::{Failure, Outcome};

/// The policy a file gives, with how many of its fields the file sets.
pub struct Checked {
    /// The policy in force: the file's fields, the defaults for the others.
    pub policy: Policy,
    /// Fields the file sets.
    pub set: usize,
    /// Fields a policy has.
    pub fields: usize,
}

/// Reads and validates the policy in `path`.
pub fn check(path: &Path) -> Outcome<Checked> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::new(format!("cannot read the policy file {}: {e}", path.display())))?;
    let policy = Policy::from_json(&text).map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    let set = serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| v.as_object().map(|o| o.len()));
    let fields = serde_json::to_value(&policy).ok().and_then(|v| v.as_object().map(|o| o.len()));
    Ok(Checked { policy, set: set.unwrap_or(0), fields: fields.unwrap_or(0) })
}

/// Reads the policy in `path`, or the default policy when there is none.
pub fn load(path: Option<&Path>) -> Outcome<Policy> {
    match path {
        Some(path) => check(path).map(|c| c.policy),
        None => Ok(Policy::default()),
    }
}
