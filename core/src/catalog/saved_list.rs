//! The customer's saved list (CAT-4).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{CustomerId, ProductId};

/// A product saved for later, with an optional specification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SavedItem {
    /// The product.
    pub product: ProductId,
    /// The specification chosen when saving, if any.
    pub specification: Option<String>,
    /// When it was saved.
    pub saved_at: DateTime<Utc>,
}

/// A customer's saved list. Saving the same product and specification twice keeps one entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SavedList {
    /// Whose list.
    pub customer: CustomerId,
    /// The saved items, oldest first.
    pub items: Vec<SavedItem>,
}

impl SavedList {
    /// An empty list.
    pub fn new(customer: CustomerId) -> SavedList {
        SavedList { customer, items: Vec::new() }
    }

    /// Whether the product (with that specification) is saved.
    pub fn contains(&self, product: &ProductId, specification: Option<&str>) -> bool {
        self.items.iter().any(|i| &i.product == product && i.specification.as_deref() == specification)
    }

    /// Saves an item; saving twice is idempotent (CAT-4). Returns whether the list changed.
    pub fn save(&mut self, product: ProductId, specification: Option<String>, now: DateTime<Utc>) -> bool {
        if self.contains(&product, specification.as_deref()) {
            return false;
        }
        self.items.push(SavedItem { product, specification, saved_at: now });
        true
    }

    /// Removes a product (every specification of it). Returns whether the list changed.
    pub fn remove(&mut self, product: &ProductId) -> bool {
        let before = self.items.len();
        self.items.retain(|i| &i.product != product);
        before != self.items.len()
    }
}
