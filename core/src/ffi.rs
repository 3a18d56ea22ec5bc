//! UniFFI custom types (feature `uniffi`), for the Kotlin binding (`bindings-kotlin`).
//!
//! The value types of the library derive `uniffi::Record` / `uniffi::Enum` / `uniffi::Error`
//! behind the feature (`#[cfg_attr(feature = "uniffi", derive(…))]` next to their `serde`
//! derives), so the binding exports them as they are instead of copying them. What a derive
//! cannot cover is here: ids, currencies and passwords cross as text (parsed by the core on the
//! way in, so a bad one is `Error::InvalidInput`), amounts as decimal text, instants as RFC 3339
//! text, dates as ISO text, durations as signed microseconds, and an event's kind as its JSON.
//! The Kotlin types they map to are set in `core/uniffi.toml`.
//!
//! The derives and these macros expand to UniFFI's generated FFI glue (`unsafe impl
//! FfiConverter`, `#[no_mangle]` metadata statics and the scaffolding of
//! `uniffi::setup_scaffolding!`). That glue is UniFFI's, written by its macros: the crate's
//! `#![forbid(unsafe_code)]` still forbids any hand-written `unsafe`, and without the feature
//! none of it is compiled.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;

use crate::Error;
use crate::actor::{
    AppId, AppealId, CustomerId, FlowId, InvoiceId, OperatorId, OrderId, ProductId, RequestId, SellerId,
};
use crate::event::EventKind;
use crate::money::Currency;
use crate::secret::Secret;

/// A value from the foreign side that the core refuses, as the error a custom type's lift
/// returns: UniFFI downcasts it back, so the host sees `AppMarketException.InvalidInput`.
fn refused(field: &str, reason: String) -> uniffi::deps::anyhow::Error {
    uniffi::deps::anyhow::Error::new(Error::invalid(field, reason))
}

// rust_decimal::Decimal ⇄ text ⇄ java.math.BigDecimal. Lossless: the scale is kept.
uniffi::custom_type!(Decimal, String, {
    remote,
    lower: |d| d.to_string(),
    try_lift: |s| Decimal::from_str_exact(&s).map_err(|e| refused("amount", format!(
        "`{}` is not a decimal within ±7.9e28 with at most 28 decimals ({e})", s.chars().take(40).collect::<String>()))),
});

/// A UTC instant: `DateTime<Utc>` ⇄ RFC 3339 text ⇄ `java.time.Instant`, lossless to the
/// nanosecond for years 0000–9999.
pub type Timestamp = DateTime<Utc>;
uniffi::custom_type!(Timestamp, String, {
    remote,
    lower: |ts| ts.to_rfc3339_opts(SecondsFormat::AutoSi, true),
    try_lift: |s| DateTime::parse_from_rfc3339(&s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| refused("instant", format!("`{s}` is not an instant of years 0000–9999 ({e})"))),
});

/// A calendar date: `NaiveDate` ⇄ ISO text ⇄ `java.time.LocalDate`.
pub type Date = NaiveDate;
uniffi::custom_type!(Date, String, {
    remote,
    lower: |d| d.format("%Y-%m-%d").to_string(),
    try_lift: |s| NaiveDate::from_str(&s).map_err(|e| refused("date", format!("`{s}` is not a date ({e})"))),
});

/// A signed length of time: `TimeDelta` ⇄ microseconds ⇄ `java.time.Duration`. Signed, so a
/// negative duration reaches the core, which refuses it with a typed error.
pub type TimeSpan = chrono::TimeDelta;
uniffi::custom_type!(TimeSpan, i64, {
    remote,
    lower: |d| d.num_microseconds().unwrap_or(i64::MAX),
    try_lift: |us| Ok(chrono::TimeDelta::microseconds(us)),
});

// A password (APP-5) ⇄ text ⇄ Kotlin `SecretText`, whose `toString()` is `***`.
uniffi::custom_type!(Secret, String, {
    lower: |s| s.expose().to_owned(),
    try_lift: |s| Ok(Secret::new(s)),
});

// An ISO-4217 code ⇄ text (`"USD"`), checked by the core.
uniffi::custom_type!(Currency, String, {
    lower: |c| c.code().to_owned(),
    try_lift: |s| Ok(Currency::parse(&s)?),
});

// What happened ⇄ the core's JSON (`{"area":"order","event":{"type":"paid",…}}`).
uniffi::custom_type!(EventKind, String, {
    lower: |k| serde_json::to_string(&k).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}")),
    try_lift: |s| serde_json::from_str(&s).map_err(|e| refused("event", e.to_string())),
});

/// Ids ⇄ text, parsed by the core (1–64 letters, digits and `- _ . : @`).
macro_rules! id_custom_types {
    ($($id:ident),*) => {$(
        uniffi::custom_type!($id, String, {
            lower: |id| id.as_str().to_owned(),
            try_lift: |s| Ok($id::parse(&s)?),
        });
    )*};
}
id_custom_types!(CustomerId, SellerId, OperatorId, ProductId, OrderId, AppId, FlowId, AppealId, InvoiceId, RequestId);
