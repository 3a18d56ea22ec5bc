//! Service supervision (SUP-*) and appeals (APL-*).

use appmarket::supervision::{Delivery, ServiceFlow, ServiceRequest, SubmittedRequest};
use appmarket::{Actor, AppealId, FlowId, OrderId, RequestId, Secret};
use appmarket::{Appeal, ApplicationInfo, Resolution};

use appmarket::supervision::FlowFilter;

use crate::{Marketplace, Result, caller, page};

page!(
    /// A page of service flows.
    FlowPage of ServiceFlow
);

/// The status of a flow as the user guide words it (`"Customer submits request"`); Kotlin reads
/// it as `flow.statusText`.
#[uniffi::export]
pub fn flow_status_text(status: appmarket::supervision::FlowStatus) -> String {
    status.to_string()
}

#[uniffi::export]
impl Marketplace {
    /// The customer submits a request (SUP-3); sensitive-data reminders come back as warnings.
    #[uniffi::method(default(request_id = None))]
    pub fn submit_request(
        &self,
        by: Actor,
        flow: FlowId,
        request: ServiceRequest,
        request_id: Option<RequestId>,
    ) -> Result<SubmittedRequest> {
        self.core.submit_request(caller(by, request_id), &flow, request)
    }

    /// The seller accepts the request (SUP-3).
    #[uniffi::method(default(request_id = None))]
    pub fn accept_request(&self, by: Actor, flow: FlowId, request_id: Option<RequestId>) -> Result<ServiceFlow> {
        self.core.accept_request(caller(by, request_id), &flow)
    }

    /// The seller rejects the request with a reason; it returns to the customer (SUP-3).
    #[uniffi::method(default(request_id = None))]
    pub fn reject_request(
        &self,
        by: Actor,
        flow: FlowId,
        reason: String,
        request_id: Option<RequestId>,
    ) -> Result<ServiceFlow> {
        self.core.reject_request(caller(by, request_id), &flow, &reason)
    }

    /// The seller delivers (SUP-2, SUP-3), with an optional password kept apart (APP-5).
    #[uniffi::method(default(password = None, request_id = None))]
    pub fn deliver(
        &self,
        by: Actor,
        flow: FlowId,
        delivery: Delivery,
        password: Option<Secret>,
        request_id: Option<RequestId>,
    ) -> Result<ServiceFlow> {
        self.core.deliver(caller(by, request_id), &flow, delivery, password)
    }

    /// The customer confirms acceptance (SUP-4): the order completes 3 hours later.
    #[uniffi::method(default(request_id = None))]
    pub fn confirm_acceptance(&self, by: Actor, flow: FlowId, request_id: Option<RequestId>) -> Result<ServiceFlow> {
        self.core.confirm_acceptance(caller(by, request_id), &flow)
    }

    /// The customer rejects the delivery with a reason; it returns to the seller (SUP-3).
    #[uniffi::method(default(request_id = None))]
    pub fn reject_delivery(
        &self,
        by: Actor,
        flow: FlowId,
        reason: String,
        request_id: Option<RequestId>,
    ) -> Result<ServiceFlow> {
        self.core.reject_delivery(caller(by, request_id), &flow, &reason)
    }

    /// The customer reminds the seller, at most once per interval (SUP-5).
    #[uniffi::method(default(request_id = None))]
    pub fn remind_seller(&self, by: Actor, flow: FlowId, request_id: Option<RequestId>) -> Result<ServiceFlow> {
        self.core.remind_seller(caller(by, request_id), &flow)
    }

    /// A flow `by` may see.
    pub fn flow(&self, by: Actor, flow: FlowId) -> Result<ServiceFlow> {
        self.core.flow(&by, &flow)
    }

    /// The flow of an order.
    pub fn flow_of_order(&self, by: Actor, order: OrderId) -> Result<ServiceFlow> {
        self.core.flow_of_order(&by, &order)
    }

    /// A customer's or seller's flows.
    pub fn flows(&self, by: Actor, filter: FlowFilter, page: u32, page_size: u32) -> Result<FlowPage> {
        self.core.flows(&by, &filter, page, page_size).map(Into::into)
    }

    /// The application information shown on a flow before completion (APP-4), without password.
    pub fn flow_application_info(&self, by: Actor, flow: FlowId) -> Result<Option<ApplicationInfo>> {
        self.core.flow_application_info(&by, &flow)
    }

    /// Opens an appeal, which freezes the flow (APL-1, APL-2).
    #[uniffi::method(default(request_id = None))]
    pub fn open_appeal(
        &self,
        by: Actor,
        flow: FlowId,
        reason: String,
        request_id: Option<RequestId>,
    ) -> Result<Appeal> {
        self.core.open_appeal(caller(by, request_id), &flow, &reason)
    }

    /// The operator resolves an appeal (APL-4).
    #[uniffi::method(default(request_id = None))]
    pub fn resolve_appeal(
        &self,
        by: Actor,
        appeal: AppealId,
        resolution: Resolution,
        request_id: Option<RequestId>,
    ) -> Result<Appeal> {
        self.core.resolve_appeal(caller(by, request_id), &appeal, resolution)
    }

    /// An appeal `by` may see.
    pub fn appeal(&self, by: Actor, appeal: AppealId) -> Result<Appeal> {
        self.core.appeal(&by, &appeal)
    }

    /// Appeals open for more than the resolution target in working days (operators only).
    pub fn overdue_appeals(&self, by: Actor) -> Result<Vec<Appeal>> {
        self.core.overdue_appeals(&by)
    }
}
