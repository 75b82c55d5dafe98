//! What a study optimizes: one or more objectives, each a direction and
//! (optionally) the name of the metric it reads; and which trials are best
//! under them, constraints included.
//!
//! The Pareto front here is the plain O(M·N²) filter, enough for the
//! hundreds to few thousands of trials a study holds. When the
//! surrogate's fast non-dominated sorting (`surrogate/src/pareto/`) lands,
//! [`pareto_front`] should call it instead; its contract (the feasible
//! finished trials no other such trial dominates, in trial order) stays.

use crate::{Direction, Trial, TrialState};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One objective of a study.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objective {
    /// The metric it reads, for runs whose command prints several (`None`:
    /// the value told directly, or the command's one result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether smaller or larger values are better.
    #[serde(default)]
    pub direction: Direction,
}

impl Objective {
    /// An objective without a metric name.
    pub fn new(direction: Direction) -> Self {
        Self {
            name: None,
            direction,
        }
    }

    /// An objective read from the metric `name`.
    pub fn named(name: &str, direction: Direction) -> Self {
        Self {
            name: Some(name.to_string()),
            direction,
        }
    }

    /// Parses `NAME:DIRECTION` (`val_loss:minimize`, `acc:max`), or a
    /// bare `NAME`, which takes `default` (the command line's
    /// `--objective`).
    pub fn parse(text: &str, default: Direction) -> crate::Result<Self> {
        let (name, direction) = match text.rsplit_once(':') {
            Some((name, direction)) => (name.trim(), Direction::parse(direction.trim())?),
            None => (text.trim(), default),
        };
        if name.is_empty() {
            return Err(crate::StudyError::UnnamedObjective {
                given: text.to_string(),
            }
            .into());
        }
        Ok(Self::named(name, direction))
    }
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name}:{}", self.direction),
            None => write!(f, "{}", self.direction),
        }
    }
}

/// Whether values `a` are at least as good as `b` in every objective and
/// strictly better in one (both as long as `directions`).
pub fn dominates(a: &[f64], b: &[f64], directions: &[Direction]) -> bool {
    let mut strictly = false;
    for ((&x, &y), d) in a.iter().zip(b).zip(directions) {
        if d.better(y, x) {
            return false;
        }
        strictly |= d.better(x, y);
    }
    strictly
}

/// Whether a trial keeps every constraint it carries (`c <= 0` each; a
/// trial without constraints is feasible).
pub fn is_feasible(trial: &Trial) -> bool {
    trial.constraints.iter().all(|c| *c <= 0.0)
}

/// The total amount by which constraints `c <= 0` are broken: 0 for a
/// feasible trial (as [`is_feasible`] says), a NaN constraint counting as
/// infinitely broken. Searchers rank infeasible trials by it, less first.
pub fn total_violation(constraints: &[f64]) -> f64 {
    constraints
        .iter()
        .map(|&c| {
            if c.is_nan() {
                f64::INFINITY
            } else {
                c.max(0.0)
            }
        })
        .sum()
}

/// The trials that can be ranked: complete, feasible, with one value per
/// objective.
pub fn rankable<'a>(
    trials: impl IntoIterator<Item = &'a Trial>,
    objectives: usize,
) -> impl Iterator<Item = &'a Trial> {
    trials.into_iter().filter(move |t| {
        t.state == TrialState::Complete && t.values.len() == objectives && is_feasible(t)
    })
}

/// The Pareto front: the complete, feasible trials with a value for each
/// of `directions` that no other such trial dominates, in the order given.
/// Trials with equal values are all kept.
///
/// The Pareto math searchers and the suite use (fast non-dominated sorting
/// into every front, crowding, hypervolume) lives in
/// `hyperspace_surrogate::pareto`. The engine keeps this one filter over
/// trials (feasibility, directions, the first front only) because it
/// depends on no crate of ours: the dependency arrows point one way
/// (DESIGN.md), and a study's `best_trials` should not pull the model
/// library into every program that only stores trials.
pub fn pareto_front<'a>(
    trials: impl IntoIterator<Item = &'a Trial>,
    directions: &[Direction],
) -> Vec<&'a Trial> {
    let candidates: Vec<&Trial> = rankable(trials, directions.len()).collect();
    candidates
        .iter()
        .filter(|t| {
            !candidates
                .iter()
                .any(|o| dominates(&o.values, &t.values, directions))
        })
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Metadata, Params, StudyId, TrialId};

    fn trial(number: u64, values: &[f64], constraints: &[f64]) -> Trial {
        Trial {
            id: TrialId(number as i64),
            study: StudyId(1),
            number,
            state: TrialState::Complete,
            params: Params::new(),
            value: values.first().copied(),
            values: values.to_vec(),
            constraints: constraints.to_vec(),
            metrics: Default::default(),
            intermediate: Default::default(),
            intermediate_metrics: Default::default(),
            budget: None,
            parent: None,
            user_attrs: Default::default(),
            meta: Metadata::default(),
            message: None,
            change: 0,
        }
    }

    const MIN_MIN: [Direction; 2] = [Direction::Minimize, Direction::Minimize];

    /// A searcher sees every objective's direction, and complete trials'
    /// values as losses (smaller better in each).
    #[test]
    fn a_search_context_gives_directions_and_losses_of_every_objective() {
        let objectives = [
            Objective::named("err", Direction::Minimize),
            Objective::named("acc", Direction::Maximize),
        ];
        let mut pruned = trial(2, &[1.0, 1.0], &[]);
        pruned.state = TrialState::Pruned;
        let trials = [
            trial(0, &[0.5, 0.9], &[1.0]),
            trial(1, &[f64::NAN, 0.1], &[]),
            pruned,
            trial(3, &[0.2], &[]),
        ];
        let space = crate::Space::empty();
        let mut ctx = crate::SearchContext {
            space: &space,
            trials: &trials,
            direction: Direction::Minimize,
            objectives: &objectives,
            study_seed: 0,
            trial_number: 4,
        };
        assert_eq!(ctx.directions(), [Direction::Minimize, Direction::Maximize]);
        let scored: Vec<(u64, Vec<f64>)> = ctx.scored_all().map(|(t, l)| (t.number, l)).collect();
        assert_eq!(scored, [(0, vec![0.5, -0.9])]);
        // A hand-built context without objectives has one: `direction`.
        ctx.objectives = &[];
        ctx.direction = Direction::Maximize;
        assert_eq!(ctx.directions(), [Direction::Maximize]);
        let scored: Vec<u64> = ctx.scored_all().map(|(t, _)| t.number).collect();
        assert_eq!(scored, [3]);
    }

    #[test]
    fn violation_sums_what_is_broken_and_agrees_with_feasibility() {
        assert_eq!(total_violation(&[]), 0.0);
        assert_eq!(total_violation(&[-1.0, 0.0]), 0.0);
        assert_eq!(total_violation(&[0.5, -3.0, 0.25]), 0.75);
        assert_eq!(total_violation(&[f64::NAN]), f64::INFINITY);
        for c in [vec![], vec![-1.0, 0.0], vec![0.5], vec![f64::NAN, -1.0]] {
            let t = trial(0, &[1.0], &c);
            assert_eq!(is_feasible(&t), total_violation(&c) == 0.0, "{c:?}");
        }
    }

    #[test]
    fn dominance_needs_no_worse_everywhere_and_better_somewhere() {
        assert!(dominates(&[1.0, 1.0], &[2.0, 1.0], &MIN_MIN));
        assert!(!dominates(&[1.0, 1.0], &[1.0, 1.0], &MIN_MIN));
        assert!(!dominates(&[1.0, 3.0], &[2.0, 1.0], &MIN_MIN));
        let min_max = [Direction::Minimize, Direction::Maximize];
        assert!(dominates(&[1.0, 3.0], &[2.0, 1.0], &min_max));
        assert!(!dominates(&[2.0, 1.0], &[1.0, 3.0], &min_max));
    }

    #[test]
    fn the_front_keeps_the_non_dominated_feasible_complete_trials() {
        let mut pruned = trial(5, &[0.0, 0.0], &[]);
        pruned.state = TrialState::Pruned;
        let trials = [
            trial(0, &[1.0, 4.0], &[]),
            trial(1, &[2.0, 2.0], &[-1.0]),
            trial(2, &[3.0, 3.0], &[]),     // dominated by 1
            trial(3, &[4.0, 1.0], &[0.0]),  // on the boundary: feasible
            trial(4, &[0.5, 0.5], &[0.25]), // best, but infeasible
            pruned,
            trial(6, &[2.0, 2.0], &[]), // equal to 1: both kept
            trial(7, &[1.0], &[]),      // too few values
        ];
        let numbers: Vec<u64> = pareto_front(&trials, &MIN_MIN)
            .iter()
            .map(|t| t.number)
            .collect();
        assert_eq!(numbers, [0, 1, 3, 6]);
        let maxes = [Direction::Maximize, Direction::Maximize];
        let numbers: Vec<u64> = pareto_front(&trials, &maxes)
            .iter()
            .map(|t| t.number)
            .collect();
        assert_eq!(numbers, [0, 2, 3]);
    }

    #[test]
    fn objectives_parse_from_the_command_line_form() {
        let min = Direction::Minimize;
        assert_eq!(
            Objective::parse("val_loss:minimize", Direction::Maximize).unwrap(),
            Objective::named("val_loss", min)
        );
        assert_eq!(
            Objective::parse("a:b:max", min).unwrap(),
            Objective::named("a:b", Direction::Maximize)
        );
        assert_eq!(
            Objective::parse("acc", Direction::Maximize).unwrap(),
            Objective::named("acc", Direction::Maximize)
        );
        let err = Objective::parse("loss:smaller", min)
            .unwrap_err()
            .to_string();
        assert!(err.contains("smaller"), "{err}");
        let err = Objective::parse(":min", min).unwrap_err().to_string();
        assert!(err.contains("no metric name"), "{err}");
    }
}
