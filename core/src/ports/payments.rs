//! The payment port and its simulated default (ORD-2, ORD-3).

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::actor::CustomerId;
use crate::money::Money;

/// How a customer pays (ORD-2).
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PaymentMethod {
    /// The account balance.
    Balance,
    /// The credit card bound to the account.
    CreditCard,
    /// Credit, where it was enabled for the account.
    Credit,
    /// Online payment.
    Online,
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PaymentMethod::Balance => "balance",
            PaymentMethod::CreditCard => "credit card",
            PaymentMethod::Credit => "credit",
            PaymentMethod::Online => "online payment",
        })
    }
}

/// A charge asked of the gateway. The idempotency key makes a retried charge charge once.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct ChargeRequest {
    /// The same key always gives the same receipt and charges once.
    pub idempotency_key: String,
    /// Who pays.
    pub customer: CustomerId,
    /// How.
    pub method: PaymentMethod,
    /// How much (rounded, positive or zero).
    pub amount: Money,
    /// What for, e.g. the order id.
    pub description: String,
}

/// A refund asked of the gateway, back to the way it was paid.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct RefundRequest {
    /// The same key always gives the same receipt and refunds once.
    pub idempotency_key: String,
    /// Who is refunded.
    pub customer: CustomerId,
    /// The method the payment used.
    pub method: PaymentMethod,
    /// How much.
    pub amount: Money,
    /// What for.
    pub description: String,
}

/// Proof that the gateway moved money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "python", pyo3::pyclass(frozen, eq, get_all, from_py_object, module = "appmarket"))]
pub struct Receipt {
    /// The gateway's id of the transaction.
    pub id: String,
    /// The amount moved.
    pub amount: Money,
    /// The method used.
    pub method: PaymentMethod,
}

/// Why a gateway moved no money, or cannot say whether it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentError {
    /// The gateway refused, and moved no money: the reason as the gateway gives it. A declined
    /// order payment cancels the order (ORD-3) and returns [`Error::PaymentDeclined`]; a
    /// declined refund changes nothing and returns it too.
    ///
    /// [`Error::PaymentDeclined`]: crate::Error::PaymentDeclined
    Declined(String),
    /// The gateway failed: unreachable, timed out, or raised (a host gateway in Python or Kotlin
    /// that raises anything but a decline). Whether money moved is unknown,
    /// so the command changes nothing and returns [`Error::Gateway`]; retrying it (with
    /// the same request id, or none) sends the same idempotency key again.
    ///
    /// [`Error::Gateway`]: crate::Error::Gateway
    Failed(String),
}

/// The longest receipt id a gateway may answer with.
pub const MAX_RECEIPT_ID_CHARS: usize = 128;

/// Refuses a receipt that does not match what was asked: another amount, currency or method, or
/// an id that is empty, longer than [`MAX_RECEIPT_ID_CHARS`] or not printable (ORD-3). A
/// mismatched receipt is a gateway failure, never a payment: nothing is recorded.
pub(crate) fn check_receipt(receipt: &Receipt, asked: &Money, method: PaymentMethod, key: &str) -> Result<(), String> {
    let wrong = if receipt.amount.currency != asked.currency || receipt.amount.amount != asked.amount {
        format!("for {}, but {asked} was asked", receipt.amount)
    } else if receipt.method != method {
        format!("paid by {}, but {method} was asked", receipt.method)
    } else if receipt.id.is_empty()
        || receipt.id.chars().count() > MAX_RECEIPT_ID_CHARS
        || receipt.id.chars().any(|c| c.is_control())
    {
        format!("with an id that is empty, over {MAX_RECEIPT_ID_CHARS} characters or not printable")
    } else {
        return Ok(());
    };
    let id: String = receipt.id.chars().take(MAX_RECEIPT_ID_CHARS).filter(|c| !c.is_control()).collect();
    Err(format!(
        "the gateway answered key {key} with receipt {id:?} {wrong}: nothing was recorded; check the gateway's ledger for that key"
    ))
}

/// Money a gateway took for a command that, decided again after a concurrent change, no longer
/// wanted it (the order was cancelled meanwhile, the auto-renewal was turned off): recorded on
/// what it was taken for, with the refund that gave it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnedCharge {
    /// The charge's idempotency key.
    pub key: String,
    /// The charge's receipt.
    pub charge: Receipt,
    /// The refund that gave it back (idempotency key: the charge's key + `:return`); `None`
    /// when the gateway did not refund, and then `reason` says why: an operator refunds it by
    /// hand.
    pub refund: Option<Receipt>,
    /// Why the charge was not kept, and what became of the refund.
    pub reason: String,
}

/// The payment port: the host's payment service, called by the facade while it decides a
/// command.
///
/// # The idempotency key
///
/// Every request carries an `idempotency_key` (prefixed with the marketplace id). The
/// facade sends the same key again whenever it asks again for the same money: a retried
/// command, a command replayed after a lost race, a payment retried after
/// [`PaymentError::Failed`]. An implementation must therefore:
///
/// - move money at most once per key: a request with a key it has seen returns the first
///   outcome (the same receipt, or the same decline) and moves nothing;
/// - remember keys at least as long as a host may retry (pass the key on to the payment
///   provider's own idempotency header where it has one);
/// - answer [`PaymentError::Declined`] only when it knows no money moved, and
///   [`PaymentError::Failed`] when it cannot tell (a timeout): the facade then records
///   nothing, and the retry with the same key settles it.
pub trait PaymentGateway: Send + Sync {
    /// Charges the customer.
    fn charge(&self, request: &ChargeRequest) -> Result<Receipt, PaymentError>;
    /// Refunds the customer.
    fn refund(&self, request: &RefundRequest) -> Result<Receipt, PaymentError>;
}

/// The host's gateway as the facade calls it: a `gateway` span (DEBUG) around each call with
/// the call, the payment method, the idempotency key and the outcome (`ok`, `declined`,
/// `failed`), and a WARN event when the gateway failed. Neither the amount, the customer, the
/// description nor the gateway's reason is recorded (README "Telemetry").
pub(crate) struct Traced(pub(crate) std::sync::Arc<dyn PaymentGateway>);

impl Traced {
    fn call<R>(
        &self,
        call: &'static str,
        method: PaymentMethod,
        key: &str,
        run: impl FnOnce() -> Result<R, PaymentError>,
    ) -> Result<R, PaymentError> {
        let method = match method {
            PaymentMethod::Balance => "balance",
            PaymentMethod::CreditCard => "credit_card",
            PaymentMethod::Credit => "credit",
            PaymentMethod::Online => "online",
        };
        let span = tracing::debug_span!(
            target: "appmarket::gateway", "gateway", call, method, key, outcome = tracing::field::Empty
        )
        .entered();
        let answer = run();
        if !span.is_disabled() {
            let outcome = match &answer {
                Ok(_) => "ok",
                Err(PaymentError::Declined(_)) => "declined",
                Err(PaymentError::Failed(_)) => "failed",
            };
            span.record("outcome", outcome);
        }
        if let Err(PaymentError::Failed(_)) = &answer {
            tracing::warn!(target: "appmarket::gateway", call, method, key, outcome = "failed", "gateway failed");
        }
        answer
    }
}

impl PaymentGateway for Traced {
    fn charge(&self, request: &ChargeRequest) -> Result<Receipt, PaymentError> {
        self.call("charge", request.method, &request.idempotency_key, || self.0.charge(request))
    }

    fn refund(&self, request: &RefundRequest) -> Result<Receipt, PaymentError> {
        self.call("refund", request.method, &request.idempotency_key, || self.0.refund(request))
    }
}

/// The ledger's maps: foldhash, as in the memory store (SipHash showed in the journey's profile).
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

#[derive(Debug, Default)]
struct Ledger {
    balances: Map<CustomerId, Money>,
    declines: Map<CustomerId, VecDeque<String>>,
    done: Map<String, Result<Receipt, PaymentError>>,
    charges: Vec<Receipt>,
    refunds: Vec<Receipt>,
    next: u64,
}

/// The default gateway: balances, always-good cards, credit and online payment, and scripted
/// declines. Shared by reference with the [`Marketplace`](crate::Marketplace) so a test can
/// script it and read what was charged.
#[derive(Debug, Default)]
pub struct SimulatedPayments {
    ledger: Mutex<Ledger>,
}

impl SimulatedPayments {
    /// A gateway with no balances and no scripted declines.
    pub fn new() -> SimulatedPayments {
        SimulatedPayments::default()
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sets a customer's balance.
    pub fn set_balance(&self, customer: &CustomerId, balance: Money) {
        self.ledger().balances.insert(customer.clone(), balance);
    }

    /// A customer's balance, if one was set.
    pub fn balance(&self, customer: &CustomerId) -> Option<Money> {
        self.ledger().balances.get(customer).copied()
    }

    /// The next charge of this customer (by any method) is declined with `reason`.
    pub fn decline_next(&self, customer: &CustomerId, reason: &str) {
        self.ledger().declines.entry(customer.clone()).or_default().push_back(reason.to_owned());
    }

    /// Every successful charge, in order.
    pub fn charges(&self) -> Vec<Receipt> {
        self.ledger().charges.clone()
    }

    /// Every successful refund, in order.
    pub fn refunds(&self) -> Vec<Receipt> {
        self.ledger().refunds.clone()
    }
}

impl PaymentGateway for SimulatedPayments {
    fn charge(&self, request: &ChargeRequest) -> Result<Receipt, PaymentError> {
        let mut ledger = self.ledger();
        if let Some(done) = ledger.done.get(&request.idempotency_key) {
            return done.clone();
        }
        let scripted = ledger.declines.get_mut(&request.customer).and_then(VecDeque::pop_front);
        let outcome = if let Some(reason) = scripted {
            Err(PaymentError::Declined(reason))
        } else if request.method == PaymentMethod::Balance {
            let balance = ledger.balances.get(&request.customer).copied();
            match balance {
                Some(b) if b.currency == request.amount.currency && b.amount >= request.amount.amount => {
                    ledger
                        .balances
                        .insert(request.customer.clone(), Money::new(b.amount - request.amount.amount, b.currency));
                    Ok(())
                }
                Some(b) => {
                    Err(PaymentError::Declined(format!("insufficient balance: {b} available, {} due", request.amount)))
                }
                None => {
                    Err(PaymentError::Declined(format!("insufficient balance: none available, {} due", request.amount)))
                }
            }
        } else {
            Ok(())
        };
        let outcome = outcome.map(|()| {
            ledger.next += 1;
            let receipt =
                Receipt { id: format!("PAY-{:08}", ledger.next), amount: request.amount, method: request.method };
            ledger.charges.push(receipt.clone());
            receipt
        });
        ledger.done.insert(request.idempotency_key.clone(), outcome.clone());
        outcome
    }

    fn refund(&self, request: &RefundRequest) -> Result<Receipt, PaymentError> {
        let mut ledger = self.ledger();
        if let Some(done) = ledger.done.get(&request.idempotency_key) {
            return done.clone();
        }
        if request.method == PaymentMethod::Balance {
            let current =
                ledger.balances.get(&request.customer).copied().unwrap_or(Money::zero(request.amount.currency));
            ledger
                .balances
                .insert(request.customer.clone(), Money::new(current.amount + request.amount.amount, current.currency));
        }
        ledger.next += 1;
        let receipt = Receipt { id: format!("RFD-{:08}", ledger.next), amount: request.amount, method: request.method };
        ledger.refunds.push(receipt.clone());
        ledger.done.insert(request.idempotency_key.clone(), Ok(receipt.clone()));
        Ok(receipt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(key: &str, method: PaymentMethod, amount: &str) -> ChargeRequest {
        ChargeRequest {
            idempotency_key: key.into(),
            customer: CustomerId::parse("alice").unwrap(),
            method,
            amount: Money::parse(amount).unwrap(),
            description: "test".into(),
        }
    }

    #[test]
    fn ord_3_the_same_idempotency_key_charges_once() {
        let pay = SimulatedPayments::new();
        let a = pay.charge(&req("k", PaymentMethod::CreditCard, "10.00 USD")).unwrap();
        let b = pay.charge(&req("k", PaymentMethod::CreditCard, "10.00 USD")).unwrap();
        assert_eq!(a, b);
        assert_eq!(pay.charges().len(), 1);
    }

    #[test]
    fn ord_2_balance_payments_need_enough_balance() {
        let pay = SimulatedPayments::new();
        let alice = CustomerId::parse("alice").unwrap();
        pay.set_balance(&alice, Money::parse("5.00 USD").unwrap());
        let err = pay.charge(&req("k1", PaymentMethod::Balance, "10.00 USD")).unwrap_err();
        assert!(matches!(&err, PaymentError::Declined(r) if r.contains("insufficient balance")), "{err:?}");
        assert_eq!(pay.balance(&alice), Some(Money::parse("5.00 USD").unwrap()));
        pay.charge(&req("k2", PaymentMethod::Balance, "5.00 USD")).unwrap();
        assert!(pay.balance(&alice).unwrap().is_zero());
    }

    #[test]
    fn ord_3_scripted_declines_decline_the_next_charge_only() {
        let pay = SimulatedPayments::new();
        pay.decline_next(&CustomerId::parse("alice").unwrap(), "card expired");
        assert_eq!(
            pay.charge(&req("k1", PaymentMethod::CreditCard, "1 USD")).unwrap_err(),
            PaymentError::Declined("card expired".into())
        );
        assert!(pay.charge(&req("k2", PaymentMethod::CreditCard, "1 USD")).is_ok());
    }
}
