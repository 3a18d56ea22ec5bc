//! The error type seen by Kotlin as the sealed class `AppMarketException`.

/// Every refusal of the marketplace. Kotlin: `sealed class AppMarketException`, one subclass per
/// kind (`AppMarketException.NotAllowed` carries `.rule`). Mirrors [`appmarket::Error`] one to
/// one; a field is never named `message` (it would clash with `Throwable.message`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum AppMarketError {
    /// An argument is malformed or out of range.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The argument or field at fault.
        field: String,
        /// Why it is refused.
        reason: String,
    },
    /// Something does not exist.
    #[error("{what} `{id}` was not found")]
    NotFound {
        /// What was looked for (`order`, `product`, …).
        what: String,
        /// The id looked for.
        id: String,
    },
    /// A business rule refuses the command.
    #[error("not allowed by {rule}: {reason}")]
    NotAllowed {
        /// The rule id (`ORD-3`, `PRC-5`, …) of RULES.md.
        rule: String,
        /// Why it is refused.
        reason: String,
    },
    /// The actor may not do or see this (ACC-1).
    #[error("forbidden: {reason}")]
    Forbidden {
        /// Why it is refused.
        reason: String,
    },
    /// A concurrent change or a reused request id.
    #[error("conflict: {reason}")]
    Conflict {
        /// Why it is refused.
        reason: String,
    },
    /// The payment gateway declined the charge.
    #[error("payment declined: {reason}")]
    PaymentDeclined {
        /// The gateway's reason.
        reason: String,
    },
    /// The payment gateway failed (raised, timed out or answered inconsistently); nothing was
    /// recorded.
    #[error("payment gateway failed: {reason}")]
    Gateway {
        /// What went wrong.
        reason: String,
    },
    /// The store failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// The store's reason.
        reason: String,
    },
}

impl From<appmarket::Error> for AppMarketError {
    // Exhaustive on purpose (no `_` arm): a new core variant must be mirrored here.
    fn from(e: appmarket::Error) -> Self {
        use appmarket::Error as E;
        match e {
            E::InvalidInput { field, reason } => Self::InvalidInput { field, reason },
            E::NotFound { what, id } => Self::NotFound { what, id },
            E::NotAllowed { rule, reason } => Self::NotAllowed { rule, reason },
            E::Forbidden { reason } => Self::Forbidden { reason },
            E::Conflict { reason } => Self::Conflict { reason },
            E::PaymentDeclined { reason } => Self::PaymentDeclined { reason },
            E::Gateway { reason } => Self::Gateway { reason },
            E::Storage { reason } => Self::Storage { reason },
        }
    }
}

/// The result of every fallible exported function.
pub type Result<T, E = AppMarketError> = std::result::Result<T, E>;

impl AppMarketError {
    /// An [`AppMarketError::InvalidInput`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidInput { field: field.into(), reason: reason.into() }
    }

    /// As an error of a custom type's `try_lift`: UniFFI downcasts it back, so a Kotlin value
    /// that cannot be lifted raises `AppMarketException.InvalidInput`, not an internal error.
    pub(crate) fn lift(field: &str, reason: impl Into<String>) -> uniffi::deps::anyhow::Error {
        uniffi::deps::anyhow::Error::new(Self::invalid(field, reason))
    }
}
