//! Ensembles of a study's best trials, selected greedily on their saved
//! validation predictions (Caruana et al. 2004), stored in the study under
//! a name, and applied later by combining members' outputs with the stored
//! weights.
//!
//! The convention a trial follows (see the README): its artifact directory
//! holds `predictions.csv` or `predictions.npy`, one row per validation
//! example in a fixed order, and `targets.csv`/`targets.npy` sits beside it
//! or once in the study's folder of the artifact store.

mod build;
mod combine;
mod files;
mod metric;
mod select;
mod stored;

pub use build::{EnsembleSettings, MAX_TOP};
pub use combine::{combine, Combine};
pub use files::{read_matrix, write_csv, PREDICTIONS, TARGETS};
pub use metric::Metric;
pub use select::{greedy, Selection};
pub use stored::{check_name, Ensemble, DEFAULT_NAME, ENSEMBLE_KEY_PREFIX};
