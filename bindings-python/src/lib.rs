//! Python bindings of `appmarket`, importable as `appmarket._appmarket` and re-exported by
//! `appmarket/__init__.py`. Conversions only: every rule lives in the core.
//!
//! One file per area: `values` (money, actors, quotes, events), `catalog`, `orders`, `apps`,
//! `flows` (supervision, appeals), `billing` (renewal dates, refunds, invoices), `runtime`
//! (policy, clock, payments), `gateway` (host payment gateways), `marketplace` (the facade's methods), `errors`, `enums`, and
//! `conversions` (strict Decimal / datetime / JSON conversions).

#[macro_use]
mod macros;

mod apps;
mod billing;
mod catalog;
mod conversions;
mod enums;
mod errors;
mod flows;
mod gateway;
mod marketplace;
mod orders;
mod postgres_store;
mod runtime;
mod sqlite_store;
mod values;

use pyo3::prelude::*;

#[pymodule]
fn _appmarket(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    enums::register(m)?;
    values::register(m)?;
    catalog::register(m)?;
    orders::register(m)?;
    apps::register(m)?;
    flows::register(m)?;
    billing::register(m)?;
    runtime::register(m)?;
    gateway::register(m)?;
    marketplace::register(m)?;
    sqlite_store::register(m)?;
    postgres_store::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
