//! Catalog commands and queries: listing, search, the saved list (CAT).

use super::{Decision, Marketplace};
use crate::actor::{Actor, Caller, CustomerId, ProductId, Target};
use crate::catalog::{Page, Product, ProductDraft, SavedList, SearchQuery};
use crate::command::Command;
use crate::error::Error;
use crate::event::{EventKind, NewEvent};
use crate::order::{Order, PurchaseRequest};
use crate::store::{Commit, Record, Sequence, StoreExt, Write};

impl Marketplace {
    /// A seller lists a product (CAT-1, CAT-2). Prices must be above zero and in one currency.
    pub fn list_product(&self, by: impl Into<Caller>, draft: ProductDraft) -> Result<Product, Error> {
        let caller = by.into();
        let fp = || Command::ListProduct { draft: draft.clone() };
        self.execute(caller, fp, |actor, now| {
            let Actor::Seller(seller) = actor else {
                return Err(Error::forbidden(format!("{actor} may not list products: only a seller may")));
            };
            let currency = draft.validate(&self.policy)?;
            let id = ProductId::parse(&format!("PRD-{:08}", self.store.next_number(Sequence::Product)?))?;
            let product = Product::from_draft(id.clone(), seller.clone(), draft.clone(), currency, now);
            let commit = Commit {
                writes: vec![Write { record: Record::Product(product.clone()), expected_version: 0, due: None }],
                events: vec![NewEvent {
                    actor: actor.clone(),
                    target: Target::Product(id),
                    kind: EventKind::ProductListed { name: product.name.clone() },
                }],
                ..Commit::default()
            };
            Ok(Decision::ok(commit, product))
        })
    }

    fn set_listed(&self, by: impl Into<Caller>, product: &ProductId, listed: bool) -> Result<Product, Error> {
        let fp = || {
            if listed {
                Command::RelistProduct { product: product.clone() }
            } else {
                Command::DelistProduct { product: product.clone() }
            }
        };
        self.execute(by, fp, |actor, _| {
            let current = self.get::<Product>(Target::Product(product.clone()))?;
            current.value.check_set_listed(actor, listed)?;
            let mut next = current.value.clone();
            next.listed = listed;
            let kind = if listed { EventKind::ProductRelisted } else { EventKind::ProductDelisted };
            let commit = Commit {
                writes: vec![Write {
                    record: Record::Product(next.clone()),
                    expected_version: current.version,
                    due: None,
                }],
                events: vec![NewEvent { actor: actor.clone(), target: Target::Product(product.clone()), kind }],
                ..Commit::default()
            };
            Ok(Decision::ok(commit, next))
        })
    }

    /// The seller delists a product: it can no longer be found or ordered, but what was bought
    /// keeps working (CAT-3).
    pub fn delist_product(&self, by: impl Into<Caller>, product: &ProductId) -> Result<Product, Error> {
        self.set_listed(by, product, false)
    }

    /// The seller lists a delisted product again.
    pub fn relist_product(&self, by: impl Into<Caller>, product: &ProductId) -> Result<Product, Error> {
        self.set_listed(by, product, true)
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
        let prepared = query.prepare(&self.policy)?;
        self.store.search(&prepared)
    }

    fn customer_of(actor: &Actor, doing: &str) -> Result<CustomerId, Error> {
        match actor {
            Actor::Customer(c) => Ok(c.clone()),
            other => Err(Error::forbidden(format!("{other} may not {doing}: only a customer may"))),
        }
    }

    /// Saves a product (with an optional specification) to the customer's list; saving twice
    /// keeps one entry (CAT-4).
    pub fn save_to_list(
        &self,
        by: impl Into<Caller>,
        product: &ProductId,
        specification: Option<&str>,
    ) -> Result<SavedList, Error> {
        let fp = || Command::SaveToList { product: product.clone(), specification: specification.map(str::to_owned) };
        self.execute(by, fp, |actor, now| {
            let customer = Self::customer_of(actor, "keep a saved list")?;
            let p = self.product(product)?;
            p.check_orderable()?;
            if let Some(spec) = specification {
                p.specification(spec)?;
            }
            let (mut list, version) = self.saved_list_of(customer)?;
            if !list.save(product.clone(), specification.map(str::to_owned), now) {
                return Ok(Decision::ok(Commit::default(), list));
            }
            let kind =
                EventKind::ItemSaved { product: product.clone(), specification: specification.map(str::to_owned) };
            Ok(Decision::ok(saved_list_commit(actor, &list, version, kind), list))
        })
    }

    /// Removes a product from the customer's list.
    pub fn remove_from_list(&self, by: impl Into<Caller>, product: &ProductId) -> Result<SavedList, Error> {
        let fp = || Command::RemoveFromList { product: product.clone() };
        self.execute(by, fp, |actor, _| {
            let customer = Self::customer_of(actor, "keep a saved list")?;
            let (mut list, version) = self.saved_list_of(customer)?;
            if !list.remove(product) {
                return Err(Error::not_found("saved product", product));
            }
            let kind = EventKind::ItemRemoved { product: product.clone() };
            Ok(Decision::ok(saved_list_commit(actor, &list, version, kind), list))
        })
    }

    /// The customer's saved list (empty if nothing was saved).
    pub fn saved_list(&self, by: &Actor) -> Result<SavedList, Error> {
        let customer = Self::customer_of(by, "see a saved list")?;
        Ok(self.saved_list_of(customer)?.0)
    }

    /// A customer's saved list and its version (an empty list at version 0 if none was saved).
    fn saved_list_of(&self, customer: CustomerId) -> Result<(SavedList, u64), Error> {
        let current = self.store.find::<SavedList>(&Target::SavedList(customer.clone()))?;
        Ok(current.map_or_else(|| (SavedList::new(customer), 0), |v| (v.value, v.version)))
    }

    /// Buys from the saved list: starts an order as if from the product page (CAT-4). The
    /// product must be in the list; `request.specification` may be empty to use the saved one.
    pub fn buy_from_list(&self, by: impl Into<Caller>, mut request: PurchaseRequest) -> Result<Order, Error> {
        let caller = by.into();
        let list = self.saved_list(&caller.actor)?;
        let saved = list.items.iter().find(|i| i.product == request.product).ok_or_else(|| {
            Error::not_allowed("CAT-4", format!("product {} is not in the saved list", request.product))
        })?;
        if request.specification.is_empty() {
            request.specification = saved.specification.clone().ok_or_else(|| {
                Error::invalid("specification", "no specification was saved with the product: choose one")
            })?;
        }
        self.place_order(caller, request)
    }
}

/// Saves a changed saved list with the event that changed it.
fn saved_list_commit(actor: &Actor, list: &SavedList, version: u64, kind: EventKind) -> Commit {
    Commit {
        writes: vec![Write { record: Record::SavedList(list.clone()), expected_version: version, due: None }],
        events: vec![NewEvent { actor: actor.clone(), target: Target::SavedList(list.customer.clone()), kind }],
        ..Commit::default()
    }
}
