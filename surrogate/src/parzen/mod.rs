//! Parzen estimators: weighted mixtures of kernels on the unit cube, the
//! density models behind TPE.
//!
//! A TPE searcher fits one estimator to its good observations and one to the
//! rest, samples candidates from the first, and ranks them by the ratio of
//! the two densities. Everything here works on unit coordinates: the engine
//! maps parameters (log scales included) to `[0, 1]`, and categorical
//! parameters to indices, before they arrive.
//!
//! Each dimension has a [`Dimension`] kind that picks its kernel: truncated
//! Gaussians for continuous values, their bin probabilities for discrete
//! levels, and a "mostly my own category" kernel for categories. A prior
//! component keeps the density positive everywhere. In multivariate mode an
//! observation's kernels across dimensions form one product kernel; in
//! univariate mode each dimension is its own mixture.
//!
//! ```
//! use hyperspace_surrogate::parzen::{
//!     default_weights, Dimension, ParzenEstimator, ParzenSettings,
//! };
//! use ndarray::array;
//! use rand::SeedableRng;
//!
//! let settings = ParzenSettings::multivariate().validate()?;
//! let observations = array![[0.20, 1.0], [0.25, 1.0], [0.80, 0.0]];
//! let dims = [Dimension::Continuous, Dimension::Categorical { choices: 2 }];
//! let weights = default_weights(observations.nrows());
//! let model = ParzenEstimator::fit(observations.view(), weights.view(), &dims, &settings)?;
//!
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
//! let candidates = model.sample(&mut rng, 24);
//! let log_density = model.log_pdf(candidates.view());
//! assert!(log_density.iter().all(|v| v.is_finite()));
//! # Ok::<(), hyperspace_surrogate::SurrogateError>(())
//! ```

mod bandwidth;
mod clip_grid;
mod correlated;
mod estimator;
mod independent;
mod joint;
mod kernels;
mod levels;
mod memo;
mod normal;
mod settings;
mod vecmath;
mod weights;

#[cfg(test)]
mod memo_tests;
#[cfg(test)]
mod sampling_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod wide_tests;

pub use correlated::CorrelatedKde;
pub use estimator::ParzenEstimator;
pub use kernels::Dimension;
pub use memo::FitMemo;
pub use settings::{Bandwidth, ParzenSettings, ValidParzenSettings};
pub use vecmath::log_even_mixture;
pub use weights::default_weights;
