//! Customer accounts: what the marketplace knows of a buyer (ORD-2, ORD-4, LIFE-1, UNS-3).

use serde::{Deserialize, Serialize};

use crate::actor::CustomerId;

/// A buyer's account, registered by the host application.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerAccount {
    /// The account id.
    pub id: CustomerId,
    /// A credit card is bound to the account (ORD-2: needed to place orders).
    pub bound_card: bool,
    /// Credit payment was enabled for the account by a service ticket (ORD-2).
    pub credit_enabled: bool,
    /// The reseller that settles this customer's orders, if the customer is associated with one
    /// (ORD-4).
    pub reseller: Option<String>,
    /// Customer level, which may set grace and retention lengths (LIFE-1).
    pub level: Option<String>,
}

impl CustomerAccount {
    /// An ordinary account with a bound card, no credit, no reseller, no level.
    pub fn with_card(id: CustomerId) -> CustomerAccount {
        CustomerAccount { id, bound_card: true, credit_enabled: false, reseller: None, level: None }
    }

    /// Whether a reseller settles this customer's orders (ORD-4).
    pub fn is_reseller_customer(&self) -> bool {
        self.reseller.is_some()
    }
}
