//! The `Invoice` aggregate: request, issue, return, request again (INV-1, INV-2). An order
//! paid up front is invoiced for what was paid less refunds; a pay-per-use order for its paid
//! settlements, a settled cycle at a time (PRC-7).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::actions::{Action, Availability};
use crate::actor::{Actor, AppId, CustomerId, InvoiceId, OrderId};
use crate::aggregate::{Aggregate, Ctx};
use crate::catalog::BillingMode;
use crate::error::Error;
use crate::metering::UsageCycle;
use crate::money::Money;
use crate::order::Order;

/// Where an invoice stands (INV-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum InvoiceStatus {
    /// Requested by the customer.
    Requested,
    /// Issued by the operator.
    Issued,
    /// Returned: the order may be invoiced again (and unsubscribed, UNS-2).
    Returned,
}

/// An invoice of one order (INV-1): of what it paid up front, or of settled usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Invoice {
    /// Id.
    pub id: InvoiceId,
    /// The order invoiced.
    pub order: OrderId,
    /// The customer.
    pub customer: CustomerId,
    /// What was paid less refunds, when requested.
    pub amount: Money,
    /// Status.
    pub status: InvoiceStatus,
    /// When requested.
    pub requested_at: DateTime<Utc>,
    /// When issued.
    pub issued_at: Option<DateTime<Utc>>,
    /// When returned.
    pub returned_at: Option<DateTime<Utc>>,
    /// For a pay-per-use order: the settlements the invoice covers (INV-1, PRC-7); `None` for
    /// an order paid up front.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<InvoicedUsage>,
}

/// The settled usage a pay-per-use order's invoice covers (INV-1): paid settlements of its
/// app, each a whole billing cycle (or the last started hours at deletion or freezing, PRC-7),
/// none of them on another invoice that stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, from_py_object, module = "appmarket"))]
pub struct InvoicedUsage {
    /// The pay-per-use app.
    pub app: AppId,
    /// The settlements covered, by number (as the usage statement numbers them): ascending
    /// runs of consecutive numbers.
    pub settlements: Vec<SettlementRun>,
    /// Started hours covered.
    pub hours: u64,
    /// The start of the earliest span covered.
    pub from: DateTime<Utc>,
    /// The end of the latest span covered.
    pub to: DateTime<Utc>,
}

/// Consecutive settlement numbers `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct SettlementRun {
    /// The first number.
    pub first: u32,
    /// The last number (at least `first`).
    pub last: u32,
}

impl InvoicedUsage {
    /// Whether settlement `number` is covered.
    pub fn covers(&self, number: u32) -> bool {
        self.settlements.iter().any(|r| (r.first..=r.last).contains(&number))
    }

    /// The settlement numbers covered, ascending.
    pub fn numbers(&self) -> impl Iterator<Item = u32> + '_ {
        self.settlements.iter().flat_map(|r| r.first..=r.last)
    }
}

/// A command on an invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceCommand {
    /// The operator issues it, for what is left of the order's payment now (paid − refunded).
    Issue {
        /// The order's invoiceable amount at issue time ([`invoiceable`]).
        invoiceable: Money,
    },
    /// The customer or the operator returns it.
    Return,
}

/// What happened to an invoice. These are its operation records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InvoiceEvent {
    /// Requested.
    Requested {
        /// The order.
        order: OrderId,
        /// The amount.
        amount: Money,
        /// For a pay-per-use order, the settlements it covers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        usage: Option<Box<InvoicedUsage>>,
    },
    /// The amount changed since the request: a refund was made meanwhile (INV-1).
    AmountAdjusted {
        /// The amount now invoiced.
        amount: Money,
    },
    /// Issued.
    Issued,
    /// Returned.
    Returned,
}

/// Checks that `by` may request an invoice of `order` now, given the order's latest invoice,
/// and gives its amount (INV-1, INV-2): the order's customer, a paid order not settled by a
/// reseller, no invoice requested or issued and not returned, no unsubscription pending. For a
/// pay-per-use order, see [`check_usage_request`].
pub fn check_request(order: &Order, by: &Actor, latest: Option<&Invoice>) -> Result<Money, Error> {
    check_requester(order, by)?;
    if let Some(inv) = latest
        && inv.status != InvoiceStatus::Returned
    {
        return Err(Error::not_allowed(
            "INV-1",
            format!(
                "invoice {} of order {} is already {}",
                inv.id,
                order.id,
                format!("{:?}", inv.status).to_lowercase()
            ),
        ));
    }
    let amount = invoiceable(order);
    if !amount.amount.is_sign_positive() || amount.is_zero() {
        return Err(Error::not_allowed("INV-1", format!("nothing of order {} is left to invoice", order.id)));
    }
    Ok(amount)
}

/// What every invoice request needs (INV-1, INV-2): the order's customer, a paid order not
/// settled by a reseller, no unsubscription pending.
pub fn check_requester(order: &Order, by: &Actor) -> Result<(), Error> {
    by.require_customer(&order.customer, format_args!("order {}", order.id))?;
    let Some(payment) = &order.payment else {
        return Err(Error::not_allowed("INV-1", format!("order {} has not been paid", order.id)));
    };
    if let Some(reseller) = &payment.settled_by_reseller {
        return Err(Error::not_allowed(
            "INV-1",
            format!("reseller {reseller} settled order {}: the reseller invoices it", order.id),
        ));
    }
    if order.pending_unsubscription.is_some() {
        return Err(Error::not_allowed(
            "INV-2",
            format!("an unsubscription of order {} is pending: no invoice until it is decided", order.id),
        ));
    }
    Ok(())
}

/// Checks that `by` may request an invoice of pay-per-use `order` now and says what it covers
/// (INV-1, INV-2, PRC-7): the checks of every request, then the settlements of the order's app
/// (`settlements`, as the usage statement lists them) that are paid, of a non-zero amount, and
/// on none of the order's invoices that stand (`standing`: requested, or issued and not
/// returned). Refused when there is none: nothing is left to invoice. Settled usage is never
/// refunded, so an invoice's amount is fixed when it is requested.
pub fn check_usage_request(
    order: &Order,
    by: &Actor,
    standing: &[Invoice],
    settlements: &[UsageCycle],
) -> Result<(Money, InvoicedUsage), Error> {
    check_requester(order, by)?;
    let app = order.app.clone().ok_or_else(|| Error::not_allowed("INV-1", format!("order {} has no app", order.id)))?;
    let covered: BTreeSet<u32> =
        standing.iter().filter_map(|i| i.usage.as_ref()).flat_map(InvoicedUsage::numbers).collect();
    let new: Vec<&UsageCycle> = settlements
        .iter()
        .filter(|c| c.receipt.is_some() && !c.amount.is_zero() && !covered.contains(&c.number))
        .collect();
    let (Some(first), Some(last)) = (new.first(), new.last()) else {
        let why = if covered.is_empty() {
            "no settlement of its usage has been paid yet"
        } else {
            "every paid settlement of its usage is on an invoice already"
        };
        return Err(Error::not_allowed("INV-1", format!("nothing of order {} is left to invoice: {why}", order.id)));
    };
    let mut runs: Vec<SettlementRun> = Vec::new();
    for c in &new {
        match runs.last_mut() {
            Some(run) if run.last + 1 == c.number => run.last = c.number,
            _ => runs.push(SettlementRun { first: c.number, last: c.number }),
        }
    }
    let sum: Decimal = new.iter().map(|c| c.amount.amount).sum();
    let usage = InvoicedUsage {
        app,
        settlements: runs,
        hours: new.iter().map(|c| c.hours).sum(),
        from: new.iter().map(|c| c.from).min().unwrap_or(first.from),
        to: new.iter().map(|c| c.to).max().unwrap_or(last.to),
    };
    Ok((Money::new(sum, first.amount.currency).rounded(), usage))
}

/// Whether an order is invoiced by its settled usage rather than by what it paid up front.
pub fn invoices_usage(order: &Order) -> bool {
    order.mode == BillingMode::PayPerUse
}

/// What an invoice of the order is for: paid less refunded (INV-1).
pub fn invoiceable(order: &Order) -> Money {
    Money::new(order.amount_paid().amount - order.refunded.amount, order.refunded.currency).rounded()
}

impl Invoice {
    /// A requested invoice; checks are [`check_request`]'s (or [`check_usage_request`]'s, which
    /// gives `usage`).
    pub fn requested(
        id: InvoiceId,
        order: &Order,
        amount: Money,
        usage: Option<InvoicedUsage>,
        now: DateTime<Utc>,
    ) -> Invoice {
        Invoice::new(id, order.id.clone(), order.customer.clone(), amount, usage, now)
    }

    /// The invoice as its request leaves it: neither issued nor returned. The one place that
    /// says how an invoice starts: requesting it and [`Aggregate::as_created`] both make it
    /// here.
    fn new(
        id: InvoiceId,
        order: OrderId,
        customer: CustomerId,
        amount: Money,
        usage: Option<InvoicedUsage>,
        requested_at: DateTime<Utc>,
    ) -> Invoice {
        Invoice {
            id,
            order,
            customer,
            amount,
            status: InvoiceStatus::Requested,
            requested_at,
            issued_at: None,
            returned_at: None,
            usage,
        }
    }

    /// The command that issues it (INV-1): for what is left of `order`'s payment now — a refund
    /// made since the request lowers it — or, for settled usage, which is never refunded, for
    /// its own amount.
    pub fn issue(&self, order: &Order) -> InvoiceCommand {
        let invoiceable = if self.usage.is_some() { self.amount } else { invoiceable(order) };
        InvoiceCommand::Issue { invoiceable }
    }

    /// Checks that `by` may issue it (INV-1): an operator, a requested invoice.
    pub fn check_issue(&self, by: &Actor) -> Result<(), Error> {
        by.require_operator("issue invoices")?;
        if self.status != InvoiceStatus::Requested {
            return Err(Error::not_allowed(
                "INV-1",
                format!("invoice {} is {:?}, not requested", self.id, self.status),
            ));
        }
        Ok(())
    }

    /// Checks that `by` may return it (INV-1): its customer or an operator, an issued invoice.
    pub fn check_return(&self, by: &Actor) -> Result<(), Error> {
        if !matches!(by, Actor::Operator(_)) {
            by.require_customer(&self.customer, format_args!("invoice {}", self.id))?;
        }
        if self.status != InvoiceStatus::Issued {
            return Err(Error::not_allowed(
                "INV-1",
                format!("invoice {} was never issued ({:?}), so it cannot be returned", self.id, self.status),
            ));
        }
        Ok(())
    }

    /// The actions on this invoice and whether each is allowed now.
    pub fn available_actions(&self, by: &Actor) -> Vec<Availability> {
        vec![
            Availability::from_check(Action::IssueInvoice, self.check_issue(by)),
            Availability::from_check(Action::ReturnInvoice, self.check_return(by)),
        ]
    }
}

impl Aggregate for Invoice {
    const WHAT: &'static str = "invoice";
    type Command = InvoiceCommand;
    type Event = InvoiceEvent;

    fn decide(&self, cmd: &InvoiceCommand, ctx: &Ctx<'_>) -> Result<Vec<InvoiceEvent>, Error> {
        let by = ctx.actor;
        match *cmd {
            InvoiceCommand::Issue { invoiceable } => {
                self.check_issue(by)?;
                if !invoiceable.amount.is_sign_positive() || invoiceable.is_zero() {
                    return Err(Error::not_allowed(
                        "INV-1",
                        format!(
                            "order {} was refunded in full after invoice {} was requested: nothing is left to invoice",
                            self.order, self.id
                        ),
                    ));
                }
                if invoiceable != self.amount {
                    return Ok(vec![InvoiceEvent::AmountAdjusted { amount: invoiceable }, InvoiceEvent::Issued]);
                }
                Ok(vec![InvoiceEvent::Issued])
            }
            InvoiceCommand::Return => {
                self.check_return(by)?;
                Ok(vec![InvoiceEvent::Returned])
            }
        }
    }

    /// As requested (`Invoice::new` of what the request decided, read from the invoice
    /// itself). Its amount stays as kept: the last adjustment, or the amount requested (which
    /// the invoice no longer keeps once adjusted).
    fn as_created(&self) -> Option<Invoice> {
        let Invoice { id, order, customer, amount, requested_at, usage, .. } = self.clone();
        Some(Invoice::new(id, order, customer, amount, usage, requested_at))
    }

    fn apply(&mut self, event: &InvoiceEvent, ctx: &Ctx<'_>) {
        let at = ctx.now;
        match event {
            InvoiceEvent::Requested { .. } => self.status = InvoiceStatus::Requested,
            InvoiceEvent::AmountAdjusted { amount } => self.amount = *amount,
            InvoiceEvent::Issued => {
                self.status = InvoiceStatus::Issued;
                self.issued_at = Some(at);
            }
            InvoiceEvent::Returned => {
                self.status = InvoiceStatus::Returned;
                self.returned_at = Some(at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::aggregate::tests::Lived;
    use crate::testing::fixtures;

    fn order() -> Order {
        let draft = fixtures::saas_draft();
        let currency = draft.validate(&crate::policy::Policy::default()).unwrap();
        let (id, seller) =
            (crate::actor::ProductId::parse("PRD-1").unwrap(), crate::actor::SellerId::parse("isv-1").unwrap());
        let product = crate::catalog::Product::from_draft(id, seller, draft, currency, fixtures::t0());
        let spec = &product.specifications[0];
        let plan = spec.plan(BillingMode::Monthly).unwrap();
        let ordered = crate::order::Ordered {
            specification: spec.name.clone(),
            mode: BillingMode::Monthly,
            quantity: 10,
            periods: 1,
            kind: crate::order::OrderKind::Purchase,
            quote: crate::pricing::purchase_quote(spec, plan, 10, 1).unwrap(),
        };
        Order::placed_unchecked(
            OrderId::numbered(1),
            CustomerId::parse("alice").unwrap(),
            &product,
            ordered,
            fixtures::t0(),
        )
    }

    #[test]
    fn a_requested_invoice_is_what_its_request_left_and_its_events_rebuild_it() {
        let order = order();
        let amount = Money::parse("230 USD").unwrap();
        let at = fixtures::t0() + Duration::days(1);
        let invoice = Invoice::requested(InvoiceId::numbered(1), &order, amount, None, at);
        let requested = InvoiceEvent::Requested { order: order.id.clone(), amount, usage: None };
        let alice = Actor::customer("alice").unwrap();
        let mut invoice = Lived::new(invoice, vec![requested], &alice, at);
        assert_eq!(invoice.value.as_created(), Some(invoice.value.clone()));
        assert_eq!(invoice.rebuilt(), invoice.value);
        let fresh = invoice.value.clone();

        let operator = Actor::operator("ops").unwrap();
        let invoiceable = Money::parse("200 USD").unwrap();
        invoice.run(&InvoiceCommand::Issue { invoiceable }, &operator, at + Duration::days(1));
        invoice.run(&InvoiceCommand::Return, &alice, at + Duration::days(2));
        assert_eq!((invoice.value.status, invoice.value.amount), (InvoiceStatus::Returned, invoiceable));
        assert_eq!(invoice.events(), 4, "requested, adjusted, issued, returned");
        let as_requested = Invoice { amount: invoiceable, ..fresh };
        assert_eq!(invoice.value.as_created(), Some(as_requested), "as requested, for the amount kept");
        assert_eq!(invoice.rebuilt(), invoice.value);
    }
}
