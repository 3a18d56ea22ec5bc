//! Customer accounts: what the marketplace knows of a buyer (ORD-2, ORD-4, LIFE-1, UNS-3).

use serde::{Deserialize, Serialize};

use crate::actor::CustomerId;

/// A buyer's account, registered by the host application.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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
    /// Unconditional unsubscriptions used in the current calendar year (UNS-3), kept by the
    /// marketplace: registering an account again never changes it.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default))]
    pub unconditional_unsubscriptions: YearlyCount,
}

/// A count within one calendar year (billing zone); a new year starts from zero.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct YearlyCount {
    /// The year counted.
    #[cfg_attr(feature = "uniffi", uniffi(default = 0))]
    pub year: i32,
    /// How many in that year.
    #[cfg_attr(feature = "uniffi", uniffi(default = 0))]
    pub count: u32,
}

impl YearlyCount {
    /// The count in `year`.
    pub fn in_year(&self, year: i32) -> u32 {
        if self.year == year { self.count } else { 0 }
    }

    /// One more in `year`.
    pub fn incremented(&self, year: i32) -> YearlyCount {
        YearlyCount { year, count: self.in_year(year).saturating_add(1) }
    }
}

impl CustomerAccount {
    /// An ordinary account with a bound card, no credit, no reseller, no level.
    pub fn with_card(id: CustomerId) -> CustomerAccount {
        CustomerAccount {
            id,
            bound_card: true,
            credit_enabled: false,
            reseller: None,
            level: None,
            unconditional_unsubscriptions: YearlyCount::default(),
        }
    }

    /// Whether a reseller settles this customer's orders (ORD-4).
    pub fn is_reseller_customer(&self) -> bool {
        self.reseller.is_some()
    }
}
