//! The renewal date of REN-4: its own file, so that apps and orders can name it without
//! depending on the renewal rules.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::policy::Policy;
use crate::time::last_day_of_month;

/// A renewal date (REN-4): a day of the month 1–28 (up to the policy's `renewal_day_max`), or
/// the last day of the month.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RenewalDay {
    /// A day of the month, 1–28.
    Day(#[cfg_attr(feature = "uniffi", uniffi(name = "day"))] u32),
    /// The last day of the month.
    LastDay,
}

impl RenewalDay {
    /// The latest day of the month that every month has: no policy allows a later one.
    pub const LATEST_DAY: u32 = 28;

    /// A day of the month, 1–28 (REN-4); 29–31 and 0 are refused: choose [`RenewalDay::LastDay`].
    /// A policy may allow fewer days ([`RenewalDay::check`]).
    pub fn day(day: u32) -> Result<RenewalDay, Error> {
        let d = RenewalDay::Day(day);
        d.check_latest(RenewalDay::LATEST_DAY)?;
        Ok(d)
    }

    /// Refuses a day outside 1 to the policy's `renewal_day_max` (28) (REN-4).
    pub fn check(&self, policy: &Policy) -> Result<(), Error> {
        self.check_latest(policy.renewal_day_max.min(RenewalDay::LATEST_DAY))
    }

    pub(crate) fn check_latest(&self, latest: u32) -> Result<(), Error> {
        match self {
            RenewalDay::Day(d) if !(1..=latest).contains(d) => Err(Error::invalid(
                "renewal_day",
                format!("REN-4: a renewal date is a day 1–{latest} or the last day of the month, got {d}"),
            )),
            _ => Ok(()),
        }
    }

    /// Whether `date` falls on this renewal date.
    pub fn matches(&self, date: NaiveDate) -> bool {
        match self {
            RenewalDay::Day(d) => date.day() == *d,
            RenewalDay::LastDay => date == last_day_of_month(date),
        }
    }

    /// The first date on or after `date` that falls on this renewal date (REN-4).
    pub fn on_or_after(&self, date: NaiveDate) -> NaiveDate {
        match self {
            RenewalDay::LastDay => last_day_of_month(date),
            RenewalDay::Day(d) => {
                let this_month = date.with_day(*d).unwrap_or(date);
                if this_month >= date { this_month } else { crate::time::add_months_clamped(this_month, 1) }
            }
        }
    }
}
