//! Every facade call as data: a [`Command`] is a serde value, so a host (a message queue, an
//! HTTP adapter, the cross-language scenario runners) can drive the marketplace with JSON.
//! [`Marketplace::run`](crate::Marketplace::run) dispatches it to the facade method of the same name and returns the
//! result as JSON. It adds no rule: each arm is one facade call.

use serde::{Deserialize, Serialize};

use crate::account::CustomerAccount;
use crate::actor::{AppId, AppealId, FlowId, InvoiceId, OrderId, ProductId, Target};
use crate::app::{AppFilter, ApplicationInfo};
use crate::appeal::Resolution;
use crate::catalog::{ProductDraft, SearchQuery};
use crate::error::Error;
use crate::money::Money;
use crate::order::{OrderFilter, PurchaseRequest};
use crate::payments::PaymentMethod;
use crate::provisioning::ImageProvisioning;
use crate::renewal::RenewalDay;
use crate::secret::Secret;
use crate::supervision::{Delivery, FlowFilter, ServiceRequest};

fn first_page() -> u32 {
    1
}

fn twenty() -> u32 {
    20
}

/// A facade call as data. The tag `do` names the facade method.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// [`Marketplace::register_customer`](crate::Marketplace::register_customer): a host-level command, refused to every actor but
    /// [`crate::Actor::System`] (the host itself).
    RegisterCustomer {
        /// The account.
        account: CustomerAccount,
    },
    /// [`Marketplace::list_product`](crate::Marketplace::list_product).
    ListProduct {
        /// The draft.
        draft: ProductDraft,
    },
    /// [`Marketplace::delist_product`](crate::Marketplace::delist_product).
    DelistProduct {
        /// The product.
        product: ProductId,
    },
    /// [`Marketplace::relist_product`](crate::Marketplace::relist_product).
    RelistProduct {
        /// The product.
        product: ProductId,
    },
    /// [`Marketplace::search`](crate::Marketplace::search).
    Search {
        /// The query.
        #[serde(default)]
        query: SearchQuery,
    },
    /// [`Marketplace::save_to_list`](crate::Marketplace::save_to_list).
    SaveToList {
        /// The product.
        product: ProductId,
        /// The specification.
        #[serde(default)]
        specification: Option<String>,
    },
    /// [`Marketplace::remove_from_list`](crate::Marketplace::remove_from_list).
    RemoveFromList {
        /// The product.
        product: ProductId,
    },
    /// [`Marketplace::saved_list`](crate::Marketplace::saved_list).
    SavedList {},
    /// [`Marketplace::buy_from_list`](crate::Marketplace::buy_from_list).
    BuyFromList {
        /// What to buy.
        request: PurchaseRequest,
    },
    /// [`Marketplace::quote_purchase`](crate::Marketplace::quote_purchase).
    QuotePurchase {
        /// What to price.
        request: PurchaseRequest,
    },
    /// [`Marketplace::place_order`](crate::Marketplace::place_order).
    PlaceOrder {
        /// What to buy.
        request: PurchaseRequest,
    },
    /// [`Marketplace::accept_terms`](crate::Marketplace::accept_terms).
    AcceptTerms {
        /// The order.
        order: OrderId,
    },
    /// [`Marketplace::pay`](crate::Marketplace::pay).
    Pay {
        /// The order.
        order: OrderId,
        /// The method; none for a reseller's customer.
        #[serde(default)]
        method: Option<PaymentMethod>,
    },
    /// [`Marketplace::cancel_order`](crate::Marketplace::cancel_order).
    CancelOrder {
        /// The order.
        order: OrderId,
    },
    /// [`Marketplace::order`](crate::Marketplace::order).
    Order {
        /// The order.
        order: OrderId,
    },
    /// [`Marketplace::orders`](crate::Marketplace::orders).
    Orders {
        /// Filter.
        #[serde(default)]
        filter: OrderFilter,
        /// Page from 1.
        #[serde(default = "first_page")]
        page: u32,
        /// Page size.
        #[serde(default = "twenty")]
        page_size: u32,
    },
    /// [`Marketplace::quote_image`](crate::Marketplace::quote_image).
    QuoteImage {
        /// The image product.
        product: ProductId,
        /// The provisioning request.
        request: ImageProvisioning,
    },
    /// [`Marketplace::provision_image`](crate::Marketplace::provision_image).
    ProvisionImage {
        /// The image product.
        product: ProductId,
        /// The provisioning request.
        request: ImageProvisioning,
    },
    /// [`Marketplace::app`](crate::Marketplace::app).
    App {
        /// The app.
        app: AppId,
    },
    /// [`Marketplace::apps`](crate::Marketplace::apps).
    Apps {
        /// Filter.
        #[serde(default)]
        filter: AppFilter,
        /// Page from 1.
        #[serde(default = "first_page")]
        page: u32,
        /// Page size.
        #[serde(default = "twenty")]
        page_size: u32,
    },
    /// [`Marketplace::provide_application_info`](crate::Marketplace::provide_application_info).
    ProvideApplicationInfo {
        /// The app.
        app: AppId,
        /// The information.
        info: ApplicationInfo,
        /// The password, kept apart.
        #[serde(default)]
        password: Option<Secret>,
    },
    /// [`Marketplace::reveal_password`](crate::Marketplace::reveal_password).
    RevealPassword {
        /// The app.
        app: AppId,
    },
    /// [`Marketplace::quote_upgrade`](crate::Marketplace::quote_upgrade).
    QuoteUpgrade {
        /// The app.
        app: AppId,
        /// Target specification.
        specification: String,
        /// Target quantity.
        quantity: u32,
    },
    /// [`Marketplace::order_upgrade`](crate::Marketplace::order_upgrade).
    OrderUpgrade {
        /// The app.
        app: AppId,
        /// Target specification.
        specification: String,
        /// Target quantity.
        quantity: u32,
    },
    /// [`Marketplace::flow`](crate::Marketplace::flow).
    Flow {
        /// The flow.
        flow: FlowId,
    },
    /// [`Marketplace::flow_of_order`](crate::Marketplace::flow_of_order).
    FlowOfOrder {
        /// The order.
        order: OrderId,
    },
    /// [`Marketplace::flows`](crate::Marketplace::flows).
    Flows {
        /// Filter.
        #[serde(default)]
        filter: FlowFilter,
        /// Page from 1.
        #[serde(default = "first_page")]
        page: u32,
        /// Page size.
        #[serde(default = "twenty")]
        page_size: u32,
    },
    /// [`Marketplace::submit_request`](crate::Marketplace::submit_request).
    SubmitRequest {
        /// The flow.
        flow: FlowId,
        /// The request.
        request: ServiceRequest,
    },
    /// [`Marketplace::accept_request`](crate::Marketplace::accept_request).
    AcceptRequest {
        /// The flow.
        flow: FlowId,
    },
    /// [`Marketplace::reject_request`](crate::Marketplace::reject_request).
    RejectRequest {
        /// The flow.
        flow: FlowId,
        /// Why.
        reason: String,
    },
    /// [`Marketplace::deliver`](crate::Marketplace::deliver).
    Deliver {
        /// The flow.
        flow: FlowId,
        /// What is delivered.
        #[serde(default)]
        delivery: Delivery,
        /// The password, kept apart.
        #[serde(default)]
        password: Option<Secret>,
    },
    /// [`Marketplace::confirm_acceptance`](crate::Marketplace::confirm_acceptance).
    ConfirmAcceptance {
        /// The flow.
        flow: FlowId,
    },
    /// [`Marketplace::reject_delivery`](crate::Marketplace::reject_delivery).
    RejectDelivery {
        /// The flow.
        flow: FlowId,
        /// Why.
        reason: String,
    },
    /// [`Marketplace::remind_seller`](crate::Marketplace::remind_seller).
    RemindSeller {
        /// The flow.
        flow: FlowId,
    },
    /// [`Marketplace::open_appeal`](crate::Marketplace::open_appeal).
    OpenAppeal {
        /// The flow.
        flow: FlowId,
        /// Why.
        reason: String,
    },
    /// [`Marketplace::resolve_appeal`](crate::Marketplace::resolve_appeal).
    ResolveAppeal {
        /// The appeal.
        appeal: AppealId,
        /// The resolution.
        resolution: Resolution,
    },
    /// [`Marketplace::appeal`](crate::Marketplace::appeal).
    Appeal {
        /// The appeal.
        appeal: AppealId,
    },
    /// [`Marketplace::overdue_appeals`](crate::Marketplace::overdue_appeals).
    OverdueAppeals {},
    /// [`Marketplace::quote_renewal`](crate::Marketplace::quote_renewal).
    QuoteRenewal {
        /// The app.
        app: AppId,
        /// Months or years.
        periods: u32,
        /// A renewal date (REN-4).
        #[serde(default)]
        renewal_day: Option<RenewalDay>,
    },
    /// [`Marketplace::renew`](crate::Marketplace::renew).
    Renew {
        /// The app.
        app: AppId,
        /// Months or years.
        periods: u32,
        /// A renewal date (REN-4).
        #[serde(default)]
        renewal_day: Option<RenewalDay>,
    },
    /// [`Marketplace::set_auto_renewal`](crate::Marketplace::set_auto_renewal).
    SetAutoRenewal {
        /// The app.
        app: AppId,
        /// Periods per renewal.
        periods: u32,
        /// Renewals wanted, 0 = unlimited.
        count: u32,
        /// Days before expiry of the charge.
        days_before: u32,
        /// How the charges are paid (balance or credit card); `None` keeps the current one.
        #[serde(default)]
        method: Option<PaymentMethod>,
    },
    /// [`Marketplace::disable_auto_renewal`](crate::Marketplace::disable_auto_renewal).
    DisableAutoRenewal {
        /// The app.
        app: AppId,
    },
    /// [`Marketplace::schedule_downgrade`](crate::Marketplace::schedule_downgrade) (PRC-8).
    ScheduleDowngrade {
        /// The app.
        app: AppId,
        /// Target specification.
        specification: String,
        /// Target quantity.
        quantity: u32,
    },
    /// [`Marketplace::cancel_scheduled_downgrade`](crate::Marketplace::cancel_scheduled_downgrade) (PRC-8).
    CancelScheduledDowngrade {
        /// The app.
        app: AppId,
    },
    /// [`Marketplace::delete_app`](crate::Marketplace::delete_app) (PRC-7).
    DeleteApp {
        /// The app.
        app: AppId,
    },
    /// [`Marketplace::pay_arrears`](crate::Marketplace::pay_arrears) (PRC-7).
    PayArrears {
        /// The app.
        app: AppId,
        /// The method; `None` for the order's.
        #[serde(default)]
        method: Option<PaymentMethod>,
    },
    /// [`Marketplace::usage_statement`](crate::Marketplace::usage_statement) (PRC-7).
    UsageStatement {
        /// The app.
        app: AppId,
    },
    /// [`Marketplace::quote_unsubscribe`](crate::Marketplace::quote_unsubscribe).
    QuoteUnsubscribe {
        /// The app.
        app: AppId,
    },
    /// [`Marketplace::unsubscribe`](crate::Marketplace::unsubscribe).
    Unsubscribe {
        /// The app.
        app: AppId,
    },
    /// [`Marketplace::review_unsubscription`](crate::Marketplace::review_unsubscription).
    ReviewUnsubscription {
        /// The order.
        order: OrderId,
        /// Approve or reject.
        approve: bool,
    },
    /// [`Marketplace::request_refund`](crate::Marketplace::request_refund).
    RequestRefund {
        /// The order.
        order: OrderId,
        /// The amount asked.
        amount: Money,
        /// Why.
        reason: String,
    },
    /// [`Marketplace::resolve_refund_request`](crate::Marketplace::resolve_refund_request).
    ResolveRefundRequest {
        /// The order.
        order: OrderId,
        /// Approve or reject.
        approve: bool,
    },
    /// [`Marketplace::request_invoice`](crate::Marketplace::request_invoice).
    RequestInvoice {
        /// The order.
        order: OrderId,
    },
    /// [`Marketplace::issue_invoice`](crate::Marketplace::issue_invoice).
    IssueInvoice {
        /// The invoice.
        invoice: InvoiceId,
    },
    /// [`Marketplace::return_invoice`](crate::Marketplace::return_invoice).
    ReturnInvoice {
        /// The invoice.
        invoice: InvoiceId,
    },
    /// [`Marketplace::invoice`](crate::Marketplace::invoice).
    Invoice {
        /// The invoice.
        invoice: InvoiceId,
    },
    /// [`Marketplace::tick`](crate::Marketplace::tick).
    Tick {},
    /// [`Marketplace::available_actions`](crate::Marketplace::available_actions).
    AvailableActions {
        /// What about.
        target: Target,
    },
    /// [`Marketplace::records`](crate::Marketplace::records).
    Records {
        /// What about.
        target: Target,
        /// The events after this `seq` (0 for the first page).
        #[serde(default)]
        after: u64,
        /// Most events to return; none (or more than the policy's `max_records_page`) for
        /// `max_records_page`.
        #[serde(default)]
        limit: Option<u32>,
    },
}

impl Command {
    /// Parses a command from JSON, e.g. `{"do": "accept_terms", "order": "ORD-00000001"}`.
    pub fn from_json(text: &str) -> Result<Command, Error> {
        serde_json::from_str(text).map_err(|e| Error::invalid("command", format!("not a valid command: {e}")))
    }

    /// The command's fingerprint: `v1:` and the SHA-256, in hex, of its canonical JSON — object
    /// keys sorted, no spaces, money amounts normalised (`400`, `400.0` and `400.00` are one
    /// amount), passwords as `***`. A request id replayed with a command of another fingerprint
    /// is a conflict. The format is pinned by a test: request records persist it.
    pub fn fingerprint(&self) -> String {
        crate::fingerprint::of(self)
    }
}
