//! An index of the catalogue's text by byte trigrams: which entries can contain a query's
//! words, so that a text search looks only at those (CAT-3). The answer is a superset of the
//! matches; [`PreparedQuery::score`] still decides each one, so results are exactly those of a
//! full scan.

use std::collections::HashMap;

use super::search::{PreparedQuery, SearchText};

/// Entry positions (in catalogue order) per trigram of their text.
#[derive(Debug, Default, Clone)]
pub struct TextIndex {
    postings: HashMap<[u8; 3], Vec<u32>, foldhash::fast::RandomState>,
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
                if let Some(list) = self.postings.get_mut(&t)
                    && let Ok(i) = list.binary_search(&position)
                {
                    list.remove(i);
                }
            }
        }
        for t in trigrams(new.haystack().as_bytes()) {
            let list = self.postings.entry(t).or_default();
            match list.last() {
                Some(&last) if last >= position => {
                    if let Err(i) = list.binary_search(&position) {
                        list.insert(i, position);
                    }
                }
                _ => list.push(position),
            }
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
        let mut lists = Vec::with_capacity(wanted.len());
        for t in &wanted {
            match self.postings.get(t) {
                Some(list) => lists.push(list.as_slice()),
                None => return Some(Vec::new()),
            }
        }
        lists.sort_by_key(|l| l.len());
        let mut result: Vec<u32> = lists[0].to_vec();
        for list in &lists[1..] {
            // Both are sorted: one linear merge keeps what is in both.
            let mut rest = list.iter().peekable();
            result.retain(|p| {
                while rest.next_if(|q| *q < p).is_some() {}
                rest.peek().is_some_and(|q| *q == p)
            });
            if result.is_empty() {
                break;
            }
        }
        Some(result)
    }
}
