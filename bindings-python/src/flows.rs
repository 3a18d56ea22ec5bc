//! Service supervision and appeals (SUP, APL): requests, deliveries, flows, appeals and the
//! operator's resolution.

use pyo3::prelude::*;
use pyo3::types::PyType;

use appmarket::Page;

use crate::apps::ApplicationInfo;
use crate::conversions::PyUtc;
use crate::enums::{AppealGrounds, AppealStatus, FlowKind, FlowStatus, Party};
use crate::runtime::Policy;
use crate::values::Money;

value_class!(
    /// An attachment of a request: file name and size in bytes (SUP-3). The content stays with the host.
    Attachment(appmarket::Attachment) {
        name: |a| a.name.clone(),
        bytes: |a| a.bytes,
    }

    #[new]
    fn new(name: String, bytes: u64) -> Self {
        Self { inner: appmarket::Attachment { name, bytes } }
    }
);

value_class!(
    /// The customer's request: a description and attachments (SUP-3).
    ServiceRequest(appmarket::ServiceRequest) {
        description: |r| r.description.clone(),
        attachments: |r| r.attachments.iter().cloned().map(Attachment::from).collect::<Vec<_>>(),
    }

    #[new]
    #[pyo3(signature = (description, attachments = Vec::new()))]
    fn new(description: String, attachments: Vec<Attachment>) -> Self {
        Self {
            inner: appmarket::ServiceRequest {
                description,
                attachments: attachments.into_iter().map(|a| a.inner).collect(),
            },
        }
    }
);

value_class!(
    /// What the seller enters when delivering: a note, the actual enabling time (APP-3), and for
    /// SaaS the application information (APP-4); the password is passed apart (APP-5).
    Delivery(appmarket::Delivery) {
        note: |d| d.note.clone(),
        enabling_time: |d| d.enabling_time,
        application_info: |d| d.application_info.clone().map(ApplicationInfo::from),
    }

    #[new]
    #[pyo3(signature = (*, note = String::new(), enabling_time = None, application_info = None))]
    fn new(note: String, enabling_time: Option<PyUtc>, application_info: Option<ApplicationInfo>) -> Self {
        Self {
            inner: appmarket::Delivery {
                note,
                enabling_time: enabling_time.map(|t| t.0),
                application_info: application_info.map(|i| i.inner),
            },
        }
    }
);

value_class!(
    /// A service flow (SUP-1). `status_text` is the status shown on the Service Supervision page.
    ServiceFlow(appmarket::ServiceFlow) {
        id: |f| f.id.to_string(),
        order: |f| f.order.to_string(),
        app: |f| f.app.to_string(),
        customer: |f| f.customer.to_string(),
        seller: |f| f.seller.to_string(),
        product: |f| f.product.to_string(),
        product_name: |f| f.product_name.clone(),
        specification: |f| f.specification.clone(),
        kind: |f| FlowKind::from(f.kind),
        term_months: |f| f.term_months,
        status: |f| FlowStatus::from(f.status),
        status_text: |f| f.status.to_string(),
        frozen_from: |f| f.frozen_from.map(FlowStatus::from),
        appeal: |f| f.appeal.as_ref().map(ToString::to_string),
        opened_at: |f| f.opened_at,
        updated_at: |f| f.updated_at,
        request: |f| f.request.clone().map(ServiceRequest::from),
        request_rejections: |f| f.request_rejections,
        delivery_rejections: |f| f.delivery_rejections,
        last_rejection_reason: |f| f.last_rejection_reason.clone(),
        last_reminder_at: |f| f.last_reminder_at,
        delivered_at: |f| f.delivered_at,
        enabling_time: |f| f.enabling_time,
        application_info: |f| f.application_info.clone().map(ApplicationInfo::from),
        accepted_at: |f| f.accepted_at,
        closed_at: |f| f.closed_at,
    }

    /// Who holds the next step; `None` when frozen or finished.
    #[getter]
    fn next_step_by(&self) -> Option<Party> {
        self.inner.next_step_by().map(Party::from)
    }

    /// When the system closes the flow under `policy` (SUP-8).
    fn closes_at(&self, policy: PyRef<'_, Policy>) -> chrono::DateTime<chrono::Utc> {
        self.inner.closes_at(&policy.inner)
    }

    /// From when no appeal is allowed under `policy` (APL-3).
    fn appeals_end_at(&self, policy: PyRef<'_, Policy>) -> chrono::DateTime<chrono::Utc> {
        self.inner.appeals_end_at(&policy.inner)
    }
);

value_class!(
    /// The result of submitting a request: the flow and the sensitive-data warnings (SUP-6).
    SubmittedRequest(appmarket::SubmittedRequest) {
        flow: |s| ServiceFlow::from(s.flow.clone()),
        warnings: |s| s.warnings.clone(),
    }
);

value_class!(
    /// A page of service flows.
    FlowPage(Page<appmarket::ServiceFlow>) {
        items: |p| p.items.iter().cloned().map(ServiceFlow::from).collect::<Vec<_>>(),
        page: |p| p.page,
        page_size: |p| p.page_size,
        total: |p| p.total,
    }

    fn __len__(&self) -> usize {
        self.inner.items.len()
    }
);

value_class!(
    /// The operator's decision on an appeal (APL-4): `Resolution.resume()`,
    /// `Resolution.complete_as_accepted()` or `Resolution.close_with_refund(refund)`. `kind` is
    /// `resume`, `complete_as_accepted` or `close_with_refund`; `refund` is set for the last.
    Resolution(appmarket::Resolution) {
        kind: |r| match r {
            appmarket::Resolution::Resume => "resume",
            appmarket::Resolution::CompleteAsAccepted => "complete_as_accepted",
            appmarket::Resolution::CloseWithRefund { .. } => "close_with_refund",
        },
        refund: |r| match r {
            appmarket::Resolution::CloseWithRefund { refund } => Some(Money::from(*refund)),
            _ => None,
        },
    }

    /// The flow resumes where it was.
    #[classmethod]
    fn resume(_cls: &Bound<'_, PyType>) -> Self {
        Self { inner: appmarket::Resolution::Resume }
    }

    /// The flow completes as if accepted; the order completes after the usual delay.
    #[classmethod]
    fn complete_as_accepted(_cls: &Bound<'_, PyType>) -> Self {
        Self { inner: appmarket::Resolution::CompleteAsAccepted }
    }

    /// The flow closes with a refund of 0 < refund ≤ paid; a full refund unsubscribes the order.
    #[classmethod]
    fn close_with_refund(_cls: &Bound<'_, PyType>, refund: Money) -> Self {
        Self { inner: appmarket::Resolution::CloseWithRefund { refund: refund.inner } }
    }
);

value_class!(
    /// An appeal against a service flow (APL-1..4).
    Appeal(appmarket::Appeal) {
        id: |a| a.id.to_string(),
        flow: |a| a.flow.to_string(),
        order: |a| a.order.to_string(),
        customer: |a| a.customer.to_string(),
        seller: |a| a.seller.to_string(),
        appellant: |a| Party::from(a.appellant),
        grounds: |a| AppealGrounds::from(a.grounds),
        reason: |a| a.reason.clone(),
        opened_at: |a| a.opened_at,
        status: |a| AppealStatus::from(a.status),
        resolution: |a| a.resolution.clone().map(Resolution::from),
        resolved_by: |a| a.resolved_by.as_ref().map(ToString::to_string),
        resolved_at: |a| a.resolved_at,
    }

    /// By when the operator should resolve it under `policy`, in working days (APL-4).
    fn resolution_due(&self, policy: PyRef<'_, Policy>) -> chrono::DateTime<chrono::Utc> {
        self.inner.resolution_due(&policy.inner)
    }
);

/// Adds the classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Attachment>()?;
    m.add_class::<ServiceRequest>()?;
    m.add_class::<Delivery>()?;
    m.add_class::<ServiceFlow>()?;
    m.add_class::<SubmittedRequest>()?;
    m.add_class::<FlowPage>()?;
    m.add_class::<Resolution>()?;
    m.add_class::<Appeal>()?;
    Ok(())
}
