//! Orders and payment (ORD-*), image provisioning (IMG-*).

use appmarket::{Actor, OrderId, ProductId, RequestId};
use appmarket::{ImageProvisioning, Order, OrderFilter, PaymentMethod, PurchaseRequest, Quote};

use crate::{Marketplace, Result, caller, page};

page!(
    /// A page of orders.
    OrderPage of Order
);

#[uniffi::export]
impl Marketplace {
    /// Prices a purchase without placing it (PRC-*).
    pub fn quote_purchase(&self, request: PurchaseRequest) -> Result<Quote> {
        self.core.quote_purchase(&request)
    }

    /// Prices a purchase for the customer `by`: for a reseller's customer the quote is for
    /// reference only (ORD-4, PRC-3).
    pub fn quote_purchase_for(&self, by: Actor, request: PurchaseRequest) -> Result<Quote> {
        self.core.quote_purchase_for(&by, &request)
    }

    /// A customer places an order (ORD-1, ORD-2).
    #[uniffi::method(default(request_id = None))]
    pub fn place_order(&self, by: Actor, request: PurchaseRequest, request_id: Option<RequestId>) -> Result<Order> {
        self.core.place_order(caller(by, request_id), request)
    }

    /// The customer accepts the terms of an order.
    #[uniffi::method(default(request_id = None))]
    pub fn accept_terms(&self, by: Actor, order: OrderId, request_id: Option<RequestId>) -> Result<Order> {
        self.core.accept_terms(caller(by, request_id), &order)
    }

    /// The customer pays an order (ORD-3); a declined payment cancels it and raises
    /// `PaymentDeclined`.
    #[uniffi::method(default(request_id = None, method = None))]
    pub fn pay(
        &self,
        by: Actor,
        order: OrderId,
        method: Option<PaymentMethod>,
        request_id: Option<RequestId>,
    ) -> Result<Order> {
        self.core.pay(caller(by, request_id), &order, method)
    }

    /// The customer cancels an unpaid order.
    #[uniffi::method(default(request_id = None))]
    pub fn cancel_order(&self, by: Actor, order: OrderId, request_id: Option<RequestId>) -> Result<Order> {
        self.core.cancel_order(caller(by, request_id), &order)
    }

    /// An order `by` may see (its customer, its seller, an operator).
    pub fn order(&self, by: Actor, order: OrderId) -> Result<Order> {
        self.core.order(&by, &order)
    }

    /// A customer's orders, newest first.
    pub fn orders(&self, by: Actor, filter: OrderFilter, page: u32, page_size: u32) -> Result<OrderPage> {
        self.core.orders(&by, &filter, page, page_size).map(Into::into)
    }

    /// Prices an image provisioning request: image fee and cloud resource fee (PRC-3).
    pub fn quote_image(&self, product: ProductId, request: ImageProvisioning) -> Result<Quote> {
        self.core.quote_image(&product, &request)
    }

    /// Provisions an image by quick (IMG-1) or customized (IMG-2) provisioning: places the
    /// order with the terms accepted; paying it creates the servers.
    #[uniffi::method(default(request_id = None))]
    pub fn provision_image(
        &self,
        by: Actor,
        product: ProductId,
        request: ImageProvisioning,
        request_id: Option<RequestId>,
    ) -> Result<Order> {
        self.core.provision_image(caller(by, request_id), &product, request)
    }
}
