//! `hs.importance`'s engine call: a study's parameter importances by the
//! evaluator the Python layer describes as JSON.

use crate::errors::bad_json;
use crate::select::chosen;
use crate::study::CoreStudy;
use hyperspace_engine::Trial;
use hyperspace_query::Known;
use hyperspace_searchers::{param_importances as compute, Evaluator, ImportanceInput};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

/// `[(name, importance)]`, most important first, summing to 1.
/// `evaluator_json` is an [`Evaluator`] (`{"evaluator": "fanova", ...}`);
/// `seed` fixes fANOVA's forest (default: the study's seed); `params`
/// limits the ranking to those parameters; `filter` (the `hyperspace
/// trials --where` language) to the trials it keeps.
#[pyfunction]
#[pyo3(signature = (study, evaluator_json, seed=None, params=None, filter=None))]
pub(crate) fn param_importances(
    py: Python<'_>,
    study: &CoreStudy,
    evaluator_json: &str,
    seed: Option<u64>,
    params: Option<Vec<String>>,
    filter: Option<String>,
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
        let known = Known::collect(&space, trials);
        let kept: Vec<Trial> = match chosen(trials, &known, filter.as_deref()) {
            Ok(kept) => kept.into_iter().cloned().collect(),
            Err(message) => return Ok(Err(message)),
        };
        let mut input = ImportanceInput::new(&kept, &space, direction);
        if let Some(params) = params {
            input = input.params(params);
        }
        Ok(compute(&input, &evaluator, seed).map_err(|e| e.to_string()))
    })?;
    result
        .map(|m| m.into_iter().collect())
        .map_err(PyValueError::new_err)
}
