//! Python bindings of `appmarket`, importable as `appmarket._appmarket` and re-exported by
//! `appmarket/__init__.py`. The value types, enumerations, exceptions and conversions are the
//! core's own (core feature `python`, `appmarket::python`); here are only what wraps a shared
//! handle: `Marketplace` (`commands.rs`: one method per `Command`; `marketplace.rs`: the
//! rest), the clock and simulated payments (`runtime`), host payment gateways (`gateway`), the
//! stores, and the core's telemetry as `logging` records (`telemetry`).
//!
//! The module is declared as a Rust module so that pyo3's introspection (feature
//! `experimental-inspect`) sees every class and function it exports: `maturin generate-stubs`
//! writes the type stub from it (`bindings-python/generate_stub.py`).

mod commands;
mod gateway;
mod marketplace;
mod postgres_store;
mod queries;
mod runtime;
mod sqlite_store;
mod telemetry;
mod ticker;

use pyo3::prelude::*;

#[pymodule]
mod _appmarket {
    use pyo3::prelude::*;

    #[pymodule_export]
    use appmarket::python::{
        AppMarketError, Conflict, Forbidden, GatewayError, InvalidInput, NotAllowed, NotFound, PaymentDeclined, Storage,
    };

    #[pymodule_export]
    use appmarket::python::{
        AppPage, FlowPage, OrderPage, ProductPage, PyActor, PyRenewalDay, PyResolution, PyTarget, UpcomingPage,
    };

    #[pymodule_export]
    use appmarket::payments::{ChargeRequest, Receipt, RefundRequest};

    #[pymodule_export]
    use appmarket::catalog::{
        Attribute, ImageResources, PricePlan, Product, ProductDraft, QuantityAttribute, ResourcePlan, SavedItem,
        SearchQuery, Specification, SupportRange,
    };

    #[pymodule_export]
    use appmarket::provisioning::ImageSetup;

    #[pymodule_export]
    use appmarket::{
        Appeal, ApplicationInfo, Attachment, AutoRenewal, Availability, CustomerAccount, Customization, Delivery,
        Event, ImageProvisioning, Invoice, InvoicedUsage, Money, Network, Order, Payment, PendingUnsubscription,
        Policy, PurchasedApp, Quote, QuoteLine, RefundPart, RefundQuote, RenewalRecord, SavedList, ScheduledDowngrade,
        SellerInfo, ServiceFlow, ServiceRequest, SettlementRun, StandingInvoice, SubmittedRequest, Term, TickReport,
        Upcoming, UpcomingItem, UsageCycle, UsageForecast, UsageStatement,
    };

    #[pymodule_export]
    use super::runtime::{ManualClock, SimulatedPayments};

    #[pymodule_export]
    use super::marketplace::{_remaining_months, Marketplace};

    #[pymodule_export]
    use super::postgres_store::PostgresStore;

    #[pymodule_export]
    use super::sqlite_store::SqliteStore;

    #[pymodule_export]
    use super::ticker::Ticker;

    #[pymodule_export]
    use super::telemetry::refresh_log_levels;

    /// The package version (the crate's).
    #[pymodule_export]
    #[allow(non_upper_case_globals)]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    /// What pyo3 cannot declare: the enumerations (`enum.IntEnum`s made at import) and the
    /// exceptions' attribute annotations.
    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        // The core's telemetry as `logging` records of the `appmarket.*` loggers.
        super::telemetry::install(m.py())?;
        appmarket::python::register(m)
    }
}
