//! Orders and payment (ORD-*), image provisioning (IMG-*).

use appmarket::{Actor, OrderId, ProductId};
use appmarket::{ImageProvisioning, Order, OrderFilter, PurchaseRequest, Quote};

use crate::{Marketplace, Result, page};

page!(
    /// A page of orders.
    OrderPage of Order
);

#[uniffi::export]
impl Marketplace {
    /// Prices a purchase without placing it (PRC-*).
    pub fn quote_purchase(&self, request: PurchaseRequest) -> Result<Quote> {
        self.core.quote_purchase(&Actor::System, &request)
    }

    /// Prices a purchase for the customer `by`: for a reseller's customer the quote is for
    /// reference only (ORD-4, PRC-3).
    pub fn quote_purchase_for(&self, by: Actor, request: PurchaseRequest) -> Result<Quote> {
        self.core.quote_purchase(&by, &request)
    }

    /// An order `by` may see (its customer, its seller, an operator).
    pub fn order(&self, by: Actor, order: OrderId) -> Result<Order> {
        self.core.order(&by, &order)
    }

    /// A customer's orders, newest first; `pageSize` `null` is the policy's `default_page_size`.
    pub fn orders(&self, by: Actor, filter: OrderFilter, page: u32, page_size: Option<u32>) -> Result<OrderPage> {
        self.core.orders(&by, &filter, page, page_size).map(Into::into)
    }

    /// Prices an image provisioning request for `by`: image fee and cloud resource fee (PRC-3);
    /// for a reseller's customer the quote is for reference only (ORD-4).
    pub fn quote_image(&self, by: Actor, product: ProductId, request: ImageProvisioning) -> Result<Quote> {
        self.core.quote_image(&by, &product, &request)
    }
}
