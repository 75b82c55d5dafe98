//! The process-wide searcher registry, and searchers written in Python.
//!
//! The registry starts with the built-in searchers of `hyperspace-searchers`.
//! `register_searcher(name, builder)` adds a Python one: `builder` is called
//! with the JSON settings and returns a bridge object (made by
//! `hyperspace/searcher.py`) whose `_hs_suggest(space_json, trials_json,
//! context_json)` returns the proposal as JSON. The engine calls it with the
//! GIL released, so the bridge takes the GIL back for the call.

use crate::errors::stash_searcher_exception;
use hyperspace_engine::{
    Param, Params, Proposal, Registry, SearchContext, SearchError, Searcher, SettingsError, Space,
    SpaceBuilder, Value,
};
use pyo3::prelude::*;
use rand::RngCore;
use std::sync::{LazyLock, Mutex};

static REGISTRY: LazyLock<Mutex<Registry>> =
    LazyLock::new(|| Mutex::new(hyperspace_searchers::builtin_registry()));

/// A copy of the registry as it is now.
pub(crate) fn registry() -> Registry {
    REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone()
}

/// Registers (or replaces) a searcher written in Python.
#[pyfunction]
pub(crate) fn register_searcher(name: &str, builder: Py<PyAny>) -> PyResult<()> {
    if name.trim().is_empty() {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "a searcher needs a non-empty name",
        ));
    }
    let searcher_name = name.to_string();
    let factory = move |settings: &serde_json::Value| -> Result<Box<dyn Searcher>, SearchError> {
        Python::attach(|py| {
            let bridge = builder
                .bind(py)
                .call1((settings.to_string(),))
                .map_err(|err| {
                    let reason = err.to_string();
                    stash_searcher_exception(err);
                    SearchError::InvalidSettings {
                        searcher: searcher_name.clone(),
                        error: SettingsError::Refused { reason },
                    }
                })?;
            Ok(Box::new(PySearcher {
                name: searcher_name.clone(),
                bridge: bridge.unbind(),
            }) as Box<dyn Searcher>)
        })
    };
    REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .register(name, factory);
    Ok(())
}

/// The names of every registered searcher.
#[pyfunction]
pub(crate) fn searcher_names() -> Vec<String> {
    registry().names().into_iter().map(String::from).collect()
}

/// A searcher implemented by a Python object.
struct PySearcher {
    name: String,
    bridge: Py<PyAny>,
}

impl std::fmt::Debug for PySearcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PySearcher")
            .field("name", &self.name)
            .finish()
    }
}

impl PySearcher {
    fn call(
        &self,
        ctx: &SearchContext<'_>,
        space: &Space,
        rng: &mut dyn RngCore,
    ) -> Result<Params, SearchError> {
        let failed = |reason: String| SearchError::Failed {
            searcher: self.name.clone(),
            reason,
        };
        let space_json = space.to_json().to_string();
        let trials_json = serde_json::to_string(ctx.trials)
            .map_err(|e| failed(format!("cannot pass the trials to Python: {e}")))?;
        let context = serde_json::json!({
            "direction": ctx.direction.to_string(),
            "study_seed": ctx.study_seed,
            "trial_number": ctx.trial_number,
            "seed": rng.next_u64(),
        })
        .to_string();
        let answer: String = Python::attach(|py| {
            let result = self
                .bridge
                .bind(py)
                .call_method1("_hs_suggest", (space_json, trials_json, context))
                .and_then(|r| r.extract::<String>());
            result.map_err(|err| {
                let reason = format!("suggest() raised {err}");
                stash_searcher_exception(err);
                failed(reason)
            })
        })?;
        let json: serde_json::Value = serde_json::from_str(&answer)
            .map_err(|e| failed(format!("returned something that is not JSON: {e}")))?;
        let serde_json::Value::Object(map) = json else {
            return Err(failed(format!(
                "suggest() must return a dict from parameter name to value, got {json}"
            )));
        };
        map.into_iter()
            .map(|(name, v)| match Value::from_json(&v) {
                Some(value) => Ok((name, value)),
                None => Err(failed(format!(
                    "the value of '{name}' must be a number, string, bool or None, got {v}"
                ))),
            })
            .collect()
    }
}

impl Searcher for PySearcher {
    fn sample_relative(
        &mut self,
        ctx: &SearchContext<'_>,
        space: &Space,
        rng: &mut dyn RngCore,
    ) -> Result<Proposal, SearchError> {
        Ok(Proposal::new(self.call(ctx, space, rng)?))
    }

    /// A parameter met for the first time in a define-by-run trial: the
    /// Python searcher is asked about a space of that one parameter.
    fn sample_independent(
        &mut self,
        ctx: &SearchContext<'_>,
        name: &str,
        param: &Param,
        rng: &mut dyn RngCore,
    ) -> Result<Value, SearchError> {
        let space = SpaceBuilder::new()
            .param(name, param.clone())
            .build()
            .map_err(|e| SearchError::Failed {
                searcher: self.name.clone(),
                reason: e.to_string(),
            })?;
        let mut params = self.call(ctx, &space, rng)?;
        params
            .shift_remove(name)
            .ok_or_else(|| SearchError::Failed {
                searcher: self.name.clone(),
                reason: format!("suggest() returned no value for '{name}'"),
            })
    }
}
