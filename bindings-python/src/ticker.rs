//! `Marketplace.ticker()`: a thread that runs `tick` when something is due, started and
//! stopped by hand or used as a context manager.

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// Runs `tick` on a thread of its own whenever something is due by the marketplace's clock
/// (at least once a minute), and calls `on_report(report)` with each `TickReport` and
/// `on_error(error)` with each failure (a storage fault: tried again with a backoff up to a
/// minute). The callbacks run on the ticker's thread, with the GIL; an exception they raise is
/// written to `sys.unraisablehook` and the ticker goes on. A failure without `on_error` is
/// logged on the `appmarket` logger. `stop()` returns within a second.
///
/// ```python
/// with market.ticker(on_report=print):
///     ...  # tick runs whenever something is due
/// ```
#[pyclass(frozen, module = "appmarket")]
pub struct Ticker {
    market: Arc<appmarket::Marketplace>,
    on_report: Option<Py<PyAny>>,
    on_error: Option<Py<PyAny>>,
    running: Mutex<Option<appmarket::Ticker>>,
}

impl Ticker {
    pub(crate) fn new(
        market: Arc<appmarket::Marketplace>,
        on_report: Option<Py<PyAny>>,
        on_error: Option<Py<PyAny>>,
    ) -> Ticker {
        Ticker { market, on_report, on_error, running: Mutex::new(None) }
    }

    fn take(&self) -> Option<appmarket::Ticker> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// Hands one outcome to the Python callbacks, with the GIL.
fn deliver(
    py: Python<'_>,
    on_report: &Option<Py<PyAny>>,
    on_error: &Option<Py<PyAny>>,
    outcome: Result<appmarket::TickReport, appmarket::Error>,
) {
    let called = match (outcome, on_report, on_error) {
        (Ok(report), Some(callback), _) => callback.call1(py, (report,)).map(|_| ()).map_err(|e| (e, callback)),
        (Ok(_), None, _) => return,
        (Err(error), _, Some(callback)) => {
            let exception = PyErr::from(error).into_value(py);
            callback
                .call1(py, PyTuple::new(py, [exception]).unwrap_or_else(|_| PyTuple::empty(py)))
                .map(|_| ())
                .map_err(|e| (e, callback))
        }
        (Err(error), _, None) => {
            let logged = py
                .import("logging")
                .and_then(|logging| logging.call_method1("getLogger", ("appmarket",)))
                .and_then(|logger| {
                    logger.call_method1("warning", ("ticker: tick failed, trying again: %s", error.to_string()))
                });
            if let Err(e) = logged {
                e.write_unraisable(py, None);
            }
            return;
        }
    };
    if let Err((e, callback)) = called {
        e.write_unraisable(py, Some(callback.bind(py)));
    }
}

#[pymethods]
impl Ticker {
    /// Starts the thread (its first tick runs at once); starting a running ticker does nothing.
    fn start(&self) -> PyResult<()> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if running.as_ref().is_some_and(appmarket::Ticker::is_running) {
            return Ok(());
        }
        let (on_report, on_error) = Python::attach(|py| {
            (self.on_report.as_ref().map(|c| c.clone_ref(py)), self.on_error.as_ref().map(|c| c.clone_ref(py)))
        });
        let ticker =
            appmarket::Ticker::start(self.market.clone(), appmarket::TickerOptions::default(), move |outcome| {
                Python::attach(|py| deliver(py, &on_report, &on_error, outcome));
            })?;
        *running = Some(ticker);
        Ok(())
    }

    /// Stops the thread and waits for it (within a second, unless a tick is under way), without
    /// holding the GIL. Stopping a stopped ticker does nothing.
    fn stop(&self, py: Python<'_>) {
        if let Some(mut ticker) = self.take() {
            py.detach(move || ticker.stop());
        }
    }

    /// Whether the thread runs.
    #[getter]
    fn running(&self) -> bool {
        self.running.lock().unwrap_or_else(PoisonError::into_inner).as_ref().is_some_and(appmarket::Ticker::is_running)
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyResult<PyRef<'_, Self>> {
        slf.start()?;
        Ok(slf)
    }

    #[pyo3(signature = (_exc_type = None, _exc_value = None, _traceback = None))]
    fn __exit__(
        &self,
        py: Python<'_>,
        _exc_type: Option<Py<PyAny>>,
        _exc_value: Option<Py<PyAny>>,
        _traceback: Option<Py<PyAny>>,
    ) -> bool {
        self.stop(py);
        false
    }

    fn __repr__(&self) -> String {
        format!("Ticker(running={})", if self.running() { "True" } else { "False" })
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        // The thread may be waiting for the GIL to call back: stop it with the GIL released.
        if let Some(mut ticker) = self.take() {
            Python::attach(|py| py.detach(move || ticker.stop()));
        }
    }
}
