//! Purchased apps (APP-*) and upgrades (PRC-4).

use crate::billing::{RenewalDay, RenewalRecord};
use crate::conversions::{Actor, Date, IntoCore, Secret, Timestamp, all, caller, id, mirror_enum};
use crate::errors::Result;
use crate::marketplace::Marketplace;
use crate::orders::{ImageSetup, Order};
use crate::records::{BillingMode, DeliveryMethod, PaymentMethod, Quote};

mirror_enum!(
    /// Where a purchased app stands (LIFE-1).
    AppStatus => appmarket::AppStatus {
        /// Being set up.
        Provisioning,
        /// In use ("Enabled").
        Active,
        /// Expired, still usable.
        GracePeriod,
        /// Expired, frozen, data kept.
        Frozen,
        /// Released.
        Released,
        /// Unsubscribed.
        Unsubscribed,
        /// A pay-per-use app its customer deleted (PRC-7).
        Deleted,
    }
);

/// A subscription term.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Term {
    /// When it started.
    pub started_at: Timestamp,
    /// The billing-zone date the months count from.
    pub anchor: Date,
    /// Months bought.
    pub months: u32,
    /// When it expires.
    pub expires_at: Timestamp,
    /// The renewal date chosen, if any (REN-4).
    pub renewal_day: Option<RenewalDay>,
}

/// What the seller tells the buyer about an app (APP-1).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ApplicationInfo {
    /// Login user name.
    #[uniffi(default = "")]
    pub username: String,
    /// Management console URL.
    #[uniffi(default = "")]
    pub management_url: String,
    /// Front-end URL.
    #[uniffi(default = "")]
    pub frontend_url: String,
    /// Product guide.
    #[uniffi(default = "")]
    pub product_guide: String,
    /// Whether a password is kept (revealed with `revealPassword`).
    #[uniffi(default = false)]
    pub has_password: bool,
}

/// The seller of an app and its contacts.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SellerInfo {
    /// Seller id.
    pub seller: String,
    /// Support e-mail.
    pub email: String,
    /// Support phone.
    pub phone: String,
}

/// Auto-renewal settings (REN-5).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AutoRenewal {
    /// Periods per renewal.
    pub periods: u32,
    /// Renewals wanted.
    pub count: u32,
    /// Renewals done.
    pub done: u32,
    /// Days before expiry of the charge.
    pub days_before: u32,
    /// The next retry of a declined charge (REN-6).
    pub retry_at: Option<Timestamp>,
    /// How the charges are paid (REN-5).
    pub method: PaymentMethod,
}

/// A downgrade scheduled for the end of the term (PRC-8).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScheduledDowngrade {
    /// The specification from then on.
    pub specification: String,
    /// The quantity from then on.
    pub quantity: u32,
    /// When it was scheduled.
    pub scheduled_at: Timestamp,
    /// When it takes effect: the end of the term it was scheduled in.
    pub effective_at: Timestamp,
    /// The first renewal paid at its price, if any (then it can no longer be cancelled).
    pub renewal_order: Option<String>,
}

/// A purchased app (a resource).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PurchasedApp {
    /// App id.
    pub id: String,
    /// The order that created it.
    pub order: String,
    /// The owner.
    pub customer: String,
    /// The owner's level.
    pub customer_level: Option<String>,
    /// Product id.
    pub product: String,
    /// Product name.
    pub product_name: String,
    /// Delivery method.
    pub delivery: DeliveryMethod,
    /// Whether it went through service supervision.
    pub involves_supervision: bool,
    /// Specification name.
    pub specification: String,
    /// Quantity.
    pub quantity: u32,
    /// Billing mode.
    pub mode: BillingMode,
    /// When it was bought.
    pub purchased_at: Timestamp,
    /// Its term (subscriptions).
    pub term: Option<Term>,
    /// Where it stands.
    pub status: AppStatus,
    /// Application information.
    pub info: ApplicationInfo,
    /// Seller and contacts.
    pub seller: SellerInfo,
    /// Auto-renewal settings.
    pub auto_renewal: Option<AutoRenewal>,
    /// An unpaid upgrade or renewal order holding the app.
    pub pending_order: Option<String>,
    /// Image servers' setup (images).
    pub image: Option<ImageSetup>,
    /// Its renewals, oldest first.
    pub renewals: Vec<RenewalRecord>,
    /// Expiry reminders sent for the current term (days before expiry).
    pub reminded: Vec<u32>,
    /// A downgrade scheduled for the end of the term (PRC-8).
    pub scheduled_downgrade: Option<ScheduledDowngrade>,
}

/// Which apps to list; every field has a default.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct AppFilter {
    /// Only this status.
    #[uniffi(default = None)]
    pub status: Option<AppStatus>,
    /// Only this delivery method.
    #[uniffi(default = None)]
    pub delivery: Option<DeliveryMethod>,
    /// Only this billing mode.
    #[uniffi(default = None)]
    pub mode: Option<BillingMode>,
    /// Product name contains (case-insensitive).
    #[uniffi(default = None)]
    pub name: Option<String>,
}

/// A page of apps.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AppPage {
    /// The apps of this page.
    pub items: Vec<PurchasedApp>,
    /// Page number, from 1.
    pub page: u32,
    /// Items per page.
    pub page_size: u32,
    /// Matches over all pages.
    pub total: u64,
}

// ---------------------------------------------------------------- conversions

impl From<appmarket::Term> for Term {
    fn from(t: appmarket::Term) -> Self {
        Term {
            started_at: t.started_at,
            anchor: t.anchor,
            months: t.months,
            expires_at: t.expires_at,
            renewal_day: t.renewal_day.map(Into::into),
        }
    }
}

impl From<appmarket::ApplicationInfo> for ApplicationInfo {
    fn from(i: appmarket::ApplicationInfo) -> Self {
        ApplicationInfo {
            username: i.username,
            management_url: i.management_url,
            frontend_url: i.frontend_url,
            product_guide: i.product_guide,
            has_password: i.has_password,
        }
    }
}
impl IntoCore<appmarket::ApplicationInfo> for ApplicationInfo {
    fn into_core(self) -> Result<appmarket::ApplicationInfo> {
        Ok(appmarket::ApplicationInfo {
            username: self.username,
            management_url: self.management_url,
            frontend_url: self.frontend_url,
            product_guide: self.product_guide,
            has_password: self.has_password,
        })
    }
}

impl From<appmarket::SellerInfo> for SellerInfo {
    fn from(s: appmarket::SellerInfo) -> Self {
        SellerInfo { seller: s.seller.to_string(), email: s.email, phone: s.phone }
    }
}

impl From<appmarket::AutoRenewal> for AutoRenewal {
    fn from(a: appmarket::AutoRenewal) -> Self {
        AutoRenewal {
            periods: a.periods,
            count: a.count,
            done: a.done,
            days_before: a.days_before,
            retry_at: a.retry_at,
            method: a.method.into(),
        }
    }
}

impl From<appmarket::PurchasedApp> for PurchasedApp {
    fn from(a: appmarket::PurchasedApp) -> Self {
        PurchasedApp {
            id: a.id.to_string(),
            order: a.order.to_string(),
            customer: a.customer.to_string(),
            customer_level: a.customer_level,
            product: a.product.to_string(),
            product_name: a.product_name,
            delivery: a.delivery.into(),
            involves_supervision: a.involves_supervision,
            specification: a.specification,
            quantity: a.quantity,
            mode: a.mode.into(),
            purchased_at: a.purchased_at,
            term: a.term.map(Into::into),
            status: a.status.into(),
            info: a.info.into(),
            seller: a.seller.into(),
            auto_renewal: a.auto_renewal.map(Into::into),
            pending_order: a.pending_order.map(|o| o.to_string()),
            image: a.image.map(|i| (*i).into()),
            renewals: all(a.renewals),
            reminded: a.reminded,
            scheduled_downgrade: a.scheduled_downgrade.map(|d| ScheduledDowngrade {
                specification: d.specification,
                quantity: d.quantity,
                scheduled_at: d.scheduled_at,
                effective_at: d.effective_at,
                renewal_order: d.renewal_order.map(|o| o.to_string()),
            }),
        }
    }
}

impl IntoCore<appmarket::AppFilter> for AppFilter {
    fn into_core(self) -> Result<appmarket::AppFilter> {
        Ok(appmarket::AppFilter {
            status: self.status.map(Into::into),
            delivery: self.delivery.map(Into::into),
            mode: self.mode.map(Into::into),
            name: self.name,
        })
    }
}

impl From<appmarket::Page<appmarket::PurchasedApp>> for AppPage {
    fn from(p: appmarket::Page<appmarket::PurchasedApp>) -> Self {
        AppPage { items: all(p.items), page: p.page, page_size: p.page_size, total: p.total }
    }
}

// ---------------------------------------------------------------- facade

#[uniffi::export]
impl Marketplace {
    /// An app `by` may see (its customer, its seller, an operator).
    pub fn app(&self, by: Actor, app: String) -> Result<PurchasedApp> {
        Ok(self.core.app(&by.into_core()?, &id(app)?)?.into())
    }

    /// A customer's purchased apps.
    pub fn apps(&self, by: Actor, filter: AppFilter, page: u32, page_size: u32) -> Result<AppPage> {
        Ok(self.core.apps(&by.into_core()?, &filter.into_core()?, page, page_size)?.into())
    }

    /// The seller provides the application information of an app, with an optional password
    /// kept apart and shown only to its owner (APP-1, APP-5).
    #[uniffi::method(default(password = None, request_id = None))]
    pub fn provide_application_info(
        &self,
        by: Actor,
        app: String,
        info: ApplicationInfo,
        password: Option<Secret>,
        request_id: Option<String>,
    ) -> Result<PurchasedApp> {
        Ok(self.core.provide_application_info(caller(by, request_id)?, &id(app)?, info.into_core()?, password)?.into())
    }

    /// The owner reveals the app's password (APP-5); the reveal is recorded.
    #[uniffi::method(default(request_id = None))]
    pub fn reveal_password(&self, by: Actor, app: String, request_id: Option<String>) -> Result<Secret> {
        Ok(self.core.reveal_password(caller(by, request_id)?, &id(app)?)?)
    }

    /// Prices an upgrade of an app for the rest of its term (PRC-4).
    pub fn quote_upgrade(&self, by: Actor, app: String, specification: String, quantity: u32) -> Result<Quote> {
        Ok(self.core.quote_upgrade(&by.into_core()?, &id(app)?, &specification, quantity)?.into())
    }

    /// Places an upgrade order at its quoted cost; paying it changes the configuration (PRC-4).
    #[uniffi::method(default(request_id = None))]
    pub fn order_upgrade(
        &self,
        by: Actor,
        app: String,
        specification: String,
        quantity: u32,
        request_id: Option<String>,
    ) -> Result<Order> {
        Ok(self.core.order_upgrade(caller(by, request_id)?, &id(app)?, &specification, quantity)?.into())
    }

    /// Schedules a downgrade (a cheaper specification or fewer units) for the end of the term,
    /// where the policy allows it; renewals are priced with it and `tick` applies it (PRC-8).
    #[uniffi::method(default(request_id = None))]
    pub fn schedule_downgrade(
        &self,
        by: Actor,
        app: String,
        specification: String,
        quantity: u32,
        request_id: Option<String>,
    ) -> Result<PurchasedApp> {
        Ok(self.core.schedule_downgrade(caller(by, request_id)?, &id(app)?, &specification, quantity)?.into())
    }

    /// Cancels the scheduled downgrade, unless a renewal was paid at its price (PRC-8).
    #[uniffi::method(default(request_id = None))]
    pub fn cancel_scheduled_downgrade(
        &self,
        by: Actor,
        app: String,
        request_id: Option<String>,
    ) -> Result<PurchasedApp> {
        Ok(self.core.cancel_scheduled_downgrade(caller(by, request_id)?, &id(app)?)?.into())
    }
}
