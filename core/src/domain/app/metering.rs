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
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, from_py_object, module = "appmarket"))]
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

    /// Records another attempt: paid with `receipt`, or declined again for `declined`.
    pub fn retried(&mut self, receipt: Option<&str>, declined: Option<&str>, at: DateTime<Utc>) {
        self.last_attempt_at = at;
        match receipt {
            Some(r) => {
                self.receipt = Some(r.to_owned());
                self.paid_at = Some(at);
            }
            None => {
                self.attempts += 1;
                self.declined = declined.map(str::to_owned);
            }
        }
    }

    /// When an owed settlement is tried again: by the policy's `pay_per_use_retries` after its
    /// last attempt (PRC-7, REN-7; by default one billing cycle later).
    pub fn retry_at(&self, policy: &Policy) -> DateTime<Utc> {
        crate::dunning::next_attempt(&policy.pay_per_use_retries, self.attempts, self.last_attempt_at, policy)
    }
}

/// The metering of a pay-per-use app (PRC-7): what its rules need, and no more. The history
/// of its settlements is in the event stream (`usage_settled`, `usage_retried`), where the
/// usage statement reads it; the app keeps the settlements still owed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "MeteringDocument")]
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
    /// How many settlements the app has had: the last one's number.
    pub settlements: u32,
    /// The settlements still owed (declined, not paid since), oldest first: the arrears.
    pub owed: Vec<UsageCycle>,
    /// Since when a settlement is owed (the first decline not paid since), LIFE-1 counts from it.
    pub arrears_since: Option<DateTime<Utc>>,
}

/// A stored [`Metering`] as any version of the library wrote it. An app written with every
/// settlement in its document (`cycles`) loads with the owed ones only, and is written back
/// without the others: their events hold them.
#[derive(Deserialize)]
struct MeteringDocument {
    hourly: Money,
    method: Option<PaymentMethod>,
    reseller: Option<String>,
    accruing_since: Option<DateTime<Utc>>,
    settled_until: Option<DateTime<Utc>>,
    settlements: Option<u32>,
    #[serde(default)]
    owed: Vec<UsageCycle>,
    #[serde(default)]
    cycles: Vec<UsageCycle>,
    arrears_since: Option<DateTime<Utc>>,
}

impl From<MeteringDocument> for Metering {
    fn from(d: MeteringDocument) -> Metering {
        let settlements = d.settlements.unwrap_or_else(|| d.cycles.iter().map(|c| c.number).max().unwrap_or(0));
        let mut owed = d.owed;
        owed.extend(d.cycles.into_iter().filter(UsageCycle::is_owed));
        Metering {
            hourly: d.hourly,
            method: d.method,
            reseller: d.reseller,
            accruing_since: d.accruing_since,
            settled_until: d.settled_until,
            settlements,
            owed,
            arrears_since: d.arrears_since,
        }
    }
}

/// The usage statement of a pay-per-use app, for its customer and its seller (PRC-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
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
            settlements: 0,
            owed: Vec::new(),
            arrears_since: None,
        }
    }

    /// The length of a billing cycle.
    pub fn cycle(policy: &Policy) -> Duration {
        Duration::hours(i64::from(policy.pay_per_use_cycle_hours.max(1)))
    }

    /// The first `limit` whole billing cycles not settled yet that have ended by `until`, oldest
    /// first: each is settled on its own, so that the amounts do not depend on when `tick` runs
    /// (PRC-7).
    pub fn ended_cycles(&self, until: DateTime<Utc>, limit: usize, policy: &Policy) -> Vec<Span> {
        let Some(mut from) = self.settled_until else { return vec![] };
        let count = usize::try_from(self.ended_cycle_count(until, policy)).unwrap_or(usize::MAX).min(limit);
        let cycle = Metering::cycle(policy);
        let hours = u64::from(policy.pay_per_use_cycle_hours.max(1));
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            out.push(Span { from, to: from + cycle, hours });
            from += cycle;
        }
        out
    }

    /// How many whole billing cycles not settled yet have ended by `until`: those
    /// [`Metering::ended_cycles`] settles, counted (the preview of upcoming charges counts
    /// them for an app whose only work left is settling them, UPC-1).
    pub fn ended_cycle_count(&self, until: DateTime<Utc>, policy: &Policy) -> u64 {
        let (Some(_), Some(from)) = (self.accruing_since, self.settled_until) else { return 0 };
        let elapsed = (until - from).num_microseconds().unwrap_or(i64::MAX);
        let cycle = Metering::cycle(policy).num_microseconds().unwrap_or(i64::MAX).max(1);
        u64::try_from(elapsed / cycle).unwrap_or(0)
    }

    /// The last, partial cycle from `from` (the end of the last whole one) up to `at` (deletion
    /// or freezing): its started hours, if any.
    pub fn partial_until(&self, from: DateTime<Utc>, at: DateTime<Utc>) -> Option<Span> {
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
        self.settlements + 1
    }

    /// Whether usage is settled up to `at`, or does not accrue.
    pub fn settled_up_to(&self, at: DateTime<Utc>) -> bool {
        self.accruing_since.is_none() || self.settled_until.is_some_and(|s| s >= at)
    }

    /// The total owed.
    pub fn owed_total(&self) -> Money {
        let sum = self.owed.iter().map(|c| c.amount.amount).sum();
        Money::new(sum, self.hourly.currency).rounded()
    }

    /// Records a settlement: its span is settled, and it is owed when it was declined.
    pub fn settled(&mut self, cycle: &UsageCycle) {
        if self.settled_until.is_none_or(|s| s < cycle.to) {
            self.settled_until = Some(cycle.to);
        }
        self.settlements = self.settlements.max(cycle.number);
        if cycle.is_owed() {
            self.owed.push(cycle.clone());
        }
    }

    /// Records another attempt at owed settlement `number`; a paid one is owed no more.
    pub fn retried(&mut self, number: u32, receipt: Option<&str>, declined: Option<&str>, at: DateTime<Utc>) {
        // Owed settlements are kept in the order of their numbers.
        let Ok(i) = self.owed.binary_search_by_key(&number, |c| c.number) else { return };
        self.owed[i].retried(receipt, declined, at);
        if !self.owed[i].is_owed() {
            self.owed.remove(i);
        }
    }

    /// When `tick` must next look: the end of the current cycle while accruing, and the retry
    /// of an owed settlement (REN-7: by default one cycle after its last attempt).
    pub fn next_due(&self, policy: &Policy) -> Option<DateTime<Utc>> {
        let cycle = Metering::cycle(policy);
        let settle = self.accruing_since.and(self.settled_until).map(|s| s + cycle);
        let retry = self.owed.iter().map(|c| c.retry_at(policy)).min();
        [settle, retry].into_iter().flatten().min()
    }

    /// The idempotency key of a settlement attempt. The first names the settlement and its
    /// started hours, hence its amount: a span of other hours under the same number (the app
    /// deleted while a failed charge went unanswered, then settled by `tick`) is another key,
    /// and asking again for the same span asks the same amount. A retry of an owed settlement
    /// (whose amount is recorded) adds its attempt.
    pub fn charge_key(app: &AppId, number: u32, hours: u64, attempt: u32) -> String {
        if attempt == 0 {
            format!("{app}:usage:{number}:{hours}h")
        } else {
            format!("{app}:usage:{number}:retry-{attempt}")
        }
    }

    /// The usage statement (PRC-7) from the app's settlement events, oldest first.
    pub fn statement<'a>(&self, app: &AppId, events: impl IntoIterator<Item = UsageEvent<'a>>) -> UsageStatement {
        let currency = self.hourly.currency;
        let mut cycles: Vec<UsageCycle> = Vec::with_capacity(self.settlements as usize);
        for event in events {
            match event {
                UsageEvent::Settled(cycle) => cycles.push(cycle.clone()),
                UsageEvent::Retried { number, receipt, declined, at } => {
                    // Numbers run 1, 2, 3, … in the stream's order, so a settlement is found by
                    // its number at once.
                    let i = (number as usize).wrapping_sub(1);
                    let found = match cycles.get(i) {
                        Some(c) if c.number == number => Some(i),
                        _ => cycles.iter().position(|c| c.number == number),
                    };
                    if let Some(i) = found {
                        cycles[i].retried(receipt, declined, at);
                    }
                }
            }
        }
        let charged = cycles.iter().filter(|c| c.receipt.is_some()).map(|c| c.amount.amount).sum();
        let owed = cycles.iter().filter(|c| c.is_owed()).map(|c| c.amount.amount).sum();
        UsageStatement {
            app: app.clone(),
            hourly: self.hourly,
            accruing_since: self.accruing_since,
            hours: cycles.iter().map(|c| c.hours).sum(),
            cycles,
            charged: Money::new(charged, currency).rounded(),
            owed: Money::new(owed, currency).rounded(),
            for_reference_only: self.reseller.is_some(),
        }
    }
}

/// A settlement event of a pay-per-use app, as the usage statement reads it.
#[derive(Debug, Clone, Copy)]
pub enum UsageEvent<'a> {
    /// A settlement (`usage_settled`).
    Settled(&'a UsageCycle),
    /// Another attempt at an owed settlement (`usage_retried`).
    Retried {
        /// The settlement's number.
        number: u32,
        /// The receipt, if paid.
        receipt: Option<&'a str>,
        /// The decline's reason, if declined.
        declined: Option<&'a str>,
        /// When.
        at: DateTime<Utc>,
    },
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
        let cycles = m.ended_cycles(start + Duration::minutes(150), usize::MAX, &policy);
        assert_eq!(cycles.len(), 2);
        assert_eq!(m.ended_cycles(start + Duration::minutes(150), 1, &policy).len(), 1);
        let last = m.partial_until(cycles[1].to, start + Duration::minutes(150)).unwrap();
        assert_eq!((last.from, last.hours), (start + Duration::hours(2), 1));
        assert_eq!(m.amount(3).to_string(), "0.90 USD");
        assert_eq!(Metering::charge_key(&AppId::numbered(1), 2, 3, 0), format!("{}:usage:2:3h", AppId::numbered(1)));
    }
}
