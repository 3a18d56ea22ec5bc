//! The money a command's gateway calls took, kept for the whole command: across the attempts a
//! lost race makes, and from a scheduled page's batch into the retry of one of its items.
//!
//! The invariant: once the gateway has returned a receipt, the marketplace records that money.
//! A charge is recorded as the payment it was for when the command, decided again, charges the
//! same key once more (the gateway answers with the same receipt). When it no longer does (the
//! order was cancelled meanwhile, the auto-renewal was turned off) and no concurrent command
//! recorded that receipt, the charge is given back: refunded under its own key and recorded on
//! what it was taken for, in the same commit as whatever the command concluded — even when
//! the command itself ends in a refusal. [`Unit::charge`](super::Unit::charge) is the only way
//! the facade asks the gateway for money, so no path can forget a receipt.

use std::cell::RefCell;

use crate::actor::{CustomerId, Target};
use crate::app::{self, AppCommand, PurchasedApp};
use crate::order::{self, Order, OrderCommand};
use crate::payments::{Receipt, ReturnedCharge};
use crate::store::Stored;

/// A receipt the gateway returned while the command was decided.
#[derive(Debug, Clone)]
pub(crate) struct Taken {
    /// What the money was taken for.
    pub(crate) target: Target,
    /// The charge's idempotency key.
    pub(crate) key: String,
    /// Who paid.
    pub(crate) customer: CustomerId,
    /// What for.
    pub(crate) description: String,
    /// The receipt.
    pub(crate) receipt: Receipt,
}

/// Every receipt taken during one command, by key.
#[derive(Debug, Default)]
pub(crate) struct Receipts {
    taken: RefCell<Vec<Taken>>,
}

impl Receipts {
    /// Notes a receipt (once per key).
    pub(crate) fn note(&self, taken: Taken) {
        let mut all = self.taken.borrow_mut();
        if !all.iter().any(|t| t.key == taken.key) {
            all.push(taken);
        }
    }

    /// Whether no money was taken.
    pub(crate) fn is_empty(&self) -> bool {
        self.taken.borrow().is_empty()
    }

    /// What was taken, in order.
    pub(crate) fn taken(&self) -> Vec<Taken> {
        self.taken.borrow().clone()
    }
}

/// An aggregate the gateway charges for: it knows the receipts it recorded and how many
/// charges it gave back, and records a charge given back as its own fact.
pub(crate) trait Charged: Stored {
    /// Whether the receipt `id` is recorded on it.
    fn holds_receipt(&self, id: &str) -> bool;
    /// How many charges it gave back; a later charge uses a fresh key.
    fn charges_returned(&self) -> u32;
    /// The fact of a charge given back.
    fn return_charge(returned: ReturnedCharge) -> Self::Command;
}

impl Charged for Order {
    fn holds_receipt(&self, id: &str) -> bool {
        Order::holds_receipt(self, id)
    }
    fn charges_returned(&self) -> u32 {
        self.charges_returned
    }
    fn return_charge(returned: ReturnedCharge) -> OrderCommand {
        OrderCommand::from(order::Fact::ReturnCharge(returned))
    }
}

impl Charged for PurchasedApp {
    fn holds_receipt(&self, id: &str) -> bool {
        PurchasedApp::holds_receipt(self, id)
    }
    fn charges_returned(&self) -> u32 {
        self.charges_returned
    }
    fn return_charge(returned: ReturnedCharge) -> AppCommand {
        AppCommand::from(app::Fact::ReturnCharge(returned))
    }
}

/// The idempotency key of a charge for something that gave `returned` charges back: the first
/// charge keeps its key, every later one asks under a fresh key, so that the gateway never
/// answers with a receipt already refunded.
pub(crate) fn fresh_key(key: String, returned: u32) -> String {
    if returned == 0 { key } else { format!("{key}:after-return-{returned}") }
}
