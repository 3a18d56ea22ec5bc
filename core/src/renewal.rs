//! Renewal rules: manual renewal, the renewal date, and the auto-renewal schedule (REN-1..6).
//!
//! Pure functions: the [`PurchasedApp`] aggregate and the facade call them, and
//! `available_actions` calls the same checks.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::actor::Actor;
use crate::app::{AppStatus, PurchasedApp, Term};
use crate::catalog::{BillingMode, Product};
use crate::error::Error;
use crate::money::Money;
use crate::order::check_periods;
use crate::policy::Policy;
use crate::pricing::{self, Quote, QuoteBuilder};
use crate::time::{BillingZone, last_day_of_month};

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

    fn check_latest(&self, latest: u32) -> Result<(), Error> {
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

/// The term after renewing `months` from the current expiry (REN-2). Without a renewal date the
/// anchor stays (APP-2); with one, the term ends on the first such day on or after the date it
/// would otherwise reach, and that day becomes the anchor (REN-4).
pub fn renewed_term(term: &Term, months: u32, day: Option<RenewalDay>, zone: BillingZone) -> Result<Term, Error> {
    let Some(day) = day else { return Ok(term.extended(months, zone)) };
    // The policy's limit was checked when the renewal was priced (`price_renewal`); a paid
    // renewal still applies after the policy changes, within what every month has.
    day.check_latest(RenewalDay::LATEST_DAY)?;
    let natural = term.date_after(term.months + months);
    let end = day.on_or_after(natural);
    Ok(Term { anchor: end, months: 0, expires_at: zone.end_of_day(end), renewal_day: Some(day), ..*term })
}

/// The app's state allows a renewal (REN-1): a yearly/monthly app whose term has started,
/// neither released nor unsubscribed.
pub fn check_renewable_state(app: &PurchasedApp) -> Result<(), Error> {
    if !app.mode.is_subscription() {
        return Err(Error::not_allowed(
            "REN-1",
            format!("only yearly/monthly apps can be renewed; app {} is {}", app.id, app.mode),
        ));
    }
    if matches!(app.status, AppStatus::Released | AppStatus::Unsubscribed) {
        return Err(Error::not_allowed("REN-1", format!("app {} is {}, so it cannot be renewed", app.id, app.status)));
    }
    if app.term.is_none() {
        return Err(Error::not_allowed("REN-1", format!("the term of app {} has not started yet", app.id)));
    }
    Ok(())
}

/// Checks that `by` may renew the app manually now (REN-1).
pub fn check_renewable(app: &PurchasedApp, by: &Actor) -> Result<(), Error> {
    by.require_customer(&app.customer, &format!("app {}", app.id))?;
    check_renewable_state(app)?;
    if let Some(order) = &app.pending_order {
        return Err(Error::not_allowed("REN-1", format!("order {order} of app {} is still unpaid", app.id)));
    }
    Ok(())
}

/// The months of `periods` periods of the app's billing mode.
pub fn months_of(mode: BillingMode, periods: u32) -> u32 {
    mode.months_per_period().unwrap_or(0) * periods
}

/// The itemised price of renewing for `periods` periods at the current plan price (REN-1), with
/// the renewal-date extra days as a separate line charged pro rata by PRC-5 (REN-4). A yearly
/// plan's month is a twelfth of its yearly price. Returns the quote and the new term.
pub fn renewal_quote(
    app: &PurchasedApp,
    by: &Actor,
    product: &Product,
    periods: u32,
    day: Option<RenewalDay>,
    policy: &Policy,
) -> Result<(Quote, Term), Error> {
    check_renewable(app, by)?;
    price_renewal(app, product, periods, day, policy)
}

/// The price of a renewal without the actor check: manual renewals after
/// [`check_renewable`], auto-renewals (REN-5) from the system.
pub fn price_renewal(
    app: &PurchasedApp,
    product: &Product,
    periods: u32,
    day: Option<RenewalDay>,
    policy: &Policy,
) -> Result<(Quote, Term), Error> {
    check_renewable_state(app)?;
    check_periods(app.mode, periods, policy, "REN-1")?;
    if let Some(d) = day {
        d.check(policy)?;
    }
    let term = app.term.ok_or_else(|| Error::not_allowed("REN-1", "the term has not started"))?;
    // A scheduled downgrade prices the renewal (PRC-8).
    let (spec_name, quantity) = app.renewal_configuration();
    let spec = product.specification(spec_name)?;
    let plan = spec.plan(app.mode)?;
    // An image renews its servers too: the image fee and the cloud resource fee (PRC-3).
    let (period_price, mut quote) = match (&product.image, &app.image) {
        (Some(resources), Some(setup)) => {
            let one = pricing::image_quote(spec, plan, resources, setup.eip_mbit, setup.instances, 1)?;
            let mut q = QuoteBuilder::new(one.total.currency);
            for l in &one.lines {
                q = q.line(format!("Renewal: {}", l.label), l.unit_price, l.quantity, Decimal::from(periods));
            }
            let per_period = q.exact_total().checked_div(Decimal::from(periods)).unwrap_or(Decimal::ZERO);
            (Money::new(per_period, one.total.currency), q)
        }
        _ => {
            let price = pricing::period_price(spec, plan, quantity)?;
            let q = QuoteBuilder::new(price.currency).line(
                format!("Renewal: {spec_name}, {} × {periods}", app.mode),
                price,
                Decimal::ONE,
                Decimal::from(periods),
            );
            (price, q)
        }
    };
    let months = months_of(app.mode, periods);
    let zone = policy.zone();
    let next = renewed_term(&term, months, day, zone)?;
    let natural = term.date_after(term.months + months);
    let end = next.expiry_date(zone);
    if end > natural {
        let fraction = pricing::remaining_months(natural, end);
        let monthly = match app.mode {
            BillingMode::Yearly => period_price.times(Decimal::ONE / Decimal::from(12))?,
            _ => period_price,
        };
        quote = quote.line(format!("Renewal date: {natural} to {end}, pro rata"), monthly, Decimal::ONE, fraction);
    }
    Ok((quote.build()?, next))
}

/// Checks that `by` may set, change or disable auto-renewal of the app (REN-5, REN-6).
pub fn check_auto_renewal(app: &PurchasedApp, by: &Actor, policy: &Policy) -> Result<(), Error> {
    by.require_customer(&app.customer, &format!("app {}", app.id))?;
    if !app.mode.is_subscription() {
        return Err(Error::not_allowed(
            "REN-5",
            format!("auto-renewal applies to yearly/monthly apps; app {} is {}", app.id, app.mode),
        ));
    }
    if !policy.auto_renewal_delivery_methods.contains(&app.delivery) {
        let allowed: Vec<String> = policy.auto_renewal_delivery_methods.iter().map(|d| d.to_string()).collect();
        return Err(Error::not_allowed(
            "REN-5",
            format!("auto-renewal applies to {}; app {} is {}", allowed.join(", "), app.id, app.delivery),
        ));
    }
    if matches!(app.status, AppStatus::Released | AppStatus::Unsubscribed) {
        return Err(Error::not_allowed(
            "REN-6",
            format!("app {} is {}: auto-renewal can be changed only until release", app.id, app.status),
        ));
    }
    Ok(())
}

/// Checks auto-renewal settings (REN-5, REN-6): periods as a manual renewal, count 0–max (0 =
/// unlimited), charge day 0–7 days before expiry.
pub fn check_auto_renewal_settings(
    mode: BillingMode,
    periods: u32,
    count: u32,
    days_before: u32,
    policy: &Policy,
) -> Result<(), Error> {
    check_periods(mode, periods, policy, "REN-5")?;
    if count > policy.auto_renewal_max_count {
        return Err(Error::invalid(
            "count",
            format!("REN-5: renewals are 0 (unlimited) to {}, got {count}", policy.auto_renewal_max_count),
        ));
    }
    if days_before > policy.auto_renewal_days_before {
        return Err(Error::invalid(
            "days_before",
            format!("REN-6: the charge is 0–{} days before expiry, got {days_before}", policy.auto_renewal_days_before),
        ));
    }
    Ok(())
}

/// When auto-renewal next charges the app, if it will (REN-6): at the charge hour (billing zone)
/// `days_before` days before the expiry date, or at the pending retry after a decline; never after
/// the retention period ends, never while another order of the app is unpaid, never once the
/// set number of renewals is done.
pub fn next_charge(app: &PurchasedApp, policy: &Policy) -> Option<DateTime<Utc>> {
    let ar = app.auto_renewal?;
    let term = app.term?;
    if !matches!(app.status, AppStatus::Active | AppStatus::GracePeriod | AppStatus::Frozen)
        || app.pending_order.is_some()
        || (ar.count != 0 && ar.done >= ar.count)
    {
        return None;
    }
    let zone = policy.zone();
    let at = ar.retry_at.unwrap_or_else(|| {
        let day = term.expiry_date(zone) - Duration::days(i64::from(ar.days_before));
        zone.instant_at(day, policy.auto_renewal_charge_hour, 0, 0)
    });
    let (_, retention_end) = app.end_of_term_instants(policy)?;
    (at <= retention_end).then_some(at)
}

/// The retry after the `declined`-th declined charge (1 = the first), declined at `now`: by
/// the policy's `auto_renewal_retries` (REN-6, REN-7; by default the next day's charge hour).
pub fn retry_after(now: DateTime<Utc>, declined: u32, policy: &Policy) -> DateTime<Utc> {
    crate::dunning::next_attempt(&policy.auto_renewal_retries, declined, now, policy)
}

/// The idempotency key of an auto-renewal charge: one per app, term (its expiry), attempt day
/// and, after a decline, attempt number, so that running `tick` twice charges once and a retry
/// is a new charge, also a retry the same day (REN-6, REN-7).
pub fn charge_key(app: &PurchasedApp, now: DateTime<Utc>, policy: &Policy) -> String {
    let expiry = app.term.map_or(0, |t| t.expires_at.timestamp());
    let key = format!("{}:auto-renewal:{expiry}:{}", app.id, policy.zone().date_of(now));
    match app.auto_renewal.map_or(0, |a| a.declined) {
        0 => key,
        declined => format!("{key}:attempt-{}", declined + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::BillingZone;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn zone() -> BillingZone {
        BillingZone::from_offset_minutes(480).unwrap()
    }

    fn term_from(date: NaiveDate, months: u32) -> Term {
        Term::starting(zone().instant_at(date, 10, 0, 0), months, zone())
    }

    #[test]
    fn ren_4_renewal_day_must_be_1_to_28_or_last() {
        for bad in [0, 29, 30, 31] {
            let err = RenewalDay::day(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "renewal_day"), "{err}");
        }
        assert!(RenewalDay::day(1).is_ok() && RenewalDay::day(28).is_ok());
    }

    #[test]
    fn ren_4_renewal_ends_on_the_first_chosen_day_on_or_after_the_natural_end() {
        let t = term_from(d(2026, 4, 15), 1); // expires 2026-05-15
        let next = renewed_term(&t, 1, Some(RenewalDay::Day(20)), zone()).unwrap();
        assert_eq!(next.expiry_date(zone()), d(2026, 6, 20));
        let next = renewed_term(&t, 1, Some(RenewalDay::Day(10)), zone()).unwrap();
        assert_eq!(next.expiry_date(zone()), d(2026, 7, 10));
        let next = renewed_term(&t, 1, Some(RenewalDay::Day(15)), zone()).unwrap();
        assert_eq!(next.expiry_date(zone()), d(2026, 6, 15));
        // The day is the anchor from then on.
        assert_eq!(next.extended(1, zone()).expiry_date(zone()), d(2026, 7, 15));
    }

    #[test]
    fn ren_4_last_day_stays_the_last_day_in_later_months() {
        let t = term_from(d(2026, 1, 10), 1);
        let next = renewed_term(&t, 1, Some(RenewalDay::LastDay), zone()).unwrap();
        assert_eq!(next.expiry_date(zone()), d(2026, 3, 31));
        assert_eq!(next.extended(1, zone()).expiry_date(zone()), d(2026, 4, 30));
        assert_eq!(next.extended(2, zone()).expiry_date(zone()), d(2026, 5, 31));
    }

    #[test]
    fn app_2_month_by_month_renewals_keep_the_31st_anchor() {
        let mut t = term_from(d(2026, 1, 31), 1);
        let mut ends = vec![t.expiry_date(zone())];
        for _ in 0..4 {
            t = renewed_term(&t, 1, None, zone()).unwrap();
            ends.push(t.expiry_date(zone()));
        }
        assert_eq!(ends, vec![d(2026, 2, 28), d(2026, 3, 31), d(2026, 4, 30), d(2026, 5, 31), d(2026, 6, 30)]);
    }

    #[test]
    fn ren_6_retry_is_the_next_day_at_the_charge_hour() {
        let p = Policy::default();
        let now = zone().instant_at(d(2026, 5, 8), 3, 0, 0);
        assert_eq!(retry_after(now, 1, &p), zone().instant_at(d(2026, 5, 9), 3, 0, 0));
        assert_eq!(retry_after(now, 5, &p), zone().instant_at(d(2026, 5, 9), 3, 0, 0));
    }

    #[test]
    fn ren_5_settings_out_of_range_name_their_field() {
        let p = Policy::default();
        let field = |e: Error| match e {
            Error::InvalidInput { field, .. } => field,
            other => panic!("{other}"),
        };
        assert_eq!(field(check_auto_renewal_settings(BillingMode::Monthly, 10, 0, 7, &p).unwrap_err()), "periods");
        assert_eq!(field(check_auto_renewal_settings(BillingMode::Yearly, 4, 0, 7, &p).unwrap_err()), "periods");
        assert_eq!(field(check_auto_renewal_settings(BillingMode::Monthly, 1, 100, 7, &p).unwrap_err()), "count");
        assert_eq!(field(check_auto_renewal_settings(BillingMode::Monthly, 1, 0, 8, &p).unwrap_err()), "days_before");
        assert!(check_auto_renewal_settings(BillingMode::Monthly, 9, 99, 0, &p).is_ok());
    }
}
