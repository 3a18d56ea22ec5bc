//! Unsubscription commands: quote, unsubscribe, operator review, negotiated refunds (UNS-1..6).

use chrono::{DateTime, Utc};

use super::{Decision, Marketplace};
use crate::account::CustomerAccount;
use crate::actions::{Action, Availability};
use crate::actor::{Actor, AppId, Caller, OrderId, Target};
use crate::app::PurchasedApp;
use crate::command::Command;
use crate::error::Error;
use crate::money::Money;
use crate::order::{Order, OrderCommand};
use crate::store::{Commit, Record, StoreExt, Versioned, Write};
use crate::supervision::{FlowCommand, ServiceFlow};
use crate::unsubscribe::{self, PendingKind, PendingUnsubscription, RefundPart, RefundQuote};

/// Everything an unsubscription decided, before it is committed.
struct Plan {
    orders: Vec<Versioned<Order>>,
    refund: RefundQuote,
    /// The account, locked by its version when the unconditional quota is used (UNS-3).
    quota_lock: Option<Versioned<CustomerAccount>>,
}

impl Marketplace {
    /// The itemised refund an unsubscription of the app would give now (UNS-3..5). Changes
    /// nothing.
    pub fn quote_unsubscribe(&self, by: &Actor, app: &AppId) -> Result<RefundQuote, Error> {
        self.plan_unsubscribe(by, app, self.clock_now()?).map(|p| p.refund)
    }

    /// Unsubscribes from an app (UNS-1..5): refunds every order of it (the purchase and its
    /// renewals) and marks it and its orders unsubscribed; a refund above the review threshold
    /// waits for an operator instead. Returns the app's purchase order.
    pub fn unsubscribe(&self, by: impl Into<Caller>, app: &AppId) -> Result<Order, Error> {
        let fp = || Command::Unsubscribe { app: app.clone() };
        self.execute(by, fp, |actor, now| {
            let plan = self.plan_unsubscribe(actor, app, now)?;
            let mut commit = Commit::default();
            let first = &plan.orders[0];
            let result = if plan.refund.needs_review {
                let pending = PendingUnsubscription {
                    kind: PendingKind::OperatorReview,
                    parts: plan.refund.parts.clone(),
                    quote: plan.refund.quote.clone(),
                    reason: None,
                    unconditional: plan.refund.unconditional,
                };
                let (next, c) = self.decide_order(first, &OrderCommand::HoldUnsubscription { pending }, actor, now)?;
                commit = c;
                next
            } else {
                self.refund_parts(&plan.orders, &plan.refund.parts, plan.refund.unconditional, actor, now, &mut commit)?
            };
            if let Some(lock) = plan.quota_lock {
                // The quota is counted when the unconditional unsubscription is asked, also when
                // it then waits for review; the version check serialises racing requests.
                let mut account = lock.value;
                let year = self.policy.zone().year_of(now);
                account.unconditional_unsubscriptions = account.unconditional_unsubscriptions.incremented(year);
                commit.writes.push(Write {
                    record: Record::Account(account),
                    expected_version: lock.version,
                    due: None,
                });
            }
            Ok(Decision::ok(commit, result))
        })
    }

    /// The operator approves or rejects an unsubscription waiting for review (UNS-5).
    pub fn review_unsubscription(&self, by: impl Into<Caller>, order: &OrderId, approve: bool) -> Result<Order, Error> {
        let fp = || Command::ReviewUnsubscription { order: order.clone(), approve };
        self.execute(by, fp, |actor, now| {
            actor.require_operator("review unsubscriptions")?;
            let current = self.get::<Order>(Target::Order(order.clone()))?;
            let pending = self.pending_of(&current.value, PendingKind::OperatorReview)?;
            if !approve {
                let cmd = OrderCommand::RejectUnsubscription { reason: "rejected by the operator".into() };
                let (next, commit) = self.decide_order(&current, &cmd, actor, now)?;
                return Ok(Decision::ok(commit, next));
            }
            let mut orders = vec![current];
            for part in pending.parts.iter().skip(1) {
                orders.push(self.get::<Order>(Target::Order(part.order.clone()))?);
            }
            let mut commit = Commit::default();
            let next = self.refund_parts(&orders, &pending.parts, pending.unconditional, actor, now, &mut commit)?;
            Ok(Decision::ok(commit, next))
        })
    }

    /// The customer of a supervised order whose flow is still open asks the seller for a
    /// refund of `0 < amount ≤ paid` (UNS-6).
    pub fn request_refund(
        &self,
        by: impl Into<Caller>,
        order: &OrderId,
        amount: Money,
        reason: &str,
    ) -> Result<Order, Error> {
        let fp = || Command::RequestRefund { order: order.clone(), amount, reason: reason.to_owned() };
        self.execute(by, fp, |actor, now| {
            let current = self.get::<Order>(Target::Order(order.clone()))?;
            unsubscribe::check_refund_request(&current.value, actor, Some(&amount))?;
            if !self.policy.negotiated_refunds {
                return Err(Error::not_allowed("UNS-6", "this marketplace does not offer negotiated refunds"));
            }
            self.refund_flow(&current.value)?;
            crate::supervision::check_reason("reason", reason.trim(), &self.policy)?;
            let refund = amount.rounded();
            let quote = crate::pricing::QuoteBuilder::new(refund.currency)
                .line("Negotiated refund (UNS-6)", refund, rust_decimal::Decimal::ONE, rust_decimal::Decimal::ONE)
                .build()?;
            let pending = PendingUnsubscription {
                kind: PendingKind::NegotiatedRefund,
                parts: vec![RefundPart { order: order.clone(), refund }],
                quote,
                reason: Some(reason.trim().to_owned()),
                unconditional: false,
            };
            let (next, commit) =
                self.decide_order(&current, &OrderCommand::HoldUnsubscription { pending }, actor, now)?;
            Ok(Decision::ok(commit, next))
        })
    }

    /// The seller approves (the order is unsubscribed with the asked refund) or rejects a
    /// negotiated refund (UNS-6).
    pub fn resolve_refund_request(
        &self,
        by: impl Into<Caller>,
        order: &OrderId,
        approve: bool,
    ) -> Result<Order, Error> {
        let fp = || Command::ResolveRefundRequest { order: order.clone(), approve };
        self.execute(by, fp, |actor, now| {
            let current = self.get::<Order>(Target::Order(order.clone()))?;
            actor.require_seller(&current.value.seller, &format!("order {order}"))?;
            let pending = self.pending_of(&current.value, PendingKind::NegotiatedRefund)?;
            let flow = self.refund_flow(&current.value)?;
            if !approve {
                let cmd = OrderCommand::RejectUnsubscription { reason: "rejected by the seller".into() };
                let (next, commit) = self.decide_order(&current, &cmd, actor, now)?;
                return Ok(Decision::ok(commit, next));
            }
            let mut commit = Commit::default();
            let next = self.refund_parts(&[current], &pending.parts, false, actor, now, &mut commit)?;
            // The order is unsubscribed: its flow closes, recorded (UNS-6, SUP-7).
            if let Some(flow) = flow {
                let (_, closed) = self.decide_flow(&flow, &FlowCommand::CloseForRefund, actor, now)?;
                commit.writes.extend(closed.writes);
                commit.events.extend(closed.events);
            }
            Ok(Decision::ok(commit, next))
        })
    }

    /// The service flow of an order a negotiated refund is asked or decided on, checked: not
    /// frozen by an appeal (APL-2), supervision still open (UNS-6).
    fn refund_flow(&self, order: &Order) -> Result<Option<Versioned<ServiceFlow>>, Error> {
        let Some(id) = &order.flow else { return Ok(None) };
        let flow = self.get::<ServiceFlow>(Target::Flow(id.clone()))?;
        flow.value.check_refund_possible()?;
        Ok(Some(flow))
    }

    fn pending_of(&self, order: &Order, kind: PendingKind) -> Result<PendingUnsubscription, Error> {
        let rule = if kind == PendingKind::OperatorReview { "UNS-5" } else { "UNS-6" };
        match &order.pending_unsubscription {
            Some(p) if p.kind == kind => Ok(p.clone()),
            _ => Err(Error::not_allowed(rule, format!("nothing of order {} waits for this decision", order.id))),
        }
    }

    /// Refunds each order its part and unsubscribes it; the purchase order (first) last, so
    /// that the app is marked once. Returns the purchase order after.
    fn refund_parts(
        &self,
        orders: &[Versioned<Order>],
        parts: &[RefundPart],
        unconditional: bool,
        actor: &Actor,
        now: DateTime<Utc>,
        commit: &mut Commit,
    ) -> Result<Order, Error> {
        for (order, part) in orders.iter().zip(parts).skip(1) {
            self.refund_order(order, part.refund, true, actor, now, commit)?;
        }
        let mut first = orders[0].clone();
        if unconditional {
            let events = first.value.decide(&OrderCommand::MarkUnconditional, actor, &self.policy, now)?;
            events.iter().for_each(|e| first.value.apply(e, now));
            commit.events.extend(super::events::order_events(actor, &first.value, events));
        }
        self.refund_order(&first, parts[0].refund, true, actor, now, commit)
    }

    fn plan_unsubscribe(&self, by: &Actor, app: &AppId, now: DateTime<Utc>) -> Result<Plan, Error> {
        let current = self.get::<PurchasedApp>(Target::App(app.clone()))?;
        let a = &current.value;
        unsubscribe::check_eligible(a, by)?;
        let mut orders = vec![self.get::<Order>(Target::Order(a.order.clone()))?];
        for r in &a.renewals {
            orders.push(self.get::<Order>(Target::Order(r.order.clone()))?);
        }
        unsubscribe::check_orders(orders.iter().map(|o| &o.value))?;
        let mut quota_lock = None;
        if unsubscribe::within_unconditional_window(a, &self.policy, now) {
            // UNS-3: a counter per customer and calendar year, kept on the account.
            let account = self.store.get::<CustomerAccount>(&Target::Account(a.customer.clone()))?;
            let year = self.policy.zone().year_of(now);
            if account.value.unconditional_unsubscriptions.in_year(year)
                < self.policy.unconditional_unsubscribe_per_year
            {
                quota_lock = Some(account);
            }
        }
        let purchase_months = orders[0].value.mode.months_per_period().unwrap_or(0) * orders[0].value.periods;
        let segments = unsubscribe::segments(a, purchase_months);
        let refs: Vec<&Order> = orders.iter().map(|o| &o.value).collect();
        let refund = unsubscribe::refund_quote(&refs, &segments, quota_lock.is_some(), &self.policy, now)?;
        Ok(Plan { orders, refund, quota_lock })
    }

    /// The app's Unsubscribe button (UNS-1, UNS-2, UNS-5), from the same checks as the command.
    pub(crate) fn unsubscribe_actions(&self, by: &Actor, app: &PurchasedApp) -> Vec<Availability> {
        let check = self.clock_now().and_then(|now| self.plan_unsubscribe(by, &app.id, now)).map(|_| ());
        vec![Availability::from_check(Action::Unsubscribe, check)]
    }

    /// The order's Request Refund button (UNS-6).
    pub(crate) fn refund_actions(&self, by: &Actor, order: &Order) -> Vec<Availability> {
        let check = unsubscribe::check_refund_request(order, by, None).and_then(|()| {
            if !self.policy.negotiated_refunds {
                return Err(Error::not_allowed("UNS-6", "this marketplace does not offer negotiated refunds"));
            }
            self.refund_flow(order).map(|_| ())
        });
        vec![Availability::from_check(Action::RequestRefund, check)]
    }
}
