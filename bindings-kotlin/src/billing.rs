//! Renewals (REN-*), unsubscription and refunds (UNS-*), and invoices (INV-*).

use appmarket::{Actor, AppId, InvoiceId, OrderId, RequestId};
use appmarket::{Invoice, Money, Order, PaymentMethod, PurchasedApp, Quote, RefundQuote, RenewalDay, UsageStatement};

use crate::{Marketplace, Result, caller};

#[uniffi::export]
impl Marketplace {
    /// Prices a manual renewal (REN-1, REN-4). Changes nothing.
    #[uniffi::method(default(renewal_day = None))]
    pub fn quote_renewal(&self, by: Actor, app: AppId, periods: u32, renewal_day: Option<RenewalDay>) -> Result<Quote> {
        self.core.quote_renewal(&by, &app, periods, renewal_day)
    }

    /// Places a renewal order; paying it extends the term from the current expiry (REN-1..4).
    #[uniffi::method(default(renewal_day = None, request_id = None))]
    pub fn renew(
        &self,
        by: Actor,
        app: AppId,
        periods: u32,
        renewal_day: Option<RenewalDay>,
        request_id: Option<RequestId>,
    ) -> Result<Order> {
        self.core.renew(caller(by, request_id), &app, periods, renewal_day)
    }

    /// Enables or changes auto-renewal, paid by `method` (balance or credit card; `null` keeps
    /// the current one, card by default) (REN-5, REN-6).
    #[uniffi::method(default(request_id = None, method = None))]
    #[allow(clippy::too_many_arguments)]
    pub fn set_auto_renewal(
        &self,
        by: Actor,
        app: AppId,
        periods: u32,
        count: u32,
        days_before: u32,
        request_id: Option<RequestId>,
        method: Option<PaymentMethod>,
    ) -> Result<PurchasedApp> {
        self.core.set_auto_renewal_paid_by(caller(by, request_id), &app, periods, count, days_before, method)
    }

    /// Disables auto-renewal (REN-6).
    #[uniffi::method(default(request_id = None))]
    pub fn disable_auto_renewal(&self, by: Actor, app: AppId, request_id: Option<RequestId>) -> Result<PurchasedApp> {
        self.core.disable_auto_renewal(caller(by, request_id), &app)
    }

    /// Deletes (stops) a pay-per-use app: metering ends, the started hours not settled yet are
    /// settled at once (PRC-7).
    #[uniffi::method(default(request_id = None))]
    pub fn delete_app(&self, by: Actor, app: AppId, request_id: Option<RequestId>) -> Result<PurchasedApp> {
        self.core.delete_app(caller(by, request_id), &app)
    }

    /// Pays what a pay-per-use app owes, with `method` or the order's method; paid in full the
    /// app is restored (PRC-7, LIFE-1).
    #[uniffi::method(default(method = None, request_id = None))]
    pub fn pay_arrears(
        &self,
        by: Actor,
        app: AppId,
        method: Option<PaymentMethod>,
        request_id: Option<RequestId>,
    ) -> Result<PurchasedApp> {
        self.core.pay_arrears(caller(by, request_id), &app, method)
    }

    /// The usage statement of a pay-per-use app, for its customer, seller or an operator (PRC-7).
    pub fn usage_statement(&self, by: Actor, app: AppId) -> Result<UsageStatement> {
        self.core.usage_statement(&by, &app)
    }

    /// The itemised refund an unsubscription would give (UNS-3..5). Changes nothing.
    pub fn quote_unsubscribe(&self, by: Actor, app: AppId) -> Result<RefundQuote> {
        self.core.quote_unsubscribe(&by, &app)
    }

    /// Unsubscribes an app with its refund, or asks the operator's review (UNS-1..5).
    #[uniffi::method(default(request_id = None))]
    pub fn unsubscribe(&self, by: Actor, app: AppId, request_id: Option<RequestId>) -> Result<Order> {
        self.core.unsubscribe(caller(by, request_id), &app)
    }

    /// The operator approves or rejects an unsubscription waiting for review (UNS-5).
    #[uniffi::method(default(request_id = None))]
    pub fn review_unsubscription(
        &self,
        by: Actor,
        order: OrderId,
        approve: bool,
        request_id: Option<RequestId>,
    ) -> Result<Order> {
        self.core.review_unsubscription(caller(by, request_id), &order, approve)
    }

    /// The customer asks the seller for a negotiated refund before supervision completes (UNS-6).
    #[uniffi::method(default(request_id = None))]
    pub fn request_refund(
        &self,
        by: Actor,
        order: OrderId,
        amount: Money,
        reason: String,
        request_id: Option<RequestId>,
    ) -> Result<Order> {
        self.core.request_refund(caller(by, request_id), &order, amount, &reason)
    }

    /// The seller approves or rejects a negotiated refund (UNS-6).
    #[uniffi::method(default(request_id = None))]
    pub fn resolve_refund_request(
        &self,
        by: Actor,
        order: OrderId,
        approve: bool,
        request_id: Option<RequestId>,
    ) -> Result<Order> {
        self.core.resolve_refund_request(caller(by, request_id), &order, approve)
    }

    /// The customer requests an invoice of a paid order (INV-1, INV-2).
    #[uniffi::method(default(request_id = None))]
    pub fn request_invoice(&self, by: Actor, order: OrderId, request_id: Option<RequestId>) -> Result<Invoice> {
        self.core.request_invoice(caller(by, request_id), &order)
    }

    /// The operator issues an invoice (INV-1).
    #[uniffi::method(default(request_id = None))]
    pub fn issue_invoice(&self, by: Actor, invoice: InvoiceId, request_id: Option<RequestId>) -> Result<Invoice> {
        self.core.issue_invoice(caller(by, request_id), &invoice)
    }

    /// An issued invoice is returned; it can be requested again (INV-1, UNS-2).
    #[uniffi::method(default(request_id = None))]
    pub fn return_invoice(&self, by: Actor, invoice: InvoiceId, request_id: Option<RequestId>) -> Result<Invoice> {
        self.core.return_invoice(caller(by, request_id), &invoice)
    }

    /// An invoice `by` may see.
    pub fn invoice(&self, by: Actor, invoice: InvoiceId) -> Result<Invoice> {
        self.core.invoice(&by, &invoice)
    }
}

/// Whether a settlement of a pay-per-use app is owed: declined, and not paid since (PRC-7);
/// Kotlin reads it as `cycle.owed`.
#[uniffi::export]
pub fn usage_cycle_is_owed(cycle: appmarket::UsageCycle) -> bool {
    cycle.is_owed()
}
