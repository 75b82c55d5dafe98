//! A trial's lineage for Python (`study.lineage(trial)`): the rules (the
//! parent chain, children, what changed, the joined learning curve) are
//! `hyperspace_query`'s; this file only crosses the boundary.

use crate::study::CoreStudy;
use hyperspace_engine::{Error, TrialId};
use hyperspace_query::{curve_with_ancestry, Lineage};
use pyo3::prelude::*;

/// The lineage of trial `trial_id` as JSON: `ancestors` (oldest first),
/// `trial`, `children` (each with the `changes` from its parent) and
/// `curve` (the trial's intermediate values joined to its ancestors').
#[pyfunction]
pub(crate) fn lineage(py: Python<'_>, study: &CoreStudy, trial_id: i64) -> PyResult<String> {
    study.with(py, move |s| {
        let trials = s.trials()?.to_vec();
        let id = TrialId(trial_id);
        let lineage = Lineage::of(&trials, id).ok_or(Error::WrongStudy { id })?;
        let mut json = lineage.to_json();
        json["curve"] = serde_json::to_value(curve_with_ancestry(&trials, lineage.trial.trial))
            .map_err(|e| Error::Storage(e.to_string()))?;
        Ok(json.to_string())
    })
}
