//! How records become documents, and back. How targets, instants, sequences, actors and the
//! listing columns become column values is `appmarket::store::columns`, shared with the
//! PostgreSQL store.

use appmarket::Error;

use crate::SqliteStore;
use crate::listing::Columns;

/// A record's row as a commit finds it: rowid, due instant and the columns it is found by.
pub(crate) type Row = (i64, Option<i64>, Columns);

pub(crate) use appmarket::store::columns::{
    KIND_APP, SEQUENCES, actor_key, instant, nanos, sequence_name, target_kind as key, target_of,
};

impl SqliteStore {
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(&self, what: &str, doc: &str) -> Result<T, Error> {
        serde_json::from_str(doc).map_err(|e| self.fail(&format!("decoding a stored {what}"), e))
    }

    pub(crate) fn encode<T: serde::Serialize>(&self, what: &str, value: &T) -> Result<String, Error> {
        serde_json::to_string(value).map_err(|e| self.fail(&format!("encoding a {what}"), e))
    }
}
