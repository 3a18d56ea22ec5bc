//! Catalog search: text, filters, sort and pages (CAT-3).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::product::{BillingMode, DeliveryMethod, Product};
use crate::actor::SellerId;
use crate::error::Error;
use crate::money::Money;
use crate::policy::Policy;

/// How results are ordered.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SortOrder {
    /// Best text match first (name over tags over description), then newest.
    #[default]
    Relevance,
    /// Lowest price first.
    PriceAscending,
    /// Highest price first.
    PriceDescending,
    /// Most recently listed first.
    Newest,
}

/// A search of the catalog (CAT-3). Every field is optional; an empty query lists everything
/// listed.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct SearchQuery {
    /// Free text: every word must appear (case-insensitive) in the name, description or tags.
    pub text: String,
    /// Only this category.
    pub category: Option<String>,
    /// Only this delivery method.
    pub delivery: Option<DeliveryMethod>,
    /// Only products offering this billing mode.
    pub billing_mode: Option<BillingMode>,
    /// Only this seller's products.
    pub seller: Option<SellerId>,
    /// Only products whose lowest price (of `billing_mode`, if given) is at least this.
    pub min_price: Option<Money>,
    /// Only products whose lowest price (of `billing_mode`, if given) is at most this.
    pub max_price: Option<Money>,
    /// Order of results.
    pub sort: SortOrder,
    /// Page number, from 1.
    pub page: u32,
    /// Results per page, 1 to the policy's `max_page_size` (100); `None` for its
    /// `default_page_size` (20).
    pub page_size: Option<u32>,
}

impl Default for SearchQuery {
    fn default() -> SearchQuery {
        SearchQuery {
            text: String::new(),
            category: None,
            delivery: None,
            billing_mode: None,
            seller: None,
            min_price: None,
            max_price: None,
            sort: SortOrder::Relevance,
            page: 1,
            page_size: None,
        }
    }
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// This page's number, from 1.
    pub page: u32,
    /// The page size asked for.
    pub page_size: u32,
    /// All matches, across pages.
    pub total: u64,
}

impl<T> Page<T> {
    /// Cuts one page out of all results, already in order.
    pub fn of(all: Vec<T>, page: u32, page_size: u32) -> Page<T> {
        let total = all.len() as u64;
        let start = (page.saturating_sub(1) as usize).saturating_mul(page_size as usize);
        let items = all.into_iter().skip(start).take(page_size as usize).collect();
        Page { items, page, page_size, total }
    }

    /// The total a page of `shown` items tells by itself, without counting: when it is the last
    /// page (fewer items than its size, and not past the end), the matches are those of the pages
    /// before it and its own. `None` when a store must count.
    pub fn total_of_last(page: u32, page_size: u32, shown: usize) -> Option<u64> {
        let before = u64::from(page.saturating_sub(1)) * u64::from(page_size);
        (shown < page_size as usize && (shown > 0 || before == 0)).then_some(before + shown as u64)
    }
}

/// Checks a page request against the policy (CAT-3).
pub fn check_page(page: u32, page_size: u32, policy: &Policy) -> Result<(), Error> {
    if page == 0 {
        return Err(Error::invalid("page", "pages are numbered from 1"));
    }
    if page_size == 0 || page_size > policy.max_page_size {
        return Err(Error::invalid(
            "page_size",
            format!("a page holds 1–{} items, got {page_size}", policy.max_page_size),
        ));
    }
    Ok(())
}

/// What a search compares of a product, prepared once when the product is saved so that a
/// search over many products touches only this compact entry until a product matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText {
    listed: bool,
    delivery: DeliveryMethod,
    category: String,
    seller: SellerId,
    /// Lowest price per billing mode (index = `mode_index`), if offered.
    lowest_by_mode: [Option<Decimal>; 4],
    lowest: Decimal,
    currency: crate::money::Currency,
    listed_at: DateTime<Utc>,
    /// The product id's first 16 bytes, zero-padded: ids compare as these arrays do, unless
    /// both are equal (then the ids themselves decide), without reading the product.
    id_prefix: [u8; 16],
    /// The lower-cased name, tags and description, separated by [`FIELD_SEPARATOR`]: one text to
    /// search per word, the field told by where the first match is.
    haystack: String,
    /// Where the name ends in `haystack`.
    name_end: usize,
    /// Where the tags end in `haystack`.
    tags_end: usize,
    /// A 256-bit sketch of the byte pairs in `haystack`: a word whose pairs are not all in it
    /// cannot occur, so most entries are ruled out without a text search.
    pairs: Pairs,
}

/// Separates the fields of [`SearchText::haystack`]; a query word containing it matches nothing.
const FIELD_SEPARATOR: char = '\u{1}';

/// A 256-bit set of hashed byte pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Pairs([u64; 4]);

impl Pairs {
    fn of(text: &[u8]) -> Pairs {
        let mut bits = [0u64; 4];
        for w in text.windows(2) {
            let h = (u32::from(w[0]).wrapping_mul(31) ^ u32::from(w[1]).wrapping_mul(131)) & 255;
            bits[(h >> 6) as usize] |= 1 << (h & 63);
        }
        Pairs(bits)
    }

    fn contains(&self, other: &Pairs) -> bool {
        self.0.iter().zip(&other.0).all(|(a, b)| a & b == *b)
    }
}

/// What a text scan reads of an entry, kept side by side with the others in a catalogue (with
/// the haystack in one shared buffer), so that scanning many entries reads memory in order:
/// one allocation per product's text cost a cache miss each, most of a text search's time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScanEntry {
    /// Where the haystack is in the shared buffer.
    pub(crate) start: u32,
    /// Where it ends.
    pub(crate) end: u32,
    name_end: u32,
    tags_end: u32,
    pairs: Pairs,
    listed: bool,
    listed_at: DateTime<Utc>,
    id_prefix: [u8; 16],
}

fn mode_index(mode: BillingMode) -> usize {
    match mode {
        BillingMode::PayPerUse => 0,
        BillingMode::Monthly => 1,
        BillingMode::Yearly => 2,
        BillingMode::OneTime => 3,
    }
}

impl SearchText {
    /// The lower-cased name, tags and description, as one text.
    pub(crate) fn haystack(&self) -> &str {
        &self.haystack
    }

    /// The entry's scan fields, its haystack being copied to `start` of a shared buffer.
    pub(crate) fn scan_entry(&self, start: u32) -> ScanEntry {
        ScanEntry {
            start,
            end: start + self.haystack.len() as u32,
            name_end: self.name_end as u32,
            tags_end: self.tags_end as u32,
            pairs: self.pairs,
            listed: self.listed,
            listed_at: self.listed_at,
            id_prefix: self.id_prefix,
        }
    }

    /// The searchable facets and text of a product.
    pub fn of(product: &Product) -> SearchText {
        let mut lowest_by_mode: [Option<Decimal>; 4] = [None; 4];
        for plan in product.specifications.iter().flat_map(|s| &s.plans) {
            let slot = &mut lowest_by_mode[mode_index(plan.mode)];
            *slot = Some(slot.map_or(plan.price.amount, |p| p.min(plan.price.amount)));
        }
        let field = |text: &str| text.to_lowercase().replace(FIELD_SEPARATOR, " ");
        let (name, tags, description) =
            (field(&product.name), field(&product.tags.join(" ")), field(&product.description));
        let mut haystack = String::with_capacity(name.len() + tags.len() + description.len() + 2);
        haystack.push_str(&name);
        let name_end = haystack.len();
        haystack.push(FIELD_SEPARATOR);
        haystack.push_str(&tags);
        let tags_end = haystack.len();
        haystack.push(FIELD_SEPARATOR);
        haystack.push_str(&description);
        SearchText {
            listed: product.listed,
            delivery: product.delivery,
            category: product.category.to_lowercase(),
            seller: product.seller.clone(),
            lowest_by_mode,
            lowest: product.lowest_price().amount,
            currency: product.currency,
            listed_at: product.listed_at,
            id_prefix: {
                let mut prefix = [0u8; 16];
                let id = product.id.as_str().as_bytes();
                let n = id.len().min(16);
                prefix[..n].copy_from_slice(&id[..n]);
                prefix
            },
            pairs: Pairs::of(haystack.as_bytes()),
            haystack,
            name_end,
            tags_end,
        }
    }
}

/// A validated query, with its words and category lower-cased.
#[derive(Debug, Clone)]
pub struct PreparedQuery<'q> {
    query: &'q SearchQuery,
    /// The page size: the query's, or the policy's default.
    page_size: u32,
    words: Vec<Word>,
    category: Option<String>,
    /// Whether it asks for more than the words (delivery, seller, category, mode, price).
    has_facets: bool,
}

/// A query word, ready to be looked for.
#[derive(Debug, Clone)]
struct Word {
    finder: memchr::memmem::Finder<'static>,
    pairs: Pairs,
}

impl SearchQuery {
    /// Validates the query and prepares its words.
    pub fn prepare(&self, policy: &Policy) -> Result<PreparedQuery<'_>, Error> {
        let page_size = policy.page_size_or_default(self.page_size);
        check_page(self.page, page_size, policy)?;
        if self.text.chars().count() > policy.search_text_max_chars as usize {
            return Err(Error::invalid(
                "text",
                format!("search text has at most {} characters", policy.search_text_max_chars),
            ));
        }
        for (field, price) in [("min_price", &self.min_price), ("max_price", &self.max_price)] {
            if let Some(p) = price
                && p.is_negative()
            {
                return Err(Error::invalid(field, format!("a price bound cannot be negative, got {p}")));
            }
        }
        if let (Some(lo), Some(hi)) = (&self.min_price, &self.max_price) {
            lo.same_currency(hi, "max_price")?;
            if lo.amount > hi.amount {
                return Err(Error::invalid("min_price", format!("the lower bound {lo} is above the upper bound {hi}")));
            }
        }
        let words = self
            .text
            .split_whitespace()
            .map(|w| {
                let w = w.to_lowercase();
                Word { pairs: Pairs::of(w.as_bytes()), finder: memchr::memmem::Finder::new(w.as_bytes()).into_owned() }
            })
            .collect();
        let has_facets = self.delivery.is_some()
            || self.seller.is_some()
            || self.category.is_some()
            || self.billing_mode.is_some()
            || self.min_price.is_some()
            || self.max_price.is_some();
        Ok(PreparedQuery {
            query: self,
            page_size,
            words,
            category: self.category.as_ref().map(|c| c.to_lowercase()),
            has_facets,
        })
    }
}

impl PreparedQuery<'_> {
    /// The query's lower-cased words.
    pub(crate) fn word_bytes(&self) -> impl Iterator<Item = &[u8]> {
        self.words.iter().map(|w| w.finder.needle())
    }

    /// The relevance score of a product, or `None` if it does not match. Looks only at the
    /// prepared entry.
    pub fn score(&self, text: &SearchText) -> Option<u32> {
        if !self.facets_match(text) {
            return None;
        }
        self.words_score(&text.pairs, text.haystack.as_bytes(), text.name_end, text.tags_end)
    }

    /// [`PreparedQuery::score`] of an entry whose scan fields and haystack a catalogue keeps
    /// side by side (`haystacks`): the entry itself is read only when the query has a facet.
    pub(crate) fn score_scan(&self, text: &SearchText, scan: &ScanEntry, haystacks: &[u8]) -> Option<u32> {
        if !scan.listed || (self.has_facets && !self.facets_match(text)) {
            return None;
        }
        let haystack = &haystacks[scan.start as usize..scan.end as usize];
        self.words_score(&scan.pairs, haystack, scan.name_end as usize, scan.tags_end as usize)
    }

    /// Whether the product is listed and has the asked facets (delivery, seller, category,
    /// billing mode, price range).
    fn facets_match(&self, text: &SearchText) -> bool {
        let q = self.query;
        if !text.listed
            || q.delivery.is_some_and(|d| d != text.delivery)
            || q.seller.as_ref().is_some_and(|s| *s != text.seller)
            || self.category.as_ref().is_some_and(|c| *c != text.category)
        {
            return false;
        }
        if let Some(mode) = q.billing_mode
            && text.lowest_by_mode[mode_index(mode)].is_none()
        {
            return false;
        }
        if q.min_price.is_some() || q.max_price.is_some() {
            let in_range = |price: Decimal| {
                q.min_price.is_none_or(|lo| lo.currency == text.currency && price >= lo.amount)
                    && q.max_price.is_none_or(|hi| hi.currency == text.currency && price <= hi.amount)
            };
            // A product matches when the lowest price of the asked mode (or of any mode) is in range.
            let lowest = match q.billing_mode {
                Some(mode) => text.lowest_by_mode[mode_index(mode)],
                None => Some(text.lowest),
            };
            if !lowest.is_some_and(in_range) {
                return false;
            }
        }
        true
    }

    /// The words' score in a haystack (name up to `name_end`, tags up to `tags_end`, then
    /// the description), or `None` if a word is missing.
    fn words_score(&self, pairs: &Pairs, haystack: &[u8], name_end: usize, tags_end: usize) -> Option<u32> {
        let mut score = 0;
        for word in &self.words {
            if !pairs.contains(&word.pairs) {
                return None;
            }
            // The first match is in the best field that holds the word: name, tags, description.
            let at = word.finder.find(haystack)?;
            let end = at + word.finder.needle().len();
            score += if end <= name_end {
                3
            } else if at > name_end && end <= tags_end {
                2
            } else if at > tags_end {
                1
            } else {
                // Across a field separator: only a word holding the separator; look per field.
                return None;
            };
        }
        Some(score)
    }

    /// Scores prepared catalogue entries, then sorts the matches and cuts the page asked for:
    /// every store's search over its cached catalogue.
    pub fn search<'p>(&self, entries: impl IntoIterator<Item = (&'p SearchText, &'p Product)>) -> Page<Product> {
        let matches = entries
            .into_iter()
            .filter_map(|(text, p)| {
                let score = self.score(text)?;
                Some(Match { score, listed_at: text.listed_at, id_prefix: text.id_prefix, text, product: p })
            })
            .collect();
        self.page(matches)
    }

    /// Sorts scored matches and cuts the page asked for; only the page's products are cloned.
    pub(crate) fn page(&self, mut matches: Vec<Match<'_>>) -> Page<Product> {
        let mode = self.query.billing_mode;
        let price = |t: &SearchText| mode.and_then(|m| t.lowest_by_mode[mode_index(m)]).unwrap_or(t.lowest);
        // Newest first, then by id: from the keys copied into the matches, so that sorting
        // reads no entry until two ids share their first 16 bytes.
        let newest = |a: &Match<'_>, b: &Match<'_>| {
            b.listed_at
                .cmp(&a.listed_at)
                .then_with(|| a.id_prefix.cmp(&b.id_prefix))
                .then_with(|| a.product.id.cmp(&b.product.id))
        };
        let order = |x: &Match<'_>, y: &Match<'_>| match self.query.sort {
            SortOrder::Relevance => y.score.cmp(&x.score).then_with(|| newest(x, y)),
            SortOrder::PriceAscending => price(x.text).cmp(&price(y.text)).then_with(|| newest(x, y)),
            SortOrder::PriceDescending => price(y.text).cmp(&price(x.text)).then_with(|| newest(x, y)),
            SortOrder::Newest => newest(x, y),
        };
        let total = matches.len() as u64;
        let start = (self.query.page as usize - 1).saturating_mul(self.page_size as usize);
        let end = start.saturating_add(self.page_size as usize);
        // Only the pages up to the one asked for are sorted: select them first (linear).
        if end < matches.len() {
            matches.select_nth_unstable_by(end, order);
            matches.truncate(end);
        }
        matches.sort_by(order);
        let items = matches.into_iter().skip(start).map(|m| m.product.clone()).collect();
        Page { items, page: self.query.page, page_size: self.page_size, total }
    }
}

/// A scored match, with the keys of the default order copied out of its entry.
pub(crate) struct Match<'p> {
    score: u32,
    listed_at: DateTime<Utc>,
    id_prefix: [u8; 16],
    text: &'p SearchText,
    product: &'p Product,
}

impl<'p> Match<'p> {
    /// A match found by a catalogue scan: its keys come from the scan entry.
    pub(crate) fn scanned(score: u32, scan: &ScanEntry, text: &'p SearchText, product: &'p Product) -> Match<'p> {
        Match { score, listed_at: scan.listed_at, id_prefix: scan.id_prefix, text, product }
    }
}
