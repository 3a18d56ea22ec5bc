//! Host payment gateways: any Python object with `charge(request)` and `refund(request)` plugs
//! in as `Marketplace(payments=...)`. This file only converts: the request to a typed value,
//! the answer to a core [`Receipt`](appmarket::payments::Receipt) or
//! [`PaymentError`](appmarket::payments::PaymentError). What a decline or a failure does to
//! the order is decided by the core.
//!
//! The facade may call the gateway with the GIL released (`Marketplace.pay` releases it), so
//! each call takes the GIL back with `Python::attach` for exactly as long as the Python method
//! runs.
//!
//! A `BaseException` that is not an `Exception` (`KeyboardInterrupt`, `SystemExit`) is not a
//! gateway's answer but the host stopping: the call fails (so the core records nothing), every
//! later gateway call of the same command fails without running Python, and the binding
//! raises the original exception instead of the command's result ([`take_interrupt`]).

use std::cell::RefCell;
use std::sync::Arc;

use pyo3::inspect::PyStaticExpr;
use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3::{PyTypeInfo, type_hint_identifier, type_hint_union};

use appmarket::payments::{PaymentError, PaymentGateway};

use appmarket::payments::Receipt;
use appmarket::python::PaymentDeclined;

use crate::runtime::SimulatedPayments;

thread_local! {
    /// A `KeyboardInterrupt` or `SystemExit` a gateway raised on this thread, to be raised to
    /// the host once the command returns.
    static INTERRUPT: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// The `KeyboardInterrupt` or `SystemExit` a gateway raised during the command that just ran
/// on this thread, if any: the binding raises it instead of the command's result.
pub fn take_interrupt() -> Option<PyErr> {
    INTERRUPT.with(|i| i.borrow_mut().take())
}

/// Raises what [`take_interrupt`] holds, for a command that may end well although a gateway
/// call was interrupted (`tick` goes on to the next item).
pub fn reraise_interrupt() -> PyResult<()> {
    take_interrupt().map_or(Ok(()), Err)
}

/// A Python object used as the core's payment port.
struct HostGateway {
    object: Py<PyAny>,
}

impl HostGateway {
    /// Calls `method` and reads its answer: a `Receipt`; `PaymentDeclined` raised is a decline;
    /// anything else raised (or returned) is a failure.
    fn call(
        &self,
        method: &str,
        request: impl for<'py> IntoPyObject<'py>,
    ) -> Result<appmarket::payments::Receipt, PaymentError> {
        if INTERRUPT.with(|i| i.borrow().is_some()) {
            return Err(PaymentError::Failed(format!("the host was interrupted before the gateway's {method}")));
        }
        Python::attach(|py| {
            let answer = match self.object.bind(py).call_method1(method, (request,)) {
                Ok(answer) => answer,
                Err(err) if !err.is_instance_of::<pyo3::exceptions::PyException>(py) => {
                    let kind = err.get_type(py).name().map(|n| n.to_string()).unwrap_or_default();
                    INTERRUPT.with(|i| *i.borrow_mut() = Some(err));
                    return Err(PaymentError::Failed(format!("the gateway's {method} raised {kind}")));
                }
                Err(err) if err.is_instance_of::<PaymentDeclined>(py) => {
                    let value = err.value(py);
                    let reason = value
                        .getattr("reason")
                        .ok()
                        .and_then(|r| r.extract::<String>().ok())
                        .or_else(|| value.str().ok().map(|s| s.to_string()))
                        .unwrap_or_default();
                    return Err(PaymentError::Declined(reason));
                }
                Err(err) => {
                    let kind = err.get_type(py).name().map(|n| n.to_string()).unwrap_or_else(|_| "Exception".into());
                    return Err(PaymentError::Failed(format!(
                        "the gateway's {method} raised {kind}: {}",
                        err.value(py)
                    )));
                }
            };
            match answer.cast::<Receipt>() {
                Ok(receipt) => Ok(receipt.get().clone()),
                Err(_) => {
                    let kind = answer.get_type().name().map(|n| n.to_string()).unwrap_or_default();
                    Err(PaymentError::Failed(format!("the gateway's {method} returned {kind}, not a Receipt")))
                }
            }
        })
    }
}

impl PaymentGateway for HostGateway {
    fn charge(
        &self,
        request: &appmarket::payments::ChargeRequest,
    ) -> Result<appmarket::payments::Receipt, PaymentError> {
        self.call("charge", request.clone())
    }

    fn refund(
        &self,
        request: &appmarket::payments::RefundRequest,
    ) -> Result<appmarket::payments::Receipt, PaymentError> {
        self.call("refund", request.clone())
    }
}

/// The `payments=` argument of `Marketplace`: a `SimulatedPayments`, or any object with
/// callable `charge` and `refund` (a `TypeError` otherwise, before anything is built); typed
/// in the stub as `SimulatedPayments | appmarket.PaymentGateway`.
pub struct Payments(pub Arc<dyn PaymentGateway>);

impl<'a, 'py> FromPyObject<'a, 'py> for Payments {
    type Error = PyErr;
    const INPUT_TYPE: PyStaticExpr =
        type_hint_union!(SimulatedPayments::TYPE_HINT, type_hint_identifier!("appmarket._gateway", "PaymentGateway"));

    fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        gateway_of(&ob).map(Payments)
    }
}

fn gateway_of(payments: &Bound<'_, PyAny>) -> PyResult<Arc<dyn PaymentGateway>> {
    if let Ok(simulated) = payments.cast::<SimulatedPayments>() {
        return Ok(simulated.get().inner.clone());
    }
    for method in ["charge", "refund"] {
        let callable = payments.getattr(PyString::new(payments.py(), method)).map(|m| m.is_callable()).unwrap_or(false);
        if !callable {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "payments must be a SimulatedPayments or have charge(request) and refund(request) methods; {} has no {method}()",
                payments.get_type().name()?
            )));
        }
    }
    Ok(Arc::new(HostGateway { object: payments.clone().unbind() }))
}
