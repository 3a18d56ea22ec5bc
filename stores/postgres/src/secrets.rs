//! App passwords in the database (`secrets`, APP-5): in plain text (`secret`) without a secret
//! key, sealed with it (`sealed`) otherwise (`appmarket::sealing`). The key check is the meta
//! value `secret_key_check` (hexadecimal).

use appmarket::Error;
use appmarket::actor::AppId;
use appmarket::sealing::{Opening, Sealing, SecretKey, StoredSecret};
use postgres::Client;

use crate::errors::to_error;

/// Settles the schema's passwords with the keys given, as the store opens, in one transaction
/// under an advisory lock (hosts opening together settle once): refuses a wrong key or a
/// missing one ([`Error::Storage`]), records the key check of a first key and seals the plain
/// passwords, or seals every password again with a new key (rotation).
pub(crate) fn settle(
    client: &mut Client,
    schema: &str,
    key: Option<&SecretKey>,
    previous: Option<&SecretKey>,
) -> Result<Sealing, Error> {
    let fail = |e: postgres::Error| to_error("settling the passwords", &e);
    let mut tx = client.transaction().map_err(fail)?;
    tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", &[&format!("appmarket-secrets:{schema}")]).map_err(fail)?;
    let check = tx
        .query_opt("SELECT value FROM meta WHERE key = 'secret_key_check'", &[])
        .map_err(fail)?
        .map(|row| from_hex(row.get(0)))
        .transpose()?;
    let opening = Opening::decide(check.as_deref(), key, previous)?;
    if matches!(opening, Opening::Plain) {
        return Ok(opening.into_sealing());
    }
    let rotate = matches!(opening, Opening::Rotate { .. });
    let rows = tx
        .query("SELECT app, secret, sealed FROM secrets WHERE secret IS NOT NULL OR $1 FOR UPDATE", &[&rotate])
        .map_err(fail)?;
    for row in rows {
        let app = AppId::parse(row.get(0))?;
        if let Some(sealed) = opening.resealed(&app, &stored(row.get(1), row.get(2))?)? {
            tx.execute("UPDATE secrets SET secret = NULL, sealed = $2 WHERE app = $1", &[&app.as_str(), &sealed])
                .map_err(fail)?;
        }
    }
    if let Some(check) = opening.new_key_check()? {
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('secret_key_check', $1)
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&to_hex(&check)],
        )
        .map_err(fail)?;
    }
    tx.commit().map_err(fail)?;
    Ok(opening.into_sealing())
}

/// A `secrets` row's `secret` and `sealed` columns as a kept password.
pub(crate) fn stored(secret: Option<String>, sealed: Option<Vec<u8>>) -> Result<StoredSecret, Error> {
    match (secret, sealed) {
        (_, Some(sealed)) => Ok(StoredSecret::Sealed(sealed)),
        (Some(plain), None) => Ok(StoredSecret::Plain(plain)),
        (None, None) => Err(Error::Storage { reason: "a password row holds no password".into() }),
    }
}

/// The columns (`secret`, `sealed`) that keep a password.
pub(crate) fn columns(kept: StoredSecret) -> (Option<String>, Option<Vec<u8>>) {
    match kept {
        StoredSecret::Plain(p) => (Some(p), None),
        StoredSecret::Sealed(b) => (None, Some(b)),
    }
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Result<Vec<u8>, Error> {
    let bad = || Error::Storage { reason: "the secret key check in meta is not hexadecimal: restore it".into() };
    if !text.len().is_multiple_of(2) {
        return Err(bad());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or_else(bad))
        .collect()
}
