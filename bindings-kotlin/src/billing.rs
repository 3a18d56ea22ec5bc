//! Renewals (REN-*), unsubscription and refunds (UNS-*), and invoices (INV-*).

use crate::apps::PurchasedApp;
use crate::conversions::{Actor, IntoCore, Money, Timestamp, all, caller, id, mirror_enum};
use crate::errors::Result;
use crate::marketplace::Marketplace;
use crate::orders::Order;
use crate::records::{PaymentMethod, Quote};

/// A renewal date (REN-4): a day of the month 1–28, or the last day of the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RenewalDay {
    /// A day of the month, 1–28 (29–31 are refused: choose `LastDay`).
    Day {
        /// The day.
        day: u32,
    },
    /// The last day of the month.
    LastDay,
}

impl From<appmarket::RenewalDay> for RenewalDay {
    fn from(d: appmarket::RenewalDay) -> Self {
        match d {
            appmarket::RenewalDay::Day(day) => RenewalDay::Day { day },
            appmarket::RenewalDay::LastDay => RenewalDay::LastDay,
        }
    }
}

impl IntoCore<appmarket::RenewalDay> for RenewalDay {
    fn into_core(self) -> Result<appmarket::RenewalDay> {
        Ok(match self {
            RenewalDay::Day { day } => appmarket::RenewalDay::Day(day),
            RenewalDay::LastDay => appmarket::RenewalDay::LastDay,
        })
    }
}

/// One renewal of an app's term.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RenewalRecord {
    /// The renewal order.
    pub order: String,
    /// The expiry before.
    pub from: Timestamp,
    /// The expiry after.
    pub to: Timestamp,
    /// Months added.
    pub months: u32,
}

impl From<appmarket::RenewalRecord> for RenewalRecord {
    fn from(r: appmarket::RenewalRecord) -> Self {
        RenewalRecord { order: r.order.to_string(), from: r.from, to: r.to, months: r.months }
    }
}

/// One settlement of a pay-per-use app (PRC-7).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UsageCycle {
    /// 1, 2, 3, … in order.
    pub number: u32,
    /// Start of the settled span.
    pub from: Timestamp,
    /// End of the settled span.
    pub to: Timestamp,
    /// Started hours.
    pub hours: u64,
    /// Started hours × the hourly price, rounded.
    pub amount: Money,
    /// The gateway's receipt, once paid.
    pub receipt: Option<String>,
    /// When it was paid.
    pub paid_at: Option<Timestamp>,
    /// The reseller that settles it (ORD-4).
    pub settled_by_reseller: Option<String>,
    /// Declined charges so far.
    pub attempts: u32,
    /// The last decline's reason.
    pub declined: Option<String>,
    /// Still owed.
    pub owed: bool,
}

impl From<appmarket::UsageCycle> for UsageCycle {
    fn from(c: appmarket::UsageCycle) -> Self {
        UsageCycle {
            number: c.number,
            from: c.from,
            to: c.to,
            hours: c.hours,
            amount: c.amount.into(),
            owed: c.is_owed(),
            receipt: c.receipt,
            paid_at: c.paid_at,
            settled_by_reseller: c.settled_by_reseller,
            attempts: c.attempts,
            declined: c.declined,
        }
    }
}

/// The usage statement of a pay-per-use app (PRC-7).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UsageStatement {
    /// The app.
    pub app: String,
    /// The price of one hour of the whole configuration.
    pub hourly: Money,
    /// Since when it accrues, if it does now.
    pub accruing_since: Option<Timestamp>,
    /// The settlements, oldest first.
    pub cycles: Vec<UsageCycle>,
    /// Started hours settled.
    pub hours: u64,
    /// Paid through the gateway.
    pub charged: Money,
    /// Owed: the arrears.
    pub owed: Money,
    /// A reseller settles: the amounts are for reference only (ORD-4).
    pub for_reference_only: bool,
}

impl From<appmarket::UsageStatement> for UsageStatement {
    fn from(s: appmarket::UsageStatement) -> Self {
        UsageStatement {
            app: s.app.to_string(),
            hourly: s.hourly.into(),
            accruing_since: s.accruing_since,
            cycles: all(s.cycles),
            hours: s.hours,
            charged: s.charged.into(),
            owed: s.owed.into(),
            for_reference_only: s.for_reference_only,
        }
    }
}

mirror_enum!(
    /// What a pending unsubscription waits for.
    PendingKind => appmarket::PendingKind {
        /// The operator's review of a large refund (UNS-5).
        OperatorReview,
        /// The seller's decision on a negotiated refund (UNS-6).
        NegotiatedRefund,
    }
);

/// The refund of one order of an unsubscription.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefundPart {
    /// The order.
    pub order: String,
    /// Its refund.
    pub refund: Money,
}

impl From<appmarket::RefundPart> for RefundPart {
    fn from(p: appmarket::RefundPart) -> Self {
        RefundPart { order: p.order.to_string(), refund: p.refund.into() }
    }
}

/// The itemised refund of an unsubscription (UNS-3..5).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefundQuote {
    /// The itemised refund.
    pub quote: Quote,
    /// The refund per order.
    pub parts: Vec<RefundPart>,
    /// Whether the five-day unconditional unsubscription applies.
    pub unconditional: bool,
    /// Whether it waits for the operator's review.
    pub needs_review: bool,
}

impl From<appmarket::RefundQuote> for RefundQuote {
    fn from(q: appmarket::RefundQuote) -> Self {
        RefundQuote {
            quote: q.quote.into(),
            parts: all(q.parts),
            unconditional: q.unconditional,
            needs_review: q.needs_review,
        }
    }
}

/// An unsubscription or refund waiting for a decision.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PendingUnsubscription {
    /// Who decides.
    pub kind: PendingKind,
    /// The refund per order.
    pub parts: Vec<RefundPart>,
    /// The itemised refund.
    pub quote: Quote,
    /// The customer's reason (negotiated refunds).
    pub reason: Option<String>,
    /// Whether it is an unconditional unsubscription.
    pub unconditional: bool,
}

impl From<appmarket::PendingUnsubscription> for PendingUnsubscription {
    fn from(p: appmarket::PendingUnsubscription) -> Self {
        PendingUnsubscription {
            kind: p.kind.into(),
            parts: all(p.parts),
            quote: p.quote.into(),
            reason: p.reason,
            unconditional: p.unconditional,
        }
    }
}

mirror_enum!(
    /// Where an invoice stands (INV-1).
    InvoiceStatus => appmarket::InvoiceStatus {
        /// Requested by the customer.
        Requested,
        /// Issued by the operator.
        Issued,
        /// Returned; it can be requested again.
        Returned,
    }
);

/// An invoice of an order (INV-1).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Invoice {
    /// Invoice id.
    pub id: String,
    /// The order.
    pub order: String,
    /// The customer.
    pub customer: String,
    /// Paid less refunds.
    pub amount: Money,
    /// Where it stands.
    pub status: InvoiceStatus,
    /// When requested.
    pub requested_at: Timestamp,
    /// When issued.
    pub issued_at: Option<Timestamp>,
    /// When returned.
    pub returned_at: Option<Timestamp>,
}

impl From<appmarket::Invoice> for Invoice {
    fn from(i: appmarket::Invoice) -> Self {
        Invoice {
            id: i.id.to_string(),
            order: i.order.to_string(),
            customer: i.customer.to_string(),
            amount: i.amount.into(),
            status: i.status.into(),
            requested_at: i.requested_at,
            issued_at: i.issued_at,
            returned_at: i.returned_at,
        }
    }
}

// ---------------------------------------------------------------- facade

#[uniffi::export]
impl Marketplace {
    /// Prices a manual renewal (REN-1, REN-4). Changes nothing.
    #[uniffi::method(default(renewal_day = None))]
    pub fn quote_renewal(
        &self,
        by: Actor,
        app: String,
        periods: u32,
        renewal_day: Option<RenewalDay>,
    ) -> Result<Quote> {
        Ok(self.core.quote_renewal(&by.into_core()?, &id(app)?, periods, renewal_day.into_core()?)?.into())
    }

    /// Places a renewal order; paying it extends the term from the current expiry (REN-1..4).
    #[uniffi::method(default(renewal_day = None, request_id = None))]
    pub fn renew(
        &self,
        by: Actor,
        app: String,
        periods: u32,
        renewal_day: Option<RenewalDay>,
        request_id: Option<String>,
    ) -> Result<Order> {
        Ok(self.core.renew(caller(by, request_id)?, &id(app)?, periods, renewal_day.into_core()?)?.into())
    }

    /// Enables or changes auto-renewal, paid by `method` (balance or credit card; `null` keeps
    /// the current one, card by default) (REN-5, REN-6).
    #[uniffi::method(default(request_id = None, method = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn set_auto_renewal(
        &self,
        by: Actor,
        app: String,
        periods: u32,
        count: u32,
        days_before: u32,
        request_id: Option<String>,
        method: Option<PaymentMethod>,
    ) -> Result<PurchasedApp> {
        let method = method.map(Into::into);
        Ok(self
            .core
            .set_auto_renewal_paid_by(caller(by, request_id)?, &id(app)?, periods, count, days_before, method)?
            .into())
    }

    /// Disables auto-renewal (REN-6).
    #[uniffi::method(default(request_id = None))]
    pub fn disable_auto_renewal(&self, by: Actor, app: String, request_id: Option<String>) -> Result<PurchasedApp> {
        Ok(self.core.disable_auto_renewal(caller(by, request_id)?, &id(app)?)?.into())
    }

    /// Deletes (stops) a pay-per-use app: metering ends, the started hours not settled yet are
    /// settled at once (PRC-7).
    #[uniffi::method(default(request_id = None))]
    pub fn delete_app(&self, by: Actor, app: String, request_id: Option<String>) -> Result<PurchasedApp> {
        Ok(self.core.delete_app(caller(by, request_id)?, &id(app)?)?.into())
    }

    /// Pays what a pay-per-use app owes, with `method` or the order's method; paid in full the
    /// app is restored (PRC-7, LIFE-1).
    #[uniffi::method(default(method = None, request_id = None))]
    pub fn pay_arrears(
        &self,
        by: Actor,
        app: String,
        method: Option<PaymentMethod>,
        request_id: Option<String>,
    ) -> Result<PurchasedApp> {
        Ok(self.core.pay_arrears(caller(by, request_id)?, &id(app)?, method.map(Into::into))?.into())
    }

    /// The usage statement of a pay-per-use app, for its customer, seller or an operator (PRC-7).
    pub fn usage_statement(&self, by: Actor, app: String) -> Result<UsageStatement> {
        Ok(self.core.usage_statement(&by.into_core()?, &id(app)?)?.into())
    }

    /// The itemised refund an unsubscription would give (UNS-3..5). Changes nothing.
    pub fn quote_unsubscribe(&self, by: Actor, app: String) -> Result<RefundQuote> {
        Ok(self.core.quote_unsubscribe(&by.into_core()?, &id(app)?)?.into())
    }

    /// Unsubscribes an app with its refund, or asks the operator's review (UNS-1..5).
    #[uniffi::method(default(request_id = None))]
    pub fn unsubscribe(&self, by: Actor, app: String, request_id: Option<String>) -> Result<Order> {
        Ok(self.core.unsubscribe(caller(by, request_id)?, &id(app)?)?.into())
    }

    /// The operator approves or rejects an unsubscription waiting for review (UNS-5).
    #[uniffi::method(default(request_id = None))]
    pub fn review_unsubscription(
        &self,
        by: Actor,
        order: String,
        approve: bool,
        request_id: Option<String>,
    ) -> Result<Order> {
        Ok(self.core.review_unsubscription(caller(by, request_id)?, &id(order)?, approve)?.into())
    }

    /// The customer asks the seller for a negotiated refund before supervision completes (UNS-6).
    #[uniffi::method(default(request_id = None))]
    pub fn request_refund(
        &self,
        by: Actor,
        order: String,
        amount: Money,
        reason: String,
        request_id: Option<String>,
    ) -> Result<Order> {
        Ok(self.core.request_refund(caller(by, request_id)?, &id(order)?, amount.into_core()?, &reason)?.into())
    }

    /// The seller approves or rejects a negotiated refund (UNS-6).
    #[uniffi::method(default(request_id = None))]
    pub fn resolve_refund_request(
        &self,
        by: Actor,
        order: String,
        approve: bool,
        request_id: Option<String>,
    ) -> Result<Order> {
        Ok(self.core.resolve_refund_request(caller(by, request_id)?, &id(order)?, approve)?.into())
    }

    /// The customer requests an invoice of a paid order (INV-1, INV-2).
    #[uniffi::method(default(request_id = None))]
    pub fn request_invoice(&self, by: Actor, order: String, request_id: Option<String>) -> Result<Invoice> {
        Ok(self.core.request_invoice(caller(by, request_id)?, &id(order)?)?.into())
    }

    /// The operator issues an invoice (INV-1).
    #[uniffi::method(default(request_id = None))]
    pub fn issue_invoice(&self, by: Actor, invoice: String, request_id: Option<String>) -> Result<Invoice> {
        Ok(self.core.issue_invoice(caller(by, request_id)?, &id(invoice)?)?.into())
    }

    /// An issued invoice is returned; it can be requested again (INV-1, UNS-2).
    #[uniffi::method(default(request_id = None))]
    pub fn return_invoice(&self, by: Actor, invoice: String, request_id: Option<String>) -> Result<Invoice> {
        Ok(self.core.return_invoice(caller(by, request_id)?, &id(invoice)?)?.into())
    }

    /// An invoice `by` may see.
    pub fn invoice(&self, by: Actor, invoice: String) -> Result<Invoice> {
        Ok(self.core.invoice(&by.into_core()?, &id(invoice)?)?.into())
    }
}
