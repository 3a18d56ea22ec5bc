//! The two macros that make the bindings mechanical.
//!
//! `mirror_enum!` declares a Python enumeration (an `enum.IntEnum`) mirroring a core enum, with
//! `From` both ways matched exhaustively (a new core variant fails to compile until it is
//! mirrored) and conversions to and from its Python members by name.
//!
//! `value_class!` declares a frozen Python class wrapping a core value (`inner`), with one
//! getter per listed field (the expression converts the core field), equality from the core
//! `PartialEq`, a `__repr__` built from the getters, and optional extra methods (`#[new]`, …).

macro_rules! mirror_enum {
    ($(#[doc = $doc:literal])* $name:ident => $($core:ident)::+ { $($variant:ident),+ $(,)? }) => {
        $(#[doc = $doc])*
        ///
        /// In Python an `enum.IntEnum` (made at import by [`crate::enums::make_class`]): it
        /// iterates, has `.name` and `.value`, and compares equal to its index.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum $name {
            $(
                #[allow(missing_docs)]
                $variant
            ),+
        }

        impl $name {
            /// Every member, in declaration order (the order of the Python enumeration).
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The member's name, as in Python.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => stringify!($variant)),+
                }
            }

            /// The Python class, made once.
            pub fn class(py: pyo3::Python<'_>) -> pyo3::PyResult<&pyo3::Bound<'_, pyo3::types::PyType>> {
                static CLASS: pyo3::sync::PyOnceLock<pyo3::Py<pyo3::types::PyType>> = pyo3::sync::PyOnceLock::new();
                CLASS
                    .get_or_try_init(py, || {
                        let names: Vec<&str> = Self::ALL.iter().map(|v| v.name()).collect();
                        crate::enums::make_class(py, stringify!($name), concat!($($doc, "\n"),*), &names)
                    })
                    .map(|c| c.bind(py))
            }
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

        impl<'py> pyo3::IntoPyObject<'py> for $name {
            type Target = pyo3::PyAny;
            type Output = pyo3::Bound<'py, pyo3::PyAny>;
            type Error = pyo3::PyErr;

            fn into_pyobject(self, py: pyo3::Python<'py>) -> pyo3::PyResult<Self::Output> {
                use pyo3::types::PyAnyMethods;
                $name::class(py)?.getattr(self.name())
            }
        }

        impl<'a, 'py> pyo3::FromPyObject<'a, 'py> for $name {
            type Error = pyo3::PyErr;

            fn extract(ob: pyo3::Borrowed<'a, 'py, pyo3::PyAny>) -> pyo3::PyResult<Self> {
                let index = crate::enums::member_index(&ob, $name::class(ob.py())?)?;
                $name::ALL.get(index).copied().ok_or_else(|| {
                    pyo3::exceptions::PyTypeError::new_err(format!("{index} is not a {}", stringify!($name)))
                })
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
