//! TPE's split of the history into good and bad trials.
//!
//! Finished trials are ranked in three tiers, as Optuna's TPE does: complete
//! feasible trials first, then pruned feasible ones (further along first,
//! then by their last value), then infeasible ones by total violation (less
//! first), so constraints steer the search also for one objective. The best
//! `min(ceil(gamma n), max_good)` are good.
//!
//! Complete trials are ranked by loss for one objective; with several
//! (MOTPE, Ozaki et al. 2020/2022), by non-domination front, and the front
//! that straddles the split gives its good share by greedy hypervolume
//! subset selection, so the good set spreads along the front instead of
//! piling up at one end of it.

use super::algorithm::failed;
use super::settings::{RunningTrials, TpeSettings};
use hyperspace_engine::{total_violation, SearchContext, SearchError, Trial, TrialState};
use hyperspace_surrogate::pareto::{
    hypervolume_contributions, hypervolume_subset, non_dominated_fronts,
};
use std::cmp::Ordering;

/// Which side of the split each trial of the history is on, by position in
/// `SearchContext::trials` (so both sides stay in age order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Out,
    Good,
    Bad,
}

/// The split: each trial's side, and for several objectives the weight of
/// each good trial in the good density.
#[derive(Debug, Clone)]
pub(super) struct Split {
    /// By position in `SearchContext::trials`.
    pub sides: Vec<Side>,
    /// Weights of good trials by position (others unused); `None`: the
    /// usual age-based weights.
    pub good_weights: Option<Vec<f64>>,
}

impl Split {
    /// The weight of trial `i` if it is good and weights were given.
    pub fn weight(&self, i: usize) -> f64 {
        self.good_weights.as_ref().map_or(1.0, |w| w[i])
    }
}

/// A trial's place in the ranking when it is not ranked by Pareto fronts:
/// tier (0 complete, 1 pruned, 2 infeasible), then two keys, smaller better.
type Key = (u8, f64, f64);

/// The sides of every trial, with running trials counted as bad under the
/// constant liar; `None` while fewer than `n_startup_trials` trials can be
/// ranked.
pub(super) fn split(
    ctx: &SearchContext<'_>,
    s: &TpeSettings,
) -> Result<Option<Split>, SearchError> {
    split_among(ctx, s, s.n_startup_trials.max(1), &|_| true)
}

/// The split of a branch: the trials in which it was active (`active`)
/// ranked among themselves, every other trial `Out`; `None` if none can
/// be ranked.
///
/// Why not the global split: the best family of a model-selection space
/// may look worst on average, so none of its trials is among the study's
/// best `gamma` share until one lands in its optimum. With the global split
/// its parameters' good density is then the prior alone, and the branch is
/// searched at random; ranked within the branch, its best trials guide the
/// search there every time the branch is chosen (the choice itself is
/// still modelled from the global split).
pub(super) fn split_branch(
    ctx: &SearchContext<'_>,
    s: &TpeSettings,
    active: &dyn Fn(&Trial) -> bool,
) -> Result<Option<Split>, SearchError> {
    split_among(ctx, s, 1, active)
}

/// The split of the trials `active` keeps, once at least `min_ranked` can
/// be ranked.
fn split_among(
    ctx: &SearchContext<'_>,
    s: &TpeSettings,
    min_ranked: usize,
    active: &dyn Fn(&Trial) -> bool,
) -> Result<Option<Split>, SearchError> {
    let objectives = ctx.directions().len();
    let losses_of = |t: &Trial| -> Option<Vec<f64>> {
        let usable = objectives > 1
            && t.state == TrialState::Complete
            && t.values.len() == objectives
            && t.values.iter().all(|v| !v.is_nan());
        usable.then(|| {
            let pairs = t.values.iter().zip(ctx.directions());
            pairs.map(|(v, d)| d.to_loss(*v)).collect()
        })
    };
    // Complete feasible trials of a multi-objective study, ranked by
    // fronts; everything else ranked by `Key`.
    let mut pareto: Vec<(usize, Vec<f64>)> = Vec::new();
    let mut ranked: Vec<(usize, Key)> = Vec::with_capacity(ctx.trials.len());
    // Under the constant liar, the running trials (counted as bad below),
    // found in this pass: a second pass over the trials, each a cache miss
    // after the models' arrays went through the caches, cost about 1 % of
    // a 40-float TPE study's samples. None of them is ranked (no finished
    // value), so marking them after the ranking is what a pass after it did.
    let liar = s.constant_liar == RunningTrials::ConstantLiar;
    let mut running = Vec::new();
    for (i, t) in ctx.trials.iter().enumerate() {
        let Some(v) = t.finished_value().filter(|_| active(t)) else {
            let runs = !t.state.is_finished() && t.number != ctx.trial_number;
            if liar && runs && !t.params.is_empty() && active(t) {
                running.push(i);
            }
            continue;
        };
        let violation = total_violation(&t.constraints);
        if violation > 0.0 {
            ranked.push((i, (2, violation, 0.0)));
            continue;
        }
        let loss = ctx.direction.to_loss(v);
        match t.state {
            TrialState::Pruned => {
                let step = t
                    .last_intermediate()
                    .map(|(step, _)| step as f64)
                    .unwrap_or(0.0);
                ranked.push((i, (1, -step, loss)));
            }
            _ if objectives > 1 => {
                // A complete trial without a usable value per objective
                // cannot be placed on a front: left out.
                if let Some(losses) = losses_of(t) {
                    pareto.push((i, losses));
                }
            }
            _ => ranked.push((i, (0, 0.0, loss))),
        }
    }
    let n = pareto.len() + ranked.len();
    if n < min_ranked {
        return Ok(None);
    }
    let n_good = ((s.gamma * n as f64).ceil() as usize).clamp(1, s.max_good.min(n));
    let mut sides = vec![Side::Out; ctx.trials.len()];
    let from_fronts = best_by_fronts(&pareto, n_good)?;
    for (k, (i, _)) in pareto.iter().enumerate() {
        sides[*i] = if from_fronts.contains(&k) {
            Side::Good
        } else {
            Side::Bad
        };
    }
    let n_good = n_good - from_fronts.len();
    let order = |a: &(usize, Key), b: &(usize, Key)| -> Ordering {
        let (x, y) = (a.1, b.1);
        x.0.cmp(&y.0)
            .then(x.1.total_cmp(&y.1))
            .then(x.2.total_cmp(&y.2))
            .then(a.0.cmp(&b.0))
    };
    // Only the good set's membership matters: a selection, not a sort.
    if n_good > 0 && n_good < ranked.len() {
        ranked.select_nth_unstable_by(n_good - 1, order);
    }
    for (rank, (i, _)) in ranked.iter().enumerate() {
        sides[*i] = if rank < n_good { Side::Good } else { Side::Bad };
    }
    for i in running {
        sides[i] = Side::Bad;
    }
    let good_weights = good_weights(&pareto, &from_fronts, ctx.trials.len())?;
    Ok(Some(Split {
        sides,
        good_weights,
    }))
}

/// For several objectives, each good trial weighs its exclusive hypervolume
/// contribution within the good set, relative to the largest (Ozaki et
/// al. 2022; Optuna does the same): the good density then centres on the
/// good set's own front, spread along it, and good trials that another good
/// one dominates (and pruned or infeasible ones) get no kernel of their own.
/// `None` (age-based weights) when fewer than two good trials are on
/// fronts, or their volume cannot be compared (infinite losses, all equal).
fn good_weights(
    pareto: &[(usize, Vec<f64>)],
    good: &[usize],
    trials: usize,
) -> Result<Option<Vec<f64>>, SearchError> {
    if good.len() < 2 {
        return Ok(None);
    }
    let losses: Vec<&[f64]> = good.iter().map(|&k| pareto[k].1.as_slice()).collect();
    let Some(reference) = reference_point(&losses) else {
        return Ok(None);
    };
    let contributions = hypervolume_contributions(&losses, &reference).map_err(failed)?;
    let largest = contributions.iter().copied().fold(0.0, f64::max);
    if !(largest > 0.0 && largest.is_finite()) {
        return Ok(None);
    }
    let mut weights = vec![0.0; trials];
    for (&k, c) in good.iter().zip(contributions) {
        weights[pareto[k].0] = c / largest;
    }
    Ok(Some(weights))
}

/// Positions in `points` of the best `k` (all of them if fewer): whole
/// non-domination fronts while they fit, then the hypervolume subset of the
/// front that straddles `k`.
fn best_by_fronts(points: &[(usize, Vec<f64>)], k: usize) -> Result<Vec<usize>, SearchError> {
    if k >= points.len() {
        return Ok((0..points.len()).collect());
    }
    let losses: Vec<&[f64]> = points.iter().map(|(_, l)| l.as_slice()).collect();
    let fronts = non_dominated_fronts(&losses).map_err(failed)?;
    let mut good: Vec<usize> = Vec::with_capacity(k);
    for front in fronts {
        let room = k - good.len();
        if front.len() <= room {
            good.extend(front);
            if good.len() == k {
                break;
            }
            continue;
        }
        let members: Vec<&[f64]> = front.iter().map(|&j| losses[j]).collect();
        let chosen = match reference_point(&members) {
            Some(reference) => hypervolume_subset(&members, room, &reference).map_err(failed)?,
            // Infinite losses leave no volume to compare: oldest first.
            None => (0..room).collect(),
        };
        good.extend(chosen.into_iter().map(|c| front[c]));
        break;
    }
    Ok(good)
}

/// A reference point just beyond the worst member of a front in every
/// objective, so that each member, the extreme ones included, owns some
/// volume: the worst value plus a tenth of the front's span (or of the
/// value itself, when it is larger, as Optuna's `1.1 × worst` does).
/// `None` when a loss is infinite.
fn reference_point(members: &[&[f64]]) -> Option<Vec<f64>> {
    let m = members.first()?.len();
    (0..m)
        .map(|j| {
            let column = members.iter().map(|p| p[j]);
            let worst = column.clone().fold(f64::NEG_INFINITY, f64::max);
            let best = column.fold(f64::INFINITY, f64::min);
            let margin = 0.1 * (worst - best).max(worst.abs());
            let margin = if margin > 0.0 { margin } else { 1.0 };
            let r = worst + margin;
            (r.is_finite() && best.is_finite() && r > worst).then_some(r)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pruners::test_support::trial;
    use hyperspace_engine::{Direction, Objective, Space};

    /// A complete trial with these values and constraints.
    fn done(number: i64, values: &[f64], constraints: &[f64]) -> Trial {
        let mut t = trial(number, TrialState::Complete, &[]);
        t.value = values.first().copied();
        t.values = values.to_vec();
        t.constraints = constraints.to_vec();
        t
    }

    fn good(trials: &[Trial], objectives: &[Objective], settings: &TpeSettings) -> Vec<u64> {
        let space = Space::empty();
        let ctx = SearchContext {
            space: &space,
            trials,
            direction: objectives[0].direction,
            objectives,
            study_seed: 0,
            trial_number: trials.len() as u64,
        };
        let sides = split(&ctx, settings).unwrap().unwrap().sides;
        let numbers = trials.iter().zip(sides).filter(|(_, s)| *s == Side::Good);
        numbers.map(|(t, _)| t.number).collect()
    }

    fn settings(gamma: f64) -> TpeSettings {
        TpeSettings {
            n_startup_trials: 1,
            gamma,
            ..TpeSettings::default()
        }
    }

    /// Whole fronts first; of the front that straddles the split, the
    /// members that keep the most hypervolume: the knee before the ends.
    #[test]
    fn several_objectives_split_by_front_then_hypervolume() {
        let min = Objective::new(Direction::Minimize);
        let max = Objective::new(Direction::Maximize);
        let trials = [
            done(0, &[0.0, 1.0], &[]),   // front 1
            done(1, &[1.0, 0.0], &[]),   // front 1
            done(2, &[0.5, 0.5], &[]),   // front 1, the knee
            done(3, &[0.9, 0.9], &[]),   // front 2
            done(4, &[-0.2, 0.4], &[]),  // front 0
            done(5, &[0.4, -0.2], &[]),  // front 0
            done(6, &[0.49, 0.51], &[]), // front 1, next to the knee
        ];
        let objectives = [min.clone(), min.clone()];
        // 3 of 7: front 0, then the knee (2) of front 1.
        assert_eq!(good(&trials, &objectives, &settings(0.4)), [2, 4, 5]);
        // 5 of 7: then the two ends of front 1, not 6 beside the knee.
        assert_eq!(good(&trials, &objectives, &settings(0.7)), [0, 1, 2, 4, 5]);
        // Maximizing the second objective turns its order around.
        let flipped: Vec<Trial> = trials
            .iter()
            .map(|t| done(t.number as i64, &[t.values[0], -t.values[1]], &[]))
            .collect();
        assert_eq!(
            good(&flipped, &[min, max], &settings(0.4)),
            [2, 4, 5],
            "directions"
        );
    }

    /// Good trials weigh their share of the good set's hypervolume: one
    /// that another good trial dominates weighs nothing.
    #[test]
    fn good_trials_of_several_objectives_weigh_their_contribution() {
        let min = Objective::new(Direction::Minimize);
        let trials = [
            done(0, &[0.5, 0.5], &[]),
            done(1, &[-0.2, 0.4], &[]),
            done(2, &[0.4, -0.2], &[]),
            done(3, &[0.1, 0.1], &[]),
            done(4, &[0.9, 0.9], &[]),
            done(5, &[1.0, 1.0], &[]),
        ];
        let space = Space::empty();
        let objectives = [min.clone(), min];
        let ctx = SearchContext {
            space: &space,
            trials: &trials,
            direction: Direction::Minimize,
            objectives: &objectives,
            study_seed: 0,
            trial_number: 6,
        };
        // Good: 1, 2, 3 (front 0) and 0 (front 1).
        let split = split(&ctx, &settings(0.6)).unwrap().unwrap();
        let w = split.good_weights.unwrap();
        // Reference (0.5 + 0.07, 0.5 + 0.07) from the good set's worst
        // and span; 0 is dominated by 3; 1 and 2 are mirror images.
        assert_eq!(split.sides[..4], [Side::Good; 4]);
        assert_eq!(w[0], 0.0);
        assert_eq!(w[1], w[2]);
        // 3's box beyond 1 and 2: (0.4 - 0.1)^2 = 0.09; 1's: 0.3 × 0.17.
        assert!((w[1] - 0.3 * 0.17 / 0.09).abs() < 1e-12, "{w:?}");
        assert_eq!(w[3], 1.0);
        // One objective keeps the age-based weights.
        let one = [Objective::new(Direction::Minimize)];
        let ctx = SearchContext {
            objectives: &one,
            ..ctx
        };
        assert!(split_of(&ctx).good_weights.is_none());
    }

    fn split_of(ctx: &SearchContext<'_>) -> Split {
        split(ctx, &settings(0.6)).unwrap().unwrap()
    }

    /// Feasible trials before infeasible ones, which rank by total
    /// violation, whatever their values; for one objective and several.
    #[test]
    fn infeasible_trials_come_last_by_violation() {
        let min = Objective::new(Direction::Minimize);
        let trials = [
            done(0, &[5.0, 5.0], &[-1.0]),
            done(1, &[0.0, 0.0], &[2.0]),
            done(2, &[0.0, 0.0], &[0.5, 0.25]),
            done(3, &[4.0, 6.0], &[]),
            done(4, &[-9.0, -9.0], &[f64::NAN]),
        ];
        for objectives in [vec![min.clone()], vec![min.clone(), min.clone()]] {
            let m = objectives.len();
            assert_eq!(good(&trials, &objectives, &settings(0.4)), [0, 3], "{m}");
            assert_eq!(good(&trials, &objectives, &settings(0.6)), [0, 2, 3], "{m}");
            assert_eq!(
                good(&trials, &objectives, &settings(0.8)),
                [0, 1, 2, 3],
                "{m}"
            );
        }
    }

    #[test]
    fn a_front_with_an_infinite_loss_is_split_by_age() {
        let min = Objective::new(Direction::Minimize);
        let trials = [
            done(0, &[f64::INFINITY, 0.0], &[]),
            done(1, &[1.0, 1.0], &[]),
            done(2, &[0.0, 2.0], &[]),
        ];
        assert_eq!(good(&trials, &[min.clone(), min], &settings(0.5)), [0, 1]);
    }
}
