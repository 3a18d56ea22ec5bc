//! Unsubscription commands: quote, unsubscribe, operator review, negotiated refunds (UNS-1..6).

use super::{Marketplace, Receipts, Unit};
use crate::account::{AccountCommand, CustomerAccount};
use crate::actions::{Action, Availability};
use crate::actor::{Actor, AppId, OrderId, Target};
use crate::app::PurchasedApp;
use crate::error::Error;
use crate::money::Money;
use crate::order::{Fact, Order, OrderCommand};
use crate::supervision::{self, FlowCommand, ServiceFlow, check_reason};
use crate::text::Text;
use crate::unsubscribe::{self, PendingKind, PendingUnsubscription, RefundPart, RefundQuote};

/// Everything an unsubscription decided, before it is committed.
struct Plan {
    /// The app's orders: the purchase first, then its renewals.
    orders: Vec<OrderId>,
    refund: RefundQuote,
    /// Whether the unconditional quota is used (UNS-3): the account's counter is then counted,
    /// at the version the plan read.
    uses_quota: bool,
}

impl Marketplace {
    /// The itemised refund an unsubscription of the app would give now (UNS-3..5). Changes
    /// nothing.
    pub fn quote_unsubscribe(&self, by: &Actor, app: &AppId) -> Result<RefundQuote, Error> {
        let receipts = Receipts::default();
        let mut unit = Unit::new(self, by, self.clock_now()?, &receipts);
        self.plan_unsubscribe(&mut unit, app).map(|p| p.refund)
    }

    /// Unsubscribes from an app (UNS-1..5): refunds every order of it (the purchase and its
    /// renewals) and marks it and its orders unsubscribed; a refund above the review threshold
    /// waits for an operator instead. Returns the app's purchase order.
    pub(super) fn unsubscribe_in(&self, unit: &mut Unit<'_>, app: &AppId) -> Result<Order, Error> {
        let plan = self.plan_unsubscribe(unit, app)?;
        let first = Target::Order(plan.orders[0].clone());
        if plan.refund.needs_review {
            let pending = PendingUnsubscription {
                kind: PendingKind::OperatorReview,
                parts: plan.refund.parts.clone(),
                quote: plan.refund.quote.clone(),
                reason: None,
                unconditional: plan.refund.unconditional,
            };
            unit.decide::<Order>(&first, &OrderCommand::from(Fact::HoldUnsubscription { pending }))?;
        } else {
            self.refund_parts(unit, &plan.refund.parts, plan.refund.unconditional)?;
        }
        if plan.uses_quota {
            // The quota is counted when the unconditional unsubscription is asked, also when
            // it then waits for review; the version check serialises racing requests.
            let customer = Target::Account(unit.get::<PurchasedApp>(&Target::App(app.clone()))?.customer.clone());
            unit.decide::<CustomerAccount>(&customer, &AccountCommand::CountUnconditionalUnsubscription)?;
        }
        Ok(unit.get::<Order>(&first)?.clone())
    }

    /// The operator approves or rejects an unsubscription waiting for review (UNS-5).
    pub(super) fn review_unsubscription_in(
        &self,
        unit: &mut Unit<'_>,
        order: &OrderId,
        approve: bool,
    ) -> Result<Order, Error> {
        let target = Target::Order(order.clone());
        let by = unit.actor();
        let pending = unsubscribe::pending_decision(unit.get::<Order>(&target)?, by, PendingKind::OperatorReview)?;
        if !approve {
            let cmd = OrderCommand::from(Fact::RejectUnsubscription { reason: "rejected by the operator".into() });
            return Ok(unit.decide::<Order>(&target, &cmd)?.clone());
        }
        self.refund_parts(unit, &pending.parts, pending.unconditional)?;
        Ok(unit.get::<Order>(&target)?.clone())
    }

    /// The customer of a supervised order whose flow is still open asks the seller for a
    /// refund of `0 < amount ≤ paid` (UNS-6).
    pub(super) fn request_refund_in(
        &self,
        unit: &mut Unit<'_>,
        order: &OrderId,
        amount: Money,
        reason: &str,
    ) -> Result<Order, Error> {
        self.check_text("reason", reason, Text::Reason)?;

        let target = Target::Order(order.clone());
        let current = unit.get::<Order>(&target)?.clone();
        self.check_refund_request(unit, &current, Some(&amount))?;
        check_reason("reason", reason.trim(), &self.policy)?;
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
        Ok(unit.decide::<Order>(&target, &OrderCommand::from(Fact::HoldUnsubscription { pending }))?.clone())
    }

    /// The seller approves (the order is unsubscribed with the asked refund) or rejects a
    /// negotiated refund (UNS-6).
    pub(super) fn resolve_refund_request_in(
        &self,
        unit: &mut Unit<'_>,
        order: &OrderId,
        approve: bool,
    ) -> Result<Order, Error> {
        let target = Target::Order(order.clone());
        let current = unit.get::<Order>(&target)?.clone();
        let pending = unsubscribe::pending_decision(&current, unit.actor(), PendingKind::NegotiatedRefund)?;
        let flow = self.refund_flow(unit, &current)?;
        if !approve {
            let cmd = OrderCommand::from(Fact::RejectUnsubscription { reason: "rejected by the seller".into() });
            return Ok(unit.decide::<Order>(&target, &cmd)?.clone());
        }
        self.refund_parts(unit, &pending.parts, false)?;
        // The order is unsubscribed: its flow closes, recorded (UNS-6, SUP-7).
        if let Some(flow) = flow {
            unit.decide::<ServiceFlow>(&flow, &FlowCommand::from(supervision::Fact::CloseForRefund))?;
        }
        Ok(unit.get::<Order>(&target)?.clone())
    }

    /// Whether the unit's actor may ask a negotiated refund of `order` now (UNS-6): its customer;
    /// a flow frozen by an appeal refuses it first (APL-2), then the order's own state.
    fn check_refund_request(&self, unit: &mut Unit<'_>, order: &Order, amount: Option<&Money>) -> Result<(), Error> {
        let by = unit.actor();
        let flow = match &order.flow {
            Some(id) => Some(unit.get::<ServiceFlow>(&Target::Flow(id.clone()))?),
            None => None,
        };
        unsubscribe::check_refund_asked(order, flow, by, amount, &self.policy)
    }

    /// The service flow of an order a negotiated refund is asked or decided on, checked: not
    /// frozen by an appeal (APL-2), supervision still open (UNS-6).
    fn refund_flow(&self, unit: &mut Unit<'_>, order: &Order) -> Result<Option<Target>, Error> {
        let Some(id) = &order.flow else { return Ok(None) };
        let target = Target::Flow(id.clone());
        unit.get::<ServiceFlow>(&target)?.check_refund_possible()?;
        Ok(Some(target))
    }

    /// Refunds each order its part and unsubscribes it; the purchase order (first) last, so
    /// that the app is marked once.
    fn refund_parts(&self, unit: &mut Unit<'_>, parts: &[RefundPart], unconditional: bool) -> Result<(), Error> {
        for part in parts.iter().skip(1) {
            self.refund_order(unit, &part.order, part.refund, true)?;
        }
        let first = &parts[0];
        if unconditional {
            unit.decide::<Order>(&Target::Order(first.order.clone()), &OrderCommand::from(Fact::MarkUnconditional))?;
        }
        self.refund_order(unit, &first.order, first.refund, true)
    }

    fn plan_unsubscribe(&self, unit: &mut Unit<'_>, app: &AppId) -> Result<Plan, Error> {
        let (by, now) = (unit.actor(), unit.now());
        let a = unit.get::<PurchasedApp>(&Target::App(app.clone()))?.clone();
        unsubscribe::check_eligible(&a, by)?;
        let ids: Vec<OrderId> =
            std::iter::once(a.order.clone()).chain(a.renewals.iter().map(|r| r.order.clone())).collect();
        let mut orders = Vec::with_capacity(ids.len());
        for id in &ids {
            orders.push(unit.get::<Order>(&Target::Order(id.clone()))?.clone());
        }
        unsubscribe::check_orders(orders.iter())?;
        // UNS-3: a counter per customer and calendar year, kept on the account.
        let account = unit.get::<CustomerAccount>(&Target::Account(a.customer.clone()))?;
        let uses_quota = unsubscribe::quota(a.purchased_at, account, &self.policy, now);
        let purchase_months = orders[0].mode.months_per_period().unwrap_or(0) * orders[0].periods;
        let segments = unsubscribe::segments(&a, purchase_months);
        let refs: Vec<&Order> = orders.iter().collect();
        let refund = unsubscribe::refund_quote(&refs, &segments, uses_quota, &self.policy, now)?;
        Ok(Plan { orders: ids, refund, uses_quota })
    }

    /// The app's Unsubscribe button (UNS-1, UNS-2, UNS-5), from the same checks as the command.
    pub(crate) fn unsubscribe_actions(&self, by: &Actor, app: &PurchasedApp) -> Vec<Availability> {
        let check = self
            .clock_now()
            .and_then(|now| self.plan_unsubscribe(&mut Unit::new(self, by, now, &Receipts::default()), &app.id))
            .map(|_| ());
        vec![Availability::from_check(Action::Unsubscribe, check)]
    }

    /// The order's Request Refund button (UNS-6).
    pub(crate) fn refund_actions(&self, by: &Actor, order: &Order) -> Vec<Availability> {
        let check = self.clock_now().and_then(|now| {
            self.check_refund_request(&mut Unit::new(self, by, now, &Receipts::default()), order, None)
        });
        vec![Availability::from_check(Action::RequestRefund, check)]
    }
}
