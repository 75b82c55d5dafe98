//! `hs.importance`'s engine call: a study's parameter importances by the
//! evaluator the Python layer describes as JSON.

use crate::errors::bad_json;
use crate::study::CoreStudy;
use hyperspace_searchers::{param_importances as compute, Evaluator, ImportanceInput};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// `[(name, importance)]`, most important first, summing to 1.
/// `evaluator_json` is an [`Evaluator`] (`{"evaluator": "fanova", ...}`);
/// `seed` fixes fANOVA's forest (default: the study's seed); `params`
/// limits the ranking to those parameters.
#[pyfunction]
#[pyo3(signature = (study, evaluator_json, seed=None, params=None))]
pub(crate) fn param_importances(
    py: Python<'_>,
    study: &CoreStudy,
    evaluator_json: &str,
    seed: Option<u64>,
    params: Option<Vec<String>>,
) -> PyResult<Vec<(String, f64)>> {
    let evaluator: Evaluator =
        serde_json::from_str(evaluator_json).map_err(|e| bad_json("the evaluator", e))?;
    let evaluator = evaluator
        .validate()
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    let result = study.with(py, move |s| {
        let seed = seed.unwrap_or(s.config().seed);
        // With several objectives: the first (a trial's `value`).
        let direction = s.config().primary_direction();
        let space = s.space().clone();
        let trials = s.trials()?;
        let mut input = ImportanceInput::new(trials, &space, direction);
        if let Some(params) = params {
            input = input.params(params);
        }
        Ok(compute(&input, &evaluator, seed))
    })?;
    result
        .map(|m| m.into_iter().collect())
        .map_err(|e| PyValueError::new_err(e.to_string()))
}
