//! The reads of the Python `Marketplace`, written by hand where Python takes keyword arguments
//! the core groups in one value (a filter, a purchase request): the core's own types as
//! arguments, one facade call through [`call`] (the GIL released, a host interrupt re-raised,
//! the core error raised as its class). The commands that change something are generated
//! (`commands.rs`).

use pyo3::prelude::*;

use appmarket::python::Instant;
use appmarket::{
    Actor, AppFilter, AppId, AppStatus, Appeal, AppealId, Availability, BillingMode, CustomerAccount, CustomerId,
    DeliveryMethod, Event, FlowFilter, FlowId, FlowKind, FlowStatus, ImageProvisioning, Invoice, InvoiceId, Order,
    OrderFilter, OrderId, OrderStatus, Page, Product, ProductId, PurchaseRequest, PurchasedApp, Quote, RefundQuote,
    RenewalDay, SavedList, SearchQuery, ServiceFlow, Target, TickReport, Upcoming, UsageStatement,
};

use crate::marketplace::Marketplace;
use crate::runtime::call;

#[pymethods]
impl Marketplace {
    /// Registers or updates a customer account (a host-level setting: no actor).
    fn register_customer(&self, py: Python<'_>, account: CustomerAccount) -> PyResult<CustomerAccount> {
        call(py, || self.inner.register_customer(account))
    }

    /// Searches listed products (CAT-3); no query means the first page of everything.
    #[pyo3(signature = (query = None))]
    fn search(&self, py: Python<'_>, query: Option<SearchQuery>) -> PyResult<Page<Product>> {
        call(py, || self.inner.search(&query.unwrap_or_default()))
    }

    /// The customer's saved list.
    fn saved_list(&self, py: Python<'_>, by: Actor) -> PyResult<SavedList> {
        call(py, || self.inner.saved_list(&by))
    }

    /// Prices a purchase without placing it (ORD-1, PRC-3).
    #[pyo3(signature = (*, product, specification, mode, quantity = 1, periods = 1))]
    fn quote_purchase(
        &self,
        py: Python<'_>,
        product: ProductId,
        specification: String,
        mode: BillingMode,
        quantity: u32,
        periods: u32,
    ) -> PyResult<Quote> {
        call(py, || {
            self.inner
                .quote_purchase(&Actor::System, &PurchaseRequest { product, specification, mode, quantity, periods })
        })
    }

    /// An order `by` may see.
    fn order(&self, py: Python<'_>, by: Actor, id: OrderId) -> PyResult<Order> {
        call(py, || self.inner.order(&by, &id))
    }

    /// The customer's orders, newest first, filtered and paged.
    #[pyo3(signature = (by, *, status = None, product = None, page = 1, page_size = None))]
    fn orders(
        &self,
        py: Python<'_>,
        by: Actor,
        status: Option<OrderStatus>,
        product: Option<ProductId>,
        page: u32,
        page_size: Option<u32>,
    ) -> PyResult<Page<Order>> {
        call(py, || self.inner.orders(&by, &OrderFilter { status, product }, page, page_size))
    }

    /// Prices an image order for `by`: image fee plus cloud resource fees (PRC-3, IMG-1); for a
    /// reseller's customer the quote is for reference only (ORD-4).
    fn quote_image(
        &self,
        py: Python<'_>,
        by: Actor,
        product: ProductId,
        request: ImageProvisioning,
    ) -> PyResult<Quote> {
        call(py, || self.inner.quote_image(&by, &product, &request))
    }

    /// A purchased app `by` may see.
    fn app(&self, py: Python<'_>, by: Actor, id: AppId) -> PyResult<PurchasedApp> {
        call(py, || self.inner.app(&by, &id))
    }

    /// The customer's purchased apps, newest first, filtered and paged (APP-4).
    #[pyo3(signature = (by, *, status = None, delivery = None, mode = None, name = None, page = 1, page_size = None))]
    #[allow(clippy::too_many_arguments)]
    fn apps(
        &self,
        py: Python<'_>,
        by: Actor,
        status: Option<AppStatus>,
        delivery: Option<DeliveryMethod>,
        mode: Option<BillingMode>,
        name: Option<String>,
        page: u32,
        page_size: Option<u32>,
    ) -> PyResult<Page<PurchasedApp>> {
        call(py, || self.inner.apps(&by, &AppFilter { status, delivery, mode, name }, page, page_size))
    }

    /// The itemised cost of upgrading an app (PRC-4..6); changes nothing.
    #[pyo3(signature = (by, app, *, specification, quantity))]
    fn quote_upgrade(
        &self,
        py: Python<'_>,
        by: Actor,
        app: AppId,
        specification: String,
        quantity: u32,
    ) -> PyResult<Quote> {
        call(py, || self.inner.quote_upgrade(&by, &app, &specification, quantity))
    }

    /// A service flow `by` may see (its customer, its seller, an operator).
    fn flow(&self, py: Python<'_>, by: Actor, id: FlowId) -> PyResult<ServiceFlow> {
        call(py, || self.inner.flow(&by, &id))
    }

    /// The service flow of an order `by` may see (SUP-1).
    fn flow_of_order(&self, py: Python<'_>, by: Actor, order: OrderId) -> PyResult<ServiceFlow> {
        call(py, || self.inner.flow_of_order(&by, &order))
    }

    /// The flows of the calling customer or seller, newest first, filtered and paged.
    #[pyo3(signature = (by, *, status = None, kind = None, order = None, page = 1, page_size = None))]
    #[allow(clippy::too_many_arguments)]
    fn flows(
        &self,
        py: Python<'_>,
        by: Actor,
        status: Option<FlowStatus>,
        kind: Option<FlowKind>,
        order: Option<OrderId>,
        page: u32,
        page_size: Option<u32>,
    ) -> PyResult<Page<ServiceFlow>> {
        call(py, || self.inner.flows(&by, &FlowFilter { status, kind, order }, page, page_size))
    }

    /// An appeal `by` may see (the flow's customer and seller, an operator).
    fn appeal(&self, py: Python<'_>, by: Actor, id: AppealId) -> PyResult<Appeal> {
        call(py, || self.inner.appeal(&by, &id))
    }

    /// Appeals open longer than the resolution target, oldest first; operators only (APL-4).
    fn overdue_appeals(&self, py: Python<'_>, by: Actor) -> PyResult<Vec<Appeal>> {
        call(py, || self.inner.overdue_appeals(&by))
    }

    /// The itemised price of renewing for `periods` periods, with an optional renewal date
    /// (REN-1, REN-4). Changes nothing.
    #[pyo3(signature = (by, app, periods, renewal_day = None))]
    fn quote_renewal(
        &self,
        py: Python<'_>,
        by: Actor,
        app: AppId,
        periods: u32,
        renewal_day: Option<RenewalDay>,
    ) -> PyResult<Quote> {
        call(py, || self.inner.quote_renewal(&by, &app, periods, renewal_day))
    }

    /// The usage statement of a pay-per-use app, for its customer, its seller or an operator
    /// (PRC-7).
    fn usage_statement(&self, py: Python<'_>, by: Actor, app: AppId) -> PyResult<UsageStatement> {
        call(py, || self.inner.usage_statement(&by, &app))
    }

    /// What `tick` and the clock will do up to `until` (an aware `datetime`), committing
    /// nothing (UPC-1..3): a customer's own preview, or, for an operator, one `customer`'s or
    /// every customer's, a page of customers at a time.
    #[pyo3(signature = (by, until, *, customer = None, page = 1, page_size = None))]
    fn upcoming(
        &self,
        py: Python<'_>,
        by: Actor,
        until: Instant,
        customer: Option<CustomerId>,
        page: u32,
        page_size: Option<u32>,
    ) -> PyResult<Page<Upcoming>> {
        call(py, || self.inner.upcoming(&by, until.0, customer, page, page_size))
    }

    /// The itemised refund an unsubscription of the app would give now (UNS-3..5). Changes nothing.
    fn quote_unsubscribe(&self, py: Python<'_>, by: Actor, app: AppId) -> PyResult<RefundQuote> {
        call(py, || self.inner.quote_unsubscribe(&by, &app))
    }

    /// An invoice `by` may see.
    fn invoice(&self, py: Python<'_>, by: Actor, id: InvoiceId) -> PyResult<Invoice> {
        call(py, || self.inner.invoice(&by, &id))
    }

    /// Runs the scheduled work due now; only the system may (ACC-1). A long tick does not stop
    /// the other Python threads.
    #[pyo3(signature = (by = None))]
    fn tick(&self, py: Python<'_>, by: Option<Actor>) -> PyResult<TickReport> {
        call(py, || self.inner.tick(&by.unwrap_or(Actor::System)))
    }

    /// What `by` may do with `target` now, each with the rule that refuses it.
    fn available_actions(&self, py: Python<'_>, by: Actor, target: Target) -> PyResult<Vec<Availability>> {
        call(py, || self.inner.available_actions(&by, &target))
    }

    /// The operation records of something `by` may see, oldest first: up to `limit` events
    /// (none: the policy's `max_records_page`) after the event whose `seq` is `after`.
    #[pyo3(signature = (by, target, after = 0, limit = None))]
    fn records(
        &self,
        py: Python<'_>,
        by: Actor,
        target: Target,
        after: u64,
        limit: Option<u32>,
    ) -> PyResult<Vec<Event>> {
        call(py, || self.inner.records(&by, &target, after, limit))
    }
}
