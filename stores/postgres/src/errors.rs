//! PostgreSQL errors as `appmarket::Error`s a person can act on.

use appmarket::Error;
use postgres::error::SqlState;

use crate::tls::Tls;

/// Where the configuration points, without the password.
pub(crate) fn address(config: &postgres::Config) -> String {
    let host = host(config);
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "{}@{host}:{port}/{}",
        config.get_user().unwrap_or("(no user)"),
        config.get_dbname().unwrap_or("(default database)")
    )
}

/// The (first) host the configuration names.
fn host(config: &postgres::Config) -> String {
    match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    }
}

/// A connection that could not be opened: says what to fix.
pub(crate) fn connect_error(config: &postgres::Config, tls: &Tls, e: &postgres::Error) -> Error {
    let at = address(config);
    if let Some(reason) = tls.explain(&at, &host(config), e) {
        return Error::Storage { reason };
    }
    let user = config.get_user().unwrap_or("(no user)");
    let db = config.get_dbname().unwrap_or("(default database)");
    let reason = match e.code() {
        Some(c) if *c == SqlState::INVALID_PASSWORD => {
            format!("PostgreSQL at {at} refused the password of user `{user}`: fix the password in the URL")
        }
        Some(c) if *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION => {
            format!("PostgreSQL at {at} does not let user `{user}` in: fix the user in the URL or pg_hba.conf ({e})")
        }
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => {
            format!(
                "the database `{db}` does not exist on the PostgreSQL server at {at}: create it (createdb {db}) or fix the URL"
            )
        }
        Some(c) if *c == SqlState::TOO_MANY_CONNECTIONS => {
            format!("PostgreSQL at {at} has too many connections: lower the pool size or raise max_connections")
        }
        Some(c) if *c == SqlState::CANNOT_CONNECT_NOW => {
            format!("PostgreSQL at {at} is starting or shutting down: retry in a moment")
        }
        _ => format!("cannot connect to PostgreSQL at {at}: {e}: is the server running and the URL right?"),
    };
    Error::Storage { reason }
}

/// A URL that does not parse. The URL itself is not repeated: it may hold a password.
pub(crate) fn url_error(e: &postgres::Error) -> Error {
    Error::Storage {
        reason: format!(
            "the PostgreSQL URL is not valid ({e}): write it as postgresql://user:password@host:port/database"
        ),
    }
}

/// Whether the error means the connection is gone (server restarted, backend terminated,
/// network): the connection must not be used again.
pub(crate) fn is_connection_lost(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    match e.code() {
        Some(c) => {
            c.code().starts_with("08")
                || *c == SqlState::ADMIN_SHUTDOWN
                || *c == SqlState::CRASH_SHUTDOWN
                || *c == SqlState::CANNOT_CONNECT_NOW
        }
        // Not an error the server sent: the socket failed.
        None => e.as_db_error().is_none() && std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>()),
    }
}

/// Whether a concurrent transaction won: the facade decides again.
pub(crate) fn is_race(e: &postgres::Error) -> bool {
    e.code().is_some_and(|c| {
        *c == SqlState::UNIQUE_VIOLATION
            || *c == SqlState::T_R_SERIALIZATION_FAILURE
            || *c == SqlState::T_R_DEADLOCK_DETECTED
    })
}

/// A failed call as an `appmarket::Error`.
pub(crate) fn to_error(what: &str, e: &postgres::Error) -> Error {
    // Raised by `appmarket_check` in a commit: a stale version (AM001), a used request id (AM002).
    if let Some(db) = e.as_db_error()
        && matches!(db.code().code(), "AM001" | "AM002")
    {
        return Error::conflict(db.message().to_owned());
    }
    if is_race(e) {
        return Error::conflict(format!("a concurrent change won while {what}: load again and retry"));
    }
    if is_connection_lost(e) {
        return Error::Storage {
            reason: format!(
                "the connection to PostgreSQL broke while {what} ({e}); an unfinished commit was rolled back \
                 by the server: retry once it is reachable again"
            ),
        };
    }
    match e.as_db_error() {
        Some(db) => Error::Storage {
            reason: format!("PostgreSQL refused {what}: {} (SQLSTATE {})", db.message(), db.code().code()),
        },
        None => Error::Storage { reason: format!("PostgreSQL failed while {what}: {e}") },
    }
}

/// A stored document that does not read back.
pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Storage {
        reason: format!(
            "a stored {what} does not read back ({e}): the row was written by another version or edited by hand"
        ),
    }
}
