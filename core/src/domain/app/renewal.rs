//! Renewal rules: manual renewal, the renewal date, and the auto-renewal schedule (REN-1..6).
//!
//! Pure functions: the facade calls them, and `available_actions` calls the same checks. The
//! rules an app decides by itself live on [`PurchasedApp`], [`Term`] and
//! [`AutoRenewal`]; the functions of the same name here call them.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::actor::Actor;
use crate::app::{AutoRenewal, PurchasedApp, Term};
use crate::catalog::check_periods;
use crate::catalog::{BillingMode, Product};
use crate::digits;
use crate::error::Error;
use crate::money::Money;
use crate::policy::Policy;
use crate::pricing::{self, Quote, QuoteBuilder};
use crate::time::BillingZone;

pub use crate::renewal_day::RenewalDay;

/// The term after renewing `months` from the current expiry (REN-2, REN-4): see
/// [`Term::renewed`].
pub fn renewed_term(term: &Term, months: u32, day: Option<RenewalDay>, zone: BillingZone) -> Result<Term, Error> {
    term.renewed(months, day, zone)
}

/// The app's state allows a renewal (REN-1): see [`PurchasedApp::check_renewable_state`].
pub fn check_renewable_state(app: &PurchasedApp) -> Result<(), Error> {
    app.check_renewable_state()
}

/// Checks that `by` may renew the app manually now (REN-1).
pub fn check_renewable(app: &PurchasedApp, by: &Actor) -> Result<(), Error> {
    by.require_customer(&app.customer, format_args!("app {}", app.id))?;
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
                renewal_label(spec_name, app.mode, periods),
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

/// The label of a renewal's line: "Renewal: SPEC, MODE × PERIODS", written into one allocation
/// of the right size without the formatting machinery (every auto-renewal charge writes one).
fn renewal_label(spec_name: &str, mode: BillingMode, periods: u32) -> String {
    const TIMES: &str = " × ";
    let mode = mode.as_str();
    let mut label = String::with_capacity("Renewal: , ".len() + spec_name.len() + mode.len() + TIMES.len() + 10);
    label.push_str("Renewal: ");
    label.push_str(spec_name);
    label.push_str(", ");
    label.push_str(mode);
    label.push_str(TIMES);
    digits::push_uint(&mut label, u64::from(periods));
    label
}

/// Checks that `by` may set, change or disable auto-renewal of the app (REN-5, REN-6): see
/// [`PurchasedApp::check_auto_renewal`].
pub fn check_auto_renewal(app: &PurchasedApp, by: &Actor, policy: &Policy) -> Result<(), Error> {
    app.check_auto_renewal(by, policy)
}

/// Checks auto-renewal settings (REN-5, REN-6): see [`AutoRenewal::check_settings`].
pub fn check_auto_renewal_settings(
    mode: BillingMode,
    periods: u32,
    count: u32,
    days_before: u32,
    policy: &Policy,
) -> Result<(), Error> {
    AutoRenewal::check_settings(mode, periods, count, days_before, policy)
}

/// When auto-renewal next charges the app, if it will (REN-6): see
/// [`PurchasedApp::next_auto_renewal_charge`].
pub fn next_charge(app: &PurchasedApp, policy: &Policy) -> Option<DateTime<Utc>> {
    app.next_auto_renewal_charge(policy)
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
    // One allocation of room enough, written without the formatting machinery: "APP-…:
    // auto-renewal:EXPIRY:YYYY-MM-DD", then ":attempt-N" after a decline.
    let mut key = String::with_capacity(app.id.as_str().len() + 64);
    key.push_str(app.id.as_str());
    key.push_str(":auto-renewal:");
    digits::push_int(&mut key, expiry);
    key.push(':');
    digits::push_date(&mut key, policy.zone().date_of(now));
    match app.auto_renewal.map_or(0, |a| a.declined) {
        0 => {}
        declined => {
            key.push_str(":attempt-");
            digits::push_uint(&mut key, u64::from(declined) + 1);
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

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
