//! The cached catalogue a store searches (CAT-3): products in listing order with their prepared
//! search entries, an index by id and a trigram index of their text. The in-memory store keeps
//! its products here; the SQLite store keeps its cache of the `products` table here.

use std::collections::HashMap;
use std::sync::Arc;

use super::Product;
use super::search::{Match, Page, PreparedQuery, ScanEntry, SearchText};
use super::text_index::TextIndex;
use crate::actor::ProductId;

/// Products in listing order, searchable.
#[derive(Debug, Default, Clone)]
pub struct Catalogue {
    entries: Vec<(SearchText, Arc<Product>, u64)>,
    by_id: HashMap<ProductId, usize, foldhash::fast::RandomState>,
    text: TextIndex,
    /// Every entry's haystack side by side, in listing order: a text search verifies its
    /// candidates here, reading memory in order (a haystack of its own per product cost a
    /// cache miss each and made up most of a text search's time).
    haystacks: Vec<u8>,
    /// What a scan reads of each entry, and where its haystack is in `haystacks`.
    scans: Vec<ScanEntry>,
    /// Bytes of `haystacks` no entry uses any more (replaced products).
    unused: usize,
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
                let old = self.scans[i];
                self.scans[i] = if self.entries[i].0.haystack() == entry.0.haystack() {
                    entry.0.scan_entry(old.start)
                } else {
                    self.unused += (old.end - old.start) as usize;
                    self.keep_haystack(&entry.0)
                };
                self.entries[i] = entry;
                if self.unused > self.haystacks.len() / 2 {
                    self.compact();
                }
            }
            None => {
                let i = self.entries.len();
                self.text.put(i as u32, None, &entry.0);
                self.by_id.insert(entry.1.id.clone(), i);
                let scan = self.keep_haystack(&entry.0);
                self.scans.push(scan);
                self.entries.push(entry);
            }
        }
    }

    /// Appends a haystack to the side-by-side copy.
    fn keep_haystack(&mut self, text: &SearchText) -> ScanEntry {
        let scan = text.scan_entry(self.haystacks.len() as u32);
        self.haystacks.extend_from_slice(text.haystack().as_bytes());
        scan
    }

    /// Copies the haystacks again without the replaced ones.
    fn compact(&mut self) {
        self.haystacks = Vec::with_capacity(self.haystacks.len() - self.unused);
        self.unused = 0;
        for (scan, (text, _, _)) in self.scans.iter_mut().zip(&self.entries) {
            *scan = text.scan_entry(self.haystacks.len() as u32);
            self.haystacks.extend_from_slice(text.haystack().as_bytes());
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
        let scored = |i: usize| {
            let (text, p, _) = &self.entries[i];
            let scan = &self.scans[i];
            let score = query.score_scan(text, scan, &self.haystacks)?;
            Some(Match::scanned(score, scan, text, p))
        };
        let matches = match self.text.candidates(query) {
            Some(positions) => {
                let mut matches = Vec::with_capacity(positions.len());
                matches.extend(positions.into_iter().filter_map(|i| scored(i as usize)));
                matches
            }
            None => (0..self.entries.len()).filter_map(scored).collect(),
        };
        query.page(matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::SellerId;
    use crate::catalog::SearchQuery;
    use crate::policy::Policy;
    use crate::testing::fixtures;

    fn product(n: u32, name: &str) -> Product {
        let mut draft = fixtures::saas_draft();
        draft.name = name.to_owned();
        let id = ProductId::parse(&format!("PRD-{n:08}")).unwrap();
        Product::from_draft(id, SellerId::parse("isv-1").unwrap(), draft, crate::money::Currency::CNY, fixtures::t0())
    }

    fn found(catalogue: &Catalogue, text: &str) -> Vec<String> {
        let query = SearchQuery { text: text.into(), page_size: Some(100), ..SearchQuery::default() };
        let policy = Policy::default();
        let page = catalogue.search(&query.prepare(&policy).unwrap());
        let mut ids: Vec<String> = page.items.iter().map(|p| p.id.to_string()).collect();
        ids.sort();
        ids
    }

    /// CAT-3: a product whose text changes is found by its new words only, however often it
    /// changes; the side-by-side copy of the texts is compacted instead of growing.
    #[test]
    fn cat_3_a_renamed_product_is_found_by_its_new_name_and_the_texts_stay_compact() {
        let mut catalogue = Catalogue::new();
        catalogue.put(product(1, "Wombat"), 1);
        catalogue.put(product(2, "Platypus"), 1);
        for round in 0..200u32 {
            let name = if round % 2 == 0 { format!("Quokka {round}") } else { format!("Wombat {round}") };
            catalogue.put(product(1, &name), u64::from(round) + 2);
            let expected = if round % 2 == 0 { vec!["PRD-00000001"] } else { vec![] };
            assert_eq!(found(&catalogue, "quokka"), expected, "round {round}");
            assert_eq!(found(&catalogue, "platypus"), vec!["PRD-00000002"]);
            assert!(catalogue.haystacks.len() <= 2 * (catalogue.haystacks.len() - catalogue.unused) + 64);
        }
        let live: usize = catalogue.entries.iter().map(|(t, _, _)| t.haystack().len()).sum();
        assert!(catalogue.haystacks.len() <= 2 * live, "{} bytes kept for {live}", catalogue.haystacks.len());
    }

    /// CAT-3: positions far apart (rare trigrams kept as lists) and close together (common
    /// trigrams kept as bit sets) give the same answers.
    #[test]
    fn cat_3_rare_and_common_words_are_found_alike() {
        let mut catalogue = Catalogue::new();
        for n in 1..=300u32 {
            let name = if n % 100 == 0 { format!("Rare Quokka {n}") } else { format!("Common Wombat {n}") };
            catalogue.put(product(n, &name), 1);
        }
        assert_eq!(found(&catalogue, "quokka"), vec!["PRD-00000100", "PRD-00000200", "PRD-00000300"]);
        assert_eq!(found(&catalogue, "quokka 200"), vec!["PRD-00000200"]);
        let query = SearchQuery { text: "common wombat".into(), ..SearchQuery::default() };
        assert_eq!(catalogue.search(&query.prepare(&Policy::default()).unwrap()).total, 297);
    }
}
