//! The secret keys that seal app passwords at rest (APP-5), as the stores take them: 32 bytes.
//! On the command line a key is a file (32 raw bytes, or 64 hexadecimal digits and an optional
//! newline) or an environment variable of 64 hexadecimal digits; never the key itself as an
//! argument, which other users of the machine could read in the process list.

use std::path::Path;

use appmarket::sealing::SecretKey;

use crate::failure::{Failure, Outcome};

/// A key from 64 hexadecimal digits (spaces around them ignored).
pub fn from_hex(text: &str, source: &str) -> Outcome<SecretKey> {
    let text = text.trim();
    let bad = || {
        Failure::new(format!(
            "{source} is not a secret key: give 64 hexadecimal digits (32 bytes), e.g. from `openssl rand -hex 32`"
        ))
    };
    if text.len() != 64 || !text.is_ascii() {
        return Err(bad());
    }
    let bytes: Vec<u8> = (0..64)
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|_| bad()))
        .collect::<Outcome<_>>()?;
    SecretKey::from_slice(&bytes).map_err(|_| bad())
}

/// A key from a file: 32 raw bytes, or 64 hexadecimal digits.
pub fn from_file(path: &Path) -> Outcome<SecretKey> {
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::new(format!("cannot read the secret key file {}: {e}", path.display())))?;
    if bytes.len() == 32 {
        return SecretKey::from_slice(&bytes).map_err(Failure::from);
    }
    match std::str::from_utf8(&bytes) {
        Ok(text) => from_hex(text, &format!("the file {}", path.display())),
        Err(_) => Err(Failure::new(format!(
            "the file {} is not a secret key: it holds {} bytes, not 32 (or 64 hexadecimal digits)",
            path.display(),
            bytes.len()
        ))),
    }
}

/// The key given by a file option or a hexadecimal environment value, if any (the file wins).
pub fn given(file: Option<&Path>, hex: Option<&str>, variable: &str) -> Outcome<Option<SecretKey>> {
    match (file, hex) {
        (Some(path), _) => from_file(path).map(Some),
        (None, Some(hex)) if !hex.trim().is_empty() => from_hex(hex, variable).map(Some),
        _ => Ok(None),
    }
}
