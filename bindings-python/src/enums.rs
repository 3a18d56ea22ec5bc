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
    AppStatus => appmarket::AppStatus { Provisioning, Active, GracePeriod, Frozen, Released, Unsubscribed }
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
        RemindSeller, Appeal, ResolveAppeal, IssueInvoice, ReturnInvoice,
    }
);

/// Adds the enums to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<BillingMode>()?;
    m.add_class::<DeliveryMethod>()?;
    m.add_class::<OrderStatus>()?;
    m.add_class::<AppStatus>()?;
    m.add_class::<PaymentMethod>()?;
    m.add_class::<SortOrder>()?;
    m.add_class::<Action>()?;
    Ok(())
}
