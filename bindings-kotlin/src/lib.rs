//! Kotlin (JVM/Android) bindings of [`appmarket`], generated with UniFFI proc-macros.
//!
//! Thin by design: every function converts its arguments into core types, calls the same
//! method of [`appmarket::Marketplace`], and converts the result back. No rule lives here.
//!
//! One file per area:
//! - `conversions.rs`: custom types (`Decimal` ⇄ `BigDecimal`, `Timestamp` ⇄ `Instant`, …), ids,
//!   [`Actor`], [`Target`], [`Money`] and the [`IntoCore`] trait;
//! - `errors.rs`: [`AppMarketError`] (Kotlin `AppMarketException`);
//! - `gateway.rs`: the [`PaymentGateway`] interface a Kotlin host implements;
//! - `records.rs`: values shared by several areas (quotes, events, availability, accounts);
//! - `catalog.rs`, `orders.rs`, `apps.rs`: the records of the area and the `Marketplace`
//!   methods of the area (each in its own `#[uniffi::export] impl Marketplace` block);
//! - `marketplace.rs`: the `Marketplace` object, `Policy`, `ManualClock`, `SimulatedPayments`
//!   and the cross-cutting methods (accounts, tick, actions, records, events, now).

uniffi::setup_scaffolding!();

mod apps;
mod billing;
mod catalog;
mod conversions;
mod errors;
mod gateway;
mod marketplace;
mod orders;
mod postgres_store;
mod records;
mod sqlite_store;
mod supervision;

pub use apps::*;
pub use billing::*;
pub use catalog::*;
pub use conversions::*;
pub use errors::*;
pub use gateway::*;
pub use marketplace::*;
pub use orders::*;
pub use postgres_store::*;
pub use records::*;
pub use sqlite_store::*;
pub use supervision::*;
