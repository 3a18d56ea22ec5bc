//! Renewal commands: manual renewal orders, renewal date, auto-renewal settings and charges
//! (REN-1..6, LIFE-1).

use super::{Marketplace, Unit};
use crate::actions::{Action, Availability};
use crate::actor::{Actor, AppId, Target};
use crate::app::{self, AppCommand, AutoRenewal, PurchasedApp};
use crate::error::Error;
use crate::order::{Fact, Order, OrderCommand, OrderKind, Ordered, Placement, Placing};
use crate::payments::{ChargeRequest, PaymentError, PaymentMethod};
use crate::pricing::Quote;
use crate::renewal::{self, RenewalDay};

impl Marketplace {
    /// The itemised price of renewing an app for `periods` periods (1–9 months or 1–3 years) at
    /// the current plan price, with an optional renewal date (REN-1, REN-4); for a reseller's
    /// customer, for reference only (ORD-4). Changes nothing.
    pub fn quote_renewal(
        &self,
        by: &Actor,
        app: &AppId,
        periods: u32,
        renewal_day: Option<RenewalDay>,
    ) -> Result<Quote, Error> {
        let current = self.get::<PurchasedApp>(Target::App(app.clone()))?;
        let product = self.product(&current.value.product)?;
        let (quote, _) = renewal::renewal_quote(&current.value, by, &product, periods, renewal_day, &self.policy)?;
        self.quote_seen_by(by, quote)
    }

    /// Places a renewal order for an app, pending payment; paying it (with [`Marketplace::pay`]
    /// after [`Marketplace::accept_terms`]) extends the term from the current expiry, also in the
    /// grace or retention period, and opens no service flow (REN-1..4).
    pub(super) fn renew_in(
        &self,
        unit: &mut Unit<'_>,
        app: &AppId,
        periods: u32,
        renewal_day: Option<RenewalDay>,
    ) -> Result<Order, Error> {
        let target = Target::App(app.clone());
        let current = unit.get::<PurchasedApp>(&target)?.clone();
        let product = self.shared_product(&current.product)?;
        let (quote, _) = renewal::renewal_quote(&current, unit.actor(), &product, periods, renewal_day, &self.policy)?;
        let account = self.account(&current.customer)?;
        // A scheduled downgrade is renewed at its configuration (PRC-8).
        let (specification, quantity) = current.renewal_configuration();
        let what = Placing::Change(Ordered {
            specification: specification.to_owned(),
            mode: current.mode,
            quantity,
            periods,
            kind: OrderKind::Renewal {
                app: app.clone(),
                months: renewal::months_of(current.mode, periods),
                renewal_day,
            },
            quote,
        });
        let place = OrderCommand::Place(Placement { account, product: Some(product), what });
        let placed = unit.decide_new::<Order>(&place)?;
        let order = unit.create(placed).clone();
        unit.decide::<PurchasedApp>(
            &target,
            &AppCommand::from(app::Fact::HoldPendingOrder { order: order.id.clone() }),
        )?;
        Ok(order)
    }

    /// The customer enables or changes auto-renewal of an app (REN-5, REN-6), paid by `method`
    /// (`None` keeps the current one, the card by default): the app's own rules first, then
    /// whether the method can pay for the customer's account — the balance, or a bound card.
    pub(super) fn set_auto_renewal_in(
        &self,
        unit: &mut Unit<'_>,
        app: &AppId,
        periods: u32,
        count: u32,
        days_before: u32,
        method: Option<PaymentMethod>,
    ) -> Result<PurchasedApp, Error> {
        let target = Target::App(app.clone());
        let cmd = AppCommand::SetAutoRenewal { periods, count, days_before, method };
        unit.check::<PurchasedApp>(&target, &cmd)?;
        let current = unit.get::<PurchasedApp>(&target)?;
        let (customer, paid_by) = (current.customer.clone(), current.auto_renewal_method(method));
        AutoRenewal::check_method(paid_by, &self.account(&customer)?)?;
        Ok(unit.decide::<PurchasedApp>(&target, &cmd)?.clone())
    }

    /// System: charges a due auto-renewal (REN-5, REN-6). On success a completed renewal order
    /// extends the term; on a decline the charge is retried the next day at the charge hour.
    pub(crate) fn charge_auto_renewal(&self, unit: &mut Unit<'_>, target: &Target) -> Result<(), Error> {
        let now = unit.now();
        let app = unit.get::<PurchasedApp>(target)?;
        let (Some(due), Some(settings)) = (renewal::next_charge(app, &self.policy), app.auto_renewal) else {
            return Ok(());
        };
        if due > now {
            return Ok(());
        }
        // What the charge and its order need of the app, read before the unit changes it: most
        // looks at an app find nothing to charge, and none needs a copy of the whole app.
        let product = self.shared_product(&app.product)?;
        let (quote, _) = renewal::price_renewal(app, &product, settings.periods, None, &self.policy)?;
        let account = self.account(&app.customer)?;
        let months = renewal::months_of(app.mode, settings.periods);
        let (specification, quantity) = app.renewal_configuration();
        let renewed = Ordered {
            specification: specification.to_owned(),
            mode: app.mode,
            quantity,
            periods: settings.periods,
            kind: OrderKind::Renewal { app: app.id.clone(), months, renewal_day: None },
            quote,
        };
        let app_id = app.id.clone();
        let payment = match &account.reseller {
            Some(reseller) => Err(reseller.clone()),
            None => {
                let request = ChargeRequest {
                    idempotency_key: self.payment_key_of(&renewal::charge_key(app, now, &self.policy)),
                    customer: app.customer.clone(),
                    method: settings.method,
                    amount: renewed.quote.total,
                    description: auto_renewal_description(app),
                };
                match unit.charge(target, request)? {
                    Ok(receipt) => Ok(receipt),
                    Err(PaymentError::Failed(reason)) => return Err(Error::Gateway { reason }),
                    Err(PaymentError::Declined(reason)) => {
                        let retry_at = renewal::retry_after(now, settings.declined + 1, &self.policy);
                        let cmd = AppCommand::from(app::Fact::RecordAutoRenewalDeclined {
                            reason,
                            retry_at,
                            amount: renewed.quote.total,
                        });
                        unit.decide::<PurchasedApp>(target, &cmd)?;
                        return Ok(());
                    }
                }
            }
        };
        let what = Placing::AutoRenewal(renewed);
        let placed =
            unit.decide_new::<Order>(&OrderCommand::Place(Placement { account, product: Some(product), what }))?;
        let order_id = unit.create(placed).id.clone();
        let order_target = Target::Order(order_id.clone());
        let receipt = payment.as_ref().ok().map(|r| r.id.clone());
        let cmd = match payment {
            Ok(receipt) => OrderCommand::from(Fact::RecordPayment { receipt, app: app_id, flow: None }),
            Err(reseller) => OrderCommand::from(Fact::RecordSettlement { reseller, app: app_id, flow: None }),
        };
        unit.decide::<Order>(&order_target, &cmd)?;
        let renew =
            AppCommand::from(app::Fact::Renew { order: order_id, months, renewal_day: None, auto: true, receipt });
        unit.decide::<PurchasedApp>(target, &renew)?;
        Ok(())
    }

    /// The renewal buttons of an app (REN-1, REN-5), from the same checks as the commands.
    pub(crate) fn renewal_actions(&self, by: &Actor, app: &PurchasedApp) -> Vec<Availability> {
        let mut actions = vec![
            Availability::from_check(Action::Renew, renewal::check_renewable(app, by)),
            Availability::from_check(Action::SetAutoRenewal, renewal::check_auto_renewal(app, by, &self.policy)),
        ];
        actions.extend(self.downgrade_actions(by, app));
        actions
    }
}

/// The description of an app's auto-renewal charge: "auto-renewal of app APP-…: product name",
/// written into one allocation of the right size (`format!` grew it through the formatting
/// machinery on every charge).
fn auto_renewal_description(app: &PurchasedApp) -> String {
    const PREFIX: &str = "auto-renewal of app ";
    let (id, name) = (app.id.as_str(), app.product_name.as_str());
    let mut text = String::with_capacity(PREFIX.len() + id.len() + 2 + name.len());
    text.push_str(PREFIX);
    text.push_str(id);
    text.push_str(": ");
    text.push_str(name);
    text
}
