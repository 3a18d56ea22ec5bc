//! The catalog: products, search and the saved list (CAT).

mod catalogue;
pub mod pricing;
mod product;
mod saved_list;
mod search;
mod text_index;

pub use catalogue::Catalogue;
pub use product::{
    Attribute, BillingMode, DeliveryMethod, ImageResources, PricePlan, Product, ProductCommand, ProductDraft,
    ProductEvent, QuantityAttribute, ResourcePlan, Specification, SupportRange, check_periods,
};
pub use saved_list::{SavedItem, SavedList, SavedListCommand, SavedListEvent};
pub use search::{Page, PreparedQuery, SearchQuery, SearchText, SortOrder, check_page};
pub use text_index::TextIndex;
