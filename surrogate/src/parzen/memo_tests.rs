//! A memoised refit is the fresh fit, bit for bit: over histories that grow,
//! lose rows, move a row, repeat centres exactly and touch the interval's
//! ends, for every bandwidth setting, with other kinds of dimension beside.

use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::SurrogateError;

/// Rows of a history by id: the ids of one fit and their coordinates.
fn rows(history: &[(u64, Vec<f64>)], keep: &[bool]) -> (Vec<u64>, Array2<f64>) {
    let kept: Vec<&(u64, Vec<f64>)> = history
        .iter()
        .zip(keep)
        .filter_map(|(r, &k)| k.then_some(r))
        .collect();
    let d = history.first().map_or(0, |r| r.1.len());
    let data = kept.iter().flat_map(|r| r.1.iter().copied()).collect();
    let ids = kept.iter().map(|r| r.0).collect();
    (ids, Array2::from_shape_vec((kept.len(), d), data).unwrap())
}

fn assert_same(a: &ParzenEstimator, b: &ParzenEstimator, step: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(step as u64);
    let points = a.sample(&mut rng, 16);
    let mut rng = ChaCha8Rng::seed_from_u64(step as u64);
    assert_eq!(
        points,
        b.sample(&mut rng, 16),
        "samples differ at step {step}"
    );
    let (x, y) = (a.log_pdf(points.view()), b.log_pdf(points.view()));
    for (p, q) in x.iter().zip(&y) {
        assert_eq!(
            p.to_bits(),
            q.to_bits(),
            "log-density differs at step {step}"
        );
    }
}

fn coordinate(rng: &mut ChaCha8Rng, dim: Dimension, repeats: &[f64]) -> f64 {
    match dim {
        Dimension::Categorical { choices } => rng.random_range(0..choices) as f64,
        _ => match rng.random_range(0..10) {
            // Exact ties, the interval's ends, values a hair apart.
            0 => repeats[rng.random_range(0..repeats.len())],
            1 => 1e-13 * rng.random_range(0..3) as f64 + 0.3,
            _ => rng.random(),
        },
    }
}

/// A history as a test grows it: rows by id, and which of them a fit sees.
#[derive(Default, Clone)]
struct History {
    rows: Vec<(u64, Vec<f64>)>,
    keep: Vec<bool>,
}

impl History {
    fn push(&mut self, id: u64, row: Vec<f64>) {
        self.rows.push((id, row));
        self.keep.push(true);
    }

    /// Flips whether a random row is seen.
    fn toggle(&mut self, rng: &mut ChaCha8Rng) {
        let i = rng.random_range(0..self.keep.len());
        self.keep[i] = !self.keep[i];
    }
}

/// Under each of `cases` (bandwidth, consider_endpoints,
/// prior_is_neighbour, prior_weight), `steps` times: `step` changes the
/// history, then a fresh fit and a memoised refit of it must agree.
fn assert_refits_are_fresh_fits(
    dims: &[Dimension],
    cases: &[(Bandwidth, bool, bool, f64)],
    seed: u64,
    steps: usize,
    mut step: impl FnMut(&mut ChaCha8Rng, usize, &mut History),
) {
    for &(bandwidth, consider_endpoints, prior_is_neighbour, prior_weight) in cases {
        let s = ParzenSettings {
            bandwidth,
            prior_weight,
            multivariate: true,
            consider_endpoints,
            prior_is_neighbour,
        }
        .validate()
        .unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut history = History::default();
        let mut memo = FitMemo::default();
        for i in 0..steps {
            step(&mut rng, i, &mut history);
            let (ids, obs) = rows(&history.rows, &history.keep);
            let w: Array1<f64> = default_weights(obs.nrows());
            let fresh = ParzenEstimator::fit(obs.view(), w.view(), dims, &s).unwrap();
            let memoised =
                ParzenEstimator::fit_with_memo(obs.view(), w.view(), dims, &s, &ids, &mut memo)
                    .unwrap();
            assert_same(&fresh, &memoised, i);
            // The next refit writes into this one's buffers.
            memoised.recycle(&mut memo);
        }
    }
}

const REPEATS: [f64; 5] = [0.0, 1.0, 0.25, 0.5, 0.75];

fn random_row(rng: &mut ChaCha8Rng, dims: &[Dimension]) -> Vec<f64> {
    dims.iter().map(|&d| coordinate(rng, d, &REPEATS)).collect()
}

#[test]
fn memoised_refits_equal_fresh_fits() {
    let dims = [
        Dimension::Continuous,
        Dimension::Categorical { choices: 3 },
        Dimension::Continuous,
        Dimension::Discrete { levels: 7 },
        Dimension::Discrete { levels: 5000 },
        Dimension::Continuous,
    ];
    let cases = [
        (Bandwidth::MagicClip, false, false, 1.0),
        (Bandwidth::MagicClip, true, true, 1.0),
        (Bandwidth::MagicClip, false, true, 0.0),
        (Bandwidth::Scott, false, false, 1.0),
    ];
    assert_refits_are_fresh_fits(&dims, &cases, 11, 140, |rng, step, history| {
        // Mostly one new row; sometimes a row leaves, comes back, or (a
        // reused id) moves.
        let row = random_row(rng, &dims);
        history.push(3 * step as u64 + 5, row);
        if step > 3 && rng.random_range(0..4) == 0 {
            history.toggle(rng);
        }
        if step > 3 && rng.random_range(0..9) == 0 {
            let i = rng.random_range(0..history.rows.len());
            history.rows[i].1[0] = rng.random();
        }
    });
}

/// Past a hundred rows the magic clip's least width stops changing, and a
/// refit whose rows only grew at the end updates the kernels in place (the
/// new ones and their neighbours): still the fresh fit, bit for bit, also
/// when a new centre lands first, last, on another's, or beside the prior,
/// and when now and then a row leaves (the full refit) and the growth
/// resumes.
#[test]
fn refits_of_a_long_growing_history_equal_fresh_fits() {
    let dims = [
        Dimension::Continuous,
        Dimension::Continuous,
        Dimension::Categorical { choices: 3 },
        Dimension::Continuous,
    ];
    let cases = [
        (Bandwidth::MagicClip, false, false, 1.0),
        (Bandwidth::MagicClip, true, true, 1.0),
        (Bandwidth::MagicClip, false, true, 1.0),
        (Bandwidth::MagicClip, true, false, 0.0),
        (Bandwidth::Scott, false, false, 1.0),
    ];
    assert_refits_are_fresh_fits(&dims, &cases, 23, 260, |rng, step, history| {
        // One or two new rows, now and then none; rarely a row leaves or
        // comes back.
        for _ in 0..[1, 1, 1, 2, 0][step % 5] {
            let row = random_row(rng, &dims);
            history.push(history.rows.len() as u64 + 1, row);
        }
        if step > 120 && rng.random_range(0..6) == 0 {
            history.toggle(rng);
        }
    });
}

#[test]
fn ids_that_do_not_increase_still_fit_exactly() {
    let s = ParzenSettings {
        multivariate: true,
        ..ParzenSettings::default()
    }
    .validate()
    .unwrap();
    let dims = [Dimension::Continuous; 2];
    let obs = ndarray::array![[0.1, 0.9], [0.4, 0.2], [0.8, 0.5]];
    let w = default_weights(3);
    let mut memo = FitMemo::default();
    let fresh = ParzenEstimator::fit(obs.view(), w.view(), &dims, &s).unwrap();
    for ids in [[3, 1, 2], [1, 2, 3], [2, 2, 3]] {
        let m = ParzenEstimator::fit_with_memo(obs.view(), w.view(), &dims, &s, &ids, &mut memo)
            .unwrap();
        assert_same(&fresh, &m, 0);
    }
    let err = ParzenEstimator::fit_with_memo(obs.view(), w.view(), &dims, &s, &[1, 2], &mut memo);
    assert!(matches!(
        err,
        Err(crate::SurrogateError::IdCountMismatch {
            ids: 2,
            observations: 3
        })
    ));
}

/// A memo lends its columns' arrays to the estimator it fits, and gets them
/// back at `recycle`. An estimator dropped instead, recycled late (after
/// the next fit, while that one's arrays are out), twice (a clone), or into
/// another memo whose own arrays are out, must never change what a later
/// fit with either memo gives: still the fresh fit, bit for bit.
#[test]
fn refits_equal_fresh_fits_however_estimators_come_back() {
    let dims = [Dimension::Continuous; 3];
    let s = ParzenSettings {
        multivariate: true,
        ..ParzenSettings::default()
    }
    .validate()
    .unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(31);
    let (mut history, mut second) = (History::default(), History::default());
    let (mut memo, mut other) = (FitMemo::default(), FitMemo::default());
    let mut late: Vec<ParzenEstimator> = Vec::new();
    let fit = |history: &History, memo: &mut FitMemo, step: usize| {
        let (ids, obs) = rows(&history.rows, &history.keep);
        let w: Array1<f64> = default_weights(obs.nrows());
        let fresh = ParzenEstimator::fit(obs.view(), w.view(), &dims, &s).unwrap();
        let fitted =
            ParzenEstimator::fit_with_memo(obs.view(), w.view(), &dims, &s, &ids, memo).unwrap();
        assert_same(&fresh, &fitted, step);
        fitted
    };
    for step in 0..240 {
        history.push(step as u64, random_row(&mut rng, &dims));
        second.push(step as u64, random_row(&mut rng, &dims));
        if step > 110 && step % 7 == 0 {
            // A row mid-history moves: its column is refitted whole.
            let i = rng.random_range(0..history.rows.len());
            history.rows[i].1[1] = rng.random();
        }
        let fitted = fit(&history, &mut memo, step);
        let theirs = fit(&second, &mut other, step);
        match step % 6 {
            0 => drop(fitted),
            1 => {
                let copy = fitted.clone();
                fitted.recycle(&mut memo);
                copy.recycle(&mut memo);
            }
            // Into the other memo while its own estimator is out.
            2 => fitted.recycle(&mut other),
            3 => late.push(fitted),
            4 => fitted.recycle(&mut memo),
            _ => {
                // An earlier fit's estimator comes back while this one's
                // arrays are out.
                for old in late.drain(..) {
                    old.recycle(&mut memo);
                }
                fitted.recycle(&mut memo);
            }
        }
        theirs.recycle(&mut other);
    }
}

/// An estimator of an older fit with the same centres but other widths
/// (another bandwidth rule) is not taken back as the arrays of the newer fit
/// it comes back during: the next refit, which keeps most widths, is still
/// the fresh fit.
#[test]
fn an_older_fits_arrays_are_not_taken_back() {
    let dims = [Dimension::Continuous; 2];
    let settings = |bandwidth| {
        ParzenSettings {
            multivariate: true,
            bandwidth,
            ..ParzenSettings::default()
        }
        .validate()
        .unwrap()
    };
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut history = History::default();
    for id in 0..150 {
        history.push(id, random_row(&mut rng, &dims));
    }
    let mut memo = FitMemo::default();
    let fit = |history: &History, memo: &mut FitMemo, s: &ValidParzenSettings| {
        let (ids, obs) = rows(&history.rows, &history.keep);
        let w: Array1<f64> = default_weights(obs.nrows());
        let fresh = ParzenEstimator::fit(obs.view(), w.view(), &dims, s).unwrap();
        let fitted =
            ParzenEstimator::fit_with_memo(obs.view(), w.view(), &dims, s, &ids, memo).unwrap();
        assert_same(&fresh, &fitted, history.rows.len());
        fitted
    };
    let older = fit(&history, &mut memo, &settings(Bandwidth::Scott));
    let newer = fit(&history, &mut memo, &settings(Bandwidth::MagicClip));
    older.recycle(&mut memo);
    newer.recycle(&mut memo);
    history.push(150, random_row(&mut rng, &dims));
    fit(&history, &mut memo, &settings(Bandwidth::MagicClip)).recycle(&mut memo);
}

/// A refit checks the range of only the rows no earlier fit checked (the
/// others hold the centres its memo has, bit for bit): an added row out of
/// range or NaN, first or last, and a kept row changed to one out of range,
/// are still the errors a fresh fit gives, naming the same coordinate; and
/// after them the memo still refits exactly, in place.
#[test]
fn a_refit_rejects_what_a_fresh_fit_rejects() {
    let dims = [
        Dimension::Continuous,
        Dimension::Categorical { choices: 3 },
        Dimension::Continuous,
    ];
    let s = ParzenSettings::multivariate().validate().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let mut history = History::default();
    for id in 0..130 {
        history.push(2 * id, random_row(&mut rng, &dims));
    }
    let mut memo = FitMemo::default();
    let fit_both = |history: &History, memo: &mut FitMemo| {
        let (ids, obs) = rows(&history.rows, &history.keep);
        let w: Array1<f64> = default_weights(obs.nrows());
        let fresh = ParzenEstimator::fit(obs.view(), w.view(), &dims, &s);
        let memoised = ParzenEstimator::fit_with_memo(obs.view(), w.view(), &dims, &s, &ids, memo);
        (fresh, memoised)
    };
    let (_, first) = fit_both(&history, &mut memo);
    first.unwrap().recycle(&mut memo);
    // Added rows at the end, or between kept ones (an odd id).
    for (bad, id, at) in [(1.5, 260, 130), (-0.25, 261, 130), (f64::NAN, 3, 2)] {
        let mut grown = history.clone();
        let mut row = random_row(&mut rng, &dims);
        row[2] = bad;
        grown.rows.insert(at, (id, row));
        grown.keep.insert(at, true);
        let (fresh, memoised) = fit_both(&grown, &mut memo);
        let want = SurrogateError::ObservationOutOfRange {
            row: at,
            dimension: 2,
            value: bad,
        };
        let (fresh, memoised) = (fresh.unwrap_err(), memoised.unwrap_err());
        assert_eq!(format!("{fresh:?}"), format!("{want:?}"));
        assert_eq!(format!("{memoised:?}"), format!("{want:?}"));
    }
    // A kept row's centre moved out of the interval.
    let mut moved = history.clone();
    moved.rows[40].1[0] = 1.25;
    moved.push(300, random_row(&mut rng, &dims));
    let (fresh, memoised) = fit_both(&moved, &mut memo);
    let want = SurrogateError::ObservationOutOfRange {
        row: 40,
        dimension: 0,
        value: 1.25,
    };
    assert_eq!(fresh.unwrap_err(), want);
    assert_eq!(memoised.unwrap_err(), want);
    // The memo still refits exactly.
    for id in 130..140 {
        history.push(2 * id, random_row(&mut rng, &dims));
        let (fresh, memoised) = fit_both(&history, &mut memo);
        let memoised = memoised.unwrap();
        assert_same(&fresh.unwrap(), &memoised, id as usize);
        memoised.recycle(&mut memo);
    }
}
