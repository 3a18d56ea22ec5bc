//! Who acts (ACC-1), and the ids of everything.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::Error;

/// Longest id any id type holds: ids are parsed against it wherever they are read. The
/// marketplace takes from outside only ids of at most its policy's `max_id_chars` (64 by
/// default, never more than this).
pub const MAX_ID_CHARS: usize = 64;

fn check_id(what: &'static str, text: &str) -> Result<(), Error> {
    if text.is_empty() {
        return Err(Error::invalid(what, "an id cannot be empty"));
    }
    if text.chars().count() > MAX_ID_CHARS {
        return Err(Error::invalid(what, format!("an id has at most {MAX_ID_CHARS} characters")));
    }
    if let Some(bad) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '@'))) {
        return Err(Error::invalid(
            what,
            format!("{bad:?} is not allowed in an id: use letters, digits and - _ . : @"),
        ));
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[doc = $doc:literal])* $name:ident, $field:literal) => {
        $(#[doc = $doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(std::sync::Arc<str>);

        impl $name {
            /// Parses an id: 1–64 characters of letters, digits and `- _ . : @`.
            pub fn parse(text: &str) -> Result<Self, Error> {
                check_id($field, text)?;
                Ok($name(text.into()))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                $name::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                $name::parse(&text).map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "description": concat!($($doc, " ",)* "1–64 letters, digits and - _ . : @"),
                    "pattern": "^[A-Za-z0-9._:@-]{1,64}$"
                })
            }
        }
    };
}

id_type!(
    /// A customer's account id (the buyer).
    CustomerId, "customer_id"
);
id_type!(
    /// A seller's (ISV's) id.
    SellerId, "seller_id"
);
id_type!(
    /// An operator's id (the marketplace's operations manager).
    OperatorId, "operator_id"
);
id_type!(
    /// A product's id.
    ProductId, "product_id"
);
id_type!(
    /// An order's id, assigned by the marketplace.
    OrderId, "order_id"
);
id_type!(
    /// A purchased app's (resource's) id, assigned by the marketplace.
    AppId, "app_id"
);
id_type!(
    /// A service flow's id, assigned by the marketplace.
    FlowId, "flow_id"
);
id_type!(
    /// An appeal's id, assigned by the marketplace.
    AppealId, "appeal_id"
);
id_type!(
    /// An invoice's id, assigned by the marketplace.
    InvoiceId, "invoice_id"
);

/// The text of a numbered id, `prefix` then `n` in at least eight digits ("ORD-00000042"):
/// written straight into the id's one allocation (a `format!` took two and the formatting
/// machinery, on every order).
fn numbered(prefix: &'static str, n: u64) -> std::sync::Arc<str> {
    let mut text = [b'0'; 32];
    text[..prefix.len()].copy_from_slice(prefix.as_bytes());
    let digits = (n.max(1).ilog10() as usize + 1).max(8);
    let end = prefix.len() + digits;
    let (mut i, mut rest) = (end, n);
    while rest > 0 {
        i -= 1;
        text[i] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    std::sync::Arc::from(std::str::from_utf8(&text[..end]).expect("ASCII digits after an ASCII prefix"))
}

impl OrderId {
    pub(crate) fn numbered(n: u64) -> OrderId {
        OrderId(numbered("ORD-", n))
    }
}
impl AppId {
    pub(crate) fn numbered(n: u64) -> AppId {
        AppId(numbered("APP-", n))
    }
}
#[allow(dead_code)] // numbered by the supervision and invoice modules
impl FlowId {
    pub(crate) fn numbered(n: u64) -> FlowId {
        FlowId(numbered("FLW-", n))
    }
}
#[allow(dead_code)]
impl AppealId {
    pub(crate) fn numbered(n: u64) -> AppealId {
        AppealId(numbered("APL-", n))
    }
}
#[allow(dead_code)]
impl InvoiceId {
    pub(crate) fn numbered(n: u64) -> InvoiceId {
        InvoiceId(numbered("INV-", n))
    }
}

/// Who issues a command (ACC-1).
///
/// **Security**: the actor is the host's statement of who is asking, and the library trusts it.
/// Build it from your own authentication, choosing the role yourself (e.g.
/// `Actor::Customer(CustomerId::parse(&session.user_id)?)`); never parse an actor, or a role,
/// out of user input (`Actor::parse` is for tests, scenarios and trusted configuration).
/// [`Actor::System`] is the host itself: it runs `tick` and host-level commands
/// (`register_customer`), and, like [`Actor::Operator`], it may read everything.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "role", content = "id", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Actor {
    /// A buyer.
    Customer(#[cfg_attr(feature = "uniffi", uniffi(name = "id"))] CustomerId),
    /// A seller (ISV).
    Seller(#[cfg_attr(feature = "uniffi", uniffi(name = "id"))] SellerId),
    /// The marketplace's operations manager.
    Operator(#[cfg_attr(feature = "uniffi", uniffi(name = "id"))] OperatorId),
    /// Scheduled work driven by the clock (`tick`).
    System,
}

impl Actor {
    /// A customer actor from an id text.
    pub fn customer(id: &str) -> Result<Actor, Error> {
        Ok(Actor::Customer(CustomerId::parse(id)?))
    }

    /// A seller actor from an id text.
    pub fn seller(id: &str) -> Result<Actor, Error> {
        Ok(Actor::Seller(SellerId::parse(id)?))
    }

    /// An operator actor from an id text.
    pub fn operator(id: &str) -> Result<Actor, Error> {
        Ok(Actor::Operator(OperatorId::parse(id)?))
    }

    /// Parses `customer:<id>`, `seller:<id>`, `operator:<id>` or `system`.
    ///
    /// ```
    /// use appmarket::Actor;
    /// assert_eq!(Actor::parse("customer:alice").unwrap(), Actor::customer("alice").unwrap());
    /// assert_eq!(Actor::parse("system").unwrap(), Actor::System);
    /// assert!(Actor::parse("root:x").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Actor, Error> {
        match text.split_once(':') {
            Some(("customer", id)) => Actor::customer(id),
            Some(("seller", id)) => Actor::seller(id),
            Some(("operator", id)) => Actor::operator(id),
            None if text == "system" => Ok(Actor::System),
            _ => Err(Error::invalid(
                "actor",
                format!(
                    "`{}` is not an actor: use customer:<id>, seller:<id>, operator:<id> or system",
                    text.chars().take(40).collect::<String>()
                ),
            )),
        }
    }

    /// This actor, with a request id that makes the command idempotent.
    pub fn with_request_id(&self, request_id: &str) -> Result<Caller, Error> {
        Ok(Caller { actor: self.clone(), request_id: Some(RequestId::parse(request_id)?) })
    }

    /// The actor's id as text; `None` for [`Actor::System`].
    pub fn id_str(&self) -> Option<&str> {
        match self {
            Actor::Customer(id) => Some(id.as_str()),
            Actor::Seller(id) => Some(id.as_str()),
            Actor::Operator(id) => Some(id.as_str()),
            Actor::System => None,
        }
    }

    /// Refuses an actor whose id is longer than `max` characters (the policy's `max_id_chars`,
    /// ACC-1) as `InvalidInput { field: "actor" }`.
    pub fn check_id_length(&self, max: u32) -> Result<(), Error> {
        match self.id_str() {
            Some(id) if id.chars().count() > max as usize => {
                Err(Error::invalid("actor", format!("an id has at most {max} characters")))
            }
            _ => Ok(()),
        }
    }

    /// Refuses unless this is the customer `owner` (ACC-1).
    pub fn require_customer(&self, owner: &CustomerId, what: impl fmt::Display) -> Result<(), Error> {
        match self {
            Actor::Customer(c) if c == owner => Ok(()),
            other => Err(Error::forbidden(format!("{other} may not act on {what}: only its customer may"))),
        }
    }

    /// Refuses unless this is the seller `owner` (ACC-1).
    pub fn require_seller(&self, owner: &SellerId, what: impl fmt::Display) -> Result<(), Error> {
        match self {
            Actor::Seller(s) if s == owner => Ok(()),
            other => Err(Error::forbidden(format!("{other} may not act on {what}: only its seller may"))),
        }
    }

    /// Refuses unless this is an operator (ACC-1).
    pub fn require_operator(&self, what: impl fmt::Display) -> Result<(), Error> {
        match self {
            Actor::Operator(_) => Ok(()),
            other => Err(Error::forbidden(format!("{other} may not {what}: only an operator may"))),
        }
    }

    /// Refuses unless this is the system (ACC-1).
    pub fn require_system(&self, what: impl fmt::Display) -> Result<(), Error> {
        match self {
            Actor::System => Ok(()),
            other => Err(Error::forbidden(format!("{other} may not {what}: only the system may"))),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Customer(id) => write!(f, "customer {id}"),
            Actor::Seller(id) => write!(f, "seller {id}"),
            Actor::Operator(id) => write!(f, "operator {id}"),
            Actor::System => f.write_str("the system"),
        }
    }
}

id_type!(
    /// A caller-chosen id that makes a mutating call idempotent.
    RequestId, "request_id"
);

/// An actor, optionally with a request id. Every mutating facade call takes one; an [`Actor`]
/// converts into a caller without a request id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Who acts.
    pub actor: Actor,
    /// Replaying the same request id returns the first result and has no second effect.
    pub request_id: Option<RequestId>,
}

impl From<Actor> for Caller {
    fn from(actor: Actor) -> Caller {
        Caller { actor, request_id: None }
    }
}

impl From<&Actor> for Caller {
    fn from(actor: &Actor) -> Caller {
        Caller { actor: actor.clone(), request_id: None }
    }
}

impl From<&Caller> for Caller {
    fn from(caller: &Caller) -> Caller {
        caller.clone()
    }
}

/// What an event or an action is about.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Target {
    /// A customer account.
    Account(#[cfg_attr(feature = "uniffi", uniffi(name = "id"))] CustomerId),
    /// A product.
    Product(#[cfg_attr(feature = "uniffi", uniffi(name = "id"))] ProductId),
    /// A customer's saved list.
    SavedList(#[cfg_attr(feature = "uniffi", uniffi(name = "id"))] CustomerId),
    /// An order.
    Order(#[cfg_attr(feature = "uniffi", uniffi(name = "id"))] OrderId),
    /// A purchased app.
    App(#[cfg_attr(feature = "uniffi", uniffi(name = "id"))] AppId),
    /// A service flow.
    Flow(#[cfg_attr(feature = "uniffi", uniffi(name = "id"))] FlowId),
    /// An appeal.
    Appeal(#[cfg_attr(feature = "uniffi", uniffi(name = "id"))] AppealId),
    /// An invoice.
    Invoice(#[cfg_attr(feature = "uniffi", uniffi(name = "id"))] InvoiceId),
}

impl Target {
    /// The position of the variant in `Target` and the id as text: `(kind, id)` sorts like
    /// `Target`, so stores can keep targets as two columns.
    pub fn kind_and_id(&self) -> (usize, &str) {
        match self {
            Target::Account(id) => (0, id.as_str()),
            Target::Product(id) => (1, id.as_str()),
            Target::SavedList(id) => (2, id.as_str()),
            Target::Order(id) => (3, id.as_str()),
            Target::App(id) => (4, id.as_str()),
            Target::Flow(id) => (5, id.as_str()),
            Target::Appeal(id) => (6, id.as_str()),
            Target::Invoice(id) => (7, id.as_str()),
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Account(id) => write!(f, "account {id}"),
            Target::Product(id) => write!(f, "product {id}"),
            Target::SavedList(id) => write!(f, "saved list of {id}"),
            Target::Order(id) => write!(f, "order {id}"),
            Target::App(id) => write!(f, "app {id}"),
            Target::Flow(id) => write!(f, "service flow {id}"),
            Target::Appeal(id) => write!(f, "appeal {id}"),
            Target::Invoice(id) => write!(f, "invoice {id}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_ids_have_a_prefix_and_at_least_eight_digits() {
        assert_eq!(OrderId::numbered(42).as_str(), "ORD-00000042");
        assert_eq!(AppId::numbered(0).as_str(), "APP-00000000");
        assert_eq!(FlowId::numbered(1).as_str(), "FLW-00000001");
        assert_eq!(AppealId::numbered(99_999_999).as_str(), "APL-99999999");
        assert_eq!(InvoiceId::numbered(123_456_789).as_str(), "INV-123456789");
        assert_eq!(OrderId::numbered(u64::MAX).as_str(), format!("ORD-{}", u64::MAX));
        for n in [0, 7, 10, 1_000_000, 10_000_000, 100_000_000, 4_294_967_296] {
            assert_eq!(OrderId::numbered(n).as_str(), format!("ORD-{n:08}"), "{n}");
        }
    }

    #[test]
    fn acc_1_ids_are_validated_with_a_message() {
        assert!(CustomerId::parse("alice").is_ok());
        let err = CustomerId::parse("").unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        assert!(CustomerId::parse(&"a".repeat(65)).is_err());
        assert!(CustomerId::parse("a b").is_err());
        assert!(OrderId::parse("ORD-00000001").is_ok());
    }

    #[test]
    fn acc_1_only_the_owner_passes_the_customer_check() {
        let alice = CustomerId::parse("alice").unwrap();
        assert!(Actor::Customer(alice.clone()).require_customer(&alice, "order").is_ok());
        let err = Actor::customer("bob").unwrap().require_customer(&alice, "order").unwrap_err();
        assert!(matches!(err, Error::Forbidden { .. }));
        assert!(Actor::System.require_customer(&alice, "order").is_err());
    }
}
