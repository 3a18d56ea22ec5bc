//! Invoice commands and queries: request, issue, return (INV-1, INV-2).

use super::unit::New;
use super::{Marketplace, Unit};
use crate::actions::{Action, Availability};
use crate::actor::{Actor, InvoiceId, OrderId, Target};
use crate::error::Error;
use crate::invoice::{self, Invoice, InvoiceCommand, InvoiceEvent, InvoicedUsage};
use crate::money::Money;
use crate::order::{Fact, Order, OrderCommand};
use crate::store::{Sequence, StoreExt};

impl Marketplace {
    /// An invoice `by` may see (its customer, an operator).
    pub fn invoice(&self, by: &Actor, id: &InvoiceId) -> Result<Invoice, Error> {
        let target = Target::Invoice(id.clone());
        self.check_can_view(by, &target)?;
        Ok(self.get::<Invoice>(target)?.value)
    }

    /// The customer requests an invoice of a paid order for what was paid less refunds; again
    /// after a return (INV-1). A pay-per-use order is invoiced for its settled usage: the paid
    /// settlements of its app that no invoice of it that stands covers. Refused for
    /// reseller-settled orders (INV-1) and while an unsubscription of the order is pending
    /// (INV-2).
    pub(super) fn request_invoice_in(&self, unit: &mut Unit<'_>, order: &OrderId) -> Result<Invoice, Error> {
        let target = Target::Order(order.clone());
        let current = unit.get::<Order>(&target)?.clone();
        let (amount, usage) = self.invoice_request(&current, unit.actor())?;
        let id = InvoiceId::numbered(self.store.next_number(Sequence::Invoice)?);
        let inv = Invoice::requested(id.clone(), &current, amount, usage.clone(), unit.now());
        unit.decide::<Order>(&target, &OrderCommand::from(Fact::RecordInvoiceRequested { invoice: id }))?;
        let requested = InvoiceEvent::Requested { order: order.clone(), amount, usage: usage.map(Box::new) };
        Ok(unit.create(New::built(inv, vec![requested])).clone())
    }

    /// What an invoice of `order` that `by` requests now is for (INV-1, INV-2): its amount, and
    /// for a pay-per-use order the settlements it covers, read from the app's events.
    fn invoice_request(&self, order: &Order, by: &Actor) -> Result<(Money, Option<InvoicedUsage>), Error> {
        if !invoice::invoices_usage(order) {
            let latest = self.latest_invoice(order)?;
            return Ok((invoice::check_request(order, by, latest.as_ref())?, None));
        }
        // Who asks, and whether the order was paid at all, before its app's history is read.
        invoice::check_requester(order, by)?;
        let mut standing = Vec::with_capacity(order.usage_invoices.len());
        for s in &order.usage_invoices {
            standing.push(self.get::<Invoice>(Target::Invoice(s.invoice.clone()))?.value);
        }
        let settlements = match &order.app {
            Some(app) => self.settlements(app)?.cycles,
            None => Vec::new(),
        };
        let (amount, usage) = invoice::check_usage_request(order, by, &standing, &settlements)?;
        Ok((amount, Some(usage)))
    }

    /// The operator issues a requested invoice (INV-1); the order then cannot be unsubscribed
    /// until it is returned (UNS-2).
    pub(super) fn issue_invoice_in(&self, unit: &mut Unit<'_>, invoice: &InvoiceId) -> Result<Invoice, Error> {
        self.invoice_command(unit, invoice, None)
    }

    /// The customer or the operator returns an issued invoice (INV-1, UNS-2).
    pub(super) fn return_invoice_in(&self, unit: &mut Unit<'_>, invoice: &InvoiceId) -> Result<Invoice, Error> {
        self.invoice_command(unit, invoice, Some(InvoiceCommand::Return))
    }

    fn invoice_command(
        &self,
        unit: &mut Unit<'_>,
        id: &InvoiceId,
        cmd: Option<InvoiceCommand>,
    ) -> Result<Invoice, Error> {
        let target = Target::Invoice(id.clone());
        let order = Target::Order(unit.get::<Invoice>(&target)?.order.clone());
        // Issuing invoices what is left of the payment now, not at request time (INV-1).
        let cmd = match cmd {
            Some(cmd) => cmd,
            None => {
                let order = unit.get::<Order>(&order)?.clone();
                unit.get::<Invoice>(&target)?.issue(&order)
            }
        };
        let next = unit.decide::<Invoice>(&target, &cmd)?.clone();
        let order_cmd = match cmd {
            InvoiceCommand::Issue { .. } => OrderCommand::from(Fact::RecordInvoiceIssued { invoice: id.clone() }),
            InvoiceCommand::Return => OrderCommand::from(Fact::RecordInvoiceReturned { invoice: id.clone() }),
        };
        unit.decide::<Order>(&order, &order_cmd)?;
        Ok(next)
    }

    fn latest_invoice(&self, order: &Order) -> Result<Option<Invoice>, Error> {
        match &order.invoice {
            Some(id) => Ok(self.store.find::<Invoice>(&Target::Invoice(id.clone()))?.map(|v| v.value)),
            None => Ok(None),
        }
    }

    /// The order's Request Invoice button (INV-1, INV-2), from the same check as the command.
    pub(crate) fn invoice_actions(&self, by: &Actor, order: &Order) -> Vec<Availability> {
        let check = self.invoice_request(order, by).map(|_| ());
        vec![Availability::from_check(Action::RequestInvoice, check)]
    }
}
