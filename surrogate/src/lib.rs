//! Numerical models behind hyperspace's searchers.
//!
//! This crate knows nothing about trials or studies: it works on points in
//! the unit cube and plain `f64` observations. The searchers in
//! `hyperspace-searchers` translate a study's history into these terms.
//!
//! - [`sobol`]: scrambled Sobol points, for quasi-random start-up designs.
//! - [`parzen`]: Parzen estimators (kernel mixtures on the unit cube), TPE's density models.
//! - [`gp`]: Gaussian-process regression (Matérn-5/2 ARD, fitted hyperparameters).
//! - [`acquisition`]: log EI, UCB, PI, and their maximisation over mixed spaces.
//! - [`cmaes`]: CMA-ES's distribution, its update, the margin for discrete coordinates, stall tests.
//! - [`pareto`]: non-dominated sorting, crowding distance, exact hypervolume.
//! - [`forest`]: regression random forests and fANOVA over them (parameter importance).
//! - [`ped_anova`]: PED-ANOVA, importance from the densities of the best trials.
//!
//! ```
//! use hyperspace_surrogate::sobol::SobolSequence;
//! let seq = SobolSequence::new(2, 7).unwrap();
//! let p = seq.point(3);
//! assert!(p.iter().all(|x| (0.0..1.0).contains(x)));
//! ```
#![deny(missing_docs)]

pub mod acquisition;
pub mod cmaes;
mod error;
pub mod forest;
pub mod gp;
pub mod pareto;
pub mod parzen;
pub mod ped_anova;
pub mod sobol;

pub use error::SurrogateError;
