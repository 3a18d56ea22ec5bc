//! `appmarket migrate`: a whole marketplace copied from one store into an empty one.
//!
//! The source is read from one consistent snapshot ([`Portable::export`](appmarket::store::Portable::export)) on a thread of its
//! own, and its items flow through a bounded channel into the target's import
//! ([`Portable::import`](appmarket::store::Portable::import)): one transaction, so nothing of the copy is visible before it
//! commits, and a failed or killed migration leaves the target empty (a SQLite target is
//! written in a single transaction in the target file itself; a new file it created is removed
//! again on a failure it sees). Neither store is ever held whole in memory. Passwords are
//! opened with the source's key and sealed with the target's. Afterwards the target's counts
//! and a SHA-256 digest of its event stream are checked against what was exported.

use std::sync::mpsc::sync_channel;

use appmarket::Error;
use appmarket::sealing::SecretKey;
use appmarket::store::{Census, EventDigest, Item};
use chrono::Utc;

use crate::failure::{Failure, Outcome};
use crate::locator::{self, Locator, Opening};
use crate::progress::{self, Progress};

/// What `migrate` is asked to do.
pub struct Migration {
    /// Where the marketplace is.
    pub from: Locator,
    /// The empty store it goes to.
    pub to: Locator,
    /// The key the source's passwords are sealed with.
    pub from_key: Option<SecretKey>,
    /// The key the target seals them with (none: plain text).
    pub to_key: Option<SecretKey>,
    /// No progress lines.
    pub quiet: bool,
}

/// What a migration copied, as checked on the target.
#[derive(Debug, Clone)]
pub struct Migrated {
    /// What was exported, and found again in the target.
    pub census: Census,
    /// The SHA-256 digest of the event stream, in hexadecimal.
    pub digest: String,
    /// How long it took, in seconds.
    pub seconds: f64,
}

/// The items in flight between the export and the import.
const IN_FLIGHT: usize = 4096;

/// Copies the marketplace; see the module's documentation.
pub fn migrate(m: Migration) -> Outcome<Migrated> {
    if m.from == m.to {
        return Err(Failure::new(format!(
            "{} is both the source and the target: migrate to another store",
            m.from.shown()
        )));
    }
    let source = locator::open(
        &m.from,
        Opening { key: m.from_key, must_exist: true, key_hint: "--from-key-file or APPMARKET_FROM_SECRET_KEY" },
    )?;
    let created = match &m.to {
        Locator::Sqlite(path) => !path.exists(),
        Locator::Postgres { .. } => false,
    };
    let plain_target = m.to_key.is_none();
    let result = copy(&source, &m.to, m.to_key, m.quiet, &m.from);
    if result.is_err()
        && created
        && let Locator::Sqlite(path) = &m.to
    {
        for file in locator::sqlite_files(path) {
            let _ = std::fs::remove_file(file);
        }
    }
    let migrated = result?;
    if plain_target && migrated.census.secrets > 0 {
        eprintln!(
            "warning: {} keeps the {} app passwords in plain text: give it a secret key (--to-key-file) to seal them",
            m.to.shown(),
            migrated.census.secrets
        );
    }
    Ok(migrated)
}

fn copy(
    source: &locator::Opened,
    to: &Locator,
    to_key: Option<SecretKey>,
    quiet: bool,
    from: &Locator,
) -> Outcome<Migrated> {
    let target = locator::open(
        to,
        Opening { key: to_key, must_exist: false, key_hint: "--to-key-file or APPMARKET_TO_SECRET_KEY" },
    )?;
    let now = Utc::now();
    let before = target.portable().census(now).map_err(|e| Failure::new(to.scrub(&e.to_string())))?;
    if !before.is_empty() {
        return Err(Failure::new(format!(
            "target {} is not empty ({}); migrate needs an empty target",
            to.shown(),
            before.summary()
        )));
    }
    let total = source.portable().census(now)?;
    let mut progress = Progress::new("migrate", quiet);
    let mut counted = Census::default();
    let mut digest = EventDigest::new();
    let (sender, receiver) = sync_channel::<Result<Item, Error>>(IN_FLIGHT);
    let exporter = source.portable();
    let (exported, imported) = std::thread::scope(|scope| {
        let export = scope.spawn(move || {
            let stopped = || Error::Storage { reason: "the import stopped".into() };
            let sent = exporter.export(&mut |item| sender.send(Ok(item)).map_err(|_| stopped()));
            if let Err(e) = &sent {
                let _ = sender.send(Err(e.clone()));
            }
            sent
        });
        let mut items = receiver.iter().map(|item| {
            let item = item.and_then(|item| {
                counted.count(&item);
                if let Item::Event(e) = &item {
                    digest.add(e)?;
                }
                Ok(item)
            });
            progress.tick(|| progress_line(&counted, &total));
            item
        });
        let imported = target.portable().import(&mut items);
        drop(items);
        let exported = export.join().unwrap_or_else(|_| Err(Error::Storage { reason: "the export panicked".into() }));
        (exported, imported)
    });
    if let Err(e) = imported {
        return Err(Failure::new(format!(
            "migrating into {} failed, and the target was left empty: {}",
            to.shown(),
            to.scrub(&from.scrub(&e.to_string()))
        )));
    }
    exported.map_err(|e| Failure::new(from.scrub(&e.to_string())))?;
    let after = target.portable().census(Utc::now())?;
    let mut differences = counted.differences(&after);
    let copied = EventDigest::of_store(target.store(), 5000)?;
    if copied.hex() != digest.hex() {
        differences.push(format!(
            "event digest: sha256:{} exported, sha256:{} in the target",
            digest.hex(),
            copied.hex()
        ));
    }
    if !differences.is_empty() {
        return Err(Failure::new(format!(
            "the copy in {} differs from what {} exported: {}; examine the target before using it",
            to.shown(),
            from.shown(),
            differences.join("; ")
        )));
    }
    Ok(Migrated { census: counted, digest: digest.hex(), seconds: progress.elapsed() })
}

fn progress_line(counted: &Census, total: &Census) -> String {
    let done = counted.total_records() + counted.events + counted.secrets + counted.requests;
    let all = total.total_records() + total.events + total.secrets + total.requests;
    format!(
        "{} of {} records, {} of {} events ({}%)",
        progress::count(counted.total_records()),
        progress::count(total.total_records()),
        progress::count(counted.events),
        progress::count(total.events),
        progress::percent(done, all)
    )
}

/// What `migrate` prints when it is done.
pub fn report(from: &Locator, to: &Locator, migrated: &Migrated) -> String {
    let c = &migrated.census;
    format!(
        "migrated {} to {} in {:.1} s: {} records, {} events (up to {}), {} passwords, {} request records\n\
         checked: the target holds the same counts and events (sha256:{})\n",
        from.shown(),
        to.shown(),
        migrated.seconds,
        progress::count(c.total_records()),
        progress::count(c.events),
        c.last_seq,
        progress::count(c.secrets),
        progress::count(c.requests),
        migrated.digest
    )
}
