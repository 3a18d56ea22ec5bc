//! Python enums mirroring the core enums.

use pyo3::prelude::*;

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
        RemindSeller, Appeal, ResolveAppeal, IssueInvoice, ReturnInvoice, DeleteApp, PayArrears,
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

#[pymethods]
impl FlowKind {
    /// The kind as a person reads it ("Professional service").
    #[getter]
    fn text(&self) -> String {
        appmarket::FlowKind::from(*self).to_string()
    }
}

#[pymethods]
impl FlowStatus {
    /// The status a person sees on the Service Supervision page.
    #[getter]
    fn text(&self) -> String {
        appmarket::FlowStatus::from(*self).to_string()
    }

    /// Whether the flow is still open (not completed or closed).
    #[getter]
    fn is_open(&self) -> bool {
        appmarket::FlowStatus::from(*self).is_open()
    }
}

#[pymethods]
impl AppealGrounds {
    /// The grounds as a person reads them.
    #[getter]
    fn text(&self) -> String {
        appmarket::AppealGrounds::from(*self).to_string()
    }
}

/// Adds the enums to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<BillingMode>()?;
    m.add_class::<DeliveryMethod>()?;
    m.add_class::<OrderStatus>()?;
    m.add_class::<AppStatus>()?;
    m.add_class::<PaymentMethod>()?;
    m.add_class::<SortOrder>()?;
    m.add_class::<Action>()?;
    m.add_class::<FlowKind>()?;
    m.add_class::<FlowStatus>()?;
    m.add_class::<Party>()?;
    m.add_class::<AppealGrounds>()?;
    m.add_class::<AppealStatus>()?;
    m.add_class::<InvoiceStatus>()?;
    m.add_class::<PendingKind>()?;
    Ok(())
}
