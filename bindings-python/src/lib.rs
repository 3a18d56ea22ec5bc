//! Python bindings of `appmarket`, importable as `appmarket._appmarket` and re-exported by
//! `appmarket/__init__.py`. The value types, enumerations, exceptions and conversions are the
//! core's own (core feature `python`, `appmarket::python`); here are only what wraps a shared
//! handle: `Marketplace` (`commands.rs`: one method per `Command`; `marketplace.rs`: the
//! rest), the clock and simulated payments (`runtime`), host payment gateways (`gateway`) and
//! the stores.

mod commands;
mod gateway;
mod marketplace;
mod postgres_store;
mod queries;
mod runtime;
mod sqlite_store;

use pyo3::prelude::*;

#[pymodule]
fn _appmarket(m: &Bound<'_, PyModule>) -> PyResult<()> {
    appmarket::python::register(m)?;
    m.add_class::<runtime::ManualClock>()?;
    m.add_class::<runtime::SimulatedPayments>()?;
    m.add_class::<marketplace::Marketplace>()?;
    m.add_class::<sqlite_store::SqliteStore>()?;
    m.add_class::<postgres_store::PostgresStore>()?;
    m.add_function(wrap_pyfunction!(marketplace::_remaining_months, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
