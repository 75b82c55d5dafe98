//! Parameters and their values as Python objects, without JSON.
//!
//! A suggestion is the hot call of define-by-run, so its arguments and
//! results cross as typed objects: a [`CoreParam`] parsed and validated once
//! per definition (the Python layer keeps it per parameter name), values as
//! Python scalars, and the searcher's joint proposal as tuples the Python
//! layer compares a suggestion's arguments with (see `Trial._fast` in
//! `hyperspace/trial.py`).

use crate::errors::bad_json;
use hyperspace_engine::{Error, Param, ParamError, Params, Space, Value};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use pyo3::IntoPyObjectExt;

/// One parameter's definition, parsed and validated once.
#[pyclass(frozen, module = "hyperspace._core")]
pub(crate) struct CoreParam {
    pub(crate) param: Param,
    /// What the engine narrowed (a step that does not divide the range),
    /// for the Python layer to warn about once per definition.
    #[pyo3(get)]
    notes: Vec<String>,
}

#[pymethods]
impl CoreParam {
    /// Parses the JSON definition of parameter `name` (as
    /// `Distribution.to_json()` writes it). A define-by-run parameter
    /// carries no branches: its sub-parameters are suggested after it.
    #[staticmethod]
    fn parse(py: Python<'_>, name: &str, definition: &str) -> PyResult<Self> {
        let definition: serde_json::Value =
            serde_json::from_str(definition).map_err(|e| bad_json("parameter definition", e))?;
        let space = space_of(name, definition).map_err(|e| crate::errors::to_py(py, e))?;
        let notes = space.notes().iter().map(ToString::to_string).collect();
        let param = only_param(name, space).map_err(|e| crate::errors::to_py(py, e))?;
        Ok(CoreParam { param, notes })
    }
}

/// Parameter `name` defined by `definition` (as `Distribution.to_json()`
/// writes it), read by the engine's space parser; a define-by-run
/// parameter carries no branches.
pub(crate) fn param_of(name: &str, definition: serde_json::Value) -> Result<Param, Error> {
    only_param(name, space_of(name, definition)?)
}

/// The one-parameter space `{name: definition}`, with the engine's notes.
fn space_of(name: &str, definition: serde_json::Value) -> Result<Space, Error> {
    let mut wrapper = serde_json::Map::new();
    wrapper.insert(name.to_string(), definition);
    Space::from_json(&serde_json::Value::Object(wrapper))
}

/// The parameter of a one-parameter space; a define-by-run parameter
/// carries no branches.
fn only_param(name: &str, space: Space) -> Result<Param, Error> {
    let branches = || Error::InvalidParam {
        param: name.to_string(),
        reason: ParamError::BranchesInDefineByRun,
    };
    if space.len() != 1 {
        return Err(branches());
    }
    space
        .get(name)
        .map(|e| e.param.clone())
        .ok_or_else(branches)
}

/// A value as the Python scalar it is.
pub(crate) fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Value::Null => Ok(py.None().into_bound(py)),
        Value::Bool(b) => b.into_bound_py_any(py),
        Value::Int(i) => i.into_bound_py_any(py),
        Value::Float(f) => f.into_bound_py_any(py),
        Value::Str(s) => s.into_bound_py_any(py),
    }
}

/// A trial as the dict its JSON form reads as ([`json_to_py`]), from the
/// JSON of the rest of the trial (`params` empty) and its `params`, which
/// are converted directly: at 40 parameters, their trip through
/// `serde_json::Value` (a `String` and a `Value` allocated per parameter,
/// then read again) was about half of a tell's time in the binding.
pub(crate) fn trial_to_py<'py>(
    py: Python<'py>,
    rest: &serde_json::Value,
    params: &Params,
) -> PyResult<Bound<'py, PyAny>> {
    let trial = json_to_py(py, rest)?;
    let dict = PyDict::new(py);
    for (name, value) in params {
        let value = match value {
            // As `serde_json` writes a float it cannot represent.
            Value::Float(f) if !f.is_finite() => py.None().into_bound(py),
            other => to_py(py, other)?,
        };
        dict.set_item(name, value)?;
    }
    // Where the JSON form has it: the key keeps its place.
    trial.set_item("params", dict)?;
    Ok(trial)
}

/// A JSON value as the Python object `json.loads` would give for its text
/// (dicts keep their order), built directly: a trial handed out or told
/// crosses as a dict, not as text the Python layer parses again (at 40
/// parameters that parse cost more than the rest of a tell's Python).
pub(crate) fn json_to_py<'py>(
    py: Python<'py>,
    value: &serde_json::Value,
) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value as J;
    Ok(match value {
        J::Null => py.None().into_bound(py),
        J::Bool(b) => b.into_bound_py_any(py)?,
        J::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_bound_py_any(py)?,
            (None, Some(u)) => u.into_bound_py_any(py)?,
            _ => n.as_f64().unwrap_or(f64::NAN).into_bound_py_any(py)?,
        },
        J::String(s) => PyString::new(py, s).into_any(),
        J::Array(items) => {
            let items = items
                .iter()
                .map(|v| json_to_py(py, v))
                .collect::<PyResult<Vec<_>>>()?;
            pyo3::types::PyList::new(py, items)?.into_any()
        }
        J::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// A Python scalar as a value (bool before int: a bool is an int).
pub(crate) fn from_py(name: &str, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_none() {
        Ok(Value::Null)
    } else if obj.is_instance_of::<PyBool>() {
        Ok(Value::Bool(obj.extract()?))
    } else if obj.is_instance_of::<PyInt>() {
        Ok(Value::Int(obj.extract()?))
    } else if obj.is_instance_of::<PyFloat>() {
        Ok(Value::Float(obj.extract()?))
    } else if obj.is_instance_of::<PyString>() {
        Ok(Value::Str(obj.extract()?))
    } else {
        Err(PyTypeError::new_err(format!(
            "parameter '{name}': a value must be a number, string, bool or None, got {obj}"
        )))
    }
}

/// A dict of parameter values as [`Params`], in the dict's order.
pub(crate) fn params_from_py(dict: &Bound<'_, PyDict>) -> PyResult<Params> {
    let mut params = Params::with_capacity(dict.len());
    for (key, value) in dict.iter() {
        let name: String = key.extract().map_err(|_| {
            PyValueError::new_err(format!("a parameter name must be a string, got {key}"))
        })?;
        let value = from_py(&name, &value)?;
        params.insert(name, value);
    }
    Ok(params)
}
