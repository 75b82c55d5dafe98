//! The statistics against hand-computed values.

use hyperspace_benches::report::format_number;
use hyperspace_benches::stats::{median, quantile, ranks, sign_test, wilcoxon, Paired, Spread};
use hyperspace_benches::{mean_ranks, ProblemInfo, RunRecord, Summary};
use hyperspace_benches::{Family, OptimumKind};
use std::collections::BTreeMap;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + b.abs())
}

#[test]
fn quantiles_interpolate_like_numpy() {
    // numpy.quantile([1, 2, 3, 4], [0.25, 0.5, 0.75]) == [1.75, 2.5, 3.25]
    let v = [4.0, 1.0, 3.0, 2.0];
    assert!(close(quantile(&v, 0.25), 1.75));
    assert!(close(median(&v), 2.5));
    assert!(close(quantile(&v, 0.75), 3.25));
    assert!(close(quantile(&v, 0.0), 1.0));
    assert!(close(quantile(&v, 1.0), 4.0));
    let s = Spread::of(&[5.0, 1.0, 3.0]);
    assert_eq!((s.q25, s.median, s.q75), (2.0, 3.0, 4.0));
    assert_eq!(s.iqr(), 2.0);
    assert!(median(&[]).is_nan());
    assert_eq!(median(&[7.0]), 7.0);
}

#[test]
fn ranks_share_ties() {
    assert_eq!(ranks(&[3.0, 1.0, 3.0]), [2.5, 1.0, 2.5]);
    assert_eq!(ranks(&[0.1, 0.2, 0.3]), [1.0, 2.0, 3.0]);
    assert_eq!(ranks(&[2.0, 2.0, 2.0, 1.0]), [3.0, 3.0, 3.0, 1.0]);
}

#[test]
fn sign_test_is_the_exact_binomial_tail() {
    // 9 wins of 10: 2 * (C(10,0) + C(10,1)) / 2^10 = 22 / 1024.
    assert!(close(sign_test(9, 1), 22.0 / 1024.0));
    assert!(close(sign_test(1, 9), 22.0 / 1024.0));
    assert!(close(sign_test(10, 0), 2.0 / 1024.0));
    assert_eq!(sign_test(5, 5), 1.0);
    assert_eq!(sign_test(0, 0), 1.0);
    // 3 of 20: 2 * (1 + 20 + 190 + 1140) / 2^20.
    assert!(close(sign_test(3, 17), 2.0 * 1351.0 / 1_048_576.0));
}

#[test]
fn wilcoxon_counts_the_exact_null_distribution() {
    // All five differences positive: only 1 of 2^5 sign patterns is as
    // extreme on each side.
    let w = wilcoxon(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    assert_eq!((w.n, w.w_plus, w.w_minus), (5, 15.0, 0.0));
    assert!(close(w.p, 2.0 / 32.0));
    // One negative difference with rank 2 of 8: subsets of {1..8} summing
    // to at most 2 are {}, {1}, {2}: p = 2 * 3 / 256.
    let w = wilcoxon(&[1.0, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
    assert_eq!(w.w_minus, 2.0);
    assert!(close(w.p, 6.0 / 256.0));
    // Zeros dropped; ties share ranks: |d| = 1, 1, 1, 2 rank 2, 2, 2, 4.
    // W- = 2; patterns with a positive-rank sum <= 2 are {} and each single
    // rank-2 element: 4 of 16, p = 0.5.
    let w = wilcoxon(&[0.0, 1.0, 1.0, -1.0, 2.0]);
    assert_eq!((w.n, w.w_plus, w.w_minus), (4, 8.0, 2.0));
    assert!(close(w.p, 0.5));
    assert_eq!(wilcoxon(&[0.0, 0.0]).p, 1.0);
}

#[test]
fn paired_comparison_counts_wins_ties_losses() {
    let mine = [0.1, 0.2, 0.3, 0.5, 1.0];
    let base = [0.2, 0.2, 0.4, 0.6, 2.0];
    let p = Paired::of(&mine, &base);
    assert_eq!((p.wins, p.ties, p.losses), (4, 1, 0));
    assert!(close(p.sign_p, 2.0 / 16.0));
    assert!(close(p.wilcoxon_p.unwrap(), 2.0 / 16.0));
    let pooled = Paired::pooled(&[p, Paired::of(&[1.0], &[0.0])]);
    assert_eq!((pooled.wins, pooled.ties, pooled.losses), (4, 1, 1));
    assert!(close(pooled.sign_p, 2.0 * 6.0 / 32.0));
    assert_eq!(pooled.wilcoxon_p, None);
}

#[test]
fn mean_ranks_over_seeds() {
    // Seed 0: a=1 b=2 c=3 -> ranks 1 2 3; seed 1: a=5 b=5 c=1 -> 2.5 2.5 1;
    // seed 2: only a and b -> a=0 b=1 -> 1 2.
    let finals: Vec<BTreeMap<usize, f64>> = vec![
        [(0, 1.0), (1, 5.0), (2, 0.0)].into_iter().collect(),
        [(0, 2.0), (1, 5.0), (2, 1.0)].into_iter().collect(),
        [(0, 3.0), (1, 1.0)].into_iter().collect(),
    ];
    let r = mean_ranks(&finals);
    assert!(close(r[0].unwrap(), (1.0 + 2.5 + 1.0) / 3.0));
    assert!(close(r[1].unwrap(), (2.0 + 2.5 + 2.0) / 3.0));
    assert!(close(r[2].unwrap(), (3.0 + 1.0) / 2.0));
}

fn run(searcher: &str, seed: usize, curve: &[f64]) -> RunRecord {
    RunRecord {
        searcher: searcher.into(),
        problem: "p".into(),
        seed_index: seed,
        study_seed: seed as u64,
        trials: curve.len(),
        curve: curve.to_vec(),
        best_observed: None,
        best_value: None,
        best_params: None,
        search_seconds: 0.0,
        eval_seconds: 0.0,
        stop: None,
    }
}

#[test]
fn summary_regret_at_budget_fractions_rank_and_baseline() {
    let info = ProblemInfo {
        name: "p".into(),
        family: Family::Continuous,
        dims: 1,
        optimum: 0.0,
        optimum_kind: OptimumKind::Known,
        source: String::new(),
    };
    // Budget 4: 25% is trial 1, 50% trial 2, 100% trial 4.
    let runs = vec![
        run("random", 0, &[4.0, 3.0, 2.0, 1.0]),
        run("random", 1, &[8.0, 6.0, 4.0, 2.0]),
        run("random", 2, &[12.0, 9.0, 6.0, 3.0]),
        run("smart", 0, &[1.0, 0.5, 0.5, 0.5]),
        run("smart", 1, &[1.0, 1.0, 1.0, 1.0]),
        run("smart", 2, &[9.0, 9.0, 9.0, 9.0]),
    ];
    let labels = vec!["random".to_string(), "smart".to_string()];
    let s = Summary::compute(&[info], &labels, &runs, 4, Some("random"));
    let random = s.cell("p", "random").unwrap();
    let r = random.regret.unwrap();
    assert_eq!((r[0].median, r[1].median, r[2].median), (8.0, 6.0, 2.0));
    assert_eq!((r[2].q25, r[2].q75), (1.5, 2.5));
    assert_eq!(random.vs_baseline, None);
    let smart = s.cell("p", "smart").unwrap();
    assert_eq!(smart.final_median(), Some(1.0));
    // Final regrets: seed 0 0.5 < 1, seed 1 1 < 2, seed 2 9 > 3.
    assert!(close(smart.mean_rank.unwrap(), (1.0 + 1.0 + 2.0) / 3.0));
    assert!(close(random.mean_rank.unwrap(), (2.0 + 2.0 + 1.0) / 3.0));
    let vs = smart.vs_baseline.unwrap();
    assert_eq!((vs.wins, vs.ties, vs.losses), (2, 0, 1));
    let overall = s.overall("smart").unwrap();
    assert_eq!(overall.vs_baseline.unwrap().wins, 2);
    assert_eq!((overall.problems_better, overall.problems_worse), (0, 0));
}

#[test]
fn numbers_print_with_three_significant_digits() {
    assert_eq!(format_number(0.0), "0");
    assert_eq!(format_number(0.123456), "0.123");
    assert_eq!(format_number(1.23456), "1.23");
    assert_eq!(format_number(123.456), "123");
    assert_eq!(format_number(45390.2), "45390");
    assert_eq!(format_number(0.0001234), "1.23e-4");
    assert_eq!(format_number(1.5e7), "1.50e7");
}
