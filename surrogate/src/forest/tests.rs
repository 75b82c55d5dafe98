//! Forest and fANOVA checked against functions whose variance split is known.

use super::*;
use crate::SurrogateError;
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn uniform(n: usize, d: usize, seed: u64) -> Array2<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_fn((n, d), |_| rng.random::<f64>())
}

fn shares(x: &Array2<f64>, y: &Array1<f64>, seed: u64) -> Vec<f64> {
    let settings = ForestSettings::default().validate().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let forest = RandomForest::fit(x.view(), y.view(), &settings, &mut rng).unwrap();
    fanova(&forest)
}

#[test]
fn only_x0_matters() {
    let x = uniform(400, 3, 1);
    let y = x.column(0).mapv(|v| (v - 0.3).powi(2));
    let s = shares(&x, &y, 2);
    let sum: f64 = s.iter().sum();
    assert!(s[0] / sum > 0.95, "{s:?}");
    assert!(s[1] < 0.03 && s[2] < 0.03, "{s:?}");
}

#[test]
fn additive_function_splits_variance_as_the_squares_of_its_slopes() {
    // f = 4 x0 + x1 on the uniform cube: Var = 16/12 + 1/12, no interaction,
    // so the main effects are 16/17 and 1/17 of the total (ratio 16).
    let x = uniform(1000, 2, 3);
    let y = x.column(0).mapv(|v| 4.0 * v) + x.column(1);
    let s = shares(&x, &y, 4);
    let ratio = s[0] / s[1];
    assert!((12.0..21.0).contains(&ratio), "ratio {ratio}, shares {s:?}");
    assert!((s[0] + s[1] - 1.0).abs() < 0.05, "no interaction: {s:?}");
}

#[test]
fn a_pure_interaction_has_small_main_effects() {
    // f = (x0 - 0.5)(x1 - 0.5): both main effects are exactly 0.
    let x = uniform(1000, 2, 5);
    let y = Array1::from_iter(x.rows().into_iter().map(|r| (r[0] - 0.5) * (r[1] - 0.5)));
    let s = shares(&x, &y, 6);
    assert!(s[0] < 0.15 && s[1] < 0.15, "{s:?}");
}

#[test]
fn the_same_seed_grows_the_same_forest_and_another_seed_another() {
    let x = uniform(200, 3, 7);
    let y = x.column(0).mapv(f64::sin) + x.column(2);
    assert_eq!(shares(&x, &y, 9), shares(&x, &y, 9));
    assert_ne!(shares(&x, &y, 9), shares(&x, &y, 10));
}

#[test]
fn trees_fit_their_training_points_and_predict_in_range() {
    let x = uniform(100, 2, 11);
    let y = x.column(0).mapv(|v| 10.0 * v);
    let settings = ForestSettings {
        n_trees: 8,
        ..ForestSettings::default()
    }
    .validate()
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let forest = RandomForest::fit(x.view(), y.view(), &settings, &mut rng).unwrap();
    assert_eq!(forest.trees().len(), 8);
    let err: f64 = x
        .rows()
        .into_iter()
        .zip(&y)
        .map(|(r, t)| (forest.predict(r) - t).abs())
        .sum::<f64>()
        / 100.0;
    assert!(err < 0.3, "mean abs error {err}");
    assert!(forest.trees()[0].n_leaves() > 10);
}

#[test]
fn a_depth_limit_bounds_the_leaves() {
    let x = uniform(300, 2, 12);
    let y = x.column(0).to_owned();
    let settings = ForestSettings {
        n_trees: 2,
        max_depth: 3,
        ..ForestSettings::default()
    }
    .validate()
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let forest = RandomForest::fit(x.view(), y.view(), &settings, &mut rng).unwrap();
    assert!(forest.trees().iter().all(|t| t.n_leaves() <= 8));
}

#[test]
fn constant_targets_and_one_point_have_no_importance() {
    let x = uniform(50, 2, 13);
    assert_eq!(shares(&x, &Array1::from_elem(50, 3.0), 0), vec![0.0, 0.0]);
    let one = uniform(1, 2, 14);
    assert_eq!(shares(&one, &Array1::from_elem(1, 1.0), 0), vec![0.0, 0.0]);
}

#[test]
fn bad_input_is_named() {
    let settings = ForestSettings::default().validate().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let mut x = uniform(5, 2, 0);
    let y = Array1::zeros(5);
    x[[3, 1]] = 1.5;
    let e = RandomForest::fit(x.view(), y.view(), &settings, &mut rng).unwrap_err();
    assert!(matches!(
        e,
        SurrogateError::ObservationOutOfRange {
            row: 3,
            dimension: 1,
            ..
        }
    ));
    let x = uniform(5, 2, 0);
    let mut y = Array1::zeros(5);
    y[2] = f64::NAN;
    let e = RandomForest::fit(x.view(), y.view(), &settings, &mut rng).unwrap_err();
    assert!(matches!(
        e,
        SurrogateError::NonFiniteTarget { index: 2, .. }
    ));
    let e = RandomForest::fit(
        x.view(),
        Array1::<f64>::zeros(3).view(),
        &settings,
        &mut rng,
    )
    .unwrap_err();
    assert!(matches!(e, SurrogateError::TargetCountMismatch { .. }));
    for bad in [
        ForestSettings {
            n_trees: 0,
            ..ForestSettings::default()
        },
        ForestSettings {
            max_depth: 0,
            ..ForestSettings::default()
        },
        ForestSettings {
            min_samples_split: 1,
            ..ForestSettings::default()
        },
        ForestSettings {
            min_samples_leaf: 0,
            ..ForestSettings::default()
        },
    ] {
        assert!(matches!(
            bad.validate(),
            Err(SurrogateError::InvalidSetting { .. })
        ));
    }
}

#[test]
fn public_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<RandomForest>();
    check::<ValidForestSettings>();
}
