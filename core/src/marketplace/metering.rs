//! Pay-per-use commands and queries: settlement by `tick`, deletion, arrears and the usage
//! statement (PRC-7, LIFE-1).

use chrono::{DateTime, Utc};

use super::events::app_events;
use super::{Decision, Marketplace};
use crate::actor::{Actor, AppId, Caller, Target};
use crate::app::{AppCommand, AppEvent, AppStatus, PurchasedApp};
use crate::command::Command;
use crate::dunning::DeclinedCharge;
use crate::error::Error;
use crate::metering::{Metering, UsageCycle, UsageStatement};
use crate::money::Money;
use crate::payments::{ChargeRequest, PaymentError, PaymentMethod, check_receipt};
use crate::store::{Commit, Versioned};

/// What one charge of a settlement came to.
enum Outcome {
    Paid(String),
    Reseller(String),
    Declined(String),
}

impl Marketplace {
    /// Deletes (stops) a pay-per-use app: metering ends and the started hours not settled yet
    /// are settled at once (PRC-7). Only its customer may, while it is in use, in grace or
    /// frozen. A declined last settlement is owed (see [`Marketplace::pay_arrears`]); the app is
    /// deleted all the same.
    pub fn delete_app(&self, by: impl Into<Caller>, app: &AppId) -> Result<PurchasedApp, Error> {
        let command = || Command::DeleteApp { app: app.clone() };
        self.execute(by, command, |actor, now| {
            let current = self.get::<PurchasedApp>(Target::App(app.clone()))?;
            current.value.check_delete(actor)?;
            let mut commit = Commit::default();
            let mut next = self.settle_usage(&current, actor, now, true, &mut commit)?;
            let events = next.decide(&AppCommand::Delete, actor, &self.policy, now)?;
            events.iter().for_each(|e| next.apply(e));
            commit.events.extend(app_events(actor, app, events));
            commit.writes.push(self.app_write(&next, current.version));
            Ok(Decision::ok(commit, next))
        })
    }

    /// Pays what a pay-per-use app owes, with `method` or, when `None`, the method its order
    /// was paid with (PRC-7). Paid in full, an app in grace or frozen is active again and a
    /// frozen one accrues again from now. A declined charge is recorded on the statement and
    /// returns [`Error::PaymentDeclined`].
    pub fn pay_arrears(
        &self,
        by: impl Into<Caller>,
        app: &AppId,
        method: Option<PaymentMethod>,
    ) -> Result<PurchasedApp, Error> {
        let command = || Command::PayArrears { app: app.clone(), method };
        self.execute(by, command, |actor, now| {
            let current = self.get::<PurchasedApp>(Target::App(app.clone()))?;
            current.value.check_pay_arrears(actor)?;
            let m = current.value.metering.as_ref().expect("checked: the app is metered");
            let method = match method.or(m.method) {
                Some(method) => method,
                None => return Err(Error::invalid("method", "choose a payment method")),
            };
            let owed: Vec<_> = m.owed().map(|c| (c.number, c.amount, c.attempts)).collect();
            let mut next = current.value.clone();
            let mut events = Vec::new();
            let mut declined = None;
            for (number, amount, attempt) in owed {
                let outcome = self.charge_usage(&next, number, attempt, amount, Some(method))?;
                let (receipt, reason) = match outcome {
                    Outcome::Paid(r) => (Some(r), None),
                    Outcome::Declined(reason) | Outcome::Reseller(reason) => {
                        declined.get_or_insert(reason.clone());
                        (None, Some(reason))
                    }
                };
                let e = AppEvent::UsageRetried { number, receipt, declined: reason, at: now };
                next.apply(&e);
                events.push(e);
                events.extend(self.declined_settlement(&next, number));
            }
            events.extend(cleared(&mut next, now));
            let commit = Commit {
                writes: vec![self.app_write(&next, current.version)],
                events: app_events(actor, app, events),
                ..Commit::default()
            };
            Ok(match declined {
                None => Decision::ok(commit, next),
                Some(reason) => Decision { commit, result: Err(Error::PaymentDeclined { reason }) },
            })
        })
    }

    /// The usage statement of a pay-per-use app — its settlements with hours, amounts and
    /// receipts, what was charged and what is owed — for its customer, its seller or an
    /// operator (PRC-7).
    pub fn usage_statement(&self, by: &Actor, app: &AppId) -> Result<UsageStatement, Error> {
        let target = Target::App(app.clone());
        self.check_can_view(by, &target)?;
        let current = self.get::<PurchasedApp>(target)?.value;
        let m = current.metering.as_ref().ok_or_else(|| {
            Error::not_allowed(
                "PRC-7",
                format!("app {app} is {}, not pay-per-use: it has no usage statement", current.mode),
            )
        })?;
        Ok(m.statement(app))
    }

    /// Settles a pay-per-use app at `now` (PRC-7): each ended cycle, the last partial one when
    /// `deleting` or freezing, and the owed settlements due for a retry; every charge with its
    /// own idempotency key (one per app and cycle, one per retry). Appends the events to
    /// `commit` and returns the app after them (the caller writes it).
    pub(crate) fn settle_usage(
        &self,
        current: &Versioned<PurchasedApp>,
        actor: &Actor,
        now: DateTime<Utc>,
        deleting: bool,
        commit: &mut Commit,
    ) -> Result<PurchasedApp, Error> {
        let mut next = current.value.clone();
        let Some(m) = &next.metering else { return Ok(next) };
        if matches!(next.status, AppStatus::Released | AppStatus::Unsubscribed | AppStatus::Provisioning) {
            return Ok(next);
        }
        let plan = next.settlement_plan(&self.policy, now, deleting);
        let (method, hourly) = (m.method, m.hourly);
        let mut events = Vec::new();
        for span in plan.spans {
            let number = next.metering.as_ref().map_or(1, Metering::next_number);
            let amount = Money::new(hourly.amount * rust_decimal::Decimal::from(span.hours), hourly.currency).rounded();
            let outcome = self.charge_usage(&next, number, 0, amount, method)?;
            let mut cycle = UsageCycle {
                number,
                from: span.from,
                to: span.to,
                hours: span.hours,
                amount,
                receipt: None,
                paid_at: None,
                settled_by_reseller: None,
                attempts: 0,
                declined: None,
                last_attempt_at: now,
            };
            match outcome {
                Outcome::Paid(receipt) => {
                    cycle.receipt = Some(receipt);
                    cycle.paid_at = Some(now);
                }
                Outcome::Reseller(reseller) => cycle.settled_by_reseller = Some(reseller),
                Outcome::Declined(reason) => {
                    cycle.attempts = 1;
                    cycle.declined = Some(reason);
                }
            }
            let e = AppEvent::UsageSettled { cycle };
            next.apply(&e);
            events.push(e);
            events.extend(self.declined_settlement(&next, number));
        }
        for (number, amount, attempt) in plan.retries {
            let (receipt, declined) = match self.charge_usage(&next, number, attempt, amount, method)? {
                Outcome::Paid(r) => (Some(r), None),
                Outcome::Declined(reason) | Outcome::Reseller(reason) => (None, Some(reason)),
            };
            let e = AppEvent::UsageRetried { number, receipt, declined, at: now };
            next.apply(&e);
            events.push(e);
            events.extend(self.declined_settlement(&next, number));
        }
        events.extend(cleared(&mut next, now));
        commit.events.extend(app_events(actor, &next.id, events));
        Ok(next)
    }

    /// The [`AppEvent::ChargeDeclined`] of settlement `number` if its last attempt was declined
    /// (REN-7), with the next attempt when it falls before the retention period ends.
    fn declined_settlement(&self, app: &PurchasedApp, number: u32) -> Option<AppEvent> {
        let cycle = app.metering.as_ref()?.cycles.iter().find(|c| c.number == number)?;
        if !cycle.is_owed() || cycle.settled_by_reseller.is_some() {
            return None;
        }
        let reason = cycle.declined.clone()?;
        let retry = cycle.retry_at(&self.policy);
        let retention_end = app.arrears_instants(&self.policy).map(|(_, end)| end);
        Some(AppEvent::ChargeDeclined {
            charge: DeclinedCharge::Settlement { number },
            attempt: cycle.attempts,
            amount: cycle.amount,
            reason,
            next_attempt_at: Some(retry).filter(|r| retention_end.is_none_or(|end| *r <= end)),
        })
    }

    /// One settlement charge through the gateway, keyed by app, cycle and attempt; a receipt
    /// for another amount is an [`Error::Gateway`] and records nothing.
    fn charge_usage(
        &self,
        app: &PurchasedApp,
        number: u32,
        attempt: u32,
        amount: Money,
        method: Option<PaymentMethod>,
    ) -> Result<Outcome, Error> {
        let Some(m) = &app.metering else { return Ok(Outcome::Declined("not metered".into())) };
        if let Some(reseller) = &m.reseller {
            return Ok(Outcome::Reseller(reseller.clone()));
        }
        let Some(method) = method else { return Ok(Outcome::Declined("no payment method".into())) };
        if amount.amount.is_zero() {
            return Ok(Outcome::Paid(String::new()));
        }
        let request = ChargeRequest {
            idempotency_key: self.payment_key(Metering::charge_key(&app.id, number, attempt)),
            customer: app.customer.clone(),
            method,
            amount,
            description: format!("pay-per-use usage {number} of app {}: {}", app.id, app.product_name),
        };
        match self.payments.charge(&request) {
            Ok(receipt) => {
                check_receipt(&receipt, &request.amount, &request.idempotency_key)?;
                Ok(Outcome::Paid(receipt.id))
            }
            Err(PaymentError::Declined(reason)) => Ok(Outcome::Declined(reason)),
            // Whether money moved is unknown: record nothing; the retry sends the same key.
            Err(PaymentError::Failed(reason)) => Err(Error::Gateway { reason }),
        }
    }
}

/// When nothing is owed any more, an app in arrears is restored; a frozen one accrues again
/// from `now` (PRC-7, LIFE-1).
fn cleared(next: &mut PurchasedApp, now: DateTime<Utc>) -> Vec<AppEvent> {
    let Some(m) = &next.metering else { return vec![] };
    if m.arrears_since.is_none() || m.owed().next().is_some() {
        return vec![];
    }
    let resumed_at = (next.status == AppStatus::Frozen).then_some(now);
    let e = AppEvent::ArrearsCleared { resumed_at };
    next.apply(&e);
    vec![e]
}
