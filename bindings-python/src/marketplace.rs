//! The `Marketplace` class: its constructor and the methods that are not a `Command` (those
//! are in `commands.rs`, one per variant, in one shape).
//!
//! To add a facade method: a `Command` variant's method goes to `commands.rs` in its shape;
//! any other here. A new value type is a core type with `cfg_attr(feature = "python",
//! pyo3::pyclass(…))` (see `appmarket::python`), exported in `lib.rs`; then regenerate the
//! stub (`make stubs`) and add a test.

use pyo3::prelude::*;

use appmarket::{Actor, ApplicationInfo, BillingMode, Event, FlowId, ProductId, PurchaseRequest, Quote};

use crate::runtime::{ManualClock, call};

/// The marketplace: every command and query of the library. Share one across threads.
#[pyclass(frozen, module = "appmarket")]
pub struct Marketplace {
    pub(crate) inner: std::sync::Arc<appmarket::Marketplace>,
}

#[pymethods]
impl Marketplace {
    /// A marketplace with a policy (default: RULES.md), a clock (default: the system clock) and
    /// a payment gateway (default: a new `SimulatedPayments`; or any object with `charge` and
    /// `refund`, see `gateway.rs`), over a store (default: a new in-memory store;
    /// `SqliteStore("market.db")` keeps everything in a file, `PostgresStore("postgresql://…")`
    /// in a database several hosts share).
    #[new]
    #[pyo3(signature = (policy = None, clock = None, payments = None, store = None))]
    fn new(
        policy: Option<appmarket::Policy>,
        clock: Option<PyRef<'_, ManualClock>>,
        payments: Option<crate::gateway::Payments>,
        store: Option<crate::postgres_store::AnyStore<'_>>,
    ) -> PyResult<Self> {
        let mut builder = appmarket::Marketplace::builder();
        if let Some(s) = store {
            builder = builder.store(s.as_store());
        }
        if let Some(p) = policy {
            builder = builder.policy(p);
        }
        if let Some(c) = clock {
            builder = builder.clock(c.inner.clone());
        }
        if let Some(p) = payments {
            builder = builder.payments(p.0);
        }
        Ok(Self { inner: std::sync::Arc::new(builder.build()?) })
    }

    /// The policy in force.
    #[getter]
    fn policy(&self) -> appmarket::Policy {
        self.inner.policy().clone()
    }

    /// The current instant of the marketplace's clock.
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.now()
    }

    /// Up to `limit` events after `cursor` (0 for the start).
    #[pyo3(signature = (cursor = 0, limit = 100))]
    fn events_since(&self, py: Python<'_>, cursor: u64, limit: usize) -> PyResult<Vec<Event>> {
        call(py, || self.inner.events_since(cursor, limit))
    }

    /// A ticker that runs `tick` whenever something is due: `with market.ticker(on_report=…):`,
    /// or `start()` and `stop()` it. `on_report(report)` gets each `TickReport`, `on_error(error)`
    /// each failure (tried again after a backoff).
    #[pyo3(signature = (on_report = None, on_error = None))]
    fn ticker(&self, on_report: Option<Py<PyAny>>, on_error: Option<Py<PyAny>>) -> crate::ticker::Ticker {
        crate::ticker::Ticker::new(self.inner.clone(), on_report, on_error)
    }

    /// Forgets request ids older than the policy's `request_retention_days` (a forgotten id is
    /// then a new request); only the system may. Returns how many were forgotten.
    #[pyo3(signature = (by = None))]
    fn forget_old_requests(&self, py: Python<'_>, by: Option<Actor>) -> PyResult<u64> {
        call(py, || self.inner.forget_old_requests(&by.unwrap_or(Actor::System)))
    }

    /// A product, listed or not.
    fn product(&self, py: Python<'_>, id: ProductId) -> PyResult<appmarket::Product> {
        call(py, || self.inner.product(&id))
    }

    /// Prices a purchase for the customer `by`: for a reseller's customer the quote is for
    /// reference only (ORD-4, PRC-3).
    #[pyo3(signature = (by, *, product, specification, mode, quantity = 1, periods = 1))]
    #[allow(clippy::too_many_arguments)]
    fn quote_purchase_for(
        &self,
        py: Python<'_>,
        by: Actor,
        product: ProductId,
        specification: String,
        mode: BillingMode,
        quantity: u32,
        periods: u32,
    ) -> PyResult<Quote> {
        call(py, || {
            self.inner.quote_purchase(&by, &PurchaseRequest { product, specification, mode, quantity, periods })
        })
    }

    /// The application information of a SaaS flow, without the password (APP-4); `None`
    /// before delivery.
    fn flow_application_info(&self, py: Python<'_>, by: Actor, flow: FlowId) -> PyResult<Option<ApplicationInfo>> {
        call(py, || self.inner.flow_application_info(&by, &flow))
    }

    /// Runs a command given as JSON (`{"do": "accept_terms", "order": "ORD-00000001"}`, the
    /// core's `Command`) and returns its result as JSON text.
    #[pyo3(signature = (by, command_json, *, request_id = None))]
    fn run_json(
        &self,
        py: Python<'_>,
        by: Actor,
        command_json: &str,
        request_id: Option<appmarket::RequestId>,
    ) -> PyResult<String> {
        let caller = appmarket::Caller { actor: by, request_id };
        call(py, || self.inner.run_json(caller, command_json))
    }

    fn __repr__(&self) -> String {
        format!("Marketplace(now={})", self.inner.now().to_rfc3339())
    }
}

/// For tests: PRC-5's remaining months between two dates, from the core (no rule here).
#[pyfunction]
pub fn _remaining_months(change: chrono::NaiveDate, expiry: chrono::NaiveDate) -> rust_decimal::Decimal {
    appmarket::pricing::remaining_months(change, expiry)
}
