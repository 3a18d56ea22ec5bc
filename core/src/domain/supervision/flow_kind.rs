//! Which supervision process a flow follows (SUP-1): its own file, so that the policy can name
//! flow kinds without depending on the service flow.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::delivery::DeliveryMethod;

/// Which supervision process a flow follows (SUP-1): the kinds of the Service Supervision
/// page's filter (user guide §4): Standard (a professional service), SaaS, License and 5G NaaS.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum FlowKind {
    /// A licence: no request; the seller delivers offline (SUP-2).
    License,
    /// A professional service, "Standard" in the filter: request (attachments optional),
    /// delivery, acceptance (SUP-3).
    ProfessionalService,
    /// A SaaS product that involves supervision: request (at least one attachment), delivery of
    /// the application information, acceptance (SUP-3).
    Saas,
    /// A 5G network-as-a-service flow, "5G NaaS" in the filter. *Our choice:* the user guide
    /// names the kind in the filter only, so no delivery method opens one (see
    /// [`FlowKind::of`]) and filtering by it lists no flow; a store, a filter and a policy
    /// (`appeal_rejections_by_kind`) name it as they name the others.
    #[serde(rename = "5g_naas")]
    FiveGNaas,
}

impl FlowKind {
    /// The flow kind of a delivery method, `None` for images (SUP-1). No delivery method opens a
    /// [`FlowKind::FiveGNaas`] flow.
    pub fn of(delivery: DeliveryMethod) -> Option<FlowKind> {
        match delivery {
            DeliveryMethod::License => Some(FlowKind::License),
            DeliveryMethod::ProfessionalService => Some(FlowKind::ProfessionalService),
            DeliveryMethod::Saas => Some(FlowKind::Saas),
            DeliveryMethod::Image => None,
        }
    }

    /// Every kind, in the order of the filter's tabs after "All": Standard, SaaS, License,
    /// 5G NaaS.
    pub const ALL: [FlowKind; 4] =
        [FlowKind::ProfessionalService, FlowKind::Saas, FlowKind::License, FlowKind::FiveGNaas];

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
            FlowKind::FiveGNaas => "5G NaaS",
        })
    }
}
