//! Catalog commands and queries: listing, search, the saved list (CAT).

use super::unit::New;
use super::{Marketplace, Unit};
use crate::actor::{Actor, CustomerId, ProductId, Target};
use crate::catalog::{Page, Product, ProductDraft, ProductEvent, SavedList, SavedListCommand, SearchQuery};
use crate::domain::access;
use crate::error::Error;
use crate::order::{Order, PurchaseRequest};
use crate::store::{Sequence, StoreExt};
use crate::text::Text;

impl Marketplace {
    /// A seller lists a product (CAT-1, CAT-2). Prices must be above zero and in one currency.
    pub(super) fn list_product_in(&self, unit: &mut Unit<'_>, draft: &ProductDraft) -> Result<Product, Error> {
        self.check_input("draft", draft)?;
        let seller = access::seller_only(unit.actor(), "list products")?;
        let currency = draft.validate(&self.policy)?;
        let id = ProductId::parse(&format!("PRD-{:08}", self.store.next_number(Sequence::Product)?))?;
        let product = Product::from_draft(id, seller.clone(), draft.clone(), currency, unit.now());
        let events = vec![ProductEvent::Listed { name: product.name.clone() }];
        Ok(unit.create(New::built(product, events)).clone())
    }

    /// A product, listed or not.
    pub fn product(&self, id: &ProductId) -> Result<Product, Error> {
        Ok(Product::clone(&*self.shared_product(id)?))
    }

    /// A product without copying it.
    pub(crate) fn shared_product(&self, id: &ProductId) -> Result<std::sync::Arc<Product>, Error> {
        self.store.product(id)?.ok_or_else(|| Error::not_found("product", id))
    }

    /// Searches listed products (CAT-3).
    pub fn search(&self, query: &SearchQuery) -> Result<Page<Product>, Error> {
        self.check_input("query", query)?;
        let prepared = query.prepare(&self.policy)?;
        self.store.search(&prepared)
    }

    /// Saves a product (with an optional specification) to the customer's list; saving twice
    /// keeps one entry (CAT-4).
    pub(super) fn save_to_list_in(
        &self,
        unit: &mut Unit<'_>,
        product: &ProductId,
        specification: Option<&str>,
    ) -> Result<SavedList, Error> {
        if let Some(spec) = specification {
            self.check_text("specification", spec, Text::Name)?;
        }

        access::acting_customer(unit.actor(), "keep a saved list")?;
        let p = self.shared_product(product)?;
        p.check_orderable()?;
        if let Some(spec) = specification {
            p.specification(spec)?;
        }
        let cmd = SavedListCommand::Save { product: product.clone(), specification: specification.map(str::to_owned) };
        self.decide_saved_list(unit, &cmd)
    }

    /// Removes a product from the customer's list.
    pub(super) fn remove_from_list_in(&self, unit: &mut Unit<'_>, product: &ProductId) -> Result<SavedList, Error> {
        access::acting_customer(unit.actor(), "keep a saved list")?;
        self.decide_saved_list(unit, &SavedListCommand::Remove { product: product.clone() })
    }

    /// Lets the calling customer's saved list decide; a list is created on its first save.
    fn decide_saved_list(&self, unit: &mut Unit<'_>, cmd: &SavedListCommand) -> Result<SavedList, Error> {
        let customer = access::acting_customer(unit.actor(), "keep a saved list")?;
        unit.decide_or_create::<SavedList>(&Target::SavedList(customer.clone()), cmd)
    }

    /// The customer's saved list (empty if nothing was saved).
    pub fn saved_list(&self, by: &Actor) -> Result<SavedList, Error> {
        let customer = access::acting_customer(by, "see a saved list")?;
        Ok(self.saved_list_of(customer.clone())?.0)
    }

    /// A customer's saved list and its version (an empty list at version 0 if none was saved).
    fn saved_list_of(&self, customer: CustomerId) -> Result<(SavedList, u64), Error> {
        let current = self.store.find::<SavedList>(&Target::SavedList(customer.clone()))?;
        Ok(current.map_or_else(|| (SavedList::new(customer), 0), |v| (v.value, v.version)))
    }

    /// Buys from the saved list: starts an order as if from the product page (CAT-4). The
    /// product must be in the list; `request.specification` may be empty to use the saved one.
    pub(super) fn buy_from_list_in(&self, unit: &mut Unit<'_>, request: &PurchaseRequest) -> Result<Order, Error> {
        self.check_input("request", request)?;
        let request = self.saved_list(unit.actor())?.purchase_request(request.clone())?;
        self.place_order_in(unit, &request)
    }
}
