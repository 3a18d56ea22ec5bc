//! Python enums mirroring the core enums.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict, PyType};

mirror_enum!(
    /// How a plan bills (CAT-2).
    BillingMode => appmarket::BillingMode { PayPerUse, Monthly, Yearly, OneTime }
);
mirror_enum!(
    /// How a product is delivered (CAT-1).
    DeliveryMethod => appmarket::DeliveryMethod { Image, Saas, License, ProfessionalService }
);
mirror_enum!(
    /// An order's status (ORD-6).
    OrderStatus => appmarket::OrderStatus { PendingPayment, Processing, Completed, Cancelled, Unsubscribed }
);
mirror_enum!(
    /// A purchased app's status (APP-6).
    AppStatus => appmarket::AppStatus { Provisioning, Active, GracePeriod, Frozen, Released, Unsubscribed, Deleted }
);
mirror_enum!(
    /// How an order is paid (ORD-2).
    PaymentMethod => appmarket::PaymentMethod { Balance, CreditCard, Credit, Online }
);
mirror_enum!(
    /// Search result order (CAT-3).
    SortOrder => appmarket::SortOrder { Relevance, PriceAscending, PriceDescending, Newest }
);
mirror_enum!(
    /// An action a UI may offer, with its availability.
    Action => appmarket::Action {
        AcceptTerms, Pay, CancelOrder, RevealPassword, Upgrade, Renew, SetAutoRenewal, Unsubscribe, RequestRefund,
        RequestInvoice, SubmitRequest, AcceptRequest, RejectRequest, Deliver, ConfirmAcceptance, RejectDelivery,
        RemindSeller, Appeal, ResolveAppeal, IssueInvoice, ReturnInvoice, DeleteApp, PayArrears, ScheduleDowngrade,
        CancelScheduledDowngrade,
    }
);

mirror_enum!(
    /// Which supervision process a flow follows (SUP-1); `text` is what a person reads.
    FlowKind => appmarket::FlowKind { License, ProfessionalService, Saas }
);
mirror_enum!(
    /// Where a service flow stands; `text` is the status shown on the Service Supervision page.
    FlowStatus => appmarket::FlowStatus {
        AwaitingRequest, RequestSubmitted, InService, AwaitingAcceptance, Frozen, Completed, Closed,
    }
);
mirror_enum!(
    /// A party of a service flow.
    Party => appmarket::Party { Customer, Seller }
);
mirror_enum!(
    /// Why a party may appeal (APL-1); `text` is what a person reads.
    AppealGrounds => appmarket::AppealGrounds { SellerIdle, RequestRejected, DeliveryRejected, CustomerIdle }
);
mirror_enum!(
    /// Where an appeal stands (APL-4).
    AppealStatus => appmarket::AppealStatus { Open, Resolved, Closed }
);
mirror_enum!(
    /// Where an invoice stands (INV-1).
    InvoiceStatus => appmarket::InvoiceStatus { Requested, Issued, Returned }
);
mirror_enum!(
    /// Who must decide a pending unsubscription: an operator (UNS-5) or the seller (UNS-6).
    PendingKind => appmarket::PendingKind { OperatorReview, NegotiatedRefund }
);

/// Makes the Python enumeration `name` (an `enum.IntEnum` in module `appmarket`, values
/// 0, 1, … in declaration order, as the core declares them).
pub fn make_class(py: Python<'_>, name: &str, doc: &str, members: &[&str]) -> PyResult<Py<PyType>> {
    let members: Vec<(&str, usize)> = members.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let kwargs = PyDict::new(py);
    kwargs.set_item("module", "appmarket")?;
    kwargs.set_item("qualname", name)?;
    let class = py.import("enum")?.getattr("IntEnum")?.call((name, members), Some(&kwargs))?;
    class.setattr("__doc__", doc.trim())?;
    Ok(class.cast_into::<PyType>()?.unbind())
}

/// The value of a member of `class` (its index in declaration order); a `TypeError` for
/// anything else (an int, a string, a member of another enumeration). Read as the int it is:
/// the enumeration's `.name` is a Python-level property, and reading it cost more than the
/// rest of a call's arguments.
pub fn member_index(ob: &Bound<'_, PyAny>, class: &Bound<'_, PyType>) -> PyResult<usize> {
    if !ob.is_instance(class)? {
        return Err(PyTypeError::new_err(format!("expected {}, got {}", class.name()?, ob.get_type().name()?)));
    }
    ob.extract()
}

/// Adds a read-only property computed by `getter` (a function of the member) to an enumeration.
fn add_property(class: &Bound<'_, PyType>, name: &str, getter: Bound<'_, PyCFunction>) -> PyResult<()> {
    let property = class.py().import("builtins")?.getattr("property")?.call1((getter,))?;
    class.setattr(name, property)
}

/// The kind as a person reads it ("Professional service").
#[pyfunction]
fn flow_kind_text(kind: FlowKind) -> String {
    appmarket::FlowKind::from(kind).to_string()
}

/// The status a person sees on the Service Supervision page.
#[pyfunction]
fn flow_status_text(status: FlowStatus) -> String {
    appmarket::FlowStatus::from(status).to_string()
}

/// Whether the flow is still open (not completed or closed).
#[pyfunction]
fn flow_status_is_open(status: FlowStatus) -> bool {
    appmarket::FlowStatus::from(status).is_open()
}

/// The grounds as a person reads them.
#[pyfunction]
fn appeal_grounds_text(grounds: AppealGrounds) -> String {
    appmarket::AppealGrounds::from(grounds).to_string()
}

/// Adds the enumerations to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    macro_rules! add {
        ($($e:ident),+) => { $( m.add(stringify!($e), $e::class(py)?)?; )+ };
    }
    add!(
        BillingMode,
        DeliveryMethod,
        OrderStatus,
        AppStatus,
        PaymentMethod,
        SortOrder,
        Action,
        FlowKind,
        FlowStatus,
        Party,
        AppealGrounds,
        AppealStatus,
        InvoiceStatus,
        PendingKind
    );
    add_property(FlowKind::class(py)?, "text", wrap_pyfunction!(flow_kind_text, m)?)?;
    add_property(FlowStatus::class(py)?, "text", wrap_pyfunction!(flow_status_text, m)?)?;
    add_property(FlowStatus::class(py)?, "is_open", wrap_pyfunction!(flow_status_is_open, m)?)?;
    add_property(AppealGrounds::class(py)?, "text", wrap_pyfunction!(appeal_grounds_text, m)?)?;
    Ok(())
}
