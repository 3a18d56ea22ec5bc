//! Orders and payment (ORD-*), image provisioning (IMG-*).

use crate::billing::{PendingUnsubscription, RenewalDay};
use crate::conversions::{Actor, IntoCore, Money, Secret, Timestamp, all, caller, id, mirror_enum};
use crate::errors::Result;
use crate::marketplace::Marketplace;
use crate::records::{BillingMode, DeliveryMethod, PaymentMethod, Quote};

mirror_enum!(
    /// Where an order stands.
    OrderStatus => appmarket::OrderStatus {
        /// Placed, not paid yet.
        PendingPayment,
        /// Paid, being delivered (service supervision).
        Processing,
        /// Done.
        Completed,
        /// Cancelled (by the customer, by a declined payment or unpaid in time).
        Cancelled,
        /// Unsubscribed.
        Unsubscribed,
    }
);

/// The network of image servers.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Network {
    /// The VPC.
    pub vpc: String,
    /// The subnet.
    pub subnet: String,
}

/// How image servers were set up.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImageSetup {
    /// Server flavour.
    pub flavour: String,
    /// Network.
    pub network: Network,
    /// Security group.
    pub security_group: String,
    /// Elastic IP bandwidth, if any.
    pub eip_mbit: Option<u32>,
    /// Server name.
    pub server_name: String,
    /// Number of servers.
    pub instances: u32,
    /// Customized (IMG-2) rather than quick (IMG-1) provisioning.
    pub customized: bool,
}

/// What an order is for.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum OrderKind {
    /// A new purchase.
    Purchase,
    /// Image servers.
    Image {
        /// The servers' setup.
        setup: ImageSetup,
    },
    /// An upgrade of an app.
    Upgrade {
        /// The app upgraded.
        app: String,
        /// Its specification before.
        from_specification: String,
        /// Its quantity before.
        from_quantity: u32,
    },
    /// A renewal of an app.
    Renewal {
        /// The app renewed.
        app: String,
        /// Months added.
        months: u32,
        /// The renewal date chosen, if any (REN-4).
        renewal_day: Option<RenewalDay>,
    },
}

/// How an order was paid.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Payment {
    /// How (none when settled by a reseller).
    pub method: Option<PaymentMethod>,
    /// The gateway's receipt.
    pub receipt: Option<String>,
    /// The reseller that settled it, if any.
    pub settled_by_reseller: Option<String>,
    /// The amount.
    pub amount: Money,
    /// When.
    pub paid_at: Timestamp,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Order {
    /// Order id.
    pub id: String,
    /// The buyer.
    pub customer: String,
    /// The seller.
    pub seller: String,
    /// Product id.
    pub product: String,
    /// Product name at the time of the order.
    pub product_name: String,
    /// Delivery method.
    pub delivery: DeliveryMethod,
    /// Whether the order goes through service supervision.
    pub involves_supervision: bool,
    /// Specification name.
    pub specification: String,
    /// Billing mode.
    pub mode: BillingMode,
    /// Quantity.
    pub quantity: u32,
    /// Periods bought.
    pub periods: u32,
    /// What the order is for.
    pub kind: OrderKind,
    /// The itemised price.
    pub quote: Quote,
    /// Where it stands.
    pub status: OrderStatus,
    /// When it was placed.
    pub placed_at: Timestamp,
    /// When the terms were accepted.
    pub terms_accepted_at: Option<Timestamp>,
    /// The payment.
    pub payment: Option<Payment>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The app it created.
    pub app: Option<String>,
    /// Its service flow.
    pub flow: Option<String>,
    /// When the delivery was accepted.
    pub accepted_at: Option<Timestamp>,
    /// When it was completed.
    pub completed_at: Option<Timestamp>,
    /// What was refunded.
    pub refunded: Money,
    /// Its invoice.
    pub invoice: Option<String>,
    /// Whether the invoice was issued.
    pub invoice_issued: bool,
    /// An unsubscription or refund waiting for a decision (UNS-5, UNS-6).
    pub pending_unsubscription: Option<PendingUnsubscription>,
    /// When it was unsubscribed unconditionally (UNS-3).
    pub unconditional_unsubscription_at: Option<Timestamp>,
}

/// Which orders to list; every field has a default.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct OrderFilter {
    /// Only this status.
    #[uniffi(default = None)]
    pub status: Option<OrderStatus>,
    /// Only this product.
    #[uniffi(default = None)]
    pub product: Option<String>,
}

/// A page of orders.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OrderPage {
    /// The orders of this page.
    pub items: Vec<Order>,
    /// Page number, from 1.
    pub page: u32,
    /// Items per page.
    pub page_size: u32,
    /// Matches over all pages.
    pub total: u64,
}

/// What a customer buys (ORD-1).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PurchaseRequest {
    /// Product id.
    pub product: String,
    /// Specification name.
    pub specification: String,
    /// Billing mode.
    pub mode: BillingMode,
    /// Quantity (1 when the specification has none).
    #[uniffi(default = 1)]
    pub quantity: u32,
    /// Periods (months or years).
    #[uniffi(default = 1)]
    pub periods: u32,
}

/// The security group of image servers.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SecurityGroup {
    /// The product's recommended group.
    Recommended,
    /// A new group.
    New {
        /// Its name.
        name: String,
    },
}

/// Customized provisioning (IMG-2).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Customization {
    /// Billing mode.
    pub mode: BillingMode,
    /// Elastic IP bandwidth, if any.
    pub eip_mbit: Option<u32>,
    /// Server name.
    pub server_name: String,
    /// Periods.
    pub periods: u32,
    /// Number of servers.
    pub instances: u32,
}

/// An image provisioning request: quick (IMG-1) without `customization`, else customized.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImageProvisioning {
    /// Specification name.
    pub specification: String,
    /// Network.
    pub network: Network,
    /// Security group.
    pub security_group: SecurityGroup,
    /// The servers' login password (IMG-3); kept apart from the order (APP-5).
    pub login_password: Secret,
    /// Whether the customer agrees to the terms.
    pub agree_terms: bool,
    /// Customized provisioning, if any.
    #[uniffi(default = None)]
    pub customization: Option<Customization>,
    /// Quick provisioning: yearly, monthly or pay-per-use, among the image's plans (IMG-1);
    /// `null` takes the first the image offers.
    #[uniffi(default = None)]
    pub quick_mode: Option<BillingMode>,
}

impl std::fmt::Debug for ImageProvisioning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageProvisioning")
            .field("specification", &self.specification)
            .field("login_password", &"***")
            .finish_non_exhaustive()
    }
}

// ---------------------------------------------------------------- conversions

impl From<appmarket::Network> for Network {
    fn from(n: appmarket::Network) -> Self {
        Network { vpc: n.vpc, subnet: n.subnet }
    }
}
impl IntoCore<appmarket::Network> for Network {
    fn into_core(self) -> Result<appmarket::Network> {
        Ok(appmarket::Network { vpc: self.vpc, subnet: self.subnet })
    }
}

impl From<appmarket::provisioning::ImageSetup> for ImageSetup {
    fn from(s: appmarket::provisioning::ImageSetup) -> Self {
        ImageSetup {
            flavour: s.flavour,
            network: s.network.into(),
            security_group: s.security_group,
            eip_mbit: s.eip_mbit,
            server_name: s.server_name,
            instances: s.instances,
            customized: s.customized,
        }
    }
}

impl From<appmarket::OrderKind> for OrderKind {
    fn from(k: appmarket::OrderKind) -> Self {
        use appmarket::OrderKind as K;
        match k {
            K::Purchase => OrderKind::Purchase,
            K::Image { setup } => OrderKind::Image { setup: setup.into() },
            K::Upgrade { app, from_specification, from_quantity } => {
                OrderKind::Upgrade { app: app.to_string(), from_specification, from_quantity }
            }
            K::Renewal { app, months, renewal_day } => {
                OrderKind::Renewal { app: app.to_string(), months, renewal_day: renewal_day.map(Into::into) }
            }
        }
    }
}

impl From<appmarket::Payment> for Payment {
    fn from(p: appmarket::Payment) -> Self {
        Payment {
            method: p.method.map(Into::into),
            receipt: p.receipt,
            settled_by_reseller: p.settled_by_reseller,
            amount: p.amount.into(),
            paid_at: p.paid_at,
        }
    }
}

impl From<appmarket::Order> for Order {
    fn from(o: appmarket::Order) -> Self {
        Order {
            id: o.id.to_string(),
            customer: o.customer.to_string(),
            seller: o.seller.to_string(),
            product: o.product.to_string(),
            product_name: o.product_name,
            delivery: o.delivery.into(),
            involves_supervision: o.involves_supervision,
            specification: o.specification,
            mode: o.mode.into(),
            quantity: o.quantity,
            periods: o.periods,
            kind: o.kind.into(),
            quote: o.quote.into(),
            status: o.status.into(),
            placed_at: o.placed_at,
            terms_accepted_at: o.terms_accepted_at,
            payment: o.payment.map(Into::into),
            cancel_reason: o.cancel_reason,
            app: o.app.map(|a| a.to_string()),
            flow: o.flow.map(|f| f.to_string()),
            accepted_at: o.accepted_at,
            completed_at: o.completed_at,
            refunded: o.refunded.into(),
            invoice: o.invoice.map(|i| i.to_string()),
            invoice_issued: o.invoice_issued,
            pending_unsubscription: o.pending_unsubscription.map(Into::into),
            unconditional_unsubscription_at: o.unconditional_unsubscription_at,
        }
    }
}

impl IntoCore<appmarket::OrderFilter> for OrderFilter {
    fn into_core(self) -> Result<appmarket::OrderFilter> {
        Ok(appmarket::OrderFilter { status: self.status.map(Into::into), product: self.product.map(id).transpose()? })
    }
}

impl From<appmarket::Page<appmarket::Order>> for OrderPage {
    fn from(p: appmarket::Page<appmarket::Order>) -> Self {
        OrderPage { items: all(p.items), page: p.page, page_size: p.page_size, total: p.total }
    }
}

impl IntoCore<appmarket::PurchaseRequest> for PurchaseRequest {
    fn into_core(self) -> Result<appmarket::PurchaseRequest> {
        Ok(appmarket::PurchaseRequest {
            product: id(self.product)?,
            specification: self.specification,
            mode: self.mode.into(),
            quantity: self.quantity,
            periods: self.periods,
        })
    }
}

impl IntoCore<appmarket::SecurityGroup> for SecurityGroup {
    fn into_core(self) -> Result<appmarket::SecurityGroup> {
        Ok(match self {
            SecurityGroup::Recommended => appmarket::SecurityGroup::Recommended,
            SecurityGroup::New { name } => appmarket::SecurityGroup::New { name },
        })
    }
}

impl IntoCore<appmarket::Customization> for Customization {
    fn into_core(self) -> Result<appmarket::Customization> {
        Ok(appmarket::Customization {
            mode: self.mode.into(),
            eip_mbit: self.eip_mbit,
            server_name: self.server_name,
            periods: self.periods,
            instances: self.instances,
        })
    }
}

impl IntoCore<appmarket::ImageProvisioning> for ImageProvisioning {
    fn into_core(self) -> Result<appmarket::ImageProvisioning> {
        Ok(appmarket::ImageProvisioning {
            quick_mode: self.quick_mode.map(Into::into),
            specification: self.specification,
            network: self.network.into_core()?,
            security_group: self.security_group.into_core()?,
            login_password: self.login_password,
            agree_terms: self.agree_terms,
            customization: self.customization.into_core()?,
        })
    }
}

// ---------------------------------------------------------------- facade

#[uniffi::export]
impl Marketplace {
    /// Prices a purchase without placing it (PRC-*).
    pub fn quote_purchase(&self, request: PurchaseRequest) -> Result<Quote> {
        Ok(self.core.quote_purchase(&request.into_core()?)?.into())
    }

    /// Prices a purchase for the customer `by`: for a reseller's customer the quote is for
    /// reference only (ORD-4, PRC-3).
    pub fn quote_purchase_for(&self, by: Actor, request: PurchaseRequest) -> Result<Quote> {
        Ok(self.core.quote_purchase_for(&by.into_core()?, &request.into_core()?)?.into())
    }

    /// A customer places an order (ORD-1, ORD-2).
    #[uniffi::method(default(request_id = None))]
    pub fn place_order(&self, by: Actor, request: PurchaseRequest, request_id: Option<String>) -> Result<Order> {
        Ok(self.core.place_order(caller(by, request_id)?, request.into_core()?)?.into())
    }

    /// The customer accepts the terms of an order.
    #[uniffi::method(default(request_id = None))]
    pub fn accept_terms(&self, by: Actor, order: String, request_id: Option<String>) -> Result<Order> {
        Ok(self.core.accept_terms(caller(by, request_id)?, &id(order)?)?.into())
    }

    /// The customer pays an order (ORD-3); a declined payment cancels it and raises
    /// `PaymentDeclined`.
    #[uniffi::method(default(request_id = None, method = None))]
    pub fn pay(
        &self,
        by: Actor,
        order: String,
        method: Option<PaymentMethod>,
        request_id: Option<String>,
    ) -> Result<Order> {
        Ok(self.core.pay(caller(by, request_id)?, &id(order)?, method.map(Into::into))?.into())
    }

    /// The customer cancels an unpaid order.
    #[uniffi::method(default(request_id = None))]
    pub fn cancel_order(&self, by: Actor, order: String, request_id: Option<String>) -> Result<Order> {
        Ok(self.core.cancel_order(caller(by, request_id)?, &id(order)?)?.into())
    }

    /// An order `by` may see (its customer, its seller, an operator).
    pub fn order(&self, by: Actor, order: String) -> Result<Order> {
        Ok(self.core.order(&by.into_core()?, &id(order)?)?.into())
    }

    /// A customer's orders, newest first.
    pub fn orders(&self, by: Actor, filter: OrderFilter, page: u32, page_size: u32) -> Result<OrderPage> {
        Ok(self.core.orders(&by.into_core()?, &filter.into_core()?, page, page_size)?.into())
    }

    /// Prices an image provisioning request: image fee and cloud resource fee (PRC-3).
    pub fn quote_image(&self, product: String, request: ImageProvisioning) -> Result<Quote> {
        Ok(self.core.quote_image(&id(product)?, &request.into_core()?)?.into())
    }

    /// Provisions an image by quick (IMG-1) or customized (IMG-2) provisioning: places the
    /// order with the terms accepted; paying it creates the servers.
    #[uniffi::method(default(request_id = None))]
    pub fn provision_image(
        &self,
        by: Actor,
        product: String,
        request: ImageProvisioning,
        request_id: Option<String>,
    ) -> Result<Order> {
        Ok(self.core.provision_image(caller(by, request_id)?, &id(product)?, request.into_core()?)?.into())
    }
}
