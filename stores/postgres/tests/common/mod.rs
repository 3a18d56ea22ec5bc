//! Shared by the PostgreSQL tests: the test server's URL and a fresh schema per store.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use appmarket_postgres::PostgresStore;

/// The test server's URL (`APPMARKET_TEST_POSTGRES_URL`, set by `.ci/postgres.sh start`).
/// Without it the test skips loudly, except under `CI=true`, where it fails.
pub fn url() -> Option<String> {
    match std::env::var("APPMARKET_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("CI").as_deref() == Ok("true") => {
            panic!(
                "APPMARKET_TEST_POSTGRES_URL is not set and CI=true: the PostgreSQL tests must run (.ci/postgres.sh start)"
            )
        }
        _ => {
            eprintln!(
                "\n*** SKIPPED: no PostgreSQL test server (APPMARKET_TEST_POSTGRES_URL is unset). \
                 Run `make test`, or `eval \"$(.ci/postgres.sh start)\"` first. ***\n"
            );
            None
        }
    }
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A schema name no other test uses.
pub fn fresh_schema(tag: &str) -> String {
    format!("t_{tag}_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A store in a fresh schema.
pub fn fresh_store(url: &str, tag: &str) -> PostgresStore {
    PostgresStore::builder(url).schema(fresh_schema(tag)).pool_size(4).open().expect("open the test store")
}

/// Runs pg_ctl on the test server as its owner (pg_ctl refuses root), with the server's output
/// going to its log file (else the server would hold our pipe open and `output()` never end).
pub fn pg_ctl(args: &[&str]) -> std::process::Output {
    let bin = std::env::var("APPMARKET_PG_BIN").expect("APPMARKET_PG_BIN is set by .ci/postgres.sh");
    let dir = std::env::var("APPMARKET_PG_DIR").expect("APPMARKET_PG_DIR is set by .ci/postgres.sh");
    let owner = std::env::var("APPMARKET_PG_USER").unwrap_or_default();
    let pg_ctl = format!("{bin}/pg_ctl");
    let data = format!("{dir}/data");
    let log = format!("{dir}/server.log");
    let mut all: Vec<&str> = vec![&pg_ctl, "-D", &data, "-l", &log];
    all.extend_from_slice(args);
    let is_root = std::process::Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"));
    let mut command = if is_root && !owner.is_empty() && owner != "root" {
        let mut c = std::process::Command::new("runuser");
        c.args(["-u", &owner, "--"]).args(&all);
        c
    } else {
        let mut c = std::process::Command::new(all[0]);
        c.args(&all[1..]);
        c
    };
    command.stdin(std::process::Stdio::null()).output().expect("run pg_ctl")
}

/// What takes a schema (the `search_path`) from version 5 back to 4 as that version wrote it:
/// the listing counts, their triggers and functions dropped.
pub const DROP_LISTING_COUNTS: &str = "
    DROP TRIGGER orders_counted ON orders; DROP TRIGGER orders_recounted ON orders;
    DROP TRIGGER apps_counted ON apps; DROP TRIGGER apps_recounted ON apps;
    DROP TRIGGER flows_counted ON flows; DROP TRIGGER flows_recounted ON flows;
    DROP FUNCTION appmarket_count_orders(); DROP FUNCTION appmarket_count_apps();
    DROP FUNCTION appmarket_count_flows(); DROP FUNCTION appmarket_recount(text[], text[], text[], bigint[]);
    DROP TABLE listing_counts;";
