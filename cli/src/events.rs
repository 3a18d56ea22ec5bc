//! `appmarket events`: the event stream from a number on, as JSON lines (one event per line,
//! as `Marketplace::events_since` gives them), for a webhook sender to read from a pipe. With
//! `--follow` it waits for new events: on PostgreSQL it wakes on `LISTEN/NOTIFY` (each commit
//! that appends events announces the new head), on SQLite it looks again every poll interval.

use std::io::{ErrorKind, Write};
use std::time::Duration;

use crate::failure::{Failure, Outcome};
use crate::locator::Opened;

/// Events read per page.
const PAGE: usize = 1000;

/// How `events` reads.
pub struct Reading {
    /// The number after which to start (0: from the first event).
    pub since: u64,
    /// Wait for new events rather than stop at the end of the stream.
    pub follow: bool,
    /// Stop after this many events.
    pub limit: Option<u64>,
    /// How often SQLite is looked at again when following.
    pub poll: Duration,
}

/// Writes the events to `out`; returns the number of the last one written (the cursor to go on
/// from). A closed pipe ends it quietly.
pub fn events(store: &Opened, reading: &Reading, out: &mut dyn Write) -> Outcome<u64> {
    let mut listener = match (store, reading.follow) {
        // Listening before the first read: no commit between the read and the wait is missed.
        (Opened::Postgres(s), true) => Some(s.listener()?),
        _ => None,
    };
    let mut cursor = reading.since;
    let mut written = 0u64;
    let closed = |e: &std::io::Error| e.kind() == ErrorKind::BrokenPipe;
    loop {
        let want = reading.limit.map_or(PAGE, |l| (l - written).min(PAGE as u64) as usize);
        if want == 0 {
            return Ok(cursor);
        }
        let page = store.store().events_since(cursor, want)?;
        for event in &page {
            let line = serde_json::to_string(event)
                .map_err(|e| Failure::new(format!("cannot write event {}: {e}", event.seq)))?;
            if let Err(e) = writeln!(out, "{line}") {
                return if closed(&e) { Ok(cursor) } else { Err(Failure::new(format!("cannot write events: {e}"))) };
            }
            cursor = event.seq;
            written += 1;
        }
        if let Err(e) = out.flush() {
            return if closed(&e) { Ok(cursor) } else { Err(Failure::new(format!("cannot write events: {e}"))) };
        }
        if page.len() == want {
            continue;
        }
        if !reading.follow {
            return Ok(cursor);
        }
        match &mut listener {
            Some(l) => {
                l.wait(Duration::from_secs(5))?;
            }
            None => std::thread::sleep(reading.poll),
        }
    }
}
