//! `appmarket status`: what a store holds.

use std::fmt::Write as _;

use appmarket::store::Census;
use appmarket::store::columns::sequence_name;
use appmarket::store::content::RECORD_KINDS;
use chrono::Utc;

use crate::failure::Outcome;
use crate::locator::{Locator, Opened};
use crate::progress::count;

/// The schema version and census of a store.
pub struct Status {
    /// The version of the store's tables.
    pub schema_version: i64,
    /// What it holds.
    pub census: Census,
}

/// Reads the status of `store`.
pub fn status(store: &Opened) -> Outcome<Status> {
    Ok(Status { schema_version: store.schema_version()?, census: store.portable().census(Utc::now())? })
}

/// The status as text, one fact a line.
pub fn text(locator: &Locator, s: &Status) -> String {
    let c = &s.census;
    let mut out = String::new();
    let _ = writeln!(out, "store: {}", locator.shown());
    let _ = writeln!(out, "schema version: {}", s.schema_version);
    let _ = writeln!(out, "marketplace id: {}", c.marketplace_id.as_deref().unwrap_or("(none yet)"));
    let kinds: Vec<String> =
        RECORD_KINDS.iter().zip(c.records).map(|(kind, n)| format!("{kind} {}", count(n))).collect();
    let _ = writeln!(out, "records: {} ({})", count(c.total_records()), kinds.join(", "));
    let _ = writeln!(out, "events: {} (last number {})", count(c.events), c.last_seq);
    let _ = writeln!(out, "passwords: {}", count(c.secrets));
    let _ = writeln!(out, "request records: {}", count(c.requests));
    let sequences: Vec<String> = c.sequences.iter().map(|(s, n)| format!("{} {n}", sequence_name(*s))).collect();
    let _ =
        writeln!(out, "sequences: {}", if sequences.is_empty() { "(none yet)".into() } else { sequences.join(", ") });
    let due: Vec<String> = RECORD_KINDS
        .iter()
        .zip(c.due)
        .filter(|(_, n)| *n > 0)
        .map(|(kind, n)| format!("{kind} {}", count(n)))
        .collect();
    let _ = writeln!(
        out,
        "due: {}{}",
        if due.is_empty() { "nothing".into() } else { due.join(", ") },
        c.next_due.map(|at| format!(" (next {})", at.to_rfc3339())).unwrap_or_default()
    );
    let _ = writeln!(out, "open claims: {}", c.claims);
    out
}

/// The status as one JSON object.
pub fn json(locator: &Locator, s: &Status) -> serde_json::Value {
    let c = &s.census;
    let per_kind = |values: [u64; 8]| {
        serde_json::Value::Object(RECORD_KINDS.iter().zip(values).map(|(k, n)| ((*k).to_owned(), n.into())).collect())
    };
    serde_json::json!({
        "store": locator.shown(),
        "schema_version": s.schema_version,
        "marketplace_id": c.marketplace_id,
        "records": per_kind(c.records),
        "events": c.events,
        "last_seq": c.last_seq,
        "passwords": c.secrets,
        "request_records": c.requests,
        "sequences": c.sequences.iter().map(|(s, n)| (sequence_name(*s).to_owned(), serde_json::Value::from(*n))).collect::<serde_json::Map<_, _>>(),
        "due": per_kind(c.due),
        "next_due": c.next_due.map(|at| at.to_rfc3339()),
        "open_claims": c.claims,
    })
}
