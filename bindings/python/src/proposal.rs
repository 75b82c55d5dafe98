//! A searcher's joint proposal as the Python layer keeps it: a dict of
//! `name: (low, high, step, log, "float", value)` (or `"int"`, or
//! `(choices, their types, None, None, "categorical", value)`), whose first
//! five items are what `Trial` builds from a suggestion's arguments, so a
//! suggestion with the study's definition of the parameter finds its value
//! with one comparison and no engine call.
//!
//! Every trial's proposal repeats those five items and the names: a study
//! keeps them as Python objects per parameter ([`EntrySpecs`]) and builds
//! only each value and its tuple per trial. Made afresh (two floats, the
//! kind's string and the name per parameter), they were about a tenth of a
//! 40-float trial's time in the binding.

use crate::params::to_py;
use hyperspace_engine::{Param, Params, Study, Value};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use pyo3::IntoPyObjectExt;
use std::collections::HashMap;
use std::sync::Mutex;

/// A joint proposal with the definition of each of its parameters, copied
/// out of the locked study (the Python objects are made after it is
/// unlocked, with the GIL held).
pub(crate) type Proposed = Vec<(String, Param, Value)>;

/// The proposal `params` of a trial of `s`, with each parameter's
/// definition (a parameter the space does not hold is left out).
pub(crate) fn proposal_of(s: &Study, params: &Params) -> Proposed {
    let space = s.space();
    params
        .iter()
        .filter_map(|(n, v)| {
            space
                .get(n)
                .map(|e| (n.clone(), e.param.clone(), v.clone()))
        })
        .collect()
}

/// One parameter's repeated objects: its name and the first five items of
/// its entries, for the definition they were made from.
struct Spec {
    param: Param,
    name: Py<PyString>,
    items: [Py<PyAny>; 5],
}

/// A study's [`Spec`]s by parameter name. A definition that changes under
/// the same name replaces its spec (checked on every use).
#[derive(Default)]
pub(crate) struct EntrySpecs {
    by_name: Mutex<HashMap<String, Spec>>,
}

impl EntrySpecs {
    /// `proposed` as the dict the Python layer keeps (see the module docs).
    pub(crate) fn entries<'py>(
        &self,
        py: Python<'py>,
        proposed: &Proposed,
    ) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        // Held with the GIL, never across a call that could release it.
        let mut specs = self
            .by_name
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for (name, param, value) in proposed {
            let spec = match specs.get(name) {
                Some(spec) if spec.param == *param => spec,
                _ => {
                    let spec = Spec::new(py, name, param)?;
                    specs.insert(name.clone(), spec);
                    // Just inserted.
                    match specs.get(name) {
                        Some(spec) => spec,
                        None => continue,
                    }
                }
            };
            let [a, b, c, d, e] = spec.items.each_ref().map(|item| item.bind(py).clone());
            let entry = PyTuple::new(py, [a, b, c, d, e, to_py(py, value)?])?;
            dict.set_item(spec.name.bind(py), entry)?;
        }
        Ok(dict)
    }
}

impl Spec {
    fn new(py: Python<'_>, name: &str, param: &Param) -> PyResult<Self> {
        let items = match param {
            Param::Float(p) => [
                p.low().into_py_any(py)?,
                p.high().into_py_any(py)?,
                p.step().into_py_any(py)?,
                p.log().into_py_any(py)?,
                "float".into_py_any(py)?,
            ],
            Param::Int(p) => [
                p.low().into_py_any(py)?,
                p.high().into_py_any(py)?,
                p.step().into_py_any(py)?,
                p.log().into_py_any(py)?,
                "int".into_py_any(py)?,
            ],
            Param::Categorical(p) => {
                let choices = p
                    .choices()
                    .iter()
                    .map(|c| to_py(py, c))
                    .collect::<PyResult<Vec<_>>>()?;
                let types: Vec<_> = choices.iter().map(|c| c.get_type()).collect();
                [
                    PyTuple::new(py, choices)?.into_any().unbind(),
                    PyTuple::new(py, types)?.into_any().unbind(),
                    py.None(),
                    py.None(),
                    "categorical".into_py_any(py)?,
                ]
            }
        };
        Ok(Self {
            param: param.clone(),
            name: PyString::new(py, name).unbind(),
            items,
        })
    }
}
