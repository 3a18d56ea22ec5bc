//! Values shared by several areas: enums, quotes, accounts, events, availability.

use crate::conversions::{Actor, IntoCore, Money, Target, Timestamp, all, id, mirror_enum};
use crate::errors::Result;
use rust_decimal::Decimal;

mirror_enum!(
    /// How a product is delivered.
    DeliveryMethod => appmarket::DeliveryMethod {
        /// A machine image run on cloud servers.
        Image,
        /// Software as a service.
        Saas,
        /// A licence delivered by the seller.
        License,
        /// A service performed by the seller.
        ProfessionalService,
    }
);

mirror_enum!(
    /// How a price plan is charged.
    BillingMode => appmarket::BillingMode {
        /// By the hour of use.
        PayPerUse,
        /// By the month.
        Monthly,
        /// By the year.
        Yearly,
        /// Once.
        OneTime,
    }
);

mirror_enum!(
    /// How a customer pays.
    PaymentMethod => appmarket::PaymentMethod {
        /// The account balance.
        Balance,
        /// The bound credit card.
        CreditCard,
        /// The account's credit.
        Credit,
        /// An online payment.
        Online,
    }
);

mirror_enum!(
    /// An action on an order or an app, as listed by `availableActions`.
    Action => appmarket::Action {
        /// Accept the terms of an order.
        AcceptTerms,
        /// Pay an order.
        Pay,
        /// Cancel an order.
        CancelOrder,
        /// Reveal an app's password.
        RevealPassword,
        /// Upgrade an app.
        Upgrade,
        /// Renew an app.
        Renew,
        /// Set auto-renewal.
        SetAutoRenewal,
        /// Unsubscribe.
        Unsubscribe,
        /// Request a refund.
        RequestRefund,
        /// Request an invoice.
        RequestInvoice,
        /// Submit a service request.
        SubmitRequest,
        /// Accept a service request.
        AcceptRequest,
        /// Reject a service request.
        RejectRequest,
        /// Deliver a service.
        Deliver,
        /// Confirm acceptance of a delivery.
        ConfirmAcceptance,
        /// Reject a delivery.
        RejectDelivery,
        /// Remind the seller.
        RemindSeller,
        /// Appeal.
        Appeal,
        /// Resolve an appeal.
        ResolveAppeal,
        /// Issue an invoice (operator).
        IssueInvoice,
        /// Return an invoice.
        ReturnInvoice,
        /// Delete (stop) a pay-per-use app (PRC-7).
        DeleteApp,
        /// Pay the arrears of a pay-per-use app (PRC-7).
        PayArrears,
        /// Schedule a downgrade for the end of the term (PRC-8).
        ScheduleDowngrade,
        /// Cancel the scheduled downgrade (PRC-8).
        CancelScheduledDowngrade,
    }
);

/// One line of a quote: `quantity × unitPrice × periods = amount` (PRC-3).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuoteLine {
    /// What the line charges for.
    pub label: String,
    /// How many units.
    pub quantity: Decimal,
    /// The price of one unit for one period.
    pub unit_price: Money,
    /// How many periods (fractional for the rest of a term).
    pub periods: Decimal,
    /// The line's amount, rounded once (PRC-1).
    pub amount: Money,
}

impl From<appmarket::QuoteLine> for QuoteLine {
    fn from(l: appmarket::QuoteLine) -> Self {
        QuoteLine {
            label: l.label,
            quantity: l.quantity,
            unit_price: l.unit_price.into(),
            periods: l.periods,
            amount: l.amount.into(),
        }
    }
}

/// An itemised price.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Quote {
    /// The lines.
    pub lines: Vec<QuoteLine>,
    /// The total to pay.
    pub total: Money,
    /// True when a reseller settles: the amount is for reference only (ORD-4).
    pub for_reference_only: bool,
    /// Pay-per-use: the price of one hour, charged by started hour after use (PRC-7).
    pub hourly_rate: Option<Money>,
}

impl From<appmarket::Quote> for Quote {
    fn from(q: appmarket::Quote) -> Self {
        Quote {
            lines: all(q.lines),
            total: q.total.into(),
            for_reference_only: q.for_reference_only,
            hourly_rate: q.hourly_rate.map(Into::into),
        }
    }
}

/// A customer account (host-level setting).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CustomerAccount {
    /// The customer id.
    pub id: String,
    /// Whether a credit card is bound (ORD-2).
    pub bound_card: bool,
    /// Whether the account may pay on credit.
    pub credit_enabled: bool,
    /// The reseller settling this customer's orders, if any.
    pub reseller: Option<String>,
    /// The customer level (grace and retention, LIFE-1).
    pub level: Option<String>,
}

impl From<appmarket::CustomerAccount> for CustomerAccount {
    fn from(a: appmarket::CustomerAccount) -> Self {
        CustomerAccount {
            id: a.id.to_string(),
            bound_card: a.bound_card,
            credit_enabled: a.credit_enabled,
            reseller: a.reseller,
            level: a.level,
        }
    }
}

impl IntoCore<appmarket::CustomerAccount> for CustomerAccount {
    fn into_core(self) -> Result<appmarket::CustomerAccount> {
        Ok(appmarket::CustomerAccount {
            id: id(self.id)?,
            bound_card: self.bound_card,
            credit_enabled: self.credit_enabled,
            reseller: self.reseller,
            level: self.level,
            unconditional_unsubscriptions: Default::default(),
        })
    }
}

/// Whether an actor may take an action now, and the rule that refuses it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Availability {
    /// The action.
    pub action: Action,
    /// Whether it is allowed now.
    pub allowed: bool,
    /// The refusing rule id, if refused by a rule.
    pub rule: Option<String>,
    /// Why it is refused.
    pub reason: Option<String>,
}

impl From<appmarket::Availability> for Availability {
    fn from(a: appmarket::Availability) -> Self {
        Availability { action: a.action.into(), allowed: a.allowed, rule: a.rule, reason: a.reason }
    }
}

/// An operation record / notification.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Event {
    /// The version of the event schema.
    pub schema_version: u32,
    /// Position in the event log, from 1 (a cursor for `eventsSince`).
    pub seq: u64,
    /// When it happened.
    pub at: Timestamp,
    /// Who did it.
    pub actor: Actor,
    /// What it is about.
    pub target: Target,
    /// What happened, as the core's JSON (`{"area":"order","event":{"type":"paid",…}}`).
    pub kind_json: String,
}

impl From<appmarket::Event> for Event {
    fn from(e: appmarket::Event) -> Self {
        Event {
            schema_version: e.schema_version,
            seq: e.seq,
            at: e.at,
            actor: e.actor.into(),
            target: e.target.into(),
            // Serializing a plain data enum cannot fail; keep a readable fallback anyway.
            kind_json: serde_json::to_string(&e.kind).unwrap_or_else(|err| format!("{{\"error\":\"{err}\"}}")),
        }
    }
}

/// What one `tick` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct TickReport {
    /// Aggregates looked at.
    pub examined: u64,
    /// Aggregates changed.
    pub changed: u64,
    /// Aggregates whose scheduled work failed; they stay due for the next tick.
    pub failed: u64,
}

impl From<appmarket::TickReport> for TickReport {
    fn from(r: appmarket::TickReport) -> Self {
        TickReport { examined: r.examined, changed: r.changed, failed: r.failed }
    }
}

/// A payment receipt of the simulated gateway.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Receipt {
    /// The receipt id.
    pub id: String,
    /// The amount charged or refunded.
    pub amount: Money,
    /// How.
    pub method: PaymentMethod,
}

impl From<appmarket::payments::Receipt> for Receipt {
    fn from(r: appmarket::payments::Receipt) -> Self {
        Receipt { id: r.id, amount: r.amount.into(), method: r.method.into() }
    }
}
