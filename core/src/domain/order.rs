//! The `Order` aggregate: place, accept terms, pay, settle, cancel, complete (ORD-1..6).

pub mod unsubscription;

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::account::CustomerAccount;
use crate::actions::{Action, Availability};
use crate::actor::{Actor, AppId, CustomerId, FlowId, InvoiceId, OrderId, ProductId, SellerId};
use crate::aggregate::{Aggregate, Create, Ctx, Sequence};
use crate::catalog::{BillingMode, DeliveryMethod, Product};
use crate::error::Error;
use crate::money::Money;
use crate::payments::{PaymentMethod, Receipt, ReturnedCharge};
use crate::policy::Policy;
use crate::pricing::Quote;
use crate::provisioning::ImageSetup;
use crate::renewal_day::RenewalDay;

pub use crate::catalog::check_periods;

/// Why an unsubscription waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PendingKind {
    /// Refund above the review threshold: waits for an operator (UNS-5).
    OperatorReview,
    /// Negotiated refund of a supervised order: waits for the seller (UNS-6).
    NegotiatedRefund,
}

/// The refund of one order of an unsubscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct RefundPart {
    /// The order.
    pub order: OrderId,
    /// Its refund, rounded.
    pub refund: Money,
}

/// An unsubscription or refund waiting for an operator or the seller (UNS-5, UNS-6, INV-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct PendingUnsubscription {
    /// Who must decide.
    pub kind: PendingKind,
    /// The refunds, order by order.
    pub parts: Vec<RefundPart>,
    /// The itemised refund.
    pub quote: Quote,
    /// The customer's reason (UNS-6).
    pub reason: Option<String>,
    /// Whether it is an unconditional unsubscription (UNS-3).
    pub unconditional: bool,
}

/// An invoice of a pay-per-use order's usage that stands (INV-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct StandingInvoice {
    /// The invoice.
    pub invoice: InvoiceId,
    /// Whether it is issued (else requested).
    pub issued: bool,
}

/// Where an order stands (ORD-6).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OrderStatus {
    /// Placed, not paid yet.
    PendingPayment,
    /// Paid; its service flow is still open (ORD-5).
    Processing,
    /// Done.
    Completed,
    /// Cancelled: payment failed, timed out, or the customer cancelled it.
    Cancelled,
    /// Unsubscribed, with a refund.
    Unsubscribed,
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OrderStatus::PendingPayment => "Pending payment",
            OrderStatus::Processing => "Processing",
            OrderStatus::Completed => "Completed",
            OrderStatus::Cancelled => "Cancelled",
            OrderStatus::Unsubscribed => "Unsubscribed",
        })
    }
}

/// What an order buys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OrderKind {
    /// A new purchase from the product page or the saved list.
    Purchase,
    /// Image servers (IMG-1, IMG-2).
    Image {
        /// The provisioning request, without the password.
        setup: ImageSetup,
    },
    /// An upgrade of a purchased app to the order's specification and quantity (PRC-4).
    Upgrade {
        /// The app upgraded.
        app: AppId,
        /// Specification before.
        from_specification: String,
        /// Quantity before.
        from_quantity: u32,
    },
    /// A manual or automatic renewal of a purchased app (REN).
    Renewal {
        /// The app renewed.
        app: AppId,
        /// Months added (a year is 12), before any renewal-date extension.
        months: u32,
        /// The renewal date chosen, if any (REN-4).
        #[serde(default)]
        renewal_day: Option<RenewalDay>,
    },
}

/// How an order was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Payment {
    /// The method, or `None` when a reseller settled (ORD-4).
    pub method: Option<PaymentMethod>,
    /// The gateway's receipt id, or `None` when a reseller settled.
    pub receipt: Option<String>,
    /// The reseller that settled, if any.
    pub settled_by_reseller: Option<String>,
    /// What was paid (the quote total).
    pub amount: Money,
    /// When.
    pub paid_at: DateTime<Utc>,
}

/// An order (ORD-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Order {
    /// Id.
    pub id: OrderId,
    /// The buyer.
    pub customer: CustomerId,
    /// The seller of the product.
    pub seller: SellerId,
    /// The product.
    pub product: ProductId,
    /// Product name at the time of the order.
    pub product_name: String,
    /// Delivery method.
    pub delivery: DeliveryMethod,
    /// Whether the order opens a service flow.
    pub involves_supervision: bool,
    /// Specification.
    pub specification: String,
    /// Billing mode.
    pub mode: BillingMode,
    /// Quantity of the specification's quantity attribute (1 without one).
    pub quantity: u32,
    /// Number of periods (months or years; 1 for one-time and pay-per-use).
    pub periods: u32,
    /// What the order buys.
    pub kind: OrderKind,
    /// The itemised amount, fixed when placed.
    pub quote: Quote,
    /// Status.
    pub status: OrderStatus,
    /// When placed.
    pub placed_at: DateTime<Utc>,
    /// When the customer accepted the terms.
    pub terms_accepted_at: Option<DateTime<Utc>>,
    /// The payment, once paid.
    pub payment: Option<Payment>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// The app the order created or changes.
    pub app: Option<AppId>,
    /// The service flow the order opened.
    pub flow: Option<FlowId>,
    /// When the customer accepted the service (SUP-4).
    pub accepted_at: Option<DateTime<Utc>>,
    /// When it was completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Refunded so far.
    pub refunded: Money,
    /// The order's invoice, once requested (INV-1); for a pay-per-use order, the latest.
    pub invoice: Option<InvoiceId>,
    /// Whether an invoice of the order has been issued and not returned (UNS-2, SUP-8).
    pub invoice_issued: bool,
    /// A pay-per-use order's invoices of settled usage that stand: requested, or issued and not
    /// returned (INV-1). Each covers settlements none of the others covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usage_invoices: Vec<StandingInvoice>,
    /// An unsubscription or negotiated refund waiting for an operator or the seller (UNS-5,
    /// UNS-6, INV-2).
    #[serde(default)]
    pub pending_unsubscription: Option<PendingUnsubscription>,
    /// When it was unsubscribed by the unconditional unsubscription (UNS-3).
    #[serde(default)]
    pub unconditional_unsubscription_at: Option<DateTime<Utc>>,
    /// How many charges for the order were given back because, decided again, the order no
    /// longer wanted them (it was cancelled meanwhile); a later charge asks the gateway under a
    /// fresh key.
    #[serde(default, skip_serializing_if = "crate::aggregate::is_zero")]
    pub charges_returned: u32,
}

/// A command on an order: what a customer or the system may ask of it. What the marketplace
/// itself records on an order (a payment its gateway took, an invoice it issued, …) is a
/// [`OrderFact`], which only the library can make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderCommand {
    /// The customer accepts the terms and conditions (ORD-2).
    AcceptTerms,
    /// The customer cancels an unpaid order.
    Cancel,
    /// System: cancel an order unpaid for too long (ORD-3).
    CancelUnpaid,
    /// System: complete the order once the delay after acceptance has passed (SUP-4).
    CompleteAfterAcceptance,
    /// A fact the marketplace records (see [`OrderFact`]).
    Record(OrderFact),
    /// Places a new order, decided against its absence (ORD-1): see [`Placement`].
    Place(Placement),
}

/// What placing an order needs: the ordering customer's account, the product and what is
/// ordered. The marketplace makes it from what it loaded, so it has no public constructor.
///
/// ```compile_fail
/// // Outside the library a placement cannot be made, so no caller names its own price.
/// let place = appmarket::order::Placement { account: todo!(), product: None, what: todo!() };
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The account of the customer the order is for.
    pub(crate) account: CustomerAccount,
    /// The product, `None` when it does not exist: refused after the customer's own checks.
    pub(crate) product: Option<std::sync::Arc<Product>>,
    /// What is ordered.
    pub(crate) what: Placing,
}

/// What a [`Placement`] orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placing {
    /// A purchase by its customer, priced here (ORD-1, ORD-2, ORD-7).
    Purchase {
        /// What the customer asks.
        request: PurchaseRequest,
        /// How many of the customer's orders wait for payment (ORD-7).
        unpaid_orders: u64,
    },
    /// Image servers by quick or customized provisioning, placed with the terms accepted
    /// (IMG-1, IMG-2, ORD-2, ORD-7).
    Image {
        /// The image product.
        product: ProductId,
        /// What the customer asks.
        request: crate::provisioning::ImageProvisioning,
        /// How many of the customer's orders wait for payment (ORD-7).
        unpaid_orders: u64,
        /// How quick provisioning is paid at once (ORD-2, ORD-4); customized provisioning
        /// names none: it is paid by a separate payment (IMG-2).
        method: Option<PaymentMethod>,
    },
    /// A change of a purchased app its customer orders, priced by the app's rules: an upgrade
    /// or a renewal (ORD-2).
    Change(Ordered),
    /// A renewal the system charged for (REN-5): no customer check.
    AutoRenewal(Ordered),
}

/// An order's configuration and price, as the app's rules priced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ordered {
    pub(crate) specification: String,
    pub(crate) mode: BillingMode,
    pub(crate) quantity: u32,
    pub(crate) periods: u32,
    pub(crate) kind: OrderKind,
    pub(crate) quote: Quote,
}

/// How a payment the order's rules allowed is taken (ORD-4, PRC-7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Taking {
    /// Charge the customer through the gateway.
    Charge {
        /// The method.
        method: PaymentMethod,
        /// The amount.
        amount: Money,
    },
    /// A pay-per-use order charges nothing up front: usage is settled after each cycle, and the
    /// order records this receipt (PRC-7).
    NothingUpFront(Receipt),
    /// The reseller settles; nothing is charged (ORD-4).
    Reseller(String),
}

/// The customer an actor orders as (ACC-1): only a customer places orders.
pub(crate) fn ordering_customer(by: &Actor) -> Result<&CustomerId, Error> {
    match by {
        Actor::Customer(c) => Ok(c),
        other => Err(Error::forbidden(format!("{other} may not place orders: only a customer may"))),
    }
}

/// Checks that a customer may order one more unpaid order (ORD-2, ORD-7).
fn check_may_place(account: &CustomerAccount, unpaid_orders: u64, policy: &Policy) -> Result<(), Error> {
    check_may_order(account)?;
    let limit = policy.max_unpaid_orders_per_customer;
    if unpaid_orders >= u64::from(limit) {
        return Err(Error::not_allowed(
            "ORD-7",
            format!("customer {} already has {limit} orders waiting for payment: pay or cancel one first", account.id),
        ));
    }
    Ok(())
}

/// A fact the marketplace records on an order after its own checks or a port's answer. It has
/// no public constructor: no caller can claim a payment or an invoice.
///
/// ```compile_fail
/// // Outside the library a fact cannot be made, so an order cannot be told it was paid.
/// let paid = appmarket::order::OrderFact(appmarket::order::Fact::CompleteNow);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderFact(pub(crate) Fact);

/// The facts of [`OrderFact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fact {
    /// The gateway charged the customer (ORD-3).
    RecordPayment {
        /// The gateway's receipt.
        receipt: Receipt,
        /// The app created or changed.
        app: AppId,
        /// The service flow opened, if the product involves supervision.
        flow: Option<FlowId>,
    },
    /// A reseller settles the order (ORD-4).
    RecordSettlement {
        /// The reseller.
        reseller: String,
        /// The app created or changed.
        app: AppId,
        /// The service flow opened.
        flow: Option<FlowId>,
    },
    /// The gateway declined: the order is cancelled with the reason (ORD-3).
    RecordDecline {
        /// The gateway's reason.
        reason: String,
    },
    /// The customer accepted the service; the order completes after the delay (SUP-4).
    RecordAcceptance,
    /// Close a supervised order as completed now (SUP-8, APL-4).
    CompleteNow,
    /// The order was unsubscribed with a refund (UNS, SUP-8, APL-4, UNS-6).
    RecordUnsubscription {
        /// The refund.
        refund: Money,
    },
    /// A refund that leaves the order standing (APL-4 partial refunds).
    RecordRefund {
        /// The refund.
        refund: Money,
    },
    /// An invoice of the order was requested (INV-1).
    RecordInvoiceRequested {
        /// The invoice.
        invoice: InvoiceId,
    },
    /// The order's invoice was issued (INV-1).
    RecordInvoiceIssued {
        /// The invoice.
        invoice: InvoiceId,
    },
    /// The order's invoice was returned (INV-1, UNS-2).
    RecordInvoiceReturned {
        /// The invoice.
        invoice: InvoiceId,
    },
    /// An unsubscription or negotiated refund waits for a decision (UNS-5, UNS-6).
    HoldUnsubscription {
        /// What waits.
        pending: PendingUnsubscription,
    },
    /// The waiting unsubscription or refund was rejected (UNS-5, UNS-6).
    RejectUnsubscription {
        /// Why.
        reason: String,
    },
    /// The unsubscription is the unconditional one (UNS-3).
    MarkUnconditional,
    /// A charge the order no longer wanted, given back (see [`ReturnedCharge`]).
    ReturnCharge(ReturnedCharge),
}

impl From<Fact> for OrderCommand {
    fn from(fact: Fact) -> OrderCommand {
        OrderCommand::Record(OrderFact(fact))
    }
}

/// What happened to an order. These are its operation records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OrderEvent {
    /// Placed, with its quote total.
    Placed {
        /// The total of the quote.
        total: Money,
    },
    /// Terms accepted.
    TermsAccepted,
    /// Paid through the gateway.
    Paid {
        /// Method.
        method: PaymentMethod,
        /// Receipt id.
        receipt: String,
        /// Amount.
        amount: Money,
    },
    /// Settled by a reseller; the amount was for reference only.
    SettledByReseller {
        /// The reseller.
        reseller: String,
        /// The reference amount.
        amount: Money,
    },
    /// Payment failed.
    PaymentFailed {
        /// The gateway's reason.
        reason: String,
    },
    /// Cancelled.
    Cancelled {
        /// Why.
        reason: String,
    },
    /// The order created (or changed) an app.
    Fulfilled {
        /// The app.
        app: AppId,
        /// The flow opened, if any.
        flow: Option<FlowId>,
    },
    /// The customer accepted the service.
    AcceptanceRecorded,
    /// Completed.
    Completed,
    /// Unsubscribed with a refund.
    Unsubscribed {
        /// The refund.
        refund: Money,
    },
    /// Refunded in part; the order stands.
    Refunded {
        /// The refund.
        refund: Money,
    },
    /// An invoice was requested.
    InvoiceRequested {
        /// The invoice.
        invoice: InvoiceId,
    },
    /// The invoice was issued.
    InvoiceIssued {
        /// The invoice.
        invoice: InvoiceId,
    },
    /// The invoice was returned.
    InvoiceReturned {
        /// The invoice.
        invoice: InvoiceId,
    },
    /// An unsubscription or negotiated refund waits for a decision (UNS-5, UNS-6).
    UnsubscriptionRequested {
        /// What waits.
        pending: Box<PendingUnsubscription>,
    },
    /// The waiting unsubscription or refund was rejected.
    UnsubscriptionRejected {
        /// Why.
        reason: String,
    },
    /// Unsubscribed by the unconditional unsubscription (UNS-3).
    UnconditionalUnsubscription,
    /// A charge taken for the order that, decided again after a concurrent change, the order
    /// no longer wanted (it was cancelled meanwhile): given back with a refund.
    ChargeReturned {
        /// The charge and its refund.
        returned: Box<ReturnedCharge>,
    },
}

/// What paying an order takes, once every check has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Charge the customer through the gateway.
    Charge {
        /// The method.
        method: PaymentMethod,
        /// The amount.
        amount: Money,
    },
    /// The reseller settles; nothing is charged (ORD-4).
    Reseller(String),
}

impl Order {
    /// Whether the order has been paid (or settled).
    pub fn is_paid(&self) -> bool {
        self.payment.is_some()
    }

    /// Whether the gateway receipt `id` is the order's payment.
    pub fn holds_receipt(&self, id: &str) -> bool {
        self.payment.as_ref().and_then(|p| p.receipt.as_deref()) == Some(id)
    }

    /// What was paid, zero if unpaid or settled by a reseller (ORD-4).
    pub fn amount_paid(&self) -> Money {
        match &self.payment {
            Some(p) if p.settled_by_reseller.is_none() => p.amount,
            _ => Money::zero(self.quote.total.currency),
        }
    }

    /// Whether a reseller settled the order: its amounts are for reference only (ORD-4).
    pub fn settled_by_reseller(&self) -> bool {
        self.payment.as_ref().is_some_and(|p| p.settled_by_reseller.is_some())
    }

    /// What refunds are counted against: what was paid, or for a reseller-settled order the
    /// reference amount (its refunds are for reference only too, ORD-4).
    pub fn refund_base(&self) -> Money {
        match &self.payment {
            Some(p) if p.settled_by_reseller.is_some() => p.amount,
            _ => self.amount_paid(),
        }
    }

    /// The app an upgrade or renewal order changes; `None` for a purchase or an image.
    pub(crate) fn changes_app(&self) -> Option<&AppId> {
        match &self.kind {
            OrderKind::Upgrade { app, .. } | OrderKind::Renewal { app, .. } => Some(app),
            OrderKind::Purchase | OrderKind::Image { .. } => None,
        }
    }

    /// The app this order is about, if known.
    pub fn target_app(&self) -> Option<&AppId> {
        match &self.kind {
            OrderKind::Upgrade { app, .. } | OrderKind::Renewal { app, .. } => Some(app),
            _ => self.app.as_ref(),
        }
    }

    /// UNS-2: no refund or unsubscription while an invoice of the order is issued (of its
    /// payment, or of its settled usage).
    fn check_not_invoiced(&self) -> Result<(), Error> {
        if self.invoice_issued {
            return Err(Error::not_allowed(
                "UNS-2",
                format!("the invoice of order {} is issued: it must be returned before any refund", self.id),
            ));
        }
        Ok(())
    }

    fn require_status(&self, expected: OrderStatus, rule: &str, doing: &str) -> Result<(), Error> {
        if self.status == expected {
            Ok(())
        } else {
            Err(Error::not_allowed(rule, format!("order {} is {}, so it cannot {doing}", self.id, self.status)))
        }
    }

    fn check_accept_terms(&self, by: &Actor) -> Result<(), Error> {
        by.require_customer(&self.customer, format_args!("order {}", self.id))?;
        self.require_status(OrderStatus::PendingPayment, "ORD-2", "accept terms")?;
        if self.terms_accepted_at.is_some() {
            return Err(Error::not_allowed("ORD-2", format!("the terms of order {} are already accepted", self.id)));
        }
        Ok(())
    }

    fn check_cancel(&self, by: &Actor) -> Result<(), Error> {
        by.require_customer(&self.customer, format_args!("order {}", self.id))?;
        self.require_status(OrderStatus::PendingPayment, "ORD-6", "be cancelled")
    }

    /// Checks that `by` may pay with `method` now, and says what paying takes (ORD-2, ORD-4).
    pub fn check_pay(
        &self,
        by: &Actor,
        method: Option<PaymentMethod>,
        account: &CustomerAccount,
    ) -> Result<Settlement, Error> {
        by.require_customer(&self.customer, format_args!("order {}", self.id))?;
        self.require_status(OrderStatus::PendingPayment, "ORD-3", "be paid")?;
        if self.terms_accepted_at.is_none() {
            return Err(Error::not_allowed(
                "ORD-2",
                format!("accept the terms and conditions of order {} before paying", self.id),
            ));
        }
        settlement_for(account, method, self.quote.total)
    }

    /// Whether `by` may pay the order now and how its payment is taken (ORD-2..4, PRC-4,
    /// PRC-7, REN-1): the checks of [`Order::check_pay`], then those of the app an upgrade or a
    /// renewal changes (`app`, as stored; `product`, the upgrade's product), so that a refused
    /// change never reaches the gateway.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn paying(
        &self,
        by: &Actor,
        method: Option<PaymentMethod>,
        account: &CustomerAccount,
        app: Option<&crate::app::PurchasedApp>,
        product: Option<&Product>,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<Taking, Error> {
        let settlement = self.check_pay(by, method, account)?;
        if let Some(app) = app {
            self.check_app_takes(app, product, policy, now)?;
        }
        Ok(match settlement {
            // PRC-7: nothing is charged up front; usage is settled after each cycle.
            Settlement::Charge { method, amount } if self.mode == BillingMode::PayPerUse => {
                Taking::NothingUpFront(Receipt { id: format!("{}:pay-per-use", self.id), amount, method })
            }
            Settlement::Charge { method, amount } => Taking::Charge { method, amount },
            Settlement::Reseller(reseller) => Taking::Reseller(reseller),
        })
    }

    /// Before an upgrade or renewal order is charged, its app must still take it: an upgrade
    /// applies to an active term at the price it was ordered at (PRC-4), a renewal to a
    /// renewable app (REN-1).
    fn check_app_takes(
        &self,
        app: &crate::app::PurchasedApp,
        product: Option<&Product>,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        match &self.kind {
            OrderKind::Upgrade { app: id, .. } => {
                // An upgrade is priced for the days left of the current term; paid later, it must
                // still be active and priced the same, or it would charge for days gone by.
                let expired = app.term.is_none_or(|t| t.expiry_date(policy.zone()) <= policy.zone().date_of(now));
                if app.status != crate::app::AppStatus::Active || expired {
                    return Err(Error::not_allowed(
                        "PRC-4",
                        format!(
                            "app {id} is {} now: an upgrade applies only to an active term; cancel order {} and renew first",
                            app.status, self.id
                        ),
                    ));
                }
                let product = product.ok_or_else(|| Error::not_found("product", &self.product))?;
                let now_quote = app.price_upgrade(product, &self.specification, self.quantity, policy, now)?;
                if now_quote.total != self.quote.total {
                    return Err(Error::not_allowed(
                        "PRC-4",
                        format!(
                            "the upgrade was priced {} when ordered and is {} now (fewer days remain): cancel order {} and order the upgrade again",
                            self.quote.total, now_quote.total, self.id
                        ),
                    ));
                }
                Ok(())
            }
            OrderKind::Renewal { .. } => {
                let renew = self.renewal_of_app().expect("a renewal order");
                app.decide(&renew, &Ctx::new(&Actor::System, now, policy)).map(|_| ())
            }
            OrderKind::Purchase | OrderKind::Image { .. } => Ok(()),
        }
    }

    /// What a paid manual renewal order asks of its app (REN-2, REN-4): `None` for other orders.
    pub(crate) fn renewal_of_app(&self) -> Option<crate::app::AppCommand> {
        let OrderKind::Renewal { months, renewal_day, .. } = &self.kind else { return None };
        Some(crate::app::AppCommand::from(crate::app::Fact::Renew {
            order: self.id.clone(),
            months: *months,
            renewal_day: *renewal_day,
            auto: false,
            receipt: None,
        }))
    }

    /// Refuses a refund that is negative, foreign, or more than what is left of the payment.
    pub fn check_refund(&self, refund: &Money) -> Result<(), Error> {
        let paid = self.refund_base();
        paid.same_currency(refund, "refund")?;
        let left = paid.amount - self.refunded.amount;
        if refund.is_negative() || refund.amount > left {
            return Err(Error::invalid(
                "refund",
                format!("a refund of order {} is 0–{} {}, got {refund}", self.id, left, paid.currency),
            ));
        }
        Ok(())
    }

    /// The customer-facing actions on this order and whether each is allowed now.
    pub fn available_actions(&self, by: &Actor, account: Option<&CustomerAccount>) -> Vec<Availability> {
        let pay = match account {
            Some(acc) => {
                let method = if acc.is_reseller_customer() { None } else { Some(PaymentMethod::Online) };
                self.check_pay(by, method, acc).map(|_| ())
            }
            None => Err(Error::not_found("account", &self.customer)),
        };
        vec![
            Availability::from_check(Action::AcceptTerms, self.check_accept_terms(by)),
            Availability::from_check(Action::Pay, pay),
            Availability::from_check(Action::CancelOrder, self.check_cancel(by)),
        ]
    }
}

/// Which of a customer's orders to list.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(default)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OrderFilter {
    /// Only this status.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub status: Option<OrderStatus>,
    /// Only this product.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub product: Option<ProductId>,
}

impl OrderFilter {
    /// Whether an order passes the filter.
    pub fn matches(&self, order: &Order) -> bool {
        self.matches_parts(order.status, &order.product)
    }

    /// Whether an order of this status and product passes the filter: for a store that keeps
    /// the two beside its list of a customer's orders.
    pub fn matches_parts(&self, status: OrderStatus, product: &ProductId) -> bool {
        self.status.is_none_or(|s| s == status) && self.product.as_ref().is_none_or(|p| p == product)
    }
}

/// What a customer asks to buy (ORD-1).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PurchaseRequest {
    /// The product.
    pub product: ProductId,
    /// The specification's name.
    pub specification: String,
    /// The billing mode.
    pub mode: BillingMode,
    /// Quantity (1 when the specification has no quantity attribute).
    #[cfg_attr(feature = "uniffi", uniffi(default = 1))]
    pub quantity: u32,
    /// Periods: monthly 1–9, yearly 1–3; 1 for one-time and pay-per-use.
    #[cfg_attr(feature = "uniffi", uniffi(default = 1))]
    pub periods: u32,
}

/// How an account pays `amount` with `method` (ORD-2, ORD-4): a reseller's customer names no
/// method (the reseller settles); anyone else names one the account may use (credit only where
/// enabled, a card only when bound).
pub fn settlement_for(
    account: &CustomerAccount,
    method: Option<PaymentMethod>,
    amount: Money,
) -> Result<Settlement, Error> {
    match (&account.reseller, method) {
        (Some(reseller), None) => Ok(Settlement::Reseller(reseller.clone())),
        (Some(reseller), Some(m)) => Err(Error::not_allowed(
            "ORD-4",
            format!("reseller {reseller} settles this customer's orders: choose no payment method, not {m}"),
        )),
        (None, None) => {
            Err(Error::invalid("method", "choose a payment method: balance, credit card, credit or online"))
        }
        (None, Some(PaymentMethod::Credit)) if !account.credit_enabled => Err(Error::not_allowed(
            "ORD-2",
            "credit payment is not enabled for this account; submit a service ticket to enable it",
        )),
        (None, Some(PaymentMethod::CreditCard)) if !account.bound_card => {
            Err(Error::not_allowed("ORD-2", "no credit card is bound to this account"))
        }
        (None, Some(m)) => Ok(Settlement::Charge { method: m, amount }),
    }
}

/// Checks that an account may place orders at all (ORD-2): a bound card, unless a reseller settles.
pub fn check_may_order(account: &CustomerAccount) -> Result<(), Error> {
    if !account.bound_card && !account.is_reseller_customer() {
        return Err(Error::not_allowed(
            "ORD-2",
            format!("customer {} has no bound credit card: bind one before placing orders", account.id),
        ));
    }
    Ok(())
}

/// Validates a purchase against the catalog and the policy and prices it (ORD-1, CAT-2, CAT-3,
/// PRC-3, PRC-7).
pub fn quote_purchase(product: &Product, request: &PurchaseRequest, policy: &Policy) -> Result<Quote, Error> {
    product.check_orderable()?;
    if product.delivery == DeliveryMethod::Image {
        return Err(Error::not_allowed(
            "IMG-1",
            format!("`{}` is an image: order it by quick or customized provisioning", product.name),
        ));
    }
    let spec = product.specification(&request.specification)?;
    let plan = spec.plan(request.mode)?;
    spec.check_quantity(request.quantity)?;
    check_periods(request.mode, request.periods, policy, "ORD-1")?;
    if request.mode == BillingMode::PayPerUse {
        // Nothing is charged up front: usage is rated by started hours (PRC-7).
        return crate::pricing::QuoteBuilder::new(plan.price.currency)
            .line(
                format!("{}, pay-per-use, billed per started hour", spec.name),
                plan.price,
                rust_decimal::Decimal::from(if plan.per_unit { request.quantity } else { 1 }),
                rust_decimal::Decimal::ZERO,
            )
            .build_hourly();
    }
    crate::pricing::purchase_quote(spec, plan, request.quantity, request.periods)
}

/// What placing an order decided: the one input of [`Order::new`]. Its events change none of
/// it but the quote, which a reseller's settlement marks for reference, and the app, which the
/// fulfilment of any order but an image's names.
struct OrderOrigin {
    id: OrderId,
    customer: CustomerId,
    seller: SellerId,
    product: ProductId,
    product_name: String,
    delivery: DeliveryMethod,
    involves_supervision: bool,
    ordered: Ordered,
    placed_at: DateTime<Utc>,
    /// The app numbered with an image order (APP-5); `None` until then, and for any other.
    app: Option<AppId>,
}

impl Order {
    /// The order as its placing leaves it, before any of its events: pending payment, nothing
    /// paid, fulfilled, refunded or invoiced. The one place that says how an order starts:
    /// placing it and [`Aggregate::as_created`] both make it here.
    fn new(origin: OrderOrigin) -> Order {
        let OrderOrigin {
            id,
            customer,
            seller,
            product,
            product_name,
            delivery,
            involves_supervision,
            ordered: Ordered { specification, mode, quantity, periods, kind, quote },
            placed_at,
            app,
        } = origin;
        let currency = quote.total.currency;
        Order {
            id,
            customer,
            seller,
            product,
            product_name,
            delivery,
            involves_supervision,
            specification,
            mode,
            quantity,
            periods,
            kind,
            quote,
            status: OrderStatus::PendingPayment,
            placed_at,
            terms_accepted_at: None,
            payment: None,
            cancel_reason: None,
            app,
            flow: None,
            accepted_at: None,
            completed_at: None,
            refunded: Money::zero(currency),
            invoice: None,
            invoice_issued: false,
            usage_invoices: Vec::new(),
            pending_unsubscription: None,
            unconditional_unsubscription_at: None,
            charges_returned: 0,
        }
    }

    /// A new order, pending payment (ORD-1), not numbered yet.
    fn placed(account: &CustomerAccount, product: &Product, ordered: Ordered, now: DateTime<Utc>) -> Order {
        let quote = ordered.quote.for_reference(account.is_reseller_customer());
        Order::new(OrderOrigin {
            id: OrderId::numbered(0),
            customer: account.id.clone(),
            seller: product.seller.clone(),
            product: product.id.clone(),
            product_name: product.name.clone(),
            delivery: product.delivery,
            involves_supervision: product.involves_supervision && matches!(ordered.kind, OrderKind::Purchase),
            ordered: Ordered { quote, ..ordered },
            placed_at: now,
            app: None,
        })
    }
}

impl Order {
    /// An order as placed, without the placement's checks, numbered `id`: for the contract
    /// suite and the tests, which need orders without a marketplace.
    #[cfg(any(test, feature = "test-utils"))]
    pub(crate) fn placed_unchecked(
        id: OrderId,
        customer: CustomerId,
        product: &Product,
        ordered: Ordered,
        now: DateTime<Utc>,
    ) -> Order {
        let mut order = Order::placed(&CustomerAccount::with_card(customer), product, ordered, now);
        order.id = id;
        order
    }

    /// What is left of the order's payment to refund (APL-4, SUP-8).
    pub(crate) fn refundable(&self) -> Money {
        let paid = self.amount_paid();
        Money::new(paid.amount - self.refunded.amount, paid.currency)
    }

    /// Whether the paid order opens a service flow (SUP-1): a supervised purchase.
    pub(crate) fn opens_flow(&self) -> bool {
        self.involves_supervision
    }

    /// The app the paid order creates (ORD-5) for its customer at `level`, paid with `payment`
    /// (the method, or the reseller who settles): its configuration is the order's.
    pub(crate) fn app_start(
        &self,
        product: &Product,
        level: Option<String>,
        payment: Result<PaymentMethod, String>,
    ) -> crate::app::AppCommand {
        let image = match &self.kind {
            OrderKind::Image { setup } => Some(setup.clone()),
            _ => None,
        };
        let start = crate::app::Start {
            id: self.app.clone(),
            order: self.id.clone(),
            customer: self.customer.clone(),
            customer_level: level,
            product: self.product.clone(),
            product_name: self.product_name.clone(),
            delivery: self.delivery,
            involves_supervision: self.involves_supervision,
            specification: self.specification.clone(),
            quantity: self.quantity,
            mode: self.mode,
            periods: self.periods,
            image,
            seller: crate::app::SellerInfo {
                seller: product.seller.clone(),
                email: product.support.email.clone(),
                phone: product.support.phone.clone(),
            },
            hourly: self.quote.hourly_rate.unwrap_or(Money::zero(self.quote.total.currency)),
            payment,
        };
        crate::app::AppCommand::from(crate::app::Fact::Start(Box::new(start)))
    }
}

impl Create for Order {
    fn decide_new(cmd: &OrderCommand, ctx: &Ctx<'_>) -> Result<(Order, Vec<OrderEvent>), Error> {
        let OrderCommand::Place(Placement { account, product: found, what }) = cmd else {
            return Err(Error::invalid("command", "only placing creates an order"));
        };
        let product = |id: &ProductId| found.as_deref().ok_or_else(|| Error::not_found("product", id));
        let changed =
            || found.as_deref().ok_or_else(|| Error::invalid("product", "a change of an app names its product"));
        let (order, terms_accepted) = match what {
            Placing::Purchase { request, unpaid_orders } => {
                check_may_place(account, *unpaid_orders, ctx.policy)?;
                let product = product(&request.product)?;
                let quote = quote_purchase(product, request, ctx.policy)?;
                let ordered = Ordered {
                    specification: request.specification.clone(),
                    mode: request.mode,
                    quantity: request.quantity,
                    periods: request.periods,
                    kind: OrderKind::Purchase,
                    quote,
                };
                (Order::placed(account, product, ordered, ctx.now), false)
            }
            Placing::Image { product: id, request, unpaid_orders, method } => {
                check_may_place(account, *unpaid_orders, ctx.policy)?;
                let product = product(id)?;
                let (quote, plan) = request.priced(product, ctx.policy)?;
                if plan.setup.customized {
                    if method.is_some() {
                        return Err(Error::invalid(
                            "method",
                            "customized provisioning is paid once placed, by paying its order (IMG-2)",
                        ));
                    }
                } else {
                    // Quick provisioning pays as it creates the servers: its method is checked
                    // before anything is numbered (IMG-1, ORD-2, ORD-4).
                    settlement_for(account, *method, quote.total)?;
                }
                let ordered = Ordered {
                    specification: request.specification.clone(),
                    mode: plan.mode,
                    quantity: plan.setup.instances,
                    periods: plan.periods,
                    kind: OrderKind::Image { setup: plan.setup },
                    quote,
                };
                (Order::placed(account, product, ordered, ctx.now), true)
            }
            Placing::Change(ordered) => {
                check_may_order(account)?;
                let product = changed()?;
                (Order::placed(account, product, ordered.clone(), ctx.now), false)
            }
            Placing::AutoRenewal(ordered) => {
                let product = changed()?;
                (Order::placed(account, product, ordered.clone(), ctx.now), false)
            }
        };
        let mut events = vec![OrderEvent::Placed { total: order.quote.total }];
        let mut order = order;
        if terms_accepted {
            let accepted = OrderEvent::TermsAccepted;
            order.apply(&accepted, ctx);
            events.push(accepted);
        }
        Ok((order, events))
    }

    /// The order's number; an image order also numbers the app its payment creates, whose
    /// password is kept from the start (APP-5).
    fn number(&mut self, next: &mut dyn FnMut(Sequence) -> Result<u64, Error>) -> Result<(), Error> {
        self.id = OrderId::numbered(next(Sequence::Order)?);
        if matches!(self.kind, OrderKind::Image { .. }) {
            self.app = Some(AppId::numbered(next(Sequence::App)?));
        }
        Ok(())
    }
}

impl Aggregate for Order {
    const WHAT: &'static str = "order";
    type Command = OrderCommand;
    type Event = OrderEvent;

    fn decide(&self, cmd: &OrderCommand, ctx: &Ctx<'_>) -> Result<Vec<OrderEvent>, Error> {
        let Ctx { actor: by, now, policy } = *ctx;
        match cmd {
            OrderCommand::Place(_) => Err(Error::invalid("command", format!("order {} is already placed", self.id))),
            OrderCommand::AcceptTerms => {
                self.check_accept_terms(by)?;
                Ok(vec![OrderEvent::TermsAccepted])
            }
            OrderCommand::Cancel => {
                self.check_cancel(by)?;
                Ok(vec![OrderEvent::Cancelled { reason: "cancelled by the customer".into() }])
            }
            OrderCommand::Record(OrderFact(Fact::RecordPayment { receipt, app, flow })) => {
                self.require_status(OrderStatus::PendingPayment, "ORD-3", "be paid")?;
                let mut events = vec![
                    OrderEvent::Paid { method: receipt.method, receipt: receipt.id.clone(), amount: receipt.amount },
                    OrderEvent::Fulfilled { app: app.clone(), flow: flow.clone() },
                ];
                if flow.is_none() {
                    events.push(OrderEvent::Completed);
                }
                Ok(events)
            }
            OrderCommand::Record(OrderFact(Fact::RecordSettlement { reseller, app, flow })) => {
                self.require_status(OrderStatus::PendingPayment, "ORD-4", "be settled")?;
                let mut events = vec![
                    OrderEvent::SettledByReseller { reseller: reseller.clone(), amount: self.quote.total },
                    OrderEvent::Fulfilled { app: app.clone(), flow: flow.clone() },
                ];
                if flow.is_none() {
                    events.push(OrderEvent::Completed);
                }
                Ok(events)
            }
            OrderCommand::Record(OrderFact(Fact::RecordDecline { reason })) => {
                self.require_status(OrderStatus::PendingPayment, "ORD-3", "be paid")?;
                Ok(vec![
                    OrderEvent::PaymentFailed { reason: reason.clone() },
                    OrderEvent::Cancelled { reason: format!("payment failed: {reason}") },
                ])
            }
            OrderCommand::CancelUnpaid => {
                by.require_system("cancel unpaid orders")?;
                self.require_status(OrderStatus::PendingPayment, "ORD-3", "be cancelled as unpaid")?;
                let due = self.placed_at + Duration::days(i64::from(policy.order_payment_timeout_days));
                if now < due {
                    return Err(Error::not_allowed(
                        "ORD-3",
                        format!("order {} may be paid until {}", self.id, due.to_rfc3339()),
                    ));
                }
                Ok(vec![OrderEvent::Cancelled {
                    reason: format!("not paid within {} days", policy.order_payment_timeout_days),
                }])
            }
            OrderCommand::Record(OrderFact(Fact::RecordAcceptance)) => {
                self.require_status(OrderStatus::Processing, "SUP-4", "record an acceptance")?;
                Ok(vec![OrderEvent::AcceptanceRecorded])
            }
            OrderCommand::CompleteAfterAcceptance => {
                by.require_system("complete orders")?;
                self.require_status(OrderStatus::Processing, "SUP-4", "be completed")?;
                let due = self.next_due(policy).ok_or_else(|| {
                    Error::not_allowed("SUP-4", format!("order {} has not been accepted yet", self.id))
                })?;
                if now < due {
                    return Err(Error::not_allowed(
                        "SUP-4",
                        format!(
                            "order {} completes at {}, {} hours after acceptance",
                            self.id,
                            due.to_rfc3339(),
                            policy.completion_delay_hours
                        ),
                    ));
                }
                Ok(vec![OrderEvent::Completed])
            }
            OrderCommand::Record(OrderFact(Fact::CompleteNow)) => {
                self.require_status(OrderStatus::Processing, "SUP-8", "be completed")?;
                Ok(vec![OrderEvent::Completed])
            }
            OrderCommand::Record(OrderFact(Fact::RecordUnsubscription { refund })) => {
                if !matches!(self.status, OrderStatus::Processing | OrderStatus::Completed) {
                    return Err(Error::not_allowed(
                        "UNS-1",
                        format!("order {} is {}, so it cannot be unsubscribed", self.id, self.status),
                    ));
                }
                self.check_not_invoiced()?;
                self.check_refund(refund)?;
                Ok(vec![OrderEvent::Unsubscribed { refund: *refund }])
            }
            OrderCommand::Record(OrderFact(Fact::RecordRefund { refund })) => {
                self.check_not_invoiced()?;
                self.check_refund(refund)?;
                Ok(vec![OrderEvent::Refunded { refund: *refund }])
            }
            OrderCommand::Record(OrderFact(Fact::RecordInvoiceRequested { invoice })) => {
                Ok(vec![OrderEvent::InvoiceRequested { invoice: invoice.clone() }])
            }
            OrderCommand::Record(OrderFact(Fact::RecordInvoiceIssued { invoice })) => {
                Ok(vec![OrderEvent::InvoiceIssued { invoice: invoice.clone() }])
            }
            OrderCommand::Record(OrderFact(Fact::RecordInvoiceReturned { invoice })) => {
                Ok(vec![OrderEvent::InvoiceReturned { invoice: invoice.clone() }])
            }
            OrderCommand::Record(OrderFact(Fact::HoldUnsubscription { pending })) => {
                if self.pending_unsubscription.is_some() {
                    return Err(Error::not_allowed(
                        "UNS-5",
                        format!("an unsubscription of order {} is already waiting", self.id),
                    ));
                }
                Ok(vec![OrderEvent::UnsubscriptionRequested { pending: Box::new(pending.clone()) }])
            }
            OrderCommand::Record(OrderFact(Fact::RejectUnsubscription { reason })) => {
                if self.pending_unsubscription.is_none() {
                    return Err(Error::not_allowed("UNS-5", format!("nothing of order {} waits for review", self.id)));
                }
                Ok(vec![OrderEvent::UnsubscriptionRejected { reason: reason.clone() }])
            }
            OrderCommand::Record(OrderFact(Fact::MarkUnconditional)) => {
                Ok(vec![OrderEvent::UnconditionalUnsubscription])
            }
            OrderCommand::Record(OrderFact(Fact::ReturnCharge(returned))) => {
                Ok(vec![OrderEvent::ChargeReturned { returned: Box::new(returned.clone()) }])
            }
        }
    }

    fn apply(&mut self, event: &OrderEvent, ctx: &Ctx<'_>) {
        let at = ctx.now;
        match event {
            OrderEvent::Placed { .. } => {}
            OrderEvent::TermsAccepted => self.terms_accepted_at = Some(at),
            OrderEvent::Paid { method, receipt, amount } => {
                self.payment = Some(Payment {
                    method: Some(*method),
                    receipt: Some(receipt.clone()),
                    settled_by_reseller: None,
                    amount: *amount,
                    paid_at: at,
                });
            }
            OrderEvent::SettledByReseller { reseller, amount } => {
                self.payment = Some(Payment {
                    method: None,
                    receipt: None,
                    settled_by_reseller: Some(reseller.clone()),
                    amount: *amount,
                    paid_at: at,
                });
                self.quote.for_reference_only = true;
            }
            OrderEvent::PaymentFailed { .. } => {}
            OrderEvent::Cancelled { reason } => {
                self.status = OrderStatus::Cancelled;
                self.cancel_reason = Some(reason.clone());
            }
            OrderEvent::Fulfilled { app, flow } => {
                self.app = Some(app.clone());
                self.flow = flow.clone();
                self.status = OrderStatus::Processing;
            }
            OrderEvent::AcceptanceRecorded => self.accepted_at = Some(at),
            OrderEvent::Completed => {
                self.status = OrderStatus::Completed;
                self.completed_at = Some(at);
            }
            OrderEvent::Unsubscribed { refund } => {
                self.status = OrderStatus::Unsubscribed;
                self.pending_unsubscription = None;
                self.refunded = Money::new(self.refunded.amount + refund.amount, self.refunded.currency);
            }
            OrderEvent::Refunded { refund } => {
                // A refund settles any refund request or review it supersedes (UNS-6).
                self.pending_unsubscription = None;
                self.refunded = Money::new(self.refunded.amount + refund.amount, self.refunded.currency);
            }
            OrderEvent::InvoiceRequested { invoice } => {
                self.invoice = Some(invoice.clone());
                if self.mode == BillingMode::PayPerUse {
                    self.usage_invoices.push(StandingInvoice { invoice: invoice.clone(), issued: false });
                }
            }
            OrderEvent::InvoiceIssued { invoice } => {
                if self.mode == BillingMode::PayPerUse {
                    self.usage_invoices.iter_mut().filter(|s| s.invoice == *invoice).for_each(|s| s.issued = true);
                } else {
                    self.invoice = Some(invoice.clone());
                }
                self.invoice_issued = true;
            }
            OrderEvent::InvoiceReturned { invoice } => {
                self.usage_invoices.retain(|s| s.invoice != *invoice);
                self.invoice_issued = self.usage_invoices.iter().any(|s| s.issued);
            }
            OrderEvent::UnsubscriptionRequested { pending } => {
                self.pending_unsubscription = Some(PendingUnsubscription::clone(pending))
            }
            OrderEvent::UnsubscriptionRejected { .. } => self.pending_unsubscription = None,
            OrderEvent::UnconditionalUnsubscription => self.unconditional_unsubscription_at = Some(at),
            OrderEvent::ChargeReturned { .. } => self.charges_returned += 1,
        }
    }

    /// As placed (`Order::new` of what placing decided, read from the order itself): an
    /// image order keeps the app numbered with it. Its quote stays as kept: a reseller's order
    /// is for reference from its placing, or from its settlement.
    fn as_created(&self) -> Option<Order> {
        let Order {
            id,
            customer,
            seller,
            product,
            product_name,
            delivery,
            involves_supervision,
            specification,
            mode,
            quantity,
            periods,
            kind,
            quote,
            placed_at,
            app,
            ..
        } = self.clone();
        let app = app.filter(|_| matches!(kind, OrderKind::Image { .. }));
        let ordered = Ordered { specification, mode, quantity, periods, kind, quote };
        Some(Order::new(OrderOrigin {
            id,
            customer,
            seller,
            product,
            product_name,
            delivery,
            involves_supervision,
            ordered,
            placed_at,
            app,
        }))
    }

    fn next_due(&self, policy: &Policy) -> Option<DateTime<Utc>> {
        match self.status {
            OrderStatus::PendingPayment => {
                Some(self.placed_at + Duration::days(i64::from(policy.order_payment_timeout_days)))
            }
            OrderStatus::Processing => {
                self.accepted_at.map(|t| t + Duration::hours(i64::from(policy.completion_delay_hours)))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::aggregate::tests::Lived;
    use crate::catalog::{PricePlan, ProductDraft};
    use crate::testing::fixtures;

    fn listed(draft: ProductDraft) -> Arc<Product> {
        let currency = draft.validate(&Policy::default()).unwrap();
        let (id, seller) = (ProductId::parse("PRD-1").unwrap(), SellerId::parse("isv-1").unwrap());
        Arc::new(Product::from_draft(id, seller, draft, currency, fixtures::t0()))
    }

    fn alice() -> Actor {
        Actor::customer("alice").unwrap()
    }

    fn placed(product: &Arc<Product>, what: Placing) -> Lived<Order> {
        let account = CustomerAccount::with_card(CustomerId::parse("alice").unwrap());
        let place = OrderCommand::Place(Placement { account, product: Some(Arc::clone(product)), what });
        Lived::created(&place, &alice(), fixtures::t0())
    }

    fn purchase(product: &Product, mode: BillingMode) -> Placing {
        let request = PurchaseRequest { mode, ..fixtures::standard_monthly(product.id.clone()) };
        Placing::Purchase { request, unpaid_orders: 0 }
    }

    fn record(fact: Fact) -> OrderCommand {
        OrderCommand::Record(OrderFact(fact))
    }

    #[test]
    fn a_placed_order_is_what_its_placing_left() {
        let product = listed(fixtures::saas_draft());
        let order = placed(&product, purchase(&product, BillingMode::Monthly));
        assert_eq!(order.value.id, OrderId::numbered(1));
        assert_eq!(order.value.as_created(), Some(order.value.clone()));
        assert_eq!(order.rebuilt(), order.value);
    }

    #[test]
    fn an_image_order_is_rebuilt_with_its_app_and_its_terms_accepted_by_its_event() {
        let product = listed(fixtures::image_draft());
        let request = fixtures::customized_image();
        let order =
            placed(&product, Placing::Image { product: product.id.clone(), request, unpaid_orders: 0, method: None });
        let created = order.value.as_created().unwrap();
        assert_eq!(created.app, Some(AppId::numbered(2)), "the app numbered with it");
        assert_eq!((created.terms_accepted_at, order.value.terms_accepted_at), (None, Some(fixtures::t0())));
        assert_eq!(order.events(), 2);
        assert_eq!(order.rebuilt(), order.value);
    }

    #[test]
    fn a_pay_per_use_order_is_rebuilt_from_its_events_with_each_usage_invoice_once() {
        let mut draft = fixtures::saas_draft();
        let price = Money::parse("0.30 USD").unwrap();
        draft.specifications[0].plans.push(PricePlan { mode: BillingMode::PayPerUse, price, per_unit: false });
        let product = listed(draft);
        let mut order = placed(&product, purchase(&product, BillingMode::PayPerUse));
        let fresh = order.value.clone();
        let system = Actor::System;
        let receipt = Receipt { id: "r-1".into(), amount: order.value.quote.total, method: PaymentMethod::CreditCard };
        let at = |hours: i64| fixtures::t0() + Duration::hours(hours);
        order.run(&record(Fact::RecordPayment { receipt, app: AppId::numbered(1), flow: None }), &alice(), at(1));
        let (first, second) = (InvoiceId::numbered(1), InvoiceId::numbered(2));
        order.run(&record(Fact::RecordInvoiceRequested { invoice: first.clone() }), &alice(), at(5));
        order.run(&record(Fact::RecordInvoiceIssued { invoice: first.clone() }), &system, at(6));
        order.run(&record(Fact::RecordInvoiceRequested { invoice: second.clone() }), &alice(), at(7));
        order.run(&record(Fact::RecordInvoiceReturned { invoice: first }), &alice(), at(8));
        assert_eq!(order.value.status, OrderStatus::Completed);
        assert_eq!(order.value.usage_invoices, vec![StandingInvoice { invoice: second, issued: false }]);
        assert_eq!(order.value.as_created(), Some(fresh), "as placed, whatever happened since");
        assert_eq!(order.rebuilt(), order.value);
    }
}
