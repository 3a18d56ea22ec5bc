//! What a marketplace is built from besides its policy (a core class): the clock and the
//! simulated payment gateway; and [`call`], the one way a method calls the core.

use std::sync::Arc;

use pyo3::prelude::*;

use appmarket::payments::Receipt;
use appmarket::python::Instant;
use appmarket::{CustomerId, Error, Money};

/// Runs a core call with the GIL released (a slow store or host gateway blocks only this
/// call), then raises a `KeyboardInterrupt` or `SystemExit` a host gateway raised meanwhile
/// (see `gateway.rs`), else the core error as its `AppMarketError` subclass.
pub fn call<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T, Error> + Send) -> PyResult<T> {
    let result = py.detach(f);
    crate::gateway::reraise_interrupt()?;
    Ok(result?)
}

/// A clock that moves only when told to, never backwards: for tests and simulations.
#[pyclass(frozen, module = "appmarket")]
pub struct ManualClock {
    /// The core clock (shared: clones see the same instant).
    pub inner: appmarket::ManualClock,
}

#[pymethods]
impl ManualClock {
    #[new]
    fn new(start: Instant) -> Self {
        Self { inner: appmarket::ManualClock::new(start.0) }
    }

    /// The current instant.
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.instant()
    }

    /// Moves the clock to `to`; refuses going backwards.
    fn set(&self, to: Instant) -> PyResult<()> {
        Ok(self.inner.set(to.0)?)
    }

    /// Moves the clock on by `by` (a `datetime.timedelta`); refuses a negative step.
    fn advance(&self, by: chrono::Duration) -> PyResult<()> {
        Ok(self.inner.advance(by)?)
    }

    fn __repr__(&self) -> String {
        format!("ManualClock({})", self.inner.instant().to_rfc3339())
    }
}

/// The simulated payment gateway: balances, scripted declines, charges and refunds. Share it
/// with a marketplace (`Marketplace(payments=p)`) to script and inspect payments.
#[pyclass(frozen, module = "appmarket")]
pub struct SimulatedPayments {
    /// The shared core gateway.
    pub inner: Arc<appmarket::SimulatedPayments>,
}

#[pymethods]
impl SimulatedPayments {
    #[new]
    fn new() -> Self {
        Self { inner: Arc::new(appmarket::SimulatedPayments::new()) }
    }

    /// Sets a customer's balance.
    fn set_balance(&self, customer: CustomerId, balance: Money) {
        self.inner.set_balance(&customer, balance);
    }

    /// A customer's balance, if one was set.
    fn balance(&self, customer: CustomerId) -> Option<Money> {
        self.inner.balance(&customer)
    }

    /// Declines the customer's next charge with `reason`.
    fn decline_next(&self, customer: CustomerId, reason: &str) {
        self.inner.decline_next(&customer, reason);
    }

    /// Every successful charge, oldest first.
    fn charges(&self) -> Vec<Receipt> {
        self.inner.charges()
    }

    /// Every refund, oldest first.
    fn refunds(&self) -> Vec<Receipt> {
        self.inner.refunds()
    }
}
