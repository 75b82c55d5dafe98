//! Acquisition functions and their maximisation.
//!
//! Everything is written for minimisation: a [`GaussianProcess`] models a
//! loss, `best` is the lowest loss seen, and an acquisition function scores
//! how promising a point is (larger is better). [`Acquisition::LogEi`] (log
//! expected improvement, stable far into the tails) is the usual choice;
//! [`Acquisition::Ucb`] and [`Acquisition::LogPi`] are the alternatives.
//! [`optimize_acquisition`] finds the best point of a mixed, conditional
//! space (see its module notes in the source for the method).
//! With several objectives or constraints, [`JointAcquisition`] combines
//! one GP each: log expected hypervolume improvement ([`Ehvi`], exact) or
//! log EI, plus the log probability of feasibility;
//! [`optimize_joint_acquisition`] maximises it the same way.
//!
//! [`GaussianProcess`]: crate::gp::GaussianProcess
//!
//! ```
//! use hyperspace_surrogate::acquisition::{expected_improvement, log_expected_improvement};
//! // 40 standard deviations above the incumbent: EI underflows, log EI does not.
//! assert_eq!(expected_improvement(40.0, 1.0, 0.0), 0.0);
//! assert!(log_expected_improvement(40.0, 1.0, 0.0) > -810.0);
//! ```

mod ehvi;
mod functions;
mod joint;
mod optimize;
mod penalty;

pub use ehvi::{reference_point, Ehvi};
pub use functions::{
    erfcx, expected_improvement, log_cdf_with_derivative, log_expected_improvement, log_h,
    log_h_with_derivative, normal_cdf, normal_pdf, probability_of_improvement,
    upper_confidence_bound, Acquisition,
};
pub use joint::{Goal, JointAcquisition};
pub use optimize::{
    optimize_acquisition, optimize_fantasized_acquisition, optimize_joint_acquisition,
    optimize_penalized_acquisition, Dimension, Domain, OptimizerSettings, Optimum,
    ValidOptimizerSettings,
};
pub use penalty::LocalPenalty;
