//! How records, targets, instants, sequences and actors become columns and documents, and back.

use appmarket::Error;
use appmarket::actor::{Actor, AppId, AppealId, CustomerId, FlowId, InvoiceId, OrderId, ProductId, Target};
use appmarket::store::Sequence;
use chrono::{DateTime, Utc};

use crate::SqliteStore;
use crate::listing::Columns;

/// A record's row as a commit finds it: rowid, due instant and the columns it is found by.
pub(crate) type Row = (i64, Option<i64>, Columns);

/// The position of a target's variant in `Target` and its id: (kind, id) sorts like `Target`.
pub(crate) fn key(target: &Target) -> (i64, &str) {
    let (kind, id) = target.kind_and_id();
    (kind as i64, id)
}

pub(crate) const KIND_APP: i64 = 4;

pub(crate) fn target_of(kind: i64, id: &str) -> Result<Target, Error> {
    Ok(match kind {
        0 => Target::Account(CustomerId::parse(id)?),
        1 => Target::Product(ProductId::parse(id)?),
        2 => Target::SavedList(CustomerId::parse(id)?),
        3 => Target::Order(OrderId::parse(id)?),
        4 => Target::App(AppId::parse(id)?),
        5 => Target::Flow(FlowId::parse(id)?),
        6 => Target::Appeal(AppealId::parse(id)?),
        7 => Target::Invoice(InvoiceId::parse(id)?),
        other => return Err(Error::Storage { reason: format!("unknown record kind {other} in the store") }),
    })
}

/// Nanoseconds since the epoch; instants beyond 1677–2262 are clamped (they still sort).
pub(crate) fn nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(if at.timestamp() < 0 { i64::MIN } else { i64::MAX })
}

pub(crate) fn instant(nanos: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(nanos)
}

pub(crate) fn sequence_name(sequence: Sequence) -> String {
    format!("{sequence:?}")
}

pub(crate) fn actor_key(actor: &Actor) -> Result<String, Error> {
    serde_json::to_string(actor).map_err(|e| Error::Storage { reason: format!("cannot encode actor {actor}: {e}") })
}

impl SqliteStore {
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(&self, what: &str, doc: &str) -> Result<T, Error> {
        serde_json::from_str(doc).map_err(|e| self.fail(&format!("decoding a stored {what}"), e))
    }

    pub(crate) fn encode<T: serde::Serialize>(&self, what: &str, value: &T) -> Result<String, Error> {
        serde_json::to_string(value).map_err(|e| self.fail(&format!("encoding a {what}"), e))
    }
}
