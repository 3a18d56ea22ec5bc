//! Pay-per-use metering (PRC-7): accrual from the instant an app starts, settlement by billing
//! cycle and when the app is deleted, arrears that follow LIFE-1. Pure functions; the facade
//! calls the gateway.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::actor::AppId;
use crate::money::Money;
use crate::payments::PaymentMethod;
use crate::policy::Policy;
use crate::pricing::started_hours;

/// One settlement of a pay-per-use app: the started hours of a billing cycle (or of the last,
/// partial cycle when the app was deleted or frozen), their amount, and how it was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UsageCycle {
    /// 1 for the first settlement of the app, then 2, 3, …
    pub number: u32,
    /// Start of the settled span.
    pub from: DateTime<Utc>,
    /// End of the settled span.
    pub to: DateTime<Utc>,
    /// Started hours in the span (PRC-7).
    pub hours: u64,
    /// `hours × hourly price`, rounded once.
    pub amount: Money,
    /// The gateway's receipt, once paid.
    pub receipt: Option<String>,
    /// When it was paid.
    pub paid_at: Option<DateTime<Utc>>,
    /// The reseller that settles it: the amount is for reference only (ORD-4).
    pub settled_by_reseller: Option<String>,
    /// Declined charges so far.
    pub attempts: u32,
    /// The last decline's reason.
    pub declined: Option<String>,
    /// When it was last tried.
    pub last_attempt_at: DateTime<Utc>,
}

impl UsageCycle {
    /// Whether it is still owed: neither paid nor settled by a reseller.
    pub fn is_owed(&self) -> bool {
        self.receipt.is_none() && self.settled_by_reseller.is_none()
    }

    /// When an owed settlement is tried again: by the policy's `pay_per_use_retries` after its
    /// last attempt (PRC-7, REN-7; by default one billing cycle later).
    pub fn retry_at(&self, policy: &Policy) -> DateTime<Utc> {
        crate::dunning::next_attempt(&policy.pay_per_use_retries, self.attempts, self.last_attempt_at, policy)
    }
}

/// The metering of a pay-per-use app (PRC-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Metering {
    /// The price of one hour of the whole configuration (all units, every fee line).
    pub hourly: Money,
    /// How settlements are charged; `None` when a reseller settles (ORD-4).
    pub method: Option<PaymentMethod>,
    /// The reseller that settles, if any (ORD-4).
    pub reseller: Option<String>,
    /// Since when the current run accrues; `None` before the app starts, and after it is
    /// deleted, frozen or released.
    pub accruing_since: Option<DateTime<Utc>>,
    /// Usage is settled up to here.
    pub settled_until: Option<DateTime<Utc>>,
    /// The settlements, oldest first: the usage statement.
    pub cycles: Vec<UsageCycle>,
    /// Since when a settlement is owed (the first decline not paid since), LIFE-1 counts from it.
    pub arrears_since: Option<DateTime<Utc>>,
}

/// The usage statement of a pay-per-use app, for its customer and its seller (PRC-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct UsageStatement {
    /// The app.
    pub app: AppId,
    /// The price of one hour of the whole configuration.
    pub hourly: Money,
    /// Since when the app accrues, if it does now.
    pub accruing_since: Option<DateTime<Utc>>,
    /// The settlements, oldest first.
    pub cycles: Vec<UsageCycle>,
    /// Started hours settled so far.
    pub hours: u64,
    /// Paid through the gateway.
    pub charged: Money,
    /// Owed (declined, not paid since): the arrears.
    pub owed: Money,
    /// A reseller settles: the amounts are for reference only (ORD-4).
    pub for_reference_only: bool,
}

/// A span to settle: from, to, started hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Start.
    pub from: DateTime<Utc>,
    /// End.
    pub to: DateTime<Utc>,
    /// Started hours.
    pub hours: u64,
}

impl Metering {
    /// Metering that starts at `start` (or later, at activation, when `None`).
    pub fn new(
        hourly: Money,
        method: Option<PaymentMethod>,
        reseller: Option<String>,
        start: Option<DateTime<Utc>>,
    ) -> Metering {
        Metering {
            hourly,
            method,
            reseller,
            accruing_since: start,
            settled_until: start,
            cycles: Vec::new(),
            arrears_since: None,
        }
    }

    /// The length of a billing cycle.
    pub fn cycle(policy: &Policy) -> Duration {
        Duration::hours(i64::from(policy.pay_per_use_cycle_hours.max(1)))
    }

    /// The whole billing cycles that have ended by `until`, oldest first: each is settled on its
    /// own, so that the amounts do not depend on when `tick` runs (PRC-7).
    pub fn ended_cycles(&self, until: DateTime<Utc>, policy: &Policy) -> Vec<Span> {
        let (Some(_), Some(mut from)) = (self.accruing_since, self.settled_until) else { return vec![] };
        let cycle = Metering::cycle(policy);
        let hours = u64::from(policy.pay_per_use_cycle_hours.max(1));
        let mut out = Vec::new();
        while from + cycle <= until {
            out.push(Span { from, to: from + cycle, hours });
            from += cycle;
        }
        out
    }

    /// The last, partial cycle up to `at` (deletion or freezing): its started hours, if any.
    pub fn partial_until(&self, at: DateTime<Utc>, policy: &Policy) -> Option<Span> {
        let from = self.ended_cycles(at, policy).last().map(|s| s.to).or(self.settled_until)?;
        self.accruing_since?;
        let hours = started_hours(from, at);
        (hours > 0).then_some(Span { from, to: at, hours })
    }

    /// The amount of a span: started hours × the hourly price, rounded once (PRC-1, PRC-7).
    pub fn amount(&self, hours: u64) -> Money {
        Money::new(self.hourly.amount * Decimal::from(hours), self.hourly.currency).rounded()
    }

    /// The next settlement's number.
    pub fn next_number(&self) -> u32 {
        self.cycles.len() as u32 + 1
    }

    /// Settlements still owed.
    pub fn owed(&self) -> impl Iterator<Item = &UsageCycle> {
        self.cycles.iter().filter(|c| c.is_owed())
    }

    /// The total owed.
    pub fn owed_total(&self) -> Money {
        let sum = self.owed().map(|c| c.amount.amount).sum();
        Money::new(sum, self.hourly.currency).rounded()
    }

    /// When `tick` must next look: the end of the current cycle while accruing, and the retry
    /// of an owed settlement (REN-7: by default one cycle after its last attempt).
    pub fn next_due(&self, policy: &Policy) -> Option<DateTime<Utc>> {
        let cycle = Metering::cycle(policy);
        let settle = self.accruing_since.and(self.settled_until).map(|s| s + cycle);
        let retry = self.owed().map(|c| c.retry_at(policy)).min();
        [settle, retry].into_iter().flatten().min()
    }

    /// The idempotency key of a settlement attempt: one per app and cycle, and one per retry.
    pub fn charge_key(app: &AppId, number: u32, attempt: u32) -> String {
        if attempt == 0 { format!("{app}:usage:{number}") } else { format!("{app}:usage:{number}:retry-{attempt}") }
    }

    /// The usage statement (PRC-7).
    pub fn statement(&self, app: &AppId) -> UsageStatement {
        let currency = self.hourly.currency;
        let charged = self.cycles.iter().filter(|c| c.receipt.is_some()).map(|c| c.amount.amount).sum();
        UsageStatement {
            app: app.clone(),
            hourly: self.hourly,
            accruing_since: self.accruing_since,
            cycles: self.cycles.clone(),
            hours: self.cycles.iter().map(|c| c.hours).sum(),
            charged: Money::new(charged, currency).rounded(),
            owed: self.owed_total(),
            for_reference_only: self.reseller.is_some(),
        }
    }
}

/// What a settlement pass must charge: the new spans (whole ended cycles, then the last
/// partial one when the app is deleted or freezes for arrears), and the owed settlements due
/// for a retry (one cycle after their last attempt).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SettlementPlan {
    /// New spans, oldest first.
    pub spans: Vec<Span>,
    /// Owed settlements to try again: number, amount, attempt.
    pub retries: Vec<(u32, Money, u32)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn prc_7_whole_cycles_then_the_started_hours_of_the_last() {
        let policy = Policy::default();
        let start = at("2026-04-15T02:00:00Z");
        let m = Metering::new(Money::new(Decimal::new(30, 2), Currency::USD), None, None, Some(start));
        let cycles = m.ended_cycles(start + Duration::minutes(150), &policy);
        assert_eq!(cycles.len(), 2);
        let last = m.partial_until(start + Duration::minutes(150), &policy).unwrap();
        assert_eq!((last.from, last.hours), (start + Duration::hours(2), 1));
        assert_eq!(m.amount(3).to_string(), "0.90 USD");
        assert_eq!(Metering::charge_key(&AppId::numbered(1), 2, 0), format!("{}:usage:2", AppId::numbered(1)));
    }
}
