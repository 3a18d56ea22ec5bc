//! The catalog: products, search and the saved list (CAT-*).

use appmarket::{Actor, ProductId, RequestId};
use appmarket::{Order, Product, ProductDraft, PurchaseRequest, SavedList};

use appmarket::{BillingMode, DeliveryMethod, Money, SellerId, SortOrder};

use crate::{Marketplace, Result, caller, page};

page!(
    /// A page of products.
    ProductPage of Product
);

/// A catalogue search (CAT-3); every field has a default. The core's `SearchQuery` with an
/// optional `sort` (UniFFI cannot give an enum field a default).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SearchQuery {
    /// Words matched against name, description and tags.
    #[uniffi(default = "")]
    pub text: String,
    /// Only this category.
    #[uniffi(default = None)]
    pub category: Option<String>,
    /// Only this delivery method.
    #[uniffi(default = None)]
    pub delivery: Option<DeliveryMethod>,
    /// Only products with a plan of this billing mode.
    #[uniffi(default = None)]
    pub billing_mode: Option<BillingMode>,
    /// Only this seller's products.
    #[uniffi(default = None)]
    pub seller: Option<SellerId>,
    /// Lowest price.
    #[uniffi(default = None)]
    pub min_price: Option<Money>,
    /// Highest price.
    #[uniffi(default = None)]
    pub max_price: Option<Money>,
    /// The order of results (relevance when `null`).
    #[uniffi(default = None)]
    pub sort: Option<SortOrder>,
    /// Page number, from 1.
    #[uniffi(default = 1)]
    pub page: u32,
    /// Items per page.
    #[uniffi(default = 20)]
    pub page_size: u32,
}

#[uniffi::export]
impl Marketplace {
    /// A seller lists a product (CAT-1, CAT-2).
    #[uniffi::method(default(request_id = None))]
    pub fn list_product(&self, by: Actor, draft: ProductDraft, request_id: Option<RequestId>) -> Result<Product> {
        self.core.list_product(caller(by, request_id), draft)
    }

    /// Its seller (or an operator) takes a product off the catalog.
    #[uniffi::method(default(request_id = None))]
    pub fn delist_product(&self, by: Actor, product: ProductId, request_id: Option<RequestId>) -> Result<Product> {
        self.core.delist_product(caller(by, request_id), &product)
    }

    /// Its seller (or an operator) puts a delisted product back.
    #[uniffi::method(default(request_id = None))]
    pub fn relist_product(&self, by: Actor, product: ProductId, request_id: Option<RequestId>) -> Result<Product> {
        self.core.relist_product(caller(by, request_id), &product)
    }

    /// A product by id (listed or not).
    pub fn product(&self, product: ProductId) -> Result<Product> {
        self.core.product(&product)
    }

    /// Searches the listed products (CAT-3).
    pub fn search(&self, query: SearchQuery) -> Result<ProductPage> {
        let query = appmarket::SearchQuery {
            text: query.text,
            category: query.category,
            delivery: query.delivery,
            billing_mode: query.billing_mode,
            seller: query.seller,
            min_price: query.min_price,
            max_price: query.max_price,
            sort: query.sort.unwrap_or_default(),
            page: query.page,
            page_size: query.page_size,
        };
        self.core.search(&query).map(Into::into)
    }

    /// Saves a product (with an optional specification) to the customer's list (CAT-4).
    #[uniffi::method(default(request_id = None))]
    pub fn save_to_list(
        &self,
        by: Actor,
        product: ProductId,
        specification: Option<String>,
        request_id: Option<RequestId>,
    ) -> Result<SavedList> {
        self.core.save_to_list(caller(by, request_id), &product, specification.as_deref())
    }

    /// Removes a product from the customer's list.
    #[uniffi::method(default(request_id = None))]
    pub fn remove_from_list(&self, by: Actor, product: ProductId, request_id: Option<RequestId>) -> Result<SavedList> {
        self.core.remove_from_list(caller(by, request_id), &product)
    }

    /// The customer's saved list.
    pub fn saved_list(&self, by: Actor) -> Result<SavedList> {
        self.core.saved_list(&by)
    }

    /// Places an order for an item of the saved list (CAT-4).
    #[uniffi::method(default(request_id = None))]
    pub fn buy_from_list(&self, by: Actor, request: PurchaseRequest, request_id: Option<RequestId>) -> Result<Order> {
        self.core.buy_from_list(caller(by, request_id), request)
    }
}
