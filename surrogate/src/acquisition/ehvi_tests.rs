//! EHVI against the hypervolume it integrates: the improvement of a point
//! against two exact hypervolumes, the expectation against a brute-force
//! Monte Carlo mean, the gradient against finite differences.

use super::*;
use crate::pareto::hypervolume;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// A non-dominated set of `n` points in `m` objectives near the simplex.
fn front(n: usize, m: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let pts: Vec<Vec<f64>> = (0..n)
        .map(|_| {
            let w: Vec<f64> = (0..m).map(|_| rng.random::<f64>() + 0.05).collect();
            let s: f64 = w.iter().sum();
            w.iter().map(|v| v / s).collect()
        })
        .collect();
    pareto_front_indices(&pts)
        .unwrap()
        .into_iter()
        .map(|i| pts[i].clone())
        .collect()
}

fn exact_improvement(front: &[Vec<f64>], y: &[f64], r: &[f64]) -> f64 {
    let mut with = front.to_vec();
    with.push(y.to_vec());
    hypervolume(&with, r).unwrap() - hypervolume(front, r).unwrap()
}

#[test]
fn the_improvement_of_a_point_is_the_hypervolume_it_adds() {
    for (m, n) in [(1, 1), (2, 12), (3, 15), (4, 6)] {
        let f = front(n, m, 7 + m as u64);
        let r = vec![1.1; m];
        let e = Ehvi::new(&f, &r).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200 {
            let y: Vec<f64> = (0..m).map(|_| rng.random::<f64>() * 1.3 - 0.2).collect();
            let want = exact_improvement(&f, &y, &r);
            let got = e.improvement(&y);
            assert!((got - want).abs() < 1e-12, "m={m} y={y:?}: {got} vs {want}");
        }
    }
}

#[test]
fn two_objectives_decompose_into_the_staircase() {
    // Front (1, 3), (2, 2), (3, 1) below (4, 4): 4 columns.
    let e = Ehvi::new(&[[1.0, 3.0], [2.0, 2.0], [3.0, 1.0]], &[4.0, 4.0]).unwrap();
    assert_eq!(e.boxes(), 4);
    assert_eq!(e.improvement(&[0.0, 0.0]), 16.0 - 6.0);
}

/// Brute force: the mean improvement of `samples` normal draws, and its
/// standard error.
fn monte_carlo(e: &Ehvi, mean: &[f64], sd: &[f64], samples: usize) -> (f64, f64) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let (mut s1, mut s2) = (0.0, 0.0);
    for _ in 0..samples {
        let y: Vec<f64> = mean
            .iter()
            .zip(sd)
            .map(|(m, s)| m + s * rng.sample::<f64, _>(StandardNormal))
            .collect();
        let v = e.improvement(&y);
        s1 += v;
        s2 += v * v;
    }
    let n = samples as f64;
    let mu = s1 / n;
    (mu, ((s2 / n - mu * mu) / n).sqrt())
}

#[test]
fn the_expectation_matches_a_brute_force_monte_carlo_mean() {
    let cases: Vec<(usize, Vec<f64>, Vec<f64>)> = vec![
        (2, vec![0.5, 0.5], vec![0.2, 0.3]),
        (2, vec![0.9, 0.2], vec![0.05, 0.5]),
        (3, vec![0.4, 0.3, 0.4], vec![0.2, 0.1, 0.3]),
        (3, vec![0.1, 0.1, 0.9], vec![0.3, 0.3, 0.05]),
        (4, vec![0.3, 0.3, 0.3, 0.3], vec![0.2, 0.2, 0.2, 0.2]),
    ];
    for (m, mean, sd) in cases {
        let f = front(6, m, 5);
        let e = Ehvi::new(&f, &vec![1.1; m]).unwrap();
        let exact = e.log_value(&mean, &sd).exp();
        let (mc, se) = monte_carlo(&e, &mean, &sd, 50_000);
        // 4 standard errors: a wrong term (a missing box, ψ off by a
        // factor) moves the value by far more.
        assert!(
            (exact - mc).abs() < 4.0 * se + 1e-12,
            "m={m}: exact {exact} vs Monte Carlo {mc} ± {se}"
        );
        assert!(se < 0.02 * mc, "the check is tight: {se} vs {mc}");
    }
}

#[test]
fn far_behind_the_front_the_log_stays_finite_and_ordered() {
    let f = front(8, 2, 2);
    let e = Ehvi::new(&f, &[1.1, 1.1]).unwrap();
    let near = e.log_value(&[1.5, 1.5], &[0.1, 0.1]);
    let far = e.log_value(&[5.0, 5.0], &[0.1, 0.1]);
    let farther = e.log_value(&[50.0, 50.0], &[0.1, 0.1]);
    assert!(far.is_finite() && farther.is_finite(), "{far} {farther}");
    assert!(near > far && far > farther, "{near} {far} {farther}");
    // No improvement can be expected beyond nothing: a sure point behind the front.
    assert_eq!(e.improvement(&[2.0, 2.0]), 0.0);
}

#[test]
fn the_gradient_matches_finite_differences() {
    for (m, mean, sd) in [
        (2, vec![0.5, 0.6], vec![0.2, 0.1]),
        (2, vec![3.0, 2.0], vec![0.2, 0.3]),
        (3, vec![0.4, 0.3, 0.5], vec![0.1, 0.2, 0.15]),
    ] {
        let f = front(9, m, 4);
        let e = Ehvi::new(&f, &vec![1.1; m]).unwrap();
        let (v, d_mean, d_sd) = e.log_value_with_gradient(&mean, &sd);
        assert!((v - e.log_value(&mean, &sd)).abs() < 1e-12);
        let h = 1e-6;
        for j in 0..m {
            let mut up = mean.clone();
            up[j] += h;
            let mut down = mean.clone();
            down[j] -= h;
            let fd = (e.log_value(&up, &sd) - e.log_value(&down, &sd)) / (2.0 * h);
            assert!(
                (fd - d_mean[j]).abs() < 1e-5 * fd.abs().max(1.0),
                "m={m} mean {j}: {fd} vs {}",
                d_mean[j]
            );
            let mut up = sd.clone();
            up[j] += h;
            let mut down = sd.clone();
            down[j] -= h;
            let fd = (e.log_value(&mean, &up) - e.log_value(&mean, &down)) / (2.0 * h);
            assert!(
                (fd - d_sd[j]).abs() < 1e-5 * fd.abs().max(1.0),
                "m={m} sd {j}: {fd} vs {}",
                d_sd[j]
            );
        }
    }
}

#[test]
fn a_large_front_is_reduced_to_at_most_max_boxes() {
    let f = front(150, 3, 9);
    assert!(f.len() > 63, "{}", f.len());
    let e = Ehvi::new(&f, &[1.1, 1.1, 1.1]).unwrap();
    assert!(e.boxes() <= Ehvi::MAX_BOXES, "{}", e.boxes());
    assert!(e.log_value(&[0.3, 0.3, 0.3], &[0.1, 0.1, 0.1]).is_finite());
}

#[test]
fn bad_input_is_an_error_and_empty_fronts_are_a_box() {
    assert!(Ehvi::new(&[[1.0, f64::NAN]], &[2.0, 2.0]).is_err());
    assert!(Ehvi::new(&[[1.0, 1.0]], &[2.0, f64::INFINITY]).is_err());
    assert!(Ehvi::new(&[[1.0, 1.0, 1.0]], &[2.0, 2.0]).is_err());
    assert!(Ehvi::new(&[[f64::NEG_INFINITY, 1.0]], &[2.0, 2.0]).is_err());
    let empty: [[f64; 2]; 0] = [];
    let e = Ehvi::new(&empty, &[2.0, 2.0]).unwrap();
    assert_eq!(e.improvement(&[1.0, 0.0]), 2.0);
    // Points on or beyond the reference add nothing.
    let e = Ehvi::new(&[[2.0, 0.0], [3.0, 1.0]], &[2.0, 2.0]).unwrap();
    assert_eq!(e.improvement(&[1.0, 0.0]), 2.0);
}

#[test]
fn the_reference_is_the_nadir_plus_a_tenth_of_the_range() {
    let r = reference_point(&[[0.0, 4.0], [2.0, 1.0]], &[5.0, 5.0]).unwrap();
    assert_eq!(r, vec![2.2, 4.3]);
    let r = reference_point(&[[1.0, 1.0]], &[0.0, 3.0]).unwrap();
    assert_eq!(r, vec![1.1, 1.3]);
    let none: [[f64; 2]; 0] = [];
    assert!(reference_point(&none, &[]).is_none());
}

#[test]
fn the_batch_path_gives_each_point_the_gradient_paths_value() {
    // The sweep's `log_values` (value only, tables reused, unused intervals
    // skipped) and the local search's `log_value_with_gradient` are
    // separate code: they must agree point by point, near and far.
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    for m in [2, 3, 4] {
        let f = front(10, m, 30 + m as u64);
        let e = Ehvi::new(&f, &vec![1.1; m]).unwrap();
        let n = 40;
        let mean: Vec<ndarray::Array1<f64>> = (0..m)
            .map(|_| (0..n).map(|_| rng.random::<f64>() * 4.0 - 1.0).collect())
            .collect();
        let sd: Vec<ndarray::Array1<f64>> = (0..m)
            .map(|_| (0..n).map(|_| 0.01 + rng.random::<f64>()).collect())
            .collect();
        let mean_views: Vec<_> = mean.iter().map(|a| a.view()).collect();
        let sd_views: Vec<_> = sd.iter().map(|a| a.view()).collect();
        let batch = e.log_values(&mean_views, &sd_views);
        for (i, got) in batch.iter().enumerate() {
            let mu: Vec<f64> = mean.iter().map(|c| c[i]).collect();
            let s: Vec<f64> = sd.iter().map(|c| c[i]).collect();
            let (want, _, _) = e.log_value_with_gradient(&mu, &s);
            assert!(
                (got - want).abs() < 1e-12 * want.abs().max(1.0),
                "m={m} point {i}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn the_product_form_agrees_with_the_log_space_sum_near_and_far() {
    // Three objectives: boxes outnumber intervals, so the product form is
    // used; far behind the front its sum underflows and the log-space sum
    // takes over. Both must match the plain log-space evaluation.
    let f = front(12, 3, 8);
    let e = Ehvi::new(&f, &[1.1, 1.1, 1.1]).unwrap();
    assert!(e.product_form);
    let mut plain = e.clone();
    plain.product_form = false;
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    // Outcomes up to 100 from the front with tiny spreads: about one in
    // twenty takes the log-space fallback (checked when written).
    let far = (0..400).map(|_| {
        let mean: [f64; 3] = std::array::from_fn(|_| rng.random::<f64>() * 200.0 - 100.0);
        let sd: [f64; 3] = std::array::from_fn(|_| 10f64.powf(-3.0 * rng.random::<f64>()));
        (mean, sd)
    });
    let near = [
        ([0.3, 0.3, 0.3], [0.1, 0.2, 0.1]),
        ([0.9, 0.1, 0.5], [0.05, 0.01, 0.3]),
        ([5.0, 5.0, 5.0], [0.1, 0.1, 0.1]),
    ];
    for (mean, sd) in near.into_iter().chain(far) {
        let (got, gm, gs) = e.log_value_with_gradient(&mean, &sd);
        let (want, wm, ws) = plain.log_value_with_gradient(&mean, &sd);
        assert!(got.is_finite(), "{mean:?}: {got}");
        assert!(
            (got - want).abs() < 1e-10 * want.abs().max(1.0),
            "{mean:?}: {got} vs {want}"
        );
        assert!((e.log_value(&mean, &sd) - got).abs() < 1e-12 * got.abs().max(1.0));
        // Far out the boxes' logs reach −1e8 and their weights carry a
        // relative rounding of ~1e-8 whichever way they are summed.
        for (a, b) in gm.iter().zip(&wm).chain(gs.iter().zip(&ws)) {
            assert!(
                (a - b).abs() < 1e-6 * b.abs().max(1.0),
                "{mean:?} gradient: {a} vs {b}"
            );
        }
    }
}
