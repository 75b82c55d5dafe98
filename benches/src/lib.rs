//! The searcher-quality suite of hyperspace: benchmark problems with known
//! optima, a protocol that runs searchers × problems × seeds with a fixed
//! budget, and the statistics, tables, plots and comparisons that tell
//! whether a searcher is good.
//!
//! Searchers are picked from a [`Registry`](hyperspace_engine::Registry) by
//! name with JSON settings, so a new searcher joins with no change here.
//! Every run is a fresh study whose seed is derived from the problem and the
//! seed index ([`study_seed`]), so every searcher meets the same seeds and a
//! run repeats exactly.
//!
//! ```
//! use hyperspace_benches::{problems, run_one, SearcherChoice, Problem};
//! # use hyperspace_engine::{Proposal, Registry, SearchContext, Searcher, SearchError, Space};
//! # #[derive(Debug)] struct Centre;
//! # impl Searcher for Centre {
//! #     fn sample_relative(&mut self, _: &SearchContext<'_>, space: &Space, _: &mut dyn rand::RngCore)
//! #         -> Result<Proposal, SearchError> {
//! #         Ok(Proposal::new(space.entries().iter().map(|e| (e.name.clone(), e.param.from_unit(0.5))).collect()))
//! #     }
//! # }
//! let mut registry = Registry::new();
//! registry.register("centre", |_| Ok(Box::new(Centre)));
//! let branin = problems::problem("branin").unwrap();
//! let searcher = SearcherChoice::parse("centre").unwrap();
//! let run = run_one(branin.as_ref(), &searcher, &registry, 0, 5).unwrap();
//! assert_eq!(run.curve.len(), 5); // regret after each trial
//! assert!(run.curve[4] > 0.0);
//! ```
#![deny(missing_docs)]

pub mod bench_sizes;
pub mod ensemble_check;
mod error;
mod history;
mod problem;
pub mod problems;
pub mod report;
mod runner;
pub mod stats;
mod summary;

pub use error::{BenchError, Result};
pub use history::random_history;
pub use problem::{params, Evaluation, Family, Optimum, OptimumKind, Problem};
pub use runner::{
    arrival_seed, median_final_regret, noise_seed, parse_searchers, run_one, run_suite, study_seed,
    ProblemInfo, Progress, RunRecord, RunStop, SearcherChoice, Suite, SuiteResults, SuiteSettings,
    RESULTS_FORMAT,
};
pub use summary::{mean_ranks, Cell, Overall, Summary, FRACTIONS};
