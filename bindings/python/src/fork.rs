//! `os.fork` with SQLite open: the engine holds new SQLite calls back and
//! waits for those under way just before a fork, and lets them go on after
//! it in both processes (see `hyperspace_engine::storage::prepare_fork`), so
//! a child of a fork-context process pool never inherits SQLite mid-call.

use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Before `os.fork`: waits, with the GIL released, until no SQLite call of
/// this process is under way.
#[pyfunction]
fn _before_fork(py: Python<'_>) {
    py.detach(hyperspace_engine::storage::prepare_fork);
}

/// After `os.fork`, in the parent.
#[pyfunction]
fn _after_fork_in_parent() {
    hyperspace_engine::storage::after_fork(false);
}

/// After `os.fork`, in the child.
#[pyfunction]
fn _after_fork_in_child() {
    hyperspace_engine::storage::after_fork(true);
}

/// Adds the hooks to `m` and registers them with `os.register_at_fork`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let before = wrap_pyfunction!(_before_fork, m)?;
    let parent = wrap_pyfunction!(_after_fork_in_parent, m)?;
    let child = wrap_pyfunction!(_after_fork_in_child, m)?;
    let hooks = PyDict::new(py);
    hooks.set_item("before", &before)?;
    hooks.set_item("after_in_parent", &parent)?;
    hooks.set_item("after_in_child", &child)?;
    let os = py.import("os")?;
    // Not on every platform (Windows has no fork).
    if os.hasattr("register_at_fork")? {
        os.call_method("register_at_fork", (), Some(&hooks))?;
    }
    m.add_function(before)?;
    m.add_function(parent)?;
    m.add_function(child)?;
    Ok(())
}
