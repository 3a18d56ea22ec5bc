//! An index of the catalogue's text by byte trigrams: which entries can contain a query's
//! words, so that a text search looks only at those (CAT-3). The answer is a superset of the
//! matches; [`PreparedQuery::score`] still decides each one, so results are exactly those of a
//! full scan.

use std::collections::HashMap;

use super::search::{PreparedQuery, SearchText};

/// Entry positions (in catalogue order) per trigram of their text.
#[derive(Debug, Default, Clone)]
pub struct TextIndex {
    postings: HashMap<[u8; 3], Posting, foldhash::fast::RandomState>,
}

/// The sorted positions of one trigram; a trigram found in many entries also keeps them as a
/// bit set (no larger than the list), so that intersecting with it is one bit test per
/// candidate instead of a walk through the long list.
#[derive(Debug, Default, Clone)]
struct Posting {
    list: Vec<u32>,
    /// Empty while the trigram is rare.
    bits: Vec<u64>,
}

impl Posting {
    fn insert(&mut self, position: u32) {
        match self.list.last() {
            Some(&last) if last >= position => match self.list.binary_search(&position) {
                Ok(_) => return,
                Err(i) => self.list.insert(i, position),
            },
            _ => self.list.push(position),
        }
        if !self.bits.is_empty() {
            self.set(position);
        } else if self.list.len() * 32 > position as usize {
            // Dense: a bit per position up to here is no larger than the list.
            for p in self.list.clone() {
                self.set(p);
            }
        }
    }

    fn remove(&mut self, position: u32) {
        if let Ok(i) = self.list.binary_search(&position) {
            self.list.remove(i);
            if let Some(word) = self.bits.get_mut(position as usize / 64) {
                *word &= !(1 << (position % 64));
            }
        }
    }

    fn set(&mut self, position: u32) {
        let word = position as usize / 64;
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << (position % 64);
    }

    /// Keeps in `result` (sorted) the positions this trigram has.
    fn keep_common(&self, result: &mut Vec<u32>) {
        if !self.bits.is_empty() {
            let bits = &self.bits;
            result.retain(|p| bits.get(*p as usize / 64).is_some_and(|w| w & (1 << (p % 64)) != 0));
            return;
        }
        // Both are sorted: one linear merge keeps what is in both.
        let mut rest = self.list.iter().peekable();
        result.retain(|p| {
            while rest.next_if(|q| *q < p).is_some() {}
            rest.peek().is_some_and(|q| *q == p)
        });
    }
}

/// The distinct trigrams of a text.
fn trigrams(text: &[u8]) -> Vec<[u8; 3]> {
    let mut all: Vec<[u8; 3]> = text.windows(3).map(|w| [w[0], w[1], w[2]]).collect();
    all.sort_unstable();
    all.dedup();
    all
}

impl TextIndex {
    /// An empty index.
    pub fn new() -> TextIndex {
        TextIndex::default()
    }

    /// Indexes the entry at `position`; positions are given in increasing order or replace
    /// an entry already indexed (`old`).
    pub fn put(&mut self, position: u32, old: Option<&SearchText>, new: &SearchText) {
        if let Some(old) = old {
            if old.haystack() == new.haystack() {
                return;
            }
            for t in trigrams(old.haystack().as_bytes()) {
                if let Some(posting) = self.postings.get_mut(&t) {
                    posting.remove(position);
                }
            }
        }
        for t in trigrams(new.haystack().as_bytes()) {
            self.postings.entry(t).or_default().insert(position);
        }
    }

    /// The positions of the entries that can match the query's words, in catalogue order;
    /// `None` when the index cannot narrow it (no word, or a word shorter than 3 bytes).
    pub fn candidates(&self, query: &PreparedQuery<'_>) -> Option<Vec<u32>> {
        let mut wanted: Vec<[u8; 3]> = Vec::new();
        for word in query.word_bytes() {
            if word.len() < 3 {
                return None;
            }
            wanted.extend(trigrams(word));
        }
        if wanted.is_empty() {
            return None;
        }
        wanted.sort_unstable();
        wanted.dedup();
        let mut postings = Vec::with_capacity(wanted.len());
        for t in &wanted {
            match self.postings.get(t) {
                Some(posting) => postings.push(posting),
                None => return Some(Vec::new()),
            }
        }
        postings.sort_by_key(|p| p.list.len());
        let mut result: Vec<u32> = postings[0].list.clone();
        for posting in &postings[1..] {
            posting.keep_common(&mut result);
            if result.is_empty() {
                break;
            }
        }
        Some(result)
    }
}
