//! The cached catalogue a store searches (CAT-3): products in listing order with their prepared
//! search entries, an index by id and a trigram index of their text. The in-memory store keeps
//! its products here; the SQLite store keeps its cache of the `products` table here.

use std::collections::HashMap;
use std::sync::Arc;

use super::Product;
use super::search::{Page, PreparedQuery, SearchText};
use super::text_index::TextIndex;
use crate::actor::ProductId;

/// Products in listing order, searchable.
#[derive(Debug, Default, Clone)]
pub struct Catalogue {
    entries: Vec<(SearchText, Arc<Product>, u64)>,
    by_id: HashMap<ProductId, usize, foldhash::fast::RandomState>,
    text: TextIndex,
}

impl Catalogue {
    /// An empty catalogue.
    pub fn new() -> Catalogue {
        Catalogue::default()
    }

    /// Adds a product, or replaces the one with its id, at `version`.
    pub fn put(&mut self, product: Product, version: u64) {
        let entry = (SearchText::of(&product), Arc::new(product), version);
        match self.by_id.get(&entry.1.id).copied() {
            Some(i) => {
                self.text.put(i as u32, Some(&self.entries[i].0), &entry.0);
                self.entries[i] = entry;
            }
            None => {
                let i = self.entries.len();
                self.text.put(i as u32, None, &entry.0);
                self.by_id.insert(entry.1.id.clone(), i);
                self.entries.push(entry);
            }
        }
    }

    /// A product and its version.
    pub fn get(&self, id: &ProductId) -> Option<(&Arc<Product>, u64)> {
        self.by_id.get(id).map(|i| (&self.entries[*i].1, self.entries[*i].2))
    }

    /// How many products it holds.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every product with its version, in listing order.
    pub fn iter(&self) -> impl Iterator<Item = (&Arc<Product>, u64)> {
        self.entries.iter().map(|(_, p, v)| (p, *v))
    }

    /// The listed products matching the query, sorted and paged: only the entries the text
    /// index leaves are scored.
    pub fn search(&self, query: &PreparedQuery<'_>) -> Page<Product> {
        match self.text.candidates(query) {
            Some(positions) => query.search(positions.into_iter().map(|i| {
                let (text, p, _) = &self.entries[i as usize];
                (text, &**p)
            })),
            None => query.search(self.entries.iter().map(|(text, p, _)| (text, &**p))),
        }
    }
}
