//! Waiting for new events: `LISTEN` on a connection of its own.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use appmarket::{Bell, Error};
use postgres::Client;
use postgres::fallible_iterator::FallibleIterator;

use crate::errors::to_error;

/// Told of new events after each commit that appends some (PostgreSQL `LISTEN/NOTIFY`, sent
/// when the transaction commits). A notice carries the stream's head after that commit; the
/// events themselves are read with `events_since`, which stays the source of truth (a notice
/// can be missed while the listener reconnects).
///
/// ```no_run
/// use std::time::Duration;
/// use appmarket::Store;
/// use appmarket_postgres::PostgresStore;
///
/// let store = PostgresStore::open("postgresql://appmarket:secret@127.0.0.1/appmarket")?;
/// let mut listener = store.listener()?;
/// let mut cursor = 0;
/// loop {
///     for event in store.events_since(cursor, 100)? {
///         cursor = event.seq; // notify someone, exactly once per cursor
///     }
///     listener.wait(Duration::from_secs(30))?;
/// }
/// # Ok::<(), appmarket::Error>(())
/// ```
pub struct EventListener {
    client: Client,
}

impl std::fmt::Debug for EventListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventListener").finish_non_exhaustive()
    }
}

impl EventListener {
    pub(crate) fn new(mut client: Client, channel: &str) -> Result<EventListener, Error> {
        client.batch_execute(&format!("LISTEN \"{channel}\"")).map_err(|e| to_error("listening for events", &e))?;
        Ok(EventListener { client })
    }

    /// Waits up to `timeout` for new events; returns the highest stream head announced, or
    /// `None` when nothing was committed meanwhile. A broken connection is an
    /// [`Error::Storage`]: open a new listener.
    pub fn wait(&mut self, timeout: Duration) -> Result<Option<u64>, Error> {
        let fail = |e: postgres::Error| to_error("waiting for events", &e);
        let mut notifications = self.client.notifications();
        let mut head = None;
        if let Some(n) = notifications.timeout_iter(timeout).next().map_err(fail)? {
            head = n.payload().parse::<u64>().ok();
        }
        // Whatever else already arrived.
        let mut pending = notifications.iter();
        while let Some(n) = pending.next().map_err(fail)? {
            head = head.max(n.payload().parse::<u64>().ok());
        }
        Ok(head)
    }
}

/// Rings a [`Bell`] whenever a host commits events to the store (its `NOTIFY`), from a thread
/// of its own; see [`PostgresStore::ring_on_commits`](crate::PostgresStore::ring_on_commits).
/// Stopped (or dropped), it ends within a second.
#[derive(Debug)]
pub struct CommitBell {
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// How long one wait on the listener lasts: how soon a stop is seen.
const LISTEN_SLICE: Duration = Duration::from_millis(250);

impl CommitBell {
    pub(crate) fn start(store: Arc<crate::PostgresStore>, bell: Bell) -> Result<CommitBell, Error> {
        let mut listener = Some(store.listener()?);
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = stopping.clone();
        let thread = std::thread::Builder::new()
            .name("appmarket-commit-bell".into())
            .spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Some(l) = listener.as_mut() else {
                        // The connection broke: a new listener, tried again each slice. The
                        // bell rings once it is back, since a notice may have been missed.
                        std::thread::sleep(LISTEN_SLICE);
                        listener = store.listener().ok();
                        if listener.is_some() {
                            bell.ring();
                        }
                        continue;
                    };
                    match l.wait(LISTEN_SLICE) {
                        Ok(Some(_)) => bell.ring(),
                        Ok(None) => {}
                        Err(_) => listener = None,
                    }
                }
            })
            .map_err(|e| Error::Storage { reason: format!("cannot start the commit bell's thread: {e}") })?;
        Ok(CommitBell { stopping, thread: Some(thread) })
    }

    /// Stops the thread and waits for it.
    pub fn stop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for CommitBell {
    fn drop(&mut self) {
        self.stop();
    }
}
