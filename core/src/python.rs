//! pyo3 classes and conversions (feature `python`), for the Python binding (`bindings-python`).
//!
//! The value types of the library are Python classes themselves: `#[cfg_attr(feature =
//! "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]` next
//! to their `serde` derives, as `uniffi` derives them for Kotlin (`ffi.rs`). What a derive cannot
//! say is here, written once for every binding method:
//!
//! - ids, currencies and passwords cross as `str`, parsed by the core on the way in (a bad one
//!   is `InvalidInput`); a password never shows in a `repr`;
//! - amounts are `decimal.Decimal` (or `int`) only, never `float` ([`Amount`]); instants are
//!   timezone-aware `datetime`s only ([`Instant`]), given back in UTC;
//! - the enumerations are `enum.IntEnum`s (`py_int_enum!`), members in declaration order;
//! - a core [`Error`] raises its `AppMarketError` subclass, with the variant's fields as
//!   attributes;
//! - the constructors (keyword arguments with the defaults of the API), the computed
//!   properties and a `repr` built from the properties;
//! - `Actor`, `Target`, `Resolution`, `RenewalDay` and the pages, whose Python shape is not a
//!   record: small classes wrapping the core value.
//!
//! The derives expand to pyo3's glue (`unsafe impl PyClassImpl`, type objects). That glue is
//! pyo3's, written by its macros: the crate's `#![forbid(unsafe_code)]` still forbids any
//! hand-written `unsafe`, and without the feature none of it is compiled.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use pyo3::exceptions::{PyException, PyKeyError, PyTypeError, PyValueError};
use pyo3::inspect::PyStaticExpr;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType, PyTzInfo};
use pyo3::{IntoPyObjectExt, PyTypeInfo, type_hint_identifier, type_hint_subscript, type_hint_union};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::actor::{
    Actor, AppId, AppealId, CustomerId, FlowId, InvoiceId, OperatorId, OrderId, ProductId, RequestId, SellerId, Target,
};
use crate::catalog::{
    Attribute, BillingMode, DeliveryMethod, ImageResources, Page, PricePlan, Product, ProductDraft, QuantityAttribute,
    ResourcePlan, SearchQuery, SortOrder, Specification, SupportRange,
};
use crate::payments::Receipt;
use crate::provisioning::ImageSetup;
use crate::{
    Action, AppStatus, Appeal, AppealGrounds, AppealStatus, ApplicationInfo, Attachment, Currency, CustomerAccount,
    Customization, Delivery, Error, Event, EventKind, FlowKind, FlowStatus, ImageProvisioning, InvoiceStatus, Money,
    Network, Order, OrderKind, OrderStatus, Party, PaymentMethod, PendingKind, Policy, PurchasedApp, RenewalDay,
    Resolution, Secret, SecurityGroup, ServiceFlow, ServiceRequest,
};
use crate::{SavedList, ScheduledDowngrade, UpcomingKind};

// ---------------------------------------------------------------------------------- errors

pyo3::create_exception!(
    appmarket,
    AppMarketError,
    PyException,
    "Base class of every appmarket error; has `.kind` and `.reason`."
);
pyo3::create_exception!(appmarket, InvalidInput, AppMarketError, "Bad input; has `.field` and `.reason`.");
pyo3::create_exception!(appmarket, NotFound, AppMarketError, "Something does not exist; has `.what` and `.id`.");
pyo3::create_exception!(
    appmarket,
    NotAllowed,
    AppMarketError,
    "A rule refused the command; has `.rule` and `.reason`."
);
pyo3::create_exception!(appmarket, Forbidden, AppMarketError, "The actor may not do this; has `.reason`.");
pyo3::create_exception!(
    appmarket,
    Conflict,
    AppMarketError,
    "A concurrent change or reused request id; has `.reason`."
);
pyo3::create_exception!(appmarket, PaymentDeclined, AppMarketError, "The payment was declined; has `.reason`.");
pyo3::create_exception!(
    appmarket,
    GatewayError,
    AppMarketError,
    "The payment gateway failed (raised, timed out or answered inconsistently); nothing was recorded; has `.reason`."
);
pyo3::create_exception!(appmarket, Storage, AppMarketError, "The store failed; has `.reason`.");

/// Each exception class with the attributes its instances carry (all `str`), declared on the
/// class as `__annotations__` so that the stub generator reads them from the class.
fn exception_classes(py: Python<'_>) -> Vec<(Bound<'_, PyType>, &'static [&'static str])> {
    vec![
        (AppMarketError::type_object(py), &["kind", "reason"]),
        (InvalidInput::type_object(py), &["field"]),
        (NotFound::type_object(py), &["what", "id"]),
        (NotAllowed::type_object(py), &["rule"]),
        (Forbidden::type_object(py), &[]),
        (Conflict::type_object(py), &[]),
        (PaymentDeclined::type_object(py), &[]),
        (GatewayError::type_object(py), &[]),
        (Storage::type_object(py), &[]),
    ]
}

/// A core error raises its class. Exhaustive on purpose: a new core variant must get its own
/// class here before the crate compiles.
impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        let message = e.to_string();
        let kind = e.kind();
        let (err, attrs): (PyErr, Vec<(&str, String)>) = match e {
            Error::InvalidInput { field, reason } => {
                (InvalidInput::new_err(message), vec![("field", field), ("reason", reason)])
            }
            Error::NotFound { what, id } => {
                let reason = message.clone();
                (NotFound::new_err(message), vec![("what", what), ("id", id), ("reason", reason)])
            }
            Error::NotAllowed { rule, reason } => {
                (NotAllowed::new_err(message), vec![("rule", rule), ("reason", reason)])
            }
            Error::Forbidden { reason } => (Forbidden::new_err(message), vec![("reason", reason)]),
            Error::Conflict { reason } => (Conflict::new_err(message), vec![("reason", reason)]),
            Error::PaymentDeclined { reason } => (PaymentDeclined::new_err(message), vec![("reason", reason)]),
            Error::Gateway { reason } => (GatewayError::new_err(message), vec![("reason", reason)]),
            Error::Storage { reason } => (Storage::new_err(message), vec![("reason", reason)]),
        };
        Python::attach(|py| {
            let value = err.value(py);
            for (key, val) in std::iter::once(("kind", kind.to_owned())).chain(attrs) {
                if let Err(set_err) = value.setattr(key, val) {
                    return set_err;
                }
            }
            err
        })
    }
}

// ---------------------------------------------------------------------------------- text

fn text<'a>(ob: &'a Borrowed<'_, '_, PyAny>) -> PyResult<std::borrow::Cow<'a, str>> {
    let s = ob.cast::<PyString>().map_err(|_| {
        PyTypeError::new_err(format!(
            "expected str, got {}",
            ob.get_type().name().map(|n| n.to_string()).unwrap_or_default()
        ))
    })?;
    Ok(s.to_cow()?.into_owned().into())
}

/// Ids, currencies: `str` both ways, parsed by the core on the way in.
macro_rules! text_types {
    ($($ty:ty => |$v:ident| $out:expr, |$s:ident| $parse:expr;)*) => {$(
        impl<'a, 'py> FromPyObject<'a, 'py> for $ty {
            type Error = PyErr;
            const INPUT_TYPE: PyStaticExpr = PyString::TYPE_HINT;
            fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                let $s = text(&ob)?;
                Ok($parse?)
            }
        }
        impl<'py> IntoPyObject<'py> for &$ty {
            type Target = PyString;
            type Output = Bound<'py, PyString>;
            type Error = std::convert::Infallible;
            const OUTPUT_TYPE: PyStaticExpr = PyString::TYPE_HINT;
            fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
                let $v = self;
                Ok(PyString::new(py, $out))
            }
        }
        impl<'py> IntoPyObject<'py> for $ty {
            type Target = PyString;
            type Output = Bound<'py, PyString>;
            type Error = std::convert::Infallible;
            const OUTPUT_TYPE: PyStaticExpr = PyString::TYPE_HINT;
            fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
                (&self).into_pyobject(py)
            }
        }
    )*};
}

text_types! {
    CustomerId => |v| v.as_str(), |s| CustomerId::parse(&s);
    SellerId => |v| v.as_str(), |s| SellerId::parse(&s);
    OperatorId => |v| v.as_str(), |s| OperatorId::parse(&s);
    ProductId => |v| v.as_str(), |s| ProductId::parse(&s);
    OrderId => |v| v.as_str(), |s| OrderId::parse(&s);
    AppId => |v| v.as_str(), |s| AppId::parse(&s);
    FlowId => |v| v.as_str(), |s| FlowId::parse(&s);
    AppealId => |v| v.as_str(), |s| AppealId::parse(&s);
    InvoiceId => |v| v.as_str(), |s| InvoiceId::parse(&s);
    RequestId => |v| v.as_str(), |s| RequestId::parse(&s);
    Currency => |v| v.code(), |s| Currency::parse(&s);
    // A password goes in as text and comes out only where its owner asked (`reveal_password`).
    Secret => |v| v.expose(), |s| Ok::<_, Error>(Secret::new(s.into_owned()));
}

// ---------------------------------------------------------------------------------- amounts, instants

/// A strict amount: `decimal.Decimal` or `int`; `float`, `bool`, NaN and infinities are refused.
pub struct Amount(pub Decimal);

static DECIMAL: PyOnceLock<Py<PyType>> = PyOnceLock::new();

impl<'a, 'py> FromPyObject<'a, 'py> for Amount {
    type Error = PyErr;
    const INPUT_TYPE: PyStaticExpr = type_hint_union!(type_hint_identifier!("decimal", "Decimal"), PyInt::TYPE_HINT);

    fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if ob.is_instance_of::<PyBool>() || ob.is_instance_of::<PyFloat>() {
            return Err(PyTypeError::new_err(format!(
                "expected decimal.Decimal or int, got {} (floats are refused: use Decimal(\"12.50\"))",
                ob.get_type().name()?
            )));
        }
        if ob.is_instance(DECIMAL.import(ob.py(), "decimal", "Decimal")?)? {
            if !ob.call_method0("is_finite")?.is_truthy()? {
                return Err(PyValueError::new_err("NaN or Infinity is not a valid amount"));
            }
        } else if !ob.is_instance_of::<PyInt>() {
            return Err(PyTypeError::new_err(format!(
                "expected decimal.Decimal or int, got {}",
                ob.get_type().name()?
            )));
        }
        let s = ob.str()?;
        let s = s.to_cow()?;
        Decimal::from_str(&s)
            .or_else(|_| Decimal::from_scientific(&s))
            .map(Amount)
            .map_err(|e| PyValueError::new_err(format!("amount {s} is out of range: {e}")))
    }
}

/// A timezone-aware `datetime`, in UTC; a naive one is refused.
pub struct Instant(pub DateTime<Utc>);

impl<'a, 'py> FromPyObject<'a, 'py> for Instant {
    type Error = PyErr;
    const INPUT_TYPE: PyStaticExpr = PyDateTime::TYPE_HINT;

    fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let dt = ob.cast::<PyDateTime>().map_err(|_| {
            PyTypeError::new_err(format!(
                "expected datetime.datetime, got {}",
                ob.get_type().name().map(|n| n.to_string()).unwrap_or_default()
            ))
        })?;
        if dt.call_method0("utcoffset")?.is_none() {
            return Err(PyTypeError::new_err(
                "naive datetime refused: pass a timezone-aware datetime (e.g. tzinfo=timezone.utc)",
            ));
        }
        let as_utc = dt.call_method1("astimezone", (PyTzInfo::utc(ob.py())?,))?;
        Ok(Instant(as_utc.extract::<DateTime<Utc>>()?))
    }
}

// ---------------------------------------------------------------------------------- JSON-shaped data

/// A core value's serde form as Python data (`dict`, `list`, `str`, `int`, `bool`, `None`).
pub fn to_py_data<'py, T: serde::Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value).map_err(|e| PyValueError::new_err(e.to_string()))?;
    json_to_py(py, &json)
}

/// JSON → Python (decimals stay strings, as serde writes them).
pub fn json_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Value::Null => Ok(py.None().into_bound(py)),
        Value::Bool(b) => b.into_bound_py_any(py),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_bound_py_any(py),
            (_, Some(u)) => u.into_bound_py_any(py),
            _ => n.as_f64().unwrap_or_default().into_bound_py_any(py),
        },
        Value::String(s) => s.into_bound_py_any(py),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            Ok(list.into_any())
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            Ok(dict.into_any())
        }
    }
}

/// Python → JSON for serde input: `dict` with `str` keys, `list`/`tuple`, `str`, `int`, `bool`,
/// `None`, `decimal.Decimal` (as text), `Money` and the enumerations (their serde names).
/// Floats are refused.
pub fn py_to_json(ob: &Bound<'_, PyAny>) -> PyResult<Value> {
    let json = |v: Result<Value, serde_json::Error>| v.map_err(|e| PyValueError::new_err(e.to_string()));
    if ob.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = ob.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    // Before `int`: the enumerations are `IntEnum`s.
    if let Ok(d) = ob.extract::<DeliveryMethod>() {
        return json(serde_json::to_value(d));
    }
    if ob.is_instance_of::<PyInt>() {
        return Ok(match ob.extract::<i64>() {
            Ok(i) => Value::from(i),
            Err(_) => Value::from(ob.extract::<u64>()?),
        });
    }
    if ob.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err("floats are refused: use decimal.Decimal or int"));
    }
    if let Ok(s) = ob.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if ob.is_instance(DECIMAL.import(ob.py(), "decimal", "Decimal")?)? {
        return Ok(Value::String(ob.extract::<Amount>()?.0.to_string()));
    }
    if let Ok(m) = ob.cast::<Money>() {
        return json(serde_json::to_value(m.get()));
    }
    if let Ok(dict) = ob.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, v) in dict.iter() {
            let key = k.cast::<PyString>().map_err(|_| PyTypeError::new_err("dict keys must be str"))?;
            map.insert(key.to_cow()?.into_owned(), py_to_json(&v)?);
        }
        return Ok(Value::Object(map));
    }
    if ob.is_instance_of::<PyList>() || ob.is_instance_of::<PyTuple>() {
        return ob.try_iter()?.map(|item| py_to_json(&item?)).collect::<PyResult<Vec<_>>>().map(Value::Array);
    }
    Err(PyTypeError::new_err(format!("cannot convert {} to a policy value", ob.get_type().name()?)))
}

/// What happened, or an order's kind: their serde form as a `dict`.
macro_rules! data_out {
    ($($ty:ty),*) => {$(
        impl<'py> IntoPyObject<'py> for &$ty {
            type Target = PyAny;
            type Output = Bound<'py, PyAny>;
            type Error = PyErr;
            const OUTPUT_TYPE: PyStaticExpr =
                type_hint_subscript!(PyDict::TYPE_HINT, PyString::TYPE_HINT, type_hint_identifier!("typing", "Any"));
            fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
                to_py_data(py, self)
            }
        }
    )*};
}
data_out!(EventKind, OrderKind);

// ---------------------------------------------------------------------------------- enumerations

/// The enumerations: each an `enum.IntEnum` of module `appmarket`, made once, with the core
/// enum's variants as members in declaration order (values 0, 1, …). Matched exhaustively: a
/// new core variant does not compile until it is listed here.
macro_rules! py_int_enum {
    ($($name:ident { $($variant:ident),+ $(,)? })*) => {
        $(
            impl $name {
                /// The Python class, made once.
                pub fn py_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
                    static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
                    CLASS.get_or_try_init(py, || make_int_enum(py, stringify!($name), &[$(stringify!($variant)),+]))
                        .map(|c| c.bind(py))
                }

                fn py_index(self) -> usize {
                    [$($name::$variant),+].iter().position(|v| *v == self).unwrap_or_default()
                }
            }

            impl $name {
                /// Its name in the stub, where `generate_stub.py` declares the class.
                const PY_TYPE_HINT: PyStaticExpr = PyStaticExpr::Name { id: stringify!($name) };
            }

            impl<'py> IntoPyObject<'py> for $name {
                type Target = PyAny;
                type Output = Bound<'py, PyAny>;
                type Error = PyErr;
                const OUTPUT_TYPE: PyStaticExpr = $name::PY_TYPE_HINT;
                fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
                    $name::py_class(py)?.call1((self.py_index(),))
                }
            }

            impl<'py> IntoPyObject<'py> for &$name {
                type Target = PyAny;
                type Output = Bound<'py, PyAny>;
                type Error = PyErr;
                const OUTPUT_TYPE: PyStaticExpr = $name::PY_TYPE_HINT;
                fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
                    (*self).into_pyobject(py)
                }
            }

            impl<'a, 'py> FromPyObject<'a, 'py> for $name {
                type Error = PyErr;
                const INPUT_TYPE: PyStaticExpr = $name::PY_TYPE_HINT;
                fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                    let class = $name::py_class(ob.py())?;
                    if !ob.is_instance(class)? {
                        return Err(PyTypeError::new_err(format!(
                            "expected {}, got {}", stringify!($name), ob.get_type().name()?
                        )));
                    }
                    // The member's value is its index: read as the int it is (`.name` is a
                    // Python-level property, slower than the rest of a call's arguments).
                    let index: usize = ob.extract()?;
                    [$($name::$variant),+].get(index).copied()
                        .ok_or_else(|| PyTypeError::new_err(format!("{index} is not a {}", stringify!($name))))
                }
            }
        )*

        /// Every enumeration class, to add to the module.
        fn int_enums(py: Python<'_>) -> PyResult<Vec<Bound<'_, PyType>>> {
            Ok(vec![$($name::py_class(py)?.clone()),*])
        }
    };
}

py_int_enum! {
    BillingMode { PayPerUse, Monthly, Yearly, OneTime }
    DeliveryMethod { Image, Saas, License, ProfessionalService }
    OrderStatus { PendingPayment, Processing, Completed, Cancelled, Unsubscribed }
    AppStatus { Provisioning, Active, GracePeriod, Frozen, Released, Unsubscribed, Deleted }
    PaymentMethod { Balance, CreditCard, Credit, Online }
    SortOrder { Relevance, PriceAscending, PriceDescending, Newest }
    Action {
        AcceptTerms, Pay, CancelOrder, RevealPassword, Upgrade, Renew, SetAutoRenewal, Unsubscribe, RequestRefund,
        RequestInvoice, SubmitRequest, AcceptRequest, RejectRequest, Deliver, ConfirmAcceptance, RejectDelivery,
        RemindSeller, Appeal, ResolveAppeal, IssueInvoice, ReturnInvoice, DeleteApp, PayArrears, ScheduleDowngrade,
        CancelScheduledDowngrade,
    }
    FlowKind { License, ProfessionalService, Saas, FiveGNaas }
    FlowStatus { AwaitingRequest, RequestSubmitted, InService, AwaitingAcceptance, Frozen, Completed, Closed }
    Party { Customer, Seller }
    AppealGrounds { SellerIdle, RequestRejected, DeliveryRejected, CustomerIdle }
    AppealStatus { Open, Resolved, Closed }
    InvoiceStatus { Requested, Issued, Returned }
    PendingKind { OperatorReview, NegotiatedRefund }
    UpcomingKind {
        AutoRenewalCharge, UsageRetry, ExpiryReminder, GracePeriod, Frozen, Released, ArrearsCleared, DowngradeApplied,
        OrderCancelled, OrderCompleted, FlowClosed,
    }
}

fn make_int_enum(py: Python<'_>, name: &str, members: &[&str]) -> PyResult<Py<PyType>> {
    let members: Vec<(&str, usize)> = members.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let kwargs = PyDict::new(py);
    kwargs.set_item("module", "appmarket")?;
    kwargs.set_item("qualname", name)?;
    let class = py.import("enum")?.getattr("IntEnum")?.call((name, members), Some(&kwargs))?;
    Ok(class.cast_into::<PyType>()?.unbind())
}

/// The kind as a person reads it ("Professional service").
#[pyfunction]
fn flow_kind_text(kind: FlowKind) -> String {
    kind.to_string()
}

/// The status a person sees on the Service Supervision page.
#[pyfunction]
fn flow_status_text(status: FlowStatus) -> String {
    status.to_string()
}

/// Whether the flow is still open (not completed or closed).
#[pyfunction]
fn flow_status_is_open(status: FlowStatus) -> bool {
    status.is_open()
}

/// The grounds as a person reads them.
#[pyfunction]
fn appeal_grounds_text(grounds: AppealGrounds) -> String {
    grounds.to_string()
}

fn add_property(class: &Bound<'_, PyType>, name: &str, getter: Bound<'_, pyo3::types::PyCFunction>) -> PyResult<()> {
    let property = class.py().import("builtins")?.getattr("property")?.call1((getter,))?;
    class.setattr(name, property)
}

// ---------------------------------------------------------------------------------- repr

/// `Class(field=repr, …)` from the class's properties: the fields in their declaration order
/// (read from the `Debug` form, `Name { a: …, b: … }`), then the others by name.
fn repr(slf: &Bound<'_, PyAny>, debug: &str) -> PyResult<String> {
    let class = slf.get_type();
    let mut names = Vec::new();
    for item in class.getattr("__dict__")?.call_method0("items")?.try_iter()? {
        let (name, attr): (String, Bound<'_, PyAny>) = item?.extract()?;
        if !name.starts_with('_') && attr.get_type().name()? == "getset_descriptor" {
            names.push(name);
        }
    }
    // pyo3 builds a class's properties from a hash map: its `__dict__` order changes from one
    // process to the next, so what the `Debug` form does not order (computed properties, a
    // custom `Debug` like `Money`'s) is ordered by name.
    let order = debug_fields(debug);
    names.sort_by_cached_key(|n| (order.iter().position(|f| f == n).unwrap_or(usize::MAX), n.clone()));
    let parts =
        names.iter().map(|n| Ok(format!("{n}={}", slf.getattr(n.as_str())?.repr()?))).collect::<PyResult<Vec<_>>>()?;
    Ok(format!("{}({})", class.name()?, parts.join(", ")))
}

/// The field names of a `Debug` form `Name { a: …, b: … }`, in order.
fn debug_fields(debug: &str) -> Vec<String> {
    let (mut depth, mut quoted, mut escaped, mut fields, mut word) = (0, false, false, Vec::new(), String::new());
    for c in debug.chars() {
        if quoted {
            (escaped, quoted) = (c == '\\' && !escaped, quoted && (escaped || c != '"'));
            continue;
        }
        match c {
            '"' => quoted = true,
            '{' | '[' | '(' => depth += 1,
            '}' | ']' | ')' => depth -= 1,
            ':' if depth == 1 && !word.is_empty() => fields.push(std::mem::take(&mut word)),
            c if depth == 1 && (c.is_alphanumeric() || c == '_') => word.push(c),
            _ => word.clear(),
        }
    }
    fields
}

/// A `#[pymethods]` block with the `repr` and the given methods, for each record.
macro_rules! records {
    ($($ty:ty { $($methods:tt)* })*) => {$(
        #[pymethods]
        impl $ty {
            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                repr(slf.as_any(), &format!("{:?}", slf.get()))
            }
            $($methods)*
        }
    )*};
}

records! {
    Money {
        #[new]
        fn py_new(amount: Amount, currency: Currency) -> Self {
            Money::new(amount.0, currency)
        }
        fn __str__(&self) -> String {
            self.to_string()
        }
    }
    crate::QuoteLine {}
    crate::Quote {}
    crate::Availability {}
    Event {
        /// The kind as a JSON string.
        #[getter]
        fn kind_json(&self) -> String {
            serde_json::to_string(&self.kind).unwrap_or_default()
        }
    }
    crate::TickReport {}
    Receipt {
        /// A receipt, as a host gateway's `charge` or `refund` returns it.
        #[new]
        fn py_new(id: String, amount: Money, method: PaymentMethod) -> Self {
            Receipt { id, amount, method }
        }
    }
    crate::payments::ChargeRequest {}
    crate::payments::RefundRequest {}
    Attribute {
        #[new]
        fn py_new(name: String, value: String) -> Self {
            Attribute { name, value }
        }
    }
    QuantityAttribute {
        #[new]
        #[pyo3(signature = (name, *, min, max, step = 1))]
        fn py_new(name: String, min: u32, max: u32, step: u32) -> Self {
            QuantityAttribute { name, min, max, step }
        }
    }
    PricePlan {
        #[new]
        #[pyo3(signature = (mode, price, *, per_unit = false))]
        fn py_new(mode: BillingMode, price: Money, per_unit: bool) -> Self {
            PricePlan { mode, price, per_unit }
        }
    }
    Specification {
        #[new]
        #[pyo3(signature = (name, *, plans, attributes = Vec::new(), quantity = None, request_template = None))]
        fn py_new(
            name: String,
            plans: Vec<PricePlan>,
            attributes: Vec<Attribute>,
            quantity: Option<QuantityAttribute>,
            request_template: Option<Attachment>,
        ) -> Self {
            Specification { name, attributes, quantity, plans, request_template }
        }
    }
    SupportRange {
        #[new]
        #[pyo3(signature = (*, email = String::new(), phone = String::new()))]
        fn py_new(email: String, phone: String) -> Self {
            SupportRange { email, phone }
        }
    }
    ResourcePlan {
        #[new]
        #[pyo3(signature = (mode, *, flavour, disk_per_gb, eip_per_mbit))]
        fn py_new(mode: BillingMode, flavour: Money, disk_per_gb: Money, eip_per_mbit: Money) -> Self {
            ResourcePlan { mode, flavour, disk_per_gb, eip_per_mbit }
        }
    }
    ImageResources {
        #[new]
        #[pyo3(signature = (*, flavour, system_disk_gb, plans, recommended_security_group = None))]
        fn py_new(flavour: String, system_disk_gb: u32, plans: Vec<ResourcePlan>, recommended_security_group: Option<String>) -> Self {
            ImageResources { flavour, system_disk_gb, recommended_security_group, plans }
        }
    }
    ProductDraft {
        // `tags` is typed `list[str]`: a `str` is a sequence of `str` too, but is refused.
        #[new]
        #[pyo3(signature = (
            *, name, category, delivery, specifications, involves_supervision = false,
            tags: "list[str]" = Vec::new(), description = String::new(), support = None, image = None
        ))]
        #[allow(clippy::too_many_arguments)]
        fn py_new(
            name: String, category: String, delivery: DeliveryMethod, specifications: Vec<Specification>,
            involves_supervision: bool, tags: Vec<String>, description: String, support: Option<SupportRange>,
            image: Option<ImageResources>,
        ) -> Self {
            let support = support.unwrap_or_default();
            ProductDraft { name, category, delivery, involves_supervision, tags, description, support, specifications, image }
        }
    }
    Product {
        /// The billing modes some specification offers, sorted.
        #[pyo3(name = "billing_modes")]
        fn py_billing_modes(&self) -> Vec<BillingMode> {
            self.billing_modes()
        }
        /// The lowest price of any plan.
        #[pyo3(name = "lowest_price")]
        fn py_lowest_price(&self) -> Money {
            self.lowest_price()
        }
        /// The specification with this name.
        #[pyo3(name = "specification")]
        fn py_specification(&self, name: &str) -> PyResult<Specification> {
            Ok(self.specification(name)?.clone())
        }
    }
    crate::catalog::SavedItem {}
    SavedList {
        fn __len__(&self) -> usize {
            self.items.len()
        }
    }
    SearchQuery {
        #[new]
        #[pyo3(signature = (
            *, text = String::new(), category = None, delivery = None, billing_mode = None, seller = None,
            min_price = None, max_price = None, sort = SortOrder::Relevance, page = 1, page_size = None
        ))]
        #[allow(clippy::too_many_arguments)]
        fn py_new(
            text: String, category: Option<String>, delivery: Option<DeliveryMethod>, billing_mode: Option<BillingMode>,
            seller: Option<SellerId>, min_price: Option<Money>, max_price: Option<Money>, sort: SortOrder, page: u32,
            page_size: Option<u32>,
        ) -> Self {
            SearchQuery { text, category, delivery, billing_mode, seller, min_price, max_price, sort, page, page_size }
        }
    }
    crate::Payment {}
    Order {
        /// Whether the order was paid or settled.
        #[getter(is_paid)]
        fn py_is_paid(&self) -> bool {
            self.is_paid()
        }
        /// What the customer paid (zero when unpaid or settled by a reseller).
        #[getter(amount_paid)]
        fn py_amount_paid(&self) -> Money {
            self.amount_paid()
        }
    }
    Network {
        #[new]
        fn py_new(vpc: String, subnet: String) -> Self {
            Network { vpc, subnet }
        }
    }
    Customization {
        #[new]
        #[pyo3(signature = (*, mode, server_name, periods = 1, instances = 1, eip_mbit = None))]
        fn py_new(mode: BillingMode, server_name: String, periods: u32, instances: u32, eip_mbit: Option<u32>) -> Self {
            Customization { mode, eip_mbit, server_name, periods, instances }
        }
    }
    ImageSetup {}
    crate::Term {}
    ApplicationInfo {
        #[new]
        #[pyo3(signature = (*, username = String::new(), management_url = String::new(), frontend_url = String::new(), product_guide = String::new()))]
        fn py_new(username: String, management_url: String, frontend_url: String, product_guide: String) -> Self {
            ApplicationInfo { username, management_url, frontend_url, product_guide, has_password: false }
        }
    }
    crate::SellerInfo {}
    crate::AutoRenewal {}
    ScheduledDowngrade {}
    crate::UsageStatement {}
    crate::Upcoming {}
    crate::UpcomingItem {}
    crate::UsageForecast {}
    crate::RefundPart {}
    crate::RefundQuote {}
    crate::PendingUnsubscription {}
    crate::Invoice {}
    crate::invoice::SettlementRun {}
    crate::order::StandingInvoice {}
    Attachment {
        #[new]
        fn py_new(name: String, bytes: u64) -> Self {
            Attachment { name, bytes }
        }
    }
    ServiceRequest {
        #[new]
        #[pyo3(signature = (description, attachments = Vec::new()))]
        fn py_new(description: String, attachments: Vec<Attachment>) -> Self {
            ServiceRequest { description, attachments }
        }
    }
    Delivery {
        #[new]
        #[pyo3(signature = (*, note = String::new(), enabling_time = None, application_info = None))]
        fn py_new(note: String, enabling_time: Option<Instant>, application_info: Option<ApplicationInfo>) -> Self {
            Delivery { note, enabling_time: enabling_time.map(|t| t.0), application_info }
        }
    }
    ServiceFlow {
        /// The status shown on the Service Supervision page.
        #[getter]
        fn status_text(&self) -> String {
            self.status.to_string()
        }
        /// Who holds the next step; `None` when frozen or finished.
        #[getter(next_step_by)]
        fn py_next_step_by(&self) -> Option<Party> {
            self.next_step_by()
        }
        /// When the system closes the flow under `policy` (SUP-8).
        #[pyo3(name = "closes_at")]
        fn py_closes_at(&self, policy: Policy) -> DateTime<Utc> {
            self.closes_at(&policy)
        }
        /// From when no appeal is allowed under `policy` (APL-3).
        #[pyo3(name = "appeals_end_at")]
        fn py_appeals_end_at(&self, policy: Policy) -> DateTime<Utc> {
            self.appeals_end_at(&policy)
        }
    }
    crate::SubmittedRequest {}
    Appeal {
        /// By when the operator should resolve it under `policy`, in working days (APL-4).
        #[pyo3(name = "resolution_due")]
        fn py_resolution_due(&self, policy: Policy) -> DateTime<Utc> {
            self.resolution_due(&policy)
        }
    }
}

/// Records whose properties are not all their fields (a password, a box, a Python keyword):
/// each property listed as `name: Type = |value| expression`.
macro_rules! records_with_getters {
    ($($ty:ty [ $($name:ident: $gty:ty = |$v:ident| $e:expr),* $(,)? ] { $($methods:tt)* })*) => {$(
        #[pymethods]
        impl $ty {
            $(
                #[getter]
                fn $name(&self) -> $gty {
                    let $v = self;
                    $e
                }
            )*
            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                repr(slf.as_any(), &format!("{:?}", slf.get()))
            }
            $($methods)*
        }
    )*};
}

records_with_getters! {
    CustomerAccount [
        id: CustomerId = |a| a.id.clone(),
        bound_card: bool = |a| a.bound_card,
        credit_enabled: bool = |a| a.credit_enabled,
        reseller: Option<String> = |a| a.reseller.clone(),
        level: Option<String> = |a| a.level.clone(),
    ] {
        #[new]
        #[pyo3(signature = (id, *, bound_card = false, credit_enabled = false, reseller = None, level = None))]
        fn py_new(id: CustomerId, bound_card: bool, credit_enabled: bool, reseller: Option<String>, level: Option<String>) -> Self {
            CustomerAccount { id, bound_card, credit_enabled, reseller, level, unconditional_unsubscriptions: Default::default() }
        }
        /// An account with a bound credit card.
        #[classmethod]
        #[pyo3(name = "with_card")]
        fn py_with_card(_cls: &Bound<'_, PyType>, id: CustomerId) -> Self {
            CustomerAccount::with_card(id)
        }
    }
    ImageProvisioning [
        specification: String = |r| r.specification.clone(),
        network: Network = |r| r.network.clone(),
        new_security_group: Option<String> = |r| match &r.security_group {
            SecurityGroup::Recommended => None,
            SecurityGroup::New { name } => Some(name.clone()),
        },
        agree_terms: bool = |r| r.agree_terms,
        customization: Option<Customization> = |r| r.customization.clone(),
        quick_mode: Option<BillingMode> = |r| r.quick_mode,
    ] {
        /// `quick_mode` chooses yearly, monthly or pay-per-use for quick provisioning (IMG-1);
        /// `new_security_group=None` uses the one the seller recommends. The login password
        /// never shows.
        #[new]
        #[pyo3(signature = (
            *, specification, network, login_password, agree_terms = false, new_security_group = None,
            customization = None, quick_mode = None
        ))]
        fn py_new(
            specification: String, network: Network, login_password: Secret, agree_terms: bool,
            new_security_group: Option<String>, customization: Option<Customization>, quick_mode: Option<BillingMode>,
        ) -> Self {
            let security_group = new_security_group.map_or(SecurityGroup::Recommended, |name| SecurityGroup::New { name });
            ImageProvisioning { specification, network, security_group, login_password, agree_terms, customization, quick_mode }
        }
    }
    PurchasedApp [
        id: AppId = |a| a.id.clone(),
        order: OrderId = |a| a.order.clone(),
        customer: CustomerId = |a| a.customer.clone(),
        customer_level: Option<String> = |a| a.customer_level.clone(),
        product: ProductId = |a| a.product.clone(),
        product_name: String = |a| a.product_name.clone(),
        delivery: DeliveryMethod = |a| a.delivery,
        involves_supervision: bool = |a| a.involves_supervision,
        specification: String = |a| a.specification.clone(),
        quantity: u32 = |a| a.quantity,
        mode: BillingMode = |a| a.mode,
        purchased_at: DateTime<Utc> = |a| a.purchased_at,
        term: Option<crate::Term> = |a| a.term,
        status: AppStatus = |a| a.status,
        info: ApplicationInfo = |a| a.info.clone(),
        seller: crate::SellerInfo = |a| a.seller.clone(),
        auto_renewal: Option<crate::AutoRenewal> = |a| a.auto_renewal,
        pending_order: Option<OrderId> = |a| a.pending_order.clone(),
        image: Option<ImageSetup> = |a| a.image.as_deref().cloned(),
        renewals: Vec<crate::RenewalRecord> = |a| a.renewals.clone(),
        reminded: Vec<u32> = |a| a.reminded.clone(),
        scheduled_downgrade: Option<ScheduledDowngrade> = |a| a.scheduled_downgrade.as_deref().cloned(),
    ] {
        /// The expiry instant, if the app has a term.
        #[getter(expires_at)]
        fn py_expires_at(&self) -> Option<DateTime<Utc>> {
            self.expires_at()
        }
        /// Whole days to expiry at `now`, never negative (APP-6).
        #[pyo3(name = "remaining_days")]
        fn py_remaining_days(&self, now: Instant) -> i64 {
            self.remaining_days(now.0)
        }
    }
    crate::RenewalRecord [
        order: OrderId = |r| r.order.clone(),
        start: DateTime<Utc> = |r| r.from,
        end: DateTime<Utc> = |r| r.to,
        months: u32 = |r| r.months,
    ] {}
    crate::invoice::InvoicedUsage [
        app: AppId = |u| u.app.clone(),
        settlements: Vec<crate::invoice::SettlementRun> = |u| u.settlements.clone(),
        hours: u64 = |u| u.hours,
        start: DateTime<Utc> = |u| u.from,
        end: DateTime<Utc> = |u| u.to,
    ] {}
    crate::UsageCycle [
        number: u32 = |c| c.number,
        start: DateTime<Utc> = |c| c.from,
        end: DateTime<Utc> = |c| c.to,
        hours: u64 = |c| c.hours,
        amount: Money = |c| c.amount,
        receipt: Option<String> = |c| c.receipt.clone(),
        paid_at: Option<DateTime<Utc>> = |c| c.paid_at,
        settled_by_reseller: Option<String> = |c| c.settled_by_reseller.clone(),
        attempts: u32 = |c| c.attempts,
        declined: Option<String> = |c| c.declined.clone(),
        owed: bool = |c| c.is_owed(),
    ] {}
}

// ---------------------------------------------------------------------------------- policy

#[pymethods]
impl Policy {
    /// Every number of the rules, with the RULES.md defaults: keyword arguments
    /// (`Policy(max_page_size=50)`); missing fields keep their defaults.
    #[new]
    #[pyo3(signature = (**fields: "typing.Any"))]
    fn py_new(fields: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        match fields {
            None => Ok(Policy::default()),
            Some(d) => Ok(Policy::from_json(&py_to_json(d.as_any())?.to_string())?),
        }
    }

    /// A policy from a dict of fields (missing fields keep their defaults).
    #[classmethod]
    #[pyo3(signature = (fields: "dict[str, typing.Any]"))]
    fn from_dict(_cls: &Bound<'_, PyType>, fields: &Bound<'_, PyDict>) -> PyResult<Self> {
        Ok(Policy::from_json(&py_to_json(fields.as_any())?.to_string())?)
    }

    /// A policy from JSON (missing fields keep their defaults).
    #[classmethod]
    #[pyo3(name = "from_json")]
    fn py_from_json(_cls: &Bound<'_, PyType>, text: &str) -> PyResult<Self> {
        Ok(Policy::from_json(text)?)
    }

    /// Every field, as a dict (decimals as strings, their serde form).
    #[pyo3(signature = () -> "dict[str, typing.Any]")]
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py_data(py, self)
    }

    /// Every field, as JSON.
    #[pyo3(name = "to_json")]
    fn py_to_json(&self) -> String {
        self.to_json()
    }

    fn __getitem__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let json = serde_json::to_value(self).map_err(|e| PyValueError::new_err(e.to_string()))?;
        match json.get(name) {
            Some(v) => json_to_py(py, v),
            None => Err(PyKeyError::new_err(format!("Policy has no field {name:?}"))),
        }
    }

    fn __repr__(&self) -> String {
        format!("Policy.from_json({:?})", serde_json::to_string(self).unwrap_or_default())
    }
}

// ---------------------------------------------------------------------------------- wrapped values

/// A value whose Python class wraps it: `FromPyObject` and `IntoPyObject` go through the class.
macro_rules! wrapped {
    ($($core:ty => $class:ident),*) => {$(
        impl<'a, 'py> FromPyObject<'a, 'py> for $core {
            type Error = PyErr;
            const INPUT_TYPE: PyStaticExpr = $class::TYPE_HINT;
            fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
                Ok(ob.cast::<$class>()?.get().0.clone())
            }
        }
        impl<'py> IntoPyObject<'py> for $core {
            type Target = $class;
            type Output = Bound<'py, $class>;
            type Error = PyErr;
            const OUTPUT_TYPE: PyStaticExpr = $class::TYPE_HINT;
            fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
                Bound::new(py, $class(self))
            }
        }
        impl<'py> IntoPyObject<'py> for &$core {
            type Target = $class;
            type Output = Bound<'py, $class>;
            type Error = PyErr;
            const OUTPUT_TYPE: PyStaticExpr = $class::TYPE_HINT;
            fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
                Bound::new(py, $class(self.clone()))
            }
        }
    )*};
}

wrapped!(
    Actor => PyActor, Target => PyTarget, Resolution => PyResolution, RenewalDay => PyRenewalDay,
    Page<Product> => ProductPage, Page<Order> => OrderPage, Page<PurchasedApp> => AppPage, Page<ServiceFlow> => FlowPage,
    Page<crate::Upcoming> => UpcomingPage
);

/// Who acts: a customer, a seller, an operator or the system (ACC-1).
#[pyclass(frozen, eq, hash, name = "Actor", module = "appmarket")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyActor(pub Actor);

#[pymethods]
impl PyActor {
    #[staticmethod]
    fn customer(id: &str) -> PyResult<Self> {
        Ok(PyActor(Actor::customer(id)?))
    }
    #[staticmethod]
    fn seller(id: &str) -> PyResult<Self> {
        Ok(PyActor(Actor::seller(id)?))
    }
    #[staticmethod]
    fn operator(id: &str) -> PyResult<Self> {
        Ok(PyActor(Actor::operator(id)?))
    }
    #[staticmethod]
    fn system() -> Self {
        PyActor(Actor::System)
    }
    /// Parses `customer:<id>`, `seller:<id>`, `operator:<id>` or `system`.
    #[staticmethod]
    fn parse(text: &str) -> PyResult<Self> {
        Ok(PyActor(Actor::parse(text)?))
    }
    /// `customer`, `seller`, `operator` or `system`.
    #[getter]
    fn role(&self) -> &'static str {
        match self.0 {
            Actor::Customer(_) => "customer",
            Actor::Seller(_) => "seller",
            Actor::Operator(_) => "operator",
            Actor::System => "system",
        }
    }
    /// The id, or `None` for the system.
    #[getter]
    fn id(&self) -> Option<String> {
        match &self.0 {
            Actor::Customer(id) => Some(id.to_string()),
            Actor::Seller(id) => Some(id.to_string()),
            Actor::Operator(id) => Some(id.to_string()),
            Actor::System => None,
        }
    }
    fn __repr__(&self) -> String {
        match self.id() {
            Some(id) => format!("Actor.{}({id:?})", self.role()),
            None => "Actor.system()".to_owned(),
        }
    }
    fn __str__(&self) -> String {
        self.0.to_string()
    }
}

/// What something is about: an account, product, saved list, order, app, flow, appeal or invoice.
#[pyclass(frozen, eq, hash, name = "Target", module = "appmarket")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PyTarget(pub Target);

#[pymethods]
impl PyTarget {
    #[staticmethod]
    fn account(customer: CustomerId) -> Self {
        PyTarget(Target::Account(customer))
    }
    #[staticmethod]
    fn product(id: ProductId) -> Self {
        PyTarget(Target::Product(id))
    }
    #[staticmethod]
    fn saved_list(customer: CustomerId) -> Self {
        PyTarget(Target::SavedList(customer))
    }
    #[staticmethod]
    fn order(id: OrderId) -> Self {
        PyTarget(Target::Order(id))
    }
    #[staticmethod]
    fn app(id: AppId) -> Self {
        PyTarget(Target::App(id))
    }
    #[staticmethod]
    fn flow(id: FlowId) -> Self {
        PyTarget(Target::Flow(id))
    }
    #[staticmethod]
    fn appeal(id: AppealId) -> Self {
        PyTarget(Target::Appeal(id))
    }
    #[staticmethod]
    fn invoice(id: InvoiceId) -> Self {
        PyTarget(Target::Invoice(id))
    }
    /// `account`, `product`, `saved_list`, `order`, `app`, `flow`, `appeal` or `invoice`.
    #[getter]
    fn kind(&self) -> String {
        self.parts().0
    }
    /// The id of the thing.
    #[getter]
    fn id(&self) -> String {
        self.parts().1
    }
    fn __repr__(&self) -> String {
        let (kind, id) = self.parts();
        format!("Target.{kind}({id:?})")
    }
    fn __str__(&self) -> String {
        self.0.to_string()
    }
}

impl PyTarget {
    fn parts(&self) -> (String, String) {
        // The serde form is {"kind": "...", "id": "..."}: reuse it rather than a second table.
        let json = serde_json::to_value(&self.0).unwrap_or_default();
        let field = |k: &str| json.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        (field("kind"), field("id"))
    }
}

/// The operator's decision on an appeal (APL-4): `Resolution.resume()`,
/// `Resolution.complete_as_accepted()` or `Resolution.close_with_refund(refund)`. `kind` is
/// `resume`, `complete_as_accepted` or `close_with_refund`; `refund` is set for the last.
#[pyclass(frozen, eq, name = "Resolution", module = "appmarket")]
#[derive(Clone, PartialEq, Debug)]
pub struct PyResolution(pub Resolution);

#[pymethods]
impl PyResolution {
    /// The flow resumes where it was.
    #[classmethod]
    fn resume(_cls: &Bound<'_, PyType>) -> Self {
        PyResolution(Resolution::Resume)
    }
    /// The flow completes as if accepted; the order completes after the usual delay.
    #[classmethod]
    fn complete_as_accepted(_cls: &Bound<'_, PyType>) -> Self {
        PyResolution(Resolution::CompleteAsAccepted)
    }
    /// The flow closes with a refund of 0 < refund ≤ paid; a full refund unsubscribes the order.
    #[classmethod]
    fn close_with_refund(_cls: &Bound<'_, PyType>, refund: Money) -> Self {
        PyResolution(Resolution::CloseWithRefund { refund })
    }
    /// `resume`, `complete_as_accepted` or `close_with_refund`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.0 {
            Resolution::Resume => "resume",
            Resolution::CompleteAsAccepted => "complete_as_accepted",
            Resolution::CloseWithRefund { .. } => "close_with_refund",
        }
    }
    /// The refund of `close_with_refund`.
    #[getter]
    fn refund(&self) -> Option<Money> {
        match self.0 {
            Resolution::CloseWithRefund { refund } => Some(refund),
            _ => None,
        }
    }
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        repr(slf.as_any(), &format!("{:?}", slf.get()))
    }
}

/// A renewal date (REN-4): `RenewalDay.day_of_month(15)` (1–28) or `RenewalDay.last_day()`.
/// `day` is `None` for the last day of the month.
#[pyclass(frozen, eq, name = "RenewalDay", module = "appmarket")]
#[derive(Clone, PartialEq, Debug)]
pub struct PyRenewalDay(pub RenewalDay);

#[pymethods]
impl PyRenewalDay {
    /// A day of the month, 1–28; 29–31 and 0 are refused (choose `last_day()`).
    #[classmethod]
    fn day_of_month(_cls: &Bound<'_, PyType>, day: u32) -> PyResult<Self> {
        Ok(PyRenewalDay(RenewalDay::day(day)?))
    }
    /// The last day of the month.
    #[classmethod]
    fn last_day(_cls: &Bound<'_, PyType>) -> Self {
        PyRenewalDay(RenewalDay::LastDay)
    }
    /// The day of the month; `None` for the last day.
    #[getter]
    fn day(&self) -> Option<u32> {
        match self.0 {
            RenewalDay::Day(n) => Some(n),
            RenewalDay::LastDay => None,
        }
    }
    /// Whether this is the last day of the month.
    #[getter]
    fn is_last_day(&self) -> bool {
        matches!(self.0, RenewalDay::LastDay)
    }
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        repr(slf.as_any(), &format!("{:?}", slf.get()))
    }
}

/// A page of items: `items`, `page`, `page_size`, `total`; `len(page)` is the item count.
macro_rules! pages {
    ($($class:ident($item:ty) $doc:literal),*) => {$(
        #[doc = $doc]
        #[pyclass(frozen, eq, module = "appmarket")]
        #[derive(Clone, PartialEq, Debug)]
        pub struct $class(pub Page<$item>);

        #[pymethods]
        impl $class {
            /// The items of this page.
            #[getter]
            fn items(&self) -> Vec<$item> {
                self.0.items.clone()
            }
            /// The page number, from 1.
            #[getter]
            fn page(&self) -> u32 {
                self.0.page
            }
            /// The page size.
            #[getter]
            fn page_size(&self) -> u32 {
                self.0.page_size
            }
            /// How many items match, over every page.
            #[getter]
            fn total(&self) -> u64 {
                self.0.total as u64
            }
            fn __len__(&self) -> usize {
                self.0.items.len()
            }
            fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
                repr(slf.as_any(), &format!("{:?}", slf.get()))
            }
        }
    )*};
}

pages!(
    ProductPage(Product) "A page of products.",
    OrderPage(Order) "A page of orders.",
    AppPage(PurchasedApp) "A page of purchased apps.",
    FlowPage(ServiceFlow) "A page of service flows.",
    UpcomingPage(crate::Upcoming) "A page of previews of upcoming charges, one per customer."
);

// ---------------------------------------------------------------------------------- module

/// What the binding's module cannot declare (`bindings-python/src/lib.rs` exports the classes
/// and exceptions): the enumerations, made at import, with their computed properties, and the
/// attributes each exception carries, as the class's `__annotations__`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    for (class, attributes) in exception_classes(py) {
        let annotations = PyDict::new(py);
        for attribute in attributes {
            annotations.set_item(attribute, py.get_type::<PyString>())?;
        }
        class.setattr("__annotations__", annotations)?;
    }
    for class in int_enums(py)? {
        m.add(class.name()?, class)?;
    }
    add_property(FlowKind::py_class(py)?, "text", wrap_pyfunction!(flow_kind_text, m)?)?;
    add_property(FlowStatus::py_class(py)?, "text", wrap_pyfunction!(flow_status_text, m)?)?;
    add_property(FlowStatus::py_class(py)?, "is_open", wrap_pyfunction!(flow_status_is_open, m)?)?;
    add_property(AppealGrounds::py_class(py)?, "text", wrap_pyfunction!(appeal_grounds_text, m)?)?;
    Ok(())
}
