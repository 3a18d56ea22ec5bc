//! The options a store opens with.

use std::time::Duration;

use appmarket::sealing::SecretKey;

#[cfg(doc)]
use crate::SqliteStore;
#[cfg(doc)]
use appmarket::Error;

/// How hard SQLite syncs to disk (`PRAGMA synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Syncs at checkpoints only. In WAL mode a process crash loses nothing; a power loss may
    /// roll back the last commits (never half of one).
    #[default]
    Normal,
    /// Syncs the WAL at every commit: a commit that returned `Ok` survives a power loss.
    Full,
}

impl Synchronous {
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// Options of a [`SqliteStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// Durability against power loss; see [`Synchronous`].
    pub synchronous: Synchronous,
    /// How long a writer waits for another process's write lock before giving up with
    /// [`Error::Conflict`]. Default 5 s.
    pub busy_timeout: Duration,
    /// How many idle read connections are kept. Default 4.
    pub read_connections: usize,
    /// The WAL is copied into the file (a checkpoint, with two `fsync`s) when it reaches this
    /// many pages of 4 KiB. Default 10,000 (about 40 MB): a commit writes a few pages, and
    /// rarer checkpoints write each hot page once instead of many times. 0: never on its own
    /// (only [`SqliteStore::checkpoint`]).
    pub checkpoint_pages: u32,
    /// Whether checkpoints run on a thread of the store (default `true`) instead of inside the
    /// commit that filled the WAL. See [Checkpoints](crate#checkpoints).
    pub background_checkpoints: bool,
    /// The page cache of the writing connection, in KiB. Default 32,768 (32 MB, filled only as
    /// pages are read).
    pub cache_kib: u32,
    /// How many numbers of a sequence (order, app, flow... ids) one write transaction reserves;
    /// they are then handed out from memory. Default 64; 0 counts as 1. See
    /// [Numbering](crate#numbering).
    pub number_block: u32,
    /// The key that seals app passwords in the file (default none: plain text). See
    /// [Secrets at rest](crate#secrets-at-rest).
    pub secret_key: Option<SecretKey>,
    /// The key the passwords are sealed with now, to seal them again with `secret_key` as the
    /// store opens (key rotation). See [Secrets at rest](crate#secrets-at-rest).
    pub previous_secret_key: Option<SecretKey>,
}

impl Default for SqliteOptions {
    fn default() -> SqliteOptions {
        SqliteOptions {
            synchronous: Synchronous::Normal,
            busy_timeout: Duration::from_secs(5),
            read_connections: 4,
            checkpoint_pages: 10_000,
            background_checkpoints: true,
            cache_kib: 32 * 1024,
            number_block: 64,
            secret_key: None,
            previous_secret_key: None,
        }
    }
}
