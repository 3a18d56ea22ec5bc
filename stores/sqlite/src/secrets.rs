//! App passwords in the file (`secrets`, APP-5): in plain text without a secret key, sealed
//! with it otherwise (`appmarket::sealing`). The key check is the meta value
//! `secret_key_check`.

use appmarket::Error;
use appmarket::actor::AppId;
use appmarket::sealing::{Opening, Sealing, SecretKey, StoredSecret};
use appmarket::secret::Secret;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

/// Settles the file's passwords with the keys given, as the store opens, in one transaction:
/// refuses a wrong key or a missing one ([`Error::Storage`]), records the key check of a first
/// key and seals the plain passwords, or seals every password again with a new key (rotation).
/// Deleted content is overwritten (`secure_delete`) while it changes anything; when it sealed a
/// password again the WAL is emptied, and when `purge` says the migrations dropped some the file
/// is also written anew (`VACUUM`), so that no former plain or sealed copy stays in the files
/// (best effort: another process writing or reading the file defers it).
pub(crate) fn settle(
    conn: &mut Connection,
    key: Option<&SecretKey>,
    previous: Option<&SecretKey>,
    purge: bool,
) -> Result<Sealing, Error> {
    let q = |e: rusqlite::Error| Error::Storage { reason: format!("settling the passwords: {e}") };
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(q)?;
    let check: Option<Vec<u8>> = tx
        .query_row("SELECT value FROM meta WHERE key = 'secret_key_check'", [], |r| r.get(0))
        .optional()
        .map_err(q)?;
    let opening = Opening::decide(check.as_deref(), key, previous)?;
    let sealed = !matches!(opening, Opening::Plain);
    if sealed || purge {
        tx.pragma_update(None, "secure_delete", "ON").map_err(q)?;
    }
    let mut changed = false;
    if sealed {
        let rotate = matches!(opening, Opening::Rotate { .. });
        let mut kept = Vec::new();
        {
            let mut stmt =
                tx.prepare("SELECT app, password, sealed FROM secrets WHERE password IS NOT NULL OR ?1").map_err(q)?;
            let mut rows = stmt.query(params![rotate]).map_err(q)?;
            while let Some(row) = rows.next().map_err(q)? {
                kept.push((AppId::parse(&row.get::<_, String>(0).map_err(q)?)?, stored(row, 1).map_err(q)?));
            }
        }
        for (app, secret) in kept {
            if let Some(sealed) = opening.resealed(&app, &secret)? {
                tx.execute(
                    "UPDATE secrets SET password = NULL, sealed = ?2 WHERE app = ?1",
                    params![app.as_str(), sealed],
                )
                .map_err(q)?;
                changed = true;
            }
        }
        if let Some(check) = opening.new_key_check()? {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('secret_key_check', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = ?1",
                params![check],
            )
            .map_err(q)?;
        }
    }
    tx.commit().map_err(q)?;
    // Best effort: another process writing, or reading the WAL, leaves them for later.
    if purge {
        // The migrations freed pages that held passwords: the file is written anew.
        let _ = conn.execute_batch("VACUUM");
    }
    if changed || purge {
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }
    if sealed || purge {
        // From now on, a sealed password replaced is purged from its page at no extra I/O.
        let mode = if sealed { "FAST" } else { "OFF" };
        conn.pragma_update(None, "secure_delete", mode).map_err(q)?;
    }
    Ok(opening.into_sealing())
}

/// A `secrets` row's `password` and `sealed` columns (at `first`, `first + 1`) as a kept password.
pub(crate) fn stored(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<StoredSecret> {
    match (row.get::<_, Option<String>>(first)?, row.get::<_, Option<Vec<u8>>>(first + 1)?) {
        (_, Some(sealed)) => Ok(StoredSecret::Sealed(sealed)),
        (Some(plain), None) => Ok(StoredSecret::Plain(plain)),
        (None, None) => Err(rusqlite::Error::FromSqlConversionFailure(
            first,
            rusqlite::types::Type::Null,
            "a password row holds no password".into(),
        )),
    }
}

/// Keeps `secret` as the password of `app`, sealed when the store has a key.
pub(crate) fn keep(tx: &Connection, sealing: &Sealing, app: &AppId, secret: &Secret) -> Result<(), Error> {
    let (plain, sealed) = match sealing.keep(app, secret)? {
        StoredSecret::Plain(p) => (Some(p), None),
        StoredSecret::Sealed(b) => (None, Some(b)),
    };
    tx.prepare_cached("INSERT OR REPLACE INTO secrets (app, password, sealed) VALUES (?1, ?2, ?3)")
        .and_then(|mut s| s.execute(params![app.as_str(), plain, sealed]))
        .map(drop)
        .map_err(|e| Error::Storage { reason: format!("keeping a password: {e}") })
}

/// The password of `app` as the file keeps it.
pub(crate) fn load(conn: &Connection, app: &AppId) -> rusqlite::Result<Option<StoredSecret>> {
    conn.prepare_cached("SELECT password, sealed FROM secrets WHERE app = ?1")
        .and_then(|mut s| s.query_row(params![app.as_str()], |r| stored(r, 0)).optional())
}
