//! How records, events, targets, actors, instants and sequences map to rows and columns.

use appmarket::actor::{AppId, AppealId, CustomerId, FlowId, InvoiceId, OrderId, ProductId};
use appmarket::appeal::AppealStatus;
use appmarket::event::{EVENT_SCHEMA_VERSION, Event, EventKind};
use appmarket::store::{Commit, Record, Sequence};
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

/// A target as one text key, `"<rank>:<id>"`: sorts like `Target` (kind first, then id).
pub(crate) fn target_key(target: &Target) -> String {
    let (rank, id) = target.kind_and_id();
    format!("{rank}:{id}")
}

/// The target of a key written by [`target_key`].
pub(crate) fn target_of_key(key: &str) -> Result<Target, Error> {
    let bad = || corrupt("target key", key);
    let (rank, id) = key.split_once(':').ok_or_else(bad)?;
    let target = match rank {
        "0" => Target::Account(CustomerId::parse(id)?),
        "1" => Target::Product(ProductId::parse(id)?),
        "2" => Target::SavedList(CustomerId::parse(id)?),
        "3" => Target::Order(OrderId::parse(id)?),
        "4" => Target::App(AppId::parse(id)?),
        "5" => Target::Flow(FlowId::parse(id)?),
        "6" => Target::Appeal(AppealId::parse(id)?),
        "7" => Target::Invoice(InvoiceId::parse(id)?),
        _ => return Err(bad()),
    };
    Ok(target)
}

/// An actor as text: `customer:<id>`, `seller:<id>`, `operator:<id>` or `system`.
pub(crate) fn actor_key(actor: &Actor) -> String {
    match actor {
        Actor::Customer(id) => format!("customer:{id}"),
        Actor::Seller(id) => format!("seller:{id}"),
        Actor::Operator(id) => format!("operator:{id}"),
        Actor::System => "system".into(),
    }
}

/// An instant as nanoseconds since the epoch (saturating outside 1677–2262).
pub(crate) fn nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(if at.timestamp() < 0 { i64::MIN } else { i64::MAX })
}

/// A unit enum as its serialized name, e.g. `"pending_payment"`.
pub(crate) fn enum_text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

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

/// The row of a record.
pub(crate) fn row_of(record: &Record) -> Result<Row, Error> {
    let target = record.target();
    let (rank, id) = target.kind_and_id();
    let id = id.to_owned();
    let (doc, columns): (String, Vec<Param>) = match record {
        Record::Account(a) => (json(a)?, vec![]),
        Record::Product(p) => (json(p)?, vec![Box::new(p.listed)]),
        Record::SavedList(l) => (json(l)?, vec![]),
        Record::Order(o) => (
            json(o)?,
            vec![Box::new(o.customer.to_string()), Box::new(enum_text(&o.status)), Box::new(o.product.to_string())],
        ),
        Record::App(a) => {
            let c = app_columns(a);
            (
                json(a)?,
                vec![
                    Box::new(c.customer),
                    Box::new(c.listed),
                    Box::new(c.status),
                    Box::new(c.delivery),
                    Box::new(c.mode),
                    Box::new(c.name_lower),
                ],
            )
        }
        Record::Flow(f) => (
            json(f)?,
            vec![
                Box::new(f.customer.to_string()),
                Box::new(f.seller.to_string()),
                Box::new(enum_text(&f.status)),
                Box::new(enum_text(&f.kind)),
                Box::new(f.order.to_string()),
            ],
        ),
        Record::Appeal(a) => (json(a)?, vec![Box::new(a.status == AppealStatus::Open), Box::new(nanos(a.opened_at))]),
        Record::Invoice(i) => (json(i)?, vec![]),
    };
    Ok(Row { rank, id, doc, columns })
}

/// The query columns of an app's row (`KINDS[4].columns`).
pub(crate) struct AppColumns {
    pub(crate) customer: String,
    pub(crate) listed: bool,
    pub(crate) status: String,
    pub(crate) delivery: String,
    pub(crate) mode: String,
    pub(crate) name_lower: String,
}

pub(crate) fn app_columns(a: &PurchasedApp) -> AppColumns {
    AppColumns {
        customer: a.customer.to_string(),
        listed: a.is_listed(),
        status: enum_text(&a.status),
        delivery: enum_text(&a.delivery),
        mode: enum_text(&a.mode),
        name_lower: a.product_name.to_lowercase(),
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

pub(crate) const ALL_SEQUENCES: [Sequence; 6] =
    [Sequence::Product, Sequence::Order, Sequence::App, Sequence::Flow, Sequence::Appeal, Sequence::Invoice];

pub(crate) fn sequence_name(sequence: Sequence) -> &'static str {
    match sequence {
        Sequence::Product => "product",
        Sequence::Order => "order",
        Sequence::App => "app",
        Sequence::Flow => "flow",
        Sequence::Appeal => "appeal",
        Sequence::Invoice => "invoice",
    }
}
