//! Scheduled work: `tick` takes only what is due and lets each aggregate decide its system
//! command (ORD-3, SUP-4, SUP-8, LIFE-1).

use std::collections::HashSet;

use super::orders::release_pending;
use super::{Marketplace, Unit};
use crate::actor::{Actor, Target};
use crate::app::{AppCommand, PurchasedApp};
use crate::error::Error;
use crate::order::{Order, OrderCommand, OrderStatus};

/// What a `tick` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TickReport {
    /// Aggregates looked at.
    pub examined: u64,
    /// Aggregates changed.
    pub changed: u64,
    /// Aggregates whose scheduled work failed (e.g. the gateway declined a refund); they stay
    /// due and are tried again at the next `tick`.
    pub failed: u64,
}

/// How many due aggregates one pass takes from the index.
const BATCH: usize = 1024;

impl Marketplace {
    /// Runs the scheduled work due at the clock's current instant. Only the system may run it
    /// (ACC-1). Running it twice for the same instant does the work once.
    ///
    /// ```
    /// use appmarket::*;
    /// use chrono::Duration;
    ///
    /// let clock = ManualClock::at("2026-04-15T02:00:00Z")?;
    /// let market = Marketplace::builder().clock(clock.clone()).build()?;
    /// let product = market.list_product(&Actor::seller("isv-1")?, appmarket::testing::fixtures::saas_draft())?;
    /// market.register_customer(CustomerAccount::with_card(CustomerId::parse("alice")?))?;
    /// let alice = Actor::customer("alice")?;
    /// let request = PurchaseRequest {
    ///     product: product.id,
    ///     specification: "Standard".into(),
    ///     mode: BillingMode::Monthly,
    ///     quantity: 10,
    ///     periods: 1,
    /// };
    /// let order = market.place_order(&alice, request)?;
    ///
    /// // ORD-3: an order unpaid for 7 days is cancelled by the system.
    /// clock.advance(Duration::days(7))?;
    /// assert_eq!(market.tick(&Actor::System)?.changed, 1);
    /// assert_eq!(market.order(&alice, &order.id)?.status, OrderStatus::Cancelled);
    /// assert!(market.tick(&alice).is_err(), "only the system runs tick");
    /// # Ok::<(), appmarket::Error>(())
    /// ```
    pub fn tick(&self, by: &Actor) -> Result<TickReport, Error> {
        by.require_system("run tick")?;
        let now = self.clock_now()?;
        let mut report = TickReport::default();
        let mut seen = HashSet::new();
        loop {
            let due = self.store.due(now, BATCH + seen.len())?;
            let fresh: Vec<Target> = due.into_iter().filter(|t| !seen.contains(t)).collect();
            if fresh.is_empty() {
                return Ok(report);
            }
            let until = now + chrono::Duration::seconds(i64::from(self.policy.tick_claim_seconds));
            for target in fresh {
                // Another host running `tick` on the same store holds it: its work, not ours.
                if !self.store.claim(&target, now, until)? {
                    seen.insert(target);
                    continue;
                }
                report.examined += 1;
                match self.tick_one(&target) {
                    Ok(true) => report.changed += 1,
                    Ok(false) => {}
                    // One aggregate's failure (a declined refund, a lost race) must not stop the
                    // others' scheduled work; it stays due for the next tick.
                    Err(Error::PaymentDeclined { .. } | Error::Gateway { .. } | Error::Conflict { .. }) => {
                        self.store.release(&target)?;
                        report.failed += 1;
                    }
                    Err(other) => {
                        self.store.release(&target)?;
                        return Err(other);
                    }
                }
                seen.insert(target);
            }
        }
    }

    /// Forgets request ids older than the policy's retention (`request_retention_days`); a
    /// forgotten id is then a new request. Only the system may run it. Returns how many were
    /// forgotten.
    pub fn forget_old_requests(&self, by: &Actor) -> Result<u64, Error> {
        by.require_system("forget old request ids")?;
        let before = self.clock_now()? - chrono::Duration::days(i64::from(self.policy.request_retention_days));
        self.store.prune_requests(before)
    }

    /// Lets one due aggregate decide its system command; returns whether it changed.
    fn tick_one(&self, target: &Target) -> Result<bool, Error> {
        self.execute(
            Actor::System,
            || crate::command::Command::Tick {},
            |unit| match target {
                Target::Order(_) => tick_order(unit, target),
                Target::App(_) => self.tick_app(unit, target),
                Target::Flow(_) => self.tick_flow(unit, target),
                // Appeals have no due work (overdue appeals are a query).
                _ => Ok(()),
            },
        )
        .map(|()| true)
        .or_else(|e| match e {
            Error::NotFound { .. } => Ok(false),
            other => Err(other),
        })
    }

    /// A due app: its pay-per-use settlement or auto-renewal charge, then its lifecycle
    /// (grace, frozen, released, reminders; LIFE-1).
    fn tick_app(&self, unit: &mut Unit<'_>, target: &Target) -> Result<(), Error> {
        if unit.get::<PurchasedApp>(target)?.metering.is_some() {
            self.settle_usage(unit, target, false)?;
        } else {
            self.charge_auto_renewal(unit, target)?;
        }
        unit.decide::<PurchasedApp>(target, &AppCommand::AdvanceLifecycle)?;
        // Written even when nothing changed, so that the store knows when it is next due.
        unit.rewrite::<PurchasedApp>(target)
    }
}

/// A due order: cancelled when unpaid too long (ORD-3), completed after the delay after
/// acceptance (SUP-4); anything else is only re-indexed.
fn tick_order(unit: &mut Unit<'_>, target: &Target) -> Result<(), Error> {
    let cmd = match unit.get::<Order>(target)?.status {
        OrderStatus::PendingPayment => OrderCommand::CancelUnpaid,
        OrderStatus::Processing => OrderCommand::CompleteAfterAcceptance,
        _ => return unit.rewrite::<Order>(target),
    };
    match unit.decide::<Order>(target, &cmd) {
        Ok(next) if next.status == OrderStatus::Cancelled => release_pending(unit, target),
        Ok(_) => Ok(()),
        Err(Error::NotAllowed { .. }) => unit.rewrite::<Order>(target),
        Err(e) => Err(e),
    }
}
