//! Who may be a parent: finished trials ranked by Deb's constrained
//! domination (feasible ones by non-dominated front, then crowding
//! distance; infeasible ones after them all, by total violation), the best
//! `population_size` kept, and binary tournaments among those.

use hyperspace_surrogate::pareto::{crowding_distance, non_dominated_fronts};
use hyperspace_surrogate::SurrogateError;
use rand::{Rng, RngCore};
use std::cmp::Ordering;

/// A finished trial's standing: a lower rank is better; within a rank, a
/// larger crowding distance (more room around it) is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Standing {
    /// The front of a feasible trial; for infeasible ones, the number of
    /// fronts plus their place in order of violation.
    pub rank: usize,
    /// Crowding distance within the front (0 for infeasible trials).
    pub crowding: f64,
}

impl Standing {
    /// Better first.
    fn cmp(&self, other: &Self) -> Ordering {
        self.rank
            .cmp(&other.rank)
            .then_with(|| other.crowding.total_cmp(&self.crowding))
    }
}

/// The standing of each candidate, given its losses (smaller better in each
/// objective, no NaN) and its total violation
/// ([`hyperspace_engine::total_violation`]).
pub(super) fn standings(
    losses: &[Vec<f64>],
    violations: &[f64],
) -> Result<Vec<Standing>, SurrogateError> {
    let feasible: Vec<usize> = (0..losses.len())
        .filter(|&i| violations[i] <= 0.0)
        .collect();
    let points: Vec<&[f64]> = feasible.iter().map(|&i| losses[i].as_slice()).collect();
    let mut out = vec![
        Standing {
            rank: 0,
            crowding: 0.0
        };
        losses.len()
    ];
    let fronts = non_dominated_fronts(&points)?;
    for (rank, front) in fronts.iter().enumerate() {
        let members: Vec<&[f64]> = front.iter().map(|&j| points[j]).collect();
        for (&j, crowding) in front.iter().zip(crowding_distance(&members)?) {
            out[feasible[j]] = Standing { rank, crowding };
        }
    }
    // Infeasible: after every front, less violation first, equal ones tied.
    let mut infeasible: Vec<usize> = (0..losses.len()).filter(|&i| violations[i] > 0.0).collect();
    infeasible.sort_by(|&a, &b| violations[a].total_cmp(&violations[b]));
    let mut rank = fronts.len();
    for (k, &i) in infeasible.iter().enumerate() {
        if k > 0 && violations[i] > violations[infeasible[k - 1]] {
            rank += 1;
        }
        out[i] = Standing {
            rank,
            crowding: 0.0,
        };
    }
    Ok(out)
}

/// Indices of the best `size` candidates (ties broken by index, so the
/// pool is the same for the same history).
pub(super) fn pool(standings: &[Standing], size: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..standings.len()).collect();
    order.sort_by(|&a, &b| standings[a].cmp(&standings[b]).then(a.cmp(&b)));
    order.truncate(size);
    order
}

/// A binary tournament: two members of `pool` drawn at random (distinct
/// when the pool allows), the better one wins; a tie goes to the first.
pub(super) fn tournament(pool: &[usize], standings: &[Standing], rng: &mut dyn RngCore) -> usize {
    let a = rng.random_range(0..pool.len());
    let mut b = rng.random_range(0..pool.len().max(2) - 1);
    if pool.len() > 1 && b >= a {
        b += 1;
    }
    let (a, b) = (pool[a], pool[b.min(pool.len() - 1)]);
    if standings[b].cmp(&standings[a]) == Ordering::Less {
        b
    } else {
        a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn s(rank: usize, crowding: f64) -> Standing {
        Standing { rank, crowding }
    }

    #[test]
    fn feasible_trials_rank_by_front_and_infeasible_ones_by_violation_after_them() {
        let losses = vec![
            vec![1.0, 4.0], // front 0, extreme
            vec![2.0, 2.0], // front 0, middle
            vec![4.0, 1.0], // front 0, extreme
            vec![3.0, 3.0], // front 1
            vec![0.0, 0.0], // would dominate all, but infeasible
            vec![0.0, 0.0], // infeasible, less so
        ];
        let violations = [0.0, 0.0, 0.0, 0.0, 2.0, 0.5];
        let st = standings(&losses, &violations).unwrap();
        assert_eq!(st[0], s(0, f64::INFINITY));
        assert_eq!(st[2], s(0, f64::INFINITY));
        assert_eq!(st[1].rank, 0);
        assert!(st[1].crowding.is_finite() && st[1].crowding > 0.0);
        assert_eq!(st[3].rank, 1);
        assert_eq!(st[5], s(2, 0.0));
        assert_eq!(st[4], s(3, 0.0));
        assert_eq!(pool(&st, 4), [0, 2, 1, 3]);
        assert_eq!(pool(&st, 5), [0, 2, 1, 3, 5]);
    }

    #[test]
    fn tournaments_favour_the_better_and_draw_distinct_rivals() {
        let st = vec![s(0, 1.0), s(1, 5.0), s(2, 0.0), s(0, 2.0)];
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut wins = [0usize; 4];
        for _ in 0..4000 {
            wins[tournament(&[0, 1, 2, 3], &st, &mut rng)] += 1;
        }
        // The worst never wins against a distinct rival; the best wins
        // every tournament it enters (1/2 of them).
        assert_eq!(wins[2], 0);
        assert!((1800..2200).contains(&wins[3]), "{wins:?}");
        assert!(wins[3] > wins[0] && wins[0] > wins[1], "{wins:?}");
        // A pool of one always gives that one.
        assert_eq!(tournament(&[2], &st, &mut rng), 2);
    }
}
