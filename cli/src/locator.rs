//! Where a store is, as the command line names it: `sqlite:PATH` (a file path, never a SQLite
//! URI) or a PostgreSQL URL (`postgresql://user:password@host:5432/db`, `postgres://…`, with
//! the schema given apart). How it is shown (the password masked) and opened.

use std::path::{Path, PathBuf};

use appmarket::sealing::SecretKey;
use appmarket::store::{Portable, Store};
use appmarket_postgres::PostgresStore;
use appmarket_sqlite::{SqliteOptions, SqliteStore};

use crate::failure::{Failure, Outcome};

/// A store's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Locator {
    /// A SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database, and the schema of the tables (`public` when none is given).
    Postgres {
        /// The URL, as libpq reads it.
        url: String,
        /// The schema.
        schema: Option<String>,
    },
}

impl Locator {
    /// Reads `sqlite:PATH` or `postgresql://…` (`postgres://…`); `schema` goes with a
    /// PostgreSQL URL only.
    pub fn parse(text: &str, schema: Option<&str>) -> Outcome<Locator> {
        if let Some(path) = text.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err(Failure::new("sqlite: needs a file path, e.g. sqlite:market.db"));
            }
            if schema.is_some() {
                return Err(Failure::new(format!("{text} is a SQLite file: a schema goes with a PostgreSQL URL only")));
            }
            return Ok(Locator::Sqlite(PathBuf::from(path)));
        }
        if text.starts_with("postgresql://") || text.starts_with("postgres://") {
            return Ok(Locator::Postgres { url: text.to_owned(), schema: schema.map(str::to_owned) });
        }
        Err(Failure::new(format!(
            "{} is not a store: write sqlite:PATH (a SQLite file) or postgresql://user:password@host/db",
            mask(text)
        )))
    }

    /// How messages show it: a URL's password as `***`, a schema after `#`.
    pub fn shown(&self) -> String {
        match self {
            Locator::Sqlite(path) => format!("sqlite:{}", path.display()),
            Locator::Postgres { url, schema: None } => mask(url),
            Locator::Postgres { url, schema: Some(s) } => format!("{} (schema {s})", mask(url)),
        }
    }

    /// The URL's password, if it has one (to scrub it from any message).
    fn password(&self) -> Option<String> {
        match self {
            Locator::Postgres { url, .. } => password_span(url).map(|(a, b)| url[a..b].to_owned()),
            Locator::Sqlite(_) => None,
        }
    }

    /// `text` with the URL's password, if it appears, masked.
    pub fn scrub(&self, text: &str) -> String {
        match self.password() {
            Some(p) if !p.is_empty() => text.replace(&p, "***"),
            _ => text.to_owned(),
        }
    }
}

/// Where the password of a URL is: the text between `user:` and `@` in its authority.
fn password_span(url: &str) -> Option<(usize, usize)> {
    let start = url.find("://")? + 3;
    let authority_end = url[start..].find(['/', '?', '#']).map_or(url.len(), |i| start + i);
    let at = url[start..authority_end].rfind('@')? + start;
    let colon = url[start..at].find(':')? + start;
    Some((colon + 1, at))
}

/// A URL with its password shown as `***`; other text unchanged.
pub fn mask(url: &str) -> String {
    match password_span(url) {
        Some((a, b)) => format!("{}***{}", &url[..a], &url[b..]),
        None => url.to_owned(),
    }
}

/// An open store.
pub enum Opened {
    /// A SQLite file.
    Sqlite(SqliteStore),
    /// A PostgreSQL schema.
    Postgres(PostgresStore),
}

impl Opened {
    /// The store, to export, import and count.
    pub fn portable(&self) -> &dyn Portable {
        match self {
            Opened::Sqlite(s) => s,
            Opened::Postgres(s) => s,
        }
    }

    /// The store, to read.
    pub fn store(&self) -> &dyn Store {
        match self {
            Opened::Sqlite(s) => s,
            Opened::Postgres(s) => s,
        }
    }

    /// The version of its tables.
    pub fn schema_version(&self) -> Outcome<i64> {
        match self {
            Opened::Sqlite(s) => appmarket_sqlite::user_version(s.path())
                .map_err(|e| Failure::new(format!("cannot read the schema version of {}: {e}", s.path().display()))),
            Opened::Postgres(s) => Ok(i64::from(s.schema_version()?)),
        }
    }
}

/// How a store is opened: its key, and whether it must exist already.
pub struct Opening<'a> {
    /// The key its passwords are sealed with (or are to be).
    pub key: Option<SecretKey>,
    /// Refuse a SQLite file that does not exist, rather than create it.
    pub must_exist: bool,
    /// Where the key is given, for a message that asks for it (`--key-file or APPMARKET_SECRET_KEY`).
    pub key_hint: &'a str,
}

/// Opens the store at `locator`; a refusal is one line naming the store, without its password.
pub fn open(locator: &Locator, opening: Opening<'_>) -> Outcome<Opened> {
    let shown = locator.shown();
    let fail = |e: appmarket::Error| {
        let mut message = locator.scrub(&e.to_string());
        if message.contains("secret key") || message.contains("secret_key") {
            message.push_str(&format!(" (give the key with {})", opening.key_hint));
        }
        if message.contains(&shown) || matches!(locator, Locator::Sqlite(_)) {
            Failure::new(message)
        } else {
            Failure::new(format!("{shown}: {message}"))
        }
    };
    match locator {
        Locator::Sqlite(path) => {
            if opening.must_exist && !path.exists() {
                return Err(Failure::new(format!("there is no store at {shown}: check the path")));
            }
            let options = SqliteOptions { secret_key: opening.key, ..SqliteOptions::default() };
            SqliteStore::open_with(path, options).map(Opened::Sqlite).map_err(fail)
        }
        Locator::Postgres { url, schema } => {
            let mut builder = PostgresStore::builder(url).pool_size(4).application_name("appmarket-cli");
            if let Some(schema) = schema {
                builder = builder.schema(schema.clone());
            }
            if let Some(key) = opening.key {
                builder = builder.secret_key(key);
            }
            builder.open().map(Opened::Postgres).map_err(fail)
        }
    }
}

/// Whether `path` exists, with its `-wal` and `-shm` files: what a failed migration removes
/// again when it created them.
pub fn sqlite_files(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| PathBuf::from(format!("{}{suffix}", path.display()));
    [path.to_path_buf(), with("-wal"), with("-shm")]
}
