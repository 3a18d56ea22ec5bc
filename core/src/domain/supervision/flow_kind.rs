//! Which supervision process a flow follows (SUP-1): its own file, so that the policy can name
//! flow kinds without depending on the service flow.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::delivery::DeliveryMethod;

/// Which supervision process a flow follows (SUP-1).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum FlowKind {
    /// A licence: no request; the seller delivers offline (SUP-2).
    License,
    /// A professional service: request (attachments optional), delivery, acceptance (SUP-3).
    ProfessionalService,
    /// A SaaS product that involves supervision: request (at least one attachment), delivery of
    /// the application information, acceptance (SUP-3).
    Saas,
}

impl FlowKind {
    /// The flow kind of a delivery method, `None` for images (SUP-1).
    pub fn of(delivery: DeliveryMethod) -> Option<FlowKind> {
        match delivery {
            DeliveryMethod::License => Some(FlowKind::License),
            DeliveryMethod::ProfessionalService => Some(FlowKind::ProfessionalService),
            DeliveryMethod::Saas => Some(FlowKind::Saas),
            DeliveryMethod::Image => None,
        }
    }

    pub(crate) fn delivery_rule(self) -> &'static str {
        if self == FlowKind::License { "SUP-2" } else { "SUP-3" }
    }
}

impl fmt::Display for FlowKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FlowKind::License => "License",
            FlowKind::ProfessionalService => "Professional service",
            FlowKind::Saas => "SaaS",
        })
    }
}
