//! Request fingerprints: what a request id was used for, so that a replay with another command
//! is refused. A fingerprint is `v1:` and the SHA-256, in hex, of the command's canonical JSON:
//! object keys sorted, no insignificant spaces, money amounts normalised (`"400"`, `"400.0"` and
//! `"400.00"` are one amount). Passwords serialize as `***`, so they never reach a fingerprint.
//! Request records persist fingerprints, so this format changes only with a new prefix.

use std::fmt::Write as _;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The fingerprint of any serializable command.
pub(crate) fn of<T: Serialize>(command: &T) -> String {
    let value = serde_json::to_value(command).unwrap_or(Value::Null);
    let mut canonical = String::new();
    write_canonical(&value, &mut canonical);
    let digest = Sha256::digest(canonical.as_bytes());
    let mut out = String::with_capacity(3 + 64);
    out.push_str("v1:");
    for byte in digest {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// A money object is `{"amount": "<decimal>", "currency": "<code>"}`.
fn is_money(map: &serde_json::Map<String, Value>) -> bool {
    map.len() == 2
        && matches!(map.get("currency"), Some(Value::String(_)))
        && matches!(map.get("amount"), Some(Value::String(_)))
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let money = is_money(map);
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                match (&map[key], money && key == "amount") {
                    (Value::String(amount), true) => {
                        let normal = Decimal::from_str(amount).map(|d| d.normalize().to_string());
                        out.push_str(&Value::String(normal.unwrap_or_else(|_| amount.clone())).to_string());
                    }
                    (other, _) => write_canonical(other, out),
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_sorted_and_amounts_normalised() {
        let a = serde_json::json!({"b": 1, "a": {"amount": "400", "currency": "USD"}});
        let b = serde_json::json!({"a": {"currency": "USD", "amount": "400.00"}, "b": 1});
        assert_eq!(of(&a), of(&b));
        let c = serde_json::json!({"a": {"currency": "USD", "amount": "400.01"}, "b": 1});
        assert_ne!(of(&a), of(&c));
        // Only money is normalised: a text that looks like a number is kept as written.
        assert_ne!(of(&serde_json::json!({"name": "007"})), of(&serde_json::json!({"name": "7"})));
    }
}
