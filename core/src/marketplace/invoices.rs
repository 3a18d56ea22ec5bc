//! Invoice commands and queries: request, issue, return (INV-1, INV-2).

use chrono::{DateTime, Utc};

use super::events::{invoice_events, order_events};
use super::{Decision, Marketplace};
use crate::actions::{Action, Availability};
use crate::actor::{Actor, Caller, InvoiceId, OrderId, Target};
use crate::command::Command;
use crate::error::Error;
use crate::invoice::{self, Invoice, InvoiceCommand, InvoiceEvent};
use crate::order::{Order, OrderCommand};
use crate::store::{Commit, Record, Sequence, StoreExt, Versioned, Write};

impl Marketplace {
    /// An invoice `by` may see (its customer, an operator).
    pub fn invoice(&self, by: &Actor, id: &InvoiceId) -> Result<Invoice, Error> {
        let target = Target::Invoice(id.clone());
        self.check_can_view(by, &target)?;
        Ok(self.get::<Invoice>(target)?.value)
    }

    /// The customer requests an invoice of a paid order for what was paid less refunds; again
    /// after a return (INV-1). Refused for reseller-settled orders (INV-1) and while an
    /// unsubscription of the order is pending (INV-2).
    pub fn request_invoice(&self, by: impl Into<Caller>, order: &OrderId) -> Result<Invoice, Error> {
        let fp = || Command::RequestInvoice { order: order.clone() };
        self.execute(by, fp, |actor, now| {
            let current = self.get::<Order>(Target::Order(order.clone()))?;
            let latest = self.latest_invoice(&current.value)?;
            let amount = invoice::check_request(&current.value, actor, latest.as_ref())?;
            let id = InvoiceId::numbered(self.store.next_number(Sequence::Invoice)?);
            let inv = Invoice::requested(id.clone(), &current.value, amount, now);
            let (_, mut commit) =
                self.decide_order(&current, &OrderCommand::RecordInvoiceRequested { invoice: id.clone() }, actor, now)?;
            commit.writes.push(Write { record: Record::Invoice(inv.clone()), expected_version: 0, due: None });
            commit.events.extend(invoice_events(
                actor,
                &id,
                vec![InvoiceEvent::Requested { order: order.clone(), amount }],
            ));
            Ok(Decision::ok(commit, inv))
        })
    }

    /// The operator issues a requested invoice (INV-1); the order then cannot be unsubscribed
    /// until it is returned (UNS-2).
    pub fn issue_invoice(&self, by: impl Into<Caller>, invoice: &InvoiceId) -> Result<Invoice, Error> {
        let fp = || Command::IssueInvoice { invoice: invoice.clone() };
        self.execute(by, fp, |actor, now| self.invoice_command(invoice, None, actor, now))
    }

    /// The customer or the operator returns an issued invoice (INV-1, UNS-2).
    pub fn return_invoice(&self, by: impl Into<Caller>, invoice: &InvoiceId) -> Result<Invoice, Error> {
        let fp = || Command::ReturnInvoice { invoice: invoice.clone() };
        self.execute(by, fp, |actor, now| self.invoice_command(invoice, Some(InvoiceCommand::Return), actor, now))
    }

    fn invoice_command(
        &self,
        id: &InvoiceId,
        cmd: Option<InvoiceCommand>,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Decision<Invoice>, Error> {
        let current: Versioned<Invoice> = self.get(Target::Invoice(id.clone()))?;
        let order = self.get::<Order>(Target::Order(current.value.order.clone()))?;
        // Issuing invoices what is left of the payment now, not at request time (INV-1).
        let cmd = cmd.unwrap_or(InvoiceCommand::Issue { invoiceable: crate::invoice::invoiceable(&order.value) });
        let events = current.value.decide(cmd, actor, &self.policy, now)?;
        let mut next = current.value.clone();
        events.iter().for_each(|e| next.apply(e, now));
        let order_cmd = match cmd {
            InvoiceCommand::Issue { .. } => OrderCommand::RecordInvoiceIssued { invoice: id.clone() },
            InvoiceCommand::Return => OrderCommand::RecordInvoiceReturned { invoice: id.clone() },
        };
        let events_of_order = order.value.decide(&order_cmd, actor, &self.policy, now)?;
        let mut order_next = order.value.clone();
        events_of_order.iter().for_each(|e| order_next.apply(e, now));
        let mut commit = Commit {
            writes: vec![
                Write { record: Record::Invoice(next.clone()), expected_version: current.version, due: None },
                self.order_write(&order_next, order.version),
            ],
            events: invoice_events(actor, id, events),
            ..Commit::default()
        };
        commit.events.extend(order_events(actor, &order_next, events_of_order));
        Ok(Decision::ok(commit, next))
    }

    fn latest_invoice(&self, order: &Order) -> Result<Option<Invoice>, Error> {
        match &order.invoice {
            Some(id) => Ok(self.store.find::<Invoice>(&Target::Invoice(id.clone()))?.map(|v| v.value)),
            None => Ok(None),
        }
    }

    /// The order's Request Invoice button (INV-1, INV-2), from the same check as the command.
    pub(crate) fn invoice_actions(&self, by: &Actor, order: &Order) -> Vec<Availability> {
        let check = self.latest_invoice(order).and_then(|l| invoice::check_request(order, by, l.as_ref()).map(|_| ()));
        vec![Availability::from_check(Action::RequestInvoice, check)]
    }
}
