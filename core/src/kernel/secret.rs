//! Secrets: passwords that never show (APP-5).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A password. `Debug`, `Display` and serialization all show `***`; only
/// [`Secret::expose`] gives the text. It deserializes from a plain string, so a request can
/// carry one in; it never serializes back out.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

/// What a secret shows instead of itself.
pub const REDACTED: &str = "***";

impl Secret {
    /// Wraps a password.
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    /// The password itself. Call only where the owner asked to see it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({REDACTED})")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(REDACTED)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A password: accepted as text, never written back (serialized as a redaction).",
            "writeOnly": true
        })
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Secret(String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_5_a_secret_never_shows_in_debug_display_or_serde() {
        let s = Secret::new("hunter2!X");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s}").contains("hunter2"));
        assert!(!serde_json::to_string(&s).unwrap().contains("hunter2"));
        assert_eq!(s.expose(), "hunter2!X");
    }
}
