//! Scheduled work: `tick` takes only what is due and lets each aggregate decide its system
//! command (ORD-3, SUP-4, SUP-8, LIFE-1).

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::events::app_events;
use super::{Decision, Marketplace};
use crate::actor::{Actor, Target};
use crate::app::{AppCommand, PurchasedApp};
use crate::error::Error;
use crate::order::{Order, OrderCommand, OrderStatus};
use crate::store::{Commit, Record, Versioned};

/// What a `tick` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
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
            let until = now + chrono::Duration::seconds(i64::from(self.policy.tick_claim_seconds));
            // One claim per page: what another host running `tick` holds is its work, not ours,
            // and what this tick already looked at is passed over.
            let claimed = self.store.claim_due(now, until, BATCH, &seen)?;
            if claimed.is_empty() {
                return Ok(report);
            }
            // Apps' scheduled work reads only the app, its product and its account, so the
            // page's apps are decided one by one and saved together (`Store::commit_many`: one
            // store transaction per page); other targets are done one at a time, in order.
            let mut apps: Vec<(Target, Commit)> = Vec::new();
            let app_targets: Vec<Target> = claimed.iter().filter(|t| matches!(t, Target::App(_))).cloned().collect();
            let mut loaded = self.store.load_many(&app_targets)?.into_iter();
            let mut pending = claimed.into_iter();
            while let Some(target) = pending.next() {
                report.examined += 1;
                let outcome = if matches!(target, Target::App(_)) {
                    let current = match loaded.next().flatten() {
                        Some((Record::App(app), version)) => Ok(Versioned { value: app, version }),
                        Some(_) => Err(Error::Storage { reason: format!("{target} holds the wrong kind of record") }),
                        None => Err(Error::not_found("app", target.kind_and_id().1)),
                    };
                    match current.and_then(|current| self.tick_loaded_app(current, &Actor::System, now)) {
                        Ok(commit) => {
                            apps.push((target.clone(), commit));
                            seen.insert(target);
                            continue;
                        }
                        Err(Error::NotFound { .. }) => Ok(false),
                        Err(e) => Err(e),
                    }
                } else {
                    self.save_ticked_apps(&mut apps, now, &mut report)?;
                    self.tick_one(&target, now)
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
        apps: &mut Vec<(Target, Commit)>,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), Error> {
        if apps.is_empty() {
            return Ok(());
        }
        let (targets, commits): (Vec<Target>, Vec<Commit>) = apps.drain(..).unzip();
        let saved = match self.store.commit_many(commits, now) {
            Ok(saved) => saved,
            Err(e) => {
                for t in &targets {
                    self.store.release(t)?;
                }
                return Err(e);
            }
        };
        for (target, result) in targets.iter().zip(saved) {
            let outcome = match result {
                Ok(_) => Ok(true),
                Err(Error::Conflict { .. }) => self.tick_one(target, now),
                Err(other) => Err(other),
            };
            self.count_tick(target, outcome, report)?;
        }
        Ok(())
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
    fn tick_one(&self, target: &Target, now: DateTime<Utc>) -> Result<bool, Error> {
        let system = Actor::System;
        self.execute(
            Actor::System,
            || crate::command::Command::Tick {},
            |_, _| {
                let commit = match target {
                    Target::Order(_) => self.tick_order(target, &system, now)?,
                    Target::App(_) => self.tick_app(target, &system, now)?,
                    _ => self.tick_more(target, &system, now)?,
                };
                Ok(Decision::ok(commit, ()))
            },
        )
        .map(|()| true)
        .or_else(|e| match e {
            Error::NotFound { .. } => Ok(false),
            other => Err(other),
        })
    }

    fn tick_order(&self, target: &Target, system: &Actor, now: DateTime<Utc>) -> Result<Commit, Error> {
        let current = self.get::<Order>(target.clone())?;
        let cmd = match current.value.status {
            OrderStatus::PendingPayment => OrderCommand::CancelUnpaid,
            OrderStatus::Processing => OrderCommand::CompleteAfterAcceptance,
            _ => return Ok(self.reindex_order(&current.value, current.version)),
        };
        match self.decide_order(&current, &cmd, system, now) {
            Ok((next, mut commit)) => {
                if next.status == OrderStatus::Cancelled {
                    self.release_pending(&next, system, now, &mut commit)?;
                }
                self.after_order_tick(&next, system, now, &mut commit)?;
                Ok(commit)
            }
            Err(Error::NotAllowed { .. }) => Ok(self.reindex_order(&current.value, current.version)),
            Err(e) => Err(e),
        }
    }

    fn reindex_order(&self, order: &Order, version: u64) -> Commit {
        Commit { writes: vec![self.order_write(order, version)], ..Commit::default() }
    }

    fn tick_app(&self, target: &Target, system: &Actor, now: DateTime<Utc>) -> Result<Commit, Error> {
        self.tick_loaded_app(self.get::<PurchasedApp>(target.clone())?, system, now)
    }

    fn tick_loaded_app(
        &self,
        current: Versioned<PurchasedApp>,
        system: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Commit, Error> {
        let mut commit = Commit::default();
        let mut next = if current.value.metering.is_some() {
            self.settle_usage(&current, system, now, false, &mut commit)?
        } else {
            self.charge_auto_renewal(&current, system, now, &mut commit)?
        };
        let events = next.decide(&AppCommand::AdvanceLifecycle, system, &self.policy, now)?;
        events.iter().for_each(|e| next.apply(e));
        commit.writes.push(self.app_write(&next, current.version));
        commit.events.extend(app_events(system, &next.id, events));
        Ok(commit)
    }

    /// Seam for aggregates added later: flows close after the longest flow (SUP-8); appeals
    /// have no due work (overdue appeals are a query).
    fn tick_more(&self, target: &Target, system: &Actor, now: DateTime<Utc>) -> Result<Commit, Error> {
        match target {
            Target::Flow(_) => self.tick_flow(target, system, now),
            _ => Ok(Commit::default()),
        }
    }

    /// Seam: what else changes when the system completes or cancels an order.
    fn after_order_tick(
        &self,
        _order: &Order,
        _system: &Actor,
        _now: DateTime<Utc>,
        _commit: &mut Commit,
    ) -> Result<(), Error> {
        Ok(())
    }
}
