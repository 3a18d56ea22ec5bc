//! Order commands and queries: place, accept terms, pay, cancel, image provisioning (ORD, IMG).

use chrono::DateTime;
use chrono::Utc;

use super::{Decision, Marketplace};
use crate::account::CustomerAccount;
use crate::actor::{Actor, AppId, Caller, CustomerId, FlowId, OrderId, ProductId, Target};
use crate::app::{AppCommand, AppEvent, AppStatus, ApplicationInfo, PurchasedApp, SellerInfo, Term};
use crate::catalog::{BillingMode, Page, Product, check_page};
use crate::command::Command;
use crate::error::Error;
use crate::metering::Metering;
use crate::money::Money;
use crate::order::{
    Order, OrderCommand, OrderEvent, OrderFilter, OrderKind, PurchaseRequest, Settlement, check_may_order,
    check_periods, quote_purchase,
};
use crate::payments::{ChargeRequest, PaymentError, PaymentMethod, Receipt, RefundRequest, check_receipt};
use crate::pricing::{Quote, image_quote};
use crate::provisioning::ImageProvisioning;
use crate::store::{Commit, Record, Sequence, Versioned, Write};
use crate::supervision::ServiceFlow;

use super::events::{app_events, flow_events, order_events};

impl Marketplace {
    /// Decides an order command and builds its commit (shared by every order command).
    pub(crate) fn decide_order(
        &self,
        current: &Versioned<Order>,
        cmd: &OrderCommand,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(Order, Commit), Error> {
        let events = current.value.decide(cmd, actor, &self.policy, now)?;
        let mut next = current.value.clone();
        for e in &events {
            next.apply(e, now);
        }
        let commit = Commit {
            writes: vec![self.order_write(&next, current.version)],
            events: order_events(actor, &next, events),
            ..Commit::default()
        };
        Ok((next, commit))
    }

    pub(crate) fn order_write(&self, order: &Order, expected_version: u64) -> Write {
        Write { record: Record::Order(order.clone()), expected_version, due: order.next_due(&self.policy) }
    }

    pub(crate) fn app_write(&self, app: &PurchasedApp, expected_version: u64) -> Write {
        Write { record: Record::App(app.clone()), expected_version, due: app.next_due(&self.policy) }
    }

    /// Prices a purchase without placing it (ORD-1, PRC-3).
    pub fn quote_purchase(&self, request: &PurchaseRequest) -> Result<Quote, Error> {
        quote_purchase(&*self.shared_product(&request.product)?, request, &self.policy)
    }

    /// Prices a purchase for the customer `by` without placing it: for a reseller's customer
    /// the quote is *for reference only* from this first quote on (ORD-4, PRC-3).
    pub fn quote_purchase_for(&self, by: &Actor, request: &PurchaseRequest) -> Result<Quote, Error> {
        let customer = customer_only(by, "ask for a purchase quote")?;
        let account = self.account(&customer)?;
        Ok(self.quote_purchase(request)?.for_reference(account.is_reseller_customer()))
    }

    fn ordering_customer(&self, actor: &Actor) -> Result<CustomerAccount, Error> {
        let Actor::Customer(customer) = actor else {
            return Err(Error::forbidden(format!("{actor} may not place orders: only a customer may")));
        };
        let account = self.account(customer)?;
        check_may_order(&account)?;
        Ok(account)
    }

    pub(crate) fn new_order_id(&self) -> Result<OrderId, Error> {
        Ok(OrderId::numbered(self.store.next_number(Sequence::Order)?))
    }

    /// Places an order, pending payment, with its quote fixed (ORD-1).
    pub fn place_order(&self, by: impl Into<Caller>, request: PurchaseRequest) -> Result<Order, Error> {
        let fp = || Command::PlaceOrder { request: request.clone() };
        self.execute(by, fp, |actor, now| {
            let account = self.ordering_customer(actor)?;
            let product = self.shared_product(&request.product)?;
            let quote = quote_purchase(&product, &request, &self.policy)?;
            let order = Order::placed(
                self.new_order_id()?,
                account.id.clone(),
                &product,
                request.specification.clone(),
                request.mode,
                request.quantity,
                request.periods,
                OrderKind::Purchase,
                quote.for_reference(account.is_reseller_customer()),
                now,
            );
            Ok(Decision::ok(self.placement_commit(actor, &order, vec![]), order))
        })
    }

    fn placement_commit(&self, actor: &Actor, order: &Order, more: Vec<OrderEvent>) -> Commit {
        let mut events = vec![OrderEvent::Placed { total: order.quote.total }];
        events.extend(more);
        Commit {
            writes: vec![self.order_write(order, 0)],
            events: order_events(actor, order, events),
            ..Commit::default()
        }
    }

    /// The customer accepts the terms and conditions (ORD-2, 2.1 step 5).
    pub fn accept_terms(&self, by: impl Into<Caller>, order: &OrderId) -> Result<Order, Error> {
        let fp = || Command::AcceptTerms { order: order.clone() };
        self.execute(by, fp, |actor, now| {
            let current = self.get::<Order>(Target::Order(order.clone()))?;
            let (next, commit) = self.decide_order(&current, &OrderCommand::AcceptTerms, actor, now)?;
            Ok(Decision::ok(commit, next))
        })
    }

    /// The customer cancels an unpaid order.
    pub fn cancel_order(&self, by: impl Into<Caller>, order: &OrderId) -> Result<Order, Error> {
        let fp = || Command::CancelOrder { order: order.clone() };
        self.execute(by, fp, |actor, now| {
            let current = self.get::<Order>(Target::Order(order.clone()))?;
            let (next, mut commit) = self.decide_order(&current, &OrderCommand::Cancel, actor, now)?;
            self.release_pending(&next, actor, now, &mut commit)?;
            Ok(Decision::ok(commit, next))
        })
    }

    /// When an upgrade or renewal order will not be paid, its app no longer waits for it.
    pub(crate) fn release_pending(
        &self,
        order: &Order,
        actor: &Actor,
        now: DateTime<Utc>,
        commit: &mut Commit,
    ) -> Result<(), Error> {
        if let OrderKind::Upgrade { app, .. } | OrderKind::Renewal { app, .. } = &order.kind {
            let current = self.get::<PurchasedApp>(Target::App(app.clone()))?;
            let events = current.value.decide(
                &AppCommand::ReleasePendingOrder { order: order.id.clone() },
                actor,
                &self.policy,
                now,
            )?;
            if !events.is_empty() {
                let mut next = current.value.clone();
                events.iter().for_each(|e| next.apply(e));
                commit.writes.push(self.app_write(&next, current.version));
                commit.events.extend(app_events(actor, app, events));
            }
        }
        Ok(())
    }

    /// Pays an order (ORD-2, ORD-3) — or, for a reseller's customer, confirms it with no method
    /// (ORD-4). A paid order creates the purchased app (ORD-5).
    ///
    /// A declined payment cancels the order with the reason and returns
    /// [`Error::PaymentDeclined`]: the one error after which something has changed. A gateway
    /// that fails ([`PaymentError::Failed`]) gives [`Error::Gateway`] and changes nothing:
    /// the order stays unpaid, and paying again sends the same idempotency key.
    pub fn pay(&self, by: impl Into<Caller>, order: &OrderId, method: Option<PaymentMethod>) -> Result<Order, Error> {
        let fp = || Command::Pay { order: order.clone(), method };
        self.execute(by, fp, |actor, now| {
            let current = self.get::<Order>(Target::Order(order.clone()))?;
            let account = match actor {
                Actor::Customer(c) if *c == current.value.customer => self.account(c)?,
                other => {
                    return Err(Error::forbidden(format!("{other} may not pay order {order}: only its customer may")));
                }
            };
            let settlement = current.value.check_pay(actor, method, &account)?;
            self.check_before_payment(&current.value, now)?;
            let receipt = match settlement {
                // PRC-7: nothing is charged up front; usage is settled after each cycle.
                Settlement::Charge { method, amount } if current.value.mode == BillingMode::PayPerUse => {
                    Ok(Receipt { id: format!("{order}:pay-per-use"), amount, method })
                }
                Settlement::Charge { method, amount } => {
                    let request = ChargeRequest {
                        idempotency_key: self.payment_key(format!("{order}:pay")),
                        customer: account.id.clone(),
                        method,
                        amount,
                        description: current.value.product_name.clone(),
                    };
                    match self.payments.charge(&request) {
                        Ok(receipt) => {
                            check_receipt(&receipt, &request.amount, &request.idempotency_key)?;
                            Ok(receipt)
                        }
                        Err(PaymentError::Failed(reason)) => return Err(Error::Gateway { reason }),
                        Err(PaymentError::Declined(reason)) => {
                            let (next, mut commit) = self.decide_order(
                                &current,
                                &OrderCommand::RecordDecline { reason: reason.clone() },
                                actor,
                                now,
                            )?;
                            self.release_pending(&next, actor, now, &mut commit)?;
                            return Ok(Decision { commit, result: Err(Error::PaymentDeclined { reason }) });
                        }
                    }
                }
                Settlement::Reseller(reseller) => Err(reseller),
            };
            let (next, commit) = self.fulfil(&current, receipt, &account, actor, now)?;
            Ok(Decision::ok(commit, next))
        })
    }

    /// After payment: create or change the app, open a flow if supervised (ORD-5).
    fn fulfil(
        &self,
        current: &Versioned<Order>,
        payment: Result<Receipt, String>,
        account: &CustomerAccount,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(Order, Commit), Error> {
        let order = &current.value;
        let mut commit = Commit::default();
        let (app_id, flow): (AppId, Option<FlowId>) = match &order.kind {
            OrderKind::Purchase | OrderKind::Image { .. } => {
                let app_id = match &order.app {
                    Some(id) => id.clone(),
                    None => AppId::numbered(self.store.next_number(Sequence::App)?),
                };
                let product = self.shared_product(&order.product)?;
                let mut app = new_app(app_id.clone(), order, &product, account, &self.policy, now);
                let flow = self.open_service_flow(order, &app, actor, now, &mut commit)?;
                let mut events = vec![AppEvent::Created { order: order.id.clone() }];
                if let Some(term) = app.term {
                    events.push(AppEvent::TermStarted { term });
                }
                if order.mode == BillingMode::PayPerUse {
                    // PRC-7: an unsupervised app accrues from now; a supervised one once its
                    // flow completes.
                    let (method, reseller) = match &payment {
                        Ok(receipt) => (Some(receipt.method), None),
                        Err(reseller) => (None, Some(reseller.clone())),
                    };
                    let hourly = order.quote.hourly_rate.unwrap_or(Money::zero(order.quote.total.currency));
                    app.metering = Some(Metering::new(hourly, method, reseller, None));
                    if app.status == AppStatus::Active {
                        let started = AppEvent::MeteringStarted { at: now };
                        app.apply(&started);
                        events.push(started);
                    }
                }
                commit.writes.push(self.app_write(&app, 0));
                commit.events.extend(app_events(actor, &app_id, events));
                (app_id, flow)
            }
            OrderKind::Upgrade { app, .. } => {
                let app_now = self.get::<PurchasedApp>(Target::App(app.clone()))?;
                let cmd = AppCommand::ApplyUpgrade {
                    order: order.id.clone(),
                    specification: order.specification.clone(),
                    quantity: order.quantity,
                };
                let events = app_now.value.decide(&cmd, actor, &self.policy, now)?;
                let mut next = app_now.value.clone();
                events.iter().for_each(|e| next.apply(e));
                commit.writes.push(self.app_write(&next, app_now.version));
                commit.events.extend(app_events(actor, app, events));
                (app.clone(), None)
            }
            OrderKind::Renewal { app, .. } => {
                self.apply_paid_renewal(order, actor, now, &mut commit)?;
                (app.clone(), None)
            }
        };
        let cmd = match payment {
            Ok(receipt) => OrderCommand::RecordPayment { receipt, app: app_id, flow },
            Err(reseller) => OrderCommand::RecordSettlement { reseller, app: app_id, flow },
        };
        let (next, order_commit) = self.decide_order(current, &cmd, actor, now)?;
        let mut writes = order_commit.writes;
        writes.append(&mut commit.writes);
        let mut events = order_commit.events;
        events.append(&mut commit.events);
        Ok((next, Commit { writes, events, ..commit }))
    }

    /// Opens the service flow of a supervised order (SUP-1, SUP-2); the order then stays
    /// `Processing` while the flow is open (ORD-5). `None` for orders without supervision.
    fn open_service_flow(
        &self,
        order: &Order,
        app: &PurchasedApp,
        actor: &Actor,
        now: DateTime<Utc>,
        commit: &mut Commit,
    ) -> Result<Option<FlowId>, Error> {
        if !order.involves_supervision {
            return Ok(None);
        }
        let id = FlowId::numbered(self.store.next_number(Sequence::Flow)?);
        let Some((flow, event)) = ServiceFlow::open(id.clone(), order, app.id.clone(), now) else {
            return Ok(None);
        };
        commit.writes.push(self.flow_write(&flow, 0));
        commit.events.extend(flow_events(actor, &id, vec![event]));
        Ok(Some(id))
    }

    /// Seam for renewals (REN): applies a paid renewal order to its app.
    fn apply_paid_renewal(
        &self,
        order: &Order,
        actor: &Actor,
        now: DateTime<Utc>,
        commit: &mut Commit,
    ) -> Result<(), Error> {
        self.renew_paid(order, actor, now, commit)
    }

    /// Refunds part or all of what an order's customer paid, through the gateway, and records
    /// it: with `unsubscribe` the order becomes `Unsubscribed` and its app too (UNS, SUP-8,
    /// APL-4, UNS-6); without, the order stands. Appends to `commit`; returns the new order.
    pub(crate) fn refund_order(
        &self,
        current: &Versioned<Order>,
        refund: Money,
        unsubscribe: bool,
        actor: &Actor,
        now: DateTime<Utc>,
        commit: &mut Commit,
    ) -> Result<Order, Error> {
        let order = &current.value;
        let refund = refund.rounded();
        let cmd = if unsubscribe {
            OrderCommand::RecordUnsubscription { refund }
        } else {
            OrderCommand::RecordRefund { refund }
        };
        // Decide first: a refused refund never reaches the gateway.
        order.decide(&cmd, actor, &self.policy, now)?;
        let mut app_change = None;
        // A renewal order's app is unsubscribed with its purchase order, once.
        if unsubscribe
            && !matches!(order.kind, OrderKind::Renewal { .. })
            && let Some(app) = &order.app
        {
            let app_now = self.get::<PurchasedApp>(Target::App(app.clone()))?;
            let events = app_now.value.decide(&AppCommand::MarkUnsubscribed, actor, &self.policy, now)?;
            app_change = Some((app_now, events));
        }
        if !refund.is_zero()
            && let Some(method) = order.payment.as_ref().and_then(|p| p.method)
        {
            let request = RefundRequest {
                idempotency_key: self.payment_key(format!(
                    "{}:refund:{}",
                    order.id,
                    order.refunded.amount + refund.amount
                )),
                customer: order.customer.clone(),
                method,
                amount: refund,
                description: format!("refund of order {}", order.id),
            };
            let receipt = self.payments.refund(&request).map_err(|e| match e {
                PaymentError::Declined(reason) => Error::PaymentDeclined { reason: format!("refund failed: {reason}") },
                PaymentError::Failed(reason) => Error::Gateway { reason: format!("refund: {reason}") },
            })?;
            check_receipt(&receipt, &request.amount, &request.idempotency_key)?;
        }
        let (next, order_commit) = self.decide_order(current, &cmd, actor, now)?;
        commit.writes.extend(order_commit.writes);
        commit.events.extend(order_commit.events);
        if let Some((app_now, events)) = app_change {
            let mut app_next = app_now.value.clone();
            events.iter().for_each(|e| app_next.apply(e));
            commit.writes.push(self.app_write(&app_next, app_now.version));
            commit.events.extend(app_events(actor, &app_next.id, events));
        }
        Ok(next)
    }

    /// An order `by` may see (its customer, its seller, an operator).
    pub fn order(&self, by: &Actor, id: &OrderId) -> Result<Order, Error> {
        let target = Target::Order(id.clone());
        self.check_can_view(by, &target)?;
        Ok(self.get::<Order>(target)?.value)
    }

    /// A customer's orders, newest first.
    pub fn orders(&self, by: &Actor, filter: &OrderFilter, page: u32, page_size: u32) -> Result<Page<Order>, Error> {
        check_page(page, page_size, &self.policy)?;
        let customer = customer_only(by, "list orders")?;
        self.store.orders_of(&customer, filter, page, page_size)
    }

    /// Prices an image provisioning request: image fee and cloud resource fee, each shown (PRC-3).
    pub fn quote_image(&self, product: &ProductId, request: &ImageProvisioning) -> Result<Quote, Error> {
        let product = self.shared_product(product)?;
        self.image_order_parts(&product, request).map(|(q, _)| q)
    }

    fn image_order_parts(
        &self,
        product: &Product,
        request: &ImageProvisioning,
    ) -> Result<(Quote, crate::provisioning::ImagePlan), Error> {
        product.check_orderable()?;
        let plan = request.plan(product, &self.policy)?;
        check_periods(plan.mode, plan.periods, &self.policy, "IMG-2")?;
        let spec = product.specification(&request.specification)?;
        let price_plan = spec.plan(plan.mode)?;
        let resources = product.image.as_ref().ok_or_else(|| Error::not_allowed("IMG-1", "not an image"))?;
        let quote = image_quote(spec, price_plan, resources, plan.setup.eip_mbit, plan.setup.instances, plan.periods)?;
        Ok((quote, plan))
    }

    /// Provisions an image by quick (IMG-1) or customized (IMG-2) provisioning: places the
    /// order with the terms accepted; paying it creates the servers. The login password is kept
    /// apart from the order (APP-5).
    pub fn provision_image(
        &self,
        by: impl Into<Caller>,
        product: &ProductId,
        request: ImageProvisioning,
    ) -> Result<Order, Error> {
        let fp = || Command::ProvisionImage { product: product.clone(), request: request.clone() };
        self.execute(by, fp, |actor, now| {
            let account = self.ordering_customer(actor)?;
            let p = self.shared_product(product)?;
            let (quote, plan) = self.image_order_parts(&p, &request)?;
            let mut order = Order::placed(
                self.new_order_id()?,
                account.id.clone(),
                &p,
                request.specification.clone(),
                plan.mode,
                plan.setup.instances,
                plan.periods,
                OrderKind::Image { setup: plan.setup },
                quote.for_reference(account.is_reseller_customer()),
                now,
            );
            let app_id = AppId::numbered(self.store.next_number(Sequence::App)?);
            order.app = Some(app_id.clone());
            order.apply(&OrderEvent::TermsAccepted, now);
            let mut commit = self.placement_commit(actor, &order, vec![OrderEvent::TermsAccepted]);
            commit.secrets.push((app_id, request.login_password.clone()));
            Ok(Decision::ok(commit, order))
        })
    }
}

pub(crate) fn customer_only(by: &Actor, doing: &str) -> Result<CustomerId, Error> {
    match by {
        Actor::Customer(c) => Ok(c.clone()),
        other => Err(Error::forbidden(format!("{other} may not {doing}: only a customer may"))),
    }
}

/// The purchased app a paid order creates (ORD-5, APP-1..3).
fn new_app(
    id: AppId,
    order: &Order,
    product: &Product,
    account: &CustomerAccount,
    policy: &crate::policy::Policy,
    now: DateTime<Utc>,
) -> PurchasedApp {
    let supervised = order.involves_supervision;
    let term = match (supervised, order.mode.months_per_period()) {
        (false, Some(months)) => Some(Term::starting(now, months * order.periods, policy.zone())),
        _ => None,
    };
    let (info, image) = match &order.kind {
        OrderKind::Image { setup } => (
            ApplicationInfo { username: "root".into(), has_password: true, ..ApplicationInfo::default() },
            Some(Box::new(setup.clone())),
        ),
        _ => (ApplicationInfo::default(), None),
    };
    PurchasedApp {
        id,
        order: order.id.clone(),
        customer: order.customer.clone(),
        customer_level: account.level.clone(),
        product: order.product.clone(),
        product_name: order.product_name.clone(),
        delivery: order.delivery,
        involves_supervision: supervised,
        specification: order.specification.clone(),
        quantity: order.quantity,
        mode: order.mode,
        purchased_at: now,
        term,
        status: if supervised { AppStatus::Provisioning } else { AppStatus::Active },
        info,
        seller: SellerInfo {
            seller: product.seller.clone(),
            email: product.support.email.clone(),
            phone: product.support.phone.clone(),
        },
        auto_renewal: None,
        pending_order: None,
        image,
        renewals: Vec::new(),
        reminded: Vec::new(),
        metering: None,
        scheduled_downgrade: None,
    }
}
