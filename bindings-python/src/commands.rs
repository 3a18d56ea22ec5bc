//! One Python method per variant of the core's `Command` (`core/src/command.rs`), in its order,
//! every one in the same shape: the core's own types as arguments (ids parsed from `str`, value
//! classes, enumerations, `Option<RequestId>`; see `appmarket::python`), one facade call through
//! [`call`] (the GIL released, a host interrupt re-raised, the core error raised as its class),
//! the core's own type as the result. Mutating methods take `by` first and end with
//! `*, request_id = None`. The other methods are in `marketplace.rs`.

use pyo3::prelude::*;

use appmarket::{
    Actor, AppFilter, AppId, AppStatus, Appeal, AppealId, ApplicationInfo, Availability, BillingMode, Caller,
    CustomerAccount, Delivery, DeliveryMethod, Event, FlowFilter, FlowId, FlowKind, FlowStatus, ImageProvisioning,
    Invoice, InvoiceId, Money, Order, OrderFilter, OrderId, OrderStatus, Page, PaymentMethod, Product, ProductDraft,
    ProductId, PurchaseRequest, PurchasedApp, Quote, RefundQuote, RenewalDay, RequestId, Resolution, SavedList,
    SearchQuery, Secret, ServiceFlow, ServiceRequest, SubmittedRequest, Target, TickReport, UsageStatement,
};

use crate::marketplace::Marketplace;
use crate::runtime::call;

#[pymethods]
impl Marketplace {
    /// Registers or updates a customer account (a host-level setting: no actor).
    fn register_customer(&self, py: Python<'_>, account: CustomerAccount) -> PyResult<CustomerAccount> {
        call(py, || self.inner.register_customer(account))
    }

    /// A seller lists a product (CAT-1, CAT-2).
    #[pyo3(signature = (by, draft, *, request_id = None))]
    fn list_product(
        &self,
        py: Python<'_>,
        by: Actor,
        draft: ProductDraft,
        request_id: Option<RequestId>,
    ) -> PyResult<Product> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.list_product(caller, draft))
    }

    /// The seller delists a product (CAT-3).
    #[pyo3(signature = (by, product, *, request_id = None))]
    fn delist_product(
        &self,
        py: Python<'_>,
        by: Actor,
        product: ProductId,
        request_id: Option<RequestId>,
    ) -> PyResult<Product> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.delist_product(caller, &product))
    }

    /// The seller lists a delisted product again.
    #[pyo3(signature = (by, product, *, request_id = None))]
    fn relist_product(
        &self,
        py: Python<'_>,
        by: Actor,
        product: ProductId,
        request_id: Option<RequestId>,
    ) -> PyResult<Product> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.relist_product(caller, &product))
    }

    /// Searches listed products (CAT-3); no query means the first page of everything.
    #[pyo3(signature = (query = None))]
    fn search(&self, py: Python<'_>, query: Option<SearchQuery>) -> PyResult<Page<Product>> {
        call(py, || self.inner.search(&query.unwrap_or_default()))
    }

    /// Saves a product (with an optional specification) to the customer's list (CAT-4).
    #[pyo3(signature = (by, product, specification = None, *, request_id = None))]
    fn save_to_list(
        &self,
        py: Python<'_>,
        by: Actor,
        product: ProductId,
        specification: Option<String>,
        request_id: Option<RequestId>,
    ) -> PyResult<SavedList> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.save_to_list(caller, &product, specification.as_deref()))
    }

    /// Removes a product from the customer's list.
    #[pyo3(signature = (by, product, *, request_id = None))]
    fn remove_from_list(
        &self,
        py: Python<'_>,
        by: Actor,
        product: ProductId,
        request_id: Option<RequestId>,
    ) -> PyResult<SavedList> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.remove_from_list(caller, &product))
    }

    /// The customer's saved list.
    fn saved_list(&self, py: Python<'_>, by: Actor) -> PyResult<SavedList> {
        call(py, || self.inner.saved_list(&by))
    }

    /// Buys from the saved list (CAT-4); an empty specification uses the saved one.
    #[pyo3(signature = (by, *, product, mode, quantity = 1, periods = 1, specification = String::new(), request_id = None))]
    #[allow(clippy::too_many_arguments)]
    fn buy_from_list(
        &self,
        py: Python<'_>,
        by: Actor,
        product: ProductId,
        mode: BillingMode,
        quantity: u32,
        periods: u32,
        specification: String,
        request_id: Option<RequestId>,
    ) -> PyResult<Order> {
        let caller = Caller { actor: by, request_id };
        call(py, || {
            self.inner.buy_from_list(caller, PurchaseRequest { product, specification, mode, quantity, periods })
        })
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
        call(py, || self.inner.quote_purchase(&PurchaseRequest { product, specification, mode, quantity, periods }))
    }

    /// Places an order, pending payment, with its quote fixed (ORD-1).
    #[pyo3(signature = (by, *, product, specification, mode, quantity = 1, periods = 1, request_id = None))]
    #[allow(clippy::too_many_arguments)]
    fn place_order(
        &self,
        py: Python<'_>,
        by: Actor,
        product: ProductId,
        specification: String,
        mode: BillingMode,
        quantity: u32,
        periods: u32,
        request_id: Option<RequestId>,
    ) -> PyResult<Order> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.place_order(caller, PurchaseRequest { product, specification, mode, quantity, periods }))
    }

    /// The customer accepts the terms (ORD-2).
    #[pyo3(signature = (by, order, *, request_id = None))]
    fn accept_terms(
        &self,
        py: Python<'_>,
        by: Actor,
        order: OrderId,
        request_id: Option<RequestId>,
    ) -> PyResult<Order> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.accept_terms(caller, &order))
    }

    /// Pays an order whose terms were accepted (ORD-2, ORD-3); `method=None` for a reseller's
    /// customer (ORD-4).
    #[pyo3(signature = (by, order, method = None, *, request_id = None))]
    fn pay(
        &self,
        py: Python<'_>,
        by: Actor,
        order: OrderId,
        method: Option<PaymentMethod>,
        request_id: Option<RequestId>,
    ) -> PyResult<Order> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.pay(caller, &order, method))
    }

    /// The customer cancels an unpaid order.
    #[pyo3(signature = (by, order, *, request_id = None))]
    fn cancel_order(
        &self,
        py: Python<'_>,
        by: Actor,
        order: OrderId,
        request_id: Option<RequestId>,
    ) -> PyResult<Order> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.cancel_order(caller, &order))
    }

    /// An order `by` may see.
    fn order(&self, py: Python<'_>, by: Actor, id: OrderId) -> PyResult<Order> {
        call(py, || self.inner.order(&by, &id))
    }

    /// The customer's orders, newest first, filtered and paged.
    #[pyo3(signature = (by, *, status = None, product = None, page = 1, page_size = 20))]
    fn orders(
        &self,
        py: Python<'_>,
        by: Actor,
        status: Option<OrderStatus>,
        product: Option<ProductId>,
        page: u32,
        page_size: u32,
    ) -> PyResult<Page<Order>> {
        call(py, || self.inner.orders(&by, &OrderFilter { status, product }, page, page_size))
    }

    /// Prices an image order: image fee plus cloud resource fees (PRC-3, IMG-1).
    fn quote_image(&self, py: Python<'_>, product: ProductId, request: ImageProvisioning) -> PyResult<Quote> {
        call(py, || self.inner.quote_image(&product, &request))
    }

    /// Orders an image by quick or customized provisioning (IMG-1, IMG-2); the order waits for
    /// payment with its terms accepted.
    #[pyo3(signature = (by, product, request, *, request_id = None))]
    fn provision_image(
        &self,
        py: Python<'_>,
        by: Actor,
        product: ProductId,
        request: ImageProvisioning,
        request_id: Option<RequestId>,
    ) -> PyResult<Order> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.provision_image(caller, &product, request))
    }

    /// A purchased app `by` may see.
    fn app(&self, py: Python<'_>, by: Actor, id: AppId) -> PyResult<PurchasedApp> {
        call(py, || self.inner.app(&by, &id))
    }

    /// The customer's purchased apps, newest first, filtered and paged (APP-4).
    #[pyo3(signature = (by, *, status = None, delivery = None, mode = None, name = None, page = 1, page_size = 20))]
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
        page_size: u32,
    ) -> PyResult<Page<PurchasedApp>> {
        call(py, || self.inner.apps(&by, &AppFilter { status, delivery, mode, name }, page, page_size))
    }

    /// The seller provides an app's application information and optional password (APP-1, APP-5).
    #[pyo3(signature = (by, app, info, password = None, *, request_id = None))]
    fn provide_application_info(
        &self,
        py: Python<'_>,
        by: Actor,
        app: AppId,
        info: ApplicationInfo,
        password: Option<Secret>,
        request_id: Option<RequestId>,
    ) -> PyResult<PurchasedApp> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.provide_application_info(caller, &app, info, password))
    }

    /// Reveals an app's password to its owner, and records it (APP-5).
    #[pyo3(signature = (by, app, *, request_id = None))]
    fn reveal_password(
        &self,
        py: Python<'_>,
        by: Actor,
        app: AppId,
        request_id: Option<RequestId>,
    ) -> PyResult<Secret> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.reveal_password(caller, &app))
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

    /// Places an upgrade order at its quoted cost (PRC-4).
    #[pyo3(signature = (by, app, *, specification, quantity, request_id = None))]
    fn order_upgrade(
        &self,
        py: Python<'_>,
        by: Actor,
        app: AppId,
        specification: String,
        quantity: u32,
        request_id: Option<RequestId>,
    ) -> PyResult<Order> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.order_upgrade(caller, &app, &specification, quantity))
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
    #[pyo3(signature = (by, *, status = None, kind = None, order = None, page = 1, page_size = 20))]
    #[allow(clippy::too_many_arguments)]
    fn flows(
        &self,
        py: Python<'_>,
        by: Actor,
        status: Option<FlowStatus>,
        kind: Option<FlowKind>,
        order: Option<OrderId>,
        page: u32,
        page_size: u32,
    ) -> PyResult<Page<ServiceFlow>> {
        call(py, || self.inner.flows(&by, &FlowFilter { status, kind, order }, page, page_size))
    }

    /// The customer submits a request (SUP-3); text that looks like a password, an account or
    /// personal data earns warnings, never a refusal (SUP-6).
    #[pyo3(signature = (by, flow, request, *, request_id = None))]
    fn submit_request(
        &self,
        py: Python<'_>,
        by: Actor,
        flow: FlowId,
        request: ServiceRequest,
        request_id: Option<RequestId>,
    ) -> PyResult<SubmittedRequest> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.submit_request(caller, &flow, request))
    }

    /// The seller accepts the customer's request (SUP-3).
    #[pyo3(signature = (by, flow, *, request_id = None))]
    fn accept_request(
        &self,
        py: Python<'_>,
        by: Actor,
        flow: FlowId,
        request_id: Option<RequestId>,
    ) -> PyResult<ServiceFlow> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.accept_request(caller, &flow))
    }

    /// The seller rejects the request with a reason; it returns to the customer (SUP-3).
    #[pyo3(signature = (by, flow, reason, *, request_id = None))]
    fn reject_request(
        &self,
        py: Python<'_>,
        by: Actor,
        flow: FlowId,
        reason: String,
        request_id: Option<RequestId>,
    ) -> PyResult<ServiceFlow> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.reject_request(caller, &flow, &reason))
    }

    /// The seller delivers (SUP-2, SUP-3); a SaaS delivery carries the application information
    /// and an optional password, kept apart (APP-4, APP-5).
    #[pyo3(signature = (by, flow, delivery = None, password = None, *, request_id = None))]
    fn deliver(
        &self,
        py: Python<'_>,
        by: Actor,
        flow: FlowId,
        delivery: Option<Delivery>,
        password: Option<Secret>,
        request_id: Option<RequestId>,
    ) -> PyResult<ServiceFlow> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.deliver(caller, &flow, delivery.unwrap_or_default(), password))
    }

    /// The customer accepts the delivery: the flow completes, the order completes after the
    /// delay, and the app's term starts (SUP-4, APP-3).
    #[pyo3(signature = (by, flow, *, request_id = None))]
    fn confirm_acceptance(
        &self,
        py: Python<'_>,
        by: Actor,
        flow: FlowId,
        request_id: Option<RequestId>,
    ) -> PyResult<ServiceFlow> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.confirm_acceptance(caller, &flow))
    }

    /// The customer rejects the delivery with a reason; it returns to the seller (SUP-3).
    #[pyo3(signature = (by, flow, reason, *, request_id = None))]
    fn reject_delivery(
        &self,
        py: Python<'_>,
        by: Actor,
        flow: FlowId,
        reason: String,
        request_id: Option<RequestId>,
    ) -> PyResult<ServiceFlow> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.reject_delivery(caller, &flow, &reason))
    }

    /// The customer reminds the seller, at most once per the policy's interval (SUP-5).
    #[pyo3(signature = (by, flow, *, request_id = None))]
    fn remind_seller(
        &self,
        py: Python<'_>,
        by: Actor,
        flow: FlowId,
        request_id: Option<RequestId>,
    ) -> PyResult<ServiceFlow> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.remind_seller(caller, &flow))
    }

    /// The customer or the seller appeals; the flow is frozen until resolved (APL-1..3).
    #[pyo3(signature = (by, flow, reason, *, request_id = None))]
    fn open_appeal(
        &self,
        py: Python<'_>,
        by: Actor,
        flow: FlowId,
        reason: String,
        request_id: Option<RequestId>,
    ) -> PyResult<Appeal> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.open_appeal(caller, &flow, &reason))
    }

    /// The operator resolves an appeal (APL-4).
    #[pyo3(signature = (by, appeal, resolution, *, request_id = None))]
    fn resolve_appeal(
        &self,
        py: Python<'_>,
        by: Actor,
        appeal: AppealId,
        resolution: Resolution,
        request_id: Option<RequestId>,
    ) -> PyResult<Appeal> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.resolve_appeal(caller, &appeal, resolution))
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

    /// Places a renewal order, pending payment (REN-1..4).
    #[pyo3(signature = (by, app, periods, renewal_day = None, *, request_id = None))]
    fn renew(
        &self,
        py: Python<'_>,
        by: Actor,
        app: AppId,
        periods: u32,
        renewal_day: Option<RenewalDay>,
        request_id: Option<RequestId>,
    ) -> PyResult<Order> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.renew(caller, &app, periods, renewal_day))
    }

    /// Enables or modifies auto-renewal: `periods` per renewal, `count` renewals (0 =
    /// unlimited), charged `days_before` days before expiry, paid by `method` (balance or
    /// credit card; `None` keeps the current one, card by default) (REN-5, REN-6).
    #[pyo3(signature = (by, app, *, periods, count, days_before, method = None, request_id = None))]
    #[allow(clippy::too_many_arguments)]
    fn set_auto_renewal(
        &self,
        py: Python<'_>,
        by: Actor,
        app: AppId,
        periods: u32,
        count: u32,
        days_before: u32,
        method: Option<PaymentMethod>,
        request_id: Option<RequestId>,
    ) -> PyResult<PurchasedApp> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.set_auto_renewal_paid_by(caller, &app, periods, count, days_before, method))
    }

    /// Disables auto-renewal of an app (REN-6).
    #[pyo3(signature = (by, app, *, request_id = None))]
    fn disable_auto_renewal(
        &self,
        py: Python<'_>,
        by: Actor,
        app: AppId,
        request_id: Option<RequestId>,
    ) -> PyResult<PurchasedApp> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.disable_auto_renewal(caller, &app))
    }

    /// Schedules a downgrade — a cheaper specification or fewer units — for the end of the
    /// term, where the policy's `downgrade_at_renewal` allows it (PRC-8).
    #[pyo3(signature = (by, app, *, specification, quantity, request_id = None))]
    fn schedule_downgrade(
        &self,
        py: Python<'_>,
        by: Actor,
        app: AppId,
        specification: String,
        quantity: u32,
        request_id: Option<RequestId>,
    ) -> PyResult<PurchasedApp> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.schedule_downgrade(caller, &app, &specification, quantity))
    }

    /// Cancels the scheduled downgrade of an app, unless a renewal was paid at its price (PRC-8).
    #[pyo3(signature = (by, app, *, request_id = None))]
    fn cancel_scheduled_downgrade(
        &self,
        py: Python<'_>,
        by: Actor,
        app: AppId,
        request_id: Option<RequestId>,
    ) -> PyResult<PurchasedApp> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.cancel_scheduled_downgrade(caller, &app))
    }

    /// Deletes (stops) a pay-per-use app: metering ends and the started hours not settled yet
    /// are settled at once (PRC-7).
    #[pyo3(signature = (by, app, *, request_id = None))]
    fn delete_app(
        &self,
        py: Python<'_>,
        by: Actor,
        app: AppId,
        request_id: Option<RequestId>,
    ) -> PyResult<PurchasedApp> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.delete_app(caller, &app))
    }

    /// Pays what a pay-per-use app owes, with `method` or the order's method; paid in full,
    /// the app is restored (PRC-7, LIFE-1).
    #[pyo3(signature = (by, app, method = None, *, request_id = None))]
    fn pay_arrears(
        &self,
        py: Python<'_>,
        by: Actor,
        app: AppId,
        method: Option<PaymentMethod>,
        request_id: Option<RequestId>,
    ) -> PyResult<PurchasedApp> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.pay_arrears(caller, &app, method))
    }

    /// The usage statement of a pay-per-use app, for its customer, its seller or an operator
    /// (PRC-7).
    fn usage_statement(&self, py: Python<'_>, by: Actor, app: AppId) -> PyResult<UsageStatement> {
        call(py, || self.inner.usage_statement(&by, &app))
    }

    /// The itemised refund an unsubscription of the app would give now (UNS-3..5). Changes nothing.
    fn quote_unsubscribe(&self, py: Python<'_>, by: Actor, app: AppId) -> PyResult<RefundQuote> {
        call(py, || self.inner.quote_unsubscribe(&by, &app))
    }

    /// Unsubscribes from an app (UNS-1..5); returns the app's purchase order.
    #[pyo3(signature = (by, app, *, request_id = None))]
    fn unsubscribe(&self, py: Python<'_>, by: Actor, app: AppId, request_id: Option<RequestId>) -> PyResult<Order> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.unsubscribe(caller, &app))
    }

    /// The operator approves or rejects an unsubscription waiting for review (UNS-5).
    #[pyo3(signature = (by, order, *, approve, request_id = None))]
    fn review_unsubscription(
        &self,
        py: Python<'_>,
        by: Actor,
        order: OrderId,
        approve: bool,
        request_id: Option<RequestId>,
    ) -> PyResult<Order> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.review_unsubscription(caller, &order, approve))
    }

    /// The customer of a supervised order asks the seller for a refund (UNS-6).
    #[pyo3(signature = (by, order, amount, reason, *, request_id = None))]
    fn request_refund(
        &self,
        py: Python<'_>,
        by: Actor,
        order: OrderId,
        amount: Money,
        reason: String,
        request_id: Option<RequestId>,
    ) -> PyResult<Order> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.request_refund(caller, &order, amount, &reason))
    }

    /// The seller approves or rejects a negotiated refund (UNS-6).
    #[pyo3(signature = (by, order, *, approve, request_id = None))]
    fn resolve_refund_request(
        &self,
        py: Python<'_>,
        by: Actor,
        order: OrderId,
        approve: bool,
        request_id: Option<RequestId>,
    ) -> PyResult<Order> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.resolve_refund_request(caller, &order, approve))
    }

    /// The customer requests an invoice of a paid order (INV-1, INV-2).
    #[pyo3(signature = (by, order, *, request_id = None))]
    fn request_invoice(
        &self,
        py: Python<'_>,
        by: Actor,
        order: OrderId,
        request_id: Option<RequestId>,
    ) -> PyResult<Invoice> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.request_invoice(caller, &order))
    }

    /// The operator issues an invoice (INV-1).
    #[pyo3(signature = (by, invoice, *, request_id = None))]
    fn issue_invoice(
        &self,
        py: Python<'_>,
        by: Actor,
        invoice: InvoiceId,
        request_id: Option<RequestId>,
    ) -> PyResult<Invoice> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.issue_invoice(caller, &invoice))
    }

    /// The customer or the operator returns an invoice; the order may be invoiced again (INV-1).
    #[pyo3(signature = (by, invoice, *, request_id = None))]
    fn return_invoice(
        &self,
        py: Python<'_>,
        by: Actor,
        invoice: InvoiceId,
        request_id: Option<RequestId>,
    ) -> PyResult<Invoice> {
        let caller = Caller { actor: by, request_id };
        call(py, || self.inner.return_invoice(caller, &invoice))
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
        limit: Option<usize>,
    ) -> PyResult<Vec<Event>> {
        call(py, || self.inner.records(&by, &target, after, limit.unwrap_or(usize::MAX)))
    }
}
