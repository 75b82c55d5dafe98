//! Maximising an acquisition function over a mixed, possibly conditional
//! space in the unit cube.
//!
//! 1. **Sweep** (`sweep.rs`): a scrambled Sobol design of candidates, each
//!    coordinate mapped onto its dimension (continuous as is, discrete to
//!    one of its levels, categorical to a choice index; inactive dimensions
//!    to their fixed value), scored in batches.
//! 2. **Starts** (`sweep.rs`): the best candidate, more drawn by roulette
//!    with weights `exp(a − a_max)`, and the caller's warm starts (the best
//!    trials).
//! 3. **Local search** (`local.rs`) from each start, alternating until
//!    nothing moves: L-BFGS (`continuous.rs`, argmin) on the active
//!    continuous coordinates, through the unconstrained map `x = sin²(ℓ v)`
//!    (smooth, onto `[0, 1]`; `ℓ` is the coordinate's lengthscale, so every
//!    coordinate is about equally curved); then each active discrete
//!    coordinate in turn, trying every level (categorical, or at most 16
//!    levels) or levels at distances 1, 2, 4, … and a few random ones (many
//!    levels). Discrete values are never relaxed: the model is only asked
//!    about points on their grid. Categorical parents of conditional
//!    dimensions keep the start's branch.
//!
//! `driver.rs` runs the three steps; `space.rs` says what a coordinate can
//! hold, `target.rs` what is maximised, `settings.rs` how hard to try.

mod continuous;
mod driver;
mod local;
mod settings;
mod space;
mod sweep;
mod target;

pub use driver::{
    optimize_acquisition, optimize_fantasized_acquisition, optimize_joint_acquisition,
    optimize_penalized_acquisition, Optimum,
};
pub use settings::{OptimizerSettings, ValidOptimizerSettings};
pub use space::{Dimension, Domain};
