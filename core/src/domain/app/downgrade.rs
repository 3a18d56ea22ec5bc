//! Downgrade at renewal (PRC-8, our choice beyond the user guide): where the policy allows it,
//! a customer schedules a cheaper configuration (another specification, fewer units) for the
//! end of the current term instead of having it refused by PRC-4. Who may schedule or cancel
//! one, and when, is the app's own rule ([`PurchasedApp::check_may_schedule_downgrade`],
//! [`PurchasedApp::check_may_cancel_downgrade`]); what needs the product too is here: whether
//! it offers a cheaper configuration, and whether a target is one. `available_actions` calls
//! the same checks as the commands.

use crate::app::PurchasedApp;
use crate::catalog::Product;
use crate::error::Error;
use crate::pricing;

pub use crate::app::ScheduledDowngrade;

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
        return Err(Error::not_allowed(
            "PRC-8",
            format!("app {} is already at the cheapest configuration its product offers {}", app.id, app.mode),
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
        return Err(Error::not_allowed(
            "PRC-8",
            format!(
                "{specification} × {quantity} ({new_price} per period) is not cheaper than the current configuration \
             ({} × {}, {old_price} per period): order an upgrade instead (PRC-4)",
                app.specification, app.quantity
            ),
        ));
    }
    Ok(())
}
