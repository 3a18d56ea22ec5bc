//! The `PurchasedApp` aggregate: term and expiry, application information, upgrades, and the
//! end of a term (APP-1..6, PRC-4, LIFE-1).

pub mod downgrade;
pub mod dunning;
pub mod metering;
pub mod provisioning;
pub mod renewal;
pub mod renewal_day;
pub mod schedule;

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::account::CustomerAccount;
use crate::actions::{Action, Availability};
use crate::actor::{Actor, AppId, CustomerId, OrderId, ProductId, SellerId};
use crate::aggregate::{Aggregate, Create, Ctx, Sequence};
use crate::catalog::{BillingMode, DeliveryMethod, Product, check_periods};
use crate::dunning::DeclinedCharge;
use crate::error::Error;
use crate::metering::{Metering, SettlementPlan, UsageCycle};
use crate::money::Money;
use crate::payments::{PaymentMethod, ReturnedCharge};
use crate::policy::Policy;
use crate::pricing::{self, Quote};
use crate::provisioning::ImageSetup;
use crate::renewal_day::RenewalDay;
use crate::secret::Secret;
use crate::time::{BillingZone, add_months_clamped, instant_of_timestamp, last_day_of_month};

/// Where a purchased app stands (APP-6, LIFE-1).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AppStatus {
    /// Paid, waiting for its service flow to complete (APP-3).
    Provisioning,
    /// In its term.
    Active,
    /// Expired, still usable (LIFE-1).
    GracePeriod,
    /// Retention period: frozen, data kept (LIFE-1).
    Frozen,
    /// Released: data deleted, cannot be renewed (LIFE-1).
    Released,
    /// Unsubscribed.
    Unsubscribed,
    /// A pay-per-use app its customer deleted (stopped): metering has ended (PRC-7, UNS-1).
    Deleted,
}

impl fmt::Display for AppStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AppStatus::Provisioning => "Provisioning",
            AppStatus::Active => "Enabled",
            AppStatus::GracePeriod => "Grace period",
            AppStatus::Frozen => "Frozen",
            AppStatus::Released => "Released",
            AppStatus::Unsubscribed => "Unsubscribed",
            AppStatus::Deleted => "Deleted",
        })
    }
}

/// The term of a yearly/monthly app (APP-2): it ends at 23:59:59 (billing zone) on the date
/// reached by adding `months` to the anchor date, clamped to the end of a shorter month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Term {
    /// When the term started (payment, or acceptance / enabling time for supervised apps).
    pub started_at: DateTime<Utc>,
    /// The billing anchor date (billing zone).
    pub anchor: NaiveDate,
    /// Months from the anchor to the expiry date (a year is 12).
    pub months: u32,
    /// The expiry instant.
    pub expires_at: DateTime<Utc>,
    /// The renewal date chosen by the customer, if any (REN-4): the anchor's day, or the last
    /// day of the month.
    #[serde(default)]
    pub renewal_day: Option<RenewalDay>,
}

impl Term {
    /// A term of `months` starting at `started_at` (APP-2).
    pub fn starting(started_at: DateTime<Utc>, months: u32, zone: BillingZone) -> Term {
        let anchor = zone.date_of(started_at);
        Term {
            started_at,
            anchor,
            months,
            expires_at: zone.end_of_day(add_months_clamped(anchor, months)),
            renewal_day: None,
        }
    }

    /// The expiry date `months` after the anchor (APP-2), on the last day of the month when that
    /// is the renewal date (REN-4).
    pub fn date_after(&self, months: u32) -> NaiveDate {
        let date = add_months_clamped(self.anchor, months);
        match self.renewal_day {
            Some(RenewalDay::LastDay) => last_day_of_month(date),
            _ => date,
        }
    }

    /// The expiry date in the billing zone.
    pub fn expiry_date(&self, zone: BillingZone) -> NaiveDate {
        zone.date_of(self.expires_at)
    }

    /// The same anchor, `more` months further (REN-2).
    pub fn extended(&self, more: u32, zone: BillingZone) -> Term {
        let months = self.months + more;
        Term { months, expires_at: zone.end_of_day(self.date_after(months)), ..*self }
    }

    /// The term after renewing `months` from the current expiry (REN-2). Without a renewal date the
    /// anchor stays (APP-2); with one, the term ends on the first such day on or after the date it
    /// would otherwise reach, and that day becomes the anchor (REN-4).
    pub fn renewed(&self, months: u32, day: Option<RenewalDay>, zone: BillingZone) -> Result<Term, Error> {
        let Some(day) = day else { return Ok(self.extended(months, zone)) };
        // The policy's limit was checked when the renewal was priced (`price_renewal`); a paid
        // renewal still applies after the policy changes, within what every month has.
        day.check_latest(RenewalDay::LATEST_DAY)?;
        let natural = self.date_after(self.months + months);
        let end = day.on_or_after(natural);
        Ok(Term { anchor: end, months: 0, expires_at: zone.end_of_day(end), renewal_day: Some(day), ..*self })
    }
}

impl AutoRenewal {
    /// Checks that `method` can pay the auto-renewal charges of `account` (REN-5): the balance
    /// always (every account has one), a credit card only when one is bound to the account. A
    /// reseller's customer's charges are settled by the reseller (ORD-4), whatever the method.
    pub fn check_method(method: PaymentMethod, account: &CustomerAccount) -> Result<(), Error> {
        if method == PaymentMethod::CreditCard && !account.bound_card && !account.is_reseller_customer() {
            return Err(Error::not_allowed(
                "REN-5",
                format!(
                    "no credit card is bound to account {}: bind one, or have auto-renewal paid from the balance",
                    account.id
                ),
            ));
        }
        Ok(())
    }

    /// Checks auto-renewal settings (REN-5, REN-6): periods as a manual renewal, count 0 to
    /// `auto_renewal_max_count` (0 = unlimited), charge day 0 to `auto_renewal_days_before` days
    /// before expiry.
    pub fn check_settings(
        mode: BillingMode,
        periods: u32,
        count: u32,
        days_before: u32,
        policy: &Policy,
    ) -> Result<(), Error> {
        check_periods(mode, periods, policy, "REN-5")?;
        if count > policy.auto_renewal_max_count {
            return Err(Error::invalid(
                "count",
                format!("REN-5: renewals are 0 (unlimited) to {}, got {count}", policy.auto_renewal_max_count),
            ));
        }
        if days_before > policy.auto_renewal_days_before {
            return Err(Error::invalid(
                "days_before",
                format!(
                    "REN-6: the charge is 0–{} days before expiry, got {days_before}",
                    policy.auto_renewal_days_before
                ),
            ));
        }
        Ok(())
    }
}

/// The renewal rules that the app decides by itself (REN-1, REN-5, REN-6); the prices and the
/// manual-renewal check are in [`crate::renewal`].
impl PurchasedApp {
    /// Whether the gateway receipt `id` is recorded on the app (see
    /// [`PurchasedApp::recent_receipts`]).
    pub fn holds_receipt(&self, id: &str) -> bool {
        self.recent_receipts.iter().any(|r| r == id)
    }

    fn remember_receipt(&mut self, id: &str) {
        if self.recent_receipts.len() >= RECENT_RECEIPTS {
            self.recent_receipts.remove(0);
        }
        self.recent_receipts.push(id.to_owned());
    }

    /// The app's state allows a renewal (REN-1): a yearly/monthly app whose term has started,
    /// neither released nor unsubscribed.
    pub fn check_renewable_state(&self) -> Result<(), Error> {
        if !self.mode.is_subscription() {
            return Err(Error::not_allowed(
                "REN-1",
                format!("only yearly/monthly apps can be renewed; app {} is {}", self.id, self.mode),
            ));
        }
        if matches!(self.status, AppStatus::Released | AppStatus::Unsubscribed) {
            return Err(Error::not_allowed(
                "REN-1",
                format!("app {} is {}, so it cannot be renewed", self.id, self.status),
            ));
        }
        if self.term.is_none() {
            return Err(Error::not_allowed("REN-1", format!("the term of app {} has not started yet", self.id)));
        }
        Ok(())
    }

    /// Checks that `by` may set, change or disable auto-renewal of the app (REN-5, REN-6).
    pub fn check_auto_renewal(&self, by: &Actor, policy: &Policy) -> Result<(), Error> {
        by.require_customer(&self.customer, format_args!("app {}", self.id))?;
        if !self.mode.is_subscription() {
            return Err(Error::not_allowed(
                "REN-5",
                format!("auto-renewal applies to yearly/monthly apps; app {} is {}", self.id, self.mode),
            ));
        }
        if !policy.auto_renewal_delivery_methods.contains(&self.delivery) {
            let allowed: Vec<String> = policy.auto_renewal_delivery_methods.iter().map(|d| d.to_string()).collect();
            return Err(Error::not_allowed(
                "REN-5",
                format!("auto-renewal applies to {}; app {} is {}", allowed.join(", "), self.id, self.delivery),
            ));
        }
        if matches!(self.status, AppStatus::Released | AppStatus::Unsubscribed) {
            return Err(Error::not_allowed(
                "REN-6",
                format!("app {} is {}: auto-renewal can be changed only until release", self.id, self.status),
            ));
        }
        Ok(())
    }

    /// The method auto-renewal charges with when `asked` is given or kept (`None`): the one
    /// asked, else the current one, else the card (REN-5).
    pub fn auto_renewal_method(&self, asked: Option<PaymentMethod>) -> PaymentMethod {
        asked.or(self.auto_renewal.map(|a| a.method)).unwrap_or(PaymentMethod::CreditCard)
    }
}

/// The application information shown on the details page (APP-1). The password is not here:
/// the store keeps it apart, and only its owner can reveal it (APP-5).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct ApplicationInfo {
    /// Username.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub username: String,
    /// Management URL.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub management_url: String,
    /// Frontend URL.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub frontend_url: String,
    /// Product guide link.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub product_guide: String,
    /// Whether a password has been provided.
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub has_password: bool,
}

impl ApplicationInfo {
    /// Checks the lengths of the username, URLs and guide link: at most
    /// `application_info_max_chars` (2,048) characters each (APP-1).
    pub fn check(&self, policy: &Policy) -> Result<(), Error> {
        let max = policy.application_info_max_chars;
        for (field, text) in [
            ("username", &self.username),
            ("management_url", &self.management_url),
            ("frontend_url", &self.frontend_url),
            ("product_guide", &self.product_guide),
        ] {
            if text.chars().count() > max as usize {
                return Err(Error::invalid(field, format!("at most {max} characters")));
            }
        }
        Ok(())
    }

    /// Checks the password a seller gives with the application information: 1 to
    /// `application_password_max_chars` (128) characters (APP-5).
    pub fn check_password(password: &Secret, policy: &Policy) -> Result<(), Error> {
        let n = password.expose().chars().count();
        let max = policy.application_password_max_chars;
        if n == 0 || n > max as usize {
            return Err(Error::invalid("password", format!("a password has 1–{max} characters")));
        }
        Ok(())
    }
}

/// The seller information shown on the details page (APP-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct SellerInfo {
    /// The seller.
    pub seller: SellerId,
    /// Email.
    pub email: String,
    /// Phone.
    pub phone: String,
}

/// Auto-renewal settings (REN-5, REN-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct AutoRenewal {
    /// Periods per renewal (months for monthly plans, years for yearly plans).
    pub periods: u32,
    /// Renewals wanted, 0 = unlimited.
    pub count: u32,
    /// Renewals done so far under these settings.
    pub done: u32,
    /// Days before expiry of the charge.
    pub days_before: u32,
    /// After a declined charge, when it is retried (REN-6).
    #[serde(default)]
    pub retry_at: Option<DateTime<Utc>>,
    /// How the charges are paid: balance or the bound credit card, as the customer chose
    /// (REN-5; card by default).
    #[serde(default = "card")]
    pub method: PaymentMethod,
    /// Declined charges of the current term so far: the position in the retry schedule
    /// (REN-7).
    #[serde(default)]
    pub declined: u32,
}

fn card() -> PaymentMethod {
    PaymentMethod::CreditCard
}

/// A renewal applied to an app: which order paid it and which span of time it bought (REN-2,
/// UNS-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, from_py_object, module = "appmarket"))]
pub struct RenewalRecord {
    /// The renewal order.
    pub order: OrderId,
    /// Where the renewed span starts: the expiry before the renewal (REN-2).
    pub from: DateTime<Utc>,
    /// The expiry after the renewal.
    pub to: DateTime<Utc>,
    /// Months bought, including renewal-date extra days as a part (REN-4) rounded down.
    pub months: u32,
}

/// A purchased app (resource) (APP-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, from_py_object, module = "appmarket"))]
pub struct PurchasedApp {
    /// Id.
    pub id: AppId,
    /// The order that bought it.
    pub order: OrderId,
    /// The owner.
    pub customer: CustomerId,
    /// The owner's level when bought (LIFE-1).
    pub customer_level: Option<String>,
    /// The product.
    pub product: ProductId,
    /// Product name.
    pub product_name: String,
    /// Delivery method.
    pub delivery: DeliveryMethod,
    /// Whether it came with a service flow.
    pub involves_supervision: bool,
    /// Specification.
    pub specification: String,
    /// Quantity.
    pub quantity: u32,
    /// Billing mode.
    pub mode: BillingMode,
    /// When it was bought (paid).
    pub purchased_at: DateTime<Utc>,
    /// The term, once started; `None` for one-time and pay-per-use apps and before acceptance.
    pub term: Option<Term>,
    /// Status.
    pub status: AppStatus,
    /// Application information.
    pub info: ApplicationInfo,
    /// Seller information.
    pub seller: SellerInfo,
    /// Auto-renewal, if enabled.
    pub auto_renewal: Option<AutoRenewal>,
    /// An unpaid upgrade or renewal order of this app.
    pub pending_order: Option<OrderId>,
    /// The servers of an image app.
    pub image: Option<Box<ImageSetup>>,
    /// Paid renewals, oldest first (REN-2, UNS-5).
    #[serde(default)]
    pub renewals: Vec<RenewalRecord>,
    /// Expiry reminders already sent for the current expiry, in days before it (LIFE-1).
    #[serde(default)]
    pub reminded: Vec<u32>,
    /// The metering of a pay-per-use app (PRC-7). Boxed, like `image`: only some apps have
    /// it, and every app would otherwise carry its size (the store's bytes per app).
    #[serde(default)]
    pub metering: Option<Box<Metering>>,
    /// A downgrade scheduled for the end of the term, if any (PRC-8); boxed like `metering`.
    #[serde(default)]
    pub scheduled_downgrade: Option<Box<ScheduledDowngrade>>,
    /// The gateway receipts most recently recorded on the app (usage settlements,
    /// auto-renewals; at most [`RECENT_RECEIPTS`]): a charge decided again after a lost race
    /// knows whether the winner recorded it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_receipts: Vec<String>,
    /// How many charges for the app were given back because, decided again, nothing wanted
    /// them any more; a later charge asks the gateway under a fresh key.
    #[serde(default, skip_serializing_if = "crate::aggregate::is_zero")]
    pub charges_returned: u32,
}

/// How many receipts an app remembers (see [`PurchasedApp::recent_receipts`]).
pub const RECENT_RECEIPTS: usize = 32;

/// A command on an app: what its customer, its seller or the system may ask of it. What the
/// marketplace itself records on an app (a paid upgrade or renewal, the start of its term, an
/// unpaid order waiting, …) is an [`AppFact`], which only the library can make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppCommand {
    /// The seller provides the application information (the password goes to the store apart).
    ProvideApplicationInfo {
        /// The information.
        info: ApplicationInfo,
    },
    /// The owner reveals the password (APP-5).
    RevealPassword,
    /// System: move through the end of a term as time passes (LIFE-1).
    AdvanceLifecycle,
    /// The customer deletes (stops) a pay-per-use app: metering ends; the facade settles the
    /// last started hours first (PRC-7).
    Delete,
    /// The customer enables or modifies auto-renewal (REN-5, REN-6).
    SetAutoRenewal {
        /// Periods per renewal.
        periods: u32,
        /// Renewals wanted, 0 = unlimited.
        count: u32,
        /// Days before expiry of the charge.
        days_before: u32,
        /// How the charges are paid; `None` keeps the current method (card by default).
        method: Option<PaymentMethod>,
    },
    /// The customer disables auto-renewal (REN-6).
    DisableAutoRenewal,
    /// The customer schedules a downgrade for the end of the term, replacing any scheduled
    /// before (PRC-8). The facade checks the target against the product first.
    ScheduleDowngrade {
        /// The specification from then on.
        specification: String,
        /// The quantity from then on.
        quantity: u32,
    },
    /// The customer cancels the scheduled downgrade (PRC-8).
    CancelScheduledDowngrade,
    /// A fact the marketplace records (see [`AppFact`]).
    Record(AppFact),
}

/// A fact the marketplace records on an app after its own checks or a port's answer. It has
/// no public constructor: no caller can claim an upgrade or a renewal was paid.
///
/// ```compile_fail
/// // Outside the library a fact cannot be made, so an app cannot be told it was renewed.
/// let renewed = appmarket::app::AppFact(appmarket::app::Fact::Activate);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppFact(pub(crate) Fact);

/// What a paid order's new app is made of (ORD-5): the order's configuration, its customer's
/// level and the seller's contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Start {
    /// The app's id when the order numbered it (an image's, whose password was kept first).
    pub(crate) id: Option<AppId>,
    pub(crate) order: OrderId,
    pub(crate) customer: CustomerId,
    pub(crate) customer_level: Option<String>,
    pub(crate) product: ProductId,
    pub(crate) product_name: String,
    pub(crate) delivery: DeliveryMethod,
    pub(crate) involves_supervision: bool,
    pub(crate) specification: String,
    pub(crate) quantity: u32,
    pub(crate) mode: BillingMode,
    pub(crate) periods: u32,
    /// The servers of an image order.
    pub(crate) image: Option<ImageSetup>,
    pub(crate) seller: SellerInfo,
    /// The hourly rate of a pay-per-use order (PRC-7).
    pub(crate) hourly: Money,
    /// How it was paid: the method, or the reseller who settles (ORD-4).
    pub(crate) payment: Result<PaymentMethod, String>,
}

/// The facts of [`AppFact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fact {
    /// A paid order creates its app (ORD-5, APP-1..3, PRC-7).
    Start(Box<Start>),
    /// Start the term (at payment, or at acceptance / enabling time for supervised apps, APP-3).
    StartTerm {
        /// When the term starts.
        at: DateTime<Utc>,
        /// Months in the term (a year is 12).
        months: u32,
    },
    /// An upgrade or renewal order of this app was placed and awaits payment.
    HoldPendingOrder {
        /// The order.
        order: OrderId,
    },
    /// The pending order was cancelled.
    ReleasePendingOrder {
        /// The order.
        order: OrderId,
    },
    /// A paid upgrade changes the configuration; the expiry does not move (PRC-4).
    ApplyUpgrade {
        /// The upgrade order.
        order: OrderId,
        /// New specification.
        specification: String,
        /// New quantity.
        quantity: u32,
    },
    /// The app's order was unsubscribed (UNS, SUP-8, APL-4, UNS-6).
    MarkUnsubscribed,
    /// A supervised app without a term (one-time, pay-per-use) goes into use when its flow
    /// completes (SUP-4, APP-4).
    Activate,
    /// A paid renewal order extends the term from the current expiry (REN-1..4, REN-6).
    Renew {
        /// The renewal order.
        order: OrderId,
        /// Months added (a year is 12).
        months: u32,
        /// The renewal date, if one was chosen (REN-4).
        renewal_day: Option<RenewalDay>,
        /// Whether auto-renewal made it (REN-5).
        auto: bool,
        /// The receipt of an auto-renewal charge.
        receipt: Option<String>,
    },
    /// A charge the app no longer wanted, given back (see [`ReturnedCharge`]).
    ReturnCharge(ReturnedCharge),
    /// System: the auto-renewal charge was declined; it is retried at `retry_at` (REN-6,
    /// REN-7).
    RecordAutoRenewalDeclined {
        /// The gateway's reason.
        reason: String,
        /// The next attempt.
        retry_at: DateTime<Utc>,
        /// The amount declined.
        amount: Money,
    },
}

impl From<Fact> for AppCommand {
    fn from(fact: Fact) -> AppCommand {
        AppCommand::Record(AppFact(fact))
    }
}

/// What happened to an app. These are its operation records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AppEvent {
    /// Created by a paid order.
    Created {
        /// The order.
        order: OrderId,
    },
    /// The term started.
    TermStarted {
        /// The term.
        term: Term,
    },
    /// The seller provided the application information.
    ApplicationInfoProvided {
        /// The information (without the password).
        info: Box<ApplicationInfo>,
    },
    /// The owner revealed the password (APP-5).
    PasswordRevealed,
    /// An order of this app awaits payment.
    PendingOrderHeld {
        /// The order.
        order: OrderId,
    },
    /// That order no longer waits.
    PendingOrderReleased {
        /// The order.
        order: OrderId,
    },
    /// Upgraded.
    Upgraded {
        /// The upgrade order.
        order: OrderId,
        /// Specification before.
        from_specification: String,
        /// Quantity before.
        from_quantity: u32,
        /// Specification after.
        specification: String,
        /// Quantity after.
        quantity: u32,
    },
    /// Expired: the grace period starts (LIFE-1).
    GracePeriodStarted,
    /// The grace period ended: frozen for the retention period (LIFE-1).
    Frozen,
    /// The retention period ended: released (LIFE-1).
    Released,
    /// Unsubscribed.
    Unsubscribed,
    /// Put into use when its service flow completed, without a term (SUP-4).
    Activated,
    /// Renewed: the term now ends later (REN-2, REN-4).
    Renewed {
        /// The renewal order.
        order: OrderId,
        /// The expiry before.
        from: DateTime<Utc>,
        /// The term after.
        term: Term,
        /// Months added (REN-1), before any renewal-date extension.
        months: u32,
        /// Whether auto-renewal made it (REN-5).
        auto: bool,
        /// The receipt of the auto-renewal charge that paid it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        receipt: Option<String>,
    },
    /// A charge taken for the app that, decided again after a concurrent change, nothing
    /// wanted any more: given back with a refund.
    ChargeReturned {
        /// The charge and its refund.
        returned: Box<ReturnedCharge>,
    },
    /// Auto-renewal was enabled or modified (REN-5, REN-6).
    AutoRenewalSet {
        /// The settings.
        settings: AutoRenewal,
    },
    /// Auto-renewal was disabled (REN-6).
    AutoRenewalDisabled,
    /// The auto-renewal charge was declined (REN-6).
    AutoRenewalDeclined {
        /// The gateway's reason.
        reason: String,
        /// The next attempt.
        retry_at: DateTime<Utc>,
    },
    /// A pay-per-use app started accruing (PRC-7).
    MeteringStarted {
        /// From when.
        at: DateTime<Utc>,
    },
    /// A billing cycle (or the last, partial one) was settled: paid, settled by a reseller,
    /// or declined and owed (PRC-7).
    UsageSettled {
        /// The settlement.
        cycle: Box<UsageCycle>,
    },
    /// An owed settlement was tried again (PRC-7): paid with `receipt`, or declined again.
    UsageRetried {
        /// The settlement's number.
        number: u32,
        /// The receipt, if paid.
        receipt: Option<String>,
        /// The decline's reason, if declined.
        declined: Option<String>,
        /// When.
        at: DateTime<Utc>,
    },
    /// Nothing is owed any more: an app in arrears is restored (PRC-7, LIFE-1).
    ArrearsCleared {
        /// When a frozen app accrues again, if it does.
        resumed_at: Option<DateTime<Utc>>,
    },
    /// The customer deleted the pay-per-use app; metering has ended (PRC-7).
    Deleted,
    /// A downgrade was scheduled for the end of the term, replacing any before (PRC-8).
    DowngradeScheduled {
        /// The downgrade.
        downgrade: Box<ScheduledDowngrade>,
    },
    /// The customer cancelled the scheduled downgrade (PRC-8).
    DowngradeCancelled,
    /// The scheduled downgrade took effect at the end of its term (PRC-8).
    DowngradeApplied {
        /// Specification before.
        from_specification: String,
        /// Quantity before.
        from_quantity: u32,
        /// Specification after.
        specification: String,
        /// Quantity after.
        quantity: u32,
    },
    /// A charge of a retry schedule was declined (REN-7): one event per failed attempt, with
    /// the next attempt if there will be one, for a host to notify the customer.
    ChargeDeclined {
        /// What the charge was for.
        charge: DeclinedCharge,
        /// Declined attempts of this charge so far, this one included.
        attempt: u32,
        /// The amount declined.
        amount: Money,
        /// The gateway's reason.
        reason: String,
        /// The next attempt, if the schedule makes one before the retention period ends.
        next_attempt_at: Option<DateTime<Utc>>,
    },
    /// The app expires in `days` days (LIFE-1).
    ExpiryReminder {
        /// Days before expiry.
        days: u32,
        /// The expiry.
        expires_at: DateTime<Utc>,
    },
}

impl PurchasedApp {
    /// Whole days to expiry, never negative (APP-6).
    pub fn remaining_days(&self, now: DateTime<Utc>) -> i64 {
        self.term.map_or(0, |t| (t.expires_at - now).num_days().max(0))
    }

    /// The expiry instant, if the app has a term.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.term.map(|t| t.expires_at)
    }

    /// Whether the app is shown among purchased apps (APP-4): a supervised SaaS app only once
    /// its flow has completed.
    pub fn is_listed(&self) -> bool {
        !(self.delivery == DeliveryMethod::Saas && self.status == AppStatus::Provisioning)
    }

    /// The instants at which grace ends and retention ends (LIFE-1).
    pub fn end_of_term_instants(&self, policy: &Policy) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let zone = policy.zone();
        let (grace_end, retention_end) = self.ends_after(zone.day_number(self.term?.expires_at), zone, policy);
        Some((instant_of_timestamp(grace_end), instant_of_timestamp(retention_end)))
    }

    /// The instants at which the grace and retention periods of a pay-per-use app in arrears
    /// end, counted from the day of the first owed settlement (PRC-7, LIFE-1).
    pub fn arrears_instants(&self, policy: &Policy) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let since = self.metering.as_ref()?.arrears_since?;
        let zone = policy.zone();
        let (grace_end, retention_end) = self.ends_after(zone.day_number(since), zone, policy);
        Some((instant_of_timestamp(grace_end), instant_of_timestamp(retention_end)))
    }

    /// Checks that `by` may delete (stop) the app: its owner, a pay-per-use app that has
    /// started and is not released (PRC-7).
    pub fn check_delete(&self, by: &Actor) -> Result<(), Error> {
        self.owner(by)?;
        if self.mode != BillingMode::PayPerUse || self.metering.is_none() {
            return Err(Error::not_allowed(
                "PRC-7",
                format!(
                    "only pay-per-use apps are deleted; app {} is {} (unsubscribe it instead, UNS-1)",
                    self.id, self.mode
                ),
            ));
        }
        if !matches!(self.status, AppStatus::Active | AppStatus::GracePeriod | AppStatus::Frozen) {
            return Err(Error::not_allowed(
                "PRC-7",
                format!("app {} is {}, so it cannot be deleted", self.id, self.status),
            ));
        }
        Ok(())
    }

    /// Checks that `by` may pay the arrears of the app: its owner, with a settlement owed
    /// (PRC-7).
    pub fn check_pay_arrears(&self, by: &Actor) -> Result<(), Error> {
        self.owner(by)?;
        let owed = self.metering.as_ref().map_or(0, |m| m.owed.len());
        if owed == 0 {
            return Err(Error::not_allowed("PRC-7", format!("app {} owes nothing", self.id)));
        }
        Ok(())
    }

    /// The earliest expiry reminder not sent yet, with its instant: 00:00 (billing zone) on the
    /// day `days` before the expiry date (LIFE-1).
    pub fn next_reminder(&self, policy: &Policy) -> Option<(u32, DateTime<Utc>)> {
        self.lifecycle_instants(policy).1
    }

    fn owner(&self, by: &Actor) -> Result<(), Error> {
        by.require_customer(&self.customer, format_args!("app {}", self.id))
    }

    /// Checks that `by` may reveal the password (APP-5).
    pub fn check_reveal_password(&self, by: &Actor) -> Result<(), Error> {
        self.owner(by)?;
        if !self.info.has_password {
            return Err(Error::not_allowed("APP-5", format!("app {} has no password yet", self.id)));
        }
        if matches!(self.status, AppStatus::Released | AppStatus::Unsubscribed | AppStatus::Deleted) {
            return Err(Error::not_allowed("APP-5", format!("app {} is {}", self.id, self.status)));
        }
        Ok(())
    }

    /// Checks whether the app may be upgraded at all now (PRC-4, 2.2).
    pub fn check_upgradable(&self, by: &Actor) -> Result<(), Error> {
        self.owner(by)?;
        if self.delivery != DeliveryMethod::Saas {
            return Err(Error::not_allowed(
                "PRC-4",
                format!("only SaaS apps can be upgraded; this is {}", self.delivery),
            ));
        }
        if !self.mode.is_subscription() {
            return Err(Error::not_allowed(
                "PRC-4",
                format!("only yearly/monthly apps can be upgraded; this is {}", self.mode),
            ));
        }
        if self.status != AppStatus::Active || self.term.is_none() {
            return Err(Error::not_allowed(
                "PRC-4",
                format!("only active apps can be upgraded; app {} is {}", self.id, self.status),
            ));
        }
        if let Some(order) = &self.pending_order {
            return Err(Error::not_allowed("PRC-4", format!("order {order} of this app is still unpaid")));
        }
        if let Some(d) = &self.scheduled_downgrade {
            return Err(Error::not_allowed(
                "PRC-8",
                format!(
                    "a downgrade to {} × {} is scheduled for {}: cancel it before upgrading",
                    d.specification, d.quantity, d.effective_at
                ),
            ));
        }
        Ok(())
    }

    /// The specification and quantity the next renewal is priced with (REN-1, PRC-8): the
    /// scheduled downgrade's, if one is scheduled, else the current ones.
    pub fn renewal_configuration(&self) -> (&str, u32) {
        match &self.scheduled_downgrade {
            Some(d) => (&d.specification, d.quantity),
            None => (&self.specification, self.quantity),
        }
    }

    /// The upgrade quote to a target configuration (PRC-4, PRC-5, PRC-6).
    pub fn upgrade_quote(
        &self,
        by: &Actor,
        product: &Product,
        specification: &str,
        quantity: u32,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<Quote, Error> {
        self.check_upgradable(by)?;
        self.price_upgrade(product, specification, quantity, policy, now)
    }

    /// Prices an upgrade at `now` without checking who asks or a pending order: the quote an
    /// upgrade order must still match when it is paid (PRC-4).
    pub(crate) fn price_upgrade(
        &self,
        product: &Product,
        specification: &str,
        quantity: u32,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<Quote, Error> {
        product.check_orderable()?;
        if specification == self.specification && quantity == self.quantity {
            return Err(Error::not_allowed("PRC-4", "the target is the current configuration"));
        }
        let target = product.specification(specification)?;
        target.check_quantity(quantity)?;
        let new_plan = target.plan(self.mode)?;
        let current = product.specification(&self.specification)?;
        let old_plan = current.plan(self.mode)?;
        let term = self.term.ok_or_else(|| Error::not_allowed("PRC-4", "the app's term has not started"))?;
        let zone = policy.zone();
        let (change, expiry) = (zone.date_of(now), term.expiry_date(zone));
        let remaining = match self.mode {
            BillingMode::Yearly => pricing::remaining_years(change, expiry),
            _ => pricing::remaining_months(change, expiry),
        };
        let label = |name: &str, q: u32| match &target.quantity {
            Some(attr) => format!("{name}, {}: {q}", attr.name),
            None => name.to_owned(),
        };
        let (old_price, new_price) = (
            pricing::period_price(current, old_plan, self.quantity)?,
            pricing::period_price(target, new_plan, quantity)?,
        );
        if policy.downgrade_at_renewal
            && old_price.currency == new_price.currency
            && new_price.amount < old_price.amount
        {
            return Err(Error::not_allowed(
                "PRC-4",
                format!(
                    "{specification} × {quantity} ({new_price} per period) is cheaper than the current configuration: \
                     a downgrade is not an upgrade; schedule it for the end of the term instead (PRC-8)"
                ),
            ));
        }
        pricing::upgrade_quote(
            &label(&self.specification, self.quantity),
            old_price,
            &label(specification, quantity),
            new_price,
            remaining,
            policy.upgrade_discount,
        )
    }

    /// The LIFE-1 transitions due at `now`, in order.
    pub fn lifecycle_events(&self, policy: &Policy, now: DateTime<Utc>) -> Vec<AppEvent> {
        // Only the ends and the reminder of the schedule: the commit computes the whole schedule
        // of the app as these events leave it.
        let (ends, reminder) = self.lifecycle_instants(policy);
        if self.metering.is_some() {
            let Some((grace_end, retention_end)) = ends else { return vec![] };
            let mut events = Vec::new();
            let mut status = self.status;
            // Frozen once its usage is settled up to the end of grace (a `tick` settles a
            // bounded number of cycles, PRC-7).
            let settled = self.metering.as_ref().is_some_and(|m| m.settled_up_to(grace_end));
            if status == AppStatus::GracePeriod && now > grace_end && settled {
                events.push(AppEvent::Frozen);
                status = AppStatus::Frozen;
            }
            if status == AppStatus::Frozen && now > retention_end {
                events.push(AppEvent::Released);
            }
            return events;
        }
        let (Some(term), Some((grace_end, retention_end))) = (self.term, ends) else {
            return vec![];
        };
        let mut events = Vec::new();
        if let Some(d) = &self.scheduled_downgrade
            && now > d.effective_at
            && !matches!(self.status, AppStatus::Released | AppStatus::Unsubscribed)
        {
            events.push(AppEvent::DowngradeApplied {
                from_specification: self.specification.clone(),
                from_quantity: self.quantity,
                specification: d.specification.clone(),
                quantity: d.quantity,
            });
        }
        if now <= term.expires_at && reminder.is_some_and(|(_, at)| at <= now) {
            // Every reminder due by now, earliest first: several when `tick` has not looked at
            // the app for days. Each day's reminder has an instant of its own, so the one after
            // `sent` is the earliest later one.
            let (zone, mut sent) = (policy.zone(), None);
            let (expiry, now_second) = (zone.day_number(term.expires_at), now.timestamp());
            while let Some((days, at)) = self
                .unsent_reminders(&term, expiry, zone, policy)
                .filter(|(_, at)| *at <= now_second && sent.is_none_or(|s| *at > s))
                .min_by_key(|(_, at)| *at)
            {
                events.push(AppEvent::ExpiryReminder { days, expires_at: term.expires_at });
                sent = Some(at);
            }
        }
        let mut status = self.status;
        if status == AppStatus::Active && now > term.expires_at {
            events.push(AppEvent::GracePeriodStarted);
            status = AppStatus::GracePeriod;
        }
        if status == AppStatus::GracePeriod && now > grace_end {
            events.push(AppEvent::Frozen);
            status = AppStatus::Frozen;
        }
        if status == AppStatus::Frozen && now > retention_end {
            events.push(AppEvent::Released);
        }
        events
    }

    /// The customer-facing actions on this app and whether each is allowed now.
    pub fn available_actions(&self, by: &Actor) -> Vec<Availability> {
        vec![
            Availability::from_check(Action::RevealPassword, self.check_reveal_password(by)),
            Availability::from_check(Action::Upgrade, self.check_upgradable(by)),
            Availability::from_check(Action::DeleteApp, self.check_delete(by)),
            Availability::from_check(Action::PayArrears, self.check_pay_arrears(by)),
        ]
    }
}

/// Which of a customer's purchased apps to list.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AppFilter {
    /// Only this status.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub status: Option<AppStatus>,
    /// Only this delivery method.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub delivery: Option<DeliveryMethod>,
    /// Only this billing mode.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub mode: Option<BillingMode>,
    /// Only apps whose product name contains this (case-insensitive).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub name: Option<String>,
}

impl AppFilter {
    /// Whether an app passes the filter; unlisted apps (APP-4) never do.
    pub fn matches(&self, app: &PurchasedApp) -> bool {
        app.is_listed()
            && self.status.is_none_or(|s| s == app.status)
            && self.delivery.is_none_or(|d| d == app.delivery)
            && self.mode.is_none_or(|m| m == app.mode)
            && self.name.as_ref().is_none_or(|n| app.product_name.to_lowercase().contains(&n.to_lowercase()))
    }
}

impl PurchasedApp {
    /// Plans the settlement of a pay-per-use app at `now` (PRC-7). Accrual ends at the end of
    /// the grace period of an app in arrears (it freezes, LIFE-1), and at `now` when `deleting`.
    /// A plan holds at most `limit` charges, oldest spans first, then the retries; the last
    /// partial span only once every whole one before it is in the plan. Deleting settles
    /// everything at once: pass `usize::MAX`.
    pub fn settlement_plan(&self, policy: &Policy, now: DateTime<Utc>, deleting: bool, limit: usize) -> SettlementPlan {
        let Some(m) = &self.metering else { return SettlementPlan::default() };
        let grace_end = self.arrears_instants(policy).map(|(g, _)| g).filter(|g| *g < now);
        let until = grace_end.unwrap_or(now);
        let mut spans = m.ended_cycles(until, limit, policy);
        let next_from = spans.last().map(|s| s.to).or(m.settled_until);
        let caught_up = next_from.is_some_and(|from| from + Metering::cycle(policy) > until);
        if (deleting || grace_end.is_some())
            && caught_up
            && spans.len() < limit
            && let Some(last) = next_from.and_then(|from| m.partial_until(from, until))
        {
            spans.push(last);
        }
        let retries = if deleting {
            vec![]
        } else {
            let room = limit.saturating_sub(spans.len());
            let due = m.owed.iter().filter(|c| c.retry_at(policy) <= now);
            due.take(room).map(|c| (c.number, c.amount, c.attempts)).collect()
        };
        SettlementPlan { spans, retries }
    }
}

impl PurchasedApp {
    /// The metering a usage statement reads (PRC-7): refused for an app that is not pay-per-use.
    pub(crate) fn usage_metering(&self) -> Result<&Metering, Error> {
        self.metering.as_deref().ok_or_else(|| {
            Error::not_allowed(
                "PRC-7",
                format!("app {} is {}, not pay-per-use: it has no usage statement", self.id, self.mode),
            )
        })
    }
}

/// The password kept apart for an app, revealed to its owner (APP-5): refused while the seller
/// has provided none.
pub(crate) fn kept_password(app: &AppId, kept: Option<Secret>) -> Result<Secret, Error> {
    kept.ok_or_else(|| Error::not_allowed("APP-5", format!("app {app} has no password yet")))
}

/// What creating an app decided, which none of its events changes (but its specification and
/// quantity, which upgrades and downgrades change): the one input of [`PurchasedApp::new`].
struct AppOrigin {
    id: AppId,
    order: OrderId,
    customer: CustomerId,
    customer_level: Option<String>,
    product: ProductId,
    product_name: String,
    delivery: DeliveryMethod,
    involves_supervision: bool,
    specification: String,
    quantity: u32,
    mode: BillingMode,
    purchased_at: DateTime<Utc>,
    seller: SellerInfo,
    image: Option<Box<ImageSetup>>,
    /// An image's servers' login user, whose password the customer set (IMG-3); `None` for
    /// any other app.
    login_user: Option<String>,
    /// How a pay-per-use app's usage is charged (PRC-7): its hourly rate, and the method, or
    /// the reseller who settles (ORD-4); `None` for any other app.
    metered: Option<(Money, Option<PaymentMethod>, Option<String>)>,
}

impl PurchasedApp {
    /// The app as its creation leaves it, before any of its events: provisioning (supervised)
    /// or active, with no term (its first term is an event), an image's login as its
    /// application information, and pay-per-use metering not started; no renewal, reminder,
    /// downgrade, receipt or setting. The one place that says how an app starts: creating it
    /// and [`Aggregate::as_created`] both make it here.
    fn new(origin: AppOrigin) -> PurchasedApp {
        let AppOrigin {
            id,
            order,
            customer,
            customer_level,
            product,
            product_name,
            delivery,
            involves_supervision,
            specification,
            quantity,
            mode,
            purchased_at,
            seller,
            image,
            login_user,
            metered,
        } = origin;
        let info = match login_user {
            Some(username) => ApplicationInfo { username, has_password: true, ..ApplicationInfo::default() },
            None => ApplicationInfo::default(),
        };
        PurchasedApp {
            id,
            order,
            customer,
            customer_level,
            product,
            product_name,
            delivery,
            involves_supervision,
            specification,
            quantity,
            mode,
            purchased_at,
            term: None,
            status: if involves_supervision { AppStatus::Provisioning } else { AppStatus::Active },
            info,
            seller,
            auto_renewal: None,
            pending_order: None,
            image,
            renewals: Vec::new(),
            reminded: Vec::new(),
            metering: metered.map(|(hourly, method, reseller)| Box::new(Metering::new(hourly, method, reseller, None))),
            scheduled_downgrade: None,
            recent_receipts: Vec::new(),
            charges_returned: 0,
        }
    }
}

impl Create for PurchasedApp {
    /// The app a paid order creates (ORD-5): an unsupervised app with a term starts it now, a
    /// supervised one is provisioning until its flow completes (APP-3, APP-4); a pay-per-use app
    /// accrues from now when it is in use at once, or once its flow completes (PRC-7).
    fn decide_new(cmd: &AppCommand, ctx: &Ctx<'_>) -> Result<(PurchasedApp, Vec<AppEvent>), Error> {
        let AppCommand::Record(AppFact(Fact::Start(start))) = cmd else {
            return Err(Error::invalid("command", "only a paid order creates an app"));
        };
        let Start {
            id,
            order,
            customer,
            customer_level,
            product,
            product_name,
            delivery,
            involves_supervision,
            specification,
            quantity,
            mode,
            periods,
            image,
            seller,
            hourly,
            payment,
        } = Start::clone(start);
        let mut app = PurchasedApp::new(AppOrigin {
            id: id.unwrap_or_else(|| AppId::numbered(0)),
            order: order.clone(),
            customer,
            customer_level,
            product,
            product_name,
            delivery,
            involves_supervision,
            specification,
            quantity,
            mode,
            purchased_at: ctx.now,
            seller,
            // The servers' login user, whose password the customer set (IMG-3).
            login_user: image.as_ref().map(|_| ctx.policy.password_user_name.clone()),
            image: image.map(Box::new),
            metered: (mode == BillingMode::PayPerUse).then_some(match payment {
                Ok(method) => (hourly, Some(method), None),
                Err(reseller) => (hourly, None, Some(reseller)),
            }),
        });
        let mut events = vec![AppEvent::Created { order }];
        if let (false, Some(months)) = (involves_supervision, mode.months_per_period()) {
            let started = AppEvent::TermStarted { term: Term::starting(ctx.now, months * periods, ctx.policy.zone()) };
            app.apply(&started, ctx);
            events.push(started);
        }
        if app.metering.is_some() && app.status == AppStatus::Active {
            let started = AppEvent::MeteringStarted { at: ctx.now };
            app.apply(&started, ctx);
            events.push(started);
        }
        Ok((app, events))
    }

    /// The app's number, unless its order numbered it.
    fn number(&mut self, next: &mut dyn FnMut(Sequence) -> Result<u64, Error>) -> Result<(), Error> {
        if self.id == AppId::numbered(0) {
            self.id = AppId::numbered(next(Sequence::App)?);
        }
        Ok(())
    }
}

impl Aggregate for PurchasedApp {
    const WHAT: &'static str = "app";
    type Command = AppCommand;
    type Event = AppEvent;

    fn decide(&self, cmd: &AppCommand, ctx: &Ctx<'_>) -> Result<Vec<AppEvent>, Error> {
        let Ctx { actor: by, now, policy } = *ctx;
        match cmd {
            AppCommand::Record(AppFact(Fact::Start(_))) => {
                Err(Error::invalid("command", format!("app {} has already started", self.id)))
            }
            AppCommand::Record(AppFact(Fact::StartTerm { at, months })) => {
                if self.term.is_some() {
                    return Err(Error::not_allowed(
                        "APP-3",
                        format!("the term of app {} has already started", self.id),
                    ));
                }
                if *at > now {
                    return Err(Error::invalid("enabling_time", "the term cannot start in the future"));
                }
                Ok(vec![AppEvent::TermStarted { term: Term::starting(*at, *months, policy.zone()) }])
            }
            AppCommand::ProvideApplicationInfo { info } => {
                by.require_seller(&self.seller.seller, format_args!("app {}", self.id))?;
                info.check(policy)?;
                Ok(vec![AppEvent::ApplicationInfoProvided { info: Box::new(info.clone()) }])
            }
            AppCommand::RevealPassword => {
                self.check_reveal_password(by)?;
                Ok(vec![AppEvent::PasswordRevealed])
            }
            AppCommand::Record(AppFact(Fact::HoldPendingOrder { order })) => {
                if let Some(pending) = &self.pending_order {
                    return Err(Error::not_allowed(
                        "REN-1",
                        format!("order {pending} of app {} is still unpaid", self.id),
                    ));
                }
                Ok(vec![AppEvent::PendingOrderHeld { order: order.clone() }])
            }
            AppCommand::Record(AppFact(Fact::ReleasePendingOrder { order })) => {
                if self.pending_order.as_ref() != Some(order) {
                    return Ok(vec![]);
                }
                Ok(vec![AppEvent::PendingOrderReleased { order: order.clone() }])
            }
            AppCommand::Record(AppFact(Fact::ApplyUpgrade { order, specification, quantity })) => Ok(vec![
                AppEvent::PendingOrderReleased { order: order.clone() },
                AppEvent::Upgraded {
                    order: order.clone(),
                    from_specification: self.specification.clone(),
                    from_quantity: self.quantity,
                    specification: specification.clone(),
                    quantity: *quantity,
                },
            ]),
            AppCommand::AdvanceLifecycle => {
                by.require_system("advance app lifecycles")?;
                Ok(self.lifecycle_events(policy, now))
            }
            AppCommand::Record(AppFact(Fact::MarkUnsubscribed)) => {
                if matches!(self.status, AppStatus::Unsubscribed | AppStatus::Released) {
                    return Err(Error::not_allowed("UNS-1", format!("app {} is already {}", self.id, self.status)));
                }
                Ok(vec![AppEvent::Unsubscribed])
            }
            AppCommand::Record(AppFact(Fact::Activate)) => {
                if self.status != AppStatus::Provisioning {
                    return Ok(vec![]);
                }
                let mut events = vec![AppEvent::Activated];
                if self.metering.as_ref().is_some_and(|m| m.accruing_since.is_none() && m.settlements == 0) {
                    events.push(AppEvent::MeteringStarted { at: now });
                }
                Ok(events)
            }
            AppCommand::Delete => {
                self.check_delete(by)?;
                Ok(vec![AppEvent::Deleted])
            }
            AppCommand::Record(AppFact(Fact::ReturnCharge(returned))) => {
                Ok(vec![AppEvent::ChargeReturned { returned: Box::new(returned.clone()) }])
            }
            AppCommand::Record(AppFact(Fact::Renew { order, months, renewal_day, auto, receipt })) => {
                self.check_renewable_state()?;
                let term = self.term.ok_or_else(|| Error::not_allowed("REN-1", "the term has not started"))?;
                let next = term.renewed(*months, *renewal_day, policy.zone())?;
                let mut events = Vec::new();
                if self.pending_order.as_ref() == Some(order) {
                    events.push(AppEvent::PendingOrderReleased { order: order.clone() });
                }
                events.push(AppEvent::Renewed {
                    order: order.clone(),
                    from: term.expires_at,
                    term: next,
                    months: *months,
                    auto: *auto,
                    receipt: receipt.clone(),
                });
                Ok(events)
            }
            AppCommand::SetAutoRenewal { periods, count, days_before, method } => {
                self.check_auto_renewal(by, policy)?;
                AutoRenewal::check_settings(self.mode, *periods, *count, *days_before, policy)?;
                let method = self.auto_renewal_method(*method);
                if !matches!(method, PaymentMethod::Balance | PaymentMethod::CreditCard) {
                    return Err(Error::invalid(
                        "method",
                        format!("REN-5: auto-renewal is paid by balance or credit card, not {method}"),
                    ));
                }
                let settings = AutoRenewal {
                    periods: *periods,
                    count: *count,
                    done: 0,
                    days_before: *days_before,
                    retry_at: None,
                    method,
                    declined: 0,
                };
                Ok(vec![AppEvent::AutoRenewalSet { settings }])
            }
            AppCommand::DisableAutoRenewal => {
                self.check_auto_renewal(by, policy)?;
                if self.auto_renewal.is_none() {
                    return Err(Error::not_allowed("REN-6", format!("auto-renewal of app {} is not enabled", self.id)));
                }
                Ok(vec![AppEvent::AutoRenewalDisabled])
            }
            AppCommand::Record(AppFact(Fact::RecordAutoRenewalDeclined { reason, retry_at, amount })) => {
                by.require_system("record auto-renewal charges")?;
                let Some(settings) = self.auto_renewal else {
                    return Err(Error::not_allowed("REN-6", format!("auto-renewal of app {} is not enabled", self.id)));
                };
                let retention_end = self.end_of_term_instants(policy).map(|(_, r)| r);
                Ok(vec![
                    AppEvent::AutoRenewalDeclined { reason: reason.clone(), retry_at: *retry_at },
                    AppEvent::ChargeDeclined {
                        charge: DeclinedCharge::AutoRenewal,
                        attempt: settings.declined + 1,
                        amount: *amount,
                        reason: reason.clone(),
                        next_attempt_at: Some(*retry_at).filter(|r| retention_end.is_some_and(|end| *r <= end)),
                    },
                ])
            }
            AppCommand::ScheduleDowngrade { specification, quantity } => {
                self.check_may_schedule_downgrade(by, policy)?;
                let term = self.term.ok_or_else(|| Error::not_allowed("PRC-8", "the term has not started"))?;
                if *specification == self.specification && *quantity == self.quantity {
                    return Err(Error::not_allowed(
                        "PRC-8",
                        "the target is the current configuration: cancel the scheduled downgrade instead",
                    ));
                }
                let downgrade = ScheduledDowngrade {
                    specification: specification.clone(),
                    quantity: *quantity,
                    scheduled_at: now,
                    effective_at: term.expires_at,
                    renewal_order: None,
                };
                Ok(vec![AppEvent::DowngradeScheduled { downgrade: Box::new(downgrade) }])
            }
            AppCommand::CancelScheduledDowngrade => {
                self.check_may_cancel_downgrade(by)?;
                Ok(vec![AppEvent::DowngradeCancelled])
            }
        }
    }

    /// As started (`PurchasedApp::new` of what its creation decided, read from the app
    /// itself). Its specification and quantity stay as kept: the last upgrade or downgrade, or
    /// what was bought. An image's login user is read from its application information as
    /// kept: information provided later, which replaces it, is an event.
    fn as_created(&self) -> Option<PurchasedApp> {
        let PurchasedApp {
            id,
            order,
            customer,
            customer_level,
            product,
            product_name,
            delivery,
            involves_supervision,
            specification,
            quantity,
            mode,
            purchased_at,
            info,
            seller,
            image,
            metering,
            ..
        } = self.clone();
        Some(PurchasedApp::new(AppOrigin {
            id,
            order,
            customer,
            customer_level,
            product,
            product_name,
            delivery,
            involves_supervision,
            specification,
            quantity,
            mode,
            purchased_at,
            seller,
            login_user: image.as_ref().map(|_| info.username),
            image,
            metered: metering.map(|m| (m.hourly, m.method, m.reseller)),
        }))
    }

    fn apply(&mut self, event: &AppEvent, _ctx: &Ctx<'_>) {
        match event {
            AppEvent::Created { .. } | AppEvent::PasswordRevealed => {}
            AppEvent::TermStarted { term } => {
                self.term = Some(*term);
                if self.status == AppStatus::Provisioning {
                    self.status = AppStatus::Active;
                }
            }
            AppEvent::ApplicationInfoProvided { info } => {
                let has_password = self.info.has_password || info.has_password;
                self.info = ApplicationInfo { has_password, ..ApplicationInfo::clone(info) };
            }
            AppEvent::PendingOrderHeld { order } => self.pending_order = Some(order.clone()),
            AppEvent::PendingOrderReleased { .. } => self.pending_order = None,
            AppEvent::Upgraded { specification, quantity, .. } => {
                self.specification = specification.clone();
                self.quantity = *quantity;
            }
            AppEvent::GracePeriodStarted => self.status = AppStatus::GracePeriod,
            AppEvent::Frozen => {
                self.status = AppStatus::Frozen;
                if let Some(m) = &mut self.metering {
                    m.accruing_since = None;
                }
            }
            AppEvent::Released => {
                self.status = AppStatus::Released;
                self.auto_renewal = None;
                self.scheduled_downgrade = None;
                if let Some(m) = &mut self.metering {
                    m.accruing_since = None;
                }
            }
            AppEvent::MeteringStarted { at } => {
                if let Some(m) = &mut self.metering {
                    m.accruing_since = Some(*at);
                    m.settled_until = Some(*at);
                }
            }
            AppEvent::UsageSettled { cycle } => {
                if let Some(r) = &cycle.receipt {
                    self.remember_receipt(r);
                }
                if let Some(m) = &mut self.metering {
                    if cycle.is_owed() && m.arrears_since.is_none() {
                        m.arrears_since = Some(cycle.last_attempt_at);
                        if self.status == AppStatus::Active {
                            self.status = AppStatus::GracePeriod;
                        }
                    }
                    m.settled(cycle);
                }
            }
            AppEvent::UsageRetried { number, receipt, declined, at } => {
                if let Some(r) = receipt {
                    self.remember_receipt(r);
                }
                if let Some(m) = &mut self.metering {
                    m.retried(*number, receipt.as_deref(), declined.as_deref(), *at);
                }
            }
            AppEvent::ArrearsCleared { resumed_at } => {
                if let Some(m) = &mut self.metering {
                    m.arrears_since = None;
                    if let Some(at) = resumed_at {
                        m.accruing_since = Some(*at);
                        m.settled_until = Some(*at);
                    }
                }
                if matches!(self.status, AppStatus::GracePeriod | AppStatus::Frozen) {
                    self.status = AppStatus::Active;
                }
            }
            AppEvent::Deleted => {
                self.status = AppStatus::Deleted;
                if let Some(m) = &mut self.metering {
                    m.accruing_since = None;
                }
            }
            AppEvent::Unsubscribed => {
                self.status = AppStatus::Unsubscribed;
                self.auto_renewal = None;
                self.scheduled_downgrade = None;
            }
            AppEvent::Activated => self.status = AppStatus::Active,
            AppEvent::ChargeReturned { .. } => self.charges_returned += 1,
            AppEvent::Renewed { order, from, term, months, auto, receipt } => {
                if let Some(r) = receipt {
                    self.remember_receipt(r);
                }
                self.term = Some(*term);
                if matches!(self.status, AppStatus::GracePeriod | AppStatus::Frozen) {
                    self.status = AppStatus::Active;
                }
                self.renewals.push(RenewalRecord {
                    order: order.clone(),
                    from: *from,
                    to: term.expires_at,
                    months: *months,
                });
                self.reminded.clear();
                if let Some(d) = &mut self.scheduled_downgrade
                    && d.renewal_order.is_none()
                {
                    d.renewal_order = Some(order.clone());
                }
                if let Some(ar) = &mut self.auto_renewal {
                    ar.retry_at = None;
                    ar.declined = 0;
                    if *auto {
                        ar.done += 1;
                    }
                }
            }
            AppEvent::AutoRenewalSet { settings } => self.auto_renewal = Some(*settings),
            AppEvent::AutoRenewalDisabled => self.auto_renewal = None,
            AppEvent::AutoRenewalDeclined { retry_at, .. } => {
                if let Some(ar) = &mut self.auto_renewal {
                    ar.retry_at = Some(*retry_at);
                    ar.declined += 1;
                }
            }
            AppEvent::DowngradeScheduled { downgrade } => self.scheduled_downgrade = Some(downgrade.clone()),
            AppEvent::DowngradeCancelled => self.scheduled_downgrade = None,
            AppEvent::DowngradeApplied { specification, quantity, .. } => {
                self.specification = specification.clone();
                self.quantity = *quantity;
                self.scheduled_downgrade = None;
            }
            AppEvent::ChargeDeclined { .. } => {}
            AppEvent::ExpiryReminder { days, .. } => self.reminded.push(*days),
        }
    }

    fn next_due(&self, policy: &Policy) -> Option<DateTime<Utc>> {
        self.schedule(policy).next_due
    }
}

/// A downgrade scheduled for the end of the term (PRC-8): the renewals paid from now on are
/// priced with it, and `tick` applies it when the term it was scheduled in ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct ScheduledDowngrade {
    /// The specification from then on.
    pub specification: String,
    /// The quantity from then on.
    pub quantity: u32,
    /// When the customer scheduled it.
    pub scheduled_at: DateTime<Utc>,
    /// When it takes effect: the end of the term it was scheduled in.
    pub effective_at: DateTime<Utc>,
    /// The first renewal paid at its price, if any: from then on it can no longer be cancelled
    /// or replaced.
    #[serde(default)]
    pub renewal_order: Option<OrderId>,
}

fn refuse_downgrade(reason: String) -> Result<(), Error> {
    Err(Error::not_allowed("PRC-8", reason))
}

/// Downgrade at renewal (PRC-8): what the app itself decides.
impl PurchasedApp {
    /// Checks that `by` may schedule a downgrade of the app now (PRC-8): the policy allows it; its
    /// customer; a yearly/monthly app, not an image, active in its term; no unpaid order; no
    /// scheduled downgrade already paid for by a renewal.
    pub fn check_may_schedule_downgrade(&self, by: &Actor, policy: &Policy) -> Result<(), Error> {
        by.require_customer(&self.customer, format_args!("app {}", self.id))?;
        if !policy.downgrade_at_renewal {
            return refuse_downgrade(
                "this marketplace does not schedule downgrades: downgrades are refused (PRC-4)".into(),
            );
        }
        if !self.mode.is_subscription() || self.delivery == DeliveryMethod::Image {
            return refuse_downgrade(format!(
                "downgrades at renewal apply to yearly/monthly apps other than images; app {} is {} {}",
                self.id, self.delivery, self.mode
            ));
        }
        if self.status != AppStatus::Active || self.term.is_none() {
            return refuse_downgrade(format!(
                "only active apps can schedule a downgrade; app {} is {}",
                self.id, self.status
            ));
        }
        if let Some(order) = &self.pending_order {
            return refuse_downgrade(format!(
                "order {order} of app {} is still unpaid: pay or cancel it first",
                self.id
            ));
        }
        self.check_downgrade_not_paid_for()
    }

    fn check_downgrade_not_paid_for(&self) -> Result<(), Error> {
        match self.scheduled_downgrade.as_ref().and_then(|d| d.renewal_order.as_ref().map(|o| (d, o))) {
            Some((d, order)) => refuse_downgrade(format!(
                "the downgrade of app {} to {} × {} is paid for by renewal order {order}; it takes effect at {}",
                self.id, d.specification, d.quantity, d.effective_at
            )),
            None => Ok(()),
        }
    }

    /// Checks that `by` may cancel the app's scheduled downgrade (PRC-8): its customer, a downgrade
    /// scheduled and not yet paid for by a renewal, no unpaid order.
    pub fn check_may_cancel_downgrade(&self, by: &Actor) -> Result<(), Error> {
        by.require_customer(&self.customer, format_args!("app {}", self.id))?;
        if self.scheduled_downgrade.is_none() {
            return refuse_downgrade(format!("app {} has no scheduled downgrade", self.id));
        }
        if let Some(order) = &self.pending_order {
            return refuse_downgrade(format!(
                "order {order} of app {} is still unpaid: pay or cancel it first",
                self.id
            ));
        }
        self.check_downgrade_not_paid_for()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::tests::Lived;
    use crate::provisioning::Network;
    use crate::testing::fixtures;
    use chrono::Duration;

    /// What a paid order of `mode` starts: supervised or not, an image's servers or not, paid
    /// with a card or settled by a reseller.
    fn start(mode: BillingMode, supervised: bool, image: bool, payment: Result<PaymentMethod, String>) -> AppCommand {
        let image = image.then(|| ImageSetup {
            flavour: "s6.large.2".into(),
            network: Network { vpc: "vpc-main".into(), subnet: "subnet-a".into() },
            security_group: "sg-web".into(),
            eip_mbit: None,
            server_name: "web-1".into(),
            instances: 1,
            customized: false,
        });
        let start = Start {
            id: image.as_ref().map(|_| AppId::numbered(7)),
            order: OrderId::numbered(1),
            customer: CustomerId::parse("alice").unwrap(),
            customer_level: Some("gold".into()),
            product: ProductId::parse("PRD-1").unwrap(),
            product_name: "Team Chat".into(),
            delivery: if image.is_some() { DeliveryMethod::Image } else { DeliveryMethod::Saas },
            involves_supervision: supervised,
            specification: "Standard".into(),
            quantity: 10,
            mode,
            periods: 2,
            image,
            seller: SellerInfo {
                seller: SellerId::parse("isv-1").unwrap(),
                email: "support@isv.example".into(),
                phone: "+86 10 0000 0000".into(),
            },
            hourly: Money::parse("0.30 USD").unwrap(),
            payment,
        };
        AppCommand::from(Fact::Start(Box::new(start)))
    }

    fn created(cmd: &AppCommand) -> Lived<PurchasedApp> {
        Lived::created(cmd, &Actor::System, fixtures::t0())
    }

    #[test]
    fn a_started_app_is_what_its_creation_left_with_its_term_an_event() {
        let app = created(&start(BillingMode::Monthly, false, false, Ok(PaymentMethod::CreditCard)));
        let as_created = app.value.as_created().unwrap();
        assert!(app.value.term.is_some() && as_created.term.is_none(), "its first term is an event");
        assert_eq!(PurchasedApp { term: app.value.term, ..as_created }, app.value);
        assert_eq!(app.rebuilt(), app.value);

        let supervised = created(&start(BillingMode::OneTime, true, false, Ok(PaymentMethod::CreditCard)));
        assert_eq!(supervised.value.status, AppStatus::Provisioning);
        assert_eq!(supervised.value.as_created(), Some(supervised.value.clone()));
    }

    #[test]
    fn an_image_app_is_rebuilt_with_its_login_and_a_pay_per_use_one_with_its_metering_not_started() {
        let image = created(&start(BillingMode::Monthly, false, true, Ok(PaymentMethod::CreditCard)));
        assert_eq!(image.value.id, AppId::numbered(7), "numbered with its order");
        assert!(image.value.info.has_password);
        assert_eq!(image.value.as_created().unwrap().info, image.value.info);
        assert_eq!(image.rebuilt(), image.value);

        let hourly = created(&start(BillingMode::PayPerUse, false, false, Err("reseller-1".into())));
        let metering = hourly.value.metering.as_deref().unwrap();
        assert_eq!((metering.reseller.as_deref(), metering.accruing_since), (Some("reseller-1"), Some(fixtures::t0())));
        let as_created = hourly.value.as_created().unwrap();
        assert_eq!(
            as_created.metering.as_deref(),
            Some(&Metering::new(metering.hourly, None, metering.reseller.clone(), None))
        );
        assert_eq!(hourly.rebuilt(), hourly.value);
    }

    #[test]
    fn an_app_is_rebuilt_from_its_events_after_an_upgrade_and_an_unsubscription() {
        let mut app = created(&start(BillingMode::Monthly, false, false, Ok(PaymentMethod::CreditCard)));
        let fresh = app.value.as_created().unwrap();
        let upgrade = OrderId::numbered(2);
        let at = |days: i64| fixtures::t0() + Duration::days(days);
        app.run(&AppCommand::from(Fact::HoldPendingOrder { order: upgrade.clone() }), &Actor::System, at(1));
        let upgraded = Fact::ApplyUpgrade { order: upgrade, specification: "Premium".into(), quantity: 20 };
        app.run(&AppCommand::from(upgraded), &Actor::System, at(2));
        app.run(&AppCommand::from(Fact::MarkUnsubscribed), &Actor::System, at(3));
        assert_eq!((app.value.specification.as_str(), app.value.quantity), ("Premium", 20));
        assert_eq!((app.value.status, &app.value.pending_order), (AppStatus::Unsubscribed, &None));
        let as_bought = PurchasedApp { specification: "Premium".into(), quantity: 20, ..fresh };
        assert_eq!(app.value.as_created(), Some(as_bought), "as started, in the configuration kept");
        assert_eq!(app.rebuilt(), app.value);
    }
}
