//! # appmarket-cli
//!
//! `appmarket`, the operator's command line: an imperative shell over the stores. It holds no
//! rule: it opens stores, moves their content through the port every store implements
//! (`appmarket::store::Portable`), rebuilds records with the aggregates' own `apply`
//! (`appmarket::store::replay`), and prints. Install it with `cargo install --path cli`.
//!
//! | command | what it does |
//! |---|---|
//! | `appmarket migrate --from STORE --to STORE` | copies a whole marketplace into an empty store in one transaction, then checks the counts and a digest of the events |
//! | `appmarket status STORE` | schema version, marketplace id, counts per kind, events, due items, open claims |
//! | `appmarket verify STORE` | rebuilds each record from its events and compares; exit 1 on a mismatch |
//! | `appmarket events STORE --since N [--follow]` | the event stream as JSON lines |
//! | `appmarket backup sqlite:PATH FILE` | SQLite's online backup, while hosts write |
//! | `appmarket policy check FILE` | validates a policy and prints it with its defaults |
//!
//! A store is `sqlite:PATH` or a PostgreSQL URL (`--schema` for its schema). Secret keys are
//! files (`--key-file`, `--from-key-file`, `--to-key-file`: 32 bytes or 64 hexadecimal digits)
//! or environment variables of 64 hexadecimal digits (`APPMARKET_SECRET_KEY`,
//! `APPMARKET_FROM_SECRET_KEY`, `APPMARKET_TO_SECRET_KEY`). A failure is one line on standard
//! error (`error: …`) and exit code 1 (2 for a bad command line); a URL's password is never
//! printed.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod args;
pub mod backup;
pub mod events;
pub mod failure;
pub mod keys;
pub mod locator;
pub mod migrate;
pub mod policy;
pub mod progress;
pub mod status;
pub mod verify;

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use args::{Cli, Command, PolicyCommand, StoreArgs};
use failure::{Failure, Outcome};
use locator::{Locator, Opening};

/// Runs the command line `args` (the program's name first) and gives the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let _ = writeln!(std::io::stderr(), "error: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Opens the store of a single-store command.
fn open(args: &StoreArgs, must_exist: bool) -> Outcome<(Locator, locator::Opened)> {
    let locator = Locator::parse(&args.store, args.schema.as_deref())?;
    let key = keys::given(args.key_file.as_deref(), env("APPMARKET_SECRET_KEY").as_deref(), "APPMARKET_SECRET_KEY")?;
    let opened = locator::open(&locator, Opening { key, must_exist, key_hint: "--key-file or APPMARKET_SECRET_KEY" })?;
    Ok((locator, opened))
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Outcome {
    let stdout = std::io::stdout();
    match cli.command {
        Command::Migrate(a) => {
            let from = Locator::parse(&a.from, a.from_schema.as_deref())?;
            let to = Locator::parse(&a.to, a.to_schema.as_deref())?;
            let from_key = keys::given(
                a.from_key_file.as_deref(),
                env("APPMARKET_FROM_SECRET_KEY").as_deref(),
                "APPMARKET_FROM_SECRET_KEY",
            )?;
            let to_key = keys::given(
                a.to_key_file.as_deref(),
                env("APPMARKET_TO_SECRET_KEY").as_deref(),
                "APPMARKET_TO_SECRET_KEY",
            )?;
            let migration = migrate::Migration { from: from.clone(), to: to.clone(), from_key, to_key, quiet: a.quiet };
            let migrated = migrate::migrate(migration)?;
            let _ = stdout.lock().write_all(migrate::report(&from, &to, &migrated).as_bytes());
            Ok(())
        }
        Command::Status(a) => {
            let (locator, store) = open(&a.store, true)?;
            let s = status::status(&store)?;
            let text = if a.json { format!("{}\n", status::json(&locator, &s)) } else { status::text(&locator, &s) };
            let _ = stdout.lock().write_all(text.as_bytes());
            Ok(())
        }
        Command::Verify(a) => {
            let policy = policy::load(a.policy.as_deref())?;
            let (locator, store) = open(&a.store, true)?;
            let mut out = stdout.lock();
            let found = verify::verify(&store, &policy, a.quiet, &mut out)?;
            let _ = out.write_all(verify::summary(&found).as_bytes());
            if found.mismatches.is_empty() {
                Ok(())
            } else {
                Err(Failure::new(format!(
                    "{} mismatches in {}: the records above differ from their history",
                    found.mismatches.len(),
                    locator.shown()
                )))
            }
        }
        Command::Events(a) => {
            let (_, store) = open(&a.store, true)?;
            let reading = events::Reading {
                since: a.since,
                follow: a.follow,
                limit: a.limit,
                poll: Duration::from_millis(a.poll_ms.max(10)),
            };
            events::events(&store, &reading, &mut stdout.lock()).map(drop)
        }
        Command::Backup(a) => {
            let Locator::Sqlite(path) = Locator::parse(&a.store, None)? else {
                return Err(Failure::new(
                    "backup copies a SQLite store (sqlite:PATH); back up PostgreSQL with pg_dump or pg_basebackup",
                ));
            };
            let copied = backup::backup(&path, &a.file)?;
            let _ = writeln!(
                stdout.lock(),
                "backed up sqlite:{} to {}: {} pages, {} bytes, checked",
                path.display(),
                a.file.display(),
                progress::count(copied.pages),
                progress::count(copied.bytes)
            );
            Ok(())
        }
        Command::Policy { command: PolicyCommand::Check { file } } => {
            let checked = policy::check(&file)?;
            let mut out = stdout.lock();
            let _ = writeln!(out, "{}", checked.policy.to_json());
            let _ = writeln!(
                std::io::stderr(),
                "{}: a valid policy; it sets {} of {} fields, the others keep their defaults",
                file.display(),
                checked.set,
                checked.fields
            );
            Ok(())
        }
    }
}
