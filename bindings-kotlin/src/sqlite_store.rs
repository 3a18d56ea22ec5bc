//! `SqliteStore`: the persisted store, `Marketplace(store = SqliteStore("market.db"))`.

use std::sync::Arc;

use crate::errors::Result;

/// A store kept in one SQLite file, which survives restarts and crashes. Pass it to a
/// `Marketplace`; without one, the marketplace keeps everything in memory.
#[derive(Debug, uniffi::Object)]
pub struct SqliteStore {
    pub(crate) core: Arc<appmarket_sqlite::SqliteStore>,
}

#[uniffi::export]
impl SqliteStore {
    /// Opens (or creates) the store in the file at `path`. `fullSync` syncs every commit to
    /// disk, so that a power loss loses nothing that returned; without it (the default) a crash
    /// of the process loses nothing. A file that is not a store, is damaged, read-only or from a
    /// newer version is refused with `AppMarketException.Storage` naming the path.
    #[uniffi::constructor(default(full_sync = false))]
    pub fn new(path: String, full_sync: bool) -> Result<Arc<Self>> {
        let synchronous =
            if full_sync { appmarket_sqlite::Synchronous::Full } else { appmarket_sqlite::Synchronous::Normal };
        let options = appmarket_sqlite::SqliteOptions { synchronous, ..Default::default() };
        let core = appmarket_sqlite::SqliteStore::open_with(&path, options)?;
        Ok(Arc::new(SqliteStore { core: Arc::new(core) }))
    }

    /// The file's path.
    pub fn path(&self) -> String {
        self.core.path().display().to_string()
    }
}

impl SqliteStore {
    /// The store for a marketplace.
    pub(crate) fn as_store(&self) -> Arc<dyn appmarket::store::Store> {
        self.core.clone()
    }
}
