//! The store's whole content, out and in ([`Portable`]): an export reads a snapshot of the file
//! on a connection of its own, row by row; an import writes into an empty file in one
//! `BEGIN IMMEDIATE` transaction.

use appmarket::Error;
use appmarket::actor::AppId;
use appmarket::event::Event;
use appmarket::store::columns::SEQUENCES;
use appmarket::store::content::{Census, Item, Kept, Portable, Sink, check_event_number};
use appmarket::store::{Record, RequestRecord};
use chrono::{DateTime, Utc};
use rusqlite::types::ToSql;
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::codec::{actor_key, instant, key, nanos, sequence_name};
use crate::listing::{self, Columns};
use crate::open::connect;
use crate::{SqliteStore, secrets};

impl SqliteStore {
    /// What the file holds, read on `conn` (inside the caller's transaction, if any).
    fn census_on(&self, conn: &Connection, now: DateTime<Utc>) -> Result<Census, Error> {
        let q = |e| self.sql("counting what the store holds", e);
        let mut census = Census::default();
        {
            let mut stmt = conn.prepare("SELECT kind, count(*), count(due) FROM records GROUP BY kind").map_err(q)?;
            let mut rows = stmt.query([]).map_err(q)?;
            while let Some(row) = rows.next().map_err(q)? {
                let kind: i64 = row.get(0).map_err(q)?;
                let Some(slot) = usize::try_from(kind).ok().filter(|k| *k < census.records.len()) else {
                    return Err(self.fail("counting records", format!("a record of unknown kind {kind}")));
                };
                census.records[slot] = row.get::<_, i64>(1).map_err(q)? as u64;
                census.due[slot] = row.get::<_, i64>(2).map_err(q)? as u64;
            }
        }
        let one = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, Option<i64>>(0)).map_err(q);
        census.records[1] = one("SELECT count(*) FROM products")?.unwrap_or(0) as u64;
        census.events = one("SELECT count(*) FROM events")?.unwrap_or(0) as u64;
        census.last_seq = one("SELECT max(seq) FROM events")?.unwrap_or(0) as u64;
        census.secrets = one("SELECT count(*) FROM secrets")?.unwrap_or(0) as u64;
        census.requests = one("SELECT count(*) FROM requests")?.unwrap_or(0) as u64;
        census.next_due = one("SELECT min(due) FROM records WHERE due IS NOT NULL")?.map(instant);
        census.claims = conn
            .query_row("SELECT count(*) FROM claims WHERE until > ?1", params![nanos(now)], |r| r.get::<_, i64>(0))
            .map_err(q)? as u64;
        census.marketplace_id = conn
            .query_row("SELECT value FROM meta WHERE key = 'marketplace_id'", [], |r| r.get::<_, String>(0))
            .optional()
            .map_err(q)?;
        for sequence in SEQUENCES {
            let value: Option<i64> = conn
                .query_row("SELECT value FROM sequences WHERE name = ?1", params![sequence_name(sequence)], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(q)?;
            if let Some(n) = value {
                census.sequences.push((sequence, n as u64));
            }
        }
        Ok(census)
    }
}

/// Runs `sql` and gives each row to `each`, stepping the statement (never all rows at once).
fn each_row(
    conn: &Connection,
    sql: &str,
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<(), Error>,
    q: &dyn Fn(rusqlite::Error) -> Error,
) -> Result<(), Error> {
    let mut stmt = conn.prepare(sql).map_err(q)?;
    let mut rows = stmt.query([]).map_err(q)?;
    while let Some(row) = rows.next().map_err(q)? {
        each(row)?;
    }
    Ok(())
}

impl Portable for SqliteStore {
    /// On a connection of its own, in one read transaction (WAL: commits go on meanwhile and
    /// are not seen).
    fn export(&self, sink: &mut Sink<'_>) -> Result<(), Error> {
        let q = |e| self.sql("exporting", e);
        let mut conn = connect(&self.path, OpenFlags::SQLITE_OPEN_READ_WRITE).map_err(q)?;
        conn.busy_timeout(self.options.busy_timeout).map_err(q)?;
        let tx = conn.transaction().map_err(q)?;
        // The snapshot starts with the first read.
        let id: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = 'marketplace_id'", [], |r| r.get(0))
            .optional()
            .map_err(q)?;
        if let Some(id) = id {
            sink(Item::MarketplaceId(id))?;
        }
        each_row(
            &tx,
            "SELECT name, value FROM sequences ORDER BY name",
            |row| {
                let name: String = row.get(0).map_err(q)?;
                let sequence = SEQUENCES
                    .into_iter()
                    .find(|s| sequence_name(*s) == name)
                    .ok_or_else(|| self.fail("exporting", format!("an unknown sequence {name:?}")))?;
                sink(Item::Sequence(sequence, row.get::<_, i64>(1).map_err(q)? as u64))
            },
            &q,
        )?;
        each_row(
            &tx,
            "SELECT version, doc FROM products ORDER BY rowid",
            |row| {
                let record: Record =
                    self.decode("product", row.get_ref(1).and_then(|v| Ok(v.as_str()?)).map_err(q)?)?;
                sink(Item::Record(Kept { record, version: row.get::<_, i64>(0).map_err(q)? as u64, due: None }))
            },
            &q,
        )?;
        each_row(
            &tx,
            "SELECT version, due, doc FROM records ORDER BY rowid",
            |row| {
                let record: Record = self.decode("record", row.get_ref(2).and_then(|v| Ok(v.as_str()?)).map_err(q)?)?;
                let version = row.get::<_, i64>(0).map_err(q)? as u64;
                let due = row.get::<_, Option<i64>>(1).map_err(q)?.map(instant);
                sink(Item::Record(Kept { record, version, due }))
            },
            &q,
        )?;
        each_row(
            &tx,
            "SELECT doc FROM events ORDER BY seq",
            |row| {
                let event: Event = self.decode("event", row.get_ref(0).and_then(|v| Ok(v.as_str()?)).map_err(q)?)?;
                sink(Item::Event(event))
            },
            &q,
        )?;
        each_row(
            &tx,
            "SELECT app, password, sealed FROM secrets ORDER BY app",
            |row| {
                let app = AppId::parse(row.get_ref(0).and_then(|v| Ok(v.as_str()?)).map_err(q)?)?;
                let kept = secrets::stored(row, 1).map_err(q)?;
                let secret = self.sealing.read(&app, kept)?;
                sink(Item::Secret(app, secret))
            },
            &q,
        )?;
        each_row(
            &tx,
            "SELECT doc FROM requests ORDER BY actor, id",
            |row| {
                let request: RequestRecord =
                    self.decode("request record", row.get_ref(0).and_then(|v| Ok(v.as_str()?)).map_err(q)?)?;
                sink(Item::Request(request))
            },
            &q,
        )?;
        tx.finish().map_err(q)
    }

    /// One `BEGIN IMMEDIATE` transaction on the writing connection; nothing of it is in the
    /// file until it commits (a killed import leaves the file as it was).
    fn import(&self, items: &mut dyn Iterator<Item = Result<Item, Error>>) -> Result<(), Error> {
        let mut conn = self.writer();
        let q = |e| self.sql("importing", e);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(q)?;
        let census = self.census_on(&tx, DateTime::<Utc>::MIN_UTC)?;
        if !census.is_empty() {
            return Err(census.not_empty_error());
        }
        let mut catalog: i64 =
            tx.query_row("SELECT value FROM meta WHERE key = 'catalog_seq'", [], |r| r.get(0)).map_err(q)?;
        let mut last = 0;
        for item in items {
            match item? {
                Item::MarketplaceId(id) => {
                    tx.execute(
                        "INSERT INTO meta (key, value) VALUES ('marketplace_id', ?1)
                         ON CONFLICT (key) DO UPDATE SET value = ?1",
                        params![id],
                    )
                    .map_err(q)?;
                }
                Item::Sequence(sequence, n) => {
                    tx.prepare_cached(
                        "INSERT INTO sequences (name, value) VALUES (?1, ?2)
                         ON CONFLICT (name) DO UPDATE SET value = max(value, ?2)",
                    )
                    .and_then(|mut s| s.execute(params![sequence_name(sequence), n as i64]))
                    .map_err(q)?;
                }
                Item::Record(Kept { record, version, due }) => {
                    let target = record.target();
                    let (kind, id) = key(&target);
                    let doc = self.encode("record", &record)?;
                    let version = version as i64;
                    let inserted = if let Record::Product(_) = record {
                        catalog += 1;
                        tx.prepare_cached(
                            "INSERT INTO products (id, version, changed, doc) VALUES (?1, ?2, ?3, ?4)
                             ON CONFLICT (id) DO NOTHING",
                        )
                        .and_then(|mut s| s.execute(params![id, version, catalog, doc]))
                    } else {
                        let columns = Columns::of(&record);
                        let due = due.map(nanos);
                        let mut values: Vec<&dyn ToSql> = vec![&kind, &id, &due, &doc];
                        values.extend(columns.values());
                        values.push(&version);
                        tx.prepare_cached(listing::IMPORT).and_then(|mut s| s.execute(values.as_slice()))
                    };
                    match inserted {
                        Ok(1) => {}
                        Ok(_) => return Err(Error::invalid("records", format!("{target} is imported twice"))),
                        Err(e) if is_unique(&e) => {
                            return Err(Error::invalid("records", format!("{target} is imported twice")));
                        }
                        Err(e) => return Err(q(e)),
                    }
                }
                Item::Event(event) => {
                    check_event_number(last, &event)?;
                    last = event.seq;
                    let doc = self.encode("event", &event)?;
                    let (kind, id) = key(&event.target);
                    tx.prepare_cached("INSERT INTO events (seq, kind, id, doc) VALUES (?1, ?2, ?3, ?4)")
                        .and_then(|mut s| s.execute(params![event.seq as i64, kind, id, doc]))
                        .map_err(q)?;
                }
                Item::Secret(app, secret) => secrets::keep(&tx, &self.sealing, &app, &secret)?,
                Item::Request(request) => {
                    let doc = self.encode("request record", &request)?;
                    tx.prepare_cached(
                        "INSERT INTO requests (actor, id, at, doc) VALUES (?1, ?2, ?3, ?4)
                         ON CONFLICT (actor, id) DO UPDATE SET at = ?3, doc = ?4",
                    )
                    .and_then(|mut s| {
                        s.execute(params![actor_key(&request.actor), request.id.as_str(), nanos(request.at), doc])
                    })
                    .map_err(q)?;
                }
            }
        }
        tx.execute("UPDATE meta SET value = ?1 WHERE key = 'catalog_seq'", params![catalog]).map_err(q)?;
        tx.commit().map_err(q)?;
        self.catch_up(&conn)
    }

    fn census(&self, now: DateTime<Utc>) -> Result<Census, Error> {
        self.read(|conn| {
            let tx = conn.unchecked_transaction().map_err(|e| self.sql("counting what the store holds", e))?;
            let census = self.census_on(&tx, now)?;
            tx.finish().map_err(|e| self.sql("counting what the store holds", e))?;
            Ok(census)
        })
    }
}

fn is_unique(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
        || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}
