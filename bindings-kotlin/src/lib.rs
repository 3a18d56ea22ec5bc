//! Kotlin (JVM/Android) bindings of [`appmarket`], generated with UniFFI proc-macros.
//!
//! Thin by design: no rule lives here. The value types (orders, apps, quotes, ids, money, the
//! error…) are the core's own, derived behind its `uniffi` feature (Kotlin package
//! `dev.appmarket.core`, see `core/src/ffi.rs`). This crate (package `dev.appmarket`) keeps what
//! cannot be derived: the `Marketplace` object and its parts (`marketplace.rs`), the facade
//! methods of each area, passing core values straight through (`catalog.rs`, `orders.rs`,
//! `apps.rs`, `billing.rs`, `supervision.rs`), the pages of results (the core's `Page<T>` is
//! generic) and the [`PaymentGateway`] interface a Kotlin host implements (`gateway.rs`).

uniffi::setup_scaffolding!();

mod apps;
mod billing;
mod catalog;
mod commands;
mod gateway;
mod marketplace;
mod orders;
mod supervision;
mod ticker;

pub use apps::*;
pub use billing::*;
pub use catalog::*;
pub use gateway::*;
pub use marketplace::*;
pub use orders::*;
pub use supervision::*;
pub use ticker::*;

/// The result of every fallible exported function; the error is the core's
/// ([`appmarket::Error`], Kotlin `AppMarketException`).
pub type Result<T, E = appmarket::Error> = std::result::Result<T, E>;

/// The core caller: an actor, with an optional request id that makes the call idempotent.
fn caller(actor: appmarket::Actor, request_id: Option<appmarket::RequestId>) -> appmarket::Caller {
    appmarket::Caller { actor, request_id }
}

/// A page of results (the core's `Page<T>`, which UniFFI cannot derive: it is generic).
macro_rules! page {
    ($(#[doc = $doc:literal])* $name:ident of $item:ty) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
        pub struct $name {
            /// The items of this page.
            pub items: Vec<$item>,
            /// Page number, from 1.
            pub page: u32,
            /// Items per page.
            pub page_size: u32,
            /// Matches over all pages.
            pub total: u64,
        }

        impl From<appmarket::Page<$item>> for $name {
            fn from(p: appmarket::Page<$item>) -> Self {
                $name { items: p.items, page: p.page, page_size: p.page_size, total: p.total }
            }
        }
    };
}
use page;
