//! Checkpoints: the thread that copies the WAL into the file beside the commits, and the
//! checkpoint a caller asks for.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use appmarket::Error;
use rusqlite::Connection;

use crate::SqliteStore;

/// What the committing connection and the checkpoint thread tell each other.
#[derive(Default)]
struct CheckpointSignal {
    /// (a checkpoint is wanted, the thread is to stop)
    state: Mutex<(bool, bool)>,
    wake: Condvar,
    /// The thread's pass is done: the next commit copies what was committed meanwhile.
    tail: AtomicBool,
    /// The WAL frames the thread's last pass left copied.
    copied: AtomicI64,
}

impl CheckpointSignal {
    fn set(&self, want: bool, stop: bool) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.0 |= want;
        state.1 |= stop;
        self.wake.notify_one();
    }
}

/// The thread that checkpoints the WAL, with its own connection.
pub(crate) struct Checkpointer {
    signal: Arc<CheckpointSignal>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread on `conn`, and has the writer's commits wake it when the WAL holds
    /// `pages` pages or more (SQLite's own automatic checkpoint is turned off).
    ///
    /// A `PASSIVE` checkpoint on the thread copies the WAL into the file beside the commits
    /// (the `fsync`s and the bulk of the copying). What was committed meanwhile is copied by the
    /// writer's next commit, right after it, when that is a short tail (else the thread makes
    /// another pass first), so that the WAL is complete before this store's next write begins,
    /// and starts over instead of growing. Should the WAL reach four times `pages` all the same
    /// (large commits in a row), the commit checkpoints as SQLite's own automatic checkpoint
    /// would. Failures (another process checkpointing, a reader in the way) are left to the
    /// next round.
    pub(crate) fn start(writer: &mut Connection, conn: Connection, pages: u32) -> Result<Checkpointer, String> {
        let signal = Arc::new(CheckpointSignal::default());
        writer.query_row("PRAGMA wal_autocheckpoint = 0", [], |_| Ok(())).map_err(|e| e.to_string())?;
        let hook = Arc::clone(&signal);
        writer
            .wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, in_wal: std::ffi::c_int| {
                let (in_wal, pages) = (i64::from(in_wal), i64::from(pages));
                let tail = hook.tail.swap(false, Ordering::AcqRel);
                if in_wal >= 4 * pages || (tail && in_wal - hook.copied.load(Ordering::Acquire) <= short(pages)) {
                    // The commit stands whatever the checkpoint says: errors wait for a later one.
                    let _ = wal.checkpoint_v2(rusqlite::wal::CheckpointMode::PASSIVE);
                } else if tail || in_wal >= pages {
                    hook.set(true, false);
                }
                Ok(())
            }))
            .map_err(|e| e.to_string())?;
        let inbox = Arc::clone(&signal);
        let thread = std::thread::Builder::new()
            .name("appmarket-sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(&conn, &inbox, pages))
            .map_err(|e| format!("cannot start the checkpoint thread: {e}"))?;
        Ok(Checkpointer { signal, thread: Some(thread) })
    }

    pub(crate) fn stop(mut self) {
        self.signal.set(false, true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How many WAL frames a commit copies itself after the checkpoint thread's pass.
fn short(pages: i64) -> i64 {
    (pages / 32).max(64)
}

/// Checkpoints whenever the writer asks, until told to stop; see [`Checkpointer::start`].
fn checkpoint_loop(conn: &Connection, signal: &CheckpointSignal, pages: u32) {
    loop {
        {
            let mut state = signal.state.lock().unwrap_or_else(|p| p.into_inner());
            while !state.0 && !state.1 {
                state = signal.wake.wait(state).unwrap_or_else(|p| p.into_inner());
            }
            if state.1 {
                return;
            }
            state.0 = false;
        }
        // Passes until what was committed during the last one is a short tail (or 8 passes).
        let mut done = None;
        for _ in 0..8 {
            match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
            }) {
                Ok((0, log, copied)) => {
                    done = Some(copied);
                    if log - copied <= short(i64::from(pages)) {
                        break;
                    }
                }
                _ => {
                    done = None;
                    break;
                }
            }
        }
        // The commits during the passes asked again: the tail pass answers them, and the WAL
        // starts over at the commit after it (another pass now would hold it up).
        signal.state.lock().unwrap_or_else(|p| p.into_inner()).0 = false;
        if let Some(copied) = done {
            signal.copied.store(copied, Ordering::Release);
            signal.tail.store(true, Ordering::Release);
        }
    }
}

impl SqliteStore {
    /// Runs a checkpoint: copies the WAL into the file and truncates the WAL.
    pub fn checkpoint(&self) -> Result<(), Error> {
        self.writer()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(|e| self.sql("checkpointing", e))
    }
}
