//! The `Marketplace` class: one method per facade method, each converting its arguments,
//! calling the core, and converting the result. Grouped by area like `core/src/marketplace/`.
//!
//! To add a facade method: add a method here in its area's section (mutating methods take
//! `by: &Actor` first and end with `*, request_id = None`, turned into a `Caller` by `caller`),
//! add any new value class to the area's file with `value_class!` (and `register` it), then
//! add both to `python/appmarket/_appmarket.pyi` and `__init__.py`, and a test.

use pyo3::prelude::*;

use appmarket::{
    AppFilter, AppId, AppealId, Caller, FlowFilter, FlowId, InvoiceId, OrderFilter, OrderId, ProductId,
    PurchaseRequest, Secret,
};

use crate::apps::{AppPage, ApplicationInfo, PurchasedApp};
use crate::billing::{Invoice, RefundQuote, RenewalDay, UsageStatement};
use crate::catalog::Product;
use crate::catalog::{ProductDraft, ProductPage, SavedList, SearchQuery};
use crate::conversions::PyUtc;
use crate::enums::{AppStatus, BillingMode, DeliveryMethod, FlowKind, FlowStatus, OrderStatus, PaymentMethod};
use crate::errors::Fallible;
use crate::flows::{Appeal, Delivery, FlowPage, Resolution, ServiceFlow, ServiceRequest, SubmittedRequest};
use crate::orders::{ImageProvisioning, Order, OrderPage};
use crate::runtime::{ManualClock, Policy};
use crate::values::{Actor, Availability, CustomerAccount, Event, Money, Quote, Target, TickReport};

/// The actor of a mutating call, with its optional request id (idempotency).
fn caller(by: &Actor, request_id: Option<&str>) -> Fallible<Caller> {
    Ok(match request_id {
        Some(id) => by.inner.with_request_id(id)?,
        None => Caller::from(&by.inner),
    })
}

fn purchase(
    product: &str,
    specification: String,
    mode: BillingMode,
    quantity: u32,
    periods: u32,
) -> Fallible<PurchaseRequest> {
    Ok(PurchaseRequest { product: ProductId::parse(product)?, specification, mode: mode.into(), quantity, periods })
}

/// The marketplace: every command and query of the library. Share one across threads.
#[pyclass(frozen, module = "appmarket")]
pub struct Marketplace {
    inner: appmarket::Marketplace,
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
        policy: Option<Policy>,
        clock: Option<PyRef<'_, ManualClock>>,
        payments: Option<&Bound<'_, PyAny>>,
        store: Option<crate::postgres_store::AnyStore<'_>>,
    ) -> Fallible<Self> {
        let mut builder = appmarket::Marketplace::builder();
        if let Some(s) = store {
            builder = builder.store(s.as_store());
        }
        if let Some(p) = policy {
            builder = builder.policy(p.inner);
        }
        if let Some(c) = clock {
            builder = builder.clock(c.inner.clone());
        }
        if let Some(p) = payments {
            builder = builder.payments(crate::gateway::gateway_of(p)?);
        }
        Ok(Self { inner: builder.build()? })
    }

    // ------------------------------------------------------------------ general

    /// The policy in force.
    #[getter]
    fn policy(&self) -> Policy {
        Policy { inner: self.inner.policy().clone() }
    }

    /// The current instant of the marketplace's clock.
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.now()
    }

    /// Registers or updates a customer account (a host-level setting: no actor).
    fn register_customer(&self, account: CustomerAccount) -> Fallible<CustomerAccount> {
        Ok(self.inner.register_customer(account.inner)?.into())
    }

    /// Runs the scheduled work due now; only the system may (ACC-1). Runs with the GIL
    /// released: a long tick does not stop the other Python threads.
    #[pyo3(signature = (by = None))]
    fn tick(&self, py: Python<'_>, by: Option<Actor>) -> Fallible<TickReport> {
        let by = by.map_or(appmarket::Actor::System, |a| a.inner);
        let report = py.detach(|| self.inner.tick(&by))?;
        crate::gateway::reraise_interrupt()?;
        Ok(report.into())
    }

    /// What `by` may do with `target` now, each with the rule that refuses it.
    fn available_actions(&self, by: &Actor, target: &Target) -> Fallible<Vec<Availability>> {
        Ok(self.inner.available_actions(&by.inner, &target.inner)?.into_iter().map(Availability::from).collect())
    }

    /// The operation records of something `by` may see, oldest first: up to `limit` events
    /// (none: the policy's `max_records_page`) after the event whose `seq` is `after`.
    #[pyo3(signature = (by, target, after = 0, limit = None))]
    fn records(&self, by: &Actor, target: &Target, after: u64, limit: Option<u32>) -> Fallible<Vec<Event>> {
        Ok(self.inner.records(&by.inner, &target.inner, after, limit)?.into_iter().map(Event::from).collect())
    }

    /// Up to `limit` events after `cursor` (0 for the start).
    #[pyo3(signature = (cursor = 0, limit = 100))]
    fn events_since(&self, cursor: u64, limit: usize) -> Fallible<Vec<Event>> {
        Ok(self.inner.events_since(cursor, limit)?.into_iter().map(Event::from).collect())
    }

    // ------------------------------------------------------------------ catalog (CAT)

    /// A seller lists a product (CAT-1, CAT-2).
    #[pyo3(signature = (by, draft, *, request_id = None))]
    fn list_product(&self, by: &Actor, draft: ProductDraft, request_id: Option<&str>) -> Fallible<Product> {
        Ok(self.inner.list_product(caller(by, request_id)?, draft.inner)?.into())
    }

    /// The seller delists a product (CAT-3).
    #[pyo3(signature = (by, product, *, request_id = None))]
    fn delist_product(&self, by: &Actor, product: &str, request_id: Option<&str>) -> Fallible<Product> {
        Ok(self.inner.delist_product(caller(by, request_id)?, &ProductId::parse(product)?)?.into())
    }

    /// The seller lists a delisted product again.
    #[pyo3(signature = (by, product, *, request_id = None))]
    fn relist_product(&self, by: &Actor, product: &str, request_id: Option<&str>) -> Fallible<Product> {
        Ok(self.inner.relist_product(caller(by, request_id)?, &ProductId::parse(product)?)?.into())
    }

    /// A product, listed or not.
    fn product(&self, id: &str) -> Fallible<Product> {
        Ok(self.inner.product(&ProductId::parse(id)?)?.into())
    }

    /// Searches listed products (CAT-3); no query means the first page of everything.
    #[pyo3(signature = (query = None))]
    fn search(&self, query: Option<PyRef<'_, SearchQuery>>) -> Fallible<ProductPage> {
        let page = match query {
            Some(q) => self.inner.search(&q.inner)?,
            None => self.inner.search(&appmarket::SearchQuery::default())?,
        };
        Ok(page.into())
    }

    /// Saves a product (with an optional specification) to the customer's list (CAT-4).
    #[pyo3(signature = (by, product, specification = None, *, request_id = None))]
    fn save_to_list(
        &self,
        by: &Actor,
        product: &str,
        specification: Option<&str>,
        request_id: Option<&str>,
    ) -> Fallible<SavedList> {
        Ok(self.inner.save_to_list(caller(by, request_id)?, &ProductId::parse(product)?, specification)?.into())
    }

    /// Removes a product from the customer's list.
    #[pyo3(signature = (by, product, *, request_id = None))]
    fn remove_from_list(&self, by: &Actor, product: &str, request_id: Option<&str>) -> Fallible<SavedList> {
        Ok(self.inner.remove_from_list(caller(by, request_id)?, &ProductId::parse(product)?)?.into())
    }

    /// The customer's saved list.
    fn saved_list(&self, by: &Actor) -> Fallible<SavedList> {
        Ok(self.inner.saved_list(&by.inner)?.into())
    }

    /// Buys from the saved list (CAT-4); an empty specification uses the saved one.
    #[pyo3(signature = (by, *, product, mode, quantity = 1, periods = 1, specification = String::new(), request_id = None))]
    #[allow(clippy::too_many_arguments)]
    fn buy_from_list(
        &self,
        by: &Actor,
        product: &str,
        mode: BillingMode,
        quantity: u32,
        periods: u32,
        specification: String,
        request_id: Option<&str>,
    ) -> Fallible<Order> {
        let request = purchase(product, specification, mode, quantity, periods)?;
        Ok(self.inner.buy_from_list(caller(by, request_id)?, request)?.into())
    }

    // ------------------------------------------------------------------ orders (ORD)

    /// Prices a purchase without placing it (ORD-1, PRC-3).
    #[pyo3(signature = (*, product, specification, mode, quantity = 1, periods = 1))]
    fn quote_purchase(
        &self,
        product: &str,
        specification: String,
        mode: BillingMode,
        quantity: u32,
        periods: u32,
    ) -> Fallible<Quote> {
        Ok(self
            .inner
            .quote_purchase(&appmarket::Actor::System, &purchase(product, specification, mode, quantity, periods)?)?
            .into())
    }

    /// Prices a purchase for the customer `by`: for a reseller's customer the quote is for
    /// reference only (ORD-4, PRC-3).
    #[pyo3(signature = (by, *, product, specification, mode, quantity = 1, periods = 1))]
    fn quote_purchase_for(
        &self,
        by: &Actor,
        product: &str,
        specification: String,
        mode: BillingMode,
        quantity: u32,
        periods: u32,
    ) -> Fallible<Quote> {
        let request = purchase(product, specification, mode, quantity, periods)?;
        Ok(self.inner.quote_purchase(&by.inner, &request)?.into())
    }

    /// Places an order, pending payment, with its quote fixed (ORD-1).
    #[pyo3(signature = (by, *, product, specification, mode, quantity = 1, periods = 1, request_id = None))]
    #[allow(clippy::too_many_arguments)]
    fn place_order(
        &self,
        by: &Actor,
        product: &str,
        specification: String,
        mode: BillingMode,
        quantity: u32,
        periods: u32,
        request_id: Option<&str>,
    ) -> Fallible<Order> {
        let request = purchase(product, specification, mode, quantity, periods)?;
        Ok(self.inner.place_order(caller(by, request_id)?, request)?.into())
    }

    /// The customer accepts the terms (ORD-2).
    #[pyo3(signature = (by, order, *, request_id = None))]
    fn accept_terms(&self, by: &Actor, order: &str, request_id: Option<&str>) -> Fallible<Order> {
        Ok(self.inner.accept_terms(caller(by, request_id)?, &OrderId::parse(order)?)?.into())
    }

    /// Pays an order whose terms were accepted (ORD-2, ORD-3); `method=None` for a reseller's
    /// customer (ORD-4). Runs with the GIL released: a slow host gateway blocks only this call.
    #[pyo3(signature = (by, order, method = None, *, request_id = None))]
    fn pay(
        &self,
        py: Python<'_>,
        by: &Actor,
        order: &str,
        method: Option<PaymentMethod>,
        request_id: Option<&str>,
    ) -> Fallible<Order> {
        let (caller, order) = (caller(by, request_id)?, OrderId::parse(order)?);
        Ok(py.detach(|| self.inner.pay(caller, &order, method.map(Into::into)))?.into())
    }

    /// The customer cancels an unpaid order.
    #[pyo3(signature = (by, order, *, request_id = None))]
    fn cancel_order(&self, by: &Actor, order: &str, request_id: Option<&str>) -> Fallible<Order> {
        Ok(self.inner.cancel_order(caller(by, request_id)?, &OrderId::parse(order)?)?.into())
    }

    /// An order `by` may see.
    fn order(&self, by: &Actor, id: &str) -> Fallible<Order> {
        Ok(self.inner.order(&by.inner, &OrderId::parse(id)?)?.into())
    }

    /// The customer's orders, newest first, filtered and paged.
    #[pyo3(signature = (by, *, status = None, product = None, page = 1, page_size = 20))]
    fn orders(
        &self,
        by: &Actor,
        status: Option<OrderStatus>,
        product: Option<&str>,
        page: u32,
        page_size: u32,
    ) -> Fallible<OrderPage> {
        let filter =
            OrderFilter { status: status.map(Into::into), product: product.map(ProductId::parse).transpose()? };
        Ok(self.inner.orders(&by.inner, &filter, page, page_size)?.into())
    }

    // ------------------------------------------------------------------ images (IMG)

    /// Prices an image order: image fee plus cloud resource fees (PRC-3, IMG-1).
    fn quote_image(&self, product: &str, request: PyRef<'_, ImageProvisioning>) -> Fallible<Quote> {
        Ok(self.inner.quote_image(&ProductId::parse(product)?, &request.inner)?.into())
    }

    /// Orders an image by quick or customized provisioning (IMG-1, IMG-2); the order waits for
    /// payment with its terms accepted.
    #[pyo3(signature = (by, product, request, *, request_id = None))]
    fn provision_image(
        &self,
        by: &Actor,
        product: &str,
        request: ImageProvisioning,
        request_id: Option<&str>,
    ) -> Fallible<Order> {
        Ok(self.inner.provision_image(caller(by, request_id)?, &ProductId::parse(product)?, request.inner)?.into())
    }

    // ------------------------------------------------------------------ apps (APP, PRC-4)

    /// A purchased app `by` may see.
    fn app(&self, by: &Actor, id: &str) -> Fallible<PurchasedApp> {
        Ok(self.inner.app(&by.inner, &AppId::parse(id)?)?.into())
    }

    /// The customer's purchased apps, newest first, filtered and paged (APP-4).
    #[pyo3(signature = (by, *, status = None, delivery = None, mode = None, name = None, page = 1, page_size = 20))]
    #[allow(clippy::too_many_arguments)]
    fn apps(
        &self,
        by: &Actor,
        status: Option<AppStatus>,
        delivery: Option<DeliveryMethod>,
        mode: Option<BillingMode>,
        name: Option<String>,
        page: u32,
        page_size: u32,
    ) -> Fallible<AppPage> {
        let filter = AppFilter {
            status: status.map(Into::into),
            delivery: delivery.map(Into::into),
            mode: mode.map(Into::into),
            name,
        };
        Ok(self.inner.apps(&by.inner, &filter, page, page_size)?.into())
    }

    /// The seller provides an app's application information and optional password (APP-1, APP-5).
    #[pyo3(signature = (by, app, info, password = None, *, request_id = None))]
    fn provide_application_info(
        &self,
        by: &Actor,
        app: &str,
        info: ApplicationInfo,
        password: Option<String>,
        request_id: Option<&str>,
    ) -> Fallible<PurchasedApp> {
        let app = AppId::parse(app)?;
        Ok(self
            .inner
            .provide_application_info(caller(by, request_id)?, &app, info.inner, password.map(Secret::new))?
            .into())
    }

    /// Reveals an app's password to its owner, and records it (APP-5).
    #[pyo3(signature = (by, app, *, request_id = None))]
    fn reveal_password(&self, by: &Actor, app: &str, request_id: Option<&str>) -> Fallible<String> {
        Ok(self.inner.reveal_password(caller(by, request_id)?, &AppId::parse(app)?)?.expose().to_owned())
    }

    /// The itemised cost of upgrading an app (PRC-4..6); changes nothing.
    #[pyo3(signature = (by, app, *, specification, quantity))]
    fn quote_upgrade(&self, by: &Actor, app: &str, specification: &str, quantity: u32) -> Fallible<Quote> {
        Ok(self.inner.quote_upgrade(&by.inner, &AppId::parse(app)?, specification, quantity)?.into())
    }

    /// Places an upgrade order at its quoted cost (PRC-4).
    #[pyo3(signature = (by, app, *, specification, quantity, request_id = None))]
    fn order_upgrade(
        &self,
        by: &Actor,
        app: &str,
        specification: &str,
        quantity: u32,
        request_id: Option<&str>,
    ) -> Fallible<Order> {
        Ok(self.inner.order_upgrade(caller(by, request_id)?, &AppId::parse(app)?, specification, quantity)?.into())
    }

    // ------------------------------------------------------------------ service supervision (SUP)

    /// The customer submits a request (SUP-3); text that looks like a password, an account or
    /// personal data earns warnings, never a refusal (SUP-6).
    #[pyo3(signature = (by, flow, request, *, request_id = None))]
    fn submit_request(
        &self,
        by: &Actor,
        flow: &str,
        request: ServiceRequest,
        request_id: Option<&str>,
    ) -> Fallible<SubmittedRequest> {
        Ok(self.inner.submit_request(caller(by, request_id)?, &FlowId::parse(flow)?, request.inner)?.into())
    }

    /// The seller accepts the customer's request (SUP-3).
    #[pyo3(signature = (by, flow, *, request_id = None))]
    fn accept_request(&self, by: &Actor, flow: &str, request_id: Option<&str>) -> Fallible<ServiceFlow> {
        Ok(self.inner.accept_request(caller(by, request_id)?, &FlowId::parse(flow)?)?.into())
    }

    /// The seller rejects the request with a reason; it returns to the customer (SUP-3).
    #[pyo3(signature = (by, flow, reason, *, request_id = None))]
    fn reject_request(&self, by: &Actor, flow: &str, reason: &str, request_id: Option<&str>) -> Fallible<ServiceFlow> {
        Ok(self.inner.reject_request(caller(by, request_id)?, &FlowId::parse(flow)?, reason)?.into())
    }

    /// The seller delivers (SUP-2, SUP-3); a SaaS delivery carries the application information
    /// and an optional password, kept apart (APP-4, APP-5).
    #[pyo3(signature = (by, flow, delivery = None, password = None, *, request_id = None))]
    fn deliver(
        &self,
        by: &Actor,
        flow: &str,
        delivery: Option<Delivery>,
        password: Option<String>,
        request_id: Option<&str>,
    ) -> Fallible<ServiceFlow> {
        let delivery = delivery.map(|d| d.inner).unwrap_or_default();
        let flow = FlowId::parse(flow)?;
        Ok(self.inner.deliver(caller(by, request_id)?, &flow, delivery, password.map(Secret::new))?.into())
    }

    /// The customer accepts the delivery: the flow completes, the order completes after the
    /// delay, and the app's term starts (SUP-4, APP-3).
    #[pyo3(signature = (by, flow, *, request_id = None))]
    fn confirm_acceptance(&self, by: &Actor, flow: &str, request_id: Option<&str>) -> Fallible<ServiceFlow> {
        Ok(self.inner.confirm_acceptance(caller(by, request_id)?, &FlowId::parse(flow)?)?.into())
    }

    /// The customer rejects the delivery with a reason; it returns to the seller (SUP-3).
    #[pyo3(signature = (by, flow, reason, *, request_id = None))]
    fn reject_delivery(&self, by: &Actor, flow: &str, reason: &str, request_id: Option<&str>) -> Fallible<ServiceFlow> {
        Ok(self.inner.reject_delivery(caller(by, request_id)?, &FlowId::parse(flow)?, reason)?.into())
    }

    /// The customer reminds the seller, at most once per the policy's interval (SUP-5).
    #[pyo3(signature = (by, flow, *, request_id = None))]
    fn remind_seller(&self, by: &Actor, flow: &str, request_id: Option<&str>) -> Fallible<ServiceFlow> {
        Ok(self.inner.remind_seller(caller(by, request_id)?, &FlowId::parse(flow)?)?.into())
    }

    /// A service flow `by` may see (its customer, its seller, an operator).
    fn flow(&self, by: &Actor, id: &str) -> Fallible<ServiceFlow> {
        Ok(self.inner.flow(&by.inner, &FlowId::parse(id)?)?.into())
    }

    /// The service flow of an order `by` may see (SUP-1).
    fn flow_of_order(&self, by: &Actor, order: &str) -> Fallible<ServiceFlow> {
        Ok(self.inner.flow_of_order(&by.inner, &OrderId::parse(order)?)?.into())
    }

    /// The flows of the calling customer or seller, newest first, filtered and paged.
    #[pyo3(signature = (by, *, status = None, kind = None, order = None, page = 1, page_size = 20))]
    fn flows(
        &self,
        by: &Actor,
        status: Option<FlowStatus>,
        kind: Option<FlowKind>,
        order: Option<&str>,
        page: u32,
        page_size: u32,
    ) -> Fallible<FlowPage> {
        let filter = FlowFilter {
            status: status.map(Into::into),
            kind: kind.map(Into::into),
            order: order.map(OrderId::parse).transpose()?,
        };
        Ok(self.inner.flows(&by.inner, &filter, page, page_size)?.into())
    }

    /// The application information of a SaaS flow, without the password (APP-4); `None`
    /// before delivery.
    fn flow_application_info(&self, by: &Actor, flow: &str) -> Fallible<Option<ApplicationInfo>> {
        Ok(self.inner.flow_application_info(&by.inner, &FlowId::parse(flow)?)?.map(ApplicationInfo::from))
    }

    // ------------------------------------------------------------------ appeals (APL)

    /// The customer or the seller appeals; the flow is frozen until resolved (APL-1..3).
    #[pyo3(signature = (by, flow, reason, *, request_id = None))]
    fn open_appeal(&self, by: &Actor, flow: &str, reason: &str, request_id: Option<&str>) -> Fallible<Appeal> {
        Ok(self.inner.open_appeal(caller(by, request_id)?, &FlowId::parse(flow)?, reason)?.into())
    }

    /// The operator resolves an appeal (APL-4).
    #[pyo3(signature = (by, appeal, resolution, *, request_id = None))]
    fn resolve_appeal(
        &self,
        by: &Actor,
        appeal: &str,
        resolution: Resolution,
        request_id: Option<&str>,
    ) -> Fallible<Appeal> {
        Ok(self.inner.resolve_appeal(caller(by, request_id)?, &AppealId::parse(appeal)?, resolution.inner)?.into())
    }

    /// An appeal `by` may see (the flow's customer and seller, an operator).
    fn appeal(&self, by: &Actor, id: &str) -> Fallible<Appeal> {
        Ok(self.inner.appeal(&by.inner, &AppealId::parse(id)?)?.into())
    }

    /// Appeals open longer than the resolution target, oldest first; operators only (APL-4).
    fn overdue_appeals(&self, by: &Actor) -> Fallible<Vec<Appeal>> {
        Ok(self.inner.overdue_appeals(&by.inner)?.into_iter().map(Appeal::from).collect())
    }

    // ------------------------------------------------------------------ renewals (REN)

    /// The itemised price of renewing for `periods` periods, with an optional renewal date
    /// (REN-1, REN-4). Changes nothing.
    #[pyo3(signature = (by, app, periods, renewal_day = None))]
    fn quote_renewal(&self, by: &Actor, app: &str, periods: u32, renewal_day: Option<RenewalDay>) -> Fallible<Quote> {
        let day = renewal_day.map(|d| d.inner);
        Ok(self.inner.quote_renewal(&by.inner, &AppId::parse(app)?, periods, day)?.into())
    }

    /// Places a renewal order, pending payment (REN-1..4).
    #[pyo3(signature = (by, app, periods, renewal_day = None, *, request_id = None))]
    fn renew(
        &self,
        by: &Actor,
        app: &str,
        periods: u32,
        renewal_day: Option<RenewalDay>,
        request_id: Option<&str>,
    ) -> Fallible<Order> {
        let day = renewal_day.map(|d| d.inner);
        Ok(self.inner.renew(caller(by, request_id)?, &AppId::parse(app)?, periods, day)?.into())
    }

    /// Enables or modifies auto-renewal: `periods` per renewal, `count` renewals (0 =
    /// unlimited), charged `days_before` days before expiry, paid by `method` (balance or
    /// credit card; `None` keeps the current one, card by default) (REN-5, REN-6).
    #[pyo3(signature = (by, app, *, periods, count, days_before, method = None, request_id = None))]
    #[allow(clippy::too_many_arguments)]
    fn set_auto_renewal(
        &self,
        by: &Actor,
        app: &str,
        periods: u32,
        count: u32,
        days_before: u32,
        method: Option<PaymentMethod>,
        request_id: Option<&str>,
    ) -> Fallible<PurchasedApp> {
        let app = AppId::parse(app)?;
        let method = method.map(Into::into);
        Ok(self.inner.set_auto_renewal(caller(by, request_id)?, &app, periods, count, days_before, method)?.into())
    }

    /// Disables auto-renewal of an app (REN-6).
    #[pyo3(signature = (by, app, *, request_id = None))]
    fn disable_auto_renewal(&self, by: &Actor, app: &str, request_id: Option<&str>) -> Fallible<PurchasedApp> {
        Ok(self.inner.disable_auto_renewal(caller(by, request_id)?, &AppId::parse(app)?)?.into())
    }

    /// Schedules a downgrade — a cheaper specification or fewer units — for the end of the
    /// term, where the policy's `downgrade_at_renewal` allows it; renewals are priced with it
    /// and `tick` applies it (PRC-8).
    #[pyo3(signature = (by, app, *, specification, quantity, request_id = None))]
    fn schedule_downgrade(
        &self,
        by: &Actor,
        app: &str,
        specification: &str,
        quantity: u32,
        request_id: Option<&str>,
    ) -> Fallible<PurchasedApp> {
        let app = AppId::parse(app)?;
        Ok(self.inner.schedule_downgrade(caller(by, request_id)?, &app, specification, quantity)?.into())
    }

    /// Cancels the scheduled downgrade of an app, unless a renewal was paid at its price (PRC-8).
    #[pyo3(signature = (by, app, *, request_id = None))]
    fn cancel_scheduled_downgrade(&self, by: &Actor, app: &str, request_id: Option<&str>) -> Fallible<PurchasedApp> {
        Ok(self.inner.cancel_scheduled_downgrade(caller(by, request_id)?, &AppId::parse(app)?)?.into())
    }

    // ------------------------------------------------------------------ pay-per-use (PRC-7)

    /// Deletes (stops) a pay-per-use app: metering ends and the started hours not settled yet
    /// are settled at once (PRC-7).
    #[pyo3(signature = (by, app, *, request_id = None))]
    fn delete_app(&self, by: &Actor, app: &str, request_id: Option<&str>) -> Fallible<PurchasedApp> {
        Ok(self.inner.delete_app(caller(by, request_id)?, &AppId::parse(app)?)?.into())
    }

    /// Pays what a pay-per-use app owes, with `method` or the order's method; paid in full,
    /// the app is restored (PRC-7, LIFE-1).
    #[pyo3(signature = (by, app, method = None, *, request_id = None))]
    fn pay_arrears(
        &self,
        by: &Actor,
        app: &str,
        method: Option<PaymentMethod>,
        request_id: Option<&str>,
    ) -> Fallible<PurchasedApp> {
        Ok(self.inner.pay_arrears(caller(by, request_id)?, &AppId::parse(app)?, method.map(Into::into))?.into())
    }

    /// The usage statement of a pay-per-use app, for its customer, its seller or an operator
    /// (PRC-7).
    fn usage_statement(&self, by: &Actor, app: &str) -> Fallible<UsageStatement> {
        Ok(self.inner.usage_statement(&by.inner, &AppId::parse(app)?)?.into())
    }

    // ------------------------------------------------------------------ unsubscription (UNS)

    /// The itemised refund an unsubscription of the app would give now (UNS-3..5). Changes nothing.
    fn quote_unsubscribe(&self, by: &Actor, app: &str) -> Fallible<RefundQuote> {
        Ok(self.inner.quote_unsubscribe(&by.inner, &AppId::parse(app)?)?.into())
    }

    /// Unsubscribes from an app (UNS-1..5); returns the app's purchase order.
    #[pyo3(signature = (by, app, *, request_id = None))]
    fn unsubscribe(&self, by: &Actor, app: &str, request_id: Option<&str>) -> Fallible<Order> {
        Ok(self.inner.unsubscribe(caller(by, request_id)?, &AppId::parse(app)?)?.into())
    }

    /// The operator approves or rejects an unsubscription waiting for review (UNS-5).
    #[pyo3(signature = (by, order, *, approve, request_id = None))]
    fn review_unsubscription(
        &self,
        by: &Actor,
        order: &str,
        approve: bool,
        request_id: Option<&str>,
    ) -> Fallible<Order> {
        Ok(self.inner.review_unsubscription(caller(by, request_id)?, &OrderId::parse(order)?, approve)?.into())
    }

    /// The customer of a supervised order asks the seller for a refund (UNS-6).
    #[pyo3(signature = (by, order, amount, reason, *, request_id = None))]
    fn request_refund(
        &self,
        by: &Actor,
        order: &str,
        amount: Money,
        reason: &str,
        request_id: Option<&str>,
    ) -> Fallible<Order> {
        let order = OrderId::parse(order)?;
        Ok(self.inner.request_refund(caller(by, request_id)?, &order, amount.inner, reason)?.into())
    }

    /// The seller approves or rejects a negotiated refund (UNS-6).
    #[pyo3(signature = (by, order, *, approve, request_id = None))]
    fn resolve_refund_request(
        &self,
        by: &Actor,
        order: &str,
        approve: bool,
        request_id: Option<&str>,
    ) -> Fallible<Order> {
        Ok(self.inner.resolve_refund_request(caller(by, request_id)?, &OrderId::parse(order)?, approve)?.into())
    }

    // ------------------------------------------------------------------ invoices (INV)

    /// The customer requests an invoice of a paid order (INV-1, INV-2).
    #[pyo3(signature = (by, order, *, request_id = None))]
    fn request_invoice(&self, by: &Actor, order: &str, request_id: Option<&str>) -> Fallible<Invoice> {
        Ok(self.inner.request_invoice(caller(by, request_id)?, &OrderId::parse(order)?)?.into())
    }

    /// The operator issues an invoice (INV-1).
    #[pyo3(signature = (by, invoice, *, request_id = None))]
    fn issue_invoice(&self, by: &Actor, invoice: &str, request_id: Option<&str>) -> Fallible<Invoice> {
        Ok(self.inner.issue_invoice(caller(by, request_id)?, &InvoiceId::parse(invoice)?)?.into())
    }

    /// The customer or the operator returns an invoice; the order may be invoiced again (INV-1).
    #[pyo3(signature = (by, invoice, *, request_id = None))]
    fn return_invoice(&self, by: &Actor, invoice: &str, request_id: Option<&str>) -> Fallible<Invoice> {
        Ok(self.inner.return_invoice(caller(by, request_id)?, &InvoiceId::parse(invoice)?)?.into())
    }

    /// An invoice `by` may see.
    fn invoice(&self, by: &Actor, id: &str) -> Fallible<Invoice> {
        Ok(self.inner.invoice(&by.inner, &InvoiceId::parse(id)?)?.into())
    }

    // ------------------------------------------------------------------ commands as JSON

    /// Runs a command given as JSON (`{"do": "accept_terms", "order": "ORD-00000001"}`, the
    /// core's `Command`) and returns its result as JSON text.
    #[pyo3(signature = (by, command_json, *, request_id = None))]
    fn run_json(&self, py: Python<'_>, by: &Actor, command_json: &str, request_id: Option<&str>) -> Fallible<String> {
        let caller = caller(by, request_id)?;
        let answer = py.detach(|| self.inner.run_json(caller, command_json))?;
        crate::gateway::reraise_interrupt()?;
        Ok(answer)
    }

    fn __repr__(&self) -> String {
        format!("Marketplace(now={})", self.inner.now().to_rfc3339())
    }
}

/// For tests: PRC-5's remaining months between two dates, from the core (no rule here).
#[pyfunction]
pub fn _remaining_months(change: chrono::NaiveDate, expiry: chrono::NaiveDate) -> crate::conversions::PyDecimal {
    crate::conversions::PyDecimal(appmarket::pricing::remaining_months(change, expiry))
}

/// Keeps `PyUtc` in the public surface of this module for signatures added later.
#[allow(dead_code)]
type Instant = PyUtc;

/// Adds the class to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Marketplace>()?;
    m.add_function(pyo3::wrap_pyfunction!(_remaining_months, m)?)?;
    Ok(())
}
