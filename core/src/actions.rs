//! What an actor may do next, with the reason a refused action is refused.

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Every button a marketplace page can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Action {
    /// Accept the terms and conditions of an order (ORD-2).
    AcceptTerms,
    /// Pay an order (ORD-2).
    Pay,
    /// Cancel an unpaid order.
    CancelOrder,
    /// Reveal the password of an app (APP-5).
    RevealPassword,
    /// Upgrade an app (PRC-4).
    Upgrade,
    /// Renew an app manually (REN-1).
    Renew,
    /// Set up or change auto-renewal (REN-5).
    SetAutoRenewal,
    /// Unsubscribe (UNS).
    Unsubscribe,
    /// Ask the seller for a negotiated refund (UNS-6).
    RequestRefund,
    /// Request an invoice (INV-1).
    RequestInvoice,
    /// Operator issues an invoice (INV-1).
    IssueInvoice,
    /// Return an issued invoice (INV-1).
    ReturnInvoice,
    /// Submit a service request (SUP-3).
    SubmitRequest,
    /// Seller accepts the request (SUP-3).
    AcceptRequest,
    /// Seller rejects the request (SUP-3).
    RejectRequest,
    /// Seller marks the service delivered (SUP-2, SUP-3).
    Deliver,
    /// Customer confirms acceptance (SUP-4).
    ConfirmAcceptance,
    /// Customer rejects the delivery (SUP-3).
    RejectDelivery,
    /// Customer reminds the seller (SUP-5).
    RemindSeller,
    /// Open an appeal (APL-1).
    Appeal,
    /// Operator resolves an appeal (APL-4).
    ResolveAppeal,
    /// Delete (stop) a pay-per-use app (PRC-7).
    DeleteApp,
    /// Pay the arrears of a pay-per-use app (PRC-7).
    PayArrears,
    /// Schedule a downgrade for the end of the term (PRC-8).
    ScheduleDowngrade,
    /// Cancel the scheduled downgrade (PRC-8).
    CancelScheduledDowngrade,
}

/// Whether an action is allowed now, and if not, which rule refuses it and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Availability {
    /// The action.
    pub action: Action,
    /// Whether it would be accepted now.
    pub allowed: bool,
    /// The refusing rule id, when refused by a rule.
    pub rule: Option<String>,
    /// Why it is refused.
    pub reason: Option<String>,
}

impl Availability {
    /// The availability of `action`, from the same check the command runs.
    pub fn from_check(action: Action, check: Result<(), Error>) -> Availability {
        match check {
            Ok(()) => Availability { action, allowed: true, rule: None, reason: None },
            Err(e) => {
                Availability { action, allowed: false, rule: e.rule().map(str::to_owned), reason: Some(e.to_string()) }
            }
        }
    }
}
