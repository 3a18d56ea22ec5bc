//! Renewals (REN-*), unsubscription and refunds (UNS-*), invoices (INV-*), and the preview of
//! upcoming charges (UPC-*).

use appmarket::{Actor, AppId, CustomerId, InvoiceId};
use appmarket::{Invoice, Quote, RefundQuote, RenewalDay, Upcoming, UsageStatement};
use chrono::{DateTime, Utc};

use crate::{Marketplace, Result, page};

page!(
    /// A page of previews of upcoming charges, one per customer.
    UpcomingPage of Upcoming
);

#[uniffi::export]
impl Marketplace {
    /// Prices a manual renewal (REN-1, REN-4). Changes nothing.
    #[uniffi::method(default(renewal_day = None))]
    pub fn quote_renewal(&self, by: Actor, app: AppId, periods: u32, renewal_day: Option<RenewalDay>) -> Result<Quote> {
        self.core.quote_renewal(&by, &app, periods, renewal_day)
    }

    /// The usage statement of a pay-per-use app, for its customer, seller or an operator (PRC-7).
    pub fn usage_statement(&self, by: Actor, app: AppId) -> Result<UsageStatement> {
        self.core.usage_statement(&by, &app)
    }

    /// What `tick` and the clock will do up to `until`, committing nothing (UPC-1..3): a
    /// customer's own preview, or, for an operator, one `customer`'s or every customer's, a page
    /// of customers at a time.
    #[uniffi::method(default(customer = None, page = 1, page_size = None))]
    pub fn upcoming(
        &self,
        by: Actor,
        until: DateTime<Utc>,
        customer: Option<CustomerId>,
        page: u32,
        page_size: Option<u32>,
    ) -> Result<UpcomingPage> {
        self.core.upcoming(&by, until, customer, page, page_size).map(Into::into)
    }

    /// The itemised refund an unsubscription would give (UNS-3..5). Changes nothing.
    pub fn quote_unsubscribe(&self, by: Actor, app: AppId) -> Result<RefundQuote> {
        self.core.quote_unsubscribe(&by, &app)
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
