//! The protocol: searchers x problems x seeds, each run a fresh study with a
//! fixed budget, recording the best-so-far regret after every trial.

mod results;
mod run;
mod settings;

pub use results::{ProblemInfo, RunRecord, RunStop, SuiteResults, RESULTS_FORMAT};
pub use run::{
    arrival_seed, median_final_regret, noise_seed, run_one, run_suite, study_seed, Progress,
};
pub use settings::{parse_searchers, SearcherChoice, Suite, SuiteSettings};
