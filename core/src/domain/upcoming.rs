//! The preview of upcoming charges and scheduled work (UPC-1..3): what `tick` and the clock will
//! do, up to an instant, to a customer's apps, orders and service flows.
//!
//! The facade (`Marketplace::upcoming`) runs `tick`'s own decisions on working copies, at each
//! instant one of them falls due, and commits nothing. This module holds what is the preview's
//! own: what a decided step shows (`Step`), when a pay-per-use app's remaining work is routine
//! settlement that is counted rather than stepped through (`routine_usage`) and how far the
//! preview may look (`check_until`); who may see whose preview is `access::upcoming_of`.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{AppId, CustomerId, Target};
use crate::app::{AppEvent, AppStatus, PurchasedApp};
use crate::error::Error;
use crate::metering::{Metering, UsageCycle};
use crate::money::Money;
use crate::order::{Order, OrderEvent};
use crate::payments::PaymentMethod;
use crate::policy::Policy;
use crate::supervision::{CloseReason, FlowEvent, ServiceFlow};

/// What will happen (UPC-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum UpcomingKind {
    /// Auto-renewal charges the app and renews it (REN-5, REN-6): `amount` by `method` (none
    /// when a reseller settles: the amount is for reference only, ORD-4), its `attempt`, and
    /// the expiry after the renewal in `expires_at`.
    AutoRenewalCharge,
    /// An owed pay-per-use settlement is charged again (PRC-7, REN-7): `amount` by `method`,
    /// its `attempt`.
    UsageRetry,
    /// An expiry reminder (LIFE-1): the expiry in `expires_at`.
    ExpiryReminder,
    /// The term ended: the grace period starts (LIFE-1).
    GracePeriod,
    /// The grace period ended: frozen (LIFE-1, PRC-7).
    Frozen,
    /// The retention period ended: released (LIFE-1).
    Released,
    /// Nothing is owed any more: a pay-per-use app in arrears is active again (PRC-7).
    ArrearsCleared,
    /// The scheduled downgrade takes effect (PRC-8): `specification` and `quantity` from then on.
    DowngradeApplied,
    /// An order unpaid too long is cancelled (ORD-3): `amount` is its total, `app` the app of
    /// an upgrade or renewal order.
    OrderCancelled,
    /// An accepted supervised order completes, the delay after acceptance (SUP-4).
    OrderCompleted,
    /// A flow open for the longest flow is closed (SUP-8): its order completes, or is
    /// unsubscribed with the full refund in `amount`.
    FlowClosed,
}

/// One thing `tick` and the clock will do (UPC-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct UpcomingItem {
    /// When: the first instant `tick` can do it, or the preview's start for work already due.
    pub at: DateTime<Utc>,
    /// What.
    pub kind: UpcomingKind,
    /// The app, order or flow whose scheduled work it is.
    pub target: Target,
    /// The app it concerns, if any.
    pub app: Option<AppId>,
    /// The amount charged, refunded, or of the order cancelled.
    pub amount: Option<Money>,
    /// How a charge is paid; none when a reseller settles.
    pub method: Option<PaymentMethod>,
    /// A charge's attempt: 1 for the first, more after declines (REN-7); 0 for what is no
    /// charge.
    pub attempt: u32,
    /// The expiry a reminder announces, or the expiry after an auto-renewal.
    pub expires_at: Option<DateTime<Utc>>,
    /// The specification after a downgrade.
    pub specification: Option<String>,
    /// The quantity after a downgrade.
    pub quantity: Option<u32>,
}

/// A pay-per-use app's settlements: so far, and those `tick` will make by the preview's end at
/// the current hourly rate (PRC-7, UPC-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct UsageForecast {
    /// The app.
    pub app: AppId,
    /// The price of one hour of the whole configuration.
    pub hourly: Money,
    /// Settlements made so far.
    pub settled: u32,
    /// Usage is settled up to here so far.
    pub settled_until: Option<DateTime<Utc>>,
    /// Owed so far (declined, not paid since); each retry is an item.
    pub owed: Money,
    /// Settlements `tick` will make by the preview's end.
    pub settlements: u32,
    /// Their started hours.
    pub hours: u64,
    /// Their total at the current hourly rate.
    pub amount: Money,
    /// A reseller settles: the amounts are for reference only (ORD-4).
    pub for_reference_only: bool,
}

/// One customer's preview (UPC-1): what `tick` and the clock will do from `start` to `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Upcoming {
    /// The customer.
    pub customer: CustomerId,
    /// The preview's start: the clock's instant.
    pub start: DateTime<Utc>,
    /// Its end.
    pub until: DateTime<Utc>,
    /// What will happen, in time order.
    pub items: Vec<UpcomingItem>,
    /// The settlements of each pay-per-use app, by app.
    pub usage: Vec<UsageForecast>,
}

/// Refuses a preview that looks back, or further than `upcoming_max_days` (UPC-3).
pub(crate) fn check_until(now: DateTime<Utc>, until: DateTime<Utc>, policy: &Policy) -> Result<(), Error> {
    if until < now {
        return Err(Error::invalid(
            "until",
            format!("UPC-3: a preview looks forward; {} is before now ({})", until.to_rfc3339(), now.to_rfc3339()),
        ));
    }
    let latest = now + Duration::days(i64::from(policy.upcoming_max_days));
    if until > latest {
        return Err(Error::invalid(
            "until",
            format!(
                "UPC-3: a preview looks at most {} days ahead, to {}",
                policy.upcoming_max_days,
                latest.to_rfc3339()
            ),
        ));
    }
    Ok(())
}

/// Whether all that is left to do for `app`, at any instant, is one settlement per ended billing
/// cycle (UPC-1): a pay-per-use app in use, accruing, owing nothing, with a method or a reseller
/// to settle. `tick` leaves such an app so (every settlement is paid, by the preview's
/// assumption), so the preview counts its cycles instead of stepping through each.
pub(crate) fn routine_usage(app: &PurchasedApp) -> bool {
    app.metering.as_ref().is_some_and(|m| {
        app.status == AppStatus::Active
            && m.accruing_since.is_some()
            && m.owed.is_empty()
            && m.arrears_since.is_none()
            && (m.method.is_some() || m.reseller.is_some())
    })
}

impl UsageForecast {
    /// The forecast of a pay-per-use app as it stands; `None` for another app.
    pub(crate) fn of(app: &PurchasedApp) -> Option<UsageForecast> {
        let m = app.metering.as_deref()?;
        let zero = Money::zero(m.hourly.currency);
        Some(UsageForecast {
            app: app.id.clone(),
            hourly: m.hourly,
            settled: m.settlements,
            settled_until: m.settled_until,
            owed: m.owed_total(),
            settlements: 0,
            hours: 0,
            amount: zero,
            for_reference_only: m.reseller.is_some(),
        })
    }

    /// Counts a settlement a step made.
    fn add(&mut self, cycle: &UsageCycle) -> Result<(), Error> {
        self.settlements += 1;
        self.hours += cycle.hours;
        self.amount = self.amount.checked_add(&cycle.amount)?;
        Ok(())
    }

    /// Counts the settlements of a routine app ([`routine_usage`]) up to `until`: each billing
    /// cycle ended by then, as `tick` settles it (PRC-7).
    pub(crate) fn add_routine(&mut self, m: &Metering, until: DateTime<Utc>, policy: &Policy) -> Result<(), Error> {
        let cycles = m.ended_cycle_count(until, policy);
        let hours = u64::from(policy.pay_per_use_cycle_hours.max(1));
        let each = m.amount(hours);
        self.settlements = self.settlements.saturating_add(u32::try_from(cycles).unwrap_or(u32::MAX));
        self.hours += cycles * hours;
        self.amount = self.amount.checked_add(&each.times(rust_decimal::Decimal::from(cycles))?)?;
        Ok(())
    }
}

/// What a step's events leave out about its target, read before the step: the attempt of an
/// auto-renewal charge, the owed settlements a retry charges, an order's total and app, a
/// flow's app.
pub(crate) enum Before {
    /// An app.
    App {
        /// Declined auto-renewal charges of the term so far.
        declined: u32,
        /// The owed settlements: number, amount, declined attempts.
        owed: Vec<(u32, Money, u32)>,
        /// How settlements are charged.
        method: Option<PaymentMethod>,
    },
    /// An order.
    Order {
        /// Its total.
        total: Money,
        /// The app an upgrade or renewal order changes.
        app: Option<AppId>,
    },
    /// A service flow.
    Flow {
        /// Its app.
        app: AppId,
    },
}

impl Before {
    /// An app before its step.
    pub(crate) fn app(app: &PurchasedApp) -> Before {
        let m = app.metering.as_deref();
        Before::App {
            declined: app.auto_renewal.map_or(0, |a| a.declined),
            owed: m.map(|m| m.owed.iter().map(|c| (c.number, c.amount, c.attempts)).collect()).unwrap_or_default(),
            method: m.and_then(|m| m.method),
        }
    }

    /// An order before its step.
    pub(crate) fn order(order: &Order) -> Before {
        Before::Order { total: order.quote.total, app: order.changes_app().cloned() }
    }

    /// A flow before its step.
    pub(crate) fn flow(flow: &ServiceFlow) -> Before {
        Before::Flow { app: flow.app.clone() }
    }
}

/// What one step shows: the events `tick`'s decisions made for one due target at one instant,
/// read in the order they were decided (UPC-1).
pub(crate) struct Step<'a> {
    at: DateTime<Utc>,
    target: &'a Target,
    before: &'a Before,
    items: &'a mut Vec<UpcomingItem>,
    /// The stepped app's forecast, if it is a pay-per-use app.
    usage: Option<&'a mut UsageForecast>,
    /// How the order an auto-renewal placed in this step was paid, for its app's renewal.
    paid: Option<(Option<PaymentMethod>, Money)>,
}

impl<'a> Step<'a> {
    /// A step of `target` at `at`, whose items go to `items`.
    pub(crate) fn new(
        at: DateTime<Utc>,
        target: &'a Target,
        before: &'a Before,
        items: &'a mut Vec<UpcomingItem>,
        usage: Option<&'a mut UsageForecast>,
    ) -> Step<'a> {
        Step { at, target, before, items, usage, paid: None }
    }

    fn push(&mut self, kind: UpcomingKind, app: Option<AppId>) -> &mut UpcomingItem {
        self.items.push(UpcomingItem {
            at: self.at,
            kind,
            target: self.target.clone(),
            app,
            amount: None,
            method: None,
            attempt: 0,
            expires_at: None,
            specification: None,
            quantity: None,
        });
        self.items.last_mut().expect("just pushed")
    }

    /// An event of an app. Only the stepped app's own work is an item; what another step does
    /// to an app (a renewal order released, a term started by a closed flow) is part of that
    /// step's item.
    pub(crate) fn app(&mut self, app: &AppId, event: &AppEvent) -> Result<(), Error> {
        if !matches!(self.target, Target::App(id) if id == app) {
            return Ok(());
        }
        let Before::App { declined, owed, method } = self.before else { return Ok(()) };
        let (declined, method) = (*declined, *method);
        let some = Some(app.clone());
        match event {
            AppEvent::Renewed { auto: true, term, .. } => {
                let (paid_by, amount) = self.paid.take().unzip();
                let item = self.push(UpcomingKind::AutoRenewalCharge, some);
                item.amount = amount;
                item.method = paid_by.flatten();
                item.attempt = declined + 1;
                item.expires_at = Some(term.expires_at);
            }
            AppEvent::UsageRetried { number, receipt: Some(_), .. } => {
                let (amount, attempts) = owed.iter().find(|(n, _, _)| n == number).map(|(_, a, k)| (*a, *k)).unzip();
                let item = self.push(UpcomingKind::UsageRetry, some);
                item.amount = amount;
                item.method = method;
                item.attempt = attempts.unwrap_or(0) + 1;
            }
            AppEvent::UsageSettled { cycle } => {
                if let Some(usage) = self.usage.as_deref_mut() {
                    usage.add(cycle)?;
                }
            }
            AppEvent::ExpiryReminder { expires_at, .. } => {
                self.push(UpcomingKind::ExpiryReminder, some).expires_at = Some(*expires_at);
            }
            AppEvent::GracePeriodStarted => {
                self.push(UpcomingKind::GracePeriod, some);
            }
            AppEvent::Frozen => {
                self.push(UpcomingKind::Frozen, some);
            }
            AppEvent::Released => {
                self.push(UpcomingKind::Released, some);
            }
            AppEvent::ArrearsCleared { .. } => {
                self.push(UpcomingKind::ArrearsCleared, some);
            }
            AppEvent::DowngradeApplied { specification, quantity, .. } => {
                let item = self.push(UpcomingKind::DowngradeApplied, some);
                item.specification = Some(specification.clone());
                item.quantity = Some(*quantity);
            }
            _ => {}
        }
        Ok(())
    }

    /// An event of an order: the payment of an order an auto-renewal placed, the stepped order's
    /// cancellation or completion, the refund of a stepped flow's order.
    pub(crate) fn order(&mut self, order: &Target, event: &OrderEvent) {
        match event {
            OrderEvent::Paid { method, amount, .. } => self.paid = Some((Some(*method), *amount)),
            OrderEvent::SettledByReseller { amount, .. } => self.paid = Some((None, *amount)),
            OrderEvent::Cancelled { .. } if order == self.target => {
                if let Before::Order { total, app } = self.before {
                    let (total, app) = (*total, app.clone());
                    self.push(UpcomingKind::OrderCancelled, app).amount = Some(total);
                }
            }
            OrderEvent::Completed if order == self.target => {
                let app = match self.before {
                    Before::Order { app, .. } => app.clone(),
                    _ => None,
                };
                self.push(UpcomingKind::OrderCompleted, app);
            }
            OrderEvent::Unsubscribed { refund } if matches!(self.target, Target::Flow(_)) => {
                if let Some(item) = self.items.last_mut().filter(|i| i.kind == UpcomingKind::FlowClosed) {
                    item.amount = Some(*refund);
                }
            }
            _ => {}
        }
    }

    /// An event of a flow: the stepped flow closed at its maximum age (SUP-8).
    pub(crate) fn flow(&mut self, flow: &Target, event: &FlowEvent) {
        if flow != self.target || !matches!(event, FlowEvent::Closed { reason: CloseReason::MaxAge }) {
            return;
        }
        let app = match self.before {
            Before::Flow { app } => Some(app.clone()),
            _ => None,
        };
        self.push(UpcomingKind::FlowClosed, app);
    }
}
