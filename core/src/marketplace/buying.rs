//! Order commands and queries: place, accept terms, pay, cancel, image provisioning (ORD, IMG).

use super::{Marketplace, Unit};
use crate::account::CustomerAccount;
use crate::actor::{Actor, AppId, FlowId, OrderId, ProductId, Target};
use crate::app::{self, AppCommand, PurchasedApp};
use crate::catalog::{Page, check_page};
use crate::domain::access;
use crate::error::Error;
use crate::money::Money;
use crate::order::{
    self, Fact, Order, OrderCommand, OrderFilter, OrderKind, Placement, Placing, PurchaseRequest, Taking,
    quote_purchase,
};
use crate::payments::{ChargeRequest, PaymentError, PaymentMethod, Receipt, RefundRequest, check_receipt};
use crate::pricing::Quote;
use crate::provisioning::ImageProvisioning;
use crate::supervision::{self, FlowCommand, ServiceFlow};

impl Marketplace {
    /// Prices a purchase for `by` without placing it (ORD-1, PRC-3): the catalog's price, and
    /// for a reseller's customer a quote *for reference only* from this first quote on (ORD-4).
    pub fn quote_purchase(&self, by: &Actor, request: &PurchaseRequest) -> Result<Quote, Error> {
        self.check_input("request", request)?;
        let quote = quote_purchase(&*self.shared_product(&request.product)?, request, &self.policy)?;
        self.quote_seen_by(by, quote)
    }

    /// What placing an order of `by` needs besides what is ordered: their account, and how many
    /// of their orders wait for payment (ORD-7).
    fn ordering_customer(&self, by: &Actor) -> Result<(CustomerAccount, u64), Error> {
        let customer = order::ordering_customer(by)?;
        let account = self.account(customer)?;
        let unpaid_orders = self.store.unpaid_orders(customer)?;
        Ok((account, unpaid_orders))
    }

    /// Places an order, pending payment, with its quote fixed (ORD-1).
    pub(super) fn place_order_in(&self, unit: &mut Unit<'_>, request: &PurchaseRequest) -> Result<Order, Error> {
        self.check_input("request", request)?;

        let (account, unpaid_orders) = self.ordering_customer(unit.actor())?;
        let product = self.store.product(&request.product)?;
        let what = Placing::Purchase { request: request.clone(), unpaid_orders };
        let placed = unit.decide_new::<Order>(&OrderCommand::Place(Placement { account, product, what }))?;
        Ok(unit.create(placed).clone())
    }

    /// The customer cancels an unpaid order.
    pub(super) fn cancel_order_in(&self, unit: &mut Unit<'_>, order: &OrderId) -> Result<Order, Error> {
        let target = Target::Order(order.clone());
        unit.decide::<Order>(&target, &OrderCommand::Cancel)?;
        release_pending(unit, &target)?;
        Ok(unit.get::<Order>(&target)?.clone())
    }

    /// Pays an order (ORD-2, ORD-3) — or, for a reseller's customer, confirms it with no method
    /// (ORD-4). A paid order creates the purchased app (ORD-5).
    ///
    /// A declined payment cancels the order with the reason and returns
    /// [`Error::PaymentDeclined`]: the one error after which something has changed. A gateway
    /// that fails ([`PaymentError::Failed`]) gives [`Error::Gateway`] and changes nothing:
    /// the order stays unpaid, and paying again sends the same idempotency key.
    pub(super) fn pay_in(
        &self,
        unit: &mut Unit<'_>,
        order: &OrderId,
        method: Option<PaymentMethod>,
    ) -> Result<Order, Error> {
        let target = Target::Order(order.clone());
        let current = unit.get::<Order>(&target)?.clone();
        let account = self.account(&current.customer)?;
        let app = match current.changes_app() {
            Some(app) => Some(self.get::<PurchasedApp>(Target::App(app.clone()))?.value),
            None => None,
        };
        let product = match (&current.kind, &app) {
            (OrderKind::Upgrade { .. }, Some(_)) => Some(self.shared_product(&current.product)?),
            _ => None,
        };
        let taking = current.paying(
            unit.actor(),
            method,
            &account,
            app.as_ref(),
            product.as_deref(),
            &self.policy,
            unit.now(),
        )?;
        let receipt = match taking {
            Taking::NothingUpFront(receipt) => Ok(receipt),
            Taking::Charge { method, amount } => {
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
            Taking::Reseller(reseller) => Err(reseller),
        };
        self.fulfil(unit, &current, receipt, &account)?;
        Ok(unit.get::<Order>(&target)?.clone())
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
        let (app_id, flow): (AppId, Option<FlowId>) = match &order.kind {
            OrderKind::Purchase | OrderKind::Image { .. } => {
                let product = self.shared_product(&order.product)?;
                let paid_with = payment.as_ref().map(|receipt| receipt.method).map_err(Clone::clone);
                let start = order.app_start(&product, account.level.clone(), paid_with);
                let app = unit.decide_new::<PurchasedApp>(&start)?;
                let app_id = app.value().id.clone();
                let flow = if order.opens_flow() {
                    let template =
                        product.specification(&order.specification).ok().and_then(|s| s.request_template.clone());
                    let open = FlowCommand::from(supervision::Fact::Open {
                        order: Box::new(order.clone()),
                        app: app_id.clone(),
                        template,
                    });
                    let flow = unit.decide_new::<ServiceFlow>(&open)?;
                    Some(unit.create(flow).id.clone())
                } else {
                    None
                };
                unit.create(app);
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
                // A paid renewal order extends its app's term (REN-2, REN-4) and returns an app
                // in its grace or retention period to `Active`.
                if let Some(renew) = order.renewal_of_app() {
                    unit.decide::<PurchasedApp>(&Target::App(app.clone()), &renew)?;
                }
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
            let receipt = unit.refund(&request).map_err(|e| match e {
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

    /// A customer's orders, newest first; `page_size` `None` is the policy's
    /// `default_page_size`.
    pub fn orders(
        &self,
        by: &Actor,
        filter: &OrderFilter,
        page: u32,
        page_size: Option<u32>,
    ) -> Result<Page<Order>, Error> {
        let page_size = self.policy.page_size_or_default(page_size);
        check_page(page, page_size, &self.policy)?;
        let customer = access::acting_customer(by, "list orders")?;
        self.store.orders_of(customer, filter, page, page_size)
    }

    /// Prices an image provisioning request for `by`: image fee and cloud resource fee, each
    /// shown (PRC-3); for a reseller's customer the amount is for reference only (ORD-4).
    pub fn quote_image(&self, by: &Actor, product: &ProductId, request: &ImageProvisioning) -> Result<Quote, Error> {
        self.check_input("request", request)?;
        let product = self.shared_product(product)?;
        let quote = request.priced(&product, &self.policy).map(|(q, _)| q)?;
        self.quote_seen_by(by, quote)
    }

    /// A quote as `by` sees it: for a reseller's customer, for reference only, from the first
    /// quote on (ORD-4); anyone else sees the amount itself.
    pub(crate) fn quote_seen_by(&self, by: &Actor, quote: Quote) -> Result<Quote, Error> {
        match by {
            Actor::Customer(customer) => Ok(quote.for_reference(self.account(customer)?.is_reseller_customer())),
            _ => Ok(quote),
        }
    }

    /// Provisions an image. Quick provisioning (IMG-1) places the order and pays it with
    /// `method` in the same command, as the servers are created — no method for a reseller's
    /// customer (ORD-4); a declined payment cancels the order (ORD-3). Customized provisioning
    /// (IMG-2) places the order with the terms accepted, and paying it creates the servers. The
    /// login password is kept apart from the order (APP-5), once the servers are paid for.
    pub(super) fn provision_image_in(
        &self,
        unit: &mut Unit<'_>,
        product: &ProductId,
        request: &ImageProvisioning,
        method: Option<PaymentMethod>,
    ) -> Result<Order, Error> {
        self.check_input("request", request)?;

        let (account, unpaid_orders) = self.ordering_customer(unit.actor())?;
        let found = self.store.product(product)?;
        let what = Placing::Image { product: product.clone(), request: request.clone(), unpaid_orders, method };
        let placed = unit.decide_new::<Order>(&OrderCommand::Place(Placement { account, product: found, what }))?;
        let app_id = placed.value().app.clone().expect("an image order numbers its app");
        let order = unit.create(placed).clone();
        if request.customization.is_some() {
            unit.keep_secret(app_id, request.login_password.clone());
            return Ok(order);
        }
        // A declined payment returns here, with the cancelled order saved and no password kept.
        let paid = self.pay_in(unit, &order.id, method)?;
        unit.keep_secret(app_id, request.login_password.clone());
        Ok(paid)
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
