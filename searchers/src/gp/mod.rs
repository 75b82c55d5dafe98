//! The Gaussian-process searcher: Bayesian optimisation for expensive
//! objectives with few trials.
//!
//! After `n_startup_trials` quasi-random (Sobol) trials, each proposal fits
//! a GP (Matérn-5/2 with one lengthscale per parameter, hyperparameters by
//! maximum a posteriori, warm-started from the previous proposal's) to the
//! complete trials' losses and proposes the point that maximises an
//! acquisition function (log expected improvement by default), found by a
//! quasi-random sweep and local refinement of the best candidates.
//!
//! - **Parameters** become coordinates in `[0, 1]`: floats and log-scaled
//!   numbers by their unit map, integers and stepped floats on their grid
//!   (the acquisition is only evaluated on grid points), categoricals as a
//!   choice index compared by equality.
//! - **Conditional spaces**: a trial's inactive parameters get a fixed
//!   value — 0.5 for numbers, an extra "absent" choice for categoricals —
//!   so every trial informs the model and trials of the same branch agree
//!   on the inactive part. Proposals decide branch choices first and only
//!   optimise and return the parameters that are then active. A branch
//!   with fewer than its floor of the trials (`crate::branches`, shared
//!   with TPE) is searched next: else a family whose few random trials look
//!   worst is never proposed again (model-selection, 30 seeds: 15 runs of
//!   30 settled for a worse family without the floor, none with it).
//! - **Pending trials** (running, with parameters) enter the model with a
//!   fantasised loss — the posterior mean (kriging believer) or a constant
//!   liar — which removes their uncertainty, so parallel workers are sent
//!   elsewhere; by default the acquisition is also penalised in a ball
//!   around each (local penalisation), so a batch spreads even where the
//!   model is sure of the minimum.
//! - **Pruned and failed trials** are left out: only complete trials have
//!   a loss the model can trust. Infinite losses are clipped to the worst
//!   (or best) finite one.
//!
//! - **Long histories**: hyperparameters are fitted on at most
//!   `max_fit_points` trials (a subset that stays put as trials are added),
//!   and past 300 trials the sweep and the local searches shrink as
//!   `(300/n)²`, so a proposal stays well under a second at 1,000 trials.
//!   Between hyperparameter refits (`refit_growth`) the previous model's
//!   factorisation is extended by the new trials (`O(n²)`), and past
//!   `max_model_points` (1,000) the model is conditioned on a subset of the
//!   trials (the best quarter and a stable random share of the rest), so
//!   10,000 trials cost about what 1,000 do.
//!
//! - **Several objectives, constraints** (`multi.rs`): one GP per
//!   objective and per constraint value; the acquisition is log expected
//!   hypervolume improvement over the feasible front (log EI for one
//!   objective), plus the log probability of feasibility; while no trial
//!   is feasible, the probability of feasibility alone. Each output keeps
//!   its own fit and refits on the same `refit_growth` pace (`refit.rs`).
//!
//! The warm start is the only state kept between proposals; a searcher
//! rebuilt from the history fits from cold (a few seeded restarts) and
//! proposes as well.

mod algorithm;
mod layout;
mod multi;
mod refit;
mod settings;

pub use algorithm::GpSearcher;
pub use settings::{
    AcquisitionKind, GpSettings, NoiseSetting, OutputTransform, PendingStrategy, PriorSetting,
    ValidGpSettings,
};
