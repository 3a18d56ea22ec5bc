//! The catalog: products, search and the saved list (CAT-*).

use crate::conversions::{Actor, IntoCore, Money, Timestamp, all, caller, id, mirror_enum};
use crate::errors::Result;
use crate::marketplace::Marketplace;
use crate::orders::{Order, PurchaseRequest};
use crate::records::{BillingMode, DeliveryMethod};

/// A named value of a specification.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Attribute {
    /// The attribute's name.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// The quantity a buyer chooses, `min..=max` in steps of `step`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QuantityAttribute {
    /// What is counted (`Number of Licenses`).
    pub name: String,
    /// Fewest.
    pub min: u32,
    /// Most.
    pub max: u32,
    /// Step from `min`.
    pub step: u32,
}

/// A price of a specification for one billing mode.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PricePlan {
    /// The billing mode.
    pub mode: BillingMode,
    /// The price of one period (per unit when `perUnit`).
    pub price: Money,
    /// Whether the price is per unit of the quantity.
    pub per_unit: bool,
}

/// A sellable variant of a product.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Specification {
    /// Its name, unique in the product.
    pub name: String,
    /// Descriptive attributes.
    #[uniffi(default = [])]
    pub attributes: Vec<Attribute>,
    /// The quantity to choose, if any (else the quantity is 1).
    #[uniffi(default = None)]
    pub quantity: Option<QuantityAttribute>,
    /// One plan per billing mode.
    pub plans: Vec<PricePlan>,
}

/// The seller's support contacts.
#[derive(Debug, Clone, PartialEq, Eq, Default, uniffi::Record)]
pub struct SupportRange {
    /// Support e-mail.
    pub email: String,
    /// Support phone.
    pub phone: String,
}

/// Cloud resource prices of an image for one billing mode.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ResourcePlan {
    /// The billing mode.
    pub mode: BillingMode,
    /// Server flavour price per period.
    pub flavour: Money,
    /// Disk price per GB per period.
    pub disk_per_gb: Money,
    /// Elastic IP price per Mbit/s per period.
    pub eip_per_mbit: Money,
}

/// The cloud resources an image runs on.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImageResources {
    /// Server flavour.
    pub flavour: String,
    /// System disk size.
    pub system_disk_gb: u32,
    /// The recommended security group, if any.
    pub recommended_security_group: Option<String>,
    /// Resource prices by billing mode.
    pub plans: Vec<ResourcePlan>,
}

/// What a seller lists.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProductDraft {
    /// Product name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Delivery method.
    pub delivery: DeliveryMethod,
    /// Specifications (at least one).
    pub specifications: Vec<Specification>,
    /// Whether orders go through service supervision.
    #[uniffi(default = false)]
    pub involves_supervision: bool,
    /// Search tags.
    #[uniffi(default = [])]
    pub tags: Vec<String>,
    /// Description.
    #[uniffi(default = "")]
    pub description: String,
    /// Support contacts.
    #[uniffi(default = None)]
    pub support: Option<SupportRange>,
    /// Image resources (image products only).
    #[uniffi(default = None)]
    pub image: Option<ImageResources>,
}

/// A listed product.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Product {
    /// Product id.
    pub id: String,
    /// Seller id.
    pub seller: String,
    /// Name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Delivery method.
    pub delivery: DeliveryMethod,
    /// Whether orders go through service supervision.
    pub involves_supervision: bool,
    /// Search tags.
    pub tags: Vec<String>,
    /// Description.
    pub description: String,
    /// Support contacts.
    pub support: SupportRange,
    /// Specifications.
    pub specifications: Vec<Specification>,
    /// Image resources (image products only).
    pub image: Option<ImageResources>,
    /// The one currency of its prices.
    pub currency: String,
    /// Whether it can be found and bought.
    pub listed: bool,
    /// When it was listed.
    pub listed_at: Timestamp,
}

mirror_enum!(
    /// The order of search results.
    SortOrder => appmarket::SortOrder {
        /// Best match first.
        Relevance,
        /// Cheapest first.
        PriceAscending,
        /// Dearest first.
        PriceDescending,
        /// Newest first.
        Newest,
    }
);

/// A catalog search (CAT-3); every field has a default.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SearchQuery {
    /// Words that must all match name, tags or description.
    #[uniffi(default = "")]
    pub text: String,
    /// Only this category.
    #[uniffi(default = None)]
    pub category: Option<String>,
    /// Only this delivery method.
    #[uniffi(default = None)]
    pub delivery: Option<DeliveryMethod>,
    /// Only products sold this way.
    #[uniffi(default = None)]
    pub billing_mode: Option<BillingMode>,
    /// Only this seller.
    #[uniffi(default = None)]
    pub seller: Option<String>,
    /// Lowest price.
    #[uniffi(default = None)]
    pub min_price: Option<Money>,
    /// Highest price.
    #[uniffi(default = None)]
    pub max_price: Option<Money>,
    /// Order of results (default: relevance).
    #[uniffi(default = None)]
    pub sort: Option<SortOrder>,
    /// Page number, from 1.
    #[uniffi(default = 1)]
    pub page: u32,
    /// Items per page.
    #[uniffi(default = 20)]
    pub page_size: u32,
}

/// A page of products.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProductPage {
    /// The products of this page.
    pub items: Vec<Product>,
    /// Page number, from 1.
    pub page: u32,
    /// Items per page.
    pub page_size: u32,
    /// Matches over all pages.
    pub total: u64,
}

/// An item of a saved list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SavedItem {
    /// Product id.
    pub product: String,
    /// Specification, if one was chosen.
    pub specification: Option<String>,
    /// When it was saved.
    pub saved_at: Timestamp,
}

/// A customer's saved list (CAT-4).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SavedList {
    /// The customer id.
    pub customer: String,
    /// The items, oldest first.
    pub items: Vec<SavedItem>,
}

// ---------------------------------------------------------------- conversions

impl From<appmarket::Attribute> for Attribute {
    fn from(a: appmarket::Attribute) -> Self {
        Attribute { name: a.name, value: a.value }
    }
}
impl IntoCore<appmarket::Attribute> for Attribute {
    fn into_core(self) -> Result<appmarket::Attribute> {
        Ok(appmarket::Attribute { name: self.name, value: self.value })
    }
}

impl From<appmarket::QuantityAttribute> for QuantityAttribute {
    fn from(q: appmarket::QuantityAttribute) -> Self {
        QuantityAttribute { name: q.name, min: q.min, max: q.max, step: q.step }
    }
}
impl IntoCore<appmarket::QuantityAttribute> for QuantityAttribute {
    fn into_core(self) -> Result<appmarket::QuantityAttribute> {
        Ok(appmarket::QuantityAttribute { name: self.name, min: self.min, max: self.max, step: self.step })
    }
}

impl From<appmarket::PricePlan> for PricePlan {
    fn from(p: appmarket::PricePlan) -> Self {
        PricePlan { mode: p.mode.into(), price: p.price.into(), per_unit: p.per_unit }
    }
}
impl IntoCore<appmarket::PricePlan> for PricePlan {
    fn into_core(self) -> Result<appmarket::PricePlan> {
        Ok(appmarket::PricePlan { mode: self.mode.into(), price: self.price.into_core()?, per_unit: self.per_unit })
    }
}

impl From<appmarket::Specification> for Specification {
    fn from(s: appmarket::Specification) -> Self {
        Specification {
            name: s.name,
            attributes: all(s.attributes),
            quantity: s.quantity.map(Into::into),
            plans: all(s.plans),
        }
    }
}
impl IntoCore<appmarket::Specification> for Specification {
    fn into_core(self) -> Result<appmarket::Specification> {
        Ok(appmarket::Specification {
            name: self.name,
            attributes: self.attributes.into_core()?,
            quantity: self.quantity.into_core()?,
            plans: self.plans.into_core()?,
        })
    }
}

impl From<appmarket::SupportRange> for SupportRange {
    fn from(s: appmarket::SupportRange) -> Self {
        SupportRange { email: s.email, phone: s.phone }
    }
}
impl IntoCore<appmarket::SupportRange> for SupportRange {
    fn into_core(self) -> Result<appmarket::SupportRange> {
        Ok(appmarket::SupportRange { email: self.email, phone: self.phone })
    }
}

impl From<appmarket::ResourcePlan> for ResourcePlan {
    fn from(r: appmarket::ResourcePlan) -> Self {
        ResourcePlan {
            mode: r.mode.into(),
            flavour: r.flavour.into(),
            disk_per_gb: r.disk_per_gb.into(),
            eip_per_mbit: r.eip_per_mbit.into(),
        }
    }
}
impl IntoCore<appmarket::ResourcePlan> for ResourcePlan {
    fn into_core(self) -> Result<appmarket::ResourcePlan> {
        Ok(appmarket::ResourcePlan {
            mode: self.mode.into(),
            flavour: self.flavour.into_core()?,
            disk_per_gb: self.disk_per_gb.into_core()?,
            eip_per_mbit: self.eip_per_mbit.into_core()?,
        })
    }
}

impl From<appmarket::ImageResources> for ImageResources {
    fn from(i: appmarket::ImageResources) -> Self {
        ImageResources {
            flavour: i.flavour,
            system_disk_gb: i.system_disk_gb,
            recommended_security_group: i.recommended_security_group,
            plans: all(i.plans),
        }
    }
}
impl IntoCore<appmarket::ImageResources> for ImageResources {
    fn into_core(self) -> Result<appmarket::ImageResources> {
        Ok(appmarket::ImageResources {
            flavour: self.flavour,
            system_disk_gb: self.system_disk_gb,
            recommended_security_group: self.recommended_security_group,
            plans: self.plans.into_core()?,
        })
    }
}

impl IntoCore<appmarket::ProductDraft> for ProductDraft {
    fn into_core(self) -> Result<appmarket::ProductDraft> {
        Ok(appmarket::ProductDraft {
            name: self.name,
            category: self.category,
            delivery: self.delivery.into(),
            involves_supervision: self.involves_supervision,
            tags: self.tags,
            description: self.description,
            support: self.support.into_core()?.unwrap_or_default(),
            specifications: self.specifications.into_core()?,
            image: self.image.into_core()?,
        })
    }
}

impl From<appmarket::Product> for Product {
    fn from(p: appmarket::Product) -> Self {
        Product {
            id: p.id.to_string(),
            seller: p.seller.to_string(),
            name: p.name,
            category: p.category,
            delivery: p.delivery.into(),
            involves_supervision: p.involves_supervision,
            tags: p.tags,
            description: p.description,
            support: p.support.into(),
            specifications: all(p.specifications),
            image: p.image.map(Into::into),
            currency: p.currency.code().to_owned(),
            listed: p.listed,
            listed_at: p.listed_at,
        }
    }
}

impl IntoCore<appmarket::SearchQuery> for SearchQuery {
    fn into_core(self) -> Result<appmarket::SearchQuery> {
        Ok(appmarket::SearchQuery {
            text: self.text,
            category: self.category,
            delivery: self.delivery.map(Into::into),
            billing_mode: self.billing_mode.map(Into::into),
            seller: self.seller.map(id).transpose()?,
            min_price: self.min_price.into_core()?,
            max_price: self.max_price.into_core()?,
            sort: self.sort.map(Into::into).unwrap_or_default(),
            page: self.page,
            page_size: self.page_size,
        })
    }
}

impl From<appmarket::Page<appmarket::Product>> for ProductPage {
    fn from(p: appmarket::Page<appmarket::Product>) -> Self {
        ProductPage { items: all(p.items), page: p.page, page_size: p.page_size, total: p.total }
    }
}

impl From<appmarket::SavedItem> for SavedItem {
    fn from(i: appmarket::SavedItem) -> Self {
        SavedItem { product: i.product.to_string(), specification: i.specification, saved_at: i.saved_at }
    }
}

impl From<appmarket::SavedList> for SavedList {
    fn from(l: appmarket::SavedList) -> Self {
        SavedList { customer: l.customer.to_string(), items: all(l.items) }
    }
}

// ---------------------------------------------------------------- facade

#[uniffi::export]
impl Marketplace {
    /// A seller lists a product (CAT-1, CAT-2).
    #[uniffi::method(default(request_id = None))]
    pub fn list_product(&self, by: Actor, draft: ProductDraft, request_id: Option<String>) -> Result<Product> {
        Ok(self.core.list_product(caller(by, request_id)?, draft.into_core()?)?.into())
    }

    /// Its seller (or an operator) takes a product off the catalog.
    #[uniffi::method(default(request_id = None))]
    pub fn delist_product(&self, by: Actor, product: String, request_id: Option<String>) -> Result<Product> {
        Ok(self.core.delist_product(caller(by, request_id)?, &id(product)?)?.into())
    }

    /// Its seller (or an operator) puts a delisted product back.
    #[uniffi::method(default(request_id = None))]
    pub fn relist_product(&self, by: Actor, product: String, request_id: Option<String>) -> Result<Product> {
        Ok(self.core.relist_product(caller(by, request_id)?, &id(product)?)?.into())
    }

    /// A product by id (listed or not).
    pub fn product(&self, product: String) -> Result<Product> {
        Ok(self.core.product(&id(product)?)?.into())
    }

    /// Searches the listed products (CAT-3).
    pub fn search(&self, query: SearchQuery) -> Result<ProductPage> {
        Ok(self.core.search(&query.into_core()?)?.into())
    }

    /// Saves a product (with an optional specification) to the customer's list (CAT-4).
    #[uniffi::method(default(request_id = None))]
    pub fn save_to_list(
        &self,
        by: Actor,
        product: String,
        specification: Option<String>,
        request_id: Option<String>,
    ) -> Result<SavedList> {
        Ok(self.core.save_to_list(caller(by, request_id)?, &id(product)?, specification.as_deref())?.into())
    }

    /// Removes a product from the customer's list.
    #[uniffi::method(default(request_id = None))]
    pub fn remove_from_list(&self, by: Actor, product: String, request_id: Option<String>) -> Result<SavedList> {
        Ok(self.core.remove_from_list(caller(by, request_id)?, &id(product)?)?.into())
    }

    /// The customer's saved list.
    pub fn saved_list(&self, by: Actor) -> Result<SavedList> {
        Ok(self.core.saved_list(&by.into_core()?)?.into())
    }

    /// Places an order for an item of the saved list (CAT-4).
    #[uniffi::method(default(request_id = None))]
    pub fn buy_from_list(&self, by: Actor, request: PurchaseRequest, request_id: Option<String>) -> Result<Order> {
        Ok(self.core.buy_from_list(caller(by, request_id)?, request.into_core()?)?.into())
    }
}
