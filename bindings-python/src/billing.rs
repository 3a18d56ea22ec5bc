//! After the sale (REN, UNS, INV): renewal dates, refund quotes, pending unsubscriptions,
//! invoices.

use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::enums::{InvoiceStatus, PendingKind};
use crate::errors::Fallible;
use crate::values::{Money, Quote};

value_class!(
    /// A renewal date (REN-4): `RenewalDay.day_of_month(15)` (1–28) or `RenewalDay.last_day()`.
    /// `day` is `None` for the last day of the month.
    RenewalDay(appmarket::RenewalDay) {
        day: |d| match d {
            appmarket::RenewalDay::Day(n) => Some(*n),
            appmarket::RenewalDay::LastDay => None,
        },
        is_last_day: |d| matches!(d, appmarket::RenewalDay::LastDay),
    }

    /// A day of the month, 1–28; 29–31 and 0 are refused (choose `last_day()`).
    #[classmethod]
    fn day_of_month(_cls: &Bound<'_, PyType>, day: u32) -> Fallible<Self> {
        Ok(Self { inner: appmarket::RenewalDay::day(day)? })
    }

    /// The last day of the month.
    #[classmethod]
    fn last_day(_cls: &Bound<'_, PyType>) -> Self {
        Self { inner: appmarket::RenewalDay::LastDay }
    }
);

value_class!(
    /// A paid renewal of an app: its order, the span it bought and its months (REN-2).
    RenewalRecord(appmarket::RenewalRecord) {
        order: |r| r.order.to_string(),
        start: |r| r.from,
        end: |r| r.to,
        months: |r| r.months,
    }
);

value_class!(
    /// One settlement of a pay-per-use app (PRC-7): its span, started hours, amount, and how it
    /// was paid (`receipt`), settled by a reseller, or declined and owed.
    UsageCycle(appmarket::UsageCycle) {
        number: |c| c.number,
        start: |c| c.from,
        end: |c| c.to,
        hours: |c| c.hours,
        amount: |c| Money::from(c.amount),
        receipt: |c| c.receipt.clone(),
        paid_at: |c| c.paid_at,
        settled_by_reseller: |c| c.settled_by_reseller.clone(),
        attempts: |c| c.attempts,
        declined: |c| c.declined.clone(),
        owed: |c| c.is_owed(),
    }
);

value_class!(
    /// The usage statement of a pay-per-use app (PRC-7): settlements, hours, what was charged
    /// and what is owed.
    UsageStatement(appmarket::UsageStatement) {
        app: |s| s.app.to_string(),
        hourly: |s| Money::from(s.hourly),
        accruing_since: |s| s.accruing_since,
        cycles: |s| s.cycles.iter().cloned().map(UsageCycle::from).collect::<Vec<_>>(),
        hours: |s| s.hours,
        charged: |s| Money::from(s.charged),
        owed: |s| Money::from(s.owed),
        for_reference_only: |s| s.for_reference_only,
    }
);

value_class!(
    /// The refund of one order of an unsubscription, rounded.
    RefundPart(appmarket::RefundPart) {
        order: |p| p.order.to_string(),
        refund: |p| Money::from(p.refund),
    }
);

value_class!(
    /// The itemised refund an unsubscription would give (UNS-3..5, PRC-2): `quote.total` is
    /// what the customer gets back.
    RefundQuote(appmarket::RefundQuote) {
        quote: |q| Quote::from(q.quote.clone()),
        parts: |q| q.parts.iter().cloned().map(RefundPart::from).collect::<Vec<_>>(),
        unconditional: |q| q.unconditional,
        needs_review: |q| q.needs_review,
    }
);

value_class!(
    /// An unsubscription or refund waiting for an operator (UNS-5) or the seller (UNS-6).
    PendingUnsubscription(appmarket::PendingUnsubscription) {
        kind: |p| PendingKind::from(p.kind),
        parts: |p| p.parts.iter().cloned().map(RefundPart::from).collect::<Vec<_>>(),
        quote: |p| Quote::from(p.quote.clone()),
        reason: |p| p.reason.clone(),
        unconditional: |p| p.unconditional,
    }
);

value_class!(
    /// An invoice of one order (INV-1, INV-2).
    Invoice(appmarket::Invoice) {
        id: |i| i.id.to_string(),
        order: |i| i.order.to_string(),
        customer: |i| i.customer.to_string(),
        amount: |i| Money::from(i.amount),
        status: |i| InvoiceStatus::from(i.status),
        requested_at: |i| i.requested_at,
        issued_at: |i| i.issued_at,
        returned_at: |i| i.returned_at,
    }
);

/// Adds the classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<RenewalDay>()?;
    m.add_class::<RenewalRecord>()?;
    m.add_class::<UsageCycle>()?;
    m.add_class::<UsageStatement>()?;
    m.add_class::<RefundPart>()?;
    m.add_class::<RefundQuote>()?;
    m.add_class::<PendingUnsubscription>()?;
    m.add_class::<Invoice>()?;
    Ok(())
}
