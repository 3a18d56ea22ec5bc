//! Every command of the library, declared once: its name, its one-line doc, who calls it, the
//! actor it requires, its target, the button it is (an [`Action`](crate::Action)), its arguments
//! with their defaults and its result.
//!
//! The `Command` enum with its JSON, [`Marketplace::run`](crate::Marketplace::run)'s dispatch,
//! the buttons of [`Action`](crate::Action), the Python methods (with their keyword signatures
//! and stubs) and the Kotlin methods are generated from this table by `make commands` into files
//! marked as generated; a test fails when they are stale. The table is public so that a host can
//! list the commands it may send, with their arguments and the actor each requires.

/// How a command is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calling {
    /// A change: called with a [`Caller`](crate::Caller) (an actor and an optional request id
    /// that makes it idempotent).
    Change,
    /// A read: called with the [`Actor`](crate::Actor) who reads.
    Read,
    /// A read open to everyone (the catalog, quotes of the catalog's prices): no actor.
    Open,
    /// A host-level setting, made by the host itself ([`Actor::System`](crate::Actor::System)).
    Host,
}

/// How the facade takes an argument in Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// By value.
    Value,
    /// By reference (`&T`).
    Ref,
    /// A `String` argument taken as `&str`.
    Str,
    /// An `Option<String>` argument taken as `Option<&str>`.
    OptStr,
}

/// One argument of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg {
    /// Its name, in the JSON of the command and in every binding.
    pub name: &'static str,
    /// Its Rust type (as the `Command` variant holds it).
    pub ty: &'static str,
    /// How the Rust facade takes it.
    pub pass: Pass,
    /// Its doc.
    pub doc: &'static str,
    /// Its default when left out, as a Rust expression (`None`, `1`; `None` for a type that is
    /// not an `Option` means its `Default`); `None` when required.
    pub default: Option<&'static str>,
    /// Whether Python takes it by keyword only.
    pub keyword: bool,
    /// The fields Python takes instead, as keyword arguments, to build it (empty: the value
    /// itself).
    pub fields: &'static [Arg],
}

/// One command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declaration {
    /// Its name: the facade method, the `do` tag of its JSON, the Python method; the Kotlin
    /// method is its camel case.
    pub name: &'static str,
    /// Its one-line doc.
    pub doc: &'static str,
    /// How it is called.
    pub calling: Calling,
    /// Who may call it, in words (the aggregate checks it and names the rule).
    pub actor: &'static str,
    /// The argument naming what the command acts on, if any.
    pub target: Option<&'static str>,
    /// The [`Action`](crate::Action) variant it is on a page, if it is a button.
    pub action: Option<&'static str>,
    /// Its arguments, in order.
    pub args: &'static [Arg],
    /// The Rust type of its result.
    pub returns: &'static str,
    /// What it is when it is one decision of the aggregate its target names: the aggregate's
    /// type and its command (a Rust expression of the arguments). The facade then decides it
    /// and returns the aggregate's new state; without it, the facade's handler `<name>_in`
    /// carries the command out (several aggregates, a payment, a secret).
    pub decides: Option<(&'static str, &'static str)>,
}

impl Declaration {
    /// The command as one decision of `aggregate` on its target.
    const fn decides(self, aggregate: &'static str, command: &'static str) -> Declaration {
        Declaration { decides: Some((aggregate, command)), ..self }
    }
}

const fn arg(name: &'static str, ty: &'static str, pass: Pass, doc: &'static str) -> Arg {
    Arg { name, ty, pass, doc, default: None, keyword: false, fields: &[] }
}

const fn id(name: &'static str, ty: &'static str, doc: &'static str) -> Arg {
    arg(name, ty, Pass::Ref, doc)
}

const fn value(name: &'static str, ty: &'static str, doc: &'static str) -> Arg {
    arg(name, ty, Pass::Value, doc)
}

const fn text(name: &'static str, doc: &'static str) -> Arg {
    arg(name, "String", Pass::Str, doc)
}

/// An optional argument, `None` when left out.
const fn optional(name: &'static str, ty: &'static str, doc: &'static str) -> Arg {
    Arg { name, ty, pass: Pass::Value, doc, default: Some("None"), keyword: false, fields: &[] }
}

impl Arg {
    const fn keyword(self) -> Arg {
        Arg { keyword: true, ..self }
    }

    const fn default(self, default: &'static str) -> Arg {
        Arg { default: Some(default), ..self }
    }

    const fn fields(self, fields: &'static [Arg]) -> Arg {
        Arg { fields, ..self }
    }
}

const fn change(
    name: &'static str,
    doc: &'static str,
    actor: &'static str,
    target: Option<&'static str>,
    action: Option<&'static str>,
    args: &'static [Arg],
    returns: &'static str,
) -> Declaration {
    Declaration { name, doc, calling: Calling::Change, actor, target, action, args, returns, decides: None }
}

const fn read(
    name: &'static str,
    doc: &'static str,
    calling: Calling,
    target: Option<&'static str>,
    args: &'static [Arg],
    returns: &'static str,
) -> Declaration {
    let actor = match calling {
        Calling::Open => "anyone",
        Calling::Host => "the host",
        _ => "who may see it",
    };
    Declaration { name, doc, calling, actor, target, action: None, args, returns, decides: None }
}

const ORDER: Arg = id("order", "OrderId", "The order.");
const APP: Arg = id("app", "AppId", "The app.");
const FLOW: Arg = id("flow", "FlowId", "The flow.");
const PRODUCT: Arg = id("product", "ProductId", "The product.");
const INVOICE: Arg = id("invoice", "InvoiceId", "The invoice.");
const REASON: Arg = text("reason", "Why.");
const PAGE: Arg = value("page", "u32", "Page from 1.").default("1");
const PAGE_SIZE: Arg = optional("page_size", "Option<u32>", "Page size; none for the policy's `default_page_size`.");
const PASSWORD: Arg = optional("password", "Option<Secret>", "The password, kept apart.");
const SPECIFICATION: Arg = text("specification", "Target specification.");
const QUANTITY: Arg = value("quantity", "u32", "Target quantity.");
/// A purchase request as Python's keyword arguments.
const PURCHASE: &[Arg] = &[
    value("product", "ProductId", "The product.").keyword(),
    value("specification", "String", "The specification.").keyword(),
    value("mode", "BillingMode", "The billing mode.").keyword(),
    value("quantity", "u32", "How many units.").keyword().default("1"),
    value("periods", "u32", "How many months or years.").keyword().default("1"),
];
/// The same, for an item of the saved list: an empty specification is the saved one.
const SAVED_PURCHASE: &[Arg] = &[
    value("product", "ProductId", "The product.").keyword(),
    value("mode", "BillingMode", "The billing mode.").keyword(),
    value("quantity", "u32", "How many units.").keyword().default("1"),
    value("periods", "u32", "How many months or years.").keyword().default("1"),
    value("specification", "String", "The specification; empty for the saved one.").keyword().default("String::new()"),
];

/// Every command, in the order of the user guide: catalog, orders, apps, supervision, appeals,
/// renewal, pay-per-use, unsubscription, invoices, and the host's.
pub const DECLARATIONS: &[Declaration] = &[
    read(
        "register_customer",
        "Registers or updates a customer account: credit, reseller and level are the host's to give (ACC-1).",
        Calling::Host,
        None,
        &[value("account", "CustomerAccount", "The account.")],
        "CustomerAccount",
    ),
    // ------------------------------------------------------------------ catalog (CAT)
    change(
        "list_product",
        "A seller lists a product (CAT-1, CAT-2).",
        "a seller",
        None,
        None,
        &[value("draft", "ProductDraft", "The draft.")],
        "Product",
    ),
    change(
        "delist_product",
        "Its seller (or an operator) takes a product off the catalog.",
        "its seller or an operator",
        Some("product"),
        None,
        &[PRODUCT],
        "Product",
    )
    .decides("Product", "catalog::ProductCommand::Delist"),
    change(
        "relist_product",
        "Its seller (or an operator) puts a delisted product back.",
        "its seller or an operator",
        Some("product"),
        None,
        &[PRODUCT],
        "Product",
    )
    .decides("Product", "catalog::ProductCommand::Relist"),
    read(
        "search",
        "Searches the listed products (CAT-3).",
        Calling::Open,
        None,
        &[arg("query", "SearchQuery", Pass::Ref, "The query.").default("None")],
        "Page<Product>",
    ),
    change(
        "save_to_list",
        "Saves a product (with an optional specification) to the customer's list (CAT-4).",
        "a customer",
        Some("product"),
        None,
        &[PRODUCT, Arg { pass: Pass::OptStr, ..optional("specification", "Option<String>", "The specification.") }],
        "SavedList",
    ),
    change(
        "remove_from_list",
        "Removes a product from the customer's list.",
        "a customer",
        Some("product"),
        None,
        &[PRODUCT],
        "SavedList",
    ),
    read("saved_list", "The customer's saved list.", Calling::Read, None, &[], "SavedList"),
    change(
        "buy_from_list",
        "Places an order for an item of the saved list (CAT-4).",
        "a customer",
        None,
        None,
        &[value("request", "PurchaseRequest", "What to buy.").fields(SAVED_PURCHASE)],
        "Order",
    ),
    // ------------------------------------------------------------------ orders (ORD, PRC, IMG)
    read(
        "quote_purchase",
        "Prices a purchase; for a reseller's customer the amount is for reference only (PRC-1..3, ORD-4).",
        Calling::Read,
        None,
        &[id("request", "PurchaseRequest", "What to price.")],
        "Quote",
    ),
    change(
        "place_order",
        "The customer places an order; it waits for acceptance of the terms and payment (ORD-1, ORD-2).",
        "a customer",
        None,
        None,
        &[value("request", "PurchaseRequest", "What to buy.").fields(PURCHASE)],
        "Order",
    ),
    change(
        "accept_terms",
        "The customer accepts the terms and conditions of an order (ORD-2).",
        "its customer",
        Some("order"),
        Some("AcceptTerms"),
        &[ORDER],
        "Order",
    )
    .decides("Order", "order::OrderCommand::AcceptTerms"),
    change(
        "pay",
        "The customer pays an order (ORD-2, ORD-3).",
        "its customer",
        Some("order"),
        Some("Pay"),
        &[ORDER, optional("method", "Option<PaymentMethod>", "The method; none for a reseller's customer.")],
        "Order",
    ),
    change(
        "cancel_order",
        "The customer cancels an unpaid order.",
        "its customer",
        Some("order"),
        Some("CancelOrder"),
        &[ORDER],
        "Order",
    ),
    read("order", "An order `by` may see.", Calling::Read, Some("order"), &[ORDER], "Order"),
    read(
        "orders",
        "The orders `by` may see, a page at a time.",
        Calling::Read,
        None,
        &[arg("filter", "OrderFilter", Pass::Ref, "Filter.").default("None"), PAGE, PAGE_SIZE],
        "Page<Order>",
    ),
    read(
        "quote_image",
        "Prices an image with its resources; for a reseller's customer the amount is for reference only (IMG-1..3, ORD-4).",
        Calling::Read,
        Some("product"),
        &[
            id("product", "ProductId", "The image product."),
            id("request", "ImageProvisioning", "The provisioning request."),
        ],
        "Quote",
    ),
    change(
        "provision_image",
        "Orders an image with its resources: quick provisioning pays at once with `method`, customized provisioning is paid by `pay` (IMG-1, IMG-2, ORD-3).",
        "a customer",
        Some("product"),
        None,
        &[
            id("product", "ProductId", "The image product."),
            value("request", "ImageProvisioning", "The provisioning request."),
            optional(
                "method",
                "Option<PaymentMethod>",
                "Quick provisioning: how it is paid now, none for a reseller's customer; none for customized provisioning.",
            ),
        ],
        "Order",
    ),
    // ------------------------------------------------------------------ apps (APP, PRC-4)
    read("app", "An app `by` may see.", Calling::Read, Some("app"), &[APP], "PurchasedApp"),
    read(
        "apps",
        "The apps `by` may see, a page at a time.",
        Calling::Read,
        None,
        &[arg("filter", "AppFilter", Pass::Ref, "Filter.").default("None"), PAGE, PAGE_SIZE],
        "Page<PurchasedApp>",
    ),
    change(
        "provide_application_info",
        "The seller provides the application information, with an optional password kept apart (APP-1, APP-5).",
        "its seller",
        Some("app"),
        None,
        &[APP, value("info", "ApplicationInfo", "The information."), PASSWORD],
        "PurchasedApp",
    ),
    change(
        "reveal_password",
        "The owner reveals the app's password (APP-5); the reveal is recorded.",
        "its customer",
        Some("app"),
        Some("RevealPassword"),
        &[APP],
        "Secret",
    ),
    read(
        "quote_upgrade",
        "Prices an upgrade of an app for the rest of its term; for a reseller's customer, for reference only (PRC-4, ORD-4).",
        Calling::Read,
        Some("app"),
        &[APP, SPECIFICATION.keyword(), QUANTITY.keyword()],
        "Quote",
    ),
    change(
        "order_upgrade",
        "Places an upgrade order at its quoted cost; paying it changes the configuration (PRC-4).",
        "its customer",
        Some("app"),
        Some("Upgrade"),
        &[APP, SPECIFICATION.keyword(), QUANTITY.keyword()],
        "Order",
    ),
    // ------------------------------------------------------------------ supervision (SUP)
    read("flow", "A service flow `by` may see.", Calling::Read, Some("flow"), &[FLOW], "ServiceFlow"),
    read("flow_of_order", "The service flow of an order.", Calling::Read, Some("order"), &[ORDER], "ServiceFlow"),
    read(
        "flows",
        "The service flows `by` may see, a page at a time.",
        Calling::Read,
        None,
        &[arg("filter", "FlowFilter", Pass::Ref, "Filter.").default("None"), PAGE, PAGE_SIZE],
        "Page<ServiceFlow>",
    ),
    change(
        "submit_request",
        "The customer submits a request (SUP-3); sensitive-data reminders come back as warnings.",
        "its customer",
        Some("flow"),
        Some("SubmitRequest"),
        &[FLOW, value("request", "ServiceRequest", "The request.")],
        "SubmittedRequest",
    ),
    change(
        "accept_request",
        "The seller accepts the request (SUP-3).",
        "its seller",
        Some("flow"),
        Some("AcceptRequest"),
        &[FLOW],
        "ServiceFlow",
    )
    .decides("ServiceFlow", "supervision::FlowCommand::AcceptRequest"),
    change(
        "reject_request",
        "The seller rejects the request with a reason; it returns to the customer (SUP-3).",
        "its seller",
        Some("flow"),
        Some("RejectRequest"),
        &[FLOW, REASON],
        "ServiceFlow",
    ),
    change(
        "deliver",
        "The seller delivers (SUP-2, SUP-3), with an optional password kept apart (APP-5).",
        "its seller",
        Some("flow"),
        Some("Deliver"),
        &[FLOW, value("delivery", "Delivery", "What is delivered.").default("None"), PASSWORD],
        "ServiceFlow",
    ),
    change(
        "confirm_acceptance",
        "The customer confirms acceptance (SUP-4).",
        "its customer",
        Some("flow"),
        Some("ConfirmAcceptance"),
        &[FLOW],
        "ServiceFlow",
    ),
    change(
        "reject_delivery",
        "The customer rejects the delivery with a reason; it returns to the seller (SUP-3).",
        "its customer",
        Some("flow"),
        Some("RejectDelivery"),
        &[FLOW, REASON],
        "ServiceFlow",
    ),
    change(
        "remind_seller",
        "The customer reminds the seller (SUP-5).",
        "its customer",
        Some("flow"),
        Some("RemindSeller"),
        &[FLOW],
        "ServiceFlow",
    )
    .decides("ServiceFlow", "supervision::FlowCommand::RemindSeller"),
    // ------------------------------------------------------------------ appeals (APL)
    change(
        "open_appeal",
        "The customer appeals a flow with a reason (APL-1..3).",
        "its customer",
        Some("flow"),
        Some("Appeal"),
        &[FLOW, REASON],
        "Appeal",
    ),
    change(
        "resolve_appeal",
        "The operator resolves an appeal, with its refund (APL-4).",
        "an operator",
        Some("appeal"),
        Some("ResolveAppeal"),
        &[id("appeal", "AppealId", "The appeal."), value("resolution", "Resolution", "The resolution.")],
        "Appeal",
    ),
    read(
        "appeal",
        "An appeal `by` may see.",
        Calling::Read,
        Some("appeal"),
        &[id("appeal", "AppealId", "The appeal.")],
        "Appeal",
    ),
    read("overdue_appeals", "The appeals past their handling time (APL-4).", Calling::Read, None, &[], "Vec<Appeal>"),
    // ------------------------------------------------------------------ renewal (REN, PRC-8)
    read(
        "quote_renewal",
        "Prices a manual renewal; for a reseller's customer, for reference only (REN-1, REN-4, ORD-4). Changes nothing.",
        Calling::Read,
        Some("app"),
        &[
            APP,
            value("periods", "u32", "Months or years."),
            optional("renewal_day", "Option<RenewalDay>", "A renewal date (REN-4)."),
        ],
        "Quote",
    ),
    change(
        "renew",
        "Places a renewal order; paying it extends the term from the current expiry (REN-1..4).",
        "its customer",
        Some("app"),
        Some("Renew"),
        &[
            APP,
            value("periods", "u32", "Months or years."),
            optional("renewal_day", "Option<RenewalDay>", "A renewal date (REN-4)."),
        ],
        "Order",
    ),
    change(
        "set_auto_renewal",
        "Enables or changes auto-renewal, paid by `method` (balance, or a bound card; none keeps the current one) (REN-5, REN-6).",
        "its customer",
        Some("app"),
        Some("SetAutoRenewal"),
        &[
            APP,
            value("periods", "u32", "Periods per renewal.").keyword(),
            value("count", "u32", "Renewals wanted, 0 = unlimited.").keyword(),
            value("days_before", "u32", "Days before expiry of the charge.").keyword(),
            optional("method", "Option<PaymentMethod>", "How the charges are paid; none keeps the current one.")
                .keyword(),
        ],
        "PurchasedApp",
    ),
    change(
        "disable_auto_renewal",
        "Disables auto-renewal (REN-6).",
        "its customer",
        Some("app"),
        None,
        &[APP],
        "PurchasedApp",
    )
    .decides("PurchasedApp", "app::AppCommand::DisableAutoRenewal"),
    change(
        "schedule_downgrade",
        "Schedules a cheaper configuration for the end of the term, where the policy allows it (PRC-8).",
        "its customer",
        Some("app"),
        Some("ScheduleDowngrade"),
        &[APP, SPECIFICATION.keyword(), QUANTITY.keyword()],
        "PurchasedApp",
    ),
    change(
        "cancel_scheduled_downgrade",
        "Cancels the scheduled downgrade, unless a renewal was paid at its price (PRC-8).",
        "its customer",
        Some("app"),
        Some("CancelScheduledDowngrade"),
        &[APP],
        "PurchasedApp",
    ),
    // ------------------------------------------------------------------ pay-per-use (PRC-7)
    change(
        "delete_app",
        "Deletes (stops) a pay-per-use app; the started hours not settled yet are settled at once (PRC-7).",
        "its customer",
        Some("app"),
        Some("DeleteApp"),
        &[APP],
        "PurchasedApp",
    ),
    change(
        "pay_arrears",
        "Pays what a pay-per-use app owes, with `method` or the order's; paid in full, the app is restored (PRC-7).",
        "its customer",
        Some("app"),
        Some("PayArrears"),
        &[APP, optional("method", "Option<PaymentMethod>", "The method; none for the order's.")],
        "PurchasedApp",
    ),
    read(
        "usage_statement",
        "The usage statement of a pay-per-use app (PRC-7).",
        Calling::Read,
        Some("app"),
        &[APP],
        "UsageStatement",
    ),
    // ------------------------------------------------------------------ upcoming charges (UPC)
    read(
        "upcoming",
        "What `tick` and the clock will do up to `until`, committing nothing: charges, settlements, reminders, lifecycle, downgrades, cancellations, completions (UPC-1..3).",
        Calling::Read,
        None,
        &[
            value(
                "until",
                "chrono::DateTime<chrono::Utc>",
                "The preview's end: not before now, at most `upcoming_max_days` ahead (UPC-3).",
            ),
            optional(
                "customer",
                "Option<CustomerId>",
                "Whose: none for the caller's own (a customer) or every customer's, a page of customers at a time (an operator) (UPC-2).",
            ),
            PAGE,
            PAGE_SIZE,
        ],
        "Page<Upcoming>",
    ),
    // ------------------------------------------------------------------ unsubscription (UNS)
    read(
        "quote_unsubscribe",
        "The itemised refund an unsubscription would give (UNS-3..5). Changes nothing.",
        Calling::Read,
        Some("app"),
        &[APP],
        "RefundQuote",
    ),
    change(
        "unsubscribe",
        "Unsubscribes an app with its refund, or asks the operator's review (UNS-1..5).",
        "its customer",
        Some("app"),
        Some("Unsubscribe"),
        &[APP],
        "Order",
    ),
    change(
        "review_unsubscription",
        "The operator approves or rejects an unsubscription waiting for review (UNS-5).",
        "an operator",
        Some("order"),
        None,
        &[ORDER, value("approve", "bool", "Approve or reject.").keyword()],
        "Order",
    ),
    change(
        "request_refund",
        "The customer asks the seller for a negotiated refund before supervision completes (UNS-6).",
        "its customer",
        Some("order"),
        Some("RequestRefund"),
        &[ORDER, value("amount", "Money", "The amount asked."), REASON],
        "Order",
    ),
    change(
        "resolve_refund_request",
        "The seller approves or rejects a negotiated refund (UNS-6).",
        "its seller",
        Some("order"),
        None,
        &[ORDER, value("approve", "bool", "Approve or reject.").keyword()],
        "Order",
    ),
    // ------------------------------------------------------------------ invoices (INV)
    change(
        "request_invoice",
        "The customer requests an invoice of a paid order (INV-1, INV-2).",
        "its customer",
        Some("order"),
        Some("RequestInvoice"),
        &[ORDER],
        "Invoice",
    ),
    change(
        "issue_invoice",
        "The operator issues an invoice (INV-1).",
        "an operator",
        Some("invoice"),
        Some("IssueInvoice"),
        &[INVOICE],
        "Invoice",
    ),
    change(
        "return_invoice",
        "An issued invoice is returned; it can be requested again (INV-1, UNS-2).",
        "its customer or an operator",
        Some("invoice"),
        Some("ReturnInvoice"),
        &[INVOICE],
        "Invoice",
    ),
    read("invoice", "An invoice `by` may see.", Calling::Read, Some("invoice"), &[INVOICE], "Invoice"),
    // ------------------------------------------------------------------ the host's
    read(
        "tick",
        "Runs the scheduled work due now; only the system may (ACC-1).",
        Calling::Read,
        None,
        &[],
        "TickReport",
    ),
    read(
        "available_actions",
        "What `by` may do with `target` now, each with the rule that refuses it.",
        Calling::Read,
        Some("target"),
        &[id("target", "Target", "What about.")],
        "Vec<Availability>",
    ),
    read(
        "records",
        "The operation records of something `by` may see, oldest first, a page at a time.",
        Calling::Read,
        Some("target"),
        &[
            id("target", "Target", "What about."),
            value("after", "u64", "The events after this `seq` (0 for the first page).").default("0"),
            optional(
                "limit",
                "Option<u32>",
                "Most events to return; none (or more than the policy's `max_records_page`) for `max_records_page`.",
            ),
        ],
        "Vec<Event>",
    ),
];
