//! Which trial belongs to which generation, and the run replayed from them.
//!
//! The rule, from the history alone (a proposal carries no notes, so the
//! generation of a trial is derived from trial numbers):
//!
//! 1. The first `warm_start_trials` trials (by number) are not part of the
//!    run; the best of them are its warm start.
//! 2. After them, every trial that has a value for each modelled parameter
//!    and is running, complete, or pruned with a value is a *member*, in
//!    trial-number order. Failed trials, pruned ones without a value and
//!    queued (waiting) ones are not members: they never ranked, or were not
//!    proposed by the run.
//! 3. Members fill generations in order: λ of the current run per
//!    generation. A generation is told to CMA-ES once all its members have
//!    finished — or, so that one lost worker cannot hold the run forever,
//!    once the *next* generation is full too, with those of its members that
//!    have finished (at least 2).
//! 4. After each told generation, the stall tests may restart the run
//!    (IPOP): λ grows by `popsize_factor`, and the new mean is drawn from a
//!    stream seeded by the study's seed and the restart's index.
//!
//! A new trial is the next member. It is drawn from the distribution after
//! the last told generation, so the q trials of a generation that q workers
//! run at once come from the same distribution, each with its own trial's
//! random stream: no duplicates, and no waiting for each other.

use super::settings::{Restart, ValidCmaesSettings};
use hyperspace_engine::{Param, SearchContext, SearchError, Space, TrialState};
use hyperspace_surrogate::cmaes::{CmaState, Coordinate, StallTest};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

/// The parameters the run models: the space's top-level numeric ones.
#[derive(Debug, Clone)]
pub(super) struct Modelled {
    pub names: Vec<String>,
    pub params: Vec<Param>,
    pub kinds: Vec<Coordinate>,
}

impl Modelled {
    pub fn of(space: &Space) -> Self {
        let mut m = Modelled {
            names: Vec::new(),
            params: Vec::new(),
            kinds: Vec::new(),
        };
        for e in space.entries() {
            if e.condition.is_some() || e.param.is_categorical() {
                continue;
            }
            let kind = match e.param.levels() {
                Some(levels) => Coordinate::Discrete { levels },
                None => Coordinate::Continuous,
            };
            m.names.push(e.name.clone());
            m.params.push(e.param.clone());
            m.kinds.push(kind);
        }
        m
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// One member of the run: its point, and its loss once finished.
#[derive(Debug, Clone)]
pub(super) struct Member {
    pub x: Vec<f64>,
    pub loss: Option<f64>,
}

/// The history read by the rule above: the warm-start points and the
/// members, in order.
#[derive(Debug, Clone)]
pub(super) struct History {
    pub warm: Vec<(Vec<f64>, f64)>,
    pub members: Vec<Member>,
}

impl History {
    pub fn read(ctx: &SearchContext<'_>, modelled: &Modelled, warm_start_trials: u64) -> Self {
        let mut history = History {
            warm: Vec::new(),
            members: Vec::new(),
        };
        for t in ctx.trials {
            if t.number == ctx.trial_number {
                continue;
            }
            let point: Option<Vec<f64>> = modelled
                .names
                .iter()
                .zip(&modelled.params)
                .map(|(name, p)| t.params.get(name).and_then(|v| p.to_unit(v)))
                .collect();
            let Some(x) = point else { continue };
            // A NaN result ranks last rather than poisoning the sort.
            let loss = t.finished_value().map(|v| {
                let loss = ctx.direction.to_loss(v);
                if loss.is_nan() {
                    f64::INFINITY
                } else {
                    loss
                }
            });
            if t.number < warm_start_trials {
                if let Some(loss) = loss {
                    history.warm.push((x, loss));
                }
                continue;
            }
            let member = match (t.state, loss) {
                (TrialState::Running, _) => Member { x, loss: None },
                (TrialState::Complete | TrialState::Pruned, Some(loss)) => Member {
                    x,
                    loss: Some(loss),
                },
                _ => continue,
            };
            history.members.push(member);
        }
        history
    }
}

/// The run after replaying a history: the distribution, and how far into
/// the members it got (so the next proposal can resume from here when the
/// history only grew).
#[derive(Debug, Clone)]
pub(super) struct Run {
    pub state: CmaState,
    /// IPOP restarts so far (read by the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub restarts: u32,
    /// Generations told, over all restarts (read by the tests).
    #[cfg_attr(not(test), allow(dead_code))]
    pub told: u64,
    stall: StallTest,
    lambda: usize,
    /// Members told (or skipped as part of a told generation).
    at: usize,
    /// Digest of what the replay started from (settings aside: one
    /// searcher has one): the modelled parameters, warm start and seed.
    origin: u64,
    /// Digest of `members[..at]`.
    consumed: u64,
}

/// Replays `history` through CMA-ES under the rule above; resumes from
/// `previous` if it was replayed from the same start and its members are a
/// prefix of `history`'s (the result is the same either way).
pub(super) fn replay(
    settings: &ValidCmaesSettings,
    modelled: &Modelled,
    history: &History,
    study_seed: u64,
    previous: Option<Run>,
) -> Result<Run, SearchError> {
    let s = settings.get();
    let n = modelled.kinds.len();
    let stopping = settings.stopping();
    let members = &history.members;
    let origin = origin_digest(modelled, &history.warm, study_seed);
    let resumable = |r: &Run| {
        r.origin == origin && r.at <= members.len() && digest(&members[..r.at]) == r.consumed
    };
    let mut run = match previous {
        Some(r) if resumable(&r) => r,
        _ => {
            let lambda = settings.population(n);
            Run {
                state: first_state(settings, modelled, &history.warm, lambda)?,
                restarts: 0,
                told: 0,
                stall: StallTest::new(),
                lambda,
                at: 0,
                origin,
                consumed: digest(&[]),
            }
        }
    };
    while members.len() - run.at >= run.lambda {
        let (at, lambda) = (run.at, run.lambda);
        let generation = &members[at..at + lambda];
        let next_full = members.len() - (at + lambda) >= lambda;
        let scored: Vec<(Vec<f64>, f64)> = generation
            .iter()
            .filter_map(|m| m.loss.map(|l| (m.x.clone(), l)))
            .collect();
        let ready = scored.len() == lambda || (next_full && scored.len() >= 2);
        if !ready {
            break;
        }
        run.at += lambda;
        run.consumed = digest(&members[..run.at]);
        run.told += 1;
        let losses: Vec<f64> = scored.iter().map(|(_, l)| *l).collect();
        let failed = run.state.tell(&scored).is_err();
        let stalled = failed || run.stall.stalled(&run.state, &losses, &stopping);
        if stalled && s.restart == Restart::Ipop {
            run.restarts += 1;
            run.lambda = run.lambda.saturating_mul(s.popsize_factor);
            let mut rng = ChaCha8Rng::seed_from_u64(restart_seed(study_seed, run.restarts));
            let mean: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
            run.state = with_margin(
                CmaState::new(mean, s.sigma0, modelled.kinds.clone(), run.lambda),
                settings,
            )?;
            run.stall = StallTest::new();
        }
    }
    Ok(run)
}

/// A digest of members' points and losses (running ones included).
fn digest(members: &[Member]) -> u64 {
    let mut h = DefaultHasher::new();
    for m in members {
        m.x.iter().for_each(|v| v.to_bits().hash(&mut h));
        m.loss.map(f64::to_bits).hash(&mut h);
    }
    h.finish()
}

fn origin_digest(modelled: &Modelled, warm: &[(Vec<f64>, f64)], seed: u64) -> u64 {
    let mut h = DefaultHasher::new();
    modelled.names.hash(&mut h);
    seed.hash(&mut h);
    for (x, loss) in warm {
        x.iter().for_each(|v| v.to_bits().hash(&mut h));
        loss.to_bits().hash(&mut h);
    }
    h.finish()
}

/// The first run's distribution: warm-started from `warm` if it has at
/// least 2 points, else centred with σ0.
fn first_state(
    settings: &ValidCmaesSettings,
    modelled: &Modelled,
    warm: &[(Vec<f64>, f64)],
    lambda: usize,
) -> Result<CmaState, SearchError> {
    let kinds = modelled.kinds.clone();
    let warm = CmaState::warm_start(warm, kinds.clone(), lambda).map_err(unsupported)?;
    let state = match warm {
        Some(state) => Ok(state),
        None => CmaState::new(vec![0.5; kinds.len()], settings.get().sigma0, kinds, lambda),
    };
    with_margin(state, settings)
}

fn with_margin(
    state: Result<CmaState, hyperspace_surrogate::SurrogateError>,
    settings: &ValidCmaesSettings,
) -> Result<CmaState, SearchError> {
    let state = state.map_err(unsupported)?;
    Ok(match settings.get().margin {
        Some(alpha) => state.with_margin(alpha),
        None => state,
    })
}

fn unsupported(e: hyperspace_surrogate::SurrogateError) -> SearchError {
    SearchError::Unsupported {
        searcher: "cmaes".into(),
        reason: e.to_string(),
    }
}

/// The seed of restart `k`'s random mean: the study's seed, mixed so that
/// neighbouring seeds and restarts give unrelated streams.
fn restart_seed(study_seed: u64, k: u32) -> u64 {
    study_seed ^ 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(u64::from(k) + 1)
}
