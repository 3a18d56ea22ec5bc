//! Downgrade at renewal (PRC-8, our choice beyond the user guide): where the policy allows it,
//! a customer schedules a cheaper configuration (another specification, fewer units) for the
//! end of the current term instead of having it refused by PRC-4. Pure functions: the
//! [`PurchasedApp`] aggregate and the facade call them, and `available_actions` calls the same
//! checks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, OrderId};
use crate::app::{AppStatus, PurchasedApp};
use crate::catalog::{DeliveryMethod, Product};
use crate::error::Error;
use crate::policy::Policy;
use crate::pricing;

/// A downgrade scheduled for the end of the term (PRC-8): the renewals paid from now on are
/// priced with it, and `tick` applies it when the term it was scheduled in ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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

fn refuse(reason: String) -> Result<(), Error> {
    Err(Error::not_allowed("PRC-8", reason))
}

/// Checks that `by` may schedule a downgrade of the app now (PRC-8): the policy allows it; its
/// customer; a yearly/monthly app, not an image, active in its term; no unpaid order; no
/// scheduled downgrade already paid for by a renewal.
pub fn check_may_schedule(app: &PurchasedApp, by: &Actor, policy: &Policy) -> Result<(), Error> {
    by.require_customer(&app.customer, &format!("app {}", app.id))?;
    if !policy.downgrade_at_renewal {
        return refuse("this marketplace does not schedule downgrades: downgrades are refused (PRC-4)".into());
    }
    if !app.mode.is_subscription() || app.delivery == DeliveryMethod::Image {
        return refuse(format!(
            "downgrades at renewal apply to yearly/monthly apps other than images; app {} is {} {}",
            app.id, app.delivery, app.mode
        ));
    }
    if app.status != AppStatus::Active || app.term.is_none() {
        return refuse(format!("only active apps can schedule a downgrade; app {} is {}", app.id, app.status));
    }
    if let Some(order) = &app.pending_order {
        return refuse(format!("order {order} of app {} is still unpaid: pay or cancel it first", app.id));
    }
    check_not_paid_for(app)
}

fn check_not_paid_for(app: &PurchasedApp) -> Result<(), Error> {
    match app.scheduled_downgrade.as_ref().and_then(|d| d.renewal_order.as_ref().map(|o| (d, o))) {
        Some((d, order)) => refuse(format!(
            "the downgrade of app {} to {} × {} is paid for by renewal order {order}; it takes effect at {}",
            app.id, d.specification, d.quantity, d.effective_at
        )),
        None => Ok(()),
    }
}

/// Checks that `by` may cancel the app's scheduled downgrade (PRC-8): its customer, a downgrade
/// scheduled and not yet paid for by a renewal, no unpaid order.
pub fn check_may_cancel(app: &PurchasedApp, by: &Actor) -> Result<(), Error> {
    by.require_customer(&app.customer, &format!("app {}", app.id))?;
    if app.scheduled_downgrade.is_none() {
        return refuse(format!("app {} has no scheduled downgrade", app.id));
    }
    if let Some(order) = &app.pending_order {
        return refuse(format!("order {order} of app {} is still unpaid: pay or cancel it first", app.id));
    }
    check_not_paid_for(app)
}

/// Checks that the product offers a cheaper configuration than the app's in its billing mode
/// (PRC-8): some specification at its smallest quantity costs less per period.
pub fn check_has_cheaper(app: &PurchasedApp, product: &Product) -> Result<(), Error> {
    let current = product.specification(&app.specification)?;
    let old_price = pricing::period_price(current, current.plan(app.mode)?, app.quantity)?;
    let cheaper = product.specifications.iter().any(|spec| {
        let smallest = spec.quantity.as_ref().map_or(1, |q| q.min);
        spec.plan(app.mode)
            .and_then(|plan| pricing::period_price(spec, plan, smallest))
            .is_ok_and(|p| p.currency == old_price.currency && p.amount < old_price.amount)
    });
    if !cheaper {
        return refuse(format!(
            "app {} is already at the cheapest configuration its product offers {}",
            app.id, app.mode
        ));
    }
    Ok(())
}

/// Checks the target of a downgrade (PRC-8): a specification of the product with a plan in the
/// app's billing mode, a quantity the specification allows, and a period price below the
/// current configuration's (a target at the same or a higher price is an upgrade, PRC-4).
pub fn check_target(app: &PurchasedApp, product: &Product, specification: &str, quantity: u32) -> Result<(), Error> {
    let target = product.specification(specification)?;
    target.check_quantity(quantity)?;
    let new_price = pricing::period_price(target, target.plan(app.mode)?, quantity)?;
    let current = product.specification(&app.specification)?;
    let old_price = pricing::period_price(current, current.plan(app.mode)?, app.quantity)?;
    old_price.same_currency(&new_price, "target price")?;
    if new_price.amount >= old_price.amount {
        return refuse(format!(
            "{specification} × {quantity} ({new_price} per period) is not cheaper than the current configuration \
             ({} × {}, {old_price} per period): order an upgrade instead (PRC-4)",
            app.specification, app.quantity
        ));
    }
    Ok(())
}
