//! `study.retarget(...)` and `study.objective_history` across the boundary;
//! the rules are the engine's (`Study::retarget`).

use crate::errors::IntoPy;
use crate::searcher::registry;
use crate::study::{json, CoreStudy};
use hyperspace_engine::{Direction, Objective};
use pyo3::prelude::*;

/// Points the study at other recorded metrics: each objective written
/// `NAME:minimize` or `NAME:maximize`.
#[pyfunction]
pub(crate) fn retarget_study(
    py: Python<'_>,
    study: &CoreStudy,
    objectives: Vec<String>,
) -> PyResult<()> {
    let parsed: Result<Vec<Objective>, _> = objectives
        .iter()
        .map(|o| Objective::parse(o, Direction::Minimize))
        .collect();
    let parsed = parsed.py_err(py)?;
    let registry = registry();
    study.with(py, move |s| s.retarget(parsed, &registry))
}

/// The objectives the study had before each retarget, as a JSON array of
/// `{"objectives": [...], "until": time}`.
#[pyfunction]
pub(crate) fn objective_history(py: Python<'_>, study: &CoreStudy) -> PyResult<String> {
    study.with(py, |s| json(&s.objective_history()?))
}
