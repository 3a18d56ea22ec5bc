//! Service supervision and appeals: flow commands and queries, appeals, the 365-day close
//! (SUP-1..8, APL-1..4, APP-3, APP-4).

use chrono::{DateTime, Utc};

use super::events::{app_events, appeal_events, flow_events};
use super::{Decision, Marketplace};
use crate::actor::{Actor, AppealId, Caller, FlowId, OrderId, Target};
use crate::app::{AppCommand, ApplicationInfo, PurchasedApp};
use crate::appeal::{Appeal, AppealCommand, Resolution};
use crate::catalog::{Page, check_page};
use crate::command::Command;
use crate::error::Error;
use crate::money::Money;
use crate::order::{Order, OrderCommand, OrderStatus};
use crate::secret::Secret;
use crate::store::{Commit, Record, Sequence, Versioned, Write};
use crate::supervision::{
    Delivery, FlowCommand, FlowFilter, ServiceFlow, ServiceRequest, SubmittedRequest, check_reason,
    sensitive_data_warnings,
};

/// What is left of an order's payment to refund.
fn refundable(order: &Order) -> Money {
    let paid = order.amount_paid();
    Money::new(paid.amount - order.refunded.amount, paid.currency)
}

impl Marketplace {
    pub(crate) fn flow_write(&self, flow: &ServiceFlow, expected_version: u64) -> Write {
        Write { record: Record::Flow(flow.clone()), expected_version, due: flow.next_due(&self.policy) }
    }

    fn appeal_write(&self, appeal: &Appeal, expected_version: u64) -> Write {
        Write { record: Record::Appeal(appeal.clone()), expected_version, due: None }
    }

    /// Decides a flow command and builds its commit (shared by every flow command).
    pub(crate) fn decide_flow(
        &self,
        current: &Versioned<ServiceFlow>,
        cmd: &FlowCommand,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(ServiceFlow, Commit), Error> {
        let events = current.value.decide(cmd, actor, &self.policy, now)?;
        let mut next = current.value.clone();
        events.iter().for_each(|e| next.apply(e, now));
        let commit = Commit {
            writes: vec![self.flow_write(&next, current.version)],
            events: flow_events(actor, &next.id, events),
            ..Commit::default()
        };
        Ok((next, commit))
    }

    fn flow_command(
        &self,
        by: impl Into<Caller>,
        flow: &FlowId,
        fingerprint: impl FnOnce() -> Command,
        cmd: FlowCommand,
    ) -> Result<ServiceFlow, Error> {
        self.execute(by, fingerprint, |actor, now| {
            let current = self.get::<ServiceFlow>(Target::Flow(flow.clone()))?;
            let (next, commit) = self.decide_flow(&current, &cmd, actor, now)?;
            Ok(Decision::ok(commit, next))
        })
    }

    /// The service goes into use: the order records the acceptance (it completes after the
    /// delay, SUP-4) when `accepted`, and the app's term starts at the seller's actual enabling
    /// time or now (APP-3); an app without a term is activated (APP-4).
    fn start_service(
        &self,
        flow: &ServiceFlow,
        accepted: bool,
        actor: &Actor,
        now: DateTime<Utc>,
        commit: &mut Commit,
    ) -> Result<(), Error> {
        if accepted {
            let order = self.get::<Order>(Target::Order(flow.order.clone()))?;
            let (_, c) = self.decide_order(&order, &OrderCommand::RecordAcceptance, actor, now)?;
            commit.writes.extend(c.writes);
            commit.events.extend(c.events);
        }
        let app = self.get::<PurchasedApp>(Target::App(flow.app.clone()))?;
        let cmd = match (flow.term_months, app.value.term) {
            (Some(months), None) => AppCommand::StartTerm { at: flow.enabling_time.unwrap_or(now), months },
            _ => AppCommand::Activate,
        };
        let events = app.value.decide(&cmd, actor, &self.policy, now)?;
        if !events.is_empty() {
            let mut next = app.value.clone();
            events.iter().for_each(|e| next.apply(e));
            commit.writes.push(self.app_write(&next, app.version));
            commit.events.extend(app_events(actor, &next.id, events));
        }
        Ok(())
    }

    /// The customer submits a request (SUP-3). Text that looks like a password, an account or
    /// personal data earns warnings in the result, never a refusal (SUP-6).
    pub fn submit_request(
        &self,
        by: impl Into<Caller>,
        flow: &FlowId,
        request: ServiceRequest,
    ) -> Result<SubmittedRequest, Error> {
        let fp = || Command::SubmitRequest { flow: flow.clone(), request: request.clone() };
        self.execute(by, fp, |actor, now| {
            let current = self.get::<ServiceFlow>(Target::Flow(flow.clone()))?;
            let cmd = FlowCommand::SubmitRequest(request.clone());
            let (next, commit) = self.decide_flow(&current, &cmd, actor, now)?;
            let warnings = sensitive_data_warnings(&request, &self.policy);
            Ok(Decision::ok(commit, SubmittedRequest { flow: next, warnings }))
        })
    }

    /// The seller accepts the customer's request (SUP-3).
    pub fn accept_request(&self, by: impl Into<Caller>, flow: &FlowId) -> Result<ServiceFlow, Error> {
        self.flow_command(by, flow, || Command::AcceptRequest { flow: flow.clone() }, FlowCommand::AcceptRequest)
    }

    /// The seller rejects the request with a reason; it returns to the customer (SUP-3).
    pub fn reject_request(&self, by: impl Into<Caller>, flow: &FlowId, reason: &str) -> Result<ServiceFlow, Error> {
        let cmd = FlowCommand::RejectRequest { reason: reason.to_owned() };
        self.flow_command(by, flow, || Command::RejectRequest { flow: flow.clone(), reason: reason.to_owned() }, cmd)
    }

    /// The seller delivers (SUP-2, SUP-3), optionally with the actual enabling time (APP-3). A
    /// SaaS delivery gives the application information; its password goes to the store's vault,
    /// never into the flow or its events (APP-4, APP-5).
    pub fn deliver(
        &self,
        by: impl Into<Caller>,
        flow: &FlowId,
        delivery: Delivery,
        password: Option<Secret>,
    ) -> Result<ServiceFlow, Error> {
        let fp = || Command::Deliver { flow: flow.clone(), delivery: delivery.clone(), password: password.clone() };
        self.execute(by, fp, |actor, now| {
            let current = self.get::<ServiceFlow>(Target::Flow(flow.clone()))?;
            let mut delivery = delivery.clone();
            let had_password = current.value.application_info.as_ref().is_some_and(|i| i.has_password);
            if let Some(info) = &mut delivery.application_info {
                info.has_password = password.is_some() || had_password;
            }
            let (next, mut commit) = self.decide_flow(&current, &FlowCommand::Deliver(delivery.clone()), actor, now)?;
            if let Some(p) = &password {
                if delivery.application_info.is_none() {
                    return Err(Error::invalid("password", "only a SaaS delivery carries a password"));
                }
                ApplicationInfo::check_password(p, &self.policy)?;
            }
            if let Some(info) = delivery.application_info {
                let app = self.get::<PurchasedApp>(Target::App(next.app.clone()))?;
                let events =
                    app.value.decide(&AppCommand::ProvideApplicationInfo { info }, actor, &self.policy, now)?;
                let mut app_next = app.value.clone();
                events.iter().for_each(|e| app_next.apply(e));
                commit.writes.push(self.app_write(&app_next, app.version));
                commit.events.extend(app_events(actor, &app_next.id, events));
                if let Some(p) = &password {
                    commit.secrets.push((app_next.id.clone(), p.clone()));
                }
            }
            Ok(Decision::ok(commit, next))
        })
    }

    /// The customer accepts the delivery: the flow completes, the order completes after the
    /// delay, and the app's term starts (SUP-4, APP-3, APP-4).
    pub fn confirm_acceptance(&self, by: impl Into<Caller>, flow: &FlowId) -> Result<ServiceFlow, Error> {
        let fp = || Command::ConfirmAcceptance { flow: flow.clone() };
        self.execute(by, fp, |actor, now| {
            let current = self.get::<ServiceFlow>(Target::Flow(flow.clone()))?;
            let (next, mut commit) = self.decide_flow(&current, &FlowCommand::ConfirmAcceptance, actor, now)?;
            self.start_service(&next, true, actor, now, &mut commit)?;
            Ok(Decision::ok(commit, next))
        })
    }

    /// The customer rejects the delivery with a reason; it returns to the seller (SUP-3).
    pub fn reject_delivery(&self, by: impl Into<Caller>, flow: &FlowId, reason: &str) -> Result<ServiceFlow, Error> {
        let cmd = FlowCommand::RejectDelivery { reason: reason.to_owned() };
        self.flow_command(by, flow, || Command::RejectDelivery { flow: flow.clone(), reason: reason.to_owned() }, cmd)
    }

    /// The customer reminds the seller, at most once per the policy's interval (SUP-5). The
    /// reminder is an event a host notifies the seller of.
    pub fn remind_seller(&self, by: impl Into<Caller>, flow: &FlowId) -> Result<ServiceFlow, Error> {
        self.flow_command(by, flow, || Command::RemindSeller { flow: flow.clone() }, FlowCommand::RemindSeller)
    }

    /// The customer or the seller appeals; the flow is frozen until the operator resolves it
    /// (APL-1, APL-2, APL-3).
    pub fn open_appeal(&self, by: impl Into<Caller>, flow: &FlowId, reason: &str) -> Result<Appeal, Error> {
        let fp = || Command::OpenAppeal { flow: flow.clone(), reason: reason.to_owned() };
        self.execute(by, fp, |actor, now| {
            let current = self.get::<ServiceFlow>(Target::Flow(flow.clone()))?;
            // Every check before the appeal is numbered: a refusal changes nothing.
            current.value.check_appeal(actor, &self.policy, now)?;
            check_reason("reason", reason, &self.policy)?;
            let id = AppealId::numbered(self.store.next_number(Sequence::Appeal)?);
            let (appeal, event) = Appeal::open(id.clone(), &current.value, actor, reason, &self.policy, now)?;
            let (_, mut commit) =
                self.decide_flow(&current, &FlowCommand::Freeze { appeal: id.clone() }, actor, now)?;
            commit.writes.push(self.appeal_write(&appeal, 0));
            commit.events.extend(appeal_events(actor, &id, vec![event]));
            Ok(Decision::ok(commit, appeal))
        })
    }

    /// The operator resolves an appeal (APL-4): resume the flow where it was, complete it as
    /// accepted, or close it with a refund of 0 < refund ≤ paid. A full refund unsubscribes the
    /// order; a partial one completes it.
    pub fn resolve_appeal(
        &self,
        by: impl Into<Caller>,
        appeal: &AppealId,
        resolution: Resolution,
    ) -> Result<Appeal, Error> {
        let fp = || Command::ResolveAppeal { appeal: appeal.clone(), resolution: resolution.clone() };
        self.execute(by, fp, |actor, now| {
            let current = self.get::<Appeal>(Target::Appeal(appeal.clone()))?;
            current.value.check_resolve(actor)?;
            let order = self.get::<Order>(Target::Order(current.value.order.clone()))?;
            let left = refundable(&order.value);
            let cmd = AppealCommand::Resolve { resolution: resolution.clone(), refundable: left };
            let events = current.value.decide(&cmd, actor)?;
            let flow = self.get::<ServiceFlow>(Target::Flow(current.value.flow.clone()))?;
            let flow_cmd = FlowCommand::Resolve { appeal: appeal.clone(), outcome: resolution.outcome() };
            let (flow_next, mut commit) = self.decide_flow(&flow, &flow_cmd, actor, now)?;
            let mut next = current.value.clone();
            events.iter().for_each(|e| next.apply(e, actor, now));
            commit.writes.push(self.appeal_write(&next, current.version));
            commit.events.extend(appeal_events(actor, appeal, events));
            match &resolution {
                Resolution::Resume => {}
                Resolution::CompleteAsAccepted => self.start_service(&flow_next, true, actor, now, &mut commit)?,
                Resolution::CloseWithRefund { refund } if refund.amount == left.amount => {
                    self.refund_order(&order, *refund, true, actor, now, &mut commit)?;
                }
                Resolution::CloseWithRefund { refund } => {
                    let (completed, c) = self.decide_order(&order, &OrderCommand::CompleteNow, actor, now)?;
                    commit.events.extend(c.events);
                    let completed = Versioned { value: completed, version: order.version };
                    self.refund_order(&completed, *refund, false, actor, now, &mut commit)?;
                    self.start_service(&flow_next, false, actor, now, &mut commit)?;
                }
            }
            Ok(Decision::ok(commit, next))
        })
    }

    /// System: closes a flow open for the longest flow (SUP-8). An invoiced order completes;
    /// otherwise it is unsubscribed with a full refund. An open appeal closes with the flow.
    pub(crate) fn tick_flow(&self, target: &Target, system: &Actor, now: DateTime<Utc>) -> Result<Commit, Error> {
        let current = self.get::<ServiceFlow>(target.clone())?;
        let (next, mut commit) = match self.decide_flow(&current, &FlowCommand::CloseAtMaxAge, system, now) {
            Ok(decided) => decided,
            Err(Error::NotAllowed { .. }) => {
                return Ok(Commit {
                    writes: vec![self.flow_write(&current.value, current.version)],
                    ..Commit::default()
                });
            }
            Err(e) => return Err(e),
        };
        if let Some(id) = &current.value.appeal {
            let appeal = self.get::<Appeal>(Target::Appeal(id.clone()))?;
            let events = appeal.value.decide(&AppealCommand::CloseWithFlow, system)?;
            let mut closed = appeal.value.clone();
            events.iter().for_each(|e| closed.apply(e, system, now));
            commit.writes.push(self.appeal_write(&closed, appeal.version));
            commit.events.extend(appeal_events(system, id, events));
        }
        let order = self.get::<Order>(Target::Order(next.order.clone()))?;
        if order.value.status == OrderStatus::Processing {
            if order.value.invoice_issued || !self.policy.max_age_refunds_uninvoiced {
                let (_, c) = self.decide_order(&order, &OrderCommand::CompleteNow, system, now)?;
                commit.writes.extend(c.writes);
                commit.events.extend(c.events);
                self.start_service(&next, false, system, now, &mut commit)?;
            } else {
                self.refund_order(&order, refundable(&order.value), true, system, now, &mut commit)?;
            }
        }
        Ok(commit)
    }

    /// A service flow `by` may see (its customer, its seller, an operator).
    pub fn flow(&self, by: &Actor, id: &FlowId) -> Result<ServiceFlow, Error> {
        let target = Target::Flow(id.clone());
        self.check_can_view(by, &target)?;
        Ok(self.get::<ServiceFlow>(target)?.value)
    }

    /// The service flow of an order `by` may see (SUP-1).
    pub fn flow_of_order(&self, by: &Actor, order: &OrderId) -> Result<ServiceFlow, Error> {
        let order = self.order(by, order)?;
        let id = order.flow.ok_or_else(|| Error::not_found("service flow", format!("of order {}", order.id)))?;
        Ok(self.get::<ServiceFlow>(Target::Flow(id))?.value)
    }

    /// The flows of the calling customer or seller, newest first (the Service Supervision page).
    pub fn flows(
        &self,
        by: &Actor,
        filter: &FlowFilter,
        page: u32,
        page_size: u32,
    ) -> Result<Page<ServiceFlow>, Error> {
        check_page(page, page_size, &self.policy)?;
        if !matches!(by, Actor::Customer(_) | Actor::Seller(_)) {
            return Err(Error::forbidden(format!("{by} may not list service flows: only a customer or a seller may")));
        }
        self.store.flows_of(by, filter, page, page_size)
    }

    /// The application information of a SaaS flow, without the password, shown on the flow
    /// until the app is listed among purchased apps (APP-4). `None` before delivery.
    pub fn flow_application_info(&self, by: &Actor, flow: &FlowId) -> Result<Option<ApplicationInfo>, Error> {
        Ok(self.flow(by, flow)?.application_info)
    }

    /// An appeal `by` may see (the flow's customer and seller, an operator).
    pub fn appeal(&self, by: &Actor, id: &AppealId) -> Result<Appeal, Error> {
        let target = Target::Appeal(id.clone());
        self.check_can_view(by, &target)?;
        Ok(self.get::<Appeal>(target)?.value)
    }

    /// Appeals open for more than the resolution target in working days, oldest first, for
    /// operators (APL-4).
    pub fn overdue_appeals(&self, by: &Actor) -> Result<Vec<Appeal>, Error> {
        by.require_operator("list overdue appeals")?;
        let now = self.clock_now()?;
        Ok(self.store.open_appeals()?.into_iter().filter(|a| a.is_overdue(&self.policy, now)).collect())
    }
}
