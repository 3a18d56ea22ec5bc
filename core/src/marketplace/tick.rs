//! Scheduled work: `tick` takes only what is due and lets each aggregate decide its system
//! command (ORD-3, SUP-4, SUP-8, LIFE-1).
//!
//! What one due target does at one instant is decided in one place, [`Marketplace::due_work`]:
//! `tick` commits it to the store, and the preview of upcoming charges (`previewing.rs`)
//! applies it to working copies.

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::buying::release_pending;
use super::telemetry::{TickTrace, traced};
use super::{Marketplace, Receipts, Unit};
use crate::actor::{Actor, Target};
use crate::app::{AppCommand, PurchasedApp};
use crate::domain::access;
use crate::error::Error;
use crate::order::{Order, OrderCommand, OrderStatus};

/// What a `tick` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct TickReport {
    /// Aggregates looked at.
    pub examined: u64,
    /// Aggregates changed.
    pub changed: u64,
    /// Aggregates whose scheduled work failed (e.g. the gateway declined a refund); they stay
    /// due and are tried again at the next `tick`.
    pub failed: u64,
}

/// A due app decided by `tick`, waiting to be saved with the rest of its page: the error is a
/// refusal whose effects are saved all the same (a declined charge).
struct TickedApp {
    target: Target,
    commit: crate::store::Commit,
    refusal: Option<Error>,
    /// The money its decision took: recorded in `commit`, and again by the retry if the page
    /// loses a race.
    receipts: Receipts,
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
        let trace = TickTrace::start();
        let result = self.tick_traced(by);
        trace.finish(&result);
        result
    }

    fn tick_traced(&self, by: &Actor) -> Result<TickReport, Error> {
        access::system_only(by, "run tick")?;
        let now = self.clock_now()?;
        let mut report = TickReport::default();
        let mut seen = HashSet::new();
        loop {
            let until = now + chrono::Duration::seconds(i64::from(self.policy.tick_claim_seconds));
            // One claim per page: what another host running `tick` holds is its work, not ours,
            // and what this tick already looked at is passed over.
            let claimed = self.store.claim_due(now, until, BATCH, &seen)?;
            if claimed.is_empty() {
                return Ok(report);
            }
            // Apps' scheduled work reads only the app, its product and its account, so the
            // page's apps are loaded together, decided one by one and saved together
            // (`Store::commit_many`: one store transaction per page); other targets are done one
            // at a time, in order.
            let app_targets: Vec<Target> = claimed.iter().filter(|t| matches!(t, Target::App(_))).cloned().collect();
            let mut loaded = self.store.load_many(&app_targets)?.into_iter();
            let mut apps: Vec<TickedApp> = Vec::new();
            let mut pending = claimed.into_iter();
            while let Some(target) = pending.next() {
                report.examined += 1;
                let outcome = if matches!(target, Target::App(_)) {
                    match self.decide_due_app(&target, loaded.next().flatten(), now) {
                        Ok(Some(decided)) => {
                            apps.push(decided);
                            seen.insert(target);
                            continue;
                        }
                        Ok(None) => Ok(false),
                        Err(e) => Err(e),
                    }
                } else {
                    self.save_ticked_apps(&mut apps, now, &mut report)?;
                    self.tick_one(&target)
                };
                if let Err(e) = self.count_tick(&target, outcome, &mut report) {
                    // The rest of the page goes back too, so another tick need not wait.
                    self.save_ticked_apps(&mut apps, now, &mut report)?;
                    for t in pending.as_slice() {
                        self.store.release(t)?;
                    }
                    return Err(e);
                }
                seen.insert(target);
            }
            self.save_ticked_apps(&mut apps, now, &mut report)?;
        }
    }

    /// Decides a due app's scheduled work on its loaded record, as `tick_one` would; `None`
    /// when the app is gone (nothing to do).
    fn decide_due_app(
        &self,
        target: &Target,
        loaded: Option<(crate::store::Record, u64)>,
        now: DateTime<Utc>,
    ) -> Result<Option<TickedApp>, Error> {
        let Some((record, version)) = loaded else { return Ok(None) };
        let system = Actor::System;
        let receipts = Receipts::default();
        let mut unit = Unit::new(self, &system, now, &receipts);
        unit.preload(target, record, version)?;
        let result = self.due_work(&mut unit, target);
        if result.is_err() && !unit.saves_refusal() {
            if receipts.is_empty() {
                return match result {
                    Err(Error::NotFound { .. }) => Ok(None),
                    Err(e) => Err(e),
                    Ok(()) => Ok(None),
                };
            }
            // The refusal changes nothing but the money taken for it.
            unit = Unit::new(self, &system, now, &receipts);
        }
        unit.return_unclaimed()?;
        let commit = unit.into_commit();
        Ok(Some(TickedApp { target: target.clone(), commit, refusal: result.err(), receipts }))
    }

    /// Counts one target's outcome. One aggregate's failure (a declined refund, a lost race)
    /// must not stop the others' scheduled work: its claim is released and it stays due for the
    /// next tick. Any other error is returned (after releasing the claim).
    fn count_tick(&self, target: &Target, outcome: Result<bool, Error>, report: &mut TickReport) -> Result<(), Error> {
        match outcome {
            Ok(true) => report.changed += 1,
            Ok(false) => {}
            Err(Error::PaymentDeclined { .. } | Error::Gateway { .. } | Error::Conflict { .. }) => {
                self.store.release(target)?;
                report.failed += 1;
            }
            Err(other) => {
                self.store.release(target)?;
                return Err(other);
            }
        }
        Ok(())
    }

    /// Saves the decided apps of a page together; one that lost a race is decided again on its
    /// own, as a single tick would.
    fn save_ticked_apps(
        &self,
        apps: &mut Vec<TickedApp>,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), Error> {
        if apps.is_empty() {
            return Ok(());
        }
        type Decided = (Target, Option<Error>, Receipts);
        let (rest, commits): (Vec<Decided>, Vec<_>) =
            apps.drain(..).map(|a| ((a.target, a.refusal, a.receipts), a.commit)).unzip();
        let saved = match self.store.commit_many(commits, now) {
            Ok(saved) => saved,
            Err(e) => {
                for (t, _, _) in &rest {
                    self.store.release(t)?;
                }
                return Err(e);
            }
        };
        for ((target, refusal, receipts), result) in rest.into_iter().zip(saved) {
            let outcome = match (result, refusal) {
                (Ok(_), None) => Ok(true),
                (Ok(_), Some(refusal)) => Err(refusal),
                (Err(Error::Conflict { .. }), _) => self.tick_one_with(&target, &receipts),
                (Err(other), _) => Err(other),
            };
            self.count_tick(&target, outcome, report)?;
        }
        Ok(())
    }

    /// Forgets request ids older than the policy's retention (`request_retention_days`); a
    /// forgotten id is then a new request. Only the system may run it. Returns how many were
    /// forgotten.
    pub fn forget_old_requests(&self, by: &Actor) -> Result<u64, Error> {
        access::system_only(by, "forget old request ids")?;
        let before = self.clock_now()? - chrono::Duration::days(i64::from(self.policy.request_retention_days));
        self.store.prune_requests(before)
    }

    /// Lets one due aggregate decide its system command; returns whether it changed.
    fn tick_one(&self, target: &Target) -> Result<bool, Error> {
        self.tick_one_with(target, &Receipts::default())
    }

    /// [`Marketplace::tick_one`] for an item whose earlier decision already took money.
    fn tick_one_with(&self, target: &Target, receipts: &Receipts) -> Result<bool, Error> {
        self.execute_with(
            receipts,
            Actor::System,
            traced("tick").on(&target.kind_and_id().1),
            || crate::command::Command::Tick {},
            |unit| self.due_work(unit, target),
        )
        .map(|()| true)
        .or_else(|e| match e {
            Error::NotFound { .. } => Ok(false),
            other => Err(other),
        })
    }

    /// The scheduled work of one due target at the unit's instant, decided by its aggregates:
    /// an order's (ORD-3, SUP-4), an app's (PRC-7, REN-5/6, LIFE-1, PRC-8) or a flow's (SUP-8).
    /// `tick` commits what it decides; the preview of upcoming charges decides it on working
    /// copies and commits nothing (UPC-1).
    pub(super) fn due_work(&self, unit: &mut Unit<'_>, target: &Target) -> Result<(), Error> {
        match target {
            Target::Order(_) => tick_order(unit, target),
            Target::App(_) => self.tick_app(unit, target),
            Target::Flow(_) => self.tick_flow(unit, target),
            // Appeals have no due work (overdue appeals are a query).
            _ => Ok(()),
        }
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
