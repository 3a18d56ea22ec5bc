//! How a product is delivered (CAT-1): a leaf of the crate, used by the catalog, the policy and
//! the service flows.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How a product is delivered (CAT-1).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DeliveryMethod {
    /// A machine image, provisioned as cloud servers.
    Image,
    /// Software as a service.
    Saas,
    /// A licence, delivered offline by the seller.
    License,
    /// A professional service, delivered offline by the seller.
    ProfessionalService,
}

impl fmt::Display for DeliveryMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DeliveryMethod::Image => "Image",
            DeliveryMethod::Saas => "SaaS",
            DeliveryMethod::License => "License",
            DeliveryMethod::ProfessionalService => "Professional service",
        })
    }
}
