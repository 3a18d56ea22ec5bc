//! `Marketplace.ticker(listener)`: a thread that runs `tick` when something is due, stopped
//! by `stop()` or by `close()` (Kotlin `use { }`: UniFFI's `close` frees the object, whose drop
//! stops the thread).

use std::sync::{Arc, Mutex, PoisonError};

use appmarket::TickReport;

use crate::{Marketplace, Result};

/// Receives a ticker's outcomes, on the ticker's thread. Anything it throws is caught and the
/// ticker goes on.
#[uniffi::export(with_foreign)]
pub trait TickListener: Send + Sync {
    /// What one `tick` did.
    fn on_report(&self, report: TickReport);
    /// A failed `tick` (its error's kind, e.g. `storage`, and message); it is tried again after
    /// a backoff that doubles up to a minute.
    fn on_error(&self, kind: String, message: String);
}

/// A thread that runs `tick` whenever something is due by the marketplace's clock (at least
/// once a minute), reporting to its listener. `stop()` or `close()` (`use { }`) stops it within
/// a second.
#[derive(Debug, uniffi::Object)]
pub struct Ticker {
    core: Mutex<Option<appmarket::Ticker>>,
}

#[uniffi::export]
impl Ticker {
    /// Stops the thread and waits for it; stopping a stopped ticker does nothing. `close()`
    /// stops it too, and frees the object.
    pub fn stop(&self) {
        let ticker = self.core.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(mut ticker) = ticker {
            ticker.stop();
        }
    }

    /// Whether the thread runs.
    pub fn is_running(&self) -> bool {
        self.core.lock().unwrap_or_else(PoisonError::into_inner).as_ref().is_some_and(appmarket::Ticker::is_running)
    }
}

#[uniffi::export]
impl Marketplace {
    /// Starts a ticker: `tick` runs at once, then whenever something is due (a commit through
    /// this marketplace or a `ManualClock` moved wakes it), each outcome going to `listener`.
    /// Stop or close it (`use { }`).
    pub fn ticker(&self, listener: Arc<dyn TickListener>) -> Result<Arc<Ticker>> {
        let ticker =
            appmarket::Ticker::start(self.core.clone(), appmarket::TickerOptions::default(), move |outcome| {
                match outcome {
                    Ok(report) => listener.on_report(report),
                    Err(e) => listener.on_error(e.kind().to_owned(), e.to_string()),
                }
            })?;
        Ok(Arc::new(Ticker { core: Mutex::new(Some(ticker)) }))
    }
}
