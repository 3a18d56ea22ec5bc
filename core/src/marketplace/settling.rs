//! Pay-per-use commands and queries: settlement by `tick`, deletion, arrears and the usage
//! statement (PRC-7, LIFE-1).

use chrono::{DateTime, Utc};

use super::{Marketplace, Unit};
use crate::actor::{Actor, AppId, Target};
use crate::app::{AppCommand, AppEvent, AppStatus, PurchasedApp};
use crate::dunning::DeclinedCharge;
use crate::error::Error;
use crate::event::EventKind;
use crate::metering::{Metering, UsageCycle, UsageEvent, UsageStatement};
use crate::money::Money;
use crate::payments::{ChargeRequest, PaymentError, PaymentMethod};

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
    pub(super) fn delete_app_in(&self, unit: &mut Unit<'_>, app: &AppId) -> Result<PurchasedApp, Error> {
        let target = Target::App(app.clone());
        let actor = unit.actor();
        unit.get::<PurchasedApp>(&target)?.check_delete(actor)?;
        self.settle_usage(unit, &target, true)?;
        Ok(unit.decide::<PurchasedApp>(&target, &AppCommand::Delete)?.clone())
    }

    /// Pays what a pay-per-use app owes, with `method` or, when `None`, the method its order
    /// was paid with (PRC-7). Paid in full, an app in grace or frozen is active again and a
    /// frozen one accrues again from now. A declined charge is recorded on the statement and
    /// returns [`Error::PaymentDeclined`].
    pub(super) fn pay_arrears_in(
        &self,
        unit: &mut Unit<'_>,
        app: &AppId,
        method: Option<PaymentMethod>,
    ) -> Result<PurchasedApp, Error> {
        let target = Target::App(app.clone());
        let now = unit.now();
        let current = unit.get::<PurchasedApp>(&target)?.clone();
        current.check_pay_arrears(unit.actor())?;
        let m = current.metering.as_ref().expect("checked: the app is metered");
        let method = match method.or(m.method) {
            Some(method) => method,
            None => return Err(Error::invalid("method", "choose a payment method")),
        };
        let owed: Vec<_> = m.owed.iter().map(|c| (c.number, c.hours, c.amount, c.attempts)).collect();
        let mut declined = None;
        for (number, hours, amount, attempt) in owed {
            let outcome = self.charge_usage(unit, &target, (number, hours, attempt), amount, Some(method))?;
            let (receipt, reason) = match outcome {
                Outcome::Paid(r) => (Some(r), None),
                Outcome::Declined(reason) | Outcome::Reseller(reason) => {
                    declined.get_or_insert(reason.clone());
                    (None, Some(reason))
                }
            };
            unit.record_facts::<PurchasedApp>(
                &target,
                vec![AppEvent::UsageRetried { number, receipt, declined: reason, at: now }],
            )?;
            self.record_declined(unit, &target, number)?;
        }
        let cleared = cleared(unit.get::<PurchasedApp>(&target)?, now);
        let next = unit.record_facts::<PurchasedApp>(&target, cleared)?.clone();
        match declined {
            None => Ok(next),
            Some(reason) => {
                unit.save_refusal();
                Err(Error::PaymentDeclined { reason })
            }
        }
    }

    /// The usage statement of a pay-per-use app — its settlements with hours, amounts and
    /// receipts, what was charged and what is owed — for its customer, its seller or an
    /// operator (PRC-7).
    ///
    /// The settlements are read from the app's events, a page of the store at a time.
    pub fn usage_statement(&self, by: &Actor, app: &AppId) -> Result<UsageStatement, Error> {
        self.check_can_view(by, &Target::App(app.clone()))?;
        self.settlements(app)
    }

    /// The usage statement of a pay-per-use app, for whoever the caller checked may see it: the
    /// statement itself, and what an invoice of settled usage covers (INV-1).
    pub(crate) fn settlements(&self, app: &AppId) -> Result<UsageStatement, Error> {
        let target = Target::App(app.clone());
        let current = self.get::<PurchasedApp>(target.clone())?.value;
        let m = current.usage_metering()?;
        let page = self.policy.max_records_page.max(1) as usize;
        let (mut events, mut after) = (Vec::new(), 0);
        loop {
            let batch = self.store.records(&target, after, page)?;
            after = batch.last().map_or(after, |e| e.seq);
            let done = batch.len() < page;
            events.extend(batch.into_iter().filter_map(|e| match e.kind {
                EventKind::App(event @ (AppEvent::UsageSettled { .. } | AppEvent::UsageRetried { .. })) => Some(event),
                _ => None,
            }));
            if done {
                break;
            }
        }
        Ok(m.statement(app, events.iter().filter_map(usage_event)))
    }

    /// Settles a pay-per-use app at the unit's instant (PRC-7): each ended cycle, the last
    /// partial one when `deleting` or freezing, and the owed settlements due for a retry; every
    /// charge with its own idempotency key (one per app and cycle, one per retry).
    ///
    /// Deleting settles every started hour; otherwise at most `max_settlements_per_tick`
    /// charges are made, and an app left behind stays due for the next `tick`.
    pub(crate) fn settle_usage(&self, unit: &mut Unit<'_>, target: &Target, deleting: bool) -> Result<(), Error> {
        let now = unit.now();
        let app = unit.get::<PurchasedApp>(target)?;
        let Some(m) = &app.metering else { return Ok(()) };
        if matches!(app.status, AppStatus::Released | AppStatus::Unsubscribed | AppStatus::Provisioning) {
            return Ok(());
        }
        let limit = if deleting { usize::MAX } else { self.policy.max_settlements_per_tick as usize };
        let plan = app.settlement_plan(&self.policy, now, deleting, limit);
        let (method, hourly) = (m.method, m.hourly);
        for span in plan.spans {
            let app = unit.get::<PurchasedApp>(target)?;
            let number = app.metering.as_ref().map_or(1, |m| m.next_number());
            let amount = Money::new(hourly.amount * rust_decimal::Decimal::from(span.hours), hourly.currency).rounded();
            let outcome = self.charge_usage(unit, target, (number, span.hours, 0), amount, method)?;
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
            unit.record_facts::<PurchasedApp>(target, vec![AppEvent::UsageSettled { cycle: Box::new(cycle) }])?;
            self.record_declined(unit, target, number)?;
        }
        for (number, amount, attempt) in plan.retries {
            let (receipt, declined) = match self.charge_usage(unit, target, (number, 0, attempt), amount, method)? {
                Outcome::Paid(r) => (Some(r), None),
                Outcome::Declined(reason) | Outcome::Reseller(reason) => (None, Some(reason)),
            };
            unit.record_facts::<PurchasedApp>(
                target,
                vec![AppEvent::UsageRetried { number, receipt, declined, at: now }],
            )?;
            self.record_declined(unit, target, number)?;
        }
        let cleared = cleared(unit.get::<PurchasedApp>(target)?, now);
        unit.record_facts::<PurchasedApp>(target, cleared)?;
        Ok(())
    }

    /// Records an [`AppEvent::ChargeDeclined`] when the last attempt of settlement `number` was
    /// declined (REN-7).
    fn record_declined(&self, unit: &mut Unit<'_>, target: &Target, number: u32) -> Result<(), Error> {
        let declined = self.declined_settlement(unit.get::<PurchasedApp>(target)?, number);
        unit.record_facts::<PurchasedApp>(target, declined.into_iter().collect())?;
        Ok(())
    }

    /// The [`AppEvent::ChargeDeclined`] of settlement `number` if its last attempt was declined
    /// (REN-7), with the next attempt when it falls before the retention period ends.
    fn declined_settlement(&self, app: &PurchasedApp, number: u32) -> Option<AppEvent> {
        // The settlement just made is the last owed one; a retried one is found by its number.
        let cycle = app.metering.as_ref()?.owed.iter().rev().find(|c| c.number == number)?;
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

    /// One settlement charge through the gateway, keyed by app, settlement (number and started
    /// hours) and attempt; a receipt for another amount is an [`Error::Gateway`] and records
    /// nothing.
    fn charge_usage(
        &self,
        unit: &mut Unit<'_>,
        target: &Target,
        (number, hours, attempt): (u32, u64, u32),
        amount: Money,
        method: Option<PaymentMethod>,
    ) -> Result<Outcome, Error> {
        let app = unit.get::<PurchasedApp>(target)?;
        let Some(m) = &app.metering else { return Ok(Outcome::Declined("not metered".into())) };
        if let Some(reseller) = &m.reseller {
            return Ok(Outcome::Reseller(reseller.clone()));
        }
        let Some(method) = method else { return Ok(Outcome::Declined("no payment method".into())) };
        if amount.amount.is_zero() {
            return Ok(Outcome::Paid(String::new()));
        }
        let request = ChargeRequest {
            idempotency_key: self.payment_key_of(&Metering::charge_key(&app.id, number, hours, attempt)),
            customer: app.customer.clone(),
            method,
            amount,
            description: format!("pay-per-use usage {number} of app {}: {}", app.id, app.product_name),
        };
        match unit.charge(target, request)? {
            Ok(receipt) => Ok(Outcome::Paid(receipt.id)),
            Err(PaymentError::Declined(reason)) => Ok(Outcome::Declined(reason)),
            // Whether money moved is unknown: record nothing; the retry sends the same key.
            Err(PaymentError::Failed(reason)) => Err(Error::Gateway { reason }),
        }
    }
}

/// When nothing is owed any more, an app in arrears is restored; a frozen one accrues again
/// from `now` (PRC-7, LIFE-1).
fn cleared(app: &PurchasedApp, now: DateTime<Utc>) -> Vec<AppEvent> {
    let Some(m) = &app.metering else { return vec![] };
    if m.arrears_since.is_none() || !m.owed.is_empty() {
        return vec![];
    }
    let resumed_at = (app.status == AppStatus::Frozen).then_some(now);
    vec![AppEvent::ArrearsCleared { resumed_at }]
}

/// A settlement event as the usage statement reads it.
fn usage_event(event: &AppEvent) -> Option<UsageEvent<'_>> {
    match event {
        AppEvent::UsageSettled { cycle } => Some(UsageEvent::Settled(cycle)),
        AppEvent::UsageRetried { number, receipt, declined, at } => Some(UsageEvent::Retried {
            number: *number,
            receipt: receipt.as_deref(),
            declined: declined.as_deref(),
            at: *at,
        }),
        _ => None,
    }
}
