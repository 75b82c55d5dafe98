//! Gaussian-process regression on the unit cube.
//!
//! A [`GaussianProcess`] models a loss over inputs in `[0, 1]^d` with a
//! Matérn-5/2 kernel with one lengthscale per input (ARD), a signal
//! variance and a noise variance, on outputs standardized to mean 0 and
//! variance 1. Categorical inputs hold a choice index and are compared by
//! equality ([`InputKind::Categorical`]); integers and stepped values are
//! numeric inputs on their grid.
//!
//! [`GaussianProcess::fit`] picks the hyperparameters by maximising the log
//! marginal likelihood (analytic gradient) plus log priors
//! ([`LengthscalePrior`], Gamma priors on signal and noise variance) with
//! argmin's L-BFGS in log coordinates: from a few seeded starting points,
//! or once from the previous fit's hyperparameters (a warm start).
//!
//! ```
//! use hyperspace_surrogate::gp::{FitSettings, FitStart, GaussianProcess, InputKind};
//! use ndarray::{array, Array2};
//! use rand::SeedableRng;
//! let x = Array2::from_shape_fn((8, 1), |(i, _)| i as f64 / 7.0);
//! let y = x.column(0).mapv(|v| (6.0 * v).sin());
//! let settings = FitSettings::default().validate().unwrap();
//! let mut rng = rand::rngs::StdRng::seed_from_u64(1);
//! let gp = GaussianProcess::fit(x.view(), y.view(), &[InputKind::Numeric], &settings, FitStart::Cold, &mut rng).unwrap();
//! let p = gp.predict(array![[3.0 / 7.0]].view());
//! assert!((p.mean[0] - (18.0f64 / 7.0).sin()).abs() < 1e-2);
//! ```

mod fantasy;
mod fit;
mod hyper;
mod kernel;
mod likelihood;
pub mod linalg;
mod model;
mod subset;
#[cfg(test)]
pub(crate) mod tests;

pub use fantasy::{Fantasies, FantasyPointPrediction, FantasyPrediction};
pub use fit::{FitReport, FitSettings, FitStart, NoiseModel, ValidFitSettings};
pub use hyper::{Hyperparameters, LengthscalePrior};
pub use kernel::InputKind;
pub use model::{GaussianProcess, PointPrediction, Prediction};
pub use subset::posterior_subset;
