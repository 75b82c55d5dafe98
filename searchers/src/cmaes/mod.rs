//! CMA-ES (Hansen's (μ/μ_w, λ) evolution strategy with rank-one and rank-μ
//! covariance updates and cumulative step-size adaptation) over the numeric
//! parameters of a space, in the unit cube, with IPOP restarts, the margin
//! for integer and stepped parameters, and a warm start from earlier trials.
//! Categorical and conditional parameters are drawn at random, as Optuna's
//! CmaEsSampler does with its independent sampler.
//!
//! Nothing is kept between proposals: the distribution is replayed from the
//! study's trials, generation by generation, at each proposal (see
//! `generations.rs` for which trial belongs to which generation), so
//! parallel workers share one run and a restarted study continues it.

mod algorithm;
mod generations;
mod settings;

pub use algorithm::CmaesSearcher;
pub use settings::{CmaesSettings, Restart, ValidCmaesSettings};

#[cfg(test)]
mod tests;
