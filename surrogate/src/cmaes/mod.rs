//! CMA-ES (Hansen's covariance matrix adaptation evolution strategy) on the
//! unit cube: the sampling distribution and its update from one ranked
//! generation, with the margin for discrete coordinates (Hamano et al.
//! 2022), and the tests that say when a run has stalled (for IPOP restarts).
//!
//! The state is plain data updated by [`CmaState::tell`]; it does not know
//! trials or generations bookkeeping, which the `cmaes` searcher does by
//! replaying a study's history through it.
//!
//! ```
//! use hyperspace_surrogate::cmaes::{CmaState, Coordinate};
//! use rand::SeedableRng;
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
//! let mut cma = CmaState::new(vec![0.5; 3], 0.3, vec![Coordinate::Continuous; 3], 8).unwrap();
//! for _ in 0..60 {
//!     let xs: Vec<Vec<f64>> = (0..8).map(|_| cma.sample(&mut rng)).collect();
//!     let scored: Vec<(Vec<f64>, f64)> = xs
//!         .into_iter()
//!         .map(|x| { let f = x.iter().map(|v| (v - 0.2) * (v - 0.2)).sum(); (x, f) })
//!         .collect();
//!     cma.tell(&scored).unwrap();
//! }
//! assert!(cma.mean().iter().all(|m| (m - 0.2).abs() < 1e-3));
//! ```

mod margin;
mod state;
mod stop;
mod warm;

pub use state::{CmaState, Coordinate};
pub use stop::{StallTest, Stopping};
