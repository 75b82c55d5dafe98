//! The statistics of a suite run: per problem and searcher, the spread of
//! simple regret at 25%, 50% and 100% of the budget, the mean rank among
//! searchers, and the paired comparison with the baseline (random search).

use crate::runner::{ProblemInfo, RunRecord, RunStop};
use crate::stats::{ranks, Paired, Spread, SIGNIFICANCE};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The fractions of the budget at which regret is reported.
pub const FRACTIONS: [f64; 3] = [0.25, 0.5, 1.0];

/// One searcher on one problem, over its seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// The problem.
    pub problem: String,
    /// The searcher's label.
    pub searcher: String,
    /// Runs that entered the statistics.
    pub runs: usize,
    /// Runs that failed (a bug to look at).
    pub failed: usize,
    /// Runs whose searcher cannot search this space.
    pub unsupported: usize,
    /// Regret spread at each of [`FRACTIONS`] of the budget; `None` with no
    /// runs.
    pub regret: Option<[Spread; 3]>,
    /// Mean over seeds of the rank (1 = best) of the final regret among the
    /// searchers that ran that seed.
    pub mean_rank: Option<f64>,
    /// Final regret against the baseline's, paired by seed (absent for the
    /// baseline itself).
    pub vs_baseline: Option<Paired>,
}

impl Cell {
    /// The median final regret.
    pub fn final_median(&self) -> Option<f64> {
        self.regret.map(|r| r[2].median)
    }
}

/// One searcher over every problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overall {
    /// The searcher's label.
    pub searcher: String,
    /// The mean over problems of its mean rank.
    pub mean_rank: Option<f64>,
    /// Wins, ties and losses against the baseline over every (problem,
    /// seed) pair, with a sign test on the pooled counts.
    pub vs_baseline: Option<Paired>,
    /// Problems where it beats the baseline (Wilcoxon p < 0.05).
    pub problems_better: usize,
    /// Problems where the baseline beats it (Wilcoxon p < 0.05).
    pub problems_worse: usize,
}

/// Every statistic of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The baseline's label.
    pub baseline: Option<String>,
    /// The budget the fractions refer to.
    pub budget: usize,
    /// By problem, then searcher.
    pub cells: Vec<Cell>,
    /// By searcher.
    pub overall: Vec<Overall>,
}

impl Summary {
    /// Computes the statistics of `runs`.
    pub fn compute(
        problems: &[ProblemInfo],
        searchers: &[String],
        runs: &[RunRecord],
        budget: usize,
        baseline: Option<&str>,
    ) -> Self {
        // final[(problem, searcher)][seed] = final regret of counted runs.
        let mut by_cell: BTreeMap<(&str, &str), Vec<&RunRecord>> = BTreeMap::new();
        for r in runs {
            by_cell
                .entry((r.problem.as_str(), r.searcher.as_str()))
                .or_default()
                .push(r);
        }
        let finals = |problem: &str, searcher: &str| -> BTreeMap<usize, f64> {
            by_cell
                .get(&(problem, searcher))
                .into_iter()
                .flatten()
                .filter(|r| r.counts())
                .filter_map(|r| Some((r.seed_index, r.regret_at(budget, 1.0)?)))
                .collect()
        };
        let mut cells = Vec::new();
        for p in problems {
            let per_searcher: Vec<BTreeMap<usize, f64>> =
                searchers.iter().map(|s| finals(&p.name, s)).collect();
            let mean_ranks = mean_ranks(&per_searcher);
            let base = baseline.and_then(|b| searchers.iter().position(|s| s == b));
            for (i, s) in searchers.iter().enumerate() {
                let all = by_cell
                    .get(&(p.name.as_str(), s.as_str()))
                    .cloned()
                    .unwrap_or_default();
                let counted: Vec<&RunRecord> = all.iter().copied().filter(|r| r.counts()).collect();
                let regret = (!counted.is_empty()).then(|| {
                    FRACTIONS.map(|f| {
                        let v: Vec<f64> = counted
                            .iter()
                            .filter_map(|r| r.regret_at(budget, f))
                            .collect();
                        Spread::of(&v)
                    })
                });
                let vs_baseline = base
                    .filter(|&b| b != i)
                    .and_then(|b| paired(&per_searcher[i], &per_searcher[b]));
                cells.push(Cell {
                    problem: p.name.clone(),
                    searcher: s.clone(),
                    runs: counted.len(),
                    failed: all
                        .iter()
                        .filter(|r| matches!(r.stop, Some(RunStop::Failed(_))))
                        .count(),
                    unsupported: all
                        .iter()
                        .filter(|r| matches!(r.stop, Some(RunStop::Unsupported(_))))
                        .count(),
                    regret,
                    mean_rank: mean_ranks[i],
                    vs_baseline,
                });
            }
        }
        let overall = searchers
            .iter()
            .map(|s| {
                let mine: Vec<&Cell> = cells.iter().filter(|c| &c.searcher == s).collect();
                let rank: Vec<f64> = mine.iter().filter_map(|c| c.mean_rank).collect();
                let pairs: Vec<Paired> = mine.iter().filter_map(|c| c.vs_baseline).collect();
                let significant = |better: bool| {
                    pairs
                        .iter()
                        .filter(|p| p.wilcoxon_p.is_some_and(|q| q < SIGNIFICANCE))
                        .filter(|p| {
                            if better {
                                p.wins > p.losses
                            } else {
                                p.losses > p.wins
                            }
                        })
                        .count()
                };
                Overall {
                    searcher: s.clone(),
                    mean_rank: (!rank.is_empty())
                        .then(|| rank.iter().sum::<f64>() / rank.len() as f64),
                    vs_baseline: (!pairs.is_empty()).then(|| Paired::pooled(&pairs)),
                    problems_better: significant(true),
                    problems_worse: significant(false),
                }
            })
            .collect();
        Self {
            baseline: baseline.map(str::to_string),
            budget,
            cells,
            overall,
        }
    }

    /// The cell of `searcher` on `problem`.
    pub fn cell(&self, problem: &str, searcher: &str) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|c| c.problem == problem && c.searcher == searcher)
    }

    /// The overall line of `searcher`.
    pub fn overall(&self, searcher: &str) -> Option<&Overall> {
        self.overall.iter().find(|o| o.searcher == searcher)
    }
}

/// For each searcher, the mean over seeds of its rank among the searchers
/// with a result on that seed. `finals[searcher][seed]` is a final regret.
pub fn mean_ranks(finals: &[BTreeMap<usize, f64>]) -> Vec<Option<f64>> {
    let seeds: std::collections::BTreeSet<usize> =
        finals.iter().flat_map(|m| m.keys().copied()).collect();
    let mut sums = vec![(0.0, 0usize); finals.len()];
    for seed in seeds {
        let present: Vec<(usize, f64)> = finals
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.get(&seed).map(|v| (i, *v)))
            .collect();
        let values: Vec<f64> = present.iter().map(|(_, v)| *v).collect();
        for ((i, _), r) in present.iter().zip(ranks(&values)) {
            sums[*i].0 += r;
            sums[*i].1 += 1;
        }
    }
    sums.into_iter()
        .map(|(s, n)| (n > 0).then(|| s / n as f64))
        .collect()
}

/// Pairs two searchers' final regrets by seed.
fn paired(mine: &BTreeMap<usize, f64>, baseline: &BTreeMap<usize, f64>) -> Option<Paired> {
    let (a, b): (Vec<f64>, Vec<f64>) = mine
        .iter()
        .filter_map(|(seed, v)| baseline.get(seed).map(|w| (*v, *w)))
        .unzip();
    (!a.is_empty()).then(|| Paired::of(&a, &b))
}
