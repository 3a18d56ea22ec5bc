//! Shared values: money, actors, targets, quotes, events, availability, accounts, receipts.

use pyo3::prelude::*;
use pyo3::types::PyType;

use appmarket::{
    AppId, AppealId, CustomerId, FlowId, InvoiceId, OrderId, ProductId, Target as CoreTarget, actor::Actor as CoreActor,
};

use crate::conversions::{PyDecimal, to_py_data};
use crate::enums::{Action, PaymentMethod};
use crate::errors::Fallible;

value_class!(
    /// An amount with an ISO-4217 currency (PRC-1). Amounts are `decimal.Decimal`; floats are refused.
    Money(appmarket::Money) {
        amount: |m| PyDecimal(m.amount),
        currency: |m| m.currency.code().to_owned(),
    }

    #[new]
    fn new(amount: PyDecimal, currency: &str) -> Fallible<Self> {
        Ok(Self { inner: appmarket::Money::new(amount.0, appmarket::Currency::parse(currency)?) })
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }
);

/// Who acts: a customer, a seller, an operator or the system (ACC-1).
#[pyclass(frozen, eq, hash, from_py_object, module = "appmarket")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Actor {
    /// The core actor.
    pub inner: CoreActor,
}

#[pymethods]
impl Actor {
    #[staticmethod]
    fn customer(id: &str) -> Fallible<Self> {
        Ok(Self { inner: CoreActor::customer(id)? })
    }

    #[staticmethod]
    fn seller(id: &str) -> Fallible<Self> {
        Ok(Self { inner: CoreActor::seller(id)? })
    }

    #[staticmethod]
    fn operator(id: &str) -> Fallible<Self> {
        Ok(Self { inner: CoreActor::operator(id)? })
    }

    #[staticmethod]
    fn system() -> Self {
        Self { inner: CoreActor::System }
    }

    /// Parses `customer:<id>`, `seller:<id>`, `operator:<id>` or `system`.
    #[staticmethod]
    fn parse(text: &str) -> Fallible<Self> {
        Ok(Self { inner: CoreActor::parse(text)? })
    }

    /// `customer`, `seller`, `operator` or `system`.
    #[getter]
    fn role(&self) -> &'static str {
        match self.inner {
            CoreActor::Customer(_) => "customer",
            CoreActor::Seller(_) => "seller",
            CoreActor::Operator(_) => "operator",
            CoreActor::System => "system",
        }
    }

    /// The id, or `None` for the system.
    #[getter]
    fn id(&self) -> Option<String> {
        match &self.inner {
            CoreActor::Customer(id) => Some(id.to_string()),
            CoreActor::Seller(id) => Some(id.to_string()),
            CoreActor::Operator(id) => Some(id.to_string()),
            CoreActor::System => None,
        }
    }

    fn __repr__(&self) -> String {
        match self.id() {
            Some(id) => format!("Actor.{}({id:?})", self.role()),
            None => "Actor.system()".to_owned(),
        }
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }
}

/// What something is about: an account, product, saved list, order, app, flow, appeal or invoice.
#[pyclass(frozen, eq, hash, from_py_object, module = "appmarket")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// The core target.
    pub inner: CoreTarget,
}

#[pymethods]
impl Target {
    #[staticmethod]
    fn account(customer: &str) -> Fallible<Self> {
        Ok(Self { inner: CoreTarget::Account(CustomerId::parse(customer)?) })
    }

    #[staticmethod]
    fn product(id: &str) -> Fallible<Self> {
        Ok(Self { inner: CoreTarget::Product(ProductId::parse(id)?) })
    }

    #[staticmethod]
    fn saved_list(customer: &str) -> Fallible<Self> {
        Ok(Self { inner: CoreTarget::SavedList(CustomerId::parse(customer)?) })
    }

    #[staticmethod]
    fn order(id: &str) -> Fallible<Self> {
        Ok(Self { inner: CoreTarget::Order(OrderId::parse(id)?) })
    }

    #[staticmethod]
    fn app(id: &str) -> Fallible<Self> {
        Ok(Self { inner: CoreTarget::App(AppId::parse(id)?) })
    }

    #[staticmethod]
    fn flow(id: &str) -> Fallible<Self> {
        Ok(Self { inner: CoreTarget::Flow(FlowId::parse(id)?) })
    }

    #[staticmethod]
    fn appeal(id: &str) -> Fallible<Self> {
        Ok(Self { inner: CoreTarget::Appeal(AppealId::parse(id)?) })
    }

    #[staticmethod]
    fn invoice(id: &str) -> Fallible<Self> {
        Ok(Self { inner: CoreTarget::Invoice(InvoiceId::parse(id)?) })
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
        self.inner.to_string()
    }
}

impl Target {
    fn parts(&self) -> (String, String) {
        // The serde form is {"kind": "...", "id": "..."}: reuse it rather than a second table.
        let json = serde_json::to_value(&self.inner).unwrap_or_default();
        let field = |k: &str| json.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        (field("kind"), field("id"))
    }
}

value_class!(
    /// One line of a quote: label, quantity, unit price, periods and amount (PRC-2).
    QuoteLine(appmarket::QuoteLine) {
        label: |l| l.label.clone(),
        quantity: |l| PyDecimal(l.quantity),
        unit_price: |l| Money::from(l.unit_price),
        periods: |l| PyDecimal(l.periods),
        amount: |l| Money::from(l.amount),
    }
);

value_class!(
    /// An itemised price: lines and a total rounded to the currency's minor unit (PRC-1, PRC-2).
    Quote(appmarket::Quote) {
        lines: |q| q.lines.iter().cloned().map(QuoteLine::from).collect::<Vec<_>>(),
        total: |q| Money::from(q.total),
        for_reference_only: |q| q.for_reference_only,
        hourly_rate: |q| q.hourly_rate.map(Money::from),
    }
);

value_class!(
    /// Whether an action is allowed now, and the rule and reason when it is not.
    Availability(appmarket::Availability) {
        action: |a| Action::from(a.action),
        allowed: |a| a.allowed,
        rule: |a| a.rule.clone(),
        reason: |a| a.reason.clone(),
    }
);

value_class!(
    /// A change: sequence number, instant, actor, target, and its kind as a dict (serde form).
    Event(appmarket::Event) {
        seq: |e| e.seq,
        at: |e| e.at,
        actor: |e| Actor { inner: e.actor.clone() },
        target: |e| Target { inner: e.target.clone() },
        kind: |e| EventKindData(&e.kind),
    }

    /// The schema version of the event's serde form.
    #[getter]
    fn schema_version(&self) -> u32 {
        self.inner.schema_version
    }

    /// The kind as a JSON string.
    #[getter]
    fn kind_json(&self) -> String {
        serde_json::to_string(&self.inner.kind).unwrap_or_default()
    }
);

/// Converts a serde value to Python data on the way out.
struct EventKindData<'a>(&'a appmarket::EventKind);

impl<'py> IntoPyObject<'py> for EventKindData<'_> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        Ok(to_py_data(py, self.0)?.into_bound(py))
    }
}

value_class!(
    /// What a `tick` did.
    TickReport(appmarket::TickReport) {
        examined: |r| r.examined,
        changed: |r| r.changed,
        failed: |r| r.failed,
    }
);

value_class!(
    /// A charge or refund made by the payment gateway.
    Receipt(appmarket::payments::Receipt) {
        id: |r| r.id.clone(),
        amount: |r| Money::from(r.amount),
        method: |r| PaymentMethod::from(r.method),
    }

    /// A receipt, as a host gateway's `charge` or `refund` returns it.
    #[new]
    fn new(id: String, amount: Money, method: PaymentMethod) -> Self {
        Self { inner: appmarket::payments::Receipt { id, amount: amount.inner, method: method.into() } }
    }
);

value_class!(
    /// A customer account: bound card, credit, reseller, level (ORD-2, ORD-4).
    CustomerAccount(appmarket::CustomerAccount) {
        id: |a| a.id.to_string(),
        bound_card: |a| a.bound_card,
        credit_enabled: |a| a.credit_enabled,
        reseller: |a| a.reseller.clone(),
        level: |a| a.level.clone(),
    }

    #[new]
    #[pyo3(signature = (id, *, bound_card = false, credit_enabled = false, reseller = None, level = None))]
    fn new(
        id: &str,
        bound_card: bool,
        credit_enabled: bool,
        reseller: Option<String>,
        level: Option<String>,
    ) -> Fallible<Self> {
        Ok(Self {
            inner: appmarket::CustomerAccount {
                id: CustomerId::parse(id)?,
                bound_card,
                credit_enabled,
                reseller,
                level,
                unconditional_unsubscriptions: Default::default(),
            },
        })
    }

    /// An account with a bound credit card.
    #[classmethod]
    fn with_card(_cls: &Bound<'_, PyType>, id: &str) -> Fallible<Self> {
        Ok(Self { inner: appmarket::CustomerAccount::with_card(CustomerId::parse(id)?) })
    }
);

/// Adds the classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Money>()?;
    m.add_class::<Actor>()?;
    m.add_class::<Target>()?;
    m.add_class::<QuoteLine>()?;
    m.add_class::<Quote>()?;
    m.add_class::<Availability>()?;
    m.add_class::<Event>()?;
    m.add_class::<TickReport>()?;
    m.add_class::<Receipt>()?;
    m.add_class::<CustomerAccount>()?;
    Ok(())
}
