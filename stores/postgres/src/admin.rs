//! Operations on the whole store outside the `Store` trait: a snapshot of everything it holds,
//! and the benchmarks' bulk insert and schema drop.

use appmarket::actor::{AppId, RequestId};
use appmarket::store::{Store, StoreSnapshot};
use appmarket::{Actor, Error, PurchasedApp, Target};
use chrono::{DateTime, Utc};

use crate::PostgresStore;
use crate::rows::{self, ALL_SEQUENCES, KINDS, nanos, record_of, sequence_name, target_key};

impl PostgresStore {
    /// Everything the store holds, in the order of [`appmarket::MemoryStore::snapshot`]: two
    /// stores with the same content give equal snapshots. Reads the whole database: for tests
    /// and diagnostics of small stores.
    pub fn snapshot(&self) -> Result<StoreSnapshot, Error> {
        let mut records = Vec::new();
        for (rank, kind) in KINDS.iter().enumerate() {
            let sql = format!("SELECT version, doc FROM {} ORDER BY id", kind.table);
            for row in self.query("reading a snapshot", &sql, &[])? {
                records.push((record_of(rank, row.get(1))?, row.get::<_, i64>(0) as u64));
            }
        }
        let due = self
            .query("reading a snapshot", "SELECT at, target FROM due ORDER BY at, target", &[])?
            .iter()
            .map(|r| Ok((DateTime::from_timestamp_nanos(r.get(0)), rows::target_of_key(r.get(1))?)))
            .collect::<Result<Vec<_>, Error>>()?;
        let events = self.events_since(0, usize::MAX)?;
        let mut requests = Vec::new();
        for row in self.query("reading a snapshot", "SELECT actor, id FROM requests", &[])? {
            let actor = Actor::parse(row.get(0))?;
            let id = RequestId::parse(row.get(1))?;
            requests.extend(self.request(&actor, &id)?);
        }
        requests.sort_by(|a, b| (&a.actor, &a.id).cmp(&(&b.actor, &b.id)));
        let apps_with_secrets = self
            .query("reading a snapshot", "SELECT app FROM secrets ORDER BY app", &[])?
            .iter()
            .map(|r| AppId::parse(r.get(0)))
            .collect::<Result<Vec<_>, Error>>()?;
        let rows = self.query("reading a snapshot", "SELECT name, value FROM sequences", &[])?;
        let blocks = self.numbers.lock().unwrap_or_else(|p| p.into_inner());
        let mut sequences: Vec<(String, u64)> = rows
            .iter()
            .map(|r| {
                let name: &str = r.get(0);
                let shown = ALL_SEQUENCES
                    .iter()
                    .find(|s| sequence_name(**s) == name)
                    .map_or_else(|| name.to_owned(), |s| format!("{s:?}"));
                // The last number handed out: this store's reserved block is not counted.
                let value = r.get::<_, i64>(1) as u64;
                let unused = blocks.get(name).filter(|b| b.last == value).map_or(0, |b| b.last + 1 - b.next);
                (shown, value - unused)
            })
            .collect();
        drop(blocks);
        sequences.sort();
        Ok(StoreSnapshot { records, due, events, requests, apps_with_secrets, sequences })
    }

    /// Benchmarks only: inserts apps with their due instants, without events, as if each had
    /// just been saved at version 1, in batches of one statement. Not a repository operation.
    #[doc(hidden)]
    pub fn bulk_insert_apps(&self, apps: &[(PurchasedApp, Option<DateTime<Utc>>)]) -> Result<(), Error> {
        for chunk in apps.chunks(2_000) {
            let mut ids = Vec::with_capacity(chunk.len());
            let mut docs = Vec::with_capacity(chunk.len());
            let mut customers = Vec::with_capacity(chunk.len());
            let mut listed = Vec::with_capacity(chunk.len());
            let mut statuses = Vec::with_capacity(chunk.len());
            let mut deliveries = Vec::with_capacity(chunk.len());
            let mut modes = Vec::with_capacity(chunk.len());
            let mut names = Vec::with_capacity(chunk.len());
            let (mut due_keys, mut due_at) = (Vec::new(), Vec::new());
            for (app, due) in chunk {
                ids.push(app.id.to_string());
                docs.push(serde_json::to_string(app).map_err(|e| Error::Storage { reason: e.to_string() })?);
                let c = rows::app_columns(app);
                customers.push(c.customer);
                listed.push(c.listed);
                statuses.push(c.status);
                deliveries.push(c.delivery);
                modes.push(c.mode);
                names.push(c.name_lower);
                if let Some(due) = due {
                    due_keys.push(target_key(&Target::App(app.id.clone())));
                    due_at.push(nanos(*due));
                }
            }
            self.write("inserting apps", |conn| {
                let mut tx = conn.client.transaction()?;
                tx.execute(
                    "INSERT INTO apps (id, version, doc, customer, listed, status, delivery, mode, name_lower)
                     SELECT id, 1, doc, customer, listed, status, delivery, mode, name_lower
                     FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[], $5::text[], $6::text[], $7::text[],
                                 $8::text[]) AS a(id, doc, customer, listed, status, delivery, mode, name_lower)
                     ON CONFLICT (id) DO UPDATE SET version = 1, doc = EXCLUDED.doc, status = EXCLUDED.status,
                         listed = EXCLUDED.listed",
                    &[&ids, &docs, &customers, &listed, &statuses, &deliveries, &modes, &names],
                )?;
                tx.execute(
                    "INSERT INTO due (target, at) SELECT * FROM unnest($1::text[], $2::bigint[])
                     ON CONFLICT (target) DO UPDATE SET at = EXCLUDED.at, claimed_until = NULL",
                    &[&due_keys, &due_at],
                )?;
                tx.commit()
            })?;
        }
        Ok(())
    }

    /// Benchmarks only: drops this store's schema and everything in it (a bench's million apps
    /// would otherwise stay on the server). Not a repository operation.
    #[doc(hidden)]
    pub fn drop_schema(&self) -> Result<(), Error> {
        let sql = format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.schema);
        self.write("dropping the schema", |conn| conn.client.batch_execute(&sql))
    }
}
