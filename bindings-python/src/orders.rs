//! Order values (ORD, IMG): orders and payments, image provisioning requests.

use pyo3::prelude::*;

use appmarket::{Page, Secret, SecurityGroup};

use crate::billing::PendingUnsubscription;
use crate::conversions::to_py_data;
use crate::enums::{BillingMode, DeliveryMethod, OrderStatus, PaymentMethod};
use crate::values::{Money, Quote};

value_class!(
    /// How an order was paid or settled (ORD-2..4).
    Payment(appmarket::Payment) {
        method: |p| p.method.map(PaymentMethod::from),
        receipt: |p| p.receipt.clone(),
        settled_by_reseller: |p| p.settled_by_reseller.clone(),
        amount: |p| Money::from(p.amount),
        paid_at: |p| p.paid_at,
    }
);

value_class!(
    /// An order (ORD). `kind` is a dict (serde form): `{"type": "purchase"}`, `{"type": "upgrade", ...}`.
    Order(appmarket::Order) {
        id: |o| o.id.to_string(),
        customer: |o| o.customer.to_string(),
        seller: |o| o.seller.to_string(),
        product: |o| o.product.to_string(),
        product_name: |o| o.product_name.clone(),
        delivery: |o| DeliveryMethod::from(o.delivery),
        involves_supervision: |o| o.involves_supervision,
        specification: |o| o.specification.clone(),
        mode: |o| BillingMode::from(o.mode),
        quantity: |o| o.quantity,
        periods: |o| o.periods,
        kind: |o| KindData(&o.kind),
        quote: |o| Quote::from(o.quote.clone()),
        status: |o| OrderStatus::from(o.status),
        placed_at: |o| o.placed_at,
        terms_accepted_at: |o| o.terms_accepted_at,
        payment: |o| o.payment.clone().map(Payment::from),
        cancel_reason: |o| o.cancel_reason.clone(),
        app: |o| o.app.as_ref().map(ToString::to_string),
        flow: |o| o.flow.as_ref().map(ToString::to_string),
        accepted_at: |o| o.accepted_at,
        completed_at: |o| o.completed_at,
        refunded: |o| Money::from(o.refunded),
        invoice: |o| o.invoice.as_ref().map(ToString::to_string),
        invoice_issued: |o| o.invoice_issued,
        pending_unsubscription: |o| o.pending_unsubscription.clone().map(PendingUnsubscription::from),
        unconditional_unsubscription_at: |o| o.unconditional_unsubscription_at,
    }

    /// Whether the order was paid or settled.
    #[getter]
    fn is_paid(&self) -> bool {
        self.inner.is_paid()
    }

    /// What the customer paid (zero when unpaid or settled by a reseller).
    #[getter]
    fn amount_paid(&self) -> Money {
        Money::from(self.inner.amount_paid())
    }
);

struct KindData<'a>(&'a appmarket::OrderKind);

impl<'py> IntoPyObject<'py> for KindData<'_> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        Ok(to_py_data(py, self.0)?.into_bound(py))
    }
}

value_class!(
    /// A page of orders.
    OrderPage(Page<appmarket::Order>) {
        items: |p| p.items.iter().cloned().map(Order::from).collect::<Vec<_>>(),
        page: |p| p.page,
        page_size: |p| p.page_size,
        total: |p| p.total,
    }

    fn __len__(&self) -> usize {
        self.inner.items.len()
    }
);

value_class!(
    /// A VPC and subnet (IMG-1).
    Network(appmarket::Network) {
        vpc: |n| n.vpc.clone(),
        subnet: |n| n.subnet.clone(),
    }

    #[new]
    fn new(vpc: String, subnet: String) -> Self {
        Self { inner: appmarket::Network { vpc, subnet } }
    }
);

value_class!(
    /// Customized provisioning: billing mode, EIP, server name, periods, instances (IMG-2).
    Customization(appmarket::Customization) {
        mode: |c| BillingMode::from(c.mode),
        server_name: |c| c.server_name.clone(),
        periods: |c| c.periods,
        instances: |c| c.instances,
        eip_mbit: |c| c.eip_mbit,
    }

    #[new]
    #[pyo3(signature = (*, mode, server_name, periods = 1, instances = 1, eip_mbit = None))]
    fn new(mode: BillingMode, server_name: String, periods: u32, instances: u32, eip_mbit: Option<u32>) -> Self {
        Self { inner: appmarket::Customization { mode: mode.into(), eip_mbit, server_name, periods, instances } }
    }
);

value_class!(
    /// An image provisioning request (IMG-1, IMG-2). `new_security_group=None` uses the one the
    /// seller recommends. The login password never shows in `repr`.
    ImageProvisioning(appmarket::ImageProvisioning) {
        specification: |r| r.specification.clone(),
        network: |r| Network::from(r.network.clone()),
        new_security_group: |r| match &r.security_group {
            SecurityGroup::Recommended => None,
            SecurityGroup::New { name } => Some(name.clone()),
        },
        agree_terms: |r| r.agree_terms,
        customization: |r| r.customization.clone().map(Customization::from),
        quick_mode: |r| r.quick_mode.map(BillingMode::from),
    }

    /// `quick_mode` chooses yearly, monthly or pay-per-use for quick provisioning (IMG-1).
    #[new]
    #[pyo3(signature = (
        *, specification, network, login_password, agree_terms = false, new_security_group = None,
        customization = None, quick_mode = None
    ))]
    fn new(
        specification: String,
        network: Network,
        login_password: String,
        agree_terms: bool,
        new_security_group: Option<String>,
        customization: Option<Customization>,
        quick_mode: Option<BillingMode>,
    ) -> Self {
        Self {
            inner: appmarket::ImageProvisioning {
                quick_mode: quick_mode.map(Into::into),
                specification,
                network: network.inner,
                security_group: match new_security_group {
                    None => SecurityGroup::Recommended,
                    Some(name) => SecurityGroup::New { name },
                },
                login_password: Secret::new(login_password),
                agree_terms,
                customization: customization.map(|c| c.inner),
            },
        }
    }
);

value_class!(
    /// The resources an image order sets up.
    ImageSetup(appmarket::provisioning::ImageSetup) {
        flavour: |s| s.flavour.clone(),
        network: |s| Network::from(s.network.clone()),
        security_group: |s| s.security_group.clone(),
        eip_mbit: |s| s.eip_mbit,
        server_name: |s| s.server_name.clone(),
        instances: |s| s.instances,
        customized: |s| s.customized,
    }
);

/// Adds the classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Payment>()?;
    m.add_class::<Order>()?;
    m.add_class::<OrderPage>()?;
    m.add_class::<Network>()?;
    m.add_class::<Customization>()?;
    m.add_class::<ImageProvisioning>()?;
    m.add_class::<ImageSetup>()?;
    Ok(())
}
