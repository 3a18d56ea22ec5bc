//! Everything a store holds, in one read.

use appmarket::Error;
use appmarket::actor::AppId;
use appmarket::event::Event;
use appmarket::store::{Record, RequestRecord, StoreSnapshot};

use crate::SqliteStore;
use crate::codec::{SEQUENCES, instant, sequence_name, target_of};

impl SqliteStore {
    /// Everything the store holds, in the order of `MemoryStore::snapshot`: two stores with the
    /// same content give equal snapshots. Passwords are not included, only which apps have one.
    ///
    /// A sequence shows the last number handed out when this store reserved the file's last
    /// block (as the file will after the store is closed), else the last number reserved.
    pub fn snapshot(&self) -> Result<StoreSnapshot, Error> {
        let numbers = self.numbers.lock().unwrap_or_else(|p| p.into_inner());
        let mut conn = self.writer();
        let tx = conn.transaction().map_err(|e| self.sql("reading a snapshot", e))?;
        let q = |e| self.sql("reading a snapshot", e);
        let mut records: Vec<(Record, u64)> = Vec::new();
        for sql in ["SELECT doc, version FROM records", "SELECT doc, version FROM products"] {
            let mut stmt = tx.prepare(sql).map_err(q)?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).map_err(q)?;
            for row in rows {
                let (doc, version) = row.map_err(q)?;
                records.push((self.decode("record", &doc)?, version as u64));
            }
        }
        records.sort_by_key(|(r, _)| r.target());
        let mut due = Vec::new();
        let mut stmt =
            tx.prepare("SELECT due, kind, id FROM records WHERE due IS NOT NULL ORDER BY due, kind, id").map_err(q)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))
            .map_err(q)?;
        for row in rows {
            let (at, kind, id) = row.map_err(q)?;
            due.push((instant(at), target_of(kind, &id)?));
        }
        drop(stmt);
        let mut events = Vec::new();
        let mut stmt = tx.prepare("SELECT doc FROM events ORDER BY seq").map_err(q)?;
        for doc in stmt.query_map([], |r| r.get::<_, String>(0)).map_err(q)? {
            events.push(self.decode::<Event>("event", &doc.map_err(q)?)?);
        }
        drop(stmt);
        let mut requests = Vec::new();
        let mut stmt = tx.prepare("SELECT doc FROM requests").map_err(q)?;
        for doc in stmt.query_map([], |r| r.get::<_, String>(0)).map_err(q)? {
            requests.push(self.decode::<RequestRecord>("request record", &doc.map_err(q)?)?);
        }
        drop(stmt);
        requests.sort_by(|a, b| (&a.actor, &a.id).cmp(&(&b.actor, &b.id)));
        let mut apps_with_secrets = Vec::new();
        let mut stmt = tx.prepare("SELECT app FROM secrets").map_err(q)?;
        for app in stmt.query_map([], |r| r.get::<_, String>(0)).map_err(q)? {
            apps_with_secrets.push(AppId::parse(&app.map_err(q)?)?);
        }
        drop(stmt);
        apps_with_secrets.sort();
        let mut sequences = Vec::new();
        let mut stmt = tx.prepare("SELECT name, value FROM sequences ORDER BY name").map_err(q)?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).map_err(q)? {
            let (name, value) = row.map_err(q)?;
            let mut value = value as u64;
            if let Some(block) = numbers.iter().find(|(s, _)| sequence_name(**s) == name).map(|(_, b)| b)
                && block.end == value
            {
                value = block.next - 1;
            }
            // Shown as `MemoryStore::snapshot` names it (`Order`).
            let shown = SEQUENCES.iter().find(|s| sequence_name(**s) == name).map_or(name, |s| format!("{s:?}"));
            sequences.push((shown, value));
        }
        drop(stmt);
        sequences.sort();
        Ok(StoreSnapshot { records, due, events, requests, apps_with_secrets, sequences })
    }
}
