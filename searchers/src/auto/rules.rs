//! Which searcher `auto` hands a trial to: a pure function of the study's
//! space, its objectives, the history and the trial number, so every
//! worker (and a study rebuilt after a restart) makes the same choice.
//!
//! The rules, first match wins, and the figures behind them
//! (`benches/README.md`, 10 seeds, median final regret):
//!
//! 1. **Trials take a budget** (`hyperband` settings given) → `hyperband`,
//!    for every trial: only it chooses budgets and promotions (with
//!    `"sampler": "tpe"` it is BOHB-like; the multi-fidelity table).
//! 2. **Several objectives** → `tpe`: it handles several objectives
//!    (MOTPE) and needs no population to fill before it models, which
//!    NSGA-II does; GP and CMA-ES do not handle several objectives here.
//! 3. **Tree-shaped space** (a parameter under a branch, or, define-by-run,
//!    a parameter some finished trials lack) → `tpe`: on `conditional` and
//!    `model-selection` the GP is no better than random (issue 17: 0.0607
//!    vs random 0.0328), TPE is.
//! 4. **More than `gp_max_params` (20) parameters** → `tpe`: the GP's fit
//!    and acquisition grow with the dimension, and TPE's quality holds up.
//! 5. **Trial number below `gp_trials` (200)** → `gp`: at 100 trials the
//!    GP beats TPE on all 7 continuous problems (branin 1.1e-6 vs 0.009,
//!    hartmann6 0.060 vs 0.128, rosenbrock 12.3 vs 26.8, ackley 2.42 vs
//!    5.29, styblinski-tang 49.6 vs 106, levy 0.93 vs 1.10).
//! 6. **Long runs** → `cmaes` when every parameter is numeric, warm-started
//!    from the best of the first `gp_trials` trials; `tpe` when some are
//!    categorical (CMA-ES draws those at random). At 200 trials CMA-ES and
//!    TPE tie on mean rank (2.30 vs 2.24) while the GP costs 350× the search
//!    time (942 s vs 2.7 s for 50 runs), and it keeps growing cubically.

use super::settings::ValidAutoSettings;
use hyperspace_engine::{SearchContext, Space, TrialState};

/// A searcher `auto` delegates to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delegate {
    /// Tree-structured Parzen estimator, default settings.
    Tpe,
    /// Gaussian-process Bayesian optimisation, default settings.
    Gp,
    /// CMA-ES warm-started from the trials before `gp_trials`.
    Cmaes,
    /// Hyperband with the settings given to `auto`.
    Hyperband,
}

impl Delegate {
    /// The registry name of the delegate.
    pub fn name(self) -> &'static str {
        match self {
            Delegate::Tpe => "tpe",
            Delegate::Gp => "gp",
            Delegate::Cmaes => "cmaes",
            Delegate::Hyperband => "hyperband",
        }
    }
}

/// The delegate for the trial `ctx` proposes for (the rules above).
pub(super) fn choose(settings: &ValidAutoSettings, ctx: &SearchContext<'_>) -> Delegate {
    let space = ctx.space;
    if settings.hyperband.is_some() {
        Delegate::Hyperband
    } else if ctx.directions().len() > 1 || is_tree_shaped(ctx) {
        Delegate::Tpe
    } else if space.len() > settings.gp_max_params {
        Delegate::Tpe
    } else if ctx.trial_number < settings.gp_trials {
        Delegate::Gp
    } else if has_categorical(space) {
        Delegate::Tpe
    } else {
        Delegate::Cmaes
    }
}

/// Whether some parameters are active only in some trials: declared under
/// a branch, or (define-by-run, where the space records no branches)
/// missing from some complete trial (pruned ones may have stopped before
/// their last suggestion). Older trials read with the defaults
/// of parameters added later, so a grown space alone does not count.
fn is_tree_shaped(ctx: &SearchContext<'_>) -> bool {
    let entries = ctx.space.entries();
    entries.iter().any(|e| e.condition.is_some())
        || ctx
            .trials
            .iter()
            .filter(|t| t.state == TrialState::Complete)
            .any(|t| entries.iter().any(|e| !t.params.contains_key(&e.name)))
}

fn has_categorical(space: &Space) -> bool {
    space.entries().iter().any(|e| e.param.is_categorical())
}
