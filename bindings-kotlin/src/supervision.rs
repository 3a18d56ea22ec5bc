//! Service supervision (SUP-*) and appeals (APL-*).

use appmarket::supervision::ServiceFlow;
use appmarket::{Actor, AppealId, FlowId, OrderId};
use appmarket::{Appeal, ApplicationInfo};

use appmarket::supervision::FlowFilter;

use crate::{Marketplace, Result, page};

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
    /// A flow `by` may see.
    pub fn flow(&self, by: Actor, flow: FlowId) -> Result<ServiceFlow> {
        self.core.flow(&by, &flow)
    }

    /// The flow of an order.
    pub fn flow_of_order(&self, by: Actor, order: OrderId) -> Result<ServiceFlow> {
        self.core.flow_of_order(&by, &order)
    }

    /// A customer's or seller's flows.
    pub fn flows(&self, by: Actor, filter: FlowFilter, page: u32, page_size: Option<u32>) -> Result<FlowPage> {
        self.core.flows(&by, &filter, page, page_size).map(Into::into)
    }

    /// The application information shown on a flow before completion (APP-4), without password.
    pub fn flow_application_info(&self, by: Actor, flow: FlowId) -> Result<Option<ApplicationInfo>> {
        self.core.flow_application_info(&by, &flow)
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
