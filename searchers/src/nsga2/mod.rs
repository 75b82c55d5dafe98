//! NSGA-II (Deb et al. 2002) for studies of one or more objectives, as a
//! steady-state, elitist genetic algorithm rebuilt from the history at each
//! proposal: the population is the best finished trials, so workers share
//! it and a restarted study continues.

mod algorithm;
mod select;
mod settings;
mod variation;

pub use algorithm::Nsga2Searcher;
pub use settings::{Nsga2Settings, ValidNsga2Settings};
