//! The native core of the Python package `hyperspace` (`hyperspace._core`).
//!
//! This crate is thin: [`study::CoreStudy`] wraps the engine's `Study`
//! behind a mutex and releases the GIL for every engine call; searchers
//! written in Python plug into the engine's `Registry` through
//! [`searcher`]; engine errors become the exception classes of
//! `hyperspace/errors.py`; pruners are the engine's. The
//! API people use — `Study`, `Trial`, distributions, `optimize` — is the
//! pure-Python layer in `python/hyperspace/`, with its stubs.
#![deny(missing_docs)]

mod added;
mod artifacts;
mod contour;
mod ensemble;
mod errors;
mod fork;
mod importance;
mod lineage;
mod opening;
mod optimize;
mod optuna;
mod params;
mod proposal;
mod pruner;
mod retarget;
mod searcher;
mod select;
mod space;
mod study;

use pyo3::prelude::*;

/// The module `hyperspace._core`.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<study::CoreStudy>()?;
    m.add_class::<params::CoreParam>()?;
    m.add_class::<optuna::OptunaRead>()?;
    m.add_function(wrap_pyfunction!(searcher::register_searcher, m)?)?;
    m.add_function(wrap_pyfunction!(searcher::searcher_names, m)?)?;
    m.add_function(wrap_pyfunction!(pruner::pruner_settings, m)?)?;
    m.add_function(wrap_pyfunction!(pruner::pruner_names, m)?)?;
    m.add_function(wrap_pyfunction!(opening::storage_url, m)?)?;
    m.add_function(wrap_pyfunction!(space::sample_space, m)?)?;
    m.add_function(wrap_pyfunction!(space::space_notes, m)?)?;
    m.add_function(wrap_pyfunction!(importance::param_importances, m)?)?;
    m.add_function(wrap_pyfunction!(select::select_trials, m)?)?;
    m.add_function(wrap_pyfunction!(select::history, m)?)?;
    m.add_function(wrap_pyfunction!(added::add_trials, m)?)?;
    m.add_function(wrap_pyfunction!(optuna::read_optuna, m)?)?;
    m.add_function(wrap_pyfunction!(added::study_user_attrs, m)?)?;
    m.add_function(wrap_pyfunction!(retarget::retarget_study, m)?)?;
    m.add_function(wrap_pyfunction!(retarget::objective_history, m)?)?;
    m.add_function(wrap_pyfunction!(added::set_study_user_attr, m)?)?;
    m.add_function(wrap_pyfunction!(added::list_studies, m)?)?;
    m.add_function(wrap_pyfunction!(added::delete_study, m)?)?;
    m.add_function(wrap_pyfunction!(artifacts::artifact_root, m)?)?;
    m.add_function(wrap_pyfunction!(artifacts::trial_artifact_dir, m)?)?;
    m.add_function(wrap_pyfunction!(artifacts::copy_artifact, m)?)?;
    m.add_function(wrap_pyfunction!(artifacts::record_artifacts, m)?)?;
    m.add_function(wrap_pyfunction!(lineage::lineage, m)?)?;
    m.add_function(wrap_pyfunction!(contour::interpolate_grid, m)?)?;
    m.add_function(wrap_pyfunction!(ensemble::build_ensemble, m)?)?;
    m.add_function(wrap_pyfunction!(ensemble::stored_ensemble, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("MAX_BATCH", hyperspace_engine::MAX_BATCH)?;
    fork::register(m)?;
    Ok(())
}
