//! The catalog: products, search and the saved list (CAT-*).

use appmarket::{Actor, ProductId};
use appmarket::{Product, SavedList};

use appmarket::{BillingMode, DeliveryMethod, Money, SellerId, SortOrder};

use crate::{Marketplace, Result, page};

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
    /// Items per page; `null` for the policy's `default_page_size`.
    #[uniffi(default = None)]
    pub page_size: Option<u32>,
}

#[uniffi::export]
impl Marketplace {
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

    /// The customer's saved list.
    pub fn saved_list(&self, by: Actor) -> Result<SavedList> {
        self.core.saved_list(&by)
    }
}
