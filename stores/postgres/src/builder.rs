//! The options of a store and its opening: the connection settings, the schema, the secret keys.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::Duration;

use appmarket::Error;
use appmarket::sealing::SecretKey;

use crate::PostgresStore;
use crate::errors;
use crate::pool::Pool;
use crate::rows::{KINDS, kind_sql};
use crate::schema;
use crate::secrets;
use crate::tls::{self, Tls};

/// Options of a [`PostgresStore`]; [`PostgresStore::builder`] makes one.
#[derive(Debug, Clone)]
pub struct PostgresStoreBuilder {
    url: String,
    schema: String,
    pool_size: usize,
    connect_timeout: Option<Duration>,
    application_name: String,
    synchronous_commit: bool,
    secret_key: Option<SecretKey>,
    previous_secret_key: Option<SecretKey>,
}

impl PostgresStoreBuilder {
    /// The PostgreSQL schema holding the tables (default `public`): several marketplaces can
    /// share one database in schemas of their own. 1–40 lower-case letters, digits and `_`.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// How many connections the store opens at most (default 8).
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size;
        self
    }

    /// The name the connections show in `pg_stat_activity` (default `appmarket`): name each
    /// host to tell them apart.
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.application_name = name.into();
        self
    }

    /// Whether a commit waits until the server has flushed it to disk (default `true`). With
    /// `false` (PostgreSQL's `synchronous_commit = off`) commits return sooner and the stream
    /// head is held for less time, but a crash of the database server may lose the last
    /// fraction of a second of commits that had already returned (never half of one: the
    /// database stays consistent), events that hosts had already read included: their numbers
    /// are then given to the next events. A crash of a host loses nothing either way.
    ///
    /// Durable commits that append events are saved one at a time, each waiting for its flush
    /// (the stream head is held until then, so that event numbers follow commit order): their
    /// rate is bounded by the disk's flush time, whatever the number of connections.
    pub fn synchronous_commit(mut self, on: bool) -> Self {
        self.synchronous_commit = on;
        self
    }

    /// The key that seals app passwords in the database (default none: plain text). Every host
    /// sharing the schema uses the same key. See [Secrets at rest](crate#secrets-at-rest).
    pub fn secret_key(mut self, key: SecretKey) -> Self {
        self.secret_key = Some(key);
        self
    }

    /// The key the passwords are sealed with now, to seal them again with
    /// [`secret_key`](Self::secret_key) as the store opens (key rotation). See
    /// [Secrets at rest](crate#secrets-at-rest).
    pub fn previous_secret_key(mut self, key: SecretKey) -> Self {
        self.previous_secret_key = Some(key);
        self
    }

    /// How long opening a connection (and waiting for a free one) may take: the TCP connect,
    /// the TLS request, the startup and the authentication together. Default: the URL's
    /// `connect_timeout` (in seconds), else 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Connects, creates or upgrades the schema, and returns the store. A wrong URL, a wrong
    /// password, a missing database or a database of a newer schema is an [`Error::Storage`]
    /// saying what to fix.
    pub fn open(self) -> Result<PostgresStore, Error> {
        let schema = self.schema;
        if schema.is_empty()
            || schema.len() > 40
            || !schema.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            || schema.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(Error::invalid(
                "schema",
                format!(
                    "`{schema}` is not a schema name: use 1–40 lower-case letters, digits and _, not starting with a digit"
                ),
            ));
        }
        if self.pool_size == 0 {
            return Err(Error::invalid("pool_size", "a pool holds at least one connection"));
        }
        let url = tls::split(&self.url);
        let tls = Tls::new(url.sslmode.as_deref(), url.sslrootcert.as_deref())?;
        let mut config = postgres::Config::from_str(&url.rest).map_err(|e| errors::url_error(&e))?;
        config.ssl_mode(tls.config_mode());
        let connect_timeout =
            self.connect_timeout.or(config.get_connect_timeout().copied()).unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        config
            .options(&format!(
                "-c search_path={schema} -c synchronous_commit={}",
                if self.synchronous_commit { "on" } else { "off" }
            ))
            .application_name(&self.application_name)
            .connect_timeout(connect_timeout);
        let pool = Pool::new(config, tls, self.pool_size, connect_timeout);
        let mut first = pool.connect()?;
        schema::migrate(&mut first, &schema)?;
        let sealing =
            secrets::settle(&mut first, &schema, self.secret_key.as_ref(), self.previous_secret_key.as_ref())?;
        drop(first);
        let channel = format!("appmarket_events_{schema}");
        Ok(PostgresStore {
            pool,
            kinds: KINDS.iter().map(kind_sql).collect(),
            channel,
            schema,
            products: Mutex::new(HashMap::new()),
            numbers: Mutex::new(HashMap::new()),
            sealing,
        })
    }
}

/// How long opening a connection may take when neither the builder nor the URL says.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl PostgresStore {
    /// Opens the store at `url` (`postgresql://user:password@host:port/database`) with the
    /// default options.
    pub fn open(url: &str) -> Result<PostgresStore, Error> {
        PostgresStore::builder(url).open()
    }

    /// Options for a store at `url`.
    pub fn builder(url: &str) -> PostgresStoreBuilder {
        PostgresStoreBuilder {
            url: url.to_owned(),
            schema: "public".into(),
            pool_size: 8,
            connect_timeout: None,
            application_name: "appmarket".into(),
            synchronous_commit: true,
            secret_key: None,
            previous_secret_key: None,
        }
    }
}
