//! Events: every change, with time, actor and target. An aggregate's events are its operation
//! records (SUP-7); the global stream lets a host notify exactly once, by cursor.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, ProductId, Target};
use crate::app::AppEvent;
use crate::appeal::AppealEvent;
use crate::invoice::InvoiceEvent;
use crate::order::OrderEvent;
use crate::supervision::FlowEvent;

/// The version of the event schema; bumped when an event's shape changes.
pub const EVENT_SCHEMA_VERSION: u32 = 1;

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "area", content = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// A customer account was registered or updated.
    AccountRegistered,
    /// A seller listed a product.
    ProductListed {
        /// Its name.
        name: String,
    },
    /// A seller delisted a product (CAT-3).
    ProductDelisted,
    /// A seller listed a delisted product again.
    ProductRelisted,
    /// A product was saved to the customer's list (CAT-4).
    ItemSaved {
        /// The product.
        product: ProductId,
        /// The specification, if any.
        specification: Option<String>,
    },
    /// A product was removed from the customer's list.
    ItemRemoved {
        /// The product.
        product: ProductId,
    },
    /// Something happened to an order.
    Order(OrderEvent),
    /// Something happened to a purchased app.
    App(AppEvent),
    /// Something happened to a service flow (SUP-7).
    Flow(FlowEvent),
    /// Something happened to an appeal.
    Appeal(AppealEvent),
    /// Something happened to an invoice (INV-1).
    Invoice(InvoiceEvent),
}

/// An event as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Event {
    /// Schema version of this event.
    pub schema_version: u32,
    /// Position in the global stream, from 1.
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
    /// About what.
    pub target: Target,
    /// What.
    pub kind: EventKind,
}

/// An event before the store numbers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Who.
    pub actor: Actor,
    /// About what.
    pub target: Target,
    /// What.
    pub kind: EventKind,
}
