//! The driver: sweep, pick starts, refine each, keep the best. It owns the
//! order of the random draws (Sobol seed, roulette, local moves), so a
//! seed gives the same proposal.

use super::local::local_search;
use super::settings::ValidOptimizerSettings;
use super::space::Dimension;
use super::sweep::{candidates, starts};
use super::target::{argmax, Target};
use crate::acquisition::{Acquisition, JointAcquisition, LocalPenalty};
use crate::gp::{Fantasies, GaussianProcess};
use crate::SurrogateError;
use ndarray::{Array1, ArrayView2};
use rand::RngCore;

/// The best point found and its acquisition value.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimum {
    /// Coordinates (inactive ones at their fixed value).
    pub x: Array1<f64>,
    /// Acquisition value there.
    pub value: f64,
}

/// Maximises `acquisition` of `gp` (losses below `best` are improvements)
/// over `dims`. `warm_starts` (rows, valid points) are refined too.
pub fn optimize_acquisition(
    gp: &GaussianProcess,
    acquisition: Acquisition,
    best: f64,
    dims: &[Dimension],
    warm_starts: ArrayView2<'_, f64>,
    settings: &ValidOptimizerSettings,
    rng: &mut dyn RngCore,
) -> Result<Optimum, SurrogateError> {
    let target = Target::new(gp, acquisition, best, None);
    run(&target, dims, warm_starts, settings, rng)
}

/// As [`optimize_acquisition`], the acquisition (improvements below
/// `penalty`'s best loss) plus `penalty`: the next point of a batch
/// chosen by local penalisation around its pending points.
pub fn optimize_penalized_acquisition(
    gp: &GaussianProcess,
    acquisition: Acquisition,
    penalty: &LocalPenalty,
    dims: &[Dimension],
    warm_starts: ArrayView2<'_, f64>,
    settings: &ValidOptimizerSettings,
    rng: &mut dyn RngCore,
) -> Result<Optimum, SurrogateError> {
    let target = Target::new(gp, acquisition, penalty.best(), Some(penalty));
    run(&target, dims, warm_starts, settings, rng)
}

/// As [`optimize_acquisition`], `acquisition` averaged over the draws of
/// `fantasies` (pending points sampled jointly): the Monte-Carlo batch
/// acquisition of the next point together with the pending ones.
pub fn optimize_fantasized_acquisition(
    fantasies: &Fantasies,
    acquisition: Acquisition,
    best: f64,
    dims: &[Dimension],
    warm_starts: ArrayView2<'_, f64>,
    settings: &ValidOptimizerSettings,
    rng: &mut dyn RngCore,
) -> Result<Optimum, SurrogateError> {
    let target = Target::fantasized(fantasies, acquisition, best);
    run(&target, dims, warm_starts, settings, rng)
}

/// As [`optimize_acquisition`], for a log acquisition over several GPs
/// (objectives and constraints); scales and effort follow its lead GP.
pub fn optimize_joint_acquisition(
    joint: &JointAcquisition<'_>,
    dims: &[Dimension],
    warm_starts: ArrayView2<'_, f64>,
    settings: &ValidOptimizerSettings,
    rng: &mut dyn RngCore,
) -> Result<Optimum, SurrogateError> {
    run(&Target::joint(joint), dims, warm_starts, settings, rng)
}

/// Sweep, starts, local searches.
fn run(
    target: &Target<'_>,
    dims: &[Dimension],
    warm_starts: ArrayView2<'_, f64>,
    settings: &ValidOptimizerSettings,
    rng: &mut dyn RngCore,
) -> Result<Optimum, SurrogateError> {
    let gp = target.gp;
    let s = settings.get();
    let d = dims.len();
    if gp.dims() != d || (warm_starts.nrows() > 0 && warm_starts.ncols() != d) {
        return Err(SurrogateError::DimensionMismatch {
            columns: gp.dims(),
            dimensions: d,
        });
    }
    let (m, local_searches) = s.effort(gp.len());
    // 1. Sweep.
    let candidates = candidates(dims, m, rng);
    let values = target.batch(candidates.view());
    let best_i = argmax(&values);
    // 2. Starts.
    let starts = starts(
        &candidates,
        &values,
        best_i,
        local_searches,
        warm_starts,
        rng,
    );
    // 3. Local search.
    let mut winner = Optimum {
        x: candidates.row(best_i).to_owned(),
        value: values[best_i],
    };
    for x0 in starts {
        let found = local_search(target, dims, x0, s, rng);
        if found.value > winner.value || !winner.value.is_finite() {
            winner = found;
        }
    }
    Ok(winner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn mixed_gp() -> (GaussianProcess, f64) {
        use crate::gp::{Hyperparameters, InputKind};
        // f(x, c) = (x − 0.3 − 0.2c)² + 0.1c on x ∈ [0, 1], c ∈ {0, 1, 2}.
        let pts: Vec<(f64, f64)> = (0..7)
            .flat_map(|i| (0..3).map(move |c| (i as f64 / 6.0, c as f64)))
            .filter(|(x, c)| ((x * 6.0 + c) as usize) & 1 == 0)
            .collect();
        let x = Array2::from_shape_fn(
            (pts.len(), 2),
            |(i, j)| if j == 0 { pts[i].0 } else { pts[i].1 },
        );
        let y = Array1::from_iter(
            pts.iter()
                .map(|(x, c)| (x - 0.3 - 0.2 * c).powi(2) + 0.1 * c),
        );
        let best = y.iter().copied().fold(f64::INFINITY, f64::min);
        let hyper = Hyperparameters::new(ndarray::array![0.3, 1.0], 1.0, 1e-6);
        let kinds = [InputKind::Numeric, InputKind::Categorical];
        (
            GaussianProcess::with_hyperparameters(x.view(), y.view(), &kinds, hyper).unwrap(),
            best,
        )
    }

    #[test]
    fn finds_the_maximum_of_a_dense_grid_on_a_mixed_space() {
        use crate::acquisition::{Domain, OptimizerSettings};
        use rand::SeedableRng;
        let (gp, best) = mixed_gp();
        let dims = vec![
            Dimension::new(Domain::Continuous),
            Dimension::new(Domain::Categorical(3)),
        ];
        for acq in [
            Acquisition::LogEi,
            Acquisition::Ucb { kappa: 2.0 },
            Acquisition::LogPi,
        ] {
            let target = Target::new(&gp, acq, best, None);
            let grid = Array2::from_shape_fn((3 * 4001, 2), |(i, j)| {
                if j == 0 {
                    (i % 4001) as f64 / 4000.0
                } else {
                    (i / 4001) as f64
                }
            });
            let brute = target
                .batch(grid.view())
                .fold(f64::NEG_INFINITY, |m, v| m.max(*v));
            let settings = OptimizerSettings {
                candidates: 64,
                ..OptimizerSettings::default()
            }
            .validate()
            .unwrap();
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
            let found = optimize_acquisition(
                &gp,
                acq,
                best,
                &dims,
                Array2::zeros((0, 2)).view(),
                &settings,
                &mut rng,
            )
            .unwrap();
            assert!(
                found.value >= brute - 1e-6 * brute.abs().max(1.0),
                "{acq:?}: {} < grid {brute}",
                found.value
            );
            assert!(
                found.x[1] == found.x[1].round() && (0.0..=2.0).contains(&found.x[1]),
                "{:?}",
                found.x
            );
            assert!((0.0..=1.0).contains(&found.x[0]));
        }
    }
}

#[cfg(test)]
mod fantasy_tests {
    use super::*;
    use crate::gp::{Hyperparameters, InputKind};
    use ndarray::array;
    use rand::SeedableRng;

    /// A 1-D model sure of a minimum near 0.3 and unsure of the far end,
    /// with a pending trial at the minimum.
    fn fantasies(samples: usize) -> (Fantasies, f64) {
        let x = array![[0.0], [0.2], [0.3], [0.4], [0.6]];
        let y = x.column(0).mapv(|v: f64| (v - 0.3).powi(2));
        let hyper = Hyperparameters::new(array![0.2], 1.0, 1e-6);
        let gp =
            GaussianProcess::with_hyperparameters(x.view(), y.view(), &[InputKind::Numeric], hyper)
                .unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let f = gp
            .fantasize(array![[0.32]].view(), samples, &mut rng)
            .unwrap();
        (f, 0.0)
    }

    #[test]
    fn the_averaged_log_ei_has_its_analytic_gradient() {
        let (f, best) = fantasies(8);
        let target = Target::fantasized(&f, Acquisition::LogEi, best);
        let h = 1e-6;
        for x in [0.1, 0.33, 0.8] {
            let (_, g) = target.with_gradient(array![x].view());
            let up = target.batch(array![[x + h]].view())[0];
            let down = target.batch(array![[x - h]].view())[0];
            let fd = (up - down) / (2.0 * h);
            assert!(
                (fd - g[0]).abs() < 1e-4 * fd.abs().max(1.0),
                "at {x}: {fd} vs {}",
                g[0]
            );
            let (v, _) = target.with_gradient(array![x].view());
            assert!((v - target.batch(array![[x]].view())[0]).abs() < 1e-12);
        }
    }

    #[test]
    fn a_pending_point_is_worth_nothing_more_but_the_rest_of_the_space_is() {
        // Under every draw the pending point is known: evaluating it again
        // improves on nothing (the model ignoring it would propose it).
        let (f, best) = fantasies(32);
        let fantasized = Target::fantasized(&f, Acquisition::LogEi, best);
        let pending = fantasized.batch(array![[0.32]].view())[0];
        let elsewhere = fantasized.batch(array![[0.95]].view())[0];
        assert!(pending < elsewhere - 3.0, "{pending} vs {elsewhere}");
    }
}
