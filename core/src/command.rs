//! Every facade call as data: a [`Command`] is a serde value, so a host (a message queue, an
//! HTTP adapter, the cross-language scenario runners) can drive the marketplace with JSON.
//! [`Marketplace::run`] dispatches it to the facade method of the same name and returns the
//! result as JSON. It adds no rule: each arm is one facade call.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::account::CustomerAccount;
use crate::actor::{AppId, AppealId, Caller, FlowId, InvoiceId, OrderId, ProductId, Target};
use crate::app::{AppFilter, ApplicationInfo};
use crate::appeal::Resolution;
use crate::catalog::{ProductDraft, SearchQuery};
use crate::error::Error;
use crate::marketplace::Marketplace;
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    /// [`Marketplace::register_customer`].
    RegisterCustomer {
        /// The account.
        account: CustomerAccount,
    },
    /// [`Marketplace::list_product`].
    ListProduct {
        /// The draft.
        draft: ProductDraft,
    },
    /// [`Marketplace::list_product`] with a sample draft of [`crate::testing::fixtures`]:
    /// `saas`, `supervised_saas`, `license`, `professional_service` or `image`.
    ListSampleProduct {
        /// The sample's name.
        sample: String,
    },
    /// [`Marketplace::delist_product`].
    DelistProduct {
        /// The product.
        product: ProductId,
    },
    /// [`Marketplace::relist_product`].
    RelistProduct {
        /// The product.
        product: ProductId,
    },
    /// [`Marketplace::search`].
    Search {
        /// The query.
        #[serde(default)]
        query: SearchQuery,
    },
    /// [`Marketplace::save_to_list`].
    SaveToList {
        /// The product.
        product: ProductId,
        /// The specification.
        #[serde(default)]
        specification: Option<String>,
    },
    /// [`Marketplace::remove_from_list`].
    RemoveFromList {
        /// The product.
        product: ProductId,
    },
    /// [`Marketplace::saved_list`].
    SavedList,
    /// [`Marketplace::buy_from_list`].
    BuyFromList {
        /// What to buy.
        request: PurchaseRequest,
    },
    /// [`Marketplace::quote_purchase`].
    QuotePurchase {
        /// What to price.
        request: PurchaseRequest,
    },
    /// [`Marketplace::place_order`].
    PlaceOrder {
        /// What to buy.
        request: PurchaseRequest,
    },
    /// [`Marketplace::accept_terms`].
    AcceptTerms {
        /// The order.
        order: OrderId,
    },
    /// [`Marketplace::pay`].
    Pay {
        /// The order.
        order: OrderId,
        /// The method; none for a reseller's customer.
        #[serde(default)]
        method: Option<PaymentMethod>,
    },
    /// [`Marketplace::cancel_order`].
    CancelOrder {
        /// The order.
        order: OrderId,
    },
    /// [`Marketplace::order`].
    Order {
        /// The order.
        order: OrderId,
    },
    /// [`Marketplace::orders`].
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
    /// [`Marketplace::quote_image`].
    QuoteImage {
        /// The image product.
        product: ProductId,
        /// The provisioning request.
        request: ImageProvisioning,
    },
    /// [`Marketplace::provision_image`].
    ProvisionImage {
        /// The image product.
        product: ProductId,
        /// The provisioning request.
        request: ImageProvisioning,
    },
    /// [`Marketplace::app`].
    App {
        /// The app.
        app: AppId,
    },
    /// [`Marketplace::apps`].
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
    /// [`Marketplace::provide_application_info`].
    ProvideApplicationInfo {
        /// The app.
        app: AppId,
        /// The information.
        info: ApplicationInfo,
        /// The password, kept apart.
        #[serde(default)]
        password: Option<Secret>,
    },
    /// [`Marketplace::reveal_password`].
    RevealPassword {
        /// The app.
        app: AppId,
    },
    /// [`Marketplace::quote_upgrade`].
    QuoteUpgrade {
        /// The app.
        app: AppId,
        /// Target specification.
        specification: String,
        /// Target quantity.
        quantity: u32,
    },
    /// [`Marketplace::order_upgrade`].
    OrderUpgrade {
        /// The app.
        app: AppId,
        /// Target specification.
        specification: String,
        /// Target quantity.
        quantity: u32,
    },
    /// [`Marketplace::flow`].
    Flow {
        /// The flow.
        flow: FlowId,
    },
    /// [`Marketplace::flow_of_order`].
    FlowOfOrder {
        /// The order.
        order: OrderId,
    },
    /// [`Marketplace::flows`].
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
    /// [`Marketplace::submit_request`].
    SubmitRequest {
        /// The flow.
        flow: FlowId,
        /// The request.
        request: ServiceRequest,
    },
    /// [`Marketplace::accept_request`].
    AcceptRequest {
        /// The flow.
        flow: FlowId,
    },
    /// [`Marketplace::reject_request`].
    RejectRequest {
        /// The flow.
        flow: FlowId,
        /// Why.
        reason: String,
    },
    /// [`Marketplace::deliver`].
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
    /// [`Marketplace::confirm_acceptance`].
    ConfirmAcceptance {
        /// The flow.
        flow: FlowId,
    },
    /// [`Marketplace::reject_delivery`].
    RejectDelivery {
        /// The flow.
        flow: FlowId,
        /// Why.
        reason: String,
    },
    /// [`Marketplace::remind_seller`].
    RemindSeller {
        /// The flow.
        flow: FlowId,
    },
    /// [`Marketplace::open_appeal`].
    OpenAppeal {
        /// The flow.
        flow: FlowId,
        /// Why.
        reason: String,
    },
    /// [`Marketplace::resolve_appeal`].
    ResolveAppeal {
        /// The appeal.
        appeal: AppealId,
        /// The resolution.
        resolution: Resolution,
    },
    /// [`Marketplace::appeal`].
    Appeal {
        /// The appeal.
        appeal: AppealId,
    },
    /// [`Marketplace::overdue_appeals`].
    OverdueAppeals,
    /// [`Marketplace::quote_renewal`].
    QuoteRenewal {
        /// The app.
        app: AppId,
        /// Months or years.
        periods: u32,
        /// A renewal date (REN-4).
        #[serde(default)]
        renewal_day: Option<RenewalDay>,
    },
    /// [`Marketplace::renew`].
    Renew {
        /// The app.
        app: AppId,
        /// Months or years.
        periods: u32,
        /// A renewal date (REN-4).
        #[serde(default)]
        renewal_day: Option<RenewalDay>,
    },
    /// [`Marketplace::set_auto_renewal`].
    SetAutoRenewal {
        /// The app.
        app: AppId,
        /// Periods per renewal.
        periods: u32,
        /// Renewals wanted, 0 = unlimited.
        count: u32,
        /// Days before expiry of the charge.
        days_before: u32,
    },
    /// [`Marketplace::disable_auto_renewal`].
    DisableAutoRenewal {
        /// The app.
        app: AppId,
    },
    /// [`Marketplace::quote_unsubscribe`].
    QuoteUnsubscribe {
        /// The app.
        app: AppId,
    },
    /// [`Marketplace::unsubscribe`].
    Unsubscribe {
        /// The app.
        app: AppId,
    },
    /// [`Marketplace::review_unsubscription`].
    ReviewUnsubscription {
        /// The order.
        order: OrderId,
        /// Approve or reject.
        approve: bool,
    },
    /// [`Marketplace::request_refund`].
    RequestRefund {
        /// The order.
        order: OrderId,
        /// The amount asked.
        amount: Money,
        /// Why.
        reason: String,
    },
    /// [`Marketplace::resolve_refund_request`].
    ResolveRefundRequest {
        /// The order.
        order: OrderId,
        /// Approve or reject.
        approve: bool,
    },
    /// [`Marketplace::request_invoice`].
    RequestInvoice {
        /// The order.
        order: OrderId,
    },
    /// [`Marketplace::issue_invoice`].
    IssueInvoice {
        /// The invoice.
        invoice: InvoiceId,
    },
    /// [`Marketplace::return_invoice`].
    ReturnInvoice {
        /// The invoice.
        invoice: InvoiceId,
    },
    /// [`Marketplace::invoice`].
    Invoice {
        /// The invoice.
        invoice: InvoiceId,
    },
    /// [`Marketplace::tick`].
    Tick,
    /// [`Marketplace::available_actions`].
    AvailableActions {
        /// What about.
        target: Target,
    },
    /// [`Marketplace::records`].
    Records {
        /// What about.
        target: Target,
    },
}

fn json<T: Serialize>(value: T) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| Error::Storage { reason: format!("cannot serialize a result: {e}") })
}

impl Command {
    /// Parses a command from JSON, e.g. `{"do": "accept_terms", "order": "ORD-00000001"}`.
    pub fn from_json(text: &str) -> Result<Command, Error> {
        serde_json::from_str(text).map_err(|e| Error::invalid("command", format!("not a valid command: {e}")))
    }
}

impl Marketplace {
    /// Runs a command as `caller` and returns its result as JSON (a revealed password is the
    /// one place a secret is written out: its owner asked for it).
    pub fn run(&self, caller: impl Into<Caller>, command: Command) -> Result<Value, Error> {
        let c: Caller = caller.into();
        let actor = c.actor.clone();
        let by = &actor;
        match command {
            Command::RegisterCustomer { account } => json(self.register_customer(account)?),
            Command::ListProduct { draft } => json(self.list_product(c, draft)?),
            Command::ListSampleProduct { sample } => {
                use crate::testing::fixtures;
                let draft = match sample.as_str() {
                    "saas" => fixtures::saas_draft(),
                    "supervised_saas" => fixtures::supervised_saas_draft(),
                    "license" => fixtures::license_draft(),
                    "professional_service" => fixtures::professional_service_draft(),
                    "image" => fixtures::image_draft(),
                    other => {
                        return Err(Error::invalid(
                            "sample",
                            format!("no sample `{other}`: saas, supervised_saas, license, professional_service, image"),
                        ));
                    }
                };
                json(self.list_product(c, draft)?)
            }
            Command::DelistProduct { product } => json(self.delist_product(c, &product)?),
            Command::RelistProduct { product } => json(self.relist_product(c, &product)?),
            Command::Search { query } => json(self.search(&query)?),
            Command::SaveToList { product, specification } => {
                json(self.save_to_list(c, &product, specification.as_deref())?)
            }
            Command::RemoveFromList { product } => json(self.remove_from_list(c, &product)?),
            Command::SavedList => json(self.saved_list(by)?),
            Command::BuyFromList { request } => json(self.buy_from_list(c, request)?),
            Command::QuotePurchase { request } => json(self.quote_purchase(&request)?),
            Command::PlaceOrder { request } => json(self.place_order(c, request)?),
            Command::AcceptTerms { order } => json(self.accept_terms(c, &order)?),
            Command::Pay { order, method } => json(self.pay(c, &order, method)?),
            Command::CancelOrder { order } => json(self.cancel_order(c, &order)?),
            Command::Order { order } => json(self.order(by, &order)?),
            Command::Orders { filter, page, page_size } => json(self.orders(by, &filter, page, page_size)?),
            Command::QuoteImage { product, request } => json(self.quote_image(&product, &request)?),
            Command::ProvisionImage { product, request } => json(self.provision_image(c, &product, request)?),
            Command::App { app } => json(self.app(by, &app)?),
            Command::Apps { filter, page, page_size } => json(self.apps(by, &filter, page, page_size)?),
            Command::ProvideApplicationInfo { app, info, password } => {
                json(self.provide_application_info(c, &app, info, password)?)
            }
            Command::RevealPassword { app } => json(self.reveal_password(c, &app)?.expose()),
            Command::QuoteUpgrade { app, specification, quantity } => {
                json(self.quote_upgrade(by, &app, &specification, quantity)?)
            }
            Command::OrderUpgrade { app, specification, quantity } => {
                json(self.order_upgrade(c, &app, &specification, quantity)?)
            }
            Command::Flow { flow } => json(self.flow(by, &flow)?),
            Command::FlowOfOrder { order } => json(self.flow_of_order(by, &order)?),
            Command::Flows { filter, page, page_size } => json(self.flows(by, &filter, page, page_size)?),
            Command::SubmitRequest { flow, request } => json(self.submit_request(c, &flow, request)?),
            Command::AcceptRequest { flow } => json(self.accept_request(c, &flow)?),
            Command::RejectRequest { flow, reason } => json(self.reject_request(c, &flow, &reason)?),
            Command::Deliver { flow, delivery, password } => json(self.deliver(c, &flow, delivery, password)?),
            Command::ConfirmAcceptance { flow } => json(self.confirm_acceptance(c, &flow)?),
            Command::RejectDelivery { flow, reason } => json(self.reject_delivery(c, &flow, &reason)?),
            Command::RemindSeller { flow } => json(self.remind_seller(c, &flow)?),
            Command::OpenAppeal { flow, reason } => json(self.open_appeal(c, &flow, &reason)?),
            Command::ResolveAppeal { appeal, resolution } => json(self.resolve_appeal(c, &appeal, resolution)?),
            Command::Appeal { appeal } => json(self.appeal(by, &appeal)?),
            Command::OverdueAppeals => json(self.overdue_appeals(by)?),
            Command::QuoteRenewal { app, periods, renewal_day } => {
                json(self.quote_renewal(by, &app, periods, renewal_day)?)
            }
            Command::Renew { app, periods, renewal_day } => json(self.renew(c, &app, periods, renewal_day)?),
            Command::SetAutoRenewal { app, periods, count, days_before } => {
                json(self.set_auto_renewal(c, &app, periods, count, days_before)?)
            }
            Command::DisableAutoRenewal { app } => json(self.disable_auto_renewal(c, &app)?),
            Command::QuoteUnsubscribe { app } => json(self.quote_unsubscribe(by, &app)?),
            Command::Unsubscribe { app } => json(self.unsubscribe(c, &app)?),
            Command::ReviewUnsubscription { order, approve } => json(self.review_unsubscription(c, &order, approve)?),
            Command::RequestRefund { order, amount, reason } => json(self.request_refund(c, &order, amount, &reason)?),
            Command::ResolveRefundRequest { order, approve } => json(self.resolve_refund_request(c, &order, approve)?),
            Command::RequestInvoice { order } => json(self.request_invoice(c, &order)?),
            Command::IssueInvoice { invoice } => json(self.issue_invoice(c, &invoice)?),
            Command::ReturnInvoice { invoice } => json(self.return_invoice(c, &invoice)?),
            Command::Invoice { invoice } => json(self.invoice(by, &invoice)?),
            Command::Tick => json(self.tick(by)?),
            Command::AvailableActions { target } => json(self.available_actions(by, &target)?),
            Command::Records { target } => json(self.records(by, &target)?),
        }
    }

    /// [`Marketplace::run`] with the command and the result as JSON text.
    ///
    /// ```
    /// use appmarket::*;
    ///
    /// let market = Marketplace::new();
    /// let seller = Actor::seller("isv-1")?;
    /// let product = market.run_json(&seller, r#"{"do": "list_sample_product", "sample": "saas"}"#)?;
    /// assert!(product.contains("Coremail Pro Email Hosting"));
    /// let err = market.run_json(&seller, r#"{"do": "no_such_command"}"#).unwrap_err();
    /// assert_eq!(err.kind(), "invalid_input");
    /// # Ok::<(), appmarket::Error>(())
    /// ```
    pub fn run_json(&self, caller: impl Into<Caller>, command: &str) -> Result<String, Error> {
        let value = self.run(caller, Command::from_json(command)?)?;
        Ok(value.to_string())
    }
}
