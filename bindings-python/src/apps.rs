//! Purchased-app values (APP): terms, application and seller information, auto-renewal.

use pyo3::prelude::*;

use appmarket::Page;

use crate::billing::{RenewalDay, RenewalRecord};
use crate::conversions::PyUtc;
use crate::enums::{AppStatus, BillingMode, DeliveryMethod, PaymentMethod};
use crate::orders::ImageSetup;

value_class!(
    /// A subscription term: start, billing anchor date, months, expiry (APP-2).
    Term(appmarket::Term) {
        started_at: |t| t.started_at,
        anchor: |t| t.anchor,
        months: |t| t.months,
        expires_at: |t| t.expires_at,
        renewal_day: |t| t.renewal_day.map(RenewalDay::from),
    }
);

value_class!(
    /// Application information a seller provides (APP-1); the password is passed apart.
    ApplicationInfo(appmarket::ApplicationInfo) {
        username: |i| i.username.clone(),
        management_url: |i| i.management_url.clone(),
        frontend_url: |i| i.frontend_url.clone(),
        product_guide: |i| i.product_guide.clone(),
        has_password: |i| i.has_password,
    }

    #[new]
    #[pyo3(signature = (
        *, username = String::new(), management_url = String::new(), frontend_url = String::new(),
        product_guide = String::new()
    ))]
    fn new(username: String, management_url: String, frontend_url: String, product_guide: String) -> Self {
        Self {
            inner: appmarket::ApplicationInfo {
                username,
                management_url,
                frontend_url,
                product_guide,
                has_password: false,
            },
        }
    }
);

value_class!(
    /// The seller's contact on a purchased app.
    SellerInfo(appmarket::SellerInfo) {
        seller: |s| s.seller.to_string(),
        email: |s| s.email.clone(),
        phone: |s| s.phone.clone(),
    }
);

value_class!(
    /// An auto-renewal setting (REN-5).
    AutoRenewal(appmarket::AutoRenewal) {
        periods: |a| a.periods,
        count: |a| a.count,
        done: |a| a.done,
        days_before: |a| a.days_before,
        method: |a| PaymentMethod::from(a.method),
        retry_at: |a| a.retry_at,
        declined: |a| a.declined,
    }
);

value_class!(
    /// A downgrade scheduled for the end of the term (PRC-8).
    ScheduledDowngrade(appmarket::ScheduledDowngrade) {
        specification: |d| d.specification.clone(),
        quantity: |d| d.quantity,
        scheduled_at: |d| d.scheduled_at,
        effective_at: |d| d.effective_at,
        renewal_order: |d| d.renewal_order.as_ref().map(ToString::to_string),
    }
);

value_class!(
    /// A purchased app (APP-1).
    PurchasedApp(appmarket::PurchasedApp) {
        id: |a| a.id.to_string(),
        order: |a| a.order.to_string(),
        customer: |a| a.customer.to_string(),
        customer_level: |a| a.customer_level.clone(),
        product: |a| a.product.to_string(),
        product_name: |a| a.product_name.clone(),
        delivery: |a| DeliveryMethod::from(a.delivery),
        involves_supervision: |a| a.involves_supervision,
        specification: |a| a.specification.clone(),
        quantity: |a| a.quantity,
        mode: |a| BillingMode::from(a.mode),
        purchased_at: |a| a.purchased_at,
        term: |a| a.term.map(Term::from),
        status: |a| AppStatus::from(a.status),
        info: |a| ApplicationInfo::from(a.info.clone()),
        seller: |a| SellerInfo::from(a.seller.clone()),
        auto_renewal: |a| a.auto_renewal.map(AutoRenewal::from),
        pending_order: |a| a.pending_order.as_ref().map(ToString::to_string),
        image: |a| a.image.clone().map(|i| ImageSetup::from(*i)),
        renewals: |a| a.renewals.iter().cloned().map(RenewalRecord::from).collect::<Vec<_>>(),
        reminded: |a| a.reminded.clone(),
        scheduled_downgrade: |a| a.scheduled_downgrade.clone().map(|d| ScheduledDowngrade::from(*d)),
    }

    /// The expiry instant, if the app has a term.
    #[getter]
    fn expires_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.inner.expires_at()
    }

    /// Whole days to expiry at `now`, never negative (APP-6).
    fn remaining_days(&self, now: PyUtc) -> i64 {
        self.inner.remaining_days(now.0)
    }
);

value_class!(
    /// A page of purchased apps.
    AppPage(Page<appmarket::PurchasedApp>) {
        items: |p| p.items.iter().cloned().map(PurchasedApp::from).collect::<Vec<_>>(),
        page: |p| p.page,
        page_size: |p| p.page_size,
        total: |p| p.total,
    }

    fn __len__(&self) -> usize {
        self.inner.items.len()
    }
);

/// Adds the classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Term>()?;
    m.add_class::<ApplicationInfo>()?;
    m.add_class::<SellerInfo>()?;
    m.add_class::<AutoRenewal>()?;
    m.add_class::<ScheduledDowngrade>()?;
    m.add_class::<PurchasedApp>()?;
    m.add_class::<AppPage>()?;
    Ok(())
}
