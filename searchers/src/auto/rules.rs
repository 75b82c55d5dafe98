//! Which searcher `auto` hands a trial to: a pure function of the study's
//! space, its objectives, the history and the trial number, so every
//! worker (and a study rebuilt after a restart) makes the same choice.
//!
//! The rules, first match wins, and the figures behind them
//! (`hyperspace-bench`, 10 seeds × 100 trials, median final regret; the
//! tables are in `benches/README.md`, "Results: auto"):
//!
//! 1. **Trials take a budget** (`hyperband` settings given) → `hyperband`,
//!    for every trial: only it chooses budgets and promotions.
//! 2. **Branches seen only in the history** (define-by-run: a parameter
//!    some complete trials lack, the space declaring no branches): the
//!    rules below judge the tree the study infers from the history
//!    (`hyperspace_engine::joint_space`), the one the delegate models;
//!    `tpe` if a parameter stays out of it (present under two choices, or
//!    following a number), since the GP draws such a parameter uniformly
//!    and TPE models it from the trials that had it. With the tree
//!    inferred the GP wins define-by-run as it does define-and-run:
//!    model-selection 5.9e-4 vs TPE 0.0151, conditional 4.3e-10 vs
//!    6.4e-4 (`compare.py`, 20 seeds; `benches/README.md`, "Define-by-run
//!    trees").
//! 3. **A top-level categorical that carries no branches** (a choice of
//!    shape, of criterion) → `tpe`: mixed 0.502 vs gp 0.951, noisy-mixed
//!    0.540 vs 0.971, tree-winequality mean rank 1.3 vs 1.7.
//! 4. **More than `gp_max_params` (20) parameters** → `tpe`: the GP's fit
//!    and acquisition grow with the dimension; TPE's cost does not.
//! 5. **Trial number below `gp_trials` (200)** → `gp`: numeric spaces and
//!    declared branches (define-and-run), one objective or several (the
//!    GP's log-EHVI: hypervolume ratio at 100 trials 0.998 vs TPE's 0.872
//!    on ZDT1, 0.998 vs 0.837 on ZDT2, 0.959 vs 0.920 on DTLZ2). GP vs
//!    TPE with one objective: branin 3.3e-6 vs
//!    0.0091, hartmann6 0.060 vs 0.128, rosenbrock 10.4 vs 26.8, ackley
//!    2.56 vs 5.29, levy rank 1.4 vs 1.6, elasticnet-diabetes 3.8e-8 vs
//!    3.6e-5, conditional 6.3e-10 vs 8.7e-4, model-selection 1.9e-4 vs
//!    0.0156.
//! 6. **Long runs** → `cmaes` when every parameter is numeric and
//!    top-level and there is one objective, warm-started from the best of
//!    the first `gp_trials` trials; `tpe` otherwise (CMA-ES draws
//!    categoricals and branches at random, and takes one objective). At
//!    200 trials CMA-ES and TPE tie on mean rank (2.30 vs 2.24,
//!    `benches/README.md` "Results: CMA-ES") while the GP costs 350× the
//!    search time (942 s vs 2.7 s for 50 runs) and keeps growing.

use super::settings::ValidAutoSettings;
use hyperspace_engine::{joint_space, SearchContext, Space, TrialState};

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
    let inferred;
    let mut space = ctx.space;
    let mut untreed = false;
    if branches_by_run(ctx) {
        // Judged by the tree the study reads off the history, as the
        // delegate will see it; a parameter left out of it is drawn alone.
        inferred = joint_space(ctx.trials, ctx.space);
        untreed = inferred.len() < ctx.space.len();
        space = &inferred;
    }
    if settings.hyperband.is_some() {
        Delegate::Hyperband
    } else if untreed || has_flat_categorical(space) || space.len() > settings.gp_max_params {
        Delegate::Tpe
    } else if ctx.trial_number < settings.gp_trials {
        Delegate::Gp
    } else if ctx.directions().len() > 1
        || space
            .entries()
            .iter()
            .any(|e| e.condition.is_some() || e.param.is_categorical())
    {
        Delegate::Tpe
    } else {
        Delegate::Cmaes
    }
}

/// Whether the history shows branches the space does not declare: a
/// define-by-run study (whose space records no branches) with a parameter
/// missing from some complete trial (pruned ones may have stopped before
/// their last suggestion). Older trials read with the defaults of
/// parameters added later, so a grown space alone does not count.
fn branches_by_run(ctx: &SearchContext<'_>) -> bool {
    let entries = ctx.space.entries();
    entries.iter().all(|e| e.condition.is_none())
        && ctx
            .trials
            .iter()
            .filter(|t| t.state == TrialState::Complete)
            .any(|t| entries.iter().any(|e| !t.params.contains_key(&e.name)))
}

/// Whether a top-level categorical parameter brings no sub-parameters (a
/// plain choice, not a branch point).
fn has_flat_categorical(space: &Space) -> bool {
    let entries = space.entries();
    entries.iter().enumerate().any(|(i, e)| {
        e.condition.is_none()
            && e.param.is_categorical()
            && !entries
                .iter()
                .any(|c| c.condition.as_ref().is_some_and(|c| c.parent == i))
    })
}
