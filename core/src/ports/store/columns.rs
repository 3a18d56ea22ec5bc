//! How a persisted store writes records, actors, targets, statuses and sequences as column
//! values. For store adapters: written once here, so that every store writes the same value
//! the same way (a test of the PostgreSQL store reads back the columns of both persisted
//! stores after the same commands and compares them). Pure value → text or number mapping; the
//! stores bind the values, this module does no I/O.
//!
//! The encodings, each readable and stable (a change is a schema migration in every store):
//!
//! | value | column value |
//! |---|---|
//! | [`Actor`] ([`actor_key`]) | `customer:<id>`, `seller:<id>`, `operator:<id>`, `system` |
//! | [`Target`] ([`target_kind`], [`target_key`]) | its kind, the position of its variant in `Target` (0 account … 7 invoice), and its id; as one text, `<kind>:<id>`, which sorts like `Target` for the ids of one kind |
//! | [`OrderStatus`], [`AppStatus`], [`FlowStatus`], [`AppealStatus`] | the serde name, snake case: `pending_payment`, `grace_period`, `in_service`, `open` |
//! | [`DeliveryMethod`], [`BillingMode`], [`FlowKind`] | the serde name, snake case: `professional_service`, `pay_per_use` |
//! | [`Sequence`] ([`sequence_name`]) | `product`, `order`, `app`, `flow`, `appeal`, `invoice` |
//! | an instant ([`nanos`]) | nanoseconds since the epoch (`i64`), clamped outside 1677–2262 (it still sorts) |
//! | an app's product name ([`name_lower`]) | in lower case, Rust's (as `AppFilter::matches` compares) |
//! | a listing of `listing_counts` | [`LISTING_ORDERS`], [`LISTING_APPS`], [`LISTING_CUSTOMER_FLOWS`], [`LISTING_SELLER_FLOWS`] |
//!
//! Ids are written as they are ([`CustomerId::as_str`] and the like). An id may hold `:`;
//! a key is still read back unambiguously, since its prefix (a role or a kind) holds none.
//! The columns a record is found by are [`RecordColumns`], from [`record_columns`].

use chrono::{DateTime, Utc};

use crate::actor::Target;
use crate::actor::{Actor, AppId, AppealId, CustomerId, FlowId, InvoiceId, OperatorId, OrderId, ProductId, SellerId};
use crate::app::AppStatus;
use crate::appeal::AppealStatus;
use crate::catalog::{BillingMode, DeliveryMethod};
use crate::error::Error;
use crate::order::OrderStatus;
use crate::store::{Record, Sequence};
use crate::supervision::{FlowKind, FlowStatus};

/// The kind of an account's target.
pub const KIND_ACCOUNT: i64 = 0;
/// The kind of a product's target.
pub const KIND_PRODUCT: i64 = 1;
/// The kind of a saved list's target.
pub const KIND_SAVED_LIST: i64 = 2;
/// The kind of an order's target.
pub const KIND_ORDER: i64 = 3;
/// The kind of an app's target.
pub const KIND_APP: i64 = 4;
/// The kind of a service flow's target.
pub const KIND_FLOW: i64 = 5;
/// The kind of an appeal's target.
pub const KIND_APPEAL: i64 = 6;
/// The kind of an invoice's target.
pub const KIND_INVOICE: i64 = 7;

/// The listing of a customer's orders in `listing_counts`.
pub const LISTING_ORDERS: &str = "orders";
/// The listing of a customer's listed apps (APP-4) in `listing_counts`.
pub const LISTING_APPS: &str = "apps";
/// The listing of a customer's service flows in `listing_counts`.
pub const LISTING_CUSTOMER_FLOWS: &str = "customer_flows";
/// The listing of a seller's service flows in `listing_counts`.
pub const LISTING_SELLER_FLOWS: &str = "seller_flows";

fn bad(what: &str, value: &str) -> Error {
    Error::Storage { reason: format!("the store holds a {what} no appmarket build writes: {value:?}") }
}

/// An actor as one text: `customer:<id>`, `seller:<id>`, `operator:<id>` or `system`.
pub fn actor_key(actor: &Actor) -> String {
    match actor {
        Actor::Customer(id) => format!("customer:{id}"),
        Actor::Seller(id) => format!("seller:{id}"),
        Actor::Operator(id) => format!("operator:{id}"),
        Actor::System => "system".into(),
    }
}

/// The actor of a key written by [`actor_key`].
pub fn actor_of_key(key: &str) -> Result<Actor, Error> {
    if key == "system" {
        return Ok(Actor::System);
    }
    let (role, id) = key.split_once(':').ok_or_else(|| bad("actor key", key))?;
    Ok(match role {
        "customer" => Actor::Customer(CustomerId::parse(id)?),
        "seller" => Actor::Seller(SellerId::parse(id)?),
        "operator" => Actor::Operator(OperatorId::parse(id)?),
        _ => return Err(bad("actor key", key)),
    })
}

/// A target's kind (the position of its variant in [`Target`], [`KIND_ACCOUNT`] …
/// [`KIND_INVOICE`]) and id: (kind, id) sorts like `Target`.
pub fn target_kind(target: &Target) -> (i64, &str) {
    let (kind, id) = target.kind_and_id();
    (kind as i64, id)
}

/// A target as one text, `<kind>:<id>` (`4:app-1`): sorts like `Target` (one digit of kind).
pub fn target_key(target: &Target) -> String {
    let (kind, id) = target_kind(target);
    format!("{kind}:{id}")
}

/// The target of a kind and an id written by [`target_kind`].
pub fn target_of(kind: i64, id: &str) -> Result<Target, Error> {
    Ok(match kind {
        KIND_ACCOUNT => Target::Account(CustomerId::parse(id)?),
        KIND_PRODUCT => Target::Product(ProductId::parse(id)?),
        KIND_SAVED_LIST => Target::SavedList(CustomerId::parse(id)?),
        KIND_ORDER => Target::Order(OrderId::parse(id)?),
        KIND_APP => Target::App(AppId::parse(id)?),
        KIND_FLOW => Target::Flow(FlowId::parse(id)?),
        KIND_APPEAL => Target::Appeal(AppealId::parse(id)?),
        KIND_INVOICE => Target::Invoice(InvoiceId::parse(id)?),
        other => return Err(bad("record kind", &other.to_string())),
    })
}

/// The target of a key written by [`target_key`].
pub fn target_of_key(key: &str) -> Result<Target, Error> {
    let (kind, id) = key.split_once(':').ok_or_else(|| bad("target key", key))?;
    let kind: i64 = kind.parse().map_err(|_| bad("target key", key))?;
    target_of(kind, id).map_err(|e| match e {
        Error::Storage { .. } => bad("target key", key),
        other => other,
    })
}

/// An order's status: `pending_payment`, `processing`, `completed`, `cancelled`, `unsubscribed`.
pub fn order_status(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::PendingPayment => "pending_payment",
        OrderStatus::Processing => "processing",
        OrderStatus::Completed => "completed",
        OrderStatus::Cancelled => "cancelled",
        OrderStatus::Unsubscribed => "unsubscribed",
    }
}

/// An app's status: `provisioning`, `active`, `grace_period`, `frozen`, `released`,
/// `unsubscribed`, `deleted`.
pub fn app_status(status: AppStatus) -> &'static str {
    match status {
        AppStatus::Provisioning => "provisioning",
        AppStatus::Active => "active",
        AppStatus::GracePeriod => "grace_period",
        AppStatus::Frozen => "frozen",
        AppStatus::Released => "released",
        AppStatus::Unsubscribed => "unsubscribed",
        AppStatus::Deleted => "deleted",
    }
}

/// A service flow's status: `awaiting_request`, `request_submitted`, `in_service`,
/// `awaiting_acceptance`, `frozen`, `completed`, `closed`.
pub fn flow_status(status: FlowStatus) -> &'static str {
    match status {
        FlowStatus::AwaitingRequest => "awaiting_request",
        FlowStatus::RequestSubmitted => "request_submitted",
        FlowStatus::InService => "in_service",
        FlowStatus::AwaitingAcceptance => "awaiting_acceptance",
        FlowStatus::Frozen => "frozen",
        FlowStatus::Completed => "completed",
        FlowStatus::Closed => "closed",
    }
}

/// An appeal's status: `open`, `resolved`, `closed`.
pub fn appeal_status(status: AppealStatus) -> &'static str {
    match status {
        AppealStatus::Open => "open",
        AppealStatus::Resolved => "resolved",
        AppealStatus::Closed => "closed",
    }
}

/// An app's delivery method: `image`, `saas`, `license`, `professional_service`.
pub fn delivery(method: DeliveryMethod) -> &'static str {
    match method {
        DeliveryMethod::Image => "image",
        DeliveryMethod::Saas => "saas",
        DeliveryMethod::License => "license",
        DeliveryMethod::ProfessionalService => "professional_service",
    }
}

/// An app's billing mode: `pay_per_use`, `monthly`, `yearly`, `one_time`.
pub fn billing_mode(mode: BillingMode) -> &'static str {
    match mode {
        BillingMode::PayPerUse => "pay_per_use",
        BillingMode::Monthly => "monthly",
        BillingMode::Yearly => "yearly",
        BillingMode::OneTime => "one_time",
    }
}

/// A service flow's process: `license`, `professional_service`, `saas`, `5g_naas`.
pub fn flow_kind(kind: FlowKind) -> &'static str {
    match kind {
        FlowKind::License => "license",
        FlowKind::ProfessionalService => "professional_service",
        FlowKind::Saas => "saas",
        FlowKind::FiveGNaas => "5g_naas",
    }
}

/// A sequence's name: `product`, `order`, `app`, `flow`, `appeal`, `invoice`.
pub fn sequence_name(sequence: Sequence) -> &'static str {
    match sequence {
        Sequence::Product => "product",
        Sequence::Order => "order",
        Sequence::App => "app",
        Sequence::Flow => "flow",
        Sequence::Appeal => "appeal",
        Sequence::Invoice => "invoice",
    }
}

/// Every sequence, in the order of [`Sequence`]'s variants.
pub const SEQUENCES: [Sequence; 6] =
    [Sequence::Product, Sequence::Order, Sequence::App, Sequence::Flow, Sequence::Appeal, Sequence::Invoice];

/// An instant as nanoseconds since the epoch; instants beyond 1677–2262 are clamped (they still
/// sort).
pub fn nanos(at: DateTime<Utc>) -> i64 {
    at.timestamp_nanos_opt().unwrap_or(if at.timestamp() < 0 { i64::MIN } else { i64::MAX })
}

/// The instant of a number written by [`nanos`].
pub fn instant(nanos: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(nanos)
}

/// A product name as the listings search it: in lower case (Rust's, so that a store's match is
/// `AppFilter::matches`'s).
pub fn name_lower(name: &str) -> String {
    name.to_lowercase()
}

/// The columns a record is found by, each `None` where its kind has no such thing: its owners,
/// its status and what the listings filter on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordColumns {
    /// An order's, an app's or a flow's customer.
    pub customer: Option<String>,
    /// A flow's seller.
    pub seller: Option<String>,
    /// An order's, an app's, a flow's or an appeal's status.
    pub status: Option<&'static str>,
    /// An order's product.
    pub product: Option<String>,
    /// Whether an app is shown among purchased apps (APP-4).
    pub listed: Option<bool>,
    /// An app's delivery method.
    pub delivery: Option<&'static str>,
    /// An app's billing mode.
    pub mode: Option<&'static str>,
    /// An app's product name in lower case ([`name_lower`]).
    pub name_lower: Option<String>,
    /// A flow's process.
    pub flow_kind: Option<&'static str>,
    /// A flow's order.
    pub order_id: Option<String>,
    /// Whether an appeal is open.
    pub open: Option<bool>,
    /// When an appeal was opened ([`nanos`]).
    pub opened_at: Option<i64>,
}

/// The columns of `record` (products, accounts, saved lists and invoices have none).
pub fn record_columns(record: &Record) -> RecordColumns {
    let id = |s: &str| Some(s.to_owned());
    match record {
        Record::Order(o) => RecordColumns {
            customer: id(o.customer.as_str()),
            status: Some(order_status(o.status)),
            product: id(o.product.as_str()),
            ..RecordColumns::default()
        },
        Record::App(a) => RecordColumns {
            customer: id(a.customer.as_str()),
            status: Some(app_status(a.status)),
            listed: Some(a.is_listed()),
            delivery: Some(delivery(a.delivery)),
            mode: Some(billing_mode(a.mode)),
            name_lower: Some(name_lower(&a.product_name)),
            ..RecordColumns::default()
        },
        Record::Flow(f) => RecordColumns {
            customer: id(f.customer.as_str()),
            seller: id(f.seller.as_str()),
            status: Some(flow_status(f.status)),
            flow_kind: Some(flow_kind(f.kind)),
            order_id: id(f.order.as_str()),
            ..RecordColumns::default()
        },
        Record::Appeal(a) => RecordColumns {
            status: Some(appeal_status(a.status)),
            open: Some(a.status == AppealStatus::Open),
            opened_at: Some(nanos(a.opened_at)),
            ..RecordColumns::default()
        },
        Record::Account(_) | Record::Product(_) | Record::SavedList(_) | Record::Invoice(_) => RecordColumns::default(),
    }
}

/// A record's status column: [`RecordColumns::status`].
pub fn status_column(record: &Record) -> Option<&'static str> {
    match record {
        Record::Order(o) => Some(order_status(o.status)),
        Record::App(a) => Some(app_status(a.status)),
        Record::Flow(f) => Some(flow_status(f.status)),
        Record::Appeal(a) => Some(appeal_status(a.status)),
        Record::Account(_) | Record::Product(_) | Record::SavedList(_) | Record::Invoice(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name serde gives a unit variant.
    fn serde_name<T: serde::Serialize>(value: T) -> String {
        match serde_json::to_value(value).unwrap() {
            serde_json::Value::String(s) => s,
            other => panic!("not a unit variant: {other}"),
        }
    }

    #[test]
    fn statuses_and_kinds_are_their_serde_names() {
        use OrderStatus as O;
        for s in [O::PendingPayment, O::Processing, O::Completed, O::Cancelled, O::Unsubscribed] {
            assert_eq!(order_status(s), serde_name(s));
        }
        use AppStatus as A;
        for s in [A::Provisioning, A::Active, A::GracePeriod, A::Frozen, A::Released, A::Unsubscribed, A::Deleted] {
            assert_eq!(app_status(s), serde_name(s));
        }
        use FlowStatus as F;
        for s in [
            F::AwaitingRequest,
            F::RequestSubmitted,
            F::InService,
            F::AwaitingAcceptance,
            F::Frozen,
            F::Completed,
            F::Closed,
        ] {
            assert_eq!(flow_status(s), serde_name(s));
        }
        for s in [AppealStatus::Open, AppealStatus::Resolved, AppealStatus::Closed] {
            assert_eq!(appeal_status(s), serde_name(s));
        }
        use DeliveryMethod as D;
        for d in [D::Image, D::Saas, D::License, D::ProfessionalService] {
            assert_eq!(delivery(d), serde_name(d));
        }
        for m in [BillingMode::PayPerUse, BillingMode::Monthly, BillingMode::Yearly, BillingMode::OneTime] {
            assert_eq!(billing_mode(m), serde_name(m));
        }
        for k in FlowKind::ALL {
            assert_eq!(flow_kind(k), serde_name(k));
        }
    }

    #[test]
    fn sequences_are_their_names_in_lower_case() {
        let names: Vec<&str> = SEQUENCES.iter().map(|s| sequence_name(*s)).collect();
        assert_eq!(names, ["product", "order", "app", "flow", "appeal", "invoice"]);
        for s in SEQUENCES {
            assert_eq!(sequence_name(s), format!("{s:?}").to_lowercase());
        }
    }

    #[test]
    fn actor_keys_are_read_back() {
        let actors = [
            Actor::Customer(CustomerId::parse("alice").unwrap()),
            Actor::Seller(SellerId::parse("acme:eu").unwrap()),
            Actor::Operator(OperatorId::parse("op@1").unwrap()),
            Actor::System,
        ];
        let keys: Vec<String> = actors.iter().map(actor_key).collect();
        assert_eq!(keys, ["customer:alice", "seller:acme:eu", "operator:op@1", "system"]);
        for (actor, key) in actors.iter().zip(&keys) {
            assert_eq!(&actor_of_key(key).unwrap(), actor);
        }
        for bad in ["", "customer", "customer:", "robot:x", "system:x", "{\"role\":\"system\"}"] {
            assert!(actor_of_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn target_keys_are_read_back_and_sort_like_targets() {
        let mut targets = vec![
            Target::Invoice(InvoiceId::parse("i-1").unwrap()),
            Target::App(AppId::parse("app-2").unwrap()),
            Target::Account(CustomerId::parse("bob").unwrap()),
            Target::App(AppId::parse("app-10").unwrap()),
            Target::Order(OrderId::parse("o:1").unwrap()),
        ];
        for t in &targets {
            let key = target_key(t);
            assert_eq!(&target_of_key(&key).unwrap(), t);
            let (kind, id) = target_kind(t);
            assert_eq!(key, format!("{kind}:{id}"));
            assert_eq!(&target_of(kind, id).unwrap(), t);
        }
        let mut keys: Vec<String> = targets.iter().map(target_key).collect();
        targets.sort();
        keys.sort();
        assert_eq!(keys, targets.iter().map(target_key).collect::<Vec<_>>());
        assert_eq!(target_key(&Target::App(AppId::parse("a").unwrap())), "4:a");
        for bad in ["", "4", "9:x", "x:y", "4:"] {
            assert!(target_of_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn instants_are_nanoseconds_clamped() {
        let t = DateTime::from_timestamp(1_700_000_000, 5).unwrap();
        assert_eq!(nanos(t), 1_700_000_000_000_000_005);
        assert_eq!(instant(nanos(t)), t);
        assert_eq!(nanos(DateTime::<Utc>::MAX_UTC), i64::MAX);
        assert_eq!(nanos(DateTime::<Utc>::MIN_UTC), i64::MIN);
    }
}
