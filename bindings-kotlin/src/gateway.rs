//! Host payment gateways: a Kotlin class implementing the `PaymentGateway` interface (a UniFFI
//! foreign trait) plugs in as `Marketplace(gateway = …)`. Conversions only: the core decides
//! what a decline or a failure does to the order.

use std::sync::Arc;

use appmarket::payments::PaymentError;

use crate::conversions::{IntoCore, Money};
use crate::records::{PaymentMethod, Receipt};

/// A charge asked of the host's gateway.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ChargeRequest {
    /// The same every time the marketplace asks for the same money (a retry after a failure,
    /// a replayed request id): charge at most once per key, and answer a repeated key with the
    /// first receipt (or the first decline).
    pub idempotency_key: String,
    /// Who pays.
    pub customer: String,
    /// How.
    pub method: PaymentMethod,
    /// How much (rounded to the currency's minor unit).
    pub amount: Money,
    /// What for (the product name, or the auto-renewal).
    pub description: String,
}

/// A refund asked of the host's gateway, back to the way the order was paid. The same key rule
/// as a charge: refund at most once per key.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RefundRequest {
    /// The same every time the marketplace asks for the same refund.
    pub idempotency_key: String,
    /// Who is refunded.
    pub customer: String,
    /// The method the payment used.
    pub method: PaymentMethod,
    /// How much.
    pub amount: Money,
    /// What for.
    pub description: String,
}

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

fn answer(method: &str, answer: Result<Receipt, GatewayError>) -> Result<appmarket::payments::Receipt, PaymentError> {
    match answer {
        Ok(receipt) => {
            let amount = receipt.amount.into_core().map_err(|e| {
                PaymentError::Failed(format!("the gateway's {method} returned a receipt with a bad amount: {e}"))
            })?;
            Ok(appmarket::payments::Receipt { id: receipt.id, amount, method: receipt.method.into() })
        }
        Err(GatewayError::Declined { reason }) => Err(PaymentError::Declined(reason)),
        Err(GatewayError::Failed { reason }) => Err(PaymentError::Failed(format!("the gateway's {method}: {reason}"))),
    }
}

impl appmarket::PaymentGateway for HostGateway {
    fn charge(&self, r: &appmarket::payments::ChargeRequest) -> Result<appmarket::payments::Receipt, PaymentError> {
        let request = ChargeRequest {
            idempotency_key: r.idempotency_key.clone(),
            customer: r.customer.to_string(),
            method: r.method.into(),
            amount: r.amount.into(),
            description: r.description.clone(),
        };
        answer("charge", self.0.charge(request))
    }

    fn refund(&self, r: &appmarket::payments::RefundRequest) -> Result<appmarket::payments::Receipt, PaymentError> {
        let request = RefundRequest {
            idempotency_key: r.idempotency_key.clone(),
            customer: r.customer.to_string(),
            method: r.method.into(),
            amount: r.amount.into(),
            description: r.description.clone(),
        };
        answer("refund", self.0.refund(request))
    }
}
