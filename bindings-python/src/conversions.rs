//! Strict conversions between Python values and core values: `decimal.Decimal` money amounts,
//! timezone-aware `datetime`s, and JSON-shaped data (dicts, lists) through serde. No rule here.

use chrono::{DateTime, Utc};
use pyo3::IntoPyObjectExt;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType, PyTzInfo};
use rust_decimal::Decimal;
use serde_json::Value;
use std::str::FromStr;

use crate::enums::DeliveryMethod;
use crate::values::Money;

/// Strict `decimal.Decimal` (or `int`) → `rust_decimal::Decimal`; float, bool, NaN and
/// infinities are refused.
pub struct PyDecimal(pub Decimal);

static DECIMAL_CLS: PyOnceLock<Py<PyType>> = PyOnceLock::new();

impl<'a, 'py> FromPyObject<'a, 'py> for PyDecimal {
    type Error = PyErr;

    fn extract(ob: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let py = ob.py();
        if ob.is_instance_of::<PyBool>() || ob.is_instance_of::<PyFloat>() {
            return Err(PyTypeError::new_err(format!(
                "expected decimal.Decimal or int, got {} (floats are refused: use Decimal(\"12.50\"))",
                ob.get_type().name()?
            )));
        }
        let dec_cls = DECIMAL_CLS.import(py, "decimal", "Decimal")?;
        if ob.is_instance(dec_cls)? {
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
            .map(PyDecimal)
            .map_err(|e| PyValueError::new_err(format!("amount {s} is out of range: {e}")))
    }
}

impl<'py> IntoPyObject<'py> for PyDecimal {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        // pyo3's `rust_decimal` feature builds decimal.Decimal(str(d)): lossless, keeps the scale.
        self.0.into_pyobject(py)
    }
}

/// Aware `datetime.datetime` → `DateTime<Utc>`; a naive datetime is refused.
pub struct PyUtc(pub DateTime<Utc>);

impl<'a, 'py> FromPyObject<'a, 'py> for PyUtc {
    type Error = PyErr;

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
        let utc = PyTzInfo::utc(ob.py())?;
        let as_utc = dt.call_method1("astimezone", (utc,))?;
        Ok(PyUtc(as_utc.extract::<DateTime<Utc>>()?))
    }
}

/// Serializes a core value with serde and converts the JSON to Python dicts, lists and scalars.
pub fn to_py_data<T: serde::Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    let json = serde_json::to_value(value).map_err(|e| PyValueError::new_err(e.to_string()))?;
    json_to_py(py, &json)
}

/// JSON → Python (`dict`, `list`, `str`, `int`, `bool`, `None`; decimals stay strings).
pub fn json_to_py(py: Python<'_>, value: &Value) -> PyResult<Py<PyAny>> {
    match value {
        Value::Null => Ok(py.None()),
        Value::Bool(b) => b.into_py_any(py),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_py_any(py)
            } else if let Some(u) = n.as_u64() {
                u.into_py_any(py)
            } else {
                n.as_f64().unwrap_or_default().into_py_any(py)
            }
        }
        Value::String(s) => s.into_py_any(py),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_py_any(py)
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_py_any(py)
        }
    }
}

/// Python → JSON for serde input: dicts with `str` keys, lists/tuples, `str`, `int`, `bool`,
/// `None`, `decimal.Decimal` (as a string), `Money` and `DeliveryMethod`. Floats are refused.
pub fn py_to_json(ob: &Bound<'_, PyAny>) -> PyResult<Value> {
    if ob.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = ob.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    // Before `int`: the enumerations are `IntEnum`s.
    if let Ok(d) = ob.extract::<DeliveryMethod>() {
        return serde_json::to_value(appmarket::DeliveryMethod::from(d))
            .map_err(|e| PyValueError::new_err(e.to_string()));
    }
    if ob.is_instance_of::<PyInt>() {
        if let Ok(i) = ob.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return Ok(Value::from(ob.extract::<u64>()?));
    }
    if ob.is_instance_of::<PyFloat>() {
        return Err(PyTypeError::new_err("floats are refused: use decimal.Decimal or int"));
    }
    if let Ok(s) = ob.cast::<PyString>() {
        return Ok(Value::String(s.to_cow()?.into_owned()));
    }
    if ob.is_instance(DECIMAL_CLS.import(ob.py(), "decimal", "Decimal")?)? {
        return Ok(Value::String(ob.extract::<PyDecimal>()?.0.to_string()));
    }
    if let Ok(m) = ob.cast::<Money>() {
        return serde_json::to_value(m.get().inner).map_err(|e| PyValueError::new_err(e.to_string()));
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

/// The repr of a Python value, for `__repr__` of value classes.
pub fn repr_of(value: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(value.repr()?.to_cow()?.into_owned())
}
