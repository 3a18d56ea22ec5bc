//! Products, specifications and price plans (CAT-1, CAT-2).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, ProductId, SellerId};
use crate::aggregate::{Aggregate, Ctx};
use crate::attachment::Attachment;
use crate::error::Error;
use crate::money::{Currency, Money};
use crate::policy::Policy;

pub use crate::delivery::DeliveryMethod;

/// How a plan is billed (CAT-2).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum BillingMode {
    /// Rated by the hour (PRC-7).
    PayPerUse,
    /// Paid per calendar month.
    Monthly,
    /// Paid per year (12 months).
    Yearly,
    /// Paid once.
    OneTime,
}

impl BillingMode {
    /// Months in one period, for the term-bearing modes.
    pub fn months_per_period(&self) -> Option<u32> {
        match self {
            BillingMode::Monthly => Some(1),
            BillingMode::Yearly => Some(12),
            BillingMode::PayPerUse | BillingMode::OneTime => None,
        }
    }

    /// Whether the mode is yearly/monthly (a term with an expiry).
    pub fn is_subscription(&self) -> bool {
        self.months_per_period().is_some()
    }

    /// The mode as quotes and messages write it ("monthly").
    pub fn as_str(&self) -> &'static str {
        match self {
            BillingMode::PayPerUse => "pay-per-use",
            BillingMode::Monthly => "monthly",
            BillingMode::Yearly => "yearly",
            BillingMode::OneTime => "one-time",
        }
    }
}

impl fmt::Display for BillingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An integer quantity a buyer chooses, e.g. "Number of Licenses" (CAT-2).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct QuantityAttribute {
    /// Its name as the product page shows it.
    pub name: String,
    /// Smallest quantity.
    pub min: u32,
    /// Largest quantity.
    pub max: u32,
    /// Quantities go from `min` in steps of this.
    pub step: u32,
}

impl QuantityAttribute {
    /// Refuses a quantity outside min/max/step, saying what is accepted.
    pub fn check(&self, quantity: u32) -> Result<(), Error> {
        if quantity < self.min || quantity > self.max || !(quantity - self.min).is_multiple_of(self.step) {
            return Err(Error::invalid(
                "quantity",
                format!(
                    "{} must be {}–{} in steps of {} from {}; got {quantity}",
                    self.name, self.min, self.max, self.step, self.min
                ),
            ));
        }
        Ok(())
    }
}

/// A price for one period of a billing mode (per hour for pay-per-use), flat or per unit of the
/// quantity attribute (CAT-2).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct PricePlan {
    /// The billing mode.
    pub mode: BillingMode,
    /// Price per period (per hour for pay-per-use).
    pub price: Money,
    /// Whether the price is per unit of the quantity attribute.
    pub per_unit: bool,
}

/// A named fixed attribute of a specification, e.g. "Email Hosting: Email Hosting".
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Attribute {
    /// Name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// A specification of a product: attributes, an optional quantity, and price plans (CAT-2).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Specification {
    /// Its name, unique within the product.
    pub name: String,
    /// Fixed attributes.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub attributes: Vec<Attribute>,
    /// The quantity the buyer chooses, if any; without one the quantity is 1.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub quantity: Option<QuantityAttribute>,
    /// Plans, at most one per billing mode.
    pub plans: Vec<PricePlan>,
    /// A request template the customer may download before the first request of the service
    /// flow (user guide §4.3): only for a product whose flow takes requests — a professional
    /// service or a supervised SaaS product (SUP-3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub request_template: Option<Attachment>,
}

impl Specification {
    /// The plan of a billing mode, or a refusal naming the modes offered (CAT-2, FAQ 9.4).
    pub fn plan(&self, mode: BillingMode) -> Result<&PricePlan, Error> {
        self.plans.iter().find(|p| p.mode == mode).ok_or_else(|| {
            let offered: Vec<String> = self.plans.iter().map(|p| p.mode.to_string()).collect();
            Error::not_allowed(
                "CAT-2",
                format!("specification `{}` is not sold {mode}; the seller offers: {}", self.name, offered.join(", ")),
            )
        })
    }

    /// Refuses a quantity the specification does not allow.
    pub fn check_quantity(&self, quantity: u32) -> Result<(), Error> {
        match &self.quantity {
            Some(attr) => attr.check(quantity),
            None if quantity == 1 => Ok(()),
            None => Err(Error::invalid(
                "quantity",
                format!("specification `{}` has no quantity to choose: it must be 1, got {quantity}", self.name),
            )),
        }
    }
}

/// The seller's support contacts (CAT-1).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct SupportRange {
    /// Seller email.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub email: String,
    /// Seller phone.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub phone: String,
}

/// Cloud resource prices for one billing mode of an image product (PRC-3), per period.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct ResourcePlan {
    /// The billing mode these prices are for.
    pub mode: BillingMode,
    /// Instance flavour, per instance.
    pub flavour: Money,
    /// System disk, per GB.
    pub disk_per_gb: Money,
    /// EIP bandwidth, per Mbit/s.
    pub eip_per_mbit: Money,
}

/// What an image runs on (IMG-1, PRC-3).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct ImageResources {
    /// The product's instance flavour, e.g. `s6.large.2`.
    pub flavour: String,
    /// System disk size in GB.
    pub system_disk_gb: u32,
    /// The security group the seller recommends, if any.
    pub recommended_security_group: Option<String>,
    /// Resource prices per billing mode.
    pub plans: Vec<ResourcePlan>,
}

/// What a seller submits to list a product (CAT-1).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct ProductDraft {
    /// Product name.
    pub name: String,
    /// Category, e.g. "Collaboration".
    pub category: String,
    /// Delivery method.
    pub delivery: DeliveryMethod,
    /// For SaaS: whether it involves service supervision. Licences and professional services
    /// always do, images never; the value given is ignored for them.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = false))]
    pub involves_supervision: bool,
    /// Tags.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub tags: Vec<String>,
    /// Description.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub description: String,
    /// Support contacts.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub support: SupportRange,
    /// One or more specifications.
    pub specifications: Vec<Specification>,
    /// Required for images: flavour, disk and resource prices.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub image: Option<ImageResources>,
}

/// A listed (or delisted) product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Product {
    /// Id.
    pub id: ProductId,
    /// The seller who listed it.
    pub seller: SellerId,
    /// Name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Delivery method.
    pub delivery: DeliveryMethod,
    /// Whether purchases open a service flow (CAT-1).
    pub involves_supervision: bool,
    /// Tags.
    pub tags: Vec<String>,
    /// Description.
    pub description: String,
    /// Support contacts.
    pub support: SupportRange,
    /// Specifications.
    pub specifications: Vec<Specification>,
    /// Image resources (images only).
    pub image: Option<ImageResources>,
    /// The one currency of all its prices.
    pub currency: Currency,
    /// Whether it can be found and ordered (CAT-3).
    pub listed: bool,
    /// When it was first listed.
    pub listed_at: DateTime<Utc>,
}

fn check_text(field: &str, text: &str, min: usize, max: u32) -> Result<(), Error> {
    let n = text.chars().count();
    let max = max as usize;
    if n < min || n > max {
        return Err(Error::invalid(field, format!("needs {min}–{max} characters, got {n}")));
    }
    Ok(())
}

impl ProductDraft {
    /// Validates the draft and returns the one currency of its prices (CAT-1, CAT-2). The
    /// lengths of names, description and tags are the policy's (`product_name_max_chars`,
    /// `product_description_max_chars`, `product_tag_max_chars`, `image_flavour_max_chars`).
    pub fn validate(&self, policy: &Policy) -> Result<Currency, Error> {
        let name_max = policy.product_name_max_chars;
        check_text("name", self.name.trim(), 1, name_max)?;
        check_text("category", self.category.trim(), 1, name_max)?;
        check_text("description", &self.description, 0, policy.product_description_max_chars)?;
        for tag in &self.tags {
            check_text("tags", tag.trim(), 1, policy.product_tag_max_chars)?;
        }
        if self.specifications.is_empty() {
            return Err(Error::invalid("specifications", "a product needs at least one specification"));
        }
        let mut currency = None;
        let mut check_price = |field: &str, price: &Money, allow_zero: bool| -> Result<(), Error> {
            price.check_input(field)?;
            if price.is_negative() || (!allow_zero && price.is_zero()) {
                return Err(Error::invalid(
                    field,
                    format!("a price must be {}, got {price}", if allow_zero { "zero or more" } else { "above zero" }),
                ));
            }
            match currency {
                None => currency = Some(price.currency),
                Some(c) if c != price.currency => {
                    return Err(Error::invalid(
                        field,
                        format!("all prices of a product are in one currency: {c}, but got {price}"),
                    ));
                }
                Some(_) => {}
            }
            Ok(())
        };
        for (i, spec) in self.specifications.iter().enumerate() {
            check_text("specifications.name", spec.name.trim(), 1, name_max)?;
            if self.specifications[..i].iter().any(|s| s.name == spec.name) {
                return Err(Error::invalid("specifications.name", format!("`{}` appears twice", spec.name)));
            }
            if spec.plans.is_empty() {
                return Err(Error::invalid("plans", format!("specification `{}` needs a price plan", spec.name)));
            }
            for (j, plan) in spec.plans.iter().enumerate() {
                if spec.plans[..j].iter().any(|p| p.mode == plan.mode) {
                    return Err(Error::invalid("plans", format!("`{}` has two {} plans", spec.name, plan.mode)));
                }
                check_price("price", &plan.price, false)?;
                if plan.per_unit && spec.quantity.is_none() {
                    return Err(Error::invalid(
                        "plans",
                        format!("`{}` is priced per unit but has no quantity", spec.name),
                    ));
                }
            }
            if let Some(template) = &spec.request_template {
                let takes_requests = match self.delivery {
                    DeliveryMethod::ProfessionalService => true,
                    DeliveryMethod::Saas => self.involves_supervision,
                    DeliveryMethod::License | DeliveryMethod::Image => false,
                };
                if !takes_requests {
                    return Err(Error::invalid(
                        "specifications.request_template",
                        "only a professional service or a supervised SaaS product takes requests, and so a request \
                         template (SUP-2, SUP-3)",
                    ));
                }
                template.check("specifications.request_template", policy)?;
            }
            if let Some(q) = &spec.quantity {
                check_text("quantity.name", q.name.trim(), 1, name_max)?;
                if q.min == 0 || q.step == 0 || q.min > q.max {
                    return Err(Error::invalid("quantity", "needs 1 ≤ min ≤ max and a step of at least 1"));
                }
            }
        }
        match (&self.image, self.delivery) {
            (None, DeliveryMethod::Image) => {
                return Err(Error::invalid("image", "an image product needs its flavour, disk and resource prices"));
            }
            (Some(_), d) if d != DeliveryMethod::Image => {
                return Err(Error::invalid("image", format!("only image products have image resources, not {d}")));
            }
            (Some(res), _) => {
                check_text("image.flavour", res.flavour.trim(), 1, policy.image_flavour_max_chars)?;
                for plan in &res.plans {
                    check_price("image.plans", &plan.flavour, true)?;
                    check_price("image.plans", &plan.disk_per_gb, true)?;
                    check_price("image.plans", &plan.eip_per_mbit, true)?;
                }
                for spec in &self.specifications {
                    for plan in &spec.plans {
                        if plan.mode == BillingMode::OneTime {
                            return Err(Error::invalid(
                                "plans",
                                format!(
                                    "`{}` has a one-time plan: an image is billed monthly, yearly or pay-per-use \
                                     (IMG-1)",
                                    spec.name
                                ),
                            ));
                        }
                        if !res.plans.iter().any(|r| r.mode == plan.mode) {
                            return Err(Error::invalid(
                                "image.plans",
                                format!("no cloud resource prices for the {} plan of `{}`", plan.mode, spec.name),
                            ));
                        }
                    }
                }
            }
            (None, _) => {}
        }
        currency.ok_or_else(|| Error::invalid("plans", "a product needs a price"))
    }
}

impl Product {
    /// A product from a validated draft.
    pub(crate) fn from_draft(
        id: ProductId,
        seller: SellerId,
        draft: ProductDraft,
        currency: Currency,
        now: DateTime<Utc>,
    ) -> Product {
        let involves_supervision = match draft.delivery {
            DeliveryMethod::License | DeliveryMethod::ProfessionalService => true,
            DeliveryMethod::Image => false,
            DeliveryMethod::Saas => draft.involves_supervision,
        };
        let listed = ProductDraft {
            name: draft.name.trim().to_owned(),
            category: draft.category.trim().to_owned(),
            involves_supervision,
            ..draft
        };
        Product::new(id, seller, listed, currency, now)
    }

    /// The product as its listing leaves it, from the draft as listing decided it (its names
    /// trimmed, its supervision as its delivery says): listed. The one place that says how a
    /// product starts: listing it and [`Aggregate::as_created`] both make it here.
    fn new(
        id: ProductId,
        seller: SellerId,
        listed: ProductDraft,
        currency: Currency,
        listed_at: DateTime<Utc>,
    ) -> Product {
        let ProductDraft {
            name,
            category,
            delivery,
            involves_supervision,
            tags,
            description,
            support,
            specifications,
            image,
        } = listed;
        Product {
            id,
            seller,
            name,
            category,
            delivery,
            involves_supervision,
            tags,
            description,
            support,
            specifications,
            image,
            currency,
            listed: true,
            listed_at,
        }
    }

    /// The named specification.
    pub fn specification(&self, name: &str) -> Result<&Specification, Error> {
        self.specifications.iter().find(|s| s.name == name).ok_or_else(|| {
            let names: Vec<&str> = self.specifications.iter().map(|s| s.name.as_str()).collect();
            Error::invalid(
                "specification",
                format!("product `{}` has no specification `{name}`; it has: {}", self.name, names.join(", ")),
            )
        })
    }

    /// Billing modes offered by any specification.
    pub fn billing_modes(&self) -> Vec<BillingMode> {
        let mut modes: Vec<BillingMode> =
            self.specifications.iter().flat_map(|s| s.plans.iter().map(|p| p.mode)).collect();
        modes.sort();
        modes.dedup();
        modes
    }

    /// The lowest price of any plan, for sorting and price filters.
    pub fn lowest_price(&self) -> Money {
        self.specifications
            .iter()
            .flat_map(|s| s.plans.iter().map(|p| p.price))
            .min_by(|a, b| a.amount.cmp(&b.amount))
            .unwrap_or_else(|| Money::zero(self.currency))
    }

    /// Checks that `by` may list (`listed`) or delist the product: only its seller, and only
    /// when it is not so already (CAT-3).
    pub fn check_set_listed(&self, by: &Actor, listed: bool) -> Result<(), Error> {
        by.require_seller(&self.seller, format_args!("product {}", self.id))?;
        if self.listed == listed {
            return Err(Error::not_allowed(
                "CAT-3",
                format!("product {} is already {}", self.id, if listed { "listed" } else { "delisted" }),
            ));
        }
        Ok(())
    }

    /// Refuses to sell a delisted product (CAT-3).
    pub fn check_orderable(&self) -> Result<(), Error> {
        if self.listed {
            Ok(())
        } else {
            Err(Error::not_allowed(
                "CAT-3",
                format!("product `{}` has been delisted and can no longer be ordered", self.name),
            ))
        }
    }
}

/// Checks the number of periods for a billing mode (ORD-1, REN-1).
pub fn check_periods(mode: BillingMode, periods: u32, policy: &Policy, rule: &str) -> Result<(), Error> {
    let max = match mode {
        BillingMode::Monthly => policy.max_monthly_periods,
        BillingMode::Yearly => policy.max_yearly_periods,
        BillingMode::OneTime | BillingMode::PayPerUse => 1,
    };
    if periods == 0 || periods > max {
        let unit = match mode {
            BillingMode::Monthly => "months",
            BillingMode::Yearly => "years",
            _ => "periods",
        };
        return Err(Error::invalid("periods", format!("{rule}: {mode} allows 1–{max} {unit}, got {periods}")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixtures;

    #[test]
    fn cat_3_only_its_seller_lists_or_delists_a_product_and_not_twice() {
        let draft = fixtures::saas_draft();
        let currency = draft.validate(&Policy::default()).unwrap();
        let seller = SellerId::parse("isv-1").unwrap();
        let product = Product::from_draft(ProductId::parse("PRD-1").unwrap(), seller, draft, currency, fixtures::t0());
        let owner = Actor::seller("isv-1").unwrap();
        assert!(product.check_set_listed(&owner, false).is_ok());
        let err = product.check_set_listed(&owner, true).unwrap_err();
        assert_eq!(err.rule(), Some("CAT-3"));
        assert!(err.to_string().contains("already listed"), "{err}");
        for other in [Actor::seller("isv-2").unwrap(), Actor::customer("alice").unwrap()] {
            assert!(matches!(product.check_set_listed(&other, false), Err(Error::Forbidden { .. })));
        }
        let delisted = Product { listed: false, ..product };
        assert_eq!(delisted.check_set_listed(&owner, false).unwrap_err().rule(), Some("CAT-3"));
        assert!(delisted.check_set_listed(&owner, true).is_ok());
    }

    #[test]
    fn cat_1_license_and_professional_service_always_involve_supervision() {
        let mut draft = fixtures::license_draft();
        draft.involves_supervision = false;
        let c = draft.validate(&Policy::default()).unwrap();
        let p = Product::from_draft(
            ProductId::parse("p").unwrap(),
            SellerId::parse("s").unwrap(),
            draft,
            c,
            fixtures::t0(),
        );
        assert!(p.involves_supervision);
        let mut img = fixtures::image_draft();
        img.involves_supervision = true;
        let c = img.validate(&Policy::default()).unwrap();
        let p =
            Product::from_draft(ProductId::parse("p").unwrap(), SellerId::parse("s").unwrap(), img, c, fixtures::t0());
        assert!(!p.involves_supervision);
    }

    #[test]
    fn cat_2_a_mode_not_offered_is_refused_naming_the_offered_modes() {
        let spec = &fixtures::saas_draft().specifications[0];
        let err = spec.plan(BillingMode::PayPerUse).unwrap_err();
        assert_eq!(err.rule(), Some("CAT-2"));
        assert!(err.to_string().contains("monthly, yearly"), "{err}");
    }

    #[test]
    fn cat_2_quantity_must_respect_min_max_and_step() {
        let spec = &fixtures::saas_draft().specifications[0];
        assert!(spec.check_quantity(10).is_ok());
        for bad in [0, 4, 11, 1001] {
            let err = spec.check_quantity(bad).unwrap_err();
            assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "quantity"), "{bad}: {err}");
        }
    }

    #[test]
    fn cat_2_prices_must_be_positive_and_in_one_currency() {
        let mut draft = fixtures::saas_draft();
        draft.specifications[0].plans[0].price = Money::parse("0 USD").unwrap();
        assert!(draft.validate(&Policy::default()).is_err());
        draft.specifications[0].plans[0].price = Money::parse("-1 USD").unwrap();
        assert!(draft.validate(&Policy::default()).is_err());
        draft.specifications[0].plans[0].price = Money::parse("1 EUR").unwrap();
        let err = draft.validate(&Policy::default()).unwrap_err();
        assert!(err.to_string().contains("one currency"), "{err}");
    }

    #[test]
    fn cat_1_an_image_needs_its_resources() {
        let mut draft = fixtures::image_draft();
        draft.image = None;
        assert!(draft.validate(&Policy::default()).is_err());
        let mut saas = fixtures::saas_draft();
        saas.image = fixtures::image_draft().image;
        assert!(saas.validate(&Policy::default()).is_err());
    }
}

/// A command on a listed product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductCommand {
    /// The seller delists it: it can no longer be found or ordered (CAT-3).
    Delist,
    /// The seller lists it again.
    Relist,
}

/// What happened to a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductEvent {
    /// Listed by its seller (CAT-1).
    Listed {
        /// Its name.
        name: String,
    },
    /// Delisted (CAT-3).
    Delisted,
    /// Listed again.
    Relisted,
}

impl Aggregate for Product {
    const WHAT: &'static str = "product";
    type Command = ProductCommand;
    type Event = ProductEvent;

    fn decide(&self, cmd: &ProductCommand, ctx: &Ctx<'_>) -> Result<Vec<ProductEvent>, Error> {
        let listed = *cmd == ProductCommand::Relist;
        self.check_set_listed(ctx.actor, listed)?;
        Ok(vec![if listed { ProductEvent::Relisted } else { ProductEvent::Delisted }])
    }

    /// As listed (`Product::new` of the draft as listing decided it, read from the product
    /// itself).
    fn as_created(&self) -> Option<Product> {
        let Product {
            id,
            seller,
            name,
            category,
            delivery,
            involves_supervision,
            tags,
            description,
            support,
            specifications,
            image,
            currency,
            listed_at,
            ..
        } = self.clone();
        let listed = ProductDraft {
            name,
            category,
            delivery,
            involves_supervision,
            tags,
            description,
            support,
            specifications,
            image,
        };
        Some(Product::new(id, seller, listed, currency, listed_at))
    }

    fn apply(&mut self, event: &ProductEvent, _ctx: &Ctx<'_>) {
        match event {
            ProductEvent::Listed { .. } => {}
            ProductEvent::Delisted => self.listed = false,
            ProductEvent::Relisted => self.listed = true,
        }
    }
}
