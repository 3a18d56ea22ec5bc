//! Custom types, ids, actors, targets and money: the conversions every area uses.
//!
//! Core → binding conversions are `From` impls (they cannot fail); binding → core conversions
//! go through [`IntoCore`], since ids, currencies and the like are parsed by the core and may be
//! refused with [`AppMarketError::InvalidInput`].

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;

use crate::errors::{AppMarketError, Result};

// ---------------------------------------------------------------- custom types

// rust_decimal::Decimal ⇄ String on the wire ⇄ java.math.BigDecimal (uniffi.toml). Lossless:
// the scale is kept (core returns amounts at the currency's scale).
uniffi::custom_type!(Decimal, String, {
    remote,
    lower: |d| d.to_string(),
    try_lift: |s| Decimal::from_str_exact(&s)
        .map_err(|e| AppMarketError::lift("amount", format!("`{}` is not a decimal within ±7.9e28 with at most 28 decimals ({e})", s.chars().take(40).collect::<String>()))),
});

/// A UTC instant: chrono `DateTime<Utc>` ⇄ RFC 3339 text ⇄ `java.time.Instant` (uniffi.toml).
/// Lossless to the nanosecond for years 0000–9999.
pub type Timestamp = DateTime<Utc>;
uniffi::custom_type!(Timestamp, String, {
    remote,
    lower: |ts| ts.to_rfc3339_opts(SecondsFormat::AutoSi, true),
    try_lift: |s| DateTime::parse_from_rfc3339(&s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| AppMarketError::lift("instant", format!("`{s}` is not an instant of years 0000–9999 ({e})"))),
});

/// A calendar date: chrono `NaiveDate` ⇄ ISO text ⇄ `java.time.LocalDate` (uniffi.toml).
pub type Date = NaiveDate;
uniffi::custom_type!(Date, String, {
    remote,
    lower: |d| d.format("%Y-%m-%d").to_string(),
    try_lift: |s| NaiveDate::from_str(&s)
        .map_err(|e| AppMarketError::lift("date", format!("`{s}` is not a date ({e})"))),
});

/// A signed length of time: chrono `TimeDelta` ⇄ microseconds ⇄ `java.time.Duration`
/// (uniffi.toml). Signed so that a negative duration reaches the core, which refuses it with
/// a typed error (UniFFI's built-in `Duration` would throw `IllegalArgumentException`).
pub type TimeSpan = chrono::TimeDelta;
uniffi::custom_type!(TimeSpan, i64, {
    remote,
    lower: |d| d.num_microseconds().unwrap_or(i64::MAX),
    try_lift: |us| Ok(chrono::TimeDelta::microseconds(us)),
});

/// A password (APP-5): core `Secret` ⇄ String ⇄ Kotlin `SecretText`, whose `toString()` is
/// `***` (uniffi.toml).
pub use appmarket::Secret;
uniffi::custom_type!(Secret, String, {
    remote,
    lower: |s| s.expose().to_owned(),
    try_lift: |s| Ok(Secret::new(s)),
});

// ---------------------------------------------------------------- binding → core

/// A conversion of a binding value into its core value, which the core may refuse.
pub trait IntoCore<T> {
    /// The core value, or the core's refusal as an [`AppMarketError`].
    fn into_core(self) -> Result<T>;
}

impl<A: IntoCore<T>, T> IntoCore<Option<T>> for Option<A> {
    fn into_core(self) -> Result<Option<T>> {
        self.map(IntoCore::into_core).transpose()
    }
}

impl<A: IntoCore<T>, T> IntoCore<Vec<T>> for Vec<A> {
    fn into_core(self) -> Result<Vec<T>> {
        self.into_iter().map(IntoCore::into_core).collect()
    }
}

/// Parses an id text with the core's rules (1–64 characters of letters, digits and `-_.:@`).
macro_rules! id_into_core {
    ($($ty:ident),*) => {$(
        impl IntoCore<appmarket::$ty> for String {
            fn into_core(self) -> Result<appmarket::$ty> {
                Ok(appmarket::$ty::parse(&self)?)
            }
        }
        impl IntoCore<appmarket::$ty> for &str {
            fn into_core(self) -> Result<appmarket::$ty> {
                Ok(appmarket::$ty::parse(self)?)
            }
        }
    )*};
}
id_into_core!(CustomerId, SellerId, OperatorId, ProductId, OrderId, AppId, FlowId, AppealId, InvoiceId, RequestId);

/// Parses an id (a shorthand for [`IntoCore`] with the type named).
pub(crate) fn id<T>(text: impl IntoCore<T>) -> Result<T> {
    text.into_core()
}

/// The core caller: an actor, with an optional request id that makes the call idempotent.
pub(crate) fn caller(actor: Actor, request_id: Option<String>) -> Result<appmarket::Caller> {
    Ok(appmarket::Caller { actor: actor.into_core()?, request_id: request_id.map(id).transpose()? })
}

// ---------------------------------------------------------------- actor

/// Who acts (ACC-1). Kotlin: `sealed class Actor` with `Actor.Customer("alice")`, … and the
/// object `Actor.System`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Actor {
    /// A buyer.
    Customer {
        /// The customer id.
        id: String,
    },
    /// A seller (ISV).
    Seller {
        /// The seller id.
        id: String,
    },
    /// The marketplace's operations manager.
    Operator {
        /// The operator id.
        id: String,
    },
    /// Scheduled work driven by the clock (`tick`).
    System,
}

impl IntoCore<appmarket::Actor> for Actor {
    fn into_core(self) -> Result<appmarket::Actor> {
        Ok(match self {
            Actor::Customer { id: c } => appmarket::Actor::Customer(id(c)?),
            Actor::Seller { id: s } => appmarket::Actor::Seller(id(s)?),
            Actor::Operator { id: o } => appmarket::Actor::Operator(id(o)?),
            Actor::System => appmarket::Actor::System,
        })
    }
}

impl From<appmarket::Actor> for Actor {
    fn from(a: appmarket::Actor) -> Self {
        match a {
            appmarket::Actor::Customer(id) => Actor::Customer { id: id.to_string() },
            appmarket::Actor::Seller(id) => Actor::Seller { id: id.to_string() },
            appmarket::Actor::Operator(id) => Actor::Operator { id: id.to_string() },
            appmarket::Actor::System => Actor::System,
        }
    }
}

// ---------------------------------------------------------------- target

/// What an event or an action is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Target {
    /// A customer account.
    Account {
        /// The customer id.
        id: String,
    },
    /// A product.
    Product {
        /// The product id.
        id: String,
    },
    /// A customer's saved list.
    SavedList {
        /// The customer id.
        id: String,
    },
    /// An order.
    Order {
        /// The order id.
        id: String,
    },
    /// A purchased app.
    App {
        /// The app id.
        id: String,
    },
    /// A service flow.
    Flow {
        /// The flow id.
        id: String,
    },
    /// An appeal.
    Appeal {
        /// The appeal id.
        id: String,
    },
    /// An invoice.
    Invoice {
        /// The invoice id.
        id: String,
    },
}

impl IntoCore<appmarket::Target> for Target {
    fn into_core(self) -> Result<appmarket::Target> {
        use appmarket::Target as T;
        Ok(match self {
            Target::Account { id: i } => T::Account(id(i)?),
            Target::Product { id: i } => T::Product(id(i)?),
            Target::SavedList { id: i } => T::SavedList(id(i)?),
            Target::Order { id: i } => T::Order(id(i)?),
            Target::App { id: i } => T::App(id(i)?),
            Target::Flow { id: i } => T::Flow(id(i)?),
            Target::Appeal { id: i } => T::Appeal(id(i)?),
            Target::Invoice { id: i } => T::Invoice(id(i)?),
        })
    }
}

impl From<appmarket::Target> for Target {
    fn from(t: appmarket::Target) -> Self {
        use appmarket::Target as T;
        match t {
            T::Account(i) => Target::Account { id: i.to_string() },
            T::Product(i) => Target::Product { id: i.to_string() },
            T::SavedList(i) => Target::SavedList { id: i.to_string() },
            T::Order(i) => Target::Order { id: i.to_string() },
            T::App(i) => Target::App { id: i.to_string() },
            T::Flow(i) => Target::Flow { id: i.to_string() },
            T::Appeal(i) => Target::Appeal { id: i.to_string() },
            T::Invoice(i) => Target::Invoice { id: i.to_string() },
        }
    }
}

// ---------------------------------------------------------------- money

/// An amount with an ISO-4217 currency (`Money(BigDecimal("23.00"), "USD")`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Money {
    /// The amount; core returns it at the currency's scale (`23.00`).
    pub amount: Decimal,
    /// Three upper-case letters, such as `USD`.
    pub currency: String,
}

impl From<appmarket::Money> for Money {
    fn from(m: appmarket::Money) -> Self {
        Money { amount: m.amount, currency: m.currency.code().to_owned() }
    }
}

impl IntoCore<appmarket::Money> for Money {
    fn into_core(self) -> Result<appmarket::Money> {
        Ok(appmarket::Money::new(self.amount, appmarket::Currency::parse(&self.currency)?))
    }
}

/// Converts a list of core values.
pub(crate) fn all<A, B: From<A>>(items: Vec<A>) -> Vec<B> {
    items.into_iter().map(B::from).collect()
}

/// Mirrors a field-less core enum one to one, both ways (exhaustive matches: a new core
/// variant fails to compile until mirrored).
macro_rules! mirror_enum {
    ($(#[$doc:meta])* $name:ident => $core:ty { $($(#[$vdoc:meta])* $variant:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $($(#[$vdoc])* $variant),*
        }

        impl From<$core> for $name {
            fn from(v: $core) -> Self {
                type C = $core;
                match v {
                    $(C::$variant => $name::$variant),*
                }
            }
        }

        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                type C = $core;
                match v {
                    $($name::$variant => C::$variant),*
                }
            }
        }

        impl IntoCore<$core> for $name {
            fn into_core(self) -> Result<$core> {
                Ok(self.into())
            }
        }
    };
}
pub(crate) use mirror_enum;
