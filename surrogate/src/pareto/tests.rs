//! Pareto math tested against brute force: fronts by peeling, hypervolume
//! by summing the cells of the grid the points' coordinates cut the
//! reference box into (exact for any set), contributions by removing each
//! point; on random sets with fixed seeds, continuous and with many ties.

use super::*;
use crate::SurrogateError;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` points in `m` objectives: uniform in [0, 1), or, with `levels`, on a
/// grid of that many values (so ties and duplicates are common).
fn random_points(n: usize, m: usize, levels: Option<u32>, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            (0..m)
                .map(|_| match levels {
                    Some(l) => f64::from(rng.random_range(0..l)) / f64::from(l),
                    None => rng.random::<f64>(),
                })
                .collect()
        })
        .collect()
}

/// Points near the sphere surface (a DTLZ2-like front) plus dominated
/// points behind it: fronts with many members, as in real studies.
fn sphere_points(n: usize, m: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let v: Vec<f64> = (0..m).map(|_| rng.random::<f64>() + 1e-3).collect();
            let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
            let scale = 1.0
                + if rng.random_bool(0.3) {
                    rng.random::<f64>()
                } else {
                    0.0
                };
            v.iter().map(|x| scale * x / norm).collect()
        })
        .collect()
}

fn brute_dominates(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y)
}

fn brute_fronts(points: &[Vec<f64>]) -> Vec<Vec<usize>> {
    let mut left: Vec<usize> = (0..points.len()).collect();
    let mut fronts = Vec::new();
    while !left.is_empty() {
        let (front, rest): (Vec<usize>, Vec<usize>) = left.iter().partition(|&&i| {
            !left
                .iter()
                .any(|&j| brute_dominates(&points[j], &points[i]))
        });
        fronts.push(front);
        left = rest;
    }
    fronts
}

/// Exact hypervolume by cells: the distinct coordinates cut the reference
/// box into a grid; a cell is covered iff some point weakly dominates its
/// lower corner.
fn brute_hv(points: &[Vec<f64>], r: &[f64]) -> f64 {
    let m = r.len();
    let inside: Vec<&Vec<f64>> = points
        .iter()
        .filter(|p| p.iter().zip(r).all(|(v, r)| v < r))
        .collect();
    let cuts: Vec<Vec<f64>> = (0..m)
        .map(|d| {
            let mut c: Vec<f64> = inside.iter().map(|p| p[d]).collect();
            c.push(r[d]);
            c.sort_by(f64::total_cmp);
            c.dedup();
            c
        })
        .collect();
    let mut total = 0.0;
    let mut idx = vec![0usize; m];
    'cells: loop {
        if idx.iter().zip(&cuts).all(|(&k, c)| k + 1 < c.len()) {
            let lower: Vec<f64> = idx.iter().zip(&cuts).map(|(&k, c)| c[k]).collect();
            if inside
                .iter()
                .any(|p| p.iter().zip(&lower).all(|(a, b)| a <= b))
            {
                total += idx
                    .iter()
                    .zip(&cuts)
                    .map(|(&k, c)| c[k + 1] - c[k])
                    .product::<f64>();
            }
        }
        for d in 0..m {
            idx[d] += 1;
            if idx[d] < cuts[d].len() {
                continue 'cells;
            }
            idx[d] = 0;
        }
        break;
    }
    total
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * (1.0 + b.abs())
}

#[test]
fn fronts_match_peeling_in_1_to_5_objectives() {
    for m in 1..=5 {
        for (seed, levels) in [(1, None), (2, Some(3)), (3, Some(5)), (4, None)] {
            let points = random_points(60, m, levels, seed * 10 + m as u64);
            let mut want = brute_fronts(&points);
            for f in &mut want {
                f.sort_unstable();
            }
            assert_eq!(
                non_dominated_fronts(&points).unwrap(),
                want,
                "m={m} seed={seed}"
            );
            assert_eq!(
                pareto_front_indices(&points).unwrap(),
                want[0],
                "m={m} seed={seed}"
            );
        }
    }
}

#[test]
fn fronts_of_degenerate_sets() {
    let empty: Vec<Vec<f64>> = Vec::new();
    assert!(non_dominated_fronts(&empty).unwrap().is_empty());
    assert!(pareto_front_indices(&empty).unwrap().is_empty());
    assert_eq!(non_dominated_fronts(&[[1.0, 2.0]]).unwrap(), vec![vec![0]]);
    // Duplicates share a front; -0.0 equals 0.0.
    let dup = [[1.0, 1.0], [0.0, 2.0], [1.0, 1.0], [-0.0, 2.0], [2.0, 2.0]];
    assert_eq!(
        non_dominated_fronts(&dup).unwrap(),
        vec![vec![0, 1, 2, 3], vec![4]]
    );
    // Infinities are ordinary values.
    let inf = [[f64::INFINITY, 0.0], [0.0, 0.0], [f64::NEG_INFINITY, 5.0]];
    assert_eq!(
        non_dominated_fronts(&inf).unwrap(),
        vec![vec![1, 2], vec![0]]
    );
}

#[test]
fn bad_points_are_named_errors() {
    let nan = [[1.0, 2.0], [0.5, f64::NAN]];
    assert_eq!(
        non_dominated_fronts(&nan),
        Err(SurrogateError::NanObjective {
            point: 1,
            objective: 1
        })
    );
    let ragged = vec![vec![1.0, 2.0], vec![1.0]];
    assert_eq!(
        pareto_front_indices(&ragged),
        Err(SurrogateError::ObjectiveCountMismatch {
            point: 1,
            expected: 2,
            got: 1
        })
    );
    let none: Vec<Vec<f64>> = vec![vec![]];
    assert_eq!(crowding_distance(&none), Err(SurrogateError::NoObjectives));
    assert_eq!(
        hypervolume(&[[1.0, 2.0]], &[3.0]),
        Err(SurrogateError::ReferenceDimensionMismatch {
            reference: 1,
            objectives: 2
        })
    );
    assert!(matches!(
        hypervolume(&[[1.0, 2.0]], &[3.0, f64::INFINITY]),
        Err(SurrogateError::NonFiniteReference { objective: 1, .. })
    ));
    assert_eq!(
        hypervolume_contributions(&[[1.0, 2.0], [f64::NEG_INFINITY, 1.0]], &[3.0, 3.0]),
        Err(SurrogateError::UnboundedHypervolume {
            point: 1,
            objective: 0
        })
    );
    // Outside the box, -inf is harmless.
    assert_eq!(
        hypervolume(&[[f64::NEG_INFINITY, 4.0]], &[3.0, 3.0]),
        Ok(0.0)
    );
}

#[test]
fn hypervolume_matches_grid_in_1_to_5_objectives() {
    // (objectives, points): the grid has (n + 1)^m cells.
    for (m, n) in [(1, 50), (2, 150), (3, 40), (4, 14), (5, 8)] {
        for seed in 0..6u64 {
            let levels = [None, Some(4), None, Some(7), None, None][seed as usize];
            let points = if seed == 5 {
                sphere_points(n, m, seed)
            } else {
                random_points(n, m, levels, 100 + seed * 7 + m as u64)
            };
            // Some points fall outside the box (reference below 1).
            let r = vec![if seed == 5 { 1.6 } else { 0.9 }; m];
            let got = hypervolume(&points, &r).unwrap();
            let want = brute_hv(&points, &r);
            assert!(close(got, want), "m={m} seed={seed}: {got} vs {want}");
        }
    }
}

#[test]
fn hypervolume_known_values() {
    // Three unit-square overlaps: 3 boxes of 2, pairwise overlaps of 1, a
    // triple overlap of 1: 6 − 3 + 1 (inclusion–exclusion by hand).
    let p = [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0]];
    assert_eq!(hypervolume(&p, &[2.0, 2.0, 2.0]).unwrap(), 4.0);
    // The same in 4-D with a fourth coordinate of 0: the volume times 2.
    let p4: Vec<Vec<f64>> = p.iter().map(|q| [q.as_slice(), &[0.0]].concat()).collect();
    assert_eq!(hypervolume(&p4, &[2.0, 2.0, 2.0, 2.0]).unwrap(), 8.0);
    // One point: its box.
    assert_eq!(
        hypervolume(&[[0.5, 0.25, 0.0, 0.0, 0.5]], &[1.0; 5]).unwrap(),
        0.5 * 0.75 * 0.5
    );
    // Empty, on the reference, beyond it, +inf: nothing.
    let empty: Vec<[f64; 3]> = Vec::new();
    assert_eq!(hypervolume(&empty, &[1.0, 1.0, 1.0]).unwrap(), 0.0);
    let edge = [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [f64::INFINITY, 0.0, 0.0]];
    assert_eq!(hypervolume(&edge, &[1.0, 1.0, 1.0]).unwrap(), 0.0);
    // Duplicates change nothing, in every dimension.
    for m in 2..=5 {
        let points = random_points(12, m, None, 7);
        let doubled: Vec<Vec<f64>> = points.iter().chain(&points).cloned().collect();
        let r = vec![1.0; m];
        assert!(close(
            hypervolume(&doubled, &r).unwrap(),
            hypervolume(&points, &r).unwrap()
        ));
    }
}

#[test]
fn hypervolume_is_invariant_to_order_of_points_and_objectives() {
    for m in 2..=5 {
        let points = sphere_points(30, m, m as u64);
        let r = vec![1.5; m];
        let base = hypervolume(&points, &r).unwrap();
        let reversed: Vec<Vec<f64>> = points.iter().rev().cloned().collect();
        let rotated: Vec<Vec<f64>> = points
            .iter()
            .map(|p| p.iter().cycle().skip(1).take(m).copied().collect())
            .collect();
        assert!(close(hypervolume(&reversed, &r).unwrap(), base));
        assert!(close(hypervolume(&rotated, &r).unwrap(), base), "m={m}");
    }
}

#[test]
fn contributions_match_removal_in_1_to_5_objectives() {
    for (m, n) in [(1, 20), (2, 80), (3, 25), (4, 10), (5, 7)] {
        for seed in 0..5u64 {
            let levels = [None, Some(3), Some(6), None, None][seed as usize];
            let mut points = if seed == 4 {
                sphere_points(n, m, seed)
            } else {
                random_points(n, m, levels, 300 + seed * 11 + m as u64)
            };
            // A copy of point 0: neither copy contributes then.
            points.push(points[0].clone());
            let r = vec![if seed == 4 { 1.6 } else { 0.9 }; m];
            let got = hypervolume_contributions(&points, &r).unwrap();
            let all = brute_hv(&points, &r);
            for (i, g) in got.iter().enumerate() {
                let mut without = points.clone();
                without.remove(i);
                let want = all - brute_hv(&without, &r);
                assert!(
                    (g - want).abs() <= 1e-12 * (1.0 + all),
                    "m={m} seed={seed} point {i}: {g} vs {want}"
                );
            }
        }
    }
}

#[test]
fn contributions_of_small_sets() {
    // A point dominated only by another takes from that one's contribution.
    let p = [[1.0, 1.0], [2.0, 2.0]];
    assert_eq!(
        hypervolume_contributions(&p, &[3.0, 3.0]).unwrap(),
        vec![3.0, 0.0]
    );
    let p3 = [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0], [1.0, 1.0, 1.0]];
    assert_eq!(
        hypervolume_contributions(&p3, &[3.0; 3]).unwrap(),
        vec![0.0, 0.0, 0.0]
    );
    let one = [[1.0], [2.0], [0.5]];
    assert_eq!(
        hypervolume_contributions(&one, &[3.0]).unwrap(),
        vec![0.0, 0.0, 0.5]
    );
    let empty: Vec<[f64; 2]> = Vec::new();
    assert!(hypervolume_contributions(&empty, &[1.0, 1.0])
        .unwrap()
        .is_empty());
}

#[test]
fn crowding_distance_known_values_and_duplicates() {
    // Values worked by hand: objective ranges 4 and 4.
    let front = [[0.0, 4.0], [1.0, 3.0], [3.0, 1.0], [4.0, 0.0], [1.0, 3.0]];
    let d = crowding_distance(&front).unwrap();
    assert_eq!(d[0], f64::INFINITY);
    assert_eq!(d[3], f64::INFINITY);
    assert!(close(d[1], (3.0 - 0.0) / 4.0 + (4.0 - 1.0) / 4.0));
    assert!(close(d[2], (4.0 - 1.0) / 4.0 + (3.0 - 0.0) / 4.0));
    assert_eq!(d[4], 0.0, "a later copy is not measured");
    // Two distinct points (and a copy).
    assert_eq!(
        crowding_distance(&[[1.0, 2.0], [2.0, 1.0], [1.0, 2.0]]).unwrap(),
        vec![f64::INFINITY, f64::INFINITY, 0.0]
    );
    // All equal in one objective: it adds nothing.
    let flat = [[0.0, 5.0], [1.0, 5.0], [3.0, 5.0]];
    assert_eq!(crowding_distance(&flat).unwrap()[1], 1.0);
    // Infinite neighbours make infinite gaps; finite gaps use the finite range.
    let inf = [[f64::NEG_INFINITY], [1.0], [2.0], [3.0], [f64::INFINITY]];
    assert_eq!(
        crowding_distance(&inf).unwrap(),
        vec![
            f64::INFINITY,
            f64::INFINITY,
            1.0,
            f64::INFINITY,
            f64::INFINITY
        ]
    );
    let empty: Vec<[f64; 2]> = Vec::new();
    assert!(crowding_distance(&empty).unwrap().is_empty());
}

#[test]
fn dominance_rules() {
    assert!(dominates(&[1.0, 2.0], &[1.0, 3.0]));
    assert!(!dominates(&[1.0, 2.0], &[1.0, 2.0]));
    assert!(!dominates(&[1.0, f64::NAN], &[2.0, 3.0]));
    assert!(!dominates(&[1.0], &[2.0, 3.0]));
}

#[test]
fn public_functions_are_usable_from_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<SurrogateError>();
    let points = random_points(50, 3, None, 9);
    let handle = std::thread::spawn(move || hypervolume(&points, &[1.0; 3]));
    assert!(handle.join().unwrap().unwrap() > 0.0);
}

#[test]
fn sweeps_agree_with_wfg_on_large_sets() {
    // Too large for the grid: the 2-D and 3-D sweeps against WFG run one
    // dimension lower at every level (WFG only needs m >= 2 to be exact).
    for (m, n, seed) in [(2, 3000, 1), (3, 600, 2), (3, 600, 3)] {
        let points = if seed == 3 {
            random_points(n, m, Some(20), seed)
        } else {
            sphere_points(n, m, seed)
        };
        let r = vec![1.2; m];
        let (inside, _) = super::hypervolume::inside_reference(&points, &r).unwrap();
        let sweep = hypervolume(&points, &r).unwrap();
        let wfg = super::wfg::volume(inside.values(), &r);
        assert!(close(sweep, wfg), "m={m} n={n}: {sweep} vs {wfg}");
    }
}

/// Plain greedy: each step scans every unchosen point's gain, by brute
/// force, the lower index on ties.
fn naive_greedy(points: &[Vec<f64>], k: usize, r: &[f64]) -> Vec<usize> {
    let mut chosen: Vec<usize> = Vec::new();
    while chosen.len() < k.min(points.len()) {
        let set = |extra: Option<usize>| -> Vec<Vec<f64>> {
            chosen
                .iter()
                .chain(extra.as_ref())
                .map(|&i| points[i].clone())
                .collect()
        };
        let base = brute_hv(&set(None), r);
        let mut best: Option<(usize, f64)> = None;
        for i in (0..points.len()).filter(|i| !chosen.contains(i)) {
            let gain = brute_hv(&set(Some(i)), r) - base;
            if best.is_none_or(|(_, g)| gain > g + 1e-12) {
                best = Some((i, gain));
            }
        }
        chosen.push(best.map(|(i, _)| i).unwrap());
    }
    chosen
}

/// The lazy greedy subset keeps as much volume as the plain greedy one
/// (same choices up to ties within rounding), and at least 1 − 1/e of the
/// best subset's volume, found by trying every subset.
#[test]
fn subset_selection_matches_plain_greedy_and_the_greedy_bound() {
    for m in 2..=4 {
        for seed in 0..12 {
            let points = if seed % 2 == 0 {
                sphere_points(11, m, seed)
            } else {
                random_points(11, m, Some(4), seed)
            };
            let r = vec![1.8; m];
            for k in [1, 3, 5] {
                let got = hypervolume_subset(&points, k, &r).unwrap();
                assert_eq!(got.len(), k);
                let pick = |idx: &[usize]| -> Vec<Vec<f64>> {
                    idx.iter().map(|&i| points[i].clone()).collect()
                };
                let hv = brute_hv(&pick(&got), &r);
                let naive = brute_hv(&pick(&naive_greedy(&points, k, &r)), &r);
                assert!(close(hv, naive), "m={m} seed={seed} k={k}: {hv} vs {naive}");
                let mut best = 0.0f64;
                for mask in 0u32..(1 << points.len()) {
                    if mask.count_ones() as usize == k {
                        let idx: Vec<usize> =
                            (0..points.len()).filter(|i| mask >> i & 1 == 1).collect();
                        best = best.max(brute_hv(&pick(&idx), &r));
                    }
                }
                assert!(hv >= (1.0 - 1.0 / std::f64::consts::E) * best - 1e-12);
            }
        }
    }
}

#[test]
fn subset_selection_edge_cases() {
    let r = [4.0, 4.0];
    let points = vec![
        vec![1.0, 1.0],
        vec![5.0, 0.0],
        vec![1.0, 1.0],
        vec![2.0, 2.0],
    ];
    // Everything when k covers the set.
    assert_eq!(
        hypervolume_subset(&points, 4, &r).unwrap(),
        vec![0, 1, 2, 3]
    );
    // A duplicate and a dominated point add nothing; the point outside the
    // box comes last, as the lowest index left.
    assert_eq!(hypervolume_subset(&points, 3, &r).unwrap(), vec![0, 2, 3]);
    assert_eq!(
        hypervolume_subset(&points, 4 - 1, &[6.0, 6.0]).unwrap()[0],
        0
    );
    let empty: Vec<Vec<f64>> = Vec::new();
    assert_eq!(
        hypervolume_subset(&empty, 2, &r).unwrap(),
        Vec::<usize>::new()
    );
    assert!(hypervolume_subset(&[[f64::NAN, 1.0]], 0, &r).is_err());
}
