//! Quotes: every charge, refund and upgrade cost as an itemised breakdown (PRC-2..7).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::catalog::{ImageResources, PricePlan, Specification};
use crate::error::Error;
use crate::money::{Currency, Money};
use crate::time::days_in_month;

/// One line of a quote: `amount = unit_price × quantity × periods`, shown rounded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct QuoteLine {
    /// What the line is for.
    pub label: String,
    /// Units (licences, instances, GB …).
    pub quantity: Decimal,
    /// Price of one unit for one period (negative for deductions).
    pub unit_price: Money,
    /// Periods: months, years, hours, or a fraction of one (PRC-5, PRC-6).
    pub periods: Decimal,
    /// The line's amount, rounded to the currency's minor unit.
    pub amount: Money,
}

/// An itemised amount (PRC-2). The total is the exact sum of the lines, rounded once (PRC-1).
/// The shown lines always add up to the total: when rounding each line leaves a residue (a cent
/// or so), it is shown on a last line labelled [`ROUNDING_LABEL`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Quote {
    /// The lines.
    pub lines: Vec<QuoteLine>,
    /// The total, rounded once.
    pub total: Money,
    /// A reseller settles the order: the amount is shown for reference only (ORD-4).
    pub for_reference_only: bool,
    /// Pay-per-use: the price of one hour of the whole configuration, charged by started hour
    /// after use; the total (charged up front) is then zero (PRC-7).
    #[serde(default)]
    pub hourly_rate: Option<Money>,
}

/// The label of the line that carries the rounding residue, so that the shown lines add up to
/// the total exactly (PRC-1, PRC-2).
pub const ROUNDING_LABEL: &str = "Rounding (PRC-1)";

/// Builds a quote from exact line amounts, rounding each shown amount and the total once.
#[derive(Debug)]
pub struct QuoteBuilder {
    currency: Currency,
    lines: Vec<QuoteLine>,
    exact_total: Decimal,
    overflow: bool,
}

impl QuoteBuilder {
    /// An empty quote in a currency.
    pub fn new(currency: Currency) -> QuoteBuilder {
        QuoteBuilder { currency, lines: Vec::with_capacity(4), exact_total: Decimal::ZERO, overflow: false }
    }

    /// Adds `unit_price × quantity × periods`.
    /// Every operation is checked: an amount out of `Decimal`'s range makes [`QuoteBuilder::build`]
    /// fail instead of panicking.
    pub fn line(mut self, label: impl Into<String>, unit_price: Money, quantity: Decimal, periods: Decimal) -> Self {
        let exact = unit_price.amount.checked_mul(quantity).and_then(|a| a.checked_mul(periods));
        let total = exact.and_then(|e| self.exact_total.checked_add(e));
        let (exact, total) = match (exact, total) {
            (Some(e), Some(t)) => (e, t),
            _ => {
                self.overflow = true;
                (Decimal::ZERO, self.exact_total)
            }
        };
        self.exact_total = total;
        self.lines.push(QuoteLine {
            label: label.into(),
            quantity,
            unit_price,
            periods,
            amount: Money::new(exact, self.currency).rounded(),
        });
        self
    }

    /// The quote, total rounded once; an amount out of range is an [`Error::InvalidInput`].
    pub fn build(self) -> Result<Quote, Error> {
        if self.overflow {
            return Err(Error::invalid(
                "money",
                format!("the amount is out of range: amounts are at most {} per line", crate::money::MAX_AMOUNT),
            ));
        }
        let total = Money::new(self.exact_total, self.currency).rounded();
        let mut lines = self.lines;
        let shown: Decimal = lines.iter().map(|l| l.amount.amount).sum();
        let residue = total.amount - shown;
        if !residue.is_zero() {
            let residue = Money::new(residue, self.currency).rounded();
            lines.push(QuoteLine {
                label: ROUNDING_LABEL.to_owned(),
                quantity: Decimal::ONE,
                unit_price: residue,
                periods: Decimal::ONE,
                amount: residue,
            });
        }
        Ok(Quote { lines, total, for_reference_only: false, hourly_rate: None })
    }

    /// A pay-per-use quote: every line is priced per hour and charged after use, so nothing is
    /// charged up front; the quote shows the hourly rate of all lines together (PRC-7).
    pub fn build_hourly(self) -> Result<Quote, Error> {
        let currency = self.currency;
        let hourly = self
            .lines
            .iter()
            .try_fold(Decimal::ZERO, |sum, l| sum.checked_add(l.unit_price.amount.checked_mul(l.quantity)?));
        let quote = self.build()?;
        let hourly = hourly.ok_or_else(|| Error::invalid("money", "the hourly rate is out of range"))?;
        Ok(Quote { hourly_rate: Some(Money::new(hourly, currency)), ..quote })
    }

    /// The exact (unrounded) total so far.
    pub fn exact_total(&self) -> Decimal {
        self.exact_total
    }
}

impl Quote {
    /// The same quote, marked *for reference only* when a reseller settles (ORD-4).
    pub fn for_reference(mut self, reseller_settles: bool) -> Quote {
        self.for_reference_only |= reseller_settles;
        self
    }

    /// A quote of nothing.
    pub fn empty(currency: Currency) -> Quote {
        Quote { lines: Vec::new(), total: Money::zero(currency), for_reference_only: false, hourly_rate: None }
    }
}

fn units(spec: &Specification, plan: &PricePlan, quantity: u32) -> Decimal {
    if plan.per_unit && spec.quantity.is_some() { Decimal::from(quantity) } else { Decimal::ONE }
}

/// The price of one period of a whole configuration (specification and quantity) (PRC-4).
pub fn period_price(spec: &Specification, plan: &PricePlan, quantity: u32) -> Result<Money, Error> {
    plan.price.times(units(spec, plan, quantity))
}

/// The line of a new purchase, "Standard (Number of Licenses: 5), monthly": written into one
/// string (two `format!`s were a tenth of placing an order).
fn purchase_label(spec: &Specification, plan: &PricePlan, quantity: u32) -> String {
    use std::fmt::Write;
    let mode = plan.mode.as_str();
    let mut label = String::with_capacity(spec.name.len() + mode.len() + 2);
    label.push_str(&spec.name);
    if let Some(q) = &spec.quantity {
        let _ = write!(label, " ({}: {quantity})", q.name);
    }
    label.push_str(", ");
    label.push_str(mode);
    label
}

/// A new purchase: plan price × periods (× quantity for per-unit plans) (PRC-3).
pub fn purchase_quote(spec: &Specification, plan: &PricePlan, quantity: u32, periods: u32) -> Result<Quote, Error> {
    QuoteBuilder::new(plan.price.currency)
        .line(purchase_label(spec, plan, quantity), plan.price, units(spec, plan, quantity), Decimal::from(periods))
        .build()
}

/// An image order: the image fee and the cloud resource fee, each shown (PRC-3, 3.4 note).
pub fn image_quote(
    spec: &Specification,
    plan: &PricePlan,
    resources: &ImageResources,
    eip_mbit: Option<u32>,
    instances: u32,
    periods: u32,
) -> Result<Quote, Error> {
    let resource = resources.plans.iter().find(|r| r.mode == plan.mode).ok_or_else(|| {
        Error::not_allowed("PRC-3", format!("the seller gave no cloud resource prices for {} billing", plan.mode))
    })?;
    let n = Decimal::from(instances);
    let hourly = plan.mode == crate::catalog::BillingMode::PayPerUse;
    // Pay-per-use lines show the hourly price; nothing is charged up front (PRC-7).
    let periods = if hourly { Decimal::ZERO } else { Decimal::from(periods) };
    let mut quote = QuoteBuilder::new(plan.price.currency)
        .line(format!("Image fee: {}, {}", spec.name, plan.mode), plan.price, n, periods)
        .line(format!("Cloud resource fee: instance flavour {}", resources.flavour), resource.flavour, n, periods)
        .line(
            format!("Cloud resource fee: system disk {} GB", resources.system_disk_gb),
            resource.disk_per_gb.times(Decimal::from(resources.system_disk_gb))?,
            n,
            periods,
        );
    if let Some(mbit) = eip_mbit {
        quote = quote.line(
            format!("Cloud resource fee: EIP bandwidth {mbit} Mbit/s"),
            resource.eip_per_mbit.times(Decimal::from(mbit))?,
            n,
            periods,
        );
    }
    if hourly { quote.build_hourly() } else { quote.build() }
}

/// Remaining duration of a monthly plan, in months, from a change day to an expiry day (PRC-5).
///
/// ```
/// use appmarket::pricing::remaining_months;
/// use chrono::NaiveDate;
/// let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
/// assert_eq!(remaining_months(d(4, 15), d(4, 30)).normalize().to_string(), "0.5");
/// ```
pub fn remaining_months(change: NaiveDate, expiry: NaiveDate) -> Decimal {
    if expiry <= change {
        return Decimal::ZERO;
    }
    let dim = |d: NaiveDate| Decimal::from(days_in_month(d.year(), d.month()));
    if (change.year(), change.month()) == (expiry.year(), expiry.month()) {
        return Decimal::from(expiry.day() - change.day()) / dim(change);
    }
    let first = Decimal::from(days_in_month(change.year(), change.month()) - change.day()) / dim(change);
    let months_between = (expiry.year() - change.year()) * 12 + expiry.month() as i32 - change.month() as i32 - 1;
    let last = Decimal::from(expiry.day()) / dim(expiry);
    first + Decimal::from(months_between) + last
}

/// Remaining duration of a yearly plan, in years: the days after the change day up to and
/// including the expiry day, not counting 29 February, ÷ 365 (PRC-6).
pub fn remaining_years(change: NaiveDate, expiry: NaiveDate) -> Decimal {
    if expiry <= change {
        return Decimal::ZERO;
    }
    let days = (expiry - change).num_days();
    let leap_days = (change.year()..=expiry.year())
        .filter_map(|y| NaiveDate::from_ymd_opt(y, 2, 29))
        .filter(|d| *d > change && *d <= expiry)
        .count() as i64;
    Decimal::from(days - leap_days) / Decimal::from(365)
}

/// The upgrade cost: `(new − old) × remaining × discount` (PRC-4). A cheaper target is refused as
/// a downgrade; the cost is never negative.
pub fn upgrade_quote(
    current_label: &str,
    old_period_price: Money,
    target_label: &str,
    new_period_price: Money,
    remaining: Decimal,
    discount: Decimal,
) -> Result<Quote, Error> {
    old_period_price.same_currency(&new_period_price, "target price")?;
    if new_period_price.amount < old_period_price.amount {
        return Err(Error::not_allowed(
            "PRC-4",
            format!(
                "the target ({target_label}, {new_period_price} per period) is cheaper than the current \
                 configuration ({current_label}, {old_period_price} per period): downgrades are not allowed"
            ),
        ));
    }
    let mut quote = QuoteBuilder::new(old_period_price.currency)
        .line(format!("Target configuration: {target_label}"), new_period_price, Decimal::ONE, remaining)
        .line(
            format!("Current configuration: {current_label}"),
            Money::new(-old_period_price.amount, old_period_price.currency),
            Decimal::ONE,
            remaining,
        );
    if discount != Decimal::ONE {
        let difference = new_period_price.checked_sub(&old_period_price)?.times(Decimal::ONE - discount)?;
        quote = quote.line(
            format!("Discount (×{discount})"),
            Money::new(-difference.amount, old_period_price.currency),
            Decimal::ONE,
            remaining,
        );
    }
    quote.build()
}

/// Started hours between two instants: each started hour counts (PRC-7).
pub fn started_hours(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    if to <= from {
        return 0;
    }
    let micros = (to - from).num_microseconds().unwrap_or(i64::MAX).max(0) as u64;
    micros.div_ceil(3_600_000_000)
}

/// Pay-per-use usage: started hours × the hourly price (PRC-7).
pub fn pay_per_use_quote(
    label: &str,
    hourly: Money,
    quantity: u32,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Quote, Error> {
    QuoteBuilder::new(hourly.currency)
        .line(
            format!("{label}, pay-per-use hours"),
            hourly,
            Decimal::from(quantity),
            Decimal::from(started_hours(from, to)),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::BillingMode;
    use crate::testing::fixtures;
    macro_rules! dec {
        ($e:expr) => {
            rust_decimal::Decimal::from_str_exact(&stringify!($e).replace(" ", "")).unwrap()
        };
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn usd(text: &str) -> Money {
        Money::parse(&format!("{text} USD")).unwrap()
    }

    #[test]
    fn prc_2_a_quote_is_itemised_and_its_total_is_rounded_once() {
        let q = QuoteBuilder::new(Currency::USD)
            .line("a", usd("0.333"), Decimal::ONE, Decimal::ONE)
            .line("b", usd("0.333"), Decimal::ONE, Decimal::ONE)
            .line("c", usd("0.333"), Decimal::ONE, Decimal::ONE)
            .build()
            .unwrap();
        assert_eq!(q.lines[0].amount.amount.to_string(), "0.33");
        // 0.999 rounded once, not 0.33 × 3.
        assert_eq!(q.total.amount.to_string(), "1.00");
        // The residue is shown, so that the lines add up to the total.
        assert_eq!(q.lines.len(), 4);
        assert_eq!(q.lines[3].label, ROUNDING_LABEL);
        assert_eq!(q.lines[3].amount.amount.to_string(), "0.01");
        assert_eq!(q.lines.iter().map(|l| l.amount.amount).sum::<Decimal>(), q.total.amount);
    }

    #[test]
    fn prc_3_new_purchase_is_price_times_periods_times_quantity() {
        let draft = fixtures::saas_draft();
        let spec = &draft.specifications[0];
        let plan = spec.plan(BillingMode::Monthly).unwrap();
        let q = purchase_quote(spec, plan, 10, 3).unwrap();
        assert_eq!(q.total, usd("690.00")); // 23 × 10 × 3
        assert_eq!(q.lines[0].quantity, dec!(10));
        assert_eq!(q.lines[0].periods, dec!(3));
        // The line names the configuration and the billing mode.
        assert_eq!(q.lines[0].label, "Standard (Number of Licenses: 10), monthly");
        let mut single = spec.clone();
        single.quantity = None;
        let plan = single.plan(BillingMode::Yearly).unwrap();
        assert_eq!(purchase_quote(&single, plan, 1, 1).unwrap().lines[0].label, "Standard, yearly");
    }

    #[test]
    fn prc_3_image_quote_shows_image_fee_and_cloud_resource_fee_separately() {
        let draft = fixtures::image_draft();
        let spec = &draft.specifications[0];
        let plan = spec.plan(BillingMode::Monthly).unwrap();
        let q = image_quote(spec, plan, draft.image.as_ref().unwrap(), Some(5), 2, 1).unwrap();
        let labels: Vec<&str> = q.lines.iter().map(|l| l.label.as_str()).collect();
        assert!(labels[0].starts_with("Image fee"), "{labels:?}");
        assert!(labels[1].starts_with("Cloud resource fee: instance flavour"), "{labels:?}");
        assert!(labels[2].contains("system disk 40 GB"), "{labels:?}");
        assert!(labels[3].contains("EIP bandwidth 5 Mbit/s"), "{labels:?}");
        // image 10 + flavour 50 + disk 40 × 0.1 + eip 5 × 2, per instance, 2 instances.
        assert_eq!(q.total, usd("148.00"));
    }

    #[test]
    fn prc_4_upgrade_cost_is_difference_times_remaining_duration() {
        let q = upgrade_quote("10 licences", usd("230"), "20 licences", usd("400"), dec!(0.5), Decimal::ONE).unwrap();
        assert_eq!(q.total, usd("85.00"));
        let discounted =
            upgrade_quote("10 licences", usd("230"), "20 licences", usd("400"), dec!(0.5), dec!(0.8)).unwrap();
        assert_eq!(discounted.total, usd("68.00"));
    }

    #[test]
    fn prc_4_a_cheaper_target_is_refused_as_a_downgrade() {
        let err = upgrade_quote("20", usd("400"), "10", usd("230"), dec!(0.5), Decimal::ONE).unwrap_err();
        assert_eq!(err.rule(), Some("PRC-4"));
        assert!(err.to_string().contains("downgrade"), "{err}");
    }

    #[test]
    fn prc_5_monthly_remaining_duration_same_month_is_days_after_change_over_month_days() {
        assert_eq!(remaining_months(d(2026, 4, 15), d(2026, 4, 30)), dec!(0.5));
        assert_eq!(remaining_months(d(2026, 4, 30), d(2026, 4, 30)), Decimal::ZERO);
    }

    #[test]
    fn prc_5_monthly_remaining_duration_across_months_adds_fractions_and_whole_months() {
        // 16 of 31 days of March left, April and May whole, 15 of 30 days of June.
        let r = remaining_months(d(2026, 3, 15), d(2026, 6, 15));
        assert_eq!(r, dec!(16) / dec!(31) + dec!(2) + dec!(0.5));
        // Next month, same day: (30 − 15)/30 + 15/31.
        assert_eq!(remaining_months(d(2026, 4, 15), d(2026, 5, 15)), dec!(0.5) + dec!(15) / dec!(31));
    }

    #[test]
    fn prc_5_example_from_the_rules_230_to_400_for_half_a_month_costs_85() {
        let r = remaining_months(d(2026, 9, 15), d(2026, 9, 30));
        let q = upgrade_quote("a", usd("230"), "b", usd("400"), r, Decimal::ONE).unwrap();
        assert_eq!(q.total.amount.to_string(), "85.00");
    }

    #[test]
    fn prc_6_yearly_remaining_duration_does_not_count_29_february() {
        // 2027-03-01 → 2028-03-01 spans 29 Feb 2028: 366 calendar days, 365 counted.
        assert_eq!(remaining_years(d(2027, 3, 1), d(2028, 3, 1)), Decimal::ONE);
        assert_eq!(remaining_years(d(2026, 1, 1), d(2026, 12, 31)), dec!(364) / dec!(365));
        // The change day itself is not counted; a 29 February change day is not a remaining day.
        assert_eq!(remaining_years(d(2028, 2, 29), d(2028, 3, 1)), dec!(1) / dec!(365));
        assert_eq!(remaining_years(d(2028, 2, 28), d(2028, 3, 1)), dec!(1) / dec!(365));
    }

    #[test]
    fn prc_7_pay_per_use_counts_started_hours() {
        let t0 = fixtures::t0();
        assert_eq!(started_hours(t0, t0), 0);
        assert_eq!(started_hours(t0, t0 + chrono::Duration::seconds(1)), 1);
        assert_eq!(started_hours(t0, t0 + chrono::Duration::hours(2)), 2);
        assert_eq!(started_hours(t0, t0 + chrono::Duration::seconds(7201)), 3);
        let q = pay_per_use_quote("x", usd("0.5"), 2, t0, t0 + chrono::Duration::minutes(61)).unwrap();
        assert_eq!(q.total, usd("2.00"));
    }
}
