//! Host payment gateways: a Kotlin class implementing the `PaymentGateway` interface (a UniFFI
//! foreign trait) plugs in as `Marketplace(gateway = …)`. Conversions only: the core decides
//! what a decline or a failure does to the order.

use std::sync::Arc;

use appmarket::payments::{ChargeRequest, PaymentError, Receipt, RefundRequest};

/// How a gateway says no. Kotlin: `GatewayException.Declined(reason)` (the provider refused, no
/// money moved: ORD-3 cancels the order) and `GatewayException.Failed(reason)` (could not tell).
/// Any other exception the gateway throws counts as `Failed`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum GatewayError {
    /// The provider refused; no money moved.
    #[error("declined: {reason}")]
    Declined {
        /// The provider's reason, shown to the customer.
        reason: String,
    },
    /// The provider could not be reached, or did not answer in time.
    #[error("failed: {reason}")]
    Failed {
        /// What went wrong.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for GatewayError {
    /// Any other exception: its first line (`java.net.SocketTimeoutException: …`), without the
    /// stack trace.
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        let first = e.reason.lines().next().unwrap_or_default().trim().to_owned();
        GatewayError::Failed { reason: first }
    }
}

/// The payment port, implemented by the host in Kotlin.
///
/// The marketplace calls it from the thread of the command (`pay`, a refund, or `tick` for an
/// auto-renewal). Return a `Receipt` when money moved; throw `GatewayException.Declined` when
/// the provider refused; anything else thrown (a timeout, an I/O error) makes the command throw
/// `AppMarketException.Gateway` and record nothing, so it can be retried: the retry sends
/// the same `idempotencyKey`, and the gateway must move money at most once per key.
#[uniffi::export(with_foreign)]
pub trait PaymentGateway: Send + Sync {
    /// Charges the customer.
    fn charge(&self, request: ChargeRequest) -> Result<Receipt, GatewayError>;
    /// Refunds the customer.
    fn refund(&self, request: RefundRequest) -> Result<Receipt, GatewayError>;
}

/// The host's gateway as the core's port.
pub(crate) struct HostGateway(pub(crate) Arc<dyn PaymentGateway>);

fn answer(method: &str, answer: Result<Receipt, GatewayError>) -> Result<Receipt, PaymentError> {
    match answer {
        Ok(receipt) => Ok(receipt),
        Err(GatewayError::Declined { reason }) => Err(PaymentError::Declined(reason)),
        Err(GatewayError::Failed { reason }) => Err(PaymentError::Failed(format!("the gateway's {method}: {reason}"))),
    }
}

impl appmarket::PaymentGateway for HostGateway {
    fn charge(&self, request: &ChargeRequest) -> Result<Receipt, PaymentError> {
        answer("charge", self.0.charge(request.clone()))
    }

    fn refund(&self, request: &RefundRequest) -> Result<Receipt, PaymentError> {
        answer("refund", self.0.refund(request.clone()))
    }
}
