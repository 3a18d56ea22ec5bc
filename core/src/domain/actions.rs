//! What an actor may do next, with the reason a refused action is refused.

use serde::{Deserialize, Serialize};

use crate::error::Error;

pub use super::buttons::Action;

/// Whether an action is allowed now, and if not, which rule refuses it and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Availability {
    /// The action.
    pub action: Action,
    /// Whether it would be accepted now.
    pub allowed: bool,
    /// The refusing rule id, when refused by a rule.
    pub rule: Option<String>,
    /// Why it is refused.
    pub reason: Option<String>,
}

impl Availability {
    /// The availability of `action`, from the same check the command runs.
    pub fn from_check(action: Action, check: Result<(), Error>) -> Availability {
        match check {
            Ok(()) => Availability { action, allowed: true, rule: None, reason: None },
            Err(e) => {
                Availability { action, allowed: false, rule: e.rule().map(str::to_owned), reason: Some(e.to_string()) }
            }
        }
    }
}
