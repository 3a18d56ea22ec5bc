//! Catalog values (CAT): drafts and products with their specifications and plans, the saved
//! list, search queries and pages.

use pyo3::prelude::*;

use appmarket::{Page, SellerId};

use crate::enums::{BillingMode, DeliveryMethod, SortOrder};
use crate::errors::Fallible;
use crate::values::Money;

fn inner<T: Clone, U>(items: Vec<T>, f: impl Fn(T) -> U) -> Vec<U> {
    items.into_iter().map(f).collect()
}

value_class!(
    /// A named attribute of a specification.
    Attribute(appmarket::Attribute) {
        name: |a| a.name.clone(),
        value: |a| a.value.clone(),
    }

    #[new]
    fn new(name: String, value: String) -> Self {
        Self { inner: appmarket::Attribute { name, value } }
    }
);

value_class!(
    /// An integer quantity with min, max and step (CAT-2).
    QuantityAttribute(appmarket::QuantityAttribute) {
        name: |q| q.name.clone(),
        min: |q| q.min,
        max: |q| q.max,
        step: |q| q.step,
    }

    #[new]
    #[pyo3(signature = (name, *, min, max, step = 1))]
    fn new(name: String, min: u32, max: u32, step: u32) -> Self {
        Self { inner: appmarket::QuantityAttribute { name, min, max, step } }
    }
);

value_class!(
    /// A price plan: billing mode and price per period, flat or per unit (CAT-2).
    PricePlan(appmarket::PricePlan) {
        mode: |p| BillingMode::from(p.mode),
        price: |p| Money::from(p.price),
        per_unit: |p| p.per_unit,
    }

    #[new]
    #[pyo3(signature = (mode, price, *, per_unit = false))]
    fn new(mode: BillingMode, price: Money, per_unit: bool) -> Self {
        Self { inner: appmarket::PricePlan { mode: mode.into(), price: price.inner, per_unit } }
    }
);

value_class!(
    /// A specification: name, attributes, optional quantity, price plans (CAT-2).
    Specification(appmarket::Specification) {
        name: |s| s.name.clone(),
        attributes: |s| inner(s.attributes.clone(), Attribute::from),
        quantity: |s| s.quantity.clone().map(QuantityAttribute::from),
        plans: |s| inner(s.plans.clone(), PricePlan::from),
    }

    #[new]
    #[pyo3(signature = (name, *, plans, attributes = Vec::new(), quantity = None))]
    fn new(name: String, plans: Vec<PricePlan>, attributes: Vec<Attribute>, quantity: Option<QuantityAttribute>) -> Self {
        Self {
            inner: appmarket::Specification {
                name,
                attributes: inner(attributes, |a| a.inner),
                quantity: quantity.map(|q| q.inner),
                plans: inner(plans, |p| p.inner),
            },
        }
    }
);

value_class!(
    /// The seller's support contact.
    SupportRange(appmarket::SupportRange) {
        email: |s| s.email.clone(),
        phone: |s| s.phone.clone(),
    }

    #[new]
    #[pyo3(signature = (*, email = String::new(), phone = String::new()))]
    fn new(email: String, phone: String) -> Self {
        Self { inner: appmarket::SupportRange { email, phone } }
    }
);

value_class!(
    /// Cloud resource prices of an image for one billing mode (PRC-3).
    ResourcePlan(appmarket::ResourcePlan) {
        mode: |r| BillingMode::from(r.mode),
        flavour: |r| Money::from(r.flavour),
        disk_per_gb: |r| Money::from(r.disk_per_gb),
        eip_per_mbit: |r| Money::from(r.eip_per_mbit),
    }

    #[new]
    #[pyo3(signature = (mode, *, flavour, disk_per_gb, eip_per_mbit))]
    fn new(mode: BillingMode, flavour: Money, disk_per_gb: Money, eip_per_mbit: Money) -> Self {
        Self {
            inner: appmarket::ResourcePlan {
                mode: mode.into(),
                flavour: flavour.inner,
                disk_per_gb: disk_per_gb.inner,
                eip_per_mbit: eip_per_mbit.inner,
            },
        }
    }
);

value_class!(
    /// An image product's instance flavour, system disk and resource prices (IMG-1).
    ImageResources(appmarket::ImageResources) {
        flavour: |r| r.flavour.clone(),
        system_disk_gb: |r| r.system_disk_gb,
        recommended_security_group: |r| r.recommended_security_group.clone(),
        plans: |r| inner(r.plans.clone(), ResourcePlan::from),
    }

    #[new]
    #[pyo3(signature = (*, flavour, system_disk_gb, plans, recommended_security_group = None))]
    fn new(
        flavour: String,
        system_disk_gb: u32,
        plans: Vec<ResourcePlan>,
        recommended_security_group: Option<String>,
    ) -> Self {
        Self {
            inner: appmarket::ImageResources {
                flavour,
                system_disk_gb,
                recommended_security_group,
                plans: inner(plans, |p| p.inner),
            },
        }
    }
);

value_class!(
    /// What a seller lists (CAT-1); validated by `Marketplace.list_product`.
    ProductDraft(appmarket::ProductDraft) {
        name: |d| d.name.clone(),
        category: |d| d.category.clone(),
        delivery: |d| DeliveryMethod::from(d.delivery),
        involves_supervision: |d| d.involves_supervision,
        tags: |d| d.tags.clone(),
        description: |d| d.description.clone(),
        support: |d| SupportRange::from(d.support.clone()),
        specifications: |d| inner(d.specifications.clone(), Specification::from),
        image: |d| d.image.clone().map(ImageResources::from),
    }

    #[new]
    #[pyo3(signature = (
        *, name, category, delivery, specifications, involves_supervision = false, tags = Vec::new(),
        description = String::new(), support = None, image = None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        name: String,
        category: String,
        delivery: DeliveryMethod,
        specifications: Vec<Specification>,
        involves_supervision: bool,
        tags: Vec<String>,
        description: String,
        support: Option<SupportRange>,
        image: Option<ImageResources>,
    ) -> Self {
        Self {
            inner: appmarket::ProductDraft {
                name,
                category,
                delivery: delivery.into(),
                involves_supervision,
                tags,
                description,
                support: support.map(|s| s.inner).unwrap_or_default(),
                specifications: inner(specifications, |s| s.inner),
                image: image.map(|i| i.inner),
            },
        }
    }
);

value_class!(
    /// A listed (or delisted) product (CAT-1).
    Product(appmarket::Product) {
        id: |p| p.id.to_string(),
        seller: |p| p.seller.to_string(),
        name: |p| p.name.clone(),
        category: |p| p.category.clone(),
        delivery: |p| DeliveryMethod::from(p.delivery),
        involves_supervision: |p| p.involves_supervision,
        tags: |p| p.tags.clone(),
        description: |p| p.description.clone(),
        support: |p| SupportRange::from(p.support.clone()),
        specifications: |p| inner(p.specifications.clone(), Specification::from),
        image: |p| p.image.clone().map(ImageResources::from),
        currency: |p| p.currency.code().to_owned(),
        listed: |p| p.listed,
        listed_at: |p| p.listed_at,
    }

    /// The billing modes some specification offers, sorted.
    fn billing_modes(&self) -> Vec<BillingMode> {
        inner(self.inner.billing_modes(), BillingMode::from)
    }

    /// The lowest price of any plan.
    fn lowest_price(&self) -> Money {
        Money::from(self.inner.lowest_price())
    }

    /// The specification with this name.
    fn specification(&self, name: &str) -> Fallible<Specification> {
        Ok(Specification::from(self.inner.specification(name)?.clone()))
    }
);

value_class!(
    /// A saved product, with an optional specification (CAT-4).
    SavedItem(appmarket::SavedItem) {
        product: |i| i.product.to_string(),
        specification: |i| i.specification.clone(),
        saved_at: |i| i.saved_at,
    }
);

value_class!(
    /// A customer's saved list (CAT-4).
    SavedList(appmarket::SavedList) {
        customer: |l| l.customer.to_string(),
        items: |l| inner(l.items.clone(), SavedItem::from),
    }

    fn __len__(&self) -> usize {
        self.inner.items.len()
    }
);

value_class!(
    /// A search: free text, filters, sort and page (CAT-3); validated by `Marketplace.search`.
    SearchQuery(appmarket::SearchQuery) {
        text: |q| q.text.clone(),
        category: |q| q.category.clone(),
        delivery: |q| q.delivery.map(DeliveryMethod::from),
        billing_mode: |q| q.billing_mode.map(BillingMode::from),
        seller: |q| q.seller.as_ref().map(ToString::to_string),
        min_price: |q| q.min_price.map(Money::from),
        max_price: |q| q.max_price.map(Money::from),
        sort: |q| SortOrder::from(q.sort),
        page: |q| q.page,
        page_size: |q| q.page_size,
    }

    #[new]
    #[pyo3(signature = (
        *, text = String::new(), category = None, delivery = None, billing_mode = None, seller = None,
        min_price = None, max_price = None, sort = SortOrder::Relevance, page = 1, page_size = 20
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        text: String,
        category: Option<String>,
        delivery: Option<DeliveryMethod>,
        billing_mode: Option<BillingMode>,
        seller: Option<&str>,
        min_price: Option<Money>,
        max_price: Option<Money>,
        sort: SortOrder,
        page: u32,
        page_size: u32,
    ) -> Fallible<Self> {
        Ok(Self {
            inner: appmarket::SearchQuery {
                text,
                category,
                delivery: delivery.map(Into::into),
                billing_mode: billing_mode.map(Into::into),
                seller: seller.map(SellerId::parse).transpose()?,
                min_price: min_price.map(|m| m.inner),
                max_price: max_price.map(|m| m.inner),
                sort: sort.into(),
                page,
                page_size,
            },
        })
    }
);

value_class!(
    /// A page of products.
    ProductPage(Page<appmarket::Product>) {
        items: |p| inner(p.items.clone(), Product::from),
        page: |p| p.page,
        page_size: |p| p.page_size,
        total: |p| p.total,
    }

    fn __len__(&self) -> usize {
        self.inner.items.len()
    }
);

/// Adds the classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Attribute>()?;
    m.add_class::<QuantityAttribute>()?;
    m.add_class::<PricePlan>()?;
    m.add_class::<Specification>()?;
    m.add_class::<SupportRange>()?;
    m.add_class::<ResourcePlan>()?;
    m.add_class::<ImageResources>()?;
    m.add_class::<ProductDraft>()?;
    m.add_class::<Product>()?;
    m.add_class::<SavedItem>()?;
    m.add_class::<SavedList>()?;
    m.add_class::<SearchQuery>()?;
    m.add_class::<ProductPage>()?;
    Ok(())
}
