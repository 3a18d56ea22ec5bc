//! Service supervision and appeals: flow commands and queries, appeals, the 365-day close
//! (SUP-1..8, APL-1..4, APP-3, APP-4).

use super::{Marketplace, Unit};
use crate::actor::{Actor, AppealId, FlowId, OrderId, Target};
use crate::aggregate::Aggregate;
use crate::app::{self, AppCommand, ApplicationInfo, PurchasedApp};
use crate::appeal::{self, Appeal, AppealCommand, RefundDecision, Resolution};
use crate::catalog::{Page, check_page};
use crate::domain::access;
use crate::error::Error;
use crate::order::{Fact, Order, OrderCommand};
use crate::secret::Secret;
use crate::supervision::{
    self, Delivery, FlowCommand, FlowFilter, MaxAgeClose, ServiceFlow, ServiceRequest, SubmittedRequest,
    sensitive_data_warnings,
};
use crate::text::Text;

impl Marketplace {
    fn flow_command(&self, unit: &mut Unit<'_>, flow: &FlowId, cmd: FlowCommand) -> Result<ServiceFlow, Error> {
        Ok(unit.decide::<ServiceFlow>(&Target::Flow(flow.clone()), &cmd)?.clone())
    }

    /// The customer submits a request (SUP-3). Text that looks like a password, an account or
    /// personal data earns warnings in the result, never a refusal (SUP-6).
    pub(super) fn submit_request_in(
        &self,
        unit: &mut Unit<'_>,
        flow: &FlowId,
        request: &ServiceRequest,
    ) -> Result<SubmittedRequest, Error> {
        self.check_input("request", request)?;

        let cmd = FlowCommand::SubmitRequest(request.clone());
        let next = unit.decide::<ServiceFlow>(&Target::Flow(flow.clone()), &cmd)?.clone();
        let warnings = sensitive_data_warnings(request, &self.policy);
        Ok(SubmittedRequest { flow: next, warnings })
    }

    /// The seller rejects the request with a reason; it returns to the customer (SUP-3).
    pub(super) fn reject_request_in(
        &self,
        unit: &mut Unit<'_>,
        flow: &FlowId,
        reason: &str,
    ) -> Result<ServiceFlow, Error> {
        self.check_text("reason", reason, Text::Reason)?;
        let cmd = FlowCommand::RejectRequest { reason: reason.to_owned() };
        self.flow_command(unit, flow, cmd)
    }

    /// The seller delivers (SUP-2, SUP-3), optionally with the actual enabling time (APP-3). A
    /// SaaS delivery gives the application information; its password goes to the store's vault,
    /// never into the flow or its events (APP-4, APP-5).
    pub(super) fn deliver_in(
        &self,
        unit: &mut Unit<'_>,
        flow: &FlowId,
        delivery: &Delivery,
        password: &Option<Secret>,
    ) -> Result<ServiceFlow, Error> {
        self.check_input("delivery", delivery)?;
        self.check_input("password", password)?;

        let target = Target::Flow(flow.clone());
        let mut delivery = delivery.clone();
        let had_password = unit.get::<ServiceFlow>(&target)?.application_info.as_ref().is_some_and(|i| i.has_password);
        if let Some(info) = &mut delivery.application_info {
            info.has_password = password.is_some() || had_password;
        }
        let next = unit.decide::<ServiceFlow>(&target, &FlowCommand::Deliver(delivery.clone()))?.clone();
        delivery.check_password(password.as_ref(), &self.policy)?;
        if let Some(info) = delivery.application_info {
            unit.decide::<PurchasedApp>(&Target::App(next.app.clone()), &AppCommand::ProvideApplicationInfo { info })?;
            if let Some(p) = &password {
                unit.keep_secret(next.app.clone(), p.clone());
            }
        }
        Ok(next)
    }

    /// The customer accepts the delivery: the flow completes, the order completes after the
    /// delay, and the app's term starts (SUP-4, APP-3, APP-4).
    pub(super) fn confirm_acceptance_in(&self, unit: &mut Unit<'_>, flow: &FlowId) -> Result<ServiceFlow, Error> {
        let target = Target::Flow(flow.clone());
        unit.decide::<ServiceFlow>(&target, &FlowCommand::ConfirmAcceptance)?;
        start_service(unit, &target, true)?;
        Ok(unit.get::<ServiceFlow>(&target)?.clone())
    }

    /// The customer rejects the delivery with a reason; it returns to the seller (SUP-3).
    pub(super) fn reject_delivery_in(
        &self,
        unit: &mut Unit<'_>,
        flow: &FlowId,
        reason: &str,
    ) -> Result<ServiceFlow, Error> {
        self.check_text("reason", reason, Text::Reason)?;
        let cmd = FlowCommand::RejectDelivery { reason: reason.to_owned() };
        self.flow_command(unit, flow, cmd)
    }

    /// The customer or the seller appeals; the flow is frozen until the operator resolves it
    /// (APL-1, APL-2, APL-3).
    pub(super) fn open_appeal_in(&self, unit: &mut Unit<'_>, flow: &FlowId, reason: &str) -> Result<Appeal, Error> {
        self.check_text("reason", reason, Text::Reason)?;

        let target = Target::Flow(flow.clone());
        let current = unit.get::<ServiceFlow>(&target)?.clone();
        // The appeal is numbered once decided: a refusal changes nothing.
        let open = AppealCommand::from(appeal::Fact::Open { flow: Box::new(current), reason: reason.to_owned() });
        let opened = unit.decide_new::<Appeal>(&open)?;
        let id = opened.value().id.clone();
        unit.decide::<ServiceFlow>(&target, &FlowCommand::from(supervision::Fact::Freeze { appeal: id }))?;
        Ok(unit.create(opened).clone())
    }

    /// The operator resolves an appeal (APL-4): resume the flow where it was, complete it as
    /// accepted, or close it with a refund of 0 < refund ≤ paid. A full refund unsubscribes the
    /// order; a partial one completes it.
    pub(super) fn resolve_appeal_in(
        &self,
        unit: &mut Unit<'_>,
        appeal: &AppealId,
        resolution: &Resolution,
    ) -> Result<Appeal, Error> {
        let target = Target::Appeal(appeal.clone());
        let current = unit.get::<Appeal>(&target)?.clone();
        current.check_resolve(unit.actor())?;
        let order = Target::Order(current.order.clone());
        let left = unit.get::<Order>(&order)?.refundable();
        let cmd = AppealCommand::Resolve { resolution: resolution.clone(), refundable: left };
        current.decide(&cmd, &unit.ctx())?;
        let flow = Target::Flow(current.flow.clone());
        let flow_cmd =
            FlowCommand::from(supervision::Fact::Resolve { appeal: appeal.clone(), outcome: resolution.outcome() });
        unit.decide::<ServiceFlow>(&flow, &flow_cmd)?;
        let next = unit.decide::<Appeal>(&target, &cmd)?.clone();
        match appeal::refund_for(resolution, left) {
            RefundDecision::Nothing => {}
            RefundDecision::StartService => start_service(unit, &flow, true)?,
            RefundDecision::Full(refund) => self.refund_order(unit, &current.order, refund, true)?,
            RefundDecision::Partial(refund) => {
                unit.decide::<Order>(&order, &OrderCommand::from(Fact::CompleteNow))?;
                self.refund_order(unit, &current.order, refund, false)?;
                start_service(unit, &flow, false)?;
            }
        }
        Ok(next)
    }

    /// System: closes a flow open for the longest flow (SUP-8). An invoiced order completes;
    /// otherwise it is unsubscribed with a full refund. An open appeal closes with the flow.
    pub(crate) fn tick_flow(&self, unit: &mut Unit<'_>, target: &Target) -> Result<(), Error> {
        let appeal = unit.get::<ServiceFlow>(target)?.appeal.clone();
        let next = match unit.decide::<ServiceFlow>(target, &FlowCommand::CloseAtMaxAge) {
            Ok(next) => next.clone(),
            Err(Error::NotAllowed { .. }) => return unit.rewrite::<ServiceFlow>(target),
            Err(e) => return Err(e),
        };
        if let Some(id) = &appeal {
            unit.decide::<Appeal>(&Target::Appeal(id.clone()), &AppealCommand::from(appeal::Fact::CloseWithFlow))?;
        }
        let order_target = Target::Order(next.order.clone());
        match supervision::closed_at_max_age(unit.get::<Order>(&order_target)?, &self.policy) {
            MaxAgeClose::Nothing => {}
            MaxAgeClose::Complete => {
                unit.decide::<Order>(&order_target, &OrderCommand::from(Fact::CompleteNow))?;
                start_service(unit, target, false)?;
            }
            MaxAgeClose::RefundInFull(left) => self.refund_order(unit, &next.order, left, true)?,
        }
        Ok(())
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

    /// The flows of the calling customer or seller, newest first (the Service Supervision page);
    /// `page_size` `None` is the policy's `default_page_size`.
    pub fn flows(
        &self,
        by: &Actor,
        filter: &FlowFilter,
        page: u32,
        page_size: Option<u32>,
    ) -> Result<Page<ServiceFlow>, Error> {
        let page_size = self.policy.page_size_or_default(page_size);
        check_page(page, page_size, &self.policy)?;
        access::customer_or_seller(by, "list service flows")?;
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
        access::operator_only(by, "list overdue appeals")?;
        let now = self.clock_now()?;
        Ok(self.store.open_appeals()?.into_iter().filter(|a| a.is_overdue(&self.policy, now)).collect())
    }
}

/// The service goes into use: the order records the acceptance (it completes after the delay,
/// SUP-4) when `accepted`, and the app's term starts at the seller's actual enabling time or now
/// (APP-3); an app without a term is activated (APP-4).
fn start_service(unit: &mut Unit<'_>, flow: &Target, accepted: bool) -> Result<(), Error> {
    let flow = unit.get::<ServiceFlow>(flow)?;
    let (order, app, term_months, enabling_time) =
        (Target::Order(flow.order.clone()), Target::App(flow.app.clone()), flow.term_months, flow.enabling_time);
    if accepted {
        unit.decide::<Order>(&order, &OrderCommand::from(Fact::RecordAcceptance))?;
    }
    let cmd = match (term_months, unit.get::<PurchasedApp>(&app)?.term) {
        (Some(months), None) => {
            AppCommand::from(app::Fact::StartTerm { at: enabling_time.unwrap_or(unit.now()), months })
        }
        _ => AppCommand::from(app::Fact::Activate),
    };
    unit.decide::<PurchasedApp>(&app, &cmd)?;
    Ok(())
}
