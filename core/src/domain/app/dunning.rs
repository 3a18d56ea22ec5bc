//! Dunning as data (REN-7): when a declined charge is tried again. The retry schedules of
//! auto-renewal (REN-6) and of pay-per-use settlement (PRC-7) are lists of waits in
//! [`Policy`]; every declined attempt is an app event `ChargeDeclined`
//! a host can notify on.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::policy::Policy;

pub use crate::policy::{MAX_WAITS, RetryWait, check_schedule};

impl RetryWait {
    /// The instant of the next attempt after one declined at `declined_at`.
    pub fn after(&self, declined_at: DateTime<Utc>, policy: &Policy) -> DateTime<Utc> {
        match *self {
            RetryWait::Days(days) => {
                let zone = policy.zone();
                let day = zone.date_of(declined_at) + Duration::days(i64::from(days));
                zone.instant_at(day, policy.auto_renewal_charge_hour, 0, 0)
            }
            RetryWait::Hours(hours) => declined_at + Duration::hours(i64::from(hours)),
            RetryWait::Cycles(cycles) => {
                declined_at + Duration::hours(i64::from(cycles) * i64::from(policy.pay_per_use_cycle_hours.max(1)))
            }
        }
    }
}

/// The next attempt after the `declined`-th declined attempt (1 = the first charge) made at
/// `declined_at` (REN-7): the `declined`-th wait of the schedule, the last one repeating.
pub fn next_attempt(waits: &[RetryWait], declined: u32, declined_at: DateTime<Utc>, policy: &Policy) -> DateTime<Utc> {
    let index = (declined.max(1) as usize - 1).min(waits.len().saturating_sub(1));
    let wait = waits.get(index).copied().unwrap_or(RetryWait::Days(1));
    wait.after(declined_at, policy)
}

/// What a declined charge was for (REN-7).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "charge", rename_all = "snake_case", deny_unknown_fields)]
pub enum DeclinedCharge {
    /// The auto-renewal charge of the current term (REN-6).
    AutoRenewal,
    /// Settlement `number` of a pay-per-use app (PRC-7).
    Settlement {
        /// The settlement's number.
        number: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn ren_7_waits_and_the_last_one_repeats() {
        let p = Policy::default();
        let waits = [RetryWait::Hours(2), RetryWait::Days(2)];
        let declined = at("2026-05-08T01:00:00Z"); // 09:00 on 05-08 in UTC+08:00
        assert_eq!(next_attempt(&waits, 1, declined, &p), at("2026-05-08T03:00:00Z"));
        // Two days after 05-08, at 03:00 local = 05-09T19:00Z.
        assert_eq!(next_attempt(&waits, 2, declined, &p), at("2026-05-09T19:00:00Z"));
        assert_eq!(next_attempt(&waits, 9, declined, &p), at("2026-05-09T19:00:00Z"));
        assert_eq!(next_attempt(&[RetryWait::Cycles(3)], 1, declined, &p), at("2026-05-08T04:00:00Z"));
    }

    #[test]
    fn ren_7_schedules_out_of_range_are_refused() {
        assert!(check_schedule("x", &[]).is_err());
        assert!(check_schedule("x", &[RetryWait::Days(0)]).is_err());
        assert!(check_schedule("x", &[RetryWait::Days(366)]).is_err());
        assert!(check_schedule("x", &[RetryWait::Hours(8_761)]).is_err());
        assert!(check_schedule("x", &[RetryWait::Days(1); 33]).is_err());
        assert!(check_schedule("x", &[RetryWait::Days(1), RetryWait::Hours(1), RetryWait::Cycles(1)]).is_ok());
    }
}
