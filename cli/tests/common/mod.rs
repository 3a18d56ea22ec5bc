//! Shared by the command line's tests: the binary, fresh stores, the PostgreSQL test server.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};

use appmarket::store::{Item, Portable};
use appmarket::testing::contract::{comparable, exported};

/// The built `appmarket` binary.
pub fn appmarket() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_appmarket"));
    for var in ["APPMARKET_SECRET_KEY", "APPMARKET_FROM_SECRET_KEY", "APPMARKET_TO_SECRET_KEY"] {
        c.env_remove(var);
    }
    c
}

/// Runs `appmarket args…`.
pub fn run(args: &[&str]) -> Output {
    appmarket().args(args).output().expect("run appmarket")
}

/// Standard output and error as text.
pub fn texts(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A new path for a SQLite file under the target directory (nothing there yet).
pub fn fresh_file(tag: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{tag}-{}-{}.db", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

/// `sqlite:PATH`.
pub fn sqlite(path: &Path) -> String {
    format!("sqlite:{}", path.display())
}

/// The test server's URL (`APPMARKET_TEST_POSTGRES_URL`, set by `.ci/postgres.sh start`).
/// Without it the test skips loudly, except under `CI=true`, where it fails.
pub fn postgres_url() -> Option<String> {
    match std::env::var("APPMARKET_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("APPMARKET_TEST_POSTGRES_URL is not set and CI=true: the PostgreSQL tests must run")
        }
        _ => {
            eprintln!("\n*** SKIPPED: no PostgreSQL test server (APPMARKET_TEST_POSTGRES_URL is unset). ***\n");
            None
        }
    }
}

/// A schema name no other test uses.
pub fn fresh_schema(tag: &str) -> String {
    format!("cli_{tag}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A PostgreSQL store in `schema`.
pub fn postgres(url: &str, schema: &str) -> appmarket_postgres::PostgresStore {
    appmarket_postgres::PostgresStore::builder(url).schema(schema).pool_size(2).open().expect("open the test store")
}

/// What a store holds, in an order that does not depend on the store.
pub fn content(store: &impl Portable) -> Vec<Item> {
    comparable(exported(store))
}
