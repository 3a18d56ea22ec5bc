//! The `ServiceFlow` aggregate: service supervision of License, professional-service and
//! supervised-SaaS orders (SUP-1..8), with the appeal checks that read the flow (APL-1..3).

pub mod appeal;
pub mod attachment;
pub mod delivery;
pub mod flow_kind;

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::actions::{Action, Availability};
use crate::actor::{Actor, AppId, AppealId, CustomerId, FlowId, OrderId, ProductId, SellerId};
use crate::aggregate::{Aggregate, Create, Ctx, Sequence};
use crate::app::ApplicationInfo;
use crate::error::Error;
use crate::order::Order;
use crate::policy::Policy;
use crate::secret::Secret;

pub use crate::attachment::Attachment;
pub use crate::flow_kind::FlowKind;

/// Where a flow stands. `Display` gives the status a person sees on the Service Supervision page.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum FlowStatus {
    /// The customer must submit a request (SUP-3).
    AwaitingRequest,
    /// The seller must accept or reject the request (SUP-3).
    RequestSubmitted,
    /// The seller must deliver (SUP-2, SUP-3).
    InService,
    /// The customer must accept or reject the delivery (SUP-3, SUP-4).
    AwaitingAcceptance,
    /// An appeal froze the flow; only the operator acts (APL-2).
    Frozen,
    /// The customer accepted, or the operator completed it as accepted (SUP-4, APL-4).
    Completed,
    /// Closed by the system after the longest flow (SUP-8) or by the operator with a refund (APL-4).
    Closed,
}

impl FlowStatus {
    /// The statuses of an open flow, in the order of the process.
    pub const OPEN: [FlowStatus; 5] = [
        FlowStatus::AwaitingRequest,
        FlowStatus::RequestSubmitted,
        FlowStatus::InService,
        FlowStatus::AwaitingAcceptance,
        FlowStatus::Frozen,
    ];

    /// Whether the flow is still open (not completed or closed).
    pub fn is_open(self) -> bool {
        !matches!(self, FlowStatus::Completed | FlowStatus::Closed)
    }
}

impl fmt::Display for FlowStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FlowStatus::AwaitingRequest => "Customer submits request",
            FlowStatus::RequestSubmitted => "Waiting for the seller to accept the request",
            FlowStatus::InService => "Waiting for the seller to provide the service",
            FlowStatus::AwaitingAcceptance => "Waiting for the user to confirm acceptance",
            FlowStatus::Frozen => "Frozen: appeal under review",
            FlowStatus::Completed => "Service completed",
            FlowStatus::Closed => "Service closed",
        })
    }
}

/// A party of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Party {
    /// The customer of the order.
    Customer,
    /// The seller of the product.
    Seller,
}

/// Why a party may appeal (APL-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AppealGrounds {
    /// The seller has not updated the flow for more than the idle days.
    SellerIdle,
    /// The seller rejected the request the set number of times.
    RequestRejected,
    /// The customer rejected the delivery the set number of times.
    DeliveryRejected,
    /// The customer has not acted for more than the idle days.
    CustomerIdle,
}

impl fmt::Display for AppealGrounds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AppealGrounds::SellerIdle => "the seller has not updated the flow",
            AppealGrounds::RequestRejected => "the seller rejected the request repeatedly",
            AppealGrounds::DeliveryRejected => "the customer rejected the delivery repeatedly",
            AppealGrounds::CustomerIdle => "the customer has not acted",
        })
    }
}

/// The customer's request (SUP-3).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct ServiceRequest {
    /// Requirement description, 1–1,000 characters.
    pub description: String,
    /// Attachments: at least one for SaaS, optional for professional services.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub attachments: Vec<Attachment>,
}

/// What the seller enters when delivering (SUP-2, SUP-3, APP-3, APP-4).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Delivery {
    /// An optional note for the customer.
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub note: String,
    /// The actual enabling time, which then starts the term (APP-3); yearly/monthly only.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub enabling_time: Option<DateTime<Utc>>,
    /// SaaS only, required there: username and URLs. The password travels apart (APP-5).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub application_info: Option<ApplicationInfo>,
}

impl Delivery {
    /// Checks the password that travels with a delivery (APP-5): only a SaaS delivery, which
    /// carries application information, has one, of 1 to `application_password_max_chars`
    /// characters.
    pub fn check_password(&self, password: Option<&Secret>, policy: &Policy) -> Result<(), Error> {
        let Some(password) = password else { return Ok(()) };
        if self.application_info.is_none() {
            return Err(Error::invalid("password", "only a SaaS delivery carries a password"));
        }
        ApplicationInfo::check_password(password, policy)
    }
}

/// How the operator's resolution of an appeal ends the freeze (APL-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowOutcome {
    /// The flow resumes where it was.
    Resume,
    /// The flow completes as if the customer accepted.
    CompleteAsAccepted,
    /// The flow is closed (with a refund, decided on the appeal).
    Close,
}

/// Why a flow was closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CloseReason {
    /// Open for the longest flow (SUP-8).
    MaxAge,
    /// Closed by the operator's resolution of an appeal (APL-4).
    Appeal {
        /// The appeal.
        appeal: AppealId,
    },
    /// The seller approved a negotiated refund: the order is unsubscribed (UNS-6).
    NegotiatedRefund,
}

/// A service flow (SUP-1): one per supervised paid order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct ServiceFlow {
    /// Id.
    pub id: FlowId,
    /// The order that opened it.
    pub order: OrderId,
    /// The purchased app.
    pub app: AppId,
    /// The customer of the order.
    pub customer: CustomerId,
    /// The seller of the product.
    pub seller: SellerId,
    /// The product.
    pub product: ProductId,
    /// Product name.
    pub product_name: String,
    /// Specification name.
    pub specification: String,
    /// Which process it follows.
    pub kind: FlowKind,
    /// Months of the app's term, for yearly/monthly orders (APP-3).
    pub term_months: Option<u32>,
    /// Status.
    pub status: FlowStatus,
    /// The status before an appeal froze it (APL-2, APL-4).
    pub frozen_from: Option<FlowStatus>,
    /// The appeal that froze it, while frozen.
    pub appeal: Option<AppealId>,
    /// When it was opened (payment).
    pub opened_at: DateTime<Utc>,
    /// When a step last changed its status: the idle clock of APL-1.
    pub updated_at: DateTime<Utc>,
    /// The customer's latest request.
    pub request: Option<ServiceRequest>,
    /// How many times the seller rejected the request (APL-1).
    pub request_rejections: u32,
    /// How many times the customer rejected the delivery (APL-1).
    pub delivery_rejections: u32,
    /// The reason of the latest rejection.
    pub last_rejection_reason: Option<String>,
    /// When the customer last reminded the seller (SUP-5).
    pub last_reminder_at: Option<DateTime<Utc>>,
    /// When the seller last delivered.
    pub delivered_at: Option<DateTime<Utc>>,
    /// The actual enabling time the seller entered (APP-3).
    pub enabling_time: Option<DateTime<Utc>>,
    /// SaaS: the application information, without the password (APP-4).
    pub application_info: Option<ApplicationInfo>,
    /// When it was accepted (or completed as accepted).
    pub accepted_at: Option<DateTime<Utc>>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// The request template the seller attached to the specification, shown to the customer
    /// from the flow's opening, before the first request (user guide §4.3: "You can submit a
    /// request based on the request template provided by the seller"); `None` without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_template: Option<Attachment>,
}

/// A flow as messages name it ("service flow 7").
struct FlowName<'a>(&'a FlowId);

impl std::fmt::Display for FlowName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "service flow {}", self.0)
    }
}

/// A command on a flow: what its customer, its seller or the system may ask of it. What the marketplace itself records on
/// it is a [`FlowFact`], which only the library can make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowCommand {
    /// The customer submits a request (SUP-3).
    SubmitRequest(ServiceRequest),
    /// The seller accepts the request (SUP-3).
    AcceptRequest,
    /// The seller rejects the request with a reason; it returns to the customer (SUP-3).
    RejectRequest {
        /// Why.
        reason: String,
    },
    /// The seller delivers (SUP-2, SUP-3).
    Deliver(Delivery),
    /// The customer accepts the delivery (SUP-4).
    ConfirmAcceptance,
    /// The customer rejects the delivery with a reason; it returns to the seller (SUP-3).
    RejectDelivery {
        /// Why.
        reason: String,
    },
    /// The customer reminds the seller (SUP-5).
    RemindSeller,
    /// System: close a flow open for the longest flow (SUP-8).
    CloseAtMaxAge,
    /// A fact the marketplace records (see [`FlowFact`]).
    Record(FlowFact),
}

/// A fact the marketplace records on a flow after its own checks. It has no public
/// constructor: no caller can claim that an appeal froze or resolved the flow.
///
/// ```compile_fail
/// let frozen = appmarket::supervision::FlowFact(appmarket::supervision::Fact::CloseForRefund);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowFact(pub(crate) Fact);

/// The facts of [`FlowFact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fact {
    /// A paid supervised order opens its flow (SUP-1, SUP-2).
    Open {
        /// The order.
        order: Box<Order>,
        /// The app the order created.
        app: AppId,
        /// The request template the seller attached to the order's specification (SUP-3).
        template: Option<Attachment>,
    },
    /// A party appeals: the flow freezes (APL-1..3).
    Freeze {
        /// The new appeal.
        appeal: AppealId,
    },
    /// The operator resolved the appeal (APL-4).
    Resolve {
        /// The appeal.
        appeal: AppealId,
        /// How the flow goes on.
        outcome: FlowOutcome,
    },
    /// Close the flow of an order unsubscribed by an approved negotiated refund (UNS-6).
    CloseForRefund,
}

impl From<Fact> for FlowCommand {
    fn from(fact: Fact) -> FlowCommand {
        FlowCommand::Record(FlowFact(fact))
    }
}

/// What happened to a flow. These are its operation records (SUP-7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FlowEvent {
    /// Opened by a paid order.
    Opened {
        /// The order.
        order: OrderId,
        /// The process.
        kind: FlowKind,
    },
    /// The customer submitted a request.
    RequestSubmitted {
        /// The request.
        request: ServiceRequest,
    },
    /// The seller accepted the request.
    RequestAccepted,
    /// The seller rejected the request.
    RequestRejected {
        /// Why.
        reason: String,
    },
    /// The seller delivered.
    Delivered {
        /// The seller's note.
        note: String,
        /// The actual enabling time, if entered (APP-3).
        enabling_time: Option<DateTime<Utc>>,
        /// SaaS application information, without the password.
        application_info: Option<Box<ApplicationInfo>>,
    },
    /// The customer accepted the delivery (SUP-4).
    AcceptanceConfirmed,
    /// The customer rejected the delivery.
    DeliveryRejected {
        /// Why.
        reason: String,
    },
    /// The customer reminded the seller (SUP-5).
    SellerReminded,
    /// An appeal froze the flow (APL-2).
    Frozen {
        /// The appeal.
        appeal: AppealId,
        /// Who appealed.
        by: Party,
        /// On which grounds.
        grounds: AppealGrounds,
    },
    /// The operator resumed the flow where it was (APL-4).
    Resumed {
        /// The appeal.
        appeal: AppealId,
    },
    /// The operator completed the flow as accepted (APL-4).
    CompletedAsAccepted {
        /// The appeal.
        appeal: AppealId,
    },
    /// Closed (SUP-8, APL-4).
    Closed {
        /// Why.
        reason: CloseReason,
    },
}

impl fmt::Display for FlowEvent {
    /// The operation record's text (SUP-7).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlowEvent::Opened { order, kind } => write!(f, "{kind} service flow opened for order {order}"),
            FlowEvent::RequestSubmitted { request } => {
                write!(f, "Request submitted with {} attachment(s)", request.attachments.len())
            }
            FlowEvent::RequestAccepted => f.write_str("Request accepted"),
            FlowEvent::RequestRejected { reason } => write!(f, "Request rejected: {reason}"),
            FlowEvent::Delivered { note, .. } if note.is_empty() => f.write_str("Service delivered"),
            FlowEvent::Delivered { note, .. } => write!(f, "Service delivered: {note}"),
            FlowEvent::AcceptanceConfirmed => f.write_str("Service accepted"),
            FlowEvent::DeliveryRejected { reason } => write!(f, "Service rejected: {reason}"),
            FlowEvent::SellerReminded => f.write_str("Seller reminded"),
            FlowEvent::Frozen { appeal, grounds, .. } => write!(f, "Frozen by appeal {appeal}: {grounds}"),
            FlowEvent::Resumed { appeal } => write!(f, "Resumed after appeal {appeal}"),
            FlowEvent::CompletedAsAccepted { appeal } => write!(f, "Completed as accepted after appeal {appeal}"),
            FlowEvent::Closed { reason: CloseReason::MaxAge } => f.write_str("Closed after the longest flow"),
            FlowEvent::Closed { reason: CloseReason::Appeal { appeal } } => {
                write!(f, "Closed with a refund after appeal {appeal}")
            }
            FlowEvent::Closed { reason: CloseReason::NegotiatedRefund } => {
                f.write_str("Closed: the seller approved a negotiated refund")
            }
        }
    }
}

/// The result of submitting a request: the flow, and the sensitive-data warnings (SUP-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct SubmittedRequest {
    /// The flow after the request.
    pub flow: ServiceFlow,
    /// Warnings about what looks like a password, an account or personal data (SUP-6).
    pub warnings: Vec<String>,
}

pub use crate::policy::SENSITIVE_WORDS;

/// The sensitive-data warnings of a request: the description and each attachment name that
/// mentions a word of the policy's `sensitive_words` (SUP-6). Never a refusal.
pub fn sensitive_data_warnings(request: &ServiceRequest, policy: &Policy) -> Vec<String> {
    let mut warnings = Vec::new();
    // The place is only written out when a warning names it.
    let mut scan = |place: &dyn std::fmt::Display, text: &str| {
        let lower = text.to_lowercase();
        let found: Vec<&str> =
            policy.sensitive_words.iter().map(String::as_str).filter(|w| lower.contains(w)).collect();
        if !found.is_empty() {
            warnings.push(format!(
                "SUP-6: {place} mentions {}: for information security, do not include sensitive information \
                 such as personal details, accounts and passwords",
                found.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", ")
            ));
        }
    };
    scan(&"the description", &request.description);
    for a in &request.attachments {
        scan(&format_args!("attachment `{}`", a.name), &a.name);
    }
    warnings
}

/// Checks a free-text reason (rejections, appeals): 1 to the policy's maximum characters.
pub fn check_reason(field: &str, text: &str, policy: &Policy) -> Result<(), Error> {
    let n = text.chars().count();
    if text.trim().is_empty() || n > policy.reason_max_chars as usize {
        return Err(Error::invalid(field, format!("give a reason of 1–{} characters", policy.reason_max_chars)));
    }
    Ok(())
}

/// Checks a request against the policy (SUP-3): the description's length in characters, and
/// each attachment's extension and size.
pub fn check_request(kind: FlowKind, request: &ServiceRequest, policy: &Policy) -> Result<(), Error> {
    let n = request.description.chars().count();
    let (min, max) = (policy.description_min_chars as usize, policy.description_max_chars as usize);
    if request.description.trim().is_empty() || n < min || n > max {
        return Err(Error::invalid(
            "description",
            format!("SUP-3: a requirement description has {min}–{max} characters, got {n}"),
        ));
    }
    if kind == FlowKind::Saas && request.attachments.is_empty() {
        return Err(Error::invalid("attachments", "SUP-3: a SaaS request needs at least one attachment"));
    }
    request.attachments.iter().try_for_each(|a| a.check("attachment", policy))
}

/// What opening a flow decided, which none of its events changes: the one input of
/// [`ServiceFlow::new`].
struct FlowOrigin {
    id: FlowId,
    order: OrderId,
    app: AppId,
    customer: CustomerId,
    seller: SellerId,
    product: ProductId,
    product_name: String,
    specification: String,
    kind: FlowKind,
    term_months: Option<u32>,
    opened_at: DateTime<Utc>,
    request_template: Option<Attachment>,
}

impl ServiceFlow {
    /// The flow as its opening leaves it, before any step: in service (a licence, SUP-2) or
    /// awaiting the customer's request. The one place that says how a flow starts: opening it
    /// and [`Aggregate::as_created`] both make it here.
    fn new(origin: FlowOrigin) -> ServiceFlow {
        let FlowOrigin {
            id,
            order,
            app,
            customer,
            seller,
            product,
            product_name,
            specification,
            kind,
            term_months,
            opened_at,
            request_template,
        } = origin;
        ServiceFlow {
            id,
            order,
            app,
            customer,
            seller,
            product,
            product_name,
            specification,
            kind,
            term_months,
            status: if kind == FlowKind::License { FlowStatus::InService } else { FlowStatus::AwaitingRequest },
            frozen_from: None,
            appeal: None,
            opened_at,
            updated_at: opened_at,
            request: None,
            request_rejections: 0,
            delivery_rejections: 0,
            last_rejection_reason: None,
            last_reminder_at: None,
            delivered_at: None,
            enabling_time: None,
            application_info: None,
            accepted_at: None,
            closed_at: None,
            request_template,
        }
    }

    /// The flow a paid supervised order opens (SUP-1, SUP-2): a licence waits for the seller,
    /// the others for the customer's request. `None` when the order involves no supervision.
    pub fn open(id: FlowId, order: &Order, app: AppId, now: DateTime<Utc>) -> Option<(ServiceFlow, FlowEvent)> {
        ServiceFlow::open_with(id, order, app, None, now)
    }

    /// [`ServiceFlow::open`], showing the request template the seller attached to the order's
    /// specification, if any; a licence flow takes no request (SUP-2), so it shows none.
    fn open_with(
        id: FlowId,
        order: &Order,
        app: AppId,
        template: Option<Attachment>,
        now: DateTime<Utc>,
    ) -> Option<(ServiceFlow, FlowEvent)> {
        if !order.involves_supervision {
            return None;
        }
        let kind = FlowKind::of(order.delivery)?;
        let flow = ServiceFlow::new(FlowOrigin {
            id,
            order: order.id.clone(),
            app,
            customer: order.customer.clone(),
            seller: order.seller.clone(),
            product: order.product.clone(),
            product_name: order.product_name.clone(),
            specification: order.specification.clone(),
            kind,
            term_months: order.mode.months_per_period().map(|m| m * order.periods),
            opened_at: now,
            request_template: template.filter(|_| kind != FlowKind::License),
        });
        Some((flow, FlowEvent::Opened { order: order.id.clone(), kind }))
    }

    /// Who holds the next step, `None` when frozen or finished.
    pub fn next_step_by(&self) -> Option<Party> {
        match self.status {
            FlowStatus::AwaitingRequest | FlowStatus::AwaitingAcceptance => Some(Party::Customer),
            FlowStatus::RequestSubmitted | FlowStatus::InService => Some(Party::Seller),
            FlowStatus::Frozen | FlowStatus::Completed | FlowStatus::Closed => None,
        }
    }

    /// When the system closes the flow (SUP-8), while it is open.
    pub fn closes_at(&self, policy: &Policy) -> DateTime<Utc> {
        self.opened_at + Duration::days(i64::from(policy.flow_max_days))
    }

    /// From when no appeal is allowed (APL-3): the close minus the blackout.
    pub fn appeals_end_at(&self, policy: &Policy) -> DateTime<Utc> {
        self.opened_at + Duration::days(i64::from(policy.flow_max_days) - i64::from(policy.appeal_blackout_days))
    }

    /// How messages name it; written out only when a message is.
    fn what(&self) -> impl std::fmt::Display + '_ {
        FlowName(&self.id)
    }

    /// Checks that a negotiated refund may be asked or decided on this flow now (UNS-6): not
    /// while an appeal freezes it (APL-2), and only while supervision is open.
    pub fn check_refund_possible(&self) -> Result<(), Error> {
        if self.status == FlowStatus::Frozen {
            let appeal = self.appeal.as_ref().map(|a| format!(" by appeal {a}")).unwrap_or_default();
            return Err(Error::not_allowed(
                "APL-2",
                format!(
                    "{} is frozen{appeal}: no refund request or decision until the operator resolves it",
                    self.what()
                ),
            ));
        }
        if !self.status.is_open() {
            return Err(Error::not_allowed(
                "UNS-6",
                format!("{} is \"{}\": a negotiated refund needs open supervision", self.what(), self.status),
            ));
        }
        Ok(())
    }

    /// Which party `by` is, or [`Error::Forbidden`] (ACC-1).
    pub fn party_of(&self, by: &Actor) -> Result<Party, Error> {
        match by {
            Actor::Customer(c) if *c == self.customer => Ok(Party::Customer),
            Actor::Seller(s) if *s == self.seller => Ok(Party::Seller),
            other => Err(Error::forbidden(format!(
                "{other} may not act on {}: only its customer and seller may",
                self.what()
            ))),
        }
    }

    fn require_not_frozen(&self) -> Result<(), Error> {
        if self.status == FlowStatus::Frozen {
            let appeal = self.appeal.as_ref().map_or_else(String::new, |a| format!(" by appeal {a}"));
            return Err(Error::not_allowed(
                "APL-2",
                format!("{} is frozen{appeal}: nobody but the operator can act until it is resolved", self.what()),
            ));
        }
        Ok(())
    }

    fn require_status(&self, expected: FlowStatus, rule: &str, doing: &str) -> Result<(), Error> {
        if self.status == expected {
            Ok(())
        } else {
            Err(Error::not_allowed(rule, format!("{} is at \"{}\", so it cannot {doing}", self.what(), self.status)))
        }
    }

    fn customer_step(&self, by: &Actor) -> Result<(), Error> {
        by.require_customer(&self.customer, self.what())?;
        self.require_not_frozen()
    }

    fn seller_step(&self, by: &Actor) -> Result<(), Error> {
        by.require_seller(&self.seller, self.what())?;
        self.require_not_frozen()
    }

    /// Checks that `by` may submit a request now (SUP-2, SUP-3, APL-2).
    pub fn check_submit_request(&self, by: &Actor) -> Result<(), Error> {
        self.customer_step(by)?;
        if self.kind == FlowKind::License {
            return Err(Error::not_allowed("SUP-2", "a licence needs no request: the seller delivers it offline"));
        }
        self.require_status(FlowStatus::AwaitingRequest, "SUP-3", "take a request")
    }

    /// Checks that `by` may accept or reject the request now (SUP-3, APL-2).
    pub fn check_review_request(&self, by: &Actor) -> Result<(), Error> {
        self.seller_step(by)?;
        self.require_status(FlowStatus::RequestSubmitted, "SUP-3", "have its request reviewed")
    }

    /// Checks that `by` may deliver now (SUP-2, SUP-3, APL-2).
    pub fn check_deliver(&self, by: &Actor) -> Result<(), Error> {
        self.seller_step(by)?;
        self.require_status(FlowStatus::InService, self.kind.delivery_rule(), "be delivered")
    }

    /// Checks that `by` may accept the delivery now (SUP-4, APL-2).
    pub fn check_confirm_acceptance(&self, by: &Actor) -> Result<(), Error> {
        self.customer_step(by)?;
        self.require_status(FlowStatus::AwaitingAcceptance, "SUP-4", "be accepted")
    }

    /// Checks that `by` may reject the delivery now (SUP-3, APL-2).
    pub fn check_reject_delivery(&self, by: &Actor) -> Result<(), Error> {
        self.customer_step(by)?;
        self.require_status(FlowStatus::AwaitingAcceptance, "SUP-3", "have its delivery rejected")
    }

    /// Checks that `by` may remind the seller now (SUP-5, APL-2): while the seller holds the
    /// next step, at most once per the policy's interval.
    pub fn check_remind_seller(&self, by: &Actor, policy: &Policy, now: DateTime<Utc>) -> Result<(), Error> {
        self.customer_step(by)?;
        if self.next_step_by() != Some(Party::Seller) {
            return Err(Error::not_allowed(
                "SUP-5",
                format!("{} is at \"{}\": the seller does not hold the next step", self.what(), self.status),
            ));
        }
        if let Some(last) = self.last_reminder_at {
            let next = last + Duration::hours(i64::from(policy.reminder_interval_hours));
            if now < next {
                return Err(Error::not_allowed(
                    "SUP-5",
                    format!(
                        "the seller was reminded at {}; the next reminder is possible at {}",
                        last.to_rfc3339(),
                        next.to_rfc3339()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Checks that `by` may appeal now, and on which grounds (APL-1, APL-2, APL-3).
    pub fn check_appeal(&self, by: &Actor, policy: &Policy, now: DateTime<Utc>) -> Result<AppealGrounds, Error> {
        let party = self.party_of(by)?;
        if self.status == FlowStatus::Frozen {
            let appeal = self.appeal.as_ref().map_or_else(String::new, |a| format!(" {a}"));
            return Err(Error::not_allowed("APL-2", format!("{} already has an open appeal{appeal}", self.what())));
        }
        if !self.status.is_open() {
            return Err(Error::not_allowed(
                "APL-1",
                format!("{} is \"{}\": nothing to appeal", self.what(), self.status),
            ));
        }
        let end = self.appeals_end_at(policy);
        if now >= end {
            return Err(Error::not_allowed(
                "APL-3",
                format!(
                    "no appeal within {} days before {} closes: appeals ended at {}",
                    policy.appeal_blackout_days,
                    self.what(),
                    end.to_rfc3339()
                ),
            ));
        }
        let idle = now - self.updated_at > Duration::days(i64::from(policy.appeal_idle_days));
        let other_holds = self.next_step_by().is_some_and(|p| p != party);
        // The seller's rejections of the request: the Appeal sections' count; the customer's
        // rejections of the delivery: the count of the flow's kind (APL-1).
        let (requests, n) = (policy.appeal_request_rejections(), policy.appeal_rejections_for(self.kind));
        let grounds = match party {
            Party::Customer if other_holds && idle => Some(AppealGrounds::SellerIdle),
            Party::Customer if self.request_rejections >= requests => Some(AppealGrounds::RequestRejected),
            Party::Customer | Party::Seller if self.delivery_rejections >= n => Some(AppealGrounds::DeliveryRejected),
            Party::Seller if other_holds && idle => Some(AppealGrounds::CustomerIdle),
            _ => None,
        };
        grounds.ok_or_else(|| {
            let reason = match party {
                Party::Customer if self.kind == FlowKind::License => format!(
                    "the customer may appeal when the seller has not updated the flow for more than {} days, or \
                     after {n} rejections of the delivery (rejected {} times)",
                    policy.appeal_idle_days, self.delivery_rejections
                ),
                Party::Customer => format!(
                    "the customer may appeal when the seller has not updated the flow for more than {} days, or \
                     after {requests} rejections of the request or {n} of the delivery (request rejected {} times, \
                     delivery {} times)",
                    policy.appeal_idle_days, self.request_rejections, self.delivery_rejections
                ),
                Party::Seller => format!(
                    "the seller may appeal when the customer has not acted for more than {} days, or after {n} \
                     rejections of the delivery (rejected {} times)",
                    policy.appeal_idle_days, self.delivery_rejections
                ),
            };
            Error::not_allowed("APL-1", reason)
        })
    }

    /// Checks that `by` may resolve the flow's appeal `appeal` now (APL-4).
    pub fn check_resolve(&self, by: &Actor, appeal: &AppealId) -> Result<(), Error> {
        by.require_operator("resolve appeals")?;
        if self.status != FlowStatus::Frozen || self.appeal.as_ref() != Some(appeal) {
            return Err(Error::not_allowed("APL-4", format!("{} is not frozen by appeal {appeal}", self.what())));
        }
        Ok(())
    }

    fn check_delivery(&self, delivery: &Delivery, policy: &Policy, now: DateTime<Utc>) -> Result<(), Error> {
        if delivery.note.chars().count() > policy.reason_max_chars as usize {
            return Err(Error::invalid("note", format!("a note has at most {} characters", policy.reason_max_chars)));
        }
        if let Some(at) = delivery.enabling_time {
            if self.term_months.is_none() {
                return Err(Error::invalid("enabling_time", "APP-3: only a yearly/monthly app has a term to start"));
            }
            if at > now || at < self.opened_at {
                return Err(Error::invalid(
                    "enabling_time",
                    format!(
                        "APP-3: the actual enabling time lies between the payment ({}) and now",
                        self.opened_at.to_rfc3339()
                    ),
                ));
            }
        }
        match (&delivery.application_info, self.kind) {
            (None, FlowKind::Saas) => Err(Error::invalid(
                "application_info",
                "APP-4: a SaaS delivery gives the application information (username and URLs)",
            )),
            (Some(_), FlowKind::License | FlowKind::ProfessionalService | FlowKind::FiveGNaas) => {
                Err(Error::invalid("application_info", "only a SaaS delivery carries application information"))
            }
            (Some(info), FlowKind::Saas) => {
                if info.username.trim().is_empty() {
                    return Err(Error::invalid("username", "APP-4: give the username of the application"));
                }
                if info.management_url.trim().is_empty() && info.frontend_url.trim().is_empty() {
                    return Err(Error::invalid("management_url", "APP-4: give a management or frontend URL"));
                }
                info.check(policy)
            }
            (None, _) => Ok(()),
        }
    }

    /// The actions of the Service Supervision page and whether `by` may take each now, from the
    /// same checks as the commands.
    pub fn available_actions(&self, by: &Actor, policy: &Policy, now: DateTime<Utc>) -> Vec<Availability> {
        vec![
            Availability::from_check(Action::SubmitRequest, self.check_submit_request(by)),
            Availability::from_check(Action::AcceptRequest, self.check_review_request(by)),
            Availability::from_check(Action::RejectRequest, self.check_review_request(by)),
            Availability::from_check(Action::Deliver, self.check_deliver(by)),
            Availability::from_check(Action::ConfirmAcceptance, self.check_confirm_acceptance(by)),
            Availability::from_check(Action::RejectDelivery, self.check_reject_delivery(by)),
            Availability::from_check(Action::RemindSeller, self.check_remind_seller(by, policy, now)),
            Availability::from_check(Action::Appeal, self.check_appeal(by, policy, now).map(|_| ())),
        ]
    }
}

/// Which flows to list.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FlowFilter {
    /// Only this status.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub status: Option<FlowStatus>,
    /// Only this process.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub kind: Option<FlowKind>,
    /// Only the flow of this order.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub order: Option<OrderId>,
}

impl FlowFilter {
    /// Whether a flow passes the filter.
    pub fn matches(&self, flow: &ServiceFlow) -> bool {
        self.status.is_none_or(|s| s == flow.status)
            && self.kind.is_none_or(|k| k == flow.kind)
            && self.order.as_ref().is_none_or(|o| *o == flow.order)
    }
}

/// What closing a flow after the longest flow does to its order (SUP-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MaxAgeClose {
    /// The order is no longer processing: nothing.
    Nothing,
    /// The order completes now and the service starts.
    Complete,
    /// The order is unsubscribed with a refund of everything left of its payment.
    RefundInFull(crate::money::Money),
}

/// What closing `order`'s flow after the longest flow does to it (SUP-8): an invoiced order
/// completes; an uninvoiced one is refunded in full, unless the policy completes it too.
pub(crate) fn closed_at_max_age(order: &Order, policy: &Policy) -> MaxAgeClose {
    if order.status != crate::order::OrderStatus::Processing {
        MaxAgeClose::Nothing
    } else if order.invoice_issued || !policy.max_age_refunds_uninvoiced {
        MaxAgeClose::Complete
    } else {
        MaxAgeClose::RefundInFull(order.refundable())
    }
}

impl Create for ServiceFlow {
    /// The flow a paid supervised order opens ([`ServiceFlow::open`]).
    fn decide_new(cmd: &FlowCommand, ctx: &Ctx<'_>) -> Result<(ServiceFlow, Vec<FlowEvent>), Error> {
        let FlowCommand::Record(FlowFact(Fact::Open { order, app, template })) = cmd else {
            return Err(Error::invalid("command", "only a paid supervised order opens a service flow"));
        };
        let (flow, event) = ServiceFlow::open_with(FlowId::numbered(0), order, app.clone(), template.clone(), ctx.now)
            .ok_or_else(|| {
                Error::invalid("order", format!("order {} involves no supervision: it opens no flow", order.id))
            })?;
        Ok((flow, vec![event]))
    }

    fn number(&mut self, next: &mut dyn FnMut(Sequence) -> Result<u64, Error>) -> Result<(), Error> {
        self.id = FlowId::numbered(next(Sequence::Flow)?);
        Ok(())
    }
}

impl Aggregate for ServiceFlow {
    const WHAT: &'static str = "service flow";
    type Command = FlowCommand;
    type Event = FlowEvent;

    fn decide(&self, cmd: &FlowCommand, ctx: &Ctx<'_>) -> Result<Vec<FlowEvent>, Error> {
        let Ctx { actor: by, now, policy } = *ctx;
        match cmd {
            FlowCommand::Record(FlowFact(Fact::Open { .. })) => {
                Err(Error::invalid("command", format!("service flow {} is already open", self.id)))
            }
            FlowCommand::SubmitRequest(request) => {
                self.check_submit_request(by)?;
                check_request(self.kind, request, policy)?;
                Ok(vec![FlowEvent::RequestSubmitted { request: request.clone() }])
            }
            FlowCommand::AcceptRequest => {
                self.check_review_request(by)?;
                Ok(vec![FlowEvent::RequestAccepted])
            }
            FlowCommand::RejectRequest { reason } => {
                self.check_review_request(by)?;
                check_reason("reason", reason, policy)?;
                Ok(vec![FlowEvent::RequestRejected { reason: reason.clone() }])
            }
            FlowCommand::Deliver(delivery) => {
                self.check_deliver(by)?;
                self.check_delivery(delivery, policy, now)?;
                Ok(vec![FlowEvent::Delivered {
                    note: delivery.note.clone(),
                    enabling_time: delivery.enabling_time,
                    application_info: delivery.application_info.clone().map(Box::new),
                }])
            }
            FlowCommand::ConfirmAcceptance => {
                self.check_confirm_acceptance(by)?;
                Ok(vec![FlowEvent::AcceptanceConfirmed])
            }
            FlowCommand::RejectDelivery { reason } => {
                self.check_reject_delivery(by)?;
                check_reason("reason", reason, policy)?;
                Ok(vec![FlowEvent::DeliveryRejected { reason: reason.clone() }])
            }
            FlowCommand::RemindSeller => {
                self.check_remind_seller(by, policy, now)?;
                Ok(vec![FlowEvent::SellerReminded])
            }
            FlowCommand::Record(FlowFact(Fact::Freeze { appeal })) => {
                let grounds = self.check_appeal(by, policy, now)?;
                let party = self.party_of(by)?;
                Ok(vec![FlowEvent::Frozen { appeal: appeal.clone(), by: party, grounds }])
            }
            FlowCommand::Record(FlowFact(Fact::Resolve { appeal, outcome })) => {
                self.check_resolve(by, appeal)?;
                let appeal = appeal.clone();
                Ok(vec![match outcome {
                    FlowOutcome::Resume => FlowEvent::Resumed { appeal },
                    FlowOutcome::CompleteAsAccepted => FlowEvent::CompletedAsAccepted { appeal },
                    FlowOutcome::Close => FlowEvent::Closed { reason: CloseReason::Appeal { appeal } },
                }])
            }
            FlowCommand::Record(FlowFact(Fact::CloseForRefund)) => {
                self.check_refund_possible()?;
                Ok(vec![FlowEvent::Closed { reason: CloseReason::NegotiatedRefund }])
            }
            FlowCommand::CloseAtMaxAge => {
                by.require_system("close service flows")?;
                if !self.status.is_open() {
                    return Err(Error::not_allowed("SUP-8", format!("{} is already \"{}\"", self.what(), self.status)));
                }
                let at = self.closes_at(policy);
                if now < at {
                    return Err(Error::not_allowed(
                        "SUP-8",
                        format!(
                            "{} closes at {}, {} days after it opened",
                            self.what(),
                            at.to_rfc3339(),
                            policy.flow_max_days
                        ),
                    ));
                }
                Ok(vec![FlowEvent::Closed { reason: CloseReason::MaxAge }])
            }
        }
    }

    fn apply(&mut self, event: &FlowEvent, ctx: &Ctx<'_>) {
        let at = ctx.now;
        match event {
            FlowEvent::Opened { .. } => {}
            FlowEvent::RequestSubmitted { request } => {
                self.request = Some(request.clone());
                self.status = FlowStatus::RequestSubmitted;
                self.updated_at = at;
            }
            FlowEvent::RequestAccepted => {
                self.status = FlowStatus::InService;
                self.updated_at = at;
            }
            FlowEvent::RequestRejected { reason } => {
                self.request_rejections += 1;
                self.last_rejection_reason = Some(reason.clone());
                self.status = FlowStatus::AwaitingRequest;
                self.updated_at = at;
            }
            FlowEvent::Delivered { enabling_time, application_info, .. } => {
                self.delivered_at = Some(at);
                self.enabling_time = *enabling_time;
                if application_info.is_some() {
                    self.application_info = application_info.as_deref().cloned();
                }
                self.status = FlowStatus::AwaitingAcceptance;
                self.updated_at = at;
            }
            FlowEvent::AcceptanceConfirmed => {
                self.accepted_at = Some(at);
                self.status = FlowStatus::Completed;
                self.updated_at = at;
            }
            FlowEvent::DeliveryRejected { reason } => {
                self.delivery_rejections += 1;
                self.last_rejection_reason = Some(reason.clone());
                self.status = FlowStatus::InService;
                self.updated_at = at;
            }
            FlowEvent::SellerReminded => self.last_reminder_at = Some(at),
            FlowEvent::Frozen { appeal, .. } => {
                self.frozen_from = Some(self.status);
                self.appeal = Some(appeal.clone());
                self.status = FlowStatus::Frozen;
            }
            FlowEvent::Resumed { .. } => {
                self.status = self.frozen_from.take().unwrap_or(FlowStatus::InService);
                self.appeal = None;
                self.updated_at = at;
            }
            FlowEvent::CompletedAsAccepted { .. } => {
                self.frozen_from = None;
                self.appeal = None;
                self.accepted_at = Some(at);
                self.status = FlowStatus::Completed;
                self.updated_at = at;
            }
            FlowEvent::Closed { .. } => {
                self.frozen_from = None;
                self.appeal = None;
                self.closed_at = Some(at);
                self.status = FlowStatus::Closed;
                self.updated_at = at;
            }
        }
    }

    fn next_due(&self, policy: &Policy) -> Option<DateTime<Utc>> {
        self.status.is_open().then(|| self.closes_at(policy))
    }

    /// As opened (`ServiceFlow::new` of what opening decided, read from the flow itself).
    fn as_created(&self) -> Option<ServiceFlow> {
        let ServiceFlow {
            id,
            order,
            app,
            customer,
            seller,
            product,
            product_name,
            specification,
            kind,
            term_months,
            opened_at,
            request_template,
            ..
        } = self.clone();
        Some(ServiceFlow::new(FlowOrigin {
            id,
            order,
            app,
            customer,
            seller,
            product,
            product_name,
            specification,
            kind,
            term_months,
            opened_at,
            request_template,
        }))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::actor::{ProductId, SellerId};
    use crate::aggregate::tests::Lived;
    use crate::catalog::{BillingMode, Product};
    use crate::order::OrderKind;
    use crate::pricing::purchase_quote;
    use crate::testing::fixtures;

    pub(crate) fn flow_of(draft: crate::catalog::ProductDraft) -> ServiceFlow {
        let order = order_of(draft);
        ServiceFlow::open(FlowId::numbered(1), &order, AppId::numbered(1), fixtures::t0()).unwrap().0
    }

    fn order_of(draft: crate::catalog::ProductDraft) -> Order {
        let currency = draft.validate(&Policy::default()).unwrap();
        let seller = SellerId::parse("isv-1").unwrap();
        let product = Product::from_draft(ProductId::parse("PRD-1").unwrap(), seller, draft, currency, fixtures::t0());
        let spec = &product.specifications[0];
        let plan = spec.plan(BillingMode::Monthly).unwrap();
        let quantity = spec.quantity.as_ref().map_or(1, |q| q.min);
        let quote = purchase_quote(spec, plan, quantity, 1).unwrap();
        Order::placed_unchecked(
            OrderId::numbered(1),
            CustomerId::parse("alice").unwrap(),
            &product,
            crate::order::Ordered {
                specification: spec.name.clone(),
                mode: BillingMode::Monthly,
                quantity,
                periods: 1,
                kind: OrderKind::Purchase,
                quote,
            },
            fixtures::t0(),
        )
    }

    #[test]
    fn sup_8_an_invoiced_order_completes_an_uninvoiced_one_is_refunded_in_full() {
        let mut order = order_of(fixtures::license_draft());
        let mut policy = Policy::default();
        assert_eq!(closed_at_max_age(&order, &policy), MaxAgeClose::Nothing, "not processing");
        order.status = crate::order::OrderStatus::Processing;
        assert_eq!(closed_at_max_age(&order, &policy), MaxAgeClose::RefundInFull(order.refundable()));
        policy.max_age_refunds_uninvoiced = false;
        assert_eq!(closed_at_max_age(&order, &policy), MaxAgeClose::Complete);
        policy.max_age_refunds_uninvoiced = true;
        order.invoice_issued = true;
        assert_eq!(closed_at_max_age(&order, &policy), MaxAgeClose::Complete);
    }

    fn customer() -> Actor {
        Actor::customer("alice").unwrap()
    }

    fn seller() -> Actor {
        Actor::seller("isv-1").unwrap()
    }

    fn step(flow: &mut ServiceFlow, cmd: FlowCommand, by: &Actor, at: DateTime<Utc>) {
        let policy = Policy::default();
        let ctx = Ctx::new(by, at, &policy);
        let events = flow.decide(&cmd, &ctx).unwrap();
        events.iter().for_each(|e| flow.apply(e, &ctx));
    }

    fn opened(draft: crate::catalog::ProductDraft, template: Option<Attachment>) -> Lived<ServiceFlow> {
        let open =
            FlowCommand::from(Fact::Open { order: Box::new(order_of(draft)), app: AppId::numbered(1), template });
        Lived::created(&open, &Actor::System, fixtures::t0())
    }

    #[test]
    fn an_opened_flow_is_what_its_opening_left_and_its_steps_rebuild_it() {
        let template = Attachment { name: "template.docx".into(), bytes: 10 };
        let mut flow = opened(fixtures::supervised_saas_draft(), Some(template.clone()));
        assert_eq!(flow.value.request_template, Some(template));
        assert_eq!(flow.value.as_created(), Some(flow.value.clone()));
        assert_eq!(flow.rebuilt(), flow.value);
        let fresh = flow.value.clone();

        let req = ServiceRequest {
            description: "x".into(),
            attachments: vec![Attachment { name: "a.pdf".into(), bytes: 1 }],
        };
        let at = |days: i64| fixtures::t0() + Duration::days(days);
        flow.run(&FlowCommand::SubmitRequest(req.clone()), &customer(), at(1));
        flow.run(&FlowCommand::RejectRequest { reason: "why".into() }, &seller(), at(2));
        flow.run(&FlowCommand::SubmitRequest(req), &customer(), at(3));
        flow.run(&FlowCommand::AcceptRequest, &seller(), at(4));
        let appeal = AppealId::numbered(1);
        flow.run(&FlowCommand::from(Fact::Freeze { appeal: appeal.clone() }), &customer(), at(11));
        let resume = FlowCommand::from(Fact::Resolve { appeal, outcome: FlowOutcome::Resume });
        flow.run(&resume, &Actor::operator("ops").unwrap(), at(12));
        assert_eq!((flow.value.status, flow.value.request_rejections), (FlowStatus::InService, 1));
        assert_eq!(flow.value.as_created(), Some(fresh), "as opened, whatever happened since");
        assert_eq!(flow.rebuilt(), flow.value);
    }

    #[test]
    fn sup_2_a_license_flow_shows_no_request_template_even_as_created() {
        let template = Attachment { name: "template.docx".into(), bytes: 10 };
        let flow = opened(fixtures::license_draft(), Some(template));
        assert_eq!((flow.value.status, &flow.value.request_template), (FlowStatus::InService, &None));
        assert_eq!(flow.value.as_created(), Some(flow.value.clone()));
    }

    #[test]
    fn sup_2_a_license_flow_opens_waiting_for_the_seller() {
        let flow = flow_of(fixtures::license_draft());
        assert_eq!((flow.kind, flow.status), (FlowKind::License, FlowStatus::InService));
        assert_eq!(flow.next_step_by(), Some(Party::Seller));
        assert_eq!(flow.term_months, Some(1));
    }

    #[test]
    fn sup_3_the_description_is_counted_in_characters_not_bytes() {
        let policy = Policy::default();
        let ok = ServiceRequest { description: "é".repeat(1000), attachments: vec![] };
        assert!(check_request(FlowKind::ProfessionalService, &ok, &policy).is_ok());
        let long = ServiceRequest { description: "é".repeat(1001), attachments: vec![] };
        let err = check_request(FlowKind::ProfessionalService, &long, &policy).unwrap_err();
        assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "description"));
    }

    #[test]
    fn sup_3_attachment_extensions_are_case_insensitive() {
        let policy = Policy::default();
        for name in ["a.PDF", "b.JpEg", "c.tar.zip"] {
            let req = ServiceRequest {
                description: "x".into(),
                attachments: vec![Attachment { name: name.into(), bytes: 1 }],
            };
            assert!(check_request(FlowKind::Saas, &req, &policy).is_ok(), "{name}");
        }
    }

    #[test]
    fn sup_3_a_rejected_request_goes_back_to_the_customer_and_counts() {
        let mut flow = flow_of(fixtures::supervised_saas_draft());
        let req = ServiceRequest {
            description: "x".into(),
            attachments: vec![Attachment { name: "a.pdf".into(), bytes: 1 }],
        };
        step(&mut flow, FlowCommand::SubmitRequest(req), &customer(), fixtures::t0());
        step(&mut flow, FlowCommand::RejectRequest { reason: "why".into() }, &seller(), fixtures::t0());
        assert_eq!((flow.status, flow.request_rejections), (FlowStatus::AwaitingRequest, 1));
    }

    #[test]
    fn sup_6_sensitive_words_in_description_and_names_are_warned_once_each() {
        let req = ServiceRequest {
            description: "My PWD is 123".into(),
            attachments: vec![
                Attachment { name: "phone number list.xlsx".into(), bytes: 1 },
                Attachment { name: "logo.png".into(), bytes: 1 },
            ],
        };
        let warnings = sensitive_data_warnings(&req, &Policy::default());
        assert_eq!(warnings.len(), 2);
        assert!(warnings.iter().all(|w| w.starts_with("SUP-6")));
    }

    #[test]
    fn apl_1_idle_means_more_than_5_days_since_the_last_step() {
        let flow = flow_of(fixtures::license_draft());
        let policy = Policy::default();
        let five = fixtures::t0() + Duration::days(5);
        assert_eq!(flow.check_appeal(&customer(), &policy, five).unwrap_err().rule(), Some("APL-1"));
        let later = five + Duration::seconds(1);
        assert_eq!(flow.check_appeal(&customer(), &policy, later).unwrap(), AppealGrounds::SellerIdle);
        assert_eq!(flow.check_appeal(&seller(), &policy, later).unwrap_err().rule(), Some("APL-1"));
    }

    #[test]
    fn apl_2_a_frozen_flow_refuses_both_parties_and_resumes_where_it_was() {
        let mut flow = flow_of(fixtures::license_draft());
        let at = fixtures::t0() + Duration::days(6);
        let appeal = AppealId::numbered(1);
        step(&mut flow, FlowCommand::from(Fact::Freeze { appeal: appeal.clone() }), &customer(), at);
        assert_eq!(flow.check_deliver(&seller()).unwrap_err().rule(), Some("APL-2"));
        assert_eq!(flow.check_remind_seller(&customer(), &Policy::default(), at).unwrap_err().rule(), Some("APL-2"));
        let operator = Actor::operator("ops").unwrap();
        step(&mut flow, FlowCommand::from(Fact::Resolve { appeal, outcome: FlowOutcome::Resume }), &operator, at);
        assert_eq!(flow.status, FlowStatus::InService);
        assert!(flow.check_deliver(&seller()).is_ok());
    }

    #[test]
    fn apl_3_no_appeal_from_opened_plus_350_days() {
        let flow = flow_of(fixtures::license_draft());
        let policy = Policy::default();
        let end = fixtures::t0() + Duration::days(350);
        assert!(flow.check_appeal(&customer(), &policy, end - Duration::seconds(1)).is_ok());
        assert_eq!(flow.check_appeal(&customer(), &policy, end).unwrap_err().rule(), Some("APL-3"));
    }

    #[test]
    fn sup_8_an_open_flow_is_due_365_days_after_opening_and_a_closed_one_never() {
        let mut flow = flow_of(fixtures::license_draft());
        let policy = Policy::default();
        let due = fixtures::t0() + Duration::days(365);
        assert_eq!(flow.next_due(&policy), Some(due));
        let early =
            flow.decide(&FlowCommand::CloseAtMaxAge, &Ctx::new(&Actor::System, due - Duration::seconds(1), &policy));
        assert_eq!(early.unwrap_err().rule(), Some("SUP-8"));
        step(&mut flow, FlowCommand::CloseAtMaxAge, &Actor::System, due);
        assert_eq!((flow.status, flow.next_due(&policy)), (FlowStatus::Closed, None));
    }

    #[test]
    fn sup_3_status_names_are_those_of_the_service_supervision_page() {
        assert_eq!(FlowStatus::AwaitingRequest.to_string(), "Customer submits request");
        assert_eq!(FlowStatus::InService.to_string(), "Waiting for the seller to provide the service");
        assert_eq!(FlowStatus::AwaitingAcceptance.to_string(), "Waiting for the user to confirm acceptance");
        assert_eq!(FlowStatus::Completed.to_string(), "Service completed");
        assert_eq!(FlowStatus::Frozen.to_string(), "Frozen: appeal under review");
    }

    #[test]
    fn sup_8_the_open_statuses_are_those_of_a_flow_not_yet_completed_or_closed() {
        use FlowStatus::*;
        for status in [AwaitingRequest, RequestSubmitted, InService, AwaitingAcceptance, Frozen, Completed, Closed] {
            // Exhaustive: a new status must be placed among these.
            match status {
                AwaitingRequest | RequestSubmitted | InService | AwaitingAcceptance | Frozen | Completed | Closed => {}
            }
            assert_eq!(FlowStatus::OPEN.contains(&status), status.is_open(), "{status:?}");
        }
    }
}
