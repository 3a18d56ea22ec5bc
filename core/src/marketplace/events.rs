//! Decided events, ready to commit: each aggregate's events wrapped with who did it and what
//! they are about. One generic wrapper; one named helper per aggregate.

use crate::actor::{Actor, AppId, AppealId, FlowId, InvoiceId, Target};
use crate::app::AppEvent;
use crate::appeal::AppealEvent;
use crate::event::{EventKind, NewEvent};
use crate::invoice::InvoiceEvent;
use crate::order::{Order, OrderEvent};
use crate::supervision::FlowEvent;

/// Wraps an aggregate's events for the commit.
fn wrap<E>(actor: &Actor, target: Target, events: Vec<E>, kind: fn(E) -> EventKind) -> Vec<NewEvent> {
    events.into_iter().map(|e| NewEvent { actor: actor.clone(), target: target.clone(), kind: kind(e) }).collect()
}

/// Events of an order.
pub(crate) fn order_events(actor: &Actor, order: &Order, events: Vec<OrderEvent>) -> Vec<NewEvent> {
    wrap(actor, Target::Order(order.id.clone()), events, EventKind::Order)
}

/// Events of an app.
pub(crate) fn app_events(actor: &Actor, app: &AppId, events: Vec<AppEvent>) -> Vec<NewEvent> {
    wrap(actor, Target::App(app.clone()), events, EventKind::App)
}

/// Events of a service flow.
pub(crate) fn flow_events(actor: &Actor, flow: &FlowId, events: Vec<FlowEvent>) -> Vec<NewEvent> {
    wrap(actor, Target::Flow(flow.clone()), events, EventKind::Flow)
}

/// Events of an appeal.
pub(crate) fn appeal_events(actor: &Actor, appeal: &AppealId, events: Vec<AppealEvent>) -> Vec<NewEvent> {
    wrap(actor, Target::Appeal(appeal.clone()), events, EventKind::Appeal)
}

/// Events of an invoice.
pub(crate) fn invoice_events(actor: &Actor, invoice: &InvoiceId, events: Vec<InvoiceEvent>) -> Vec<NewEvent> {
    wrap(actor, Target::Invoice(invoice.clone()), events, EventKind::Invoice)
}
