//! The two macros that make the bindings mechanical.
//!
//! `mirror_enum!` declares a Python enum mirroring a core enum, with `From` both ways matched
//! exhaustively (a new core variant fails to compile until it is mirrored).
//!
//! `value_class!` declares a frozen Python class wrapping a core value (`inner`), with one
//! getter per listed field (the expression converts the core field), equality from the core
//! `PartialEq`, a `__repr__` built from the getters, and optional extra methods (`#[new]`, …).

macro_rules! mirror_enum {
    ($(#[$doc:meta])* $name:ident => $($core:ident)::+ { $($variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[pyo3::pyclass(eq, eq_int, frozen, hash, from_py_object, module = "appmarket")]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum $name {
            $(
                #[allow(missing_docs)]
                $variant
            ),+
        }

        impl From<$name> for $($core)::+ {
            fn from(v: $name) -> Self {
                use $($core)::+ as Core;
                match v {
                    $($name::$variant => Core::$variant),+
                }
            }
        }

        impl From<$($core)::+> for $name {
            fn from(v: $($core)::+) -> Self {
                use $($core)::+ as Core;
                match v {
                    $(Core::$variant => $name::$variant),+
                }
            }
        }
    };
}

macro_rules! value_class {
    (
        $(#[$doc:meta])*
        $name:ident($core:ty) {
            $($field:ident: |$v:ident| $conv:expr),* $(,)?
        }
        $($extra:tt)*
    ) => {
        $(#[$doc])*
        #[pyo3::pyclass(frozen, eq, from_py_object, module = "appmarket")]
        #[derive(Clone, PartialEq)]
        pub struct $name {
            /// The core value.
            pub inner: $core,
        }

        impl From<$core> for $name {
            fn from(inner: $core) -> Self {
                Self { inner }
            }
        }

        #[pyo3::pymethods]
        impl $name {
            $(
                #[getter]
                fn $field(&self, py: pyo3::Python<'_>) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                    #[allow(unused_imports)]
                    use pyo3::IntoPyObjectExt;
                    let $v = &self.inner;
                    ($conv).into_py_any(py)
                }
            )*

            fn __repr__(slf: &pyo3::Bound<'_, Self>) -> pyo3::PyResult<String> {
                #[allow(unused_imports)]
                use pyo3::types::PyAnyMethods;
                #[allow(unused_mut)]
                let mut parts: Vec<String> = Vec::new();
                $(
                    parts.push(format!(
                        "{}={}",
                        stringify!($field),
                        $crate::conversions::repr_of(&slf.getattr(stringify!($field))?)?
                    ));
                )*
                Ok(format!("{}({})", stringify!($name), parts.join(", ")))
            }

            $($extra)*
        }
    };
}
