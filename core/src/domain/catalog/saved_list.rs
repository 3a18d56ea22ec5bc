//! The customer's saved list (CAT-4).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::actor::{Actor, CustomerId, ProductId};
use crate::aggregate::{Aggregate, Create, Ctx};
use crate::error::Error;
use crate::order::PurchaseRequest;

/// A product saved for later, with an optional specification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
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
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
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

/// A command on a customer's saved list (CAT-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SavedListCommand {
    /// Save a product, with an optional specification; saving twice keeps one entry.
    Save {
        /// The product.
        product: ProductId,
        /// The specification chosen, if any.
        specification: Option<String>,
    },
    /// Remove a product (every specification of it).
    Remove {
        /// The product.
        product: ProductId,
    },
}

/// What happened to a saved list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SavedListEvent {
    /// A product was saved.
    ItemSaved {
        /// The product.
        product: ProductId,
        /// The specification, if any.
        specification: Option<String>,
    },
    /// A product was removed.
    ItemRemoved {
        /// The product.
        product: ProductId,
    },
}

impl SavedList {
    /// What buying from the list orders (CAT-4): the product must be in the list, and an empty
    /// specification asks for the one saved with it.
    pub(crate) fn purchase_request(&self, mut request: PurchaseRequest) -> Result<PurchaseRequest, Error> {
        let saved = self.items.iter().find(|i| i.product == request.product).ok_or_else(|| {
            Error::not_allowed("CAT-4", format!("product {} is not in the saved list", request.product))
        })?;
        if request.specification.is_empty() {
            request.specification = saved.specification.clone().ok_or_else(|| {
                Error::invalid("specification", "no specification was saved with the product: choose one")
            })?;
        }
        Ok(request)
    }
}

impl Create for SavedList {
    /// A customer's list, created by its first save (an empty list saves nothing).
    fn decide_new(cmd: &SavedListCommand, ctx: &Ctx<'_>) -> Result<(SavedList, Vec<SavedListEvent>), Error> {
        let customer = crate::domain::access::acting_customer(ctx.actor, "keep a saved list")?;
        let mut list = SavedList::new(customer.clone());
        let events = list.decide(cmd, ctx)?;
        events.iter().for_each(|e| list.apply(e, ctx));
        Ok((list, events))
    }
}

impl Aggregate for SavedList {
    const WHAT: &'static str = "saved list";
    type Command = SavedListCommand;
    type Event = SavedListEvent;

    fn decide(&self, cmd: &SavedListCommand, ctx: &Ctx<'_>) -> Result<Vec<SavedListEvent>, Error> {
        match ctx.actor {
            Actor::Customer(c) if *c == self.customer => {}
            other => {
                return Err(Error::forbidden(format!("{other} may not keep this saved list: only its customer may")));
            }
        }
        match cmd {
            SavedListCommand::Save { product, specification } => {
                if self.contains(product, specification.as_deref()) {
                    return Ok(vec![]);
                }
                Ok(vec![SavedListEvent::ItemSaved { product: product.clone(), specification: specification.clone() }])
            }
            SavedListCommand::Remove { product } => {
                if !self.items.iter().any(|i| &i.product == product) {
                    return Err(Error::not_found("saved product", product));
                }
                Ok(vec![SavedListEvent::ItemRemoved { product: product.clone() }])
            }
        }
    }

    /// Empty: a list is created by its first save, which is one of its events.
    fn as_created(&self) -> Option<SavedList> {
        Some(SavedList::new(self.customer.clone()))
    }

    fn apply(&mut self, event: &SavedListEvent, ctx: &Ctx<'_>) {
        match event {
            SavedListEvent::ItemSaved { product, specification } => {
                self.save(product.clone(), specification.clone(), ctx.now);
            }
            SavedListEvent::ItemRemoved { product } => {
                self.remove(product);
            }
        }
    }
}
