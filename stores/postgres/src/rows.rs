//! How records and events map to rows and documents. How targets, actors, instants, sequences
//! and the query columns become column values is `appmarket::store::columns`, shared with the
//! SQLite store.

use appmarket::event::{EVENT_SCHEMA_VERSION, Event, EventKind};
use appmarket::store::{Commit, Record, columns};
use appmarket::{Actor, Error, PurchasedApp, Target};
use chrono::{DateTime, Utc};
use postgres::types::ToSql;
use serde::{Deserialize, Serialize};

use crate::errors::corrupt;

/// One table per aggregate kind, in the order of `Target`'s variants (the rank).
pub(crate) struct Kind {
    pub(crate) table: &'static str,
    pub(crate) what: &'static str,
    /// Query columns after `id, version, doc`.
    pub(crate) columns: &'static [&'static str],
}

pub(crate) const KINDS: [Kind; 8] = [
    Kind { table: "accounts", what: "account", columns: &[] },
    Kind { table: "products", what: "product", columns: &["listed"] },
    Kind { table: "saved_lists", what: "saved list", columns: &[] },
    Kind { table: "orders", what: "order", columns: &["customer", "status", "product"] },
    Kind { table: "apps", what: "app", columns: &["customer", "listed", "status", "delivery", "mode", "name_lower"] },
    Kind { table: "flows", what: "service flow", columns: &["customer", "seller", "status", "kind", "order_id"] },
    Kind { table: "appeals", what: "appeal", columns: &["open", "opened_at"] },
    Kind { table: "invoices", what: "invoice", columns: &[] },
];

pub(crate) use appmarket::store::columns::{
    SEQUENCES as ALL_SEQUENCES, actor_key, nanos, sequence_name, target_key, target_of_key,
};

pub(crate) type Param = Box<dyn ToSql + Sync>;

/// A record as a row: rank, id, JSON document and the query columns of its kind.
pub(crate) struct Row {
    pub(crate) rank: usize,
    pub(crate) id: String,
    pub(crate) doc: String,
    pub(crate) columns: Vec<Param>,
}

fn json<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::Storage { reason: format!("cannot serialize a record: {e}") })
}

/// The row of a record: its query columns as `appmarket::store::columns` encodes them.
pub(crate) fn row_of(record: &Record) -> Result<Row, Error> {
    let target = record.target();
    let (rank, id) = target.kind_and_id();
    let id = id.to_owned();
    let c = columns::record_columns(record);
    // Each kind's columns are set (`Some`) in `record_columns`: none is bound as NULL.
    fn some<T: ToSql + Sync + 'static>(value: Option<T>) -> Param {
        Box::new(value)
    }
    let (doc, columns): (String, Vec<Param>) = match record {
        Record::Account(a) => (json(a)?, vec![]),
        Record::Product(p) => (json(p)?, vec![Box::new(p.listed)]),
        Record::SavedList(l) => (json(l)?, vec![]),
        Record::Order(o) => (json(o)?, vec![some(c.customer), some(c.status), some(c.product)]),
        Record::App(a) => (
            json(a)?,
            vec![some(c.customer), some(c.listed), some(c.status), some(c.delivery), some(c.mode), some(c.name_lower)],
        ),
        Record::Flow(f) => {
            (json(f)?, vec![some(c.customer), some(c.seller), some(c.status), some(c.flow_kind), some(c.order_id)])
        }
        Record::Appeal(a) => (json(a)?, vec![some(c.open), some(c.opened_at)]),
        Record::Invoice(i) => (json(i)?, vec![]),
    };
    Ok(Row { rank, id, doc, columns })
}

/// The query columns of an app's row (`KINDS[4].columns`).
pub(crate) struct AppColumns {
    pub(crate) customer: String,
    pub(crate) listed: bool,
    pub(crate) status: &'static str,
    pub(crate) delivery: &'static str,
    pub(crate) mode: &'static str,
    pub(crate) name_lower: String,
}

pub(crate) fn app_columns(a: &PurchasedApp) -> AppColumns {
    AppColumns {
        customer: a.customer.to_string(),
        listed: a.is_listed(),
        status: columns::app_status(a.status),
        delivery: columns::delivery(a.delivery),
        mode: columns::billing_mode(a.mode),
        name_lower: columns::name_lower(&a.product_name),
    }
}

/// The record of a row's document.
pub(crate) fn record_of(rank: usize, doc: &str) -> Result<Record, Error> {
    let what = KINDS.get(rank).map_or("record", |k| k.what);
    let bad = |e: serde_json::Error| corrupt(what, e);
    Ok(match rank {
        0 => Record::Account(serde_json::from_str(doc).map_err(bad)?),
        1 => Record::Product(serde_json::from_str(doc).map_err(bad)?),
        2 => Record::SavedList(serde_json::from_str(doc).map_err(bad)?),
        3 => Record::Order(serde_json::from_str(doc).map_err(bad)?),
        4 => Record::App(serde_json::from_str(doc).map_err(bad)?),
        5 => Record::Flow(serde_json::from_str(doc).map_err(bad)?),
        6 => Record::Appeal(serde_json::from_str(doc).map_err(bad)?),
        7 => Record::Invoice(serde_json::from_str(doc).map_err(bad)?),
        _ => return Err(corrupt("record", format!("unknown kind {rank}"))),
    })
}

/// The SQL of one kind's table.
pub(crate) struct KindSql {
    pub(crate) load: String,
}

pub(crate) fn kind_sql(kind: &Kind) -> KindSql {
    KindSql { load: format!("SELECT version, doc FROM {} WHERE id = $1", kind.table) }
}

/// An event as stored: everything but its number, which is a column.
#[derive(Serialize, Deserialize)]
struct StoredEvent {
    schema_version: u32,
    at: DateTime<Utc>,
    actor: Actor,
    target: Target,
    kind: EventKind,
}

/// The events of `commits` as stored: their targets' keys and their documents, in order.
pub(crate) fn stored_events<'a>(
    commits: impl Iterator<Item = &'a Commit>,
    at: DateTime<Utc>,
) -> Result<(Vec<String>, Vec<String>), Error> {
    let mut targets = Vec::new();
    let mut docs = Vec::new();
    for e in commits.flat_map(|c| &c.events) {
        targets.push(target_key(&e.target));
        let stored = StoredEvent {
            schema_version: EVENT_SCHEMA_VERSION,
            at,
            actor: e.actor.clone(),
            target: e.target.clone(),
            kind: e.kind.clone(),
        };
        docs.push(
            serde_json::to_string(&stored)
                .map_err(|e| Error::Storage { reason: format!("cannot serialize an event: {e}") })?,
        );
    }
    Ok((targets, docs))
}

/// An event's document as stored: everything but its number.
pub(crate) fn event_doc(event: &Event) -> Result<String, Error> {
    let stored = StoredEvent {
        schema_version: event.schema_version,
        at: event.at,
        actor: event.actor.clone(),
        target: event.target.clone(),
        kind: event.kind.clone(),
    };
    serde_json::to_string(&stored).map_err(|e| Error::Storage { reason: format!("cannot serialize an event: {e}") })
}

pub(crate) fn event_of(seq: i64, doc: &str) -> Result<Event, Error> {
    let stored: StoredEvent = serde_json::from_str(doc).map_err(|e| corrupt("event", e))?;
    Ok(Event {
        schema_version: stored.schema_version,
        seq: seq as u64,
        at: stored.at,
        actor: stored.actor,
        target: stored.target,
        kind: stored.kind,
    })
}
