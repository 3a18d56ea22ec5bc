//! The exception hierarchy: `AppMarketError` and one subclass per core `Error` variant, with the
//! variant's fields set as attributes (`.field`, `.rule`, `.reason`, …).

use pyo3::exceptions::PyException;
use pyo3::prelude::*;

use appmarket::Error;

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

/// What a binding method can fail with: a core refusal or a Python conversion error.
pub enum Failure {
    /// A core error, raised as its `AppMarketError` subclass.
    Core(Error),
    /// A Python error (TypeError, OverflowError, …) from converting arguments.
    Py(PyErr),
}

/// The result of a binding method.
pub type Fallible<T> = Result<T, Failure>;

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Core(e)
    }
}

impl From<PyErr> for Failure {
    fn from(e: PyErr) -> Self {
        Failure::Py(e)
    }
}

impl From<Failure> for PyErr {
    fn from(f: Failure) -> PyErr {
        match f {
            Failure::Core(e) => core_error(e),
            Failure::Py(e) => e,
        }
    }
}

/// Maps a core error to its Python class. Exhaustive on purpose: a new core variant must get
/// its own class here before the crate compiles.
pub fn core_error(e: Error) -> PyErr {
    if let Some(interrupt) = crate::gateway::take_interrupt() {
        return interrupt;
    }
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
        Error::NotAllowed { rule, reason } => (NotAllowed::new_err(message), vec![("rule", rule), ("reason", reason)]),
        Error::Forbidden { reason } => (Forbidden::new_err(message), vec![("reason", reason)]),
        Error::Conflict { reason } => (Conflict::new_err(message), vec![("reason", reason)]),
        Error::PaymentDeclined { reason } => (PaymentDeclined::new_err(message), vec![("reason", reason)]),
        Error::Gateway { reason } => (GatewayError::new_err(message), vec![("reason", reason)]),
        Error::Storage { reason } => (Storage::new_err(message), vec![("reason", reason)]),
    };
    Python::attach(|py| {
        let value = err.value(py);
        if let Err(set_err) = value.setattr("kind", kind) {
            return set_err;
        }
        for (key, val) in attrs {
            if let Err(set_err) = value.setattr(key, val) {
                return set_err;
            }
        }
        err
    })
}

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("AppMarketError", py.get_type::<AppMarketError>())?;
    m.add("InvalidInput", py.get_type::<InvalidInput>())?;
    m.add("NotFound", py.get_type::<NotFound>())?;
    m.add("NotAllowed", py.get_type::<NotAllowed>())?;
    m.add("Forbidden", py.get_type::<Forbidden>())?;
    m.add("Conflict", py.get_type::<Conflict>())?;
    m.add("PaymentDeclined", py.get_type::<PaymentDeclined>())?;
    m.add("GatewayError", py.get_type::<GatewayError>())?;
    m.add("Storage", py.get_type::<Storage>())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_error_maps_to_its_class_with_attributes() {
        Python::initialize();
        Python::attach(|py| {
            let cases: Vec<(Error, &str)> = vec![
                (Error::invalid("quantity", "too big"), "InvalidInput"),
                (Error::not_found("order", "ORD-1"), "NotFound"),
                (Error::not_allowed("ORD-2", "no"), "NotAllowed"),
                (Error::forbidden("no"), "Forbidden"),
                (Error::conflict("race"), "Conflict"),
                (Error::PaymentDeclined { reason: "card".into() }, "PaymentDeclined"),
                (Error::Gateway { reason: "timeout".into() }, "GatewayError"),
                (Error::Storage { reason: "disk".into() }, "Storage"),
            ];
            for (e, class) in cases {
                let kind = e.kind();
                let err = core_error(e);
                assert!(err.is_instance_of::<AppMarketError>(py));
                assert_eq!(err.get_type(py).name().unwrap().to_string(), class);
                let got: String = err.value(py).getattr("kind").unwrap().extract().unwrap();
                assert_eq!(got, kind);
            }
            let err = core_error(Error::not_allowed("PRC-4", "downgrade"));
            let rule: String = err.value(py).getattr("rule").unwrap().extract().unwrap();
            assert_eq!(rule, "PRC-4");
        });
    }
}
