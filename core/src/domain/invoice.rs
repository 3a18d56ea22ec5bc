//! The `Invoice` aggregate: request, issue, return, request again (INV-1, INV-2).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actions::{Action, Availability};
use crate::actor::{Actor, CustomerId, InvoiceId, OrderId};
use crate::aggregate::{Aggregate, Ctx};
use crate::error::Error;
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

/// An invoice of one order (INV-1).
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
/// reseller, no invoice requested or issued and not returned, no unsubscription pending.
pub fn check_request(order: &Order, by: &Actor, latest: Option<&Invoice>) -> Result<Money, Error> {
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

/// What an invoice of the order is for: paid less refunded (INV-1).
pub fn invoiceable(order: &Order) -> Money {
    Money::new(order.amount_paid().amount - order.refunded.amount, order.refunded.currency).rounded()
}

impl Invoice {
    /// A requested invoice; checks are [`check_request`]'s.
    pub fn requested(id: InvoiceId, order: &Order, amount: Money, now: DateTime<Utc>) -> Invoice {
        Invoice {
            id,
            order: order.id.clone(),
            customer: order.customer.clone(),
            amount,
            status: InvoiceStatus::Requested,
            requested_at: now,
            issued_at: None,
            returned_at: None,
        }
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

    /// As requested (`Invoice::requested`): neither issued nor returned. Its amount stays as
    /// kept: the last adjustment, or the amount requested.
    fn as_created(&self) -> Option<Invoice> {
        Some(Invoice { status: InvoiceStatus::Requested, issued_at: None, returned_at: None, ..self.clone() })
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
