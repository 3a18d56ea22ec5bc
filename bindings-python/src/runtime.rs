//! What a marketplace is built from: the policy, the clock, the simulated payment gateway.

use std::sync::Arc;

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use appmarket::CustomerId;

use crate::conversions::{PyUtc, json_to_py, py_to_json};
use crate::errors::Fallible;
use crate::values::{Money, Receipt};

/// Every number of the rules, with the RULES.md defaults. Build it from keyword arguments
/// (`Policy(max_page_size=50)`), a dict or JSON; read it back with `to_dict`, `to_json` or
/// `policy["field"]`. Decimal fields come back as strings (their serde form).
#[pyclass(frozen, eq, from_py_object, module = "appmarket")]
#[derive(Clone, PartialEq)]
pub struct Policy {
    /// The core policy.
    pub inner: appmarket::Policy,
}

#[pymethods]
impl Policy {
    #[new]
    #[pyo3(signature = (**fields))]
    fn new(fields: Option<&Bound<'_, PyDict>>) -> Fallible<Self> {
        match fields {
            None => Ok(Self { inner: appmarket::Policy::default() }),
            Some(d) => Self::from_value(py_to_json(d.as_any())?),
        }
    }

    /// A policy from a dict of fields (missing fields keep their defaults).
    #[classmethod]
    fn from_dict(_cls: &Bound<'_, PyType>, fields: &Bound<'_, PyDict>) -> Fallible<Self> {
        Self::from_value(py_to_json(fields.as_any())?)
    }

    /// A policy from JSON (missing fields keep their defaults).
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, text: &str) -> Fallible<Self> {
        Ok(Self { inner: appmarket::Policy::from_json(text)? })
    }

    /// Every field, as a dict.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        crate::conversions::to_py_data(py, &self.inner)
    }

    /// Every field, as pretty JSON.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// One field by name: `policy["max_page_size"]`.
    fn __getitem__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        let json = serde_json::to_value(&self.inner).unwrap_or_default();
        match json.get(name) {
            Some(v) => json_to_py(py, v),
            None => Err(PyKeyError::new_err(format!("Policy has no field {name:?}"))),
        }
    }

    fn __repr__(&self) -> String {
        let json = serde_json::to_string(&self.inner).unwrap_or_default();
        format!("Policy.from_json({json:?})")
    }
}

impl Policy {
    fn from_value(value: serde_json::Value) -> Fallible<Self> {
        Ok(Self { inner: appmarket::Policy::from_json(&value.to_string())? })
    }
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
    fn new(start: PyUtc) -> Self {
        Self { inner: appmarket::ManualClock::new(start.0) }
    }

    /// The current instant.
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.instant()
    }

    /// Moves the clock to `to`; refuses going backwards.
    fn set(&self, to: PyUtc) -> Fallible<()> {
        Ok(self.inner.set(to.0)?)
    }

    /// Moves the clock on by `by` (a `datetime.timedelta`); refuses a negative step.
    fn advance(&self, by: chrono::Duration) -> Fallible<()> {
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
    fn set_balance(&self, customer: &str, balance: Money) -> Fallible<()> {
        self.inner.set_balance(&CustomerId::parse(customer)?, balance.inner);
        Ok(())
    }

    /// A customer's balance, if one was set.
    fn balance(&self, customer: &str) -> Fallible<Option<Money>> {
        Ok(self.inner.balance(&CustomerId::parse(customer)?).map(Money::from))
    }

    /// Declines the customer's next charge with `reason`.
    fn decline_next(&self, customer: &str, reason: &str) -> Fallible<()> {
        self.inner.decline_next(&CustomerId::parse(customer)?, reason);
        Ok(())
    }

    /// Every successful charge, oldest first.
    fn charges(&self) -> Vec<Receipt> {
        self.inner.charges().into_iter().map(Receipt::from).collect()
    }

    /// Every refund, oldest first.
    fn refunds(&self) -> Vec<Receipt> {
        self.inner.refunds().into_iter().map(Receipt::from).collect()
    }
}

/// Adds the classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Policy>()?;
    m.add_class::<ManualClock>()?;
    m.add_class::<SimulatedPayments>()?;
    Ok(())
}
