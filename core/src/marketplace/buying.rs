//! Order commands and queries: place, accept terms, pay, cancel, image provisioning (ORD, IMG).

use chrono::{DateTime, Utc};

use super::{Marketplace, Unit};
use crate::account::CustomerAccount;
use crate::actor::{Actor, AppId, Caller, CustomerId, FlowId, OrderId, ProductId, Target};
use crate::aggregate::Aggregate;
use crate::app::{self, AppCommand, AppEvent, AppStatus, ApplicationInfo, PurchasedApp, SellerInfo, Term};
use crate::catalog::{BillingMode, Page, Product, check_page};
use crate::command::Command;
use crate::error::Error;
use crate::metering::Metering;
use crate::money::Money;
use crate::order::{
    Fact, Order, OrderCommand, OrderEvent, OrderFilter, OrderKind, PurchaseRequest, Settlement, check_may_order,
    check_periods, quote_purchase,
};
use crate::payments::{ChargeRequest, PaymentError, PaymentMethod, Receipt, RefundRequest, check_receipt};
use crate::pricing::{Quote, image_quote};
use crate::provisioning::ImageProvisioning;
use crate::store::Sequence;
use crate::supervision::ServiceFlow;

impl Marketplace {
    /// Prices a purchase for `by` without placing it (ORD-1, PRC-3): the catalog's price, and
    /// for a reseller's customer a quote *for reference only* from this first quote on (ORD-4).
    pub fn quote_purchase(&self, by: &Actor, request: &PurchaseRequest) -> Result<Quote, Error> {
        self.check_input("request", request)?;
        let quote = quote_purchase(&*self.shared_product(&request.product)?, request, &self.policy)?;
        match by {
            Actor::Customer(customer) => Ok(quote.for_reference(self.account(customer)?.is_reseller_customer())),
            _ => Ok(quote),
        }
    }

    fn ordering_customer(&self, actor: &Actor) -> Result<CustomerAccount, Error> {
        let Actor::Customer(customer) = actor else {
            return Err(Error::forbidden(format!("{actor} may not place orders: only a customer may")));
        };
        let account = self.account(customer)?;
        check_may_order(&account)?;
        let limit = self.policy.max_unpaid_orders_per_customer;
        if self.store.unpaid_orders(customer)? >= u64::from(limit) {
            return Err(Error::not_allowed(
                "ORD-7",
                format!("customer {customer} already has {limit} orders waiting for payment: pay or cancel one first"),
            ));
        }
        Ok(account)
    }

    pub(crate) fn new_order_id(&self) -> Result<OrderId, Error> {
        Ok(OrderId::numbered(self.store.next_number(Sequence::Order)?))
    }

    /// Places an order, pending payment, with its quote fixed (ORD-1).
    pub fn place_order(&self, by: impl Into<Caller>, request: PurchaseRequest) -> Result<Order, Error> {
        self.check_input("request", &request)?;
        let fp = || Command::PlaceOrder { request: request.clone() };
        self.execute(by, fp, |unit| {
            let account = self.ordering_customer(unit.actor())?;
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
                unit.now(),
            );
            let events = vec![OrderEvent::Placed { total: order.quote.total }];
            Ok(unit.create(order, events).clone())
        })
    }

    /// The customer accepts the terms and conditions (ORD-2, 2.1 step 5).
    pub fn accept_terms(&self, by: impl Into<Caller>, order: &OrderId) -> Result<Order, Error> {
        let fp = || Command::AcceptTerms { order: order.clone() };
        self.execute(by, fp, |unit| {
            Ok(unit.decide::<Order>(&Target::Order(order.clone()), &OrderCommand::AcceptTerms)?.clone())
        })
    }

    /// The customer cancels an unpaid order.
    pub fn cancel_order(&self, by: impl Into<Caller>, order: &OrderId) -> Result<Order, Error> {
        let fp = || Command::CancelOrder { order: order.clone() };
        self.execute(by, fp, |unit| {
            let target = Target::Order(order.clone());
            unit.decide::<Order>(&target, &OrderCommand::Cancel)?;
            release_pending(unit, &target)?;
            Ok(unit.get::<Order>(&target)?.clone())
        })
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
        self.execute(by, fp, |unit| {
            let target = Target::Order(order.clone());
            let current = unit.get::<Order>(&target)?.clone();
            let account = self.account(&current.customer)?;
            let settlement = current.check_pay(unit.actor(), method, &account)?;
            self.check_before_payment(&current, unit.now())?;
            let receipt = match settlement {
                // PRC-7: nothing is charged up front; usage is settled after each cycle.
                Settlement::Charge { method, amount } if current.mode == BillingMode::PayPerUse => {
                    Ok(Receipt { id: format!("{order}:pay-per-use"), amount, method })
                }
                Settlement::Charge { method, amount } => {
                    let request = ChargeRequest {
                        idempotency_key: self.payment_key(format_args!("{order}:pay")),
                        customer: account.id.clone(),
                        method,
                        amount,
                        description: current.product_name.clone(),
                    };
                    match unit.charge(&target, request)? {
                        Ok(receipt) => Ok(receipt),
                        Err(PaymentError::Failed(reason)) => return Err(Error::Gateway { reason }),
                        Err(PaymentError::Declined(reason)) => {
                            unit.decide::<Order>(
                                &target,
                                &OrderCommand::from(Fact::RecordDecline { reason: reason.clone() }),
                            )?;
                            release_pending(unit, &target)?;
                            unit.save_refusal();
                            return Err(Error::PaymentDeclined { reason });
                        }
                    }
                }
                Settlement::Reseller(reseller) => Err(reseller),
            };
            self.fulfil(unit, &current, receipt, &account)?;
            Ok(unit.get::<Order>(&target)?.clone())
        })
    }

    /// After payment: create or change the app, open a flow if supervised (ORD-5), and record
    /// the payment on the order.
    fn fulfil(
        &self,
        unit: &mut Unit<'_>,
        order: &Order,
        payment: Result<Receipt, String>,
        account: &CustomerAccount,
    ) -> Result<(), Error> {
        let now = unit.now();
        let (app_id, flow): (AppId, Option<FlowId>) = match &order.kind {
            OrderKind::Purchase | OrderKind::Image { .. } => {
                let app_id = match &order.app {
                    Some(id) => id.clone(),
                    None => AppId::numbered(self.store.next_number(Sequence::App)?),
                };
                let product = self.shared_product(&order.product)?;
                let mut app = new_app(app_id.clone(), order, &product, account, &self.policy, now);
                let flow = self.open_service_flow(unit, order, &app)?;
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
                    app.metering = Some(Box::new(Metering::new(hourly, method, reseller, None)));
                    if app.status == AppStatus::Active {
                        let started = AppEvent::MeteringStarted { at: now };
                        app.apply(&started, &unit.ctx());
                        events.push(started);
                    }
                }
                unit.create(app, events);
                (app_id, flow)
            }
            OrderKind::Upgrade { app, .. } => {
                let cmd = AppCommand::from(app::Fact::ApplyUpgrade {
                    order: order.id.clone(),
                    specification: order.specification.clone(),
                    quantity: order.quantity,
                });
                unit.decide::<PurchasedApp>(&Target::App(app.clone()), &cmd)?;
                (app.clone(), None)
            }
            OrderKind::Renewal { app, .. } => {
                self.renew_paid(unit, order)?;
                (app.clone(), None)
            }
        };
        let cmd = match payment {
            Ok(receipt) => OrderCommand::from(Fact::RecordPayment { receipt, app: app_id, flow }),
            Err(reseller) => OrderCommand::from(Fact::RecordSettlement { reseller, app: app_id, flow }),
        };
        unit.decide::<Order>(&Target::Order(order.id.clone()), &cmd)?;
        Ok(())
    }

    /// Opens the service flow of a supervised order (SUP-1, SUP-2); the order then stays
    /// `Processing` while the flow is open (ORD-5). `None` for orders without supervision.
    fn open_service_flow(
        &self,
        unit: &mut Unit<'_>,
        order: &Order,
        app: &PurchasedApp,
    ) -> Result<Option<FlowId>, Error> {
        if !order.involves_supervision {
            return Ok(None);
        }
        let id = FlowId::numbered(self.store.next_number(Sequence::Flow)?);
        let Some((flow, event)) = ServiceFlow::open(id.clone(), order, app.id.clone(), unit.now()) else {
            return Ok(None);
        };
        unit.create(flow, vec![event]);
        Ok(Some(id))
    }

    /// Refunds part or all of what an order's customer paid, through the gateway, and records
    /// it: with `unsubscribe` the order becomes `Unsubscribed` and its app too (UNS, SUP-8,
    /// APL-4, UNS-6); without, the order stands.
    pub(crate) fn refund_order(
        &self,
        unit: &mut Unit<'_>,
        order: &OrderId,
        refund: Money,
        unsubscribe: bool,
    ) -> Result<(), Error> {
        let target = Target::Order(order.clone());
        let current = unit.get::<Order>(&target)?.clone();
        let refund = refund.rounded();
        let cmd = if unsubscribe {
            OrderCommand::from(Fact::RecordUnsubscription { refund })
        } else {
            OrderCommand::from(Fact::RecordRefund { refund })
        };
        // Decide first: a refused refund never reaches the gateway.
        unit.check::<Order>(&target, &cmd)?;
        // A renewal order's app is unsubscribed with its purchase order, once.
        let app = match (&current.kind, &current.app) {
            (OrderKind::Renewal { .. }, _) | (_, None) => None,
            (_, Some(app)) => unsubscribe.then(|| Target::App(app.clone())),
        };
        if let Some(app) = &app {
            unit.check::<PurchasedApp>(app, &AppCommand::from(app::Fact::MarkUnsubscribed))?;
        }
        if !refund.is_zero()
            && let Some(method) = current.payment.as_ref().and_then(|p| p.method)
        {
            let request = RefundRequest {
                idempotency_key: self.payment_key(format_args!(
                    "{}:refund:{}",
                    current.id,
                    current.refunded.amount + refund.amount
                )),
                customer: current.customer.clone(),
                method,
                amount: refund,
                description: format!("refund of order {}", current.id),
            };
            let receipt = self.payments.refund(&request).map_err(|e| match e {
                PaymentError::Declined(reason) => Error::PaymentDeclined { reason: format!("refund failed: {reason}") },
                PaymentError::Failed(reason) => Error::Gateway { reason: format!("refund: {reason}") },
            })?;
            check_receipt(&receipt, &request.amount, request.method, &request.idempotency_key)
                .map_err(|reason| Error::Gateway { reason })?;
        }
        unit.decide::<Order>(&target, &cmd)?;
        if let Some(app) = &app {
            unit.decide::<PurchasedApp>(app, &AppCommand::from(app::Fact::MarkUnsubscribed))?;
        }
        Ok(())
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
        self.check_input("request", request)?;
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
        self.check_input("request", &request)?;
        let fp = || Command::ProvisionImage { product: product.clone(), request: request.clone() };
        self.execute(by, fp, |unit| {
            let account = self.ordering_customer(unit.actor())?;
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
                unit.now(),
            );
            let app_id = AppId::numbered(self.store.next_number(Sequence::App)?);
            order.app = Some(app_id.clone());
            let events = vec![OrderEvent::Placed { total: order.quote.total }, OrderEvent::TermsAccepted];
            order.apply(&events[1], &unit.ctx());
            unit.keep_secret(app_id, request.login_password.clone());
            Ok(unit.create(order, events).clone())
        })
    }
}

/// When an upgrade or renewal order will not be paid, its app no longer waits for it.
pub(crate) fn release_pending(unit: &mut Unit<'_>, order: &Target) -> Result<(), Error> {
    let order = unit.get::<Order>(order)?;
    if let OrderKind::Upgrade { app, .. } | OrderKind::Renewal { app, .. } = &order.kind {
        let cmd = AppCommand::from(app::Fact::ReleasePendingOrder { order: order.id.clone() });
        let app = Target::App(app.clone());
        unit.decide::<PurchasedApp>(&app, &cmd)?;
    }
    Ok(())
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
        recent_receipts: Vec::new(),
        charges_returned: 0,
    }
}
