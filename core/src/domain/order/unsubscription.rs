//! Unsubscription rules: eligibility, the unconditional unsubscription, the refund
//! formula, operator review and negotiated refunds (UNS-1..6). Pure functions.

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::account::CustomerAccount;
use crate::actor::Actor;
use crate::app::{AppStatus, PurchasedApp};
use crate::catalog::{BillingMode, DeliveryMethod};
use crate::error::Error;
use crate::money::Money;
use crate::order::{Order, OrderStatus};
use crate::policy::Policy;
use crate::pricing::{Quote, QuoteBuilder};
use crate::supervision::ServiceFlow;
use crate::time::add_months_clamped;

pub use crate::order::{PendingKind, PendingUnsubscription, RefundPart};

/// An itemised unsubscription refund (PRC-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct RefundQuote {
    /// The itemised refund; its total is what the customer gets back.
    pub quote: Quote,
    /// The refunds, order by order.
    pub parts: Vec<RefundPart>,
    /// An unconditional unsubscription, within `unconditional_unsubscribe_hours` of
    /// provisioning (UNS-3).
    pub unconditional: bool,
    /// The refund waits for operator review (UNS-5).
    pub needs_review: bool,
}

/// One paid span of an app's time and the order that paid it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Start of the span.
    pub start: DateTime<Utc>,
    /// Expiry of the span.
    pub end: DateTime<Utc>,
    /// Months of the span (a year is 12).
    pub months: u32,
}

/// Checks that `by` may unsubscribe from the app at all (UNS-1): images bought yearly/monthly,
/// not yet unsubscribed or released, with no unpaid order.
pub fn check_eligible(app: &PurchasedApp, by: &Actor) -> Result<(), Error> {
    by.require_customer(&app.customer, format_args!("app {}", app.id))?;
    if app.delivery != DeliveryMethod::Image {
        let hint = if app.involves_supervision { "; ask the seller for a negotiated refund (UNS-6)" } else { "" };
        return Err(Error::not_allowed("UNS-1", format!("{} products cannot be unsubscribed{hint}", app.delivery)));
    }
    if app.mode == BillingMode::PayPerUse {
        return Err(Error::not_allowed("UNS-1", "pay-per-use images cannot be unsubscribed: delete them instead"));
    }
    if !app.mode.is_subscription() {
        return Err(Error::not_allowed("UNS-1", format!("{} images cannot be unsubscribed", app.mode)));
    }
    if matches!(app.status, AppStatus::Unsubscribed | AppStatus::Released) {
        return Err(Error::not_allowed("UNS-1", format!("app {} is already {}", app.id, app.status)));
    }
    if let Some(order) = &app.pending_order {
        return Err(Error::not_allowed("UNS-1", format!("pay or cancel order {order} of app {} first", app.id)));
    }
    Ok(())
}

/// Checks the orders of an unsubscription (UNS-2, UNS-5): no issued invoice, nothing pending,
/// not unsubscribed already.
pub fn check_orders<'a>(orders: impl IntoIterator<Item = &'a Order>) -> Result<(), Error> {
    for order in orders {
        if order.invoice_issued {
            return Err(Error::not_allowed(
                "UNS-2",
                format!("the invoice of order {} has been issued: return it before unsubscribing", order.id),
            ));
        }
        if order.pending_unsubscription.is_some() {
            return Err(Error::not_allowed(
                "UNS-5",
                format!("an unsubscription of order {} is already waiting for review", order.id),
            ));
        }
        if !matches!(order.status, OrderStatus::Processing | OrderStatus::Completed) {
            return Err(Error::not_allowed(
                "UNS-1",
                format!("order {} is {}, so it cannot be unsubscribed", order.id, order.status),
            ));
        }
    }
    Ok(())
}

/// Whether `now` is within the unconditional window: up to and including
/// `unconditional_unsubscribe_hours` (120) after provisioning (UNS-3).
pub fn within_unconditional_window(app: &PurchasedApp, policy: &Policy, now: DateTime<Utc>) -> bool {
    within_window(app.purchased_at, policy, now)
}

fn within_window(purchased_at: DateTime<Utc>, policy: &Policy, now: DateTime<Utc>) -> bool {
    now <= purchased_at + Duration::hours(i64::from(policy.unconditional_unsubscribe_hours))
}

/// Whether an unsubscription of an app bought at `purchased_at`, asked `now`, uses the customer's unconditional quota
/// (UNS-3): within the unconditional window, and fewer unconditional unsubscriptions counted on the
/// account in the calendar year than the policy allows. The quota is then counted, also when
/// the unsubscription waits for review.
pub(crate) fn quota(
    purchased_at: DateTime<Utc>,
    account: &CustomerAccount,
    policy: &Policy,
    now: DateTime<Utc>,
) -> bool {
    within_window(purchased_at, policy, now)
        && account.unconditional_unsubscriptions.in_year(policy.zone().year_of(now))
            < policy.unconditional_unsubscribe_per_year
}

/// Whether `by` may ask a negotiated refund of `order` now (UNS-6): its customer; a flow frozen
/// by an appeal refuses it first (APL-2), then the order's own state
/// ([`check_refund_request`]).
pub(crate) fn check_refund_asked(
    order: &Order,
    flow: Option<&ServiceFlow>,
    by: &Actor,
    amount: Option<&Money>,
    policy: &Policy,
) -> Result<(), Error> {
    by.require_customer(&order.customer, format_args!("order {}", order.id))?;
    if let Some(flow) = flow {
        flow.check_refund_possible()?;
    }
    check_refund_request(order, by, amount, policy)
}

/// The unsubscription of `order` waiting for `kind`'s decision, if `by` may decide it: an
/// operator reviews (UNS-5), the order's seller answers a negotiated refund (UNS-6).
pub(crate) fn pending_decision(order: &Order, by: &Actor, kind: PendingKind) -> Result<PendingUnsubscription, Error> {
    let rule = match kind {
        PendingKind::OperatorReview => {
            by.require_operator("review unsubscriptions")?;
            "UNS-5"
        }
        PendingKind::NegotiatedRefund => {
            by.require_seller(&order.seller, format_args!("order {}", order.id))?;
            "UNS-6"
        }
    };
    match &order.pending_unsubscription {
        Some(p) if p.kind == kind => Ok(p.clone()),
        _ => Err(Error::not_allowed(rule, format!("nothing of order {} waits for this decision", order.id))),
    }
}

/// The paid spans of an app, the purchase first, then each renewal (UNS-4, UNS-5).
pub fn segments(app: &PurchasedApp, purchase_months: u32) -> Vec<Option<Segment>> {
    let Some(term) = app.term else { return vec![None; 1 + app.renewals.len()] };
    let first_end = app.renewals.first().map_or(term.expires_at, |r| r.from);
    let mut out = vec![Some(Segment { start: term.started_at, end: first_end, months: purchase_months })];
    out.extend(app.renewals.iter().map(|r| Some(Segment { start: r.from, end: r.to, months: r.months })));
    out
}

/// The unconditional window as a person reads it: "5 days" for 120 hours, "36 hours" for 36,
/// "1 day" for 24 (UNS-3).
pub fn window_text(hours: u32) -> String {
    let plural = |n: u32, unit: &str| if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") };
    if hours > 0 && hours.is_multiple_of(24) { plural(hours / 24, "day") } else { plural(hours, "hour") }
}

fn floor_hour(t: DateTime<Utc>, policy: &Policy) -> i64 {
    let local = t.timestamp() + i64::from(policy.billing_utc_offset_minutes) * 60;
    local.div_euclid(3600)
}

/// The handling fee in percent (UNS-4): 10% for monthly and one-year terms; two-year terms 15%
/// in the first year of use, then 10%; three-year terms 15%, 10%, 5%; longer terms by their
/// band (from the policy, which has a band for every term an order may buy). A term of
/// `months` is one of `months` ÷ 12 years, rounded up; a year of use past its band's last fee
/// pays that last fee.
pub fn handling_fee_percent(months: u32, start: DateTime<Utc>, now: DateTime<Utc>, policy: &Policy) -> Decimal {
    let fees = &policy.handling_fees;
    let Some(table) = fees.band(months.div_ceil(12)).filter(|band| !band.is_empty()) else {
        return fees.monthly_and_one_year_percent;
    };
    let zone = policy.zone();
    let (first, today) = (zone.date_of(start), zone.date_of(now));
    let mut year = 0usize;
    while add_months_clamped(first, 12 * (year as u32 + 1)) <= today {
        year += 1;
    }
    table.get(year).or(table.last()).copied().unwrap_or(fees.monthly_and_one_year_percent)
}

/// The itemised refund of an app's orders (UNS-3..5). `orders` are the purchase order then the
/// renewal orders, aligned with [`segments`]. Unconditional: everything paid comes back.
/// Otherwise per order: `paid − consumed − fee`, floored at zero, where consumed = paid × used
/// hours ÷ order hours; a span not started yet is refunded in full.
pub fn refund_quote(
    orders: &[&Order],
    segments: &[Option<Segment>],
    unconditional: bool,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<RefundQuote, Error> {
    let currency = orders.first().map(|o| o.quote.total.currency).ok_or_else(|| Error::invalid("app", "no order"))?;
    let mut quote = QuoteBuilder::new(currency);
    let mut parts = Vec::with_capacity(orders.len());
    for (order, segment) in orders.iter().zip(segments) {
        // A reseller-settled order is refunded for reference only, on its reference amount
        // (ORD-4): the reseller settles the refund, nothing goes through the gateway.
        let paid = order.refund_base();
        paid.same_currency(&Money::zero(currency), "refund")?;
        let left = Money::new(paid.amount - order.refunded.amount, currency);
        let before = quote.exact_total();
        if unconditional {
            quote = quote.line(
                format!(
                    "Order {}: paid, unconditional unsubscription within {} (UNS-3)",
                    order.id,
                    window_text(policy.unconditional_unsubscribe_hours)
                ),
                left,
                Decimal::ONE,
                Decimal::ONE,
            );
        } else {
            match segment {
                Some(s) if now >= s.start => {
                    let start_hour = floor_hour(s.start, policy);
                    let end_hour = floor_hour(s.end + Duration::seconds(1), policy);
                    let total = (end_hour - start_hour).max(1);
                    let used = (floor_hour(now, policy) - start_hour).clamp(0, total);
                    let pct = handling_fee_percent(s.months, s.start, now, policy);
                    let minus = Money::new(-left.amount, currency);
                    quote = quote
                        .line(format!("Order {}: paid", order.id), left, Decimal::ONE, Decimal::ONE)
                        .line(
                            format!("Consumed: {used} of {total} hours"),
                            minus,
                            Decimal::ONE,
                            Decimal::from(used) / Decimal::from(total),
                        )
                        .line(format!("Handling fee {pct}%"), minus, Decimal::ONE, pct / Decimal::ONE_HUNDRED);
                    let net = quote.exact_total() - before;
                    if net < Decimal::ZERO {
                        quote = quote.line(
                            "A refund is never below zero (UNS-4)",
                            Money::new(-net, currency),
                            Decimal::ONE,
                            Decimal::ONE,
                        );
                    }
                }
                _ => {
                    quote = quote.line(
                        format!("Order {}: paid, period not started, refunded in full (UNS-5)", order.id),
                        left,
                        Decimal::ONE,
                        Decimal::ONE,
                    );
                }
            }
        }
        let refund = Money::new(quote.exact_total() - before, currency).rounded();
        parts.push(RefundPart { order: order.id.clone(), refund });
    }
    let reference = orders.iter().any(|o| o.settled_by_reseller());
    let quote = quote.build()?.for_reference(reference);
    // UNS-5: above the currency's threshold; in a currency without one, any refund when the
    // policy reviews those (`review_refunds_without_threshold`), none otherwise (Choice: a zero
    // refund needs no review). A reference refund moves no money: no review (Choice).
    let needs_review = !reference
        && match policy.review_threshold(currency) {
            Some(threshold) => quote.total.amount > threshold.amount,
            None => policy.review_refunds_without_threshold && quote.total.amount > Decimal::ZERO,
        };
    Ok(RefundQuote { quote, parts, unconditional, needs_review })
}

/// Checks a negotiated refund request (UNS-6): the order's customer, a supervised order whose
/// flow is still open (`Processing`), no issued invoice (UNS-2), nothing pending,
/// `0 < amount ≤ paid − refunded` when an amount is given, and a marketplace that offers
/// negotiated refunds (`negotiated_refunds`).
pub fn check_refund_request(order: &Order, by: &Actor, amount: Option<&Money>, policy: &Policy) -> Result<(), Error> {
    by.require_customer(&order.customer, format_args!("order {}", order.id))?;
    if !order.involves_supervision || order.status != OrderStatus::Processing {
        return Err(Error::not_allowed(
            "UNS-6",
            format!(
                "a negotiated refund needs a supervised order whose flow is open; order {} is {}",
                order.id, order.status
            ),
        ));
    }
    if order.invoice_issued {
        return Err(Error::not_allowed("UNS-2", format!("return the issued invoice of order {} first", order.id)));
    }
    if order.pending_unsubscription.is_some() {
        return Err(Error::not_allowed("UNS-6", format!("a refund of order {} is already waiting", order.id)));
    }
    if let Some(amount) = amount {
        let paid = order.amount_paid();
        paid.same_currency(amount, "amount")?;
        let left = paid.amount - order.refunded.amount;
        if amount.amount <= Decimal::ZERO || amount.amount > left {
            return Err(Error::invalid(
                "amount",
                format!(
                    "UNS-6: a negotiated refund of order {} is more than 0 and at most {left} {}",
                    order.id, paid.currency
                ),
            ));
        }
    }
    if !policy.negotiated_refunds {
        return Err(Error::not_allowed("UNS-6", "this marketplace does not offer negotiated refunds"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_instant;

    fn t(s: &str) -> DateTime<Utc> {
        parse_instant(s).unwrap()
    }

    #[test]
    fn uns_3_the_quota_is_per_calendar_year_and_within_the_window_only() {
        let p = Policy::default();
        let bought = t("2026-04-15T02:00:00Z");
        let mut account = CustomerAccount::with_card(crate::actor::CustomerId::parse("alice").unwrap());
        let soon = bought + Duration::hours(1);
        assert!(quota(bought, &account, &p, soon));
        let late = bought + Duration::hours(i64::from(p.unconditional_unsubscribe_hours) + 1);
        assert!(!quota(bought, &account, &p, late), "outside the unconditional window");
        account.unconditional_unsubscriptions =
            crate::account::YearlyCount { year: 2025, count: p.unconditional_unsubscribe_per_year };
        assert!(quota(bought, &account, &p, soon), "last year's count does not use this year's quota");
        account.unconditional_unsubscriptions =
            crate::account::YearlyCount { year: 2026, count: p.unconditional_unsubscribe_per_year };
        assert!(!quota(bought, &account, &p, soon), "this year's quota is used");
    }

    #[test]
    fn uns_4_handling_fee_by_term_and_year_of_use() {
        let p = Policy::default();
        let start = t("2026-01-10T02:00:00Z");
        let pct = |m, now| handling_fee_percent(m, start, t(now), &p).normalize().to_string();
        assert_eq!(pct(1, "2026-01-20T00:00:00Z"), "10");
        assert_eq!(pct(12, "2026-06-20T00:00:00Z"), "10");
        assert_eq!(pct(24, "2026-06-20T00:00:00Z"), "15");
        assert_eq!(pct(24, "2027-01-10T00:00:00Z"), "10");
        assert_eq!(pct(36, "2026-06-20T00:00:00Z"), "15");
        assert_eq!(pct(36, "2027-06-20T00:00:00Z"), "10");
        assert_eq!(pct(36, "2028-06-20T00:00:00Z"), "5");
    }

    #[test]
    fn uns_4_a_yearly_term_across_29_february_counts_its_real_hours() {
        // A year bought 2027-03-10 expires 2028-03-10: 366 days, 29 February 2028 included.
        let p = Policy::default();
        let zone = p.zone();
        let start = t("2027-03-10T02:00:00Z");
        let end = zone.end_of_day(chrono::NaiveDate::from_ymd_opt(2028, 3, 10).unwrap());
        let hours = floor_hour(end + Duration::seconds(1), &p) - floor_hour(start, &p);
        assert_eq!(hours, 366 * 24 + 14);
    }
}
