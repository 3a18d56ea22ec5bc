//! Service supervision (SUP-*) and appeals (APL-*).

use crate::apps::ApplicationInfo;
use crate::conversions::{Actor, IntoCore, Money, Secret, Timestamp, all, caller, id, mirror_enum};
use crate::errors::Result;
use crate::marketplace::Marketplace;

mirror_enum!(
    /// Which supervision process a flow follows.
    FlowKind => appmarket::supervision::FlowKind {
        /// A licence: the seller delivers offline (SUP-2).
        License,
        /// A professional service: request, delivery, acceptance (SUP-3).
        ProfessionalService,
        /// A SaaS product that involves supervision (SUP-3).
        Saas,
    }
);

mirror_enum!(
    /// Where a service flow stands, as the Service Supervision page names it (`statusText`).
    FlowStatus => appmarket::supervision::FlowStatus {
        /// Customer submits request.
        AwaitingRequest,
        /// Waiting for the seller to accept the request.
        RequestSubmitted,
        /// Waiting for the seller to provide the service.
        InService,
        /// Waiting for the user to confirm acceptance.
        AwaitingAcceptance,
        /// Frozen: appeal under review.
        Frozen,
        /// Service completed.
        Completed,
        /// Service closed.
        Closed,
    }
);

mirror_enum!(
    /// A party of a flow.
    Party => appmarket::supervision::Party {
        /// The customer.
        Customer,
        /// The seller.
        Seller,
    }
);

mirror_enum!(
    /// Why an appeal may be opened (APL-1).
    AppealGrounds => appmarket::supervision::AppealGrounds {
        /// The seller has not updated the flow for too long.
        SellerIdle,
        /// The seller rejected the request repeatedly.
        RequestRejected,
        /// The customer rejected the delivery repeatedly.
        DeliveryRejected,
        /// The customer has not acted for too long.
        CustomerIdle,
    }
);

mirror_enum!(
    /// Where an appeal stands.
    AppealStatus => appmarket::AppealStatus {
        /// Waiting for the operator.
        Open,
        /// Resolved by the operator.
        Resolved,
        /// Closed with its flow by the system.
        Closed,
    }
);

/// An attachment of a request: a file name with a supported extension and its size (SUP-3).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Attachment {
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// The customer's request (SUP-3).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ServiceRequest {
    /// Requirement description, 1–1,000 characters.
    pub description: String,
    /// Attachments: at least one for SaaS.
    #[uniffi(default = [])]
    pub attachments: Vec<Attachment>,
}

/// What the seller enters when delivering (SUP-2, SUP-3, APP-3).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct Delivery {
    /// A note for the customer.
    #[uniffi(default = "")]
    pub note: String,
    /// The actual enabling time, which then starts the term (APP-3).
    #[uniffi(default = None)]
    pub enabling_time: Option<Timestamp>,
    /// SaaS: the application information (the password travels apart).
    #[uniffi(default = None)]
    pub application_info: Option<ApplicationInfo>,
}

/// A service flow (SUP-1).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ServiceFlow {
    /// Flow id.
    pub id: String,
    /// Its order.
    pub order: String,
    /// Its app.
    pub app: String,
    /// The customer.
    pub customer: String,
    /// The seller.
    pub seller: String,
    /// Product id.
    pub product: String,
    /// Product name.
    pub product_name: String,
    /// Specification name.
    pub specification: String,
    /// The process followed.
    pub kind: FlowKind,
    /// Months of the term that starts at acceptance, if any.
    pub term_months: Option<u32>,
    /// Where it stands.
    pub status: FlowStatus,
    /// The status name the page shows.
    pub status_text: String,
    /// Where it stood when an appeal froze it.
    pub frozen_from: Option<FlowStatus>,
    /// The appeal freezing it.
    pub appeal: Option<String>,
    /// When it opened.
    pub opened_at: Timestamp,
    /// When its status last changed.
    pub updated_at: Timestamp,
    /// The current request.
    pub request: Option<ServiceRequest>,
    /// Times the seller rejected the request.
    pub request_rejections: u32,
    /// Times the customer rejected the delivery.
    pub delivery_rejections: u32,
    /// The last rejection's reason.
    pub last_rejection_reason: Option<String>,
    /// The last reminder to the seller.
    pub last_reminder_at: Option<Timestamp>,
    /// When it was last delivered.
    pub delivered_at: Option<Timestamp>,
    /// The seller's actual enabling time.
    pub enabling_time: Option<Timestamp>,
    /// SaaS application information shown on the flow before completion (APP-4).
    pub application_info: Option<ApplicationInfo>,
    /// When the customer accepted.
    pub accepted_at: Option<Timestamp>,
    /// When it was closed.
    pub closed_at: Option<Timestamp>,
}

/// A submitted request: the flow, and warnings about sensitive data in it (SUP-6).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SubmittedRequest {
    /// The flow after the submission.
    pub flow: ServiceFlow,
    /// Sensitive-data reminders; never a refusal.
    pub warnings: Vec<String>,
}

/// A page of flows.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FlowPage {
    /// The flows of this page.
    pub items: Vec<ServiceFlow>,
    /// Page number, from 1.
    pub page: u32,
    /// Items per page.
    pub page_size: u32,
    /// Matches over all pages.
    pub total: u64,
}

/// Which flows to list.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct FlowFilter {
    /// Only this status.
    #[uniffi(default = None)]
    pub status: Option<FlowStatus>,
    /// Only this process.
    #[uniffi(default = None)]
    pub kind: Option<FlowKind>,
    /// Only the flow of this order.
    #[uniffi(default = None)]
    pub order: Option<String>,
}

/// The operator's decision on an appeal (APL-4).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Resolution {
    /// The flow resumes where it was.
    Resume,
    /// The flow completes as if accepted.
    CompleteAsAccepted,
    /// The flow closes with a refund of 0 < refund ≤ paid.
    CloseWithRefund {
        /// The refund.
        refund: Money,
    },
}

/// An appeal (APL-*).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Appeal {
    /// Appeal id.
    pub id: String,
    /// The frozen flow.
    pub flow: String,
    /// The order.
    pub order: String,
    /// The customer.
    pub customer: String,
    /// The seller.
    pub seller: String,
    /// Who appealed.
    pub appellant: Party,
    /// On what grounds.
    pub grounds: AppealGrounds,
    /// The appellant's reason.
    pub reason: String,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// Where it stands.
    pub status: AppealStatus,
    /// The operator's resolution.
    pub resolution: Option<Resolution>,
    /// The operator who resolved it.
    pub resolved_by: Option<String>,
    /// When.
    pub resolved_at: Option<Timestamp>,
}

// ---------------------------------------------------------------- conversions

impl From<appmarket::supervision::Attachment> for Attachment {
    fn from(a: appmarket::supervision::Attachment) -> Self {
        Attachment { name: a.name, bytes: a.bytes }
    }
}

impl IntoCore<appmarket::supervision::Attachment> for Attachment {
    fn into_core(self) -> Result<appmarket::supervision::Attachment> {
        Ok(appmarket::supervision::Attachment { name: self.name, bytes: self.bytes })
    }
}

impl From<appmarket::supervision::ServiceRequest> for ServiceRequest {
    fn from(r: appmarket::supervision::ServiceRequest) -> Self {
        ServiceRequest { description: r.description, attachments: all(r.attachments) }
    }
}

impl IntoCore<appmarket::supervision::ServiceRequest> for ServiceRequest {
    fn into_core(self) -> Result<appmarket::supervision::ServiceRequest> {
        Ok(appmarket::supervision::ServiceRequest {
            description: self.description,
            attachments: self.attachments.into_core()?,
        })
    }
}

impl IntoCore<appmarket::supervision::Delivery> for Delivery {
    fn into_core(self) -> Result<appmarket::supervision::Delivery> {
        Ok(appmarket::supervision::Delivery {
            note: self.note,
            enabling_time: self.enabling_time,
            application_info: self.application_info.into_core()?,
        })
    }
}

impl From<appmarket::supervision::ServiceFlow> for ServiceFlow {
    fn from(f: appmarket::supervision::ServiceFlow) -> Self {
        ServiceFlow {
            id: f.id.to_string(),
            order: f.order.to_string(),
            app: f.app.to_string(),
            customer: f.customer.to_string(),
            seller: f.seller.to_string(),
            product: f.product.to_string(),
            product_name: f.product_name,
            specification: f.specification,
            kind: f.kind.into(),
            term_months: f.term_months,
            status_text: f.status.to_string(),
            status: f.status.into(),
            frozen_from: f.frozen_from.map(Into::into),
            appeal: f.appeal.map(|a| a.to_string()),
            opened_at: f.opened_at,
            updated_at: f.updated_at,
            request: f.request.map(Into::into),
            request_rejections: f.request_rejections,
            delivery_rejections: f.delivery_rejections,
            last_rejection_reason: f.last_rejection_reason,
            last_reminder_at: f.last_reminder_at,
            delivered_at: f.delivered_at,
            enabling_time: f.enabling_time,
            application_info: f.application_info.map(Into::into),
            accepted_at: f.accepted_at,
            closed_at: f.closed_at,
        }
    }
}

impl From<appmarket::supervision::SubmittedRequest> for SubmittedRequest {
    fn from(s: appmarket::supervision::SubmittedRequest) -> Self {
        SubmittedRequest { flow: s.flow.into(), warnings: s.warnings }
    }
}

impl From<appmarket::Page<appmarket::supervision::ServiceFlow>> for FlowPage {
    fn from(p: appmarket::Page<appmarket::supervision::ServiceFlow>) -> Self {
        FlowPage { items: all(p.items), page: p.page, page_size: p.page_size, total: p.total }
    }
}

impl IntoCore<appmarket::supervision::FlowFilter> for FlowFilter {
    fn into_core(self) -> Result<appmarket::supervision::FlowFilter> {
        Ok(appmarket::supervision::FlowFilter {
            status: self.status.map(Into::into),
            kind: self.kind.map(Into::into),
            order: self.order.map(id).transpose()?,
        })
    }
}

impl From<appmarket::Resolution> for Resolution {
    fn from(r: appmarket::Resolution) -> Self {
        match r {
            appmarket::Resolution::Resume => Resolution::Resume,
            appmarket::Resolution::CompleteAsAccepted => Resolution::CompleteAsAccepted,
            appmarket::Resolution::CloseWithRefund { refund } => Resolution::CloseWithRefund { refund: refund.into() },
        }
    }
}

impl IntoCore<appmarket::Resolution> for Resolution {
    fn into_core(self) -> Result<appmarket::Resolution> {
        Ok(match self {
            Resolution::Resume => appmarket::Resolution::Resume,
            Resolution::CompleteAsAccepted => appmarket::Resolution::CompleteAsAccepted,
            Resolution::CloseWithRefund { refund } => {
                appmarket::Resolution::CloseWithRefund { refund: refund.into_core()? }
            }
        })
    }
}

impl From<appmarket::Appeal> for Appeal {
    fn from(a: appmarket::Appeal) -> Self {
        Appeal {
            id: a.id.to_string(),
            flow: a.flow.to_string(),
            order: a.order.to_string(),
            customer: a.customer.to_string(),
            seller: a.seller.to_string(),
            appellant: a.appellant.into(),
            grounds: a.grounds.into(),
            reason: a.reason,
            opened_at: a.opened_at,
            status: a.status.into(),
            resolution: a.resolution.map(Into::into),
            resolved_by: a.resolved_by.map(|o| o.to_string()),
            resolved_at: a.resolved_at,
        }
    }
}

// ---------------------------------------------------------------- facade

#[uniffi::export]
impl Marketplace {
    /// The customer submits a request (SUP-3); sensitive-data reminders come back as warnings.
    #[uniffi::method(default(request_id = None))]
    pub fn submit_request(
        &self,
        by: Actor,
        flow: String,
        request: ServiceRequest,
        request_id: Option<String>,
    ) -> Result<SubmittedRequest> {
        Ok(self.core.submit_request(caller(by, request_id)?, &id(flow)?, request.into_core()?)?.into())
    }

    /// The seller accepts the request (SUP-3).
    #[uniffi::method(default(request_id = None))]
    pub fn accept_request(&self, by: Actor, flow: String, request_id: Option<String>) -> Result<ServiceFlow> {
        Ok(self.core.accept_request(caller(by, request_id)?, &id(flow)?)?.into())
    }

    /// The seller rejects the request with a reason; it returns to the customer (SUP-3).
    #[uniffi::method(default(request_id = None))]
    pub fn reject_request(
        &self,
        by: Actor,
        flow: String,
        reason: String,
        request_id: Option<String>,
    ) -> Result<ServiceFlow> {
        Ok(self.core.reject_request(caller(by, request_id)?, &id(flow)?, &reason)?.into())
    }

    /// The seller delivers (SUP-2, SUP-3), with an optional password kept apart (APP-5).
    #[uniffi::method(default(password = None, request_id = None))]
    pub fn deliver(
        &self,
        by: Actor,
        flow: String,
        delivery: Delivery,
        password: Option<Secret>,
        request_id: Option<String>,
    ) -> Result<ServiceFlow> {
        Ok(self.core.deliver(caller(by, request_id)?, &id(flow)?, delivery.into_core()?, password)?.into())
    }

    /// The customer confirms acceptance (SUP-4): the order completes 3 hours later.
    #[uniffi::method(default(request_id = None))]
    pub fn confirm_acceptance(&self, by: Actor, flow: String, request_id: Option<String>) -> Result<ServiceFlow> {
        Ok(self.core.confirm_acceptance(caller(by, request_id)?, &id(flow)?)?.into())
    }

    /// The customer rejects the delivery with a reason; it returns to the seller (SUP-3).
    #[uniffi::method(default(request_id = None))]
    pub fn reject_delivery(
        &self,
        by: Actor,
        flow: String,
        reason: String,
        request_id: Option<String>,
    ) -> Result<ServiceFlow> {
        Ok(self.core.reject_delivery(caller(by, request_id)?, &id(flow)?, &reason)?.into())
    }

    /// The customer reminds the seller, at most once per interval (SUP-5).
    #[uniffi::method(default(request_id = None))]
    pub fn remind_seller(&self, by: Actor, flow: String, request_id: Option<String>) -> Result<ServiceFlow> {
        Ok(self.core.remind_seller(caller(by, request_id)?, &id(flow)?)?.into())
    }

    /// A flow `by` may see.
    pub fn flow(&self, by: Actor, flow: String) -> Result<ServiceFlow> {
        Ok(self.core.flow(&by.into_core()?, &id(flow)?)?.into())
    }

    /// The flow of an order.
    pub fn flow_of_order(&self, by: Actor, order: String) -> Result<ServiceFlow> {
        Ok(self.core.flow_of_order(&by.into_core()?, &id(order)?)?.into())
    }

    /// A customer's or seller's flows.
    pub fn flows(&self, by: Actor, filter: FlowFilter, page: u32, page_size: u32) -> Result<FlowPage> {
        Ok(self.core.flows(&by.into_core()?, &filter.into_core()?, page, page_size)?.into())
    }

    /// The application information shown on a flow before completion (APP-4), without password.
    pub fn flow_application_info(&self, by: Actor, flow: String) -> Result<Option<ApplicationInfo>> {
        Ok(self.core.flow_application_info(&by.into_core()?, &id(flow)?)?.map(Into::into))
    }

    /// Opens an appeal, which freezes the flow (APL-1, APL-2).
    #[uniffi::method(default(request_id = None))]
    pub fn open_appeal(&self, by: Actor, flow: String, reason: String, request_id: Option<String>) -> Result<Appeal> {
        Ok(self.core.open_appeal(caller(by, request_id)?, &id(flow)?, &reason)?.into())
    }

    /// The operator resolves an appeal (APL-4).
    #[uniffi::method(default(request_id = None))]
    pub fn resolve_appeal(
        &self,
        by: Actor,
        appeal: String,
        resolution: Resolution,
        request_id: Option<String>,
    ) -> Result<Appeal> {
        Ok(self.core.resolve_appeal(caller(by, request_id)?, &id(appeal)?, resolution.into_core()?)?.into())
    }

    /// An appeal `by` may see.
    pub fn appeal(&self, by: Actor, appeal: String) -> Result<Appeal> {
        Ok(self.core.appeal(&by.into_core()?, &id(appeal)?)?.into())
    }

    /// Appeals open for more than the resolution target in working days (operators only).
    pub fn overdue_appeals(&self, by: Actor) -> Result<Vec<Appeal>> {
        Ok(all(self.core.overdue_appeals(&by.into_core()?)?))
    }
}
