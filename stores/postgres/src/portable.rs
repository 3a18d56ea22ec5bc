//! The store's whole content, out and in ([`Portable`]): an export reads one `REPEATABLE READ`
//! snapshot through portals, a batch of rows at a time; an import writes into an empty schema
//! in one transaction, a batch of rows per statement.

use appmarket::Error;
use appmarket::actor::AppId;
use appmarket::store::columns::{self, SEQUENCES};
use appmarket::store::content::{Census, Item, Kept, Portable, Sink, check_event_number};
use appmarket::store::{Record, RequestRecord};
use chrono::{DateTime, Utc};
use postgres::GenericClient;
use postgres::types::ToSql;

use crate::errors::{corrupt, to_error};
use crate::rows::{KINDS, actor_key, event_doc, event_of, nanos, record_of, sequence_name, target_key};
use crate::run::Fail;
use crate::{PostgresStore, secrets};

/// Rows fetched from a portal, or written by one statement, at a time.
const BATCH: usize = 2000;

/// The kinds whose tables keep the creation order (`pos`), which their listings follow.
fn order_by(table: &str) -> &'static str {
    match table {
        "orders" | "apps" | "flows" => "t.pos",
        _ => "t.id",
    }
}

/// The query columns of a record as text, in the order of its kind's `columns`, for an import
/// (cast to their types in SQL).
fn text_columns(record: &Record) -> Vec<Option<String>> {
    let c = columns::record_columns(record);
    let text = |s: Option<&str>| s.map(str::to_owned);
    let flag = |b: Option<bool>| b.map(|b| b.to_string());
    match record {
        Record::Product(p) => vec![Some(p.listed.to_string())],
        Record::Order(_) => vec![c.customer, text(c.status), c.product],
        Record::App(_) => {
            vec![c.customer, flag(c.listed), text(c.status), text(c.delivery), text(c.mode), c.name_lower]
        }
        Record::Flow(_) => vec![c.customer, c.seller, text(c.status), text(c.flow_kind), c.order_id],
        Record::Appeal(_) => vec![flag(c.open), c.opened_at.map(|n| n.to_string())],
        Record::Account(_) | Record::SavedList(_) | Record::Invoice(_) => vec![],
    }
}

/// The SQL type of a query column.
fn column_type(name: &str) -> &'static str {
    match name {
        "listed" | "open" => "boolean",
        "opened_at" => "bigint",
        _ => "text",
    }
}

/// Rows of one kind waiting to be written.
#[derive(Default)]
struct Rows {
    ids: Vec<String>,
    versions: Vec<i64>,
    docs: Vec<String>,
    columns: Vec<Vec<Option<String>>>,
}

/// Passwords waiting: apps, plain texts, sealed values.
type Secrets = (Vec<String>, Vec<Option<String>>, Vec<Option<Vec<u8>>>);

/// What an import has read and not written yet.
#[derive(Default)]
struct Pending {
    records: [Rows; 8],
    due: (Vec<String>, Vec<i64>),
    events: (Vec<i64>, Vec<String>, Vec<String>),
    secrets: Secrets,
    requests: (Vec<String>, Vec<String>, Vec<i64>, Vec<String>),
}

fn pg(what: &'static str) -> impl Fn(postgres::Error) -> Error {
    move |e| to_error(what, &e)
}

impl PostgresStore {
    fn census_on(client: &mut impl GenericClient, now: DateTime<Utc>) -> Result<Census, Error> {
        let q = pg("counting what the store holds");
        let mut census = Census::default();
        let counts: String = KINDS.iter().map(|k| format!("(SELECT count(*) FROM {}), ", k.table)).collect();
        let row = client
            .query_one(
                &format!(
                    "SELECT {counts}(SELECT count(*) FROM events), (SELECT coalesce(max(seq), 0) FROM events),
                            (SELECT count(*) FROM secrets), (SELECT count(*) FROM requests),
                            (SELECT min(at) FROM due),
                            (SELECT count(*) FROM claims WHERE until > $1)
                              + (SELECT count(*) FROM due WHERE claimed_until > $1),
                            (SELECT value FROM meta WHERE key = 'marketplace_id')"
                ),
                &[&nanos(now)],
            )
            .map_err(&q)?;
        for i in 0..KINDS.len() {
            census.records[i] = row.get::<_, i64>(i) as u64;
        }
        let n = KINDS.len();
        census.events = row.get::<_, i64>(n) as u64;
        census.last_seq = row.get::<_, i64>(n + 1) as u64;
        census.secrets = row.get::<_, i64>(n + 2) as u64;
        census.requests = row.get::<_, i64>(n + 3) as u64;
        census.next_due = row.get::<_, Option<i64>>(n + 4).map(columns::instant);
        census.claims = row.get::<_, i64>(n + 5) as u64;
        census.marketplace_id = row.get(n + 6);
        for row in client.query("SELECT split_part(target, ':', 1), count(*) FROM due GROUP BY 1", &[]).map_err(&q)? {
            let kind: String = row.get(0);
            if let Some(slot) = kind.parse::<usize>().ok().filter(|k| *k < census.due.len()) {
                census.due[slot] = row.get::<_, i64>(1) as u64;
            }
        }
        for sequence in SEQUENCES {
            if let Some(row) = client
                .query_opt("SELECT value FROM sequences WHERE name = $1", &[&sequence_name(sequence)])
                .map_err(&q)?
            {
                census.sequences.push((sequence, row.get::<_, i64>(0) as u64));
            }
        }
        Ok(census)
    }

    /// Writes what waits of each kind whose batch is full (or everything, with `all`).
    fn flush(&self, tx: &mut postgres::Transaction<'_>, pending: &mut Pending, all: bool) -> Result<(), Error> {
        let q = pg("importing");
        for (rank, kind) in KINDS.iter().enumerate() {
            let rows = &mut pending.records[rank];
            if rows.ids.is_empty() || (!all && rows.ids.len() < BATCH) {
                continue;
            }
            let rows = std::mem::take(rows);
            let names: String = kind.columns.iter().map(|c| format!(", {c}")).collect();
            let selected: String = kind.columns.iter().map(|c| format!(", u.{c}::{}", column_type(c))).collect();
            let arrays: String = (0..kind.columns.len()).map(|i| format!(", ${}::text[]", i + 4)).collect();
            let sql = format!(
                "INSERT INTO {table} (id, version, doc{names}) SELECT u.id, u.version, u.doc{selected}
                 FROM unnest($1::text[], $2::bigint[], $3::text[]{arrays}) AS u(id, version, doc{names})",
                table = kind.table
            );
            let mut params: Vec<&(dyn ToSql + Sync)> = vec![&rows.ids, &rows.versions, &rows.docs];
            let columns: Vec<Vec<Option<String>>> = (0..kind.columns.len())
                .map(|i| rows.columns.iter().map(|c| c.get(i).cloned().flatten()).collect())
                .collect();
            params.extend(columns.iter().map(|c| c as &(dyn ToSql + Sync)));
            tx.execute(&sql, &params).map_err(|e| match e.code() {
                Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => {
                    Error::invalid("records", format!("a {} is imported twice", kind.what))
                }
                _ => q(e),
            })?;
        }
        if !pending.due.0.is_empty() && (all || pending.due.0.len() >= BATCH) {
            let (keys, at) = std::mem::take(&mut pending.due);
            tx.execute("INSERT INTO due (target, at) SELECT * FROM unnest($1::text[], $2::bigint[])", &[&keys, &at])
                .map_err(&q)?;
        }
        if !pending.events.0.is_empty() && (all || pending.events.0.len() >= BATCH) {
            let (seqs, targets, docs) = std::mem::take(&mut pending.events);
            tx.execute(
                "INSERT INTO events (seq, target, doc) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[])",
                &[&seqs, &targets, &docs],
            )
            .map_err(&q)?;
        }
        if !pending.secrets.0.is_empty() && (all || pending.secrets.0.len() >= BATCH) {
            let (apps, plain, sealed) = std::mem::take(&mut pending.secrets);
            tx.execute(
                "INSERT INTO secrets (app, secret, sealed) SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])
                 ON CONFLICT (app) DO UPDATE SET secret = EXCLUDED.secret, sealed = EXCLUDED.sealed",
                &[&apps, &plain, &sealed],
            )
            .map_err(&q)?;
        }
        if !pending.requests.0.is_empty() && (all || pending.requests.0.len() >= BATCH) {
            let (actors, ids, at, docs) = std::mem::take(&mut pending.requests);
            tx.execute(
                "INSERT INTO requests (actor, id, at, doc)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])
                 ON CONFLICT (actor, id) DO UPDATE SET at = EXCLUDED.at, doc = EXCLUDED.doc",
                &[&actors, &ids, &at, &docs],
            )
            .map_err(&q)?;
        }
        Ok(())
    }

    fn import_on(
        &self,
        client: &mut postgres::Client,
        items: &mut dyn Iterator<Item = Result<Item, Error>>,
    ) -> Result<(), Error> {
        let q = pg("importing");
        let mut tx = client.transaction().map_err(&q)?;
        // Hosts importing together: one imports, the other then finds the schema not empty.
        tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", &[&format!("appmarket-import:{}", self.schema)])
            .map_err(&q)?;
        let census = Self::census_on(&mut tx, DateTime::<Utc>::MIN_UTC)?;
        if !census.is_empty() {
            return Err(census.not_empty_error());
        }
        // The listing counts are counted once at the end, not by a trigger per row.
        tx.batch_execute(
            "ALTER TABLE orders DISABLE TRIGGER USER; ALTER TABLE apps DISABLE TRIGGER USER;
             ALTER TABLE flows DISABLE TRIGGER USER;",
        )
        .map_err(&q)?;
        let mut pending = Pending::default();
        let mut last = 0;
        for item in items {
            match item? {
                Item::MarketplaceId(id) => {
                    tx.execute(
                        "INSERT INTO meta (key, value) VALUES ('marketplace_id', $1)
                         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                        &[&id],
                    )
                    .map_err(&q)?;
                }
                Item::Sequence(sequence, n) => {
                    tx.execute(
                        "INSERT INTO sequences (name, value) VALUES ($1, $2)
                         ON CONFLICT (name) DO UPDATE SET value = greatest(sequences.value, EXCLUDED.value)",
                        &[&sequence_name(sequence), &(n as i64)],
                    )
                    .map_err(&q)?;
                }
                Item::Record(Kept { record, version, due }) => {
                    let target = record.target();
                    let (rank, id) = target.kind_and_id();
                    let doc = match &record {
                        Record::Account(a) => serde_json::to_string(a),
                        Record::Product(p) => serde_json::to_string(p),
                        Record::SavedList(l) => serde_json::to_string(l),
                        Record::Order(o) => serde_json::to_string(o),
                        Record::App(a) => serde_json::to_string(a),
                        Record::Flow(f) => serde_json::to_string(f),
                        Record::Appeal(a) => serde_json::to_string(a),
                        Record::Invoice(i) => serde_json::to_string(i),
                    }
                    .map_err(|e| Error::Storage { reason: format!("cannot serialize a record: {e}") })?;
                    let rows = &mut pending.records[rank];
                    rows.ids.push(id.to_owned());
                    rows.versions.push(version as i64);
                    rows.docs.push(doc);
                    rows.columns.push(text_columns(&record));
                    if let Some(at) = due {
                        pending.due.0.push(target_key(&target));
                        pending.due.1.push(nanos(at));
                    }
                }
                Item::Event(event) => {
                    check_event_number(last, &event)?;
                    last = event.seq;
                    pending.events.0.push(event.seq as i64);
                    pending.events.1.push(target_key(&event.target));
                    pending.events.2.push(event_doc(&event)?);
                }
                Item::Secret(app, secret) => {
                    let (plain, sealed) = secrets::columns(self.sealing.keep(&app, &secret)?);
                    pending.secrets.0.push(app.as_str().to_owned());
                    pending.secrets.1.push(plain);
                    pending.secrets.2.push(sealed);
                }
                Item::Request(request) => {
                    let doc = serde_json::to_string(&request)
                        .map_err(|e| Error::Storage { reason: format!("cannot serialize a request record: {e}") })?;
                    pending.requests.0.push(actor_key(&request.actor));
                    pending.requests.1.push(request.id.as_str().to_owned());
                    pending.requests.2.push(nanos(request.at));
                    pending.requests.3.push(doc);
                }
            }
            self.flush(&mut tx, &mut pending, false)?;
        }
        self.flush(&mut tx, &mut pending, true)?;
        tx.execute("UPDATE stream_head SET seq = $1 WHERE id = 1", &[&(last as i64)]).map_err(&q)?;
        tx.batch_execute(
            "ALTER TABLE orders ENABLE TRIGGER USER; ALTER TABLE apps ENABLE TRIGGER USER;
             ALTER TABLE flows ENABLE TRIGGER USER;
             DELETE FROM listing_counts;
             INSERT INTO listing_counts (listing, owner, status, n)
                 SELECT 'orders', customer, status, count(*) FROM orders GROUP BY customer, status
                 UNION ALL SELECT 'apps', customer, status, count(*) FROM apps WHERE listed GROUP BY customer, status
                 UNION ALL SELECT 'customer_flows', customer, status, count(*) FROM flows GROUP BY customer, status
                 UNION ALL SELECT 'seller_flows', seller, status, count(*) FROM flows GROUP BY seller, status;",
        )
        .map_err(&q)?;
        tx.commit().map_err(&q)
    }

    fn export_on(&self, client: &mut postgres::Client, sink: &mut Sink<'_>) -> Result<(), Error> {
        let q = pg("exporting");
        let mut tx = client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(&q)?;
        if let Some(row) = tx.query_opt("SELECT value FROM meta WHERE key = 'marketplace_id'", &[]).map_err(&q)? {
            sink(Item::MarketplaceId(row.get(0)))?;
        }
        for row in tx.query("SELECT name, value FROM sequences ORDER BY name", &[]).map_err(&q)? {
            let name: &str = row.get(0);
            let sequence = SEQUENCES
                .into_iter()
                .find(|s| sequence_name(*s) == name)
                .ok_or_else(|| corrupt("sequence", format!("unknown sequence {name:?}")))?;
            sink(Item::Sequence(sequence, row.get::<_, i64>(1) as u64))?;
        }
        // Products first, then each kind in its creation order.
        for rank in [1, 0, 2, 3, 4, 5, 6, 7] {
            let kind = &KINDS[rank];
            let sql = format!(
                "SELECT t.version, t.doc, d.at FROM {table} t LEFT JOIN due d ON d.target = '{rank}:' || t.id
                 ORDER BY {order}",
                table = kind.table,
                order = order_by(kind.table)
            );
            let portal = tx.bind(sql.as_str(), &[]).map_err(&q)?;
            loop {
                let rows = tx.query_portal(&portal, BATCH as i32).map_err(&q)?;
                for row in &rows {
                    let record = record_of(rank, row.get(1))?;
                    let due = row.get::<_, Option<i64>>(2).map(columns::instant);
                    sink(Item::Record(Kept { record, version: row.get::<_, i64>(0) as u64, due }))?;
                }
                if rows.len() < BATCH {
                    break;
                }
            }
        }
        let portal = tx.bind("SELECT seq, doc FROM events ORDER BY seq", &[]).map_err(&q)?;
        loop {
            let rows = tx.query_portal(&portal, BATCH as i32).map_err(&q)?;
            for row in &rows {
                sink(Item::Event(event_of(row.get(0), row.get(1))?))?;
            }
            if rows.len() < BATCH {
                break;
            }
        }
        let portal = tx.bind("SELECT app, secret, sealed FROM secrets ORDER BY app", &[]).map_err(&q)?;
        loop {
            let rows = tx.query_portal(&portal, BATCH as i32).map_err(&q)?;
            for row in &rows {
                let app = AppId::parse(row.get(0))?;
                let secret = self.sealing.read(&app, secrets::stored(row.get(1), row.get(2))?)?;
                sink(Item::Secret(app, secret))?;
            }
            if rows.len() < BATCH {
                break;
            }
        }
        let portal = tx.bind("SELECT doc FROM requests ORDER BY actor, id", &[]).map_err(&q)?;
        loop {
            let rows = tx.query_portal(&portal, BATCH as i32).map_err(&q)?;
            for row in &rows {
                let request: RequestRecord =
                    serde_json::from_str(row.get(0)).map_err(|e| corrupt("request record", e))?;
                sink(Item::Request(request))?;
            }
            if rows.len() < BATCH {
                break;
            }
        }
        tx.commit().map_err(&q)
    }
}

impl Portable for PostgresStore {
    /// On a pooled connection, in one `REPEATABLE READ READ ONLY` transaction (other hosts'
    /// commits go on meanwhile and are not seen).
    fn export(&self, sink: &mut Sink<'_>) -> Result<(), Error> {
        self.run("exporting", false, |conn| self.export_on(&mut conn.client, sink).map_err(Fail::Final))
    }

    /// One transaction on a pooled connection, under an advisory lock of the schema; the
    /// listing counts are counted once at its end.
    fn import(&self, items: &mut dyn Iterator<Item = Result<Item, Error>>) -> Result<(), Error> {
        self.run("importing", false, |conn| self.import_on(&mut conn.client, items).map_err(Fail::Final))
    }

    fn census(&self, now: DateTime<Utc>) -> Result<Census, Error> {
        self.read("counting what the store holds", |conn| Self::census_on(&mut conn.client, now).map_err(Fail::Final))
    }
}
