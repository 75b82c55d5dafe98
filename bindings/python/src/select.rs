//! Choosing and shaping a study's trials for Python (`where=` arguments,
//! `hs.visualization`) with the same rules as `hyperspace trials --where`
//! and the dashboard: the language and the best-so-far series live in
//! `hyperspace-query`; this file only crosses the boundary.

use crate::study::CoreStudy;
use hyperspace_engine::{Direction, Trial};
use hyperspace_query::{describe_error, History, Known};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::json;

/// The trials `filter` keeps (all if `None` or blank), by number; the
/// error is the filter's, one line naming the bad token.
pub(crate) fn chosen<'a>(
    trials: &'a [Trial],
    known: &Known,
    filter: Option<&str>,
) -> Result<Vec<&'a Trial>, String> {
    match filter.map(str::trim).filter(|f| !f.is_empty()) {
        None => Ok(trials.iter().collect()),
        Some(text) => {
            let filter = hyperspace_query::Filter::parse(text, known)
                .map_err(|e| describe_error(text, &e))?;
            Ok(trials.iter().filter(|t| filter.matches(t)).collect())
        }
    }
}

/// Runs `f` on the trials `filter` keeps, by number, with the first
/// objective's direction; a bad filter becomes a `ValueError`.
fn on_chosen(
    py: Python<'_>,
    study: &CoreStudy,
    filter: Option<String>,
    f: impl for<'a> FnOnce(Vec<&'a Trial>, Direction) -> String + Send,
) -> PyResult<String> {
    let result = study.with(py, move |s| {
        let space = s.space().clone();
        let direction = s.config().primary_direction();
        let trials = s.trials()?;
        let known = Known::collect(&space, trials);
        Ok(chosen(trials, &known, filter.as_deref()).map(|kept| f(kept, direction)))
    })?;
    result.map_err(PyValueError::new_err)
}

/// The trials `filter` keeps, as a JSON array by number. `filter` is the
/// `hyperspace trials --where` language; a bad one raises `ValueError`
/// naming the column of the bad token.
#[pyfunction]
#[pyo3(signature = (study, filter=None))]
pub(crate) fn select_trials(
    py: Python<'_>,
    study: &CoreStudy,
    filter: Option<String>,
) -> PyResult<String> {
    on_chosen(py, study, filter, |kept, _| json!(kept).to_string())
}

/// The optimization history of the trials `filter` keeps, as JSON:
/// `number`, `value` and `state` of each finished trial with a finite
/// value, and `best`, the best complete value so far (`null` before the
/// first), under the first objective's direction.
#[pyfunction]
#[pyo3(signature = (study, filter=None))]
pub(crate) fn history(
    py: Python<'_>,
    study: &CoreStudy,
    filter: Option<String>,
) -> PyResult<String> {
    on_chosen(py, study, filter, |kept, direction| {
        let h = History::new(kept, direction);
        json!({
            "number": h.trials.iter().map(|t| t.number).collect::<Vec<_>>(),
            "state": h.trials.iter().map(|t| t.state.as_str()).collect::<Vec<_>>(),
            "value": h.values,
            "best": h.best,
        })
        .to_string()
    })
}
