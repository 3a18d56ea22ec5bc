//! Writing a commit's rows, events, secrets and request record in a write transaction.

use appmarket::Error;
use appmarket::actor::Target;
use appmarket::app::PurchasedApp;
use appmarket::event::{EVENT_SCHEMA_VERSION, Event};
use appmarket::store::{Commit, Record};
use chrono::{DateTime, Utc};
use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::codec::{KIND_APP, Row, actor_key, key, nanos};
use crate::listing::{self, Columns};
use crate::{SqliteStore, secrets};

impl SqliteStore {
    /// Applies one commit inside the caller's write transaction: the checks first (a stale
    /// version or a used request id is [`Error::Conflict`] and writes nothing), then the rows.
    /// Returns the last event's seq and whether the catalogue changed.
    pub(crate) fn apply(&self, tx: &Connection, commit: Commit, at: DateTime<Utc>) -> Result<(u64, bool), Error> {
        let q = |e| self.sql("committing", e);
        commit.check_writes()?;
        // Checks first: a stale version or a used request id writes nothing (the transaction
        // rolls back when dropped). A record's row is found here once: its rowid, and its
        // indexed status and due instant, which an update leaves alone when they did not change.
        let mut rows: Vec<Option<Row>> = Vec::with_capacity(commit.writes.len());
        let targets: Vec<Target> = commit.writes.iter().map(|w| w.record.target()).collect();
        for (w, target) in commit.writes.iter().zip(&targets) {
            let (kind, id) = key(target);
            let current: u64 = if kind == 1 {
                rows.push(None);
                tx.prepare_cached("SELECT version FROM products WHERE id = ?1")
                    .and_then(|mut s| s.query_row(params![id], |r| r.get::<_, i64>(0)).optional())
                    .map_err(q)?
                    .map_or(0, |v| v as u64)
            } else {
                let row = tx
                    .prepare_cached(listing::SELECT_ROW)
                    .and_then(|mut s| {
                        s.query_row(params![kind, id], |r| {
                            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get(2)?, Columns::read(r, 3)?))
                        })
                        .optional()
                    })
                    .map_err(q)?;
                let version = row.as_ref().map_or(0, |r| r.1 as u64);
                rows.push(row.map(|(rowid, _, due, columns)| (rowid, due, columns)));
                version
            };
            if current != w.expected_version {
                return Err(Error::conflict(format!(
                    "{target} changed meanwhile (version {current}, expected {}): load it again and retry",
                    w.expected_version
                )));
            }
        }
        let request = match &commit.request {
            Some(req) => {
                let actor = actor_key(&req.actor);
                let used = tx
                    .prepare_cached("SELECT 1 FROM requests WHERE actor = ?1 AND id = ?2")
                    .and_then(|mut s| s.exists(params![actor, req.id.as_str()]))
                    .map_err(q)?;
                if used {
                    return Err(Error::conflict(format!("request id {} was used meanwhile", req.id)));
                }
                Some(actor)
            }
            None => None,
        };
        let mut catalog_seq: Option<i64> = None;
        for ((w, target), row) in commit.writes.iter().zip(&targets).zip(rows) {
            let (kind, id) = key(target);
            let version = (w.expected_version + 1) as i64;
            let doc = self.encode("record", &w.record)?;
            if kind == 1 {
                let seq = match catalog_seq {
                    Some(seq) => seq,
                    None => {
                        let seq: i64 = tx
                            .prepare_cached(
                                "UPDATE meta SET value = value + 1 WHERE key = 'catalog_seq' RETURNING value",
                            )
                            .and_then(|mut s| s.query_row([], |r| r.get(0)))
                            .map_err(q)?;
                        catalog_seq = Some(seq);
                        seq
                    }
                };
                tx.prepare_cached(
                    "INSERT INTO products (id, version, changed, doc) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (id) DO UPDATE SET version = ?2, changed = ?3, doc = ?4",
                )
                .and_then(|mut s| s.execute(params![id, version, seq, doc]))
                .map_err(q)?;
            } else {
                let columns = Columns::of(&w.record);
                let due = w.due.map(nanos);
                if w.expected_version == 0 {
                    let mut values: Vec<&dyn ToSql> = vec![&kind, &id, &due, &doc];
                    values.extend(columns.values());
                    tx.prepare_cached(listing::INSERT).and_then(|mut s| s.execute(values.as_slice())).map_err(q)?;
                } else {
                    let Some((rowid, old_due, old_columns)) = row else {
                        return Err(self.fail("committing", format!("{target} has a version but no row")));
                    };
                    // The indexed columns are written only when they changed: most commits change
                    // the document alone, and an index entry rewritten is pages written.
                    if old_columns == columns && old_due == due {
                        tx.prepare_cached("UPDATE records SET version = ?2, doc = ?3 WHERE rowid = ?1")
                            .and_then(|mut s| s.execute(params![rowid, version, doc]))
                            .map_err(q)?;
                    } else if old_columns.same_but_status(&columns) {
                        let mut values: Vec<&dyn ToSql> = vec![&rowid, &version, &due, &doc];
                        values.extend(columns.status_values());
                        tx.prepare_cached(listing::UPDATE_STATUS)
                            .and_then(|mut s| s.execute(values.as_slice()))
                            .map_err(q)?;
                    } else {
                        let mut values: Vec<&dyn ToSql> = vec![&rowid, &version, &due, &doc];
                        values.extend(columns.values());
                        tx.prepare_cached(listing::UPDATE).and_then(|mut s| s.execute(values.as_slice())).map_err(q)?;
                    }
                }
            }
            tx.prepare_cached("DELETE FROM claims WHERE kind = ?1 AND id = ?2")
                .and_then(|mut s| s.execute(params![kind, id]))
                .map_err(q)?;
        }
        for (app, secret) in &commit.secrets {
            secrets::keep(tx, &self.sealing, app, secret)?;
        }
        let mut last: i64 = tx
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM events")
            .and_then(|mut s| s.query_row([], |r| r.get(0)))
            .map_err(q)?;
        for e in commit.events {
            last += 1;
            let event = Event {
                schema_version: EVENT_SCHEMA_VERSION,
                seq: last as u64,
                at,
                actor: e.actor,
                target: e.target,
                kind: e.kind,
            };
            let doc = self.encode("event", &event)?;
            let (kind, id) = key(&event.target);
            tx.prepare_cached("INSERT INTO events (seq, kind, id, doc) VALUES (?1, ?2, ?3, ?4)")
                .and_then(|mut s| s.execute(params![last, kind, id, doc]))
                .map_err(q)?;
        }
        if let (Some(req), Some(actor)) = (&commit.request, request) {
            let doc = self.encode("request record", req)?;
            tx.prepare_cached("INSERT INTO requests (actor, id, at, doc) VALUES (?1, ?2, ?3, ?4)")
                .and_then(|mut s| s.execute(params![actor, req.id.as_str(), nanos(req.at), doc]))
                .map_err(q)?;
        }
        Ok((last as u64, catalog_seq.is_some()))
    }
    /// Benchmarks only: inserts apps with their due instants in one transaction, without
    /// events, as if each had just been saved at version 1. Not a repository operation.
    #[doc(hidden)]
    pub fn bulk_insert_apps(
        &self,
        apps: impl IntoIterator<Item = (PurchasedApp, Option<DateTime<Utc>>)>,
    ) -> Result<(), Error> {
        let mut conn = self.writer();
        let tx =
            conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| self.sql("bulk insert", e))?;
        {
            let mut stmt = tx.prepare_cached(listing::UPSERT).map_err(|e| self.sql("bulk insert", e))?;
            for (app, due) in apps {
                let record = Record::App(Box::new(app));
                let doc = self.encode("record", &record)?;
                let columns = Columns::of(&record);
                let Record::App(app) = record else { unreachable!() };
                let (id, due) = (app.id.as_str(), due.map(nanos));
                let mut values: Vec<&dyn ToSql> = vec![&KIND_APP, &id, &due, &doc];
                values.extend(columns.values());
                stmt.execute(values.as_slice()).map_err(|e| self.sql("bulk insert", e))?;
            }
        }
        tx.commit().map_err(|e| self.sql("bulk insert", e))
    }
}
