//! The one error type. Every refusal changes nothing and says why (ACC-2).

use serde::{Deserialize, Serialize};

/// Why a command or query was refused.
///
/// Every variant carries a message a person can act on. Bindings match this enum exhaustively,
/// so adding a variant is a breaking change inside the workspace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error), uniffi(name = "AppMarketError"))]
pub enum Error {
    /// A field of the input is malformed or out of range.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The field, e.g. `"quantity"`.
        field: String,
        /// What is wrong and what is accepted.
        reason: String,
    },
    /// Nothing with that id exists (or the caller may not know it exists).
    #[error("{what} `{id}` was not found")]
    NotFound {
        /// The kind of thing, e.g. `"order"`.
        what: String,
        /// The id asked for.
        id: String,
    },
    /// A rule of the marketplace refuses the command in the current state.
    #[error("not allowed by {rule}: {reason}")]
    NotAllowed {
        /// The rule id from RULES.md, e.g. `"ORD-2"`.
        rule: String,
        /// Why, in words.
        reason: String,
    },
    /// The actor may not do this (ACC-1).
    #[error("forbidden: {reason}")]
    Forbidden {
        /// Who tried what.
        reason: String,
    },
    /// A concurrent change won, or a request id was reused for a different command.
    #[error("conflict: {reason}")]
    Conflict {
        /// What collided.
        reason: String,
    },
    /// The payment gateway declined the charge.
    #[error("payment declined: {reason}")]
    PaymentDeclined {
        /// The gateway's reason.
        reason: String,
    },
    /// The payment gateway failed: it raised, timed out, or answered inconsistently (a receipt
    /// for another amount or currency than was asked). Nothing was recorded; a retry with the
    /// same request id reuses the same idempotency key, so it charges at most once.
    #[error("payment gateway failed: {reason}")]
    Gateway {
        /// What went wrong, and what to check.
        reason: String,
    },
    /// The storage adapter failed.
    #[error("storage failed: {reason}")]
    Storage {
        /// The adapter's message.
        reason: String,
    },
}

impl Error {
    /// An [`Error::InvalidInput`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::InvalidInput { field: field.into(), reason: reason.into() }
    }

    /// An [`Error::NotAllowed`] naming a rule.
    pub fn not_allowed(rule: &str, reason: impl Into<String>) -> Error {
        Error::NotAllowed { rule: rule.to_owned(), reason: reason.into() }
    }

    /// An [`Error::NotFound`].
    pub fn not_found(what: &str, id: impl std::fmt::Display) -> Error {
        Error::NotFound { what: what.to_owned(), id: id.to_string() }
    }

    /// An [`Error::Forbidden`].
    pub fn forbidden(reason: impl Into<String>) -> Error {
        Error::Forbidden { reason: reason.into() }
    }

    /// An [`Error::Conflict`].
    pub fn conflict(reason: impl Into<String>) -> Error {
        Error::Conflict { reason: reason.into() }
    }

    /// The rule id of a [`Error::NotAllowed`], if it is one.
    pub fn rule(&self) -> Option<&str> {
        match self {
            Error::NotAllowed { rule, .. } => Some(rule),
            _ => None,
        }
    }

    /// A short name of the kind, e.g. `"not_allowed"`: stable across languages.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidInput { .. } => "invalid_input",
            Error::NotFound { .. } => "not_found",
            Error::NotAllowed { .. } => "not_allowed",
            Error::Forbidden { .. } => "forbidden",
            Error::Conflict { .. } => "conflict",
            Error::PaymentDeclined { .. } => "payment_declined",
            Error::Gateway { .. } => "gateway",
            Error::Storage { .. } => "storage",
        }
    }
}

/// The result of every fallible call.
pub type Result<T, E = Error> = std::result::Result<T, E>;
