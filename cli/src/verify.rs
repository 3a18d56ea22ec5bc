//! `appmarket verify`: every record checked against its history.
//!
//! The store is read from one snapshot ([`Portable::export`](appmarket::store::Portable::export)) on a thread of its own; for each
//! record, its events are read ([`Store::records`], a page at a time) and applied with its
//! aggregate's own `apply` to the record as its creation left it (`Aggregate::as_created`,
//! [`Rebuild`]), and the result compared with the kept record. Also checked: the due instant
//! kept with each record is what the record's state gives under the policy, the events are
//! numbered 1, 2, 3, … without a gap, and no id is above its sequence (a new record would get
//! its number again). A record that differs is loaded again before it is reported, so that a
//! host's commit made meanwhile is not taken for a change behind the store's back.
//!
//! What the stream cannot tell is not checked: the fields only a creation sets (an order's
//! quote, an app's customer), and customer accounts, whose registration the stream records
//! without the account.

use std::collections::HashMap;
use std::io::Write;
use std::sync::mpsc::sync_channel;

use appmarket::store::content::RECORD_KINDS;
use appmarket::store::replay::Rebuild;
use appmarket::store::{Item, Kept, Record, Sequence, Store};
use appmarket::{Error, Policy, Target};

use crate::failure::{Failure, Outcome};
use crate::locator::Opened;
use crate::progress::{self, Progress};

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Verified {
    /// Records read.
    pub records: u64,
    /// Records rebuilt from their events, per kind.
    pub rebuilt: [u64; 8],
    /// Records not rebuilt, per kind (accounts).
    pub not_rebuilt: [u64; 8],
    /// Events read.
    pub events: u64,
    /// Events applied in rebuilding.
    pub applied: u64,
    /// What differs, one line each.
    pub mismatches: Vec<String>,
    /// Due instants that differ (they follow the policy).
    pub due_mismatches: u64,
}

/// Events read per page.
const PAGE: usize = 1000;

/// The sequence a numbered id is drawn from, and its number (`ORD-00000012`: order, 12).
fn number_of(target: &Target) -> Option<(Sequence, u64)> {
    let (sequence, prefix) = match target {
        Target::Order(_) => (Sequence::Order, "ORD-"),
        Target::App(_) => (Sequence::App, "APP-"),
        Target::Flow(_) => (Sequence::Flow, "FLW-"),
        Target::Appeal(_) => (Sequence::Appeal, "APL-"),
        Target::Invoice(_) => (Sequence::Invoice, "INV-"),
        Target::Product(_) => (Sequence::Product, "PRD-"),
        _ => return None,
    };
    let digits = target.kind_and_id().1.strip_prefix(prefix)?;
    if digits.len() < 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(|n| (sequence, n))
}

/// Rebuilds `record` from its events in `store`: `None` when its kind is not rebuilt, else the
/// differences (empty when it agrees) and how many events were applied.
fn rebuild(store: &dyn Store, record: &Record, policy: &Policy) -> Result<Option<(Vec<String>, u64)>, Error> {
    let Some(mut rebuilt) = Rebuild::start(record) else { return Ok(None) };
    let target = record.target();
    let mut after = 0;
    let mut broken = Vec::new();
    loop {
        let events = store.records(&target, after, PAGE)?;
        for e in &events {
            if let Err(why) = rebuilt.apply(e, policy) {
                broken.push(why);
            }
        }
        match events.last() {
            Some(last) if events.len() == PAGE => after = last.seq,
            _ => break,
        }
    }
    let mut differences = broken;
    differences.extend(rebuilt.differences(record));
    Ok(Some((differences, rebuilt.applied())))
}

/// Verifies `store`; mismatches are written to `out` as they are found.
pub fn verify(store: &Opened, policy: &Policy, quiet: bool, out: &mut dyn Write) -> Outcome<Verified> {
    let total = store.portable().census(chrono::Utc::now())?;
    let mut progress = Progress::new("verify", quiet);
    let mut found = Verified::default();
    let mut sequences: HashMap<Sequence, u64> = HashMap::new();
    let mut highest: HashMap<Sequence, (u64, String)> = HashMap::new();
    let mut last_seq = 0;
    let (sender, receiver) = sync_channel::<Result<Item, Error>>(1024);
    let exporter = store.portable();
    let reader = store.store();
    let mut report = |found: &mut Verified, line: String| {
        let _ = writeln!(out, "{line}");
        found.mismatches.push(line);
    };
    let result: Result<(), Error> = std::thread::scope(|scope| {
        let export = scope.spawn(move || {
            let sent = exporter.export(&mut |item| {
                sender.send(Ok(item)).map_err(|_| Error::Storage { reason: "verify stopped".into() })
            });
            if let Err(e) = &sent {
                let _ = sender.send(Err(e.clone()));
            }
            sent
        });
        for item in receiver.iter() {
            match item? {
                Item::Sequence(s, n) => {
                    sequences.insert(s, n);
                }
                Item::Record(Kept { record, version, due }) => {
                    found.records += 1;
                    let target = record.target();
                    let (kind, _) = target.kind_and_id();
                    if let Some((sequence, n)) = number_of(&target) {
                        let entry = highest.entry(sequence).or_insert((0, String::new()));
                        if n > entry.0 {
                            *entry = (n, target.kind_and_id().1.to_owned());
                        }
                    }
                    let (mut record, mut due) = (record, due);
                    let mut outcome = rebuild(reader, &record, policy)?;
                    let mismatched = |o: &Option<(Vec<String>, u64)>, r: &Record, d| {
                        o.as_ref().is_some_and(|(diffs, _)| !diffs.is_empty()) || d != r.next_due(policy)
                    };
                    if mismatched(&outcome, &record, due) {
                        // A host may have committed meanwhile: look at the record as it is now.
                        if let Some((now, v)) = reader.load(&target)?
                            && v != version
                        {
                            outcome = rebuild(reader, &now, policy)?;
                            // The due instant kept now is not in the snapshot: not checked.
                            due = now.next_due(policy);
                            record = now;
                        }
                    }
                    match &outcome {
                        None => found.not_rebuilt[kind] += 1,
                        Some((diffs, applied)) => {
                            found.rebuilt[kind] += 1;
                            found.applied += applied;
                            for d in diffs {
                                report(&mut found, format!("{target}: {d}"));
                            }
                        }
                    }
                    let expected = record.next_due(policy);
                    if due != expected {
                        found.due_mismatches += 1;
                        let show = |d: Option<chrono::DateTime<chrono::Utc>>| {
                            d.map_or_else(|| "none".to_owned(), |d| d.to_rfc3339())
                        };
                        report(
                            &mut found,
                            format!("{target}: due instant: kept {}, its state gives {}", show(due), show(expected)),
                        );
                    }
                }
                Item::Event(e) => {
                    found.events += 1;
                    if e.seq != last_seq + 1 {
                        report(&mut found, format!("events: event {} follows event {last_seq}", e.seq));
                    }
                    last_seq = e.seq;
                }
                Item::MarketplaceId(_) | Item::Secret(..) | Item::Request(_) => {}
            }
            progress.tick(|| {
                format!(
                    "{} of {} records, {} of {} events",
                    progress::count(found.records),
                    progress::count(total.total_records()),
                    progress::count(found.events),
                    progress::count(total.events)
                )
            });
        }
        export.join().unwrap_or_else(|_| Err(Error::Storage { reason: "the export panicked".into() }))
    });
    result.map_err(Failure::from)?;
    let mut kinds: Vec<_> = highest.into_iter().collect();
    kinds.sort_by_key(|(s, _)| appmarket::store::columns::sequence_name(*s));
    for (sequence, (n, id)) in kinds {
        let kept = sequences.get(&sequence).copied().unwrap_or(0);
        if n > kept {
            let name = appmarket::store::columns::sequence_name(sequence);
            report(
                &mut found,
                format!("sequence {name}: at {kept}, below {id}: a new {name} would be given a number already used"),
            );
        }
    }
    Ok(found)
}

/// What `verify` prints when it is done.
pub fn summary(v: &Verified) -> String {
    let rebuilt: Vec<String> = RECORD_KINDS
        .iter()
        .zip(v.rebuilt)
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{k} {}", progress::count(n)))
        .collect();
    let mut out = format!(
        "verified {} records and {} events: {} rebuilt from their events ({}; {} events applied)",
        progress::count(v.records),
        progress::count(v.events),
        progress::count(v.rebuilt.iter().sum()),
        if rebuilt.is_empty() { "none".into() } else { rebuilt.join(", ") },
        progress::count(v.applied),
    );
    let skipped: Vec<String> = RECORD_KINDS
        .iter()
        .zip(v.not_rebuilt)
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{k} {}", progress::count(n)))
        .collect();
    if !skipped.is_empty() {
        out.push_str(&format!(
            "; not rebuilt: {} (the stream records a registration without the account)",
            skipped.join(", ")
        ));
    }
    out.push('\n');
    if v.mismatches.is_empty() {
        out.push_str("no mismatch\n");
    } else {
        out.push_str(&format!("{} mismatches\n", v.mismatches.len()));
        if v.due_mismatches > 0 {
            out.push_str("(due instants follow the policy: verify with the hosts' policy, --policy FILE)\n");
        }
    }
    out
}
