//! Does an ensemble of the best trials beat the best single trial on data
//! neither was selected on? A real model end to end: support-vector
//! regressors (linfa-svm, Gaussian kernel) on the diabetes data are tuned
//! by a study; each trial saves its validation predictions in its artifact
//! directory by the README's convention (and its predictions on held-out
//! rows beside them); `Study::build_ensemble` selects on validation; the
//! figures compare ensemble and best single trial on the held-out rows.

use crate::{BenchError, Result};
use hyperspace_engine::artifacts::{ensure_dir, study_artifact_dir, trial_artifact_dir};
use hyperspace_engine::ensemble::{combine, read_matrix, write_csv, EnsembleSettings, Metric};
use hyperspace_engine::{open_storage, Outcome, Space, Study, StudyConfig};
use linfa::prelude::*;
use linfa_svm::Svm;
use ndarray::{Array1, Array2, Axis};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;

const NAME: &str = "ensemble-svm-diabetes";

/// The seed of the one shuffle of the rows into train / validation / held out.
const SPLIT_SEED: u64 = 20_261_206;

/// What the check measured (RMSE of standardized targets).
#[derive(Debug, Clone, PartialEq)]
pub struct EnsembleFigures {
    /// The ensemble's members (trial numbers) and weights.
    pub members: Vec<(u64, f64)>,
    /// How many trials were candidates.
    pub candidates: usize,
    /// Validation RMSE of the best single trial.
    pub validation_single: f64,
    /// Validation RMSE of the ensemble (selected on it).
    pub validation_ensemble: f64,
    /// Held-out RMSE of that best single trial.
    pub heldout_single: f64,
    /// Held-out RMSE of the ensemble.
    pub heldout_ensemble: f64,
}

/// Rows of the diabetes data: 60 % to train, 20 % to select on, 20 % held out.
struct Split {
    train: Dataset<f64, f64, ndarray::Ix1>,
    valid_x: Array2<f64>,
    valid_y: Array1<f64>,
    held_x: Array2<f64>,
    held_y: Array1<f64>,
}

fn split() -> Split {
    let data = linfa_datasets::diabetes();
    let y = data.targets();
    let mean = y.mean().unwrap_or(0.0);
    let sd = y.std(0.0).max(f64::MIN_POSITIVE);
    let targets = y.mapv(|v| (v - mean) / sd);
    let n = targets.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(SPLIT_SEED));
    let (train, rest) = order.split_at(n * 6 / 10);
    let (valid, held) = rest.split_at(rest.len() / 2);
    let rows = |idx: &[usize]| data.records().select(Axis(0), idx);
    let ys = |idx: &[usize]| targets.select(Axis(0), idx);
    Split {
        train: Dataset::new(rows(train), ys(train)),
        valid_x: rows(valid),
        valid_y: ys(valid),
        held_x: rows(held),
        held_y: ys(held),
    }
}

fn column(values: &Array1<f64>) -> Array2<f64> {
    values.clone().insert_axis(Axis(1))
}

fn rmse(predicted: &Array2<f64>, targets: &Array1<f64>) -> f64 {
    let n = targets.len().max(1) as f64;
    (predicted
        .column(0)
        .iter()
        .zip(targets)
        .map(|(p, y)| (p - y).powi(2))
        .sum::<f64>()
        / n)
        .sqrt()
}

fn write(path: &Path, matrix: &Array2<f64>) -> Result<()> {
    let io = |source| BenchError::Io {
        action: "write",
        path: path.display().to_string(),
        source,
    };
    let mut file = std::fs::File::create(path).map_err(io)?;
    write_csv(matrix, &mut file).map_err(io)
}

/// Tunes `trials` SVRs (random search, `seed`) with the artifact store at
/// `root`, ensembles the `top` best in `size` rounds, and measures both on
/// held-out rows.
pub fn svm_diabetes(
    root: &Path,
    trials: usize,
    top: usize,
    size: usize,
    seed: u64,
) -> Result<EnsembleFigures> {
    let data = split();
    let config = StudyConfig::new(NAME)
        .space(Space::parse("C=log(1e-2,1e3) width=log(1e-2,1e2)")?)
        .searcher("random", serde_json::Value::Null)
        .seed(seed);
    let registry = hyperspace_searchers::builtin_registry();
    let mut study = Study::create(open_storage(":memory:")?, config, &registry)?;
    let study_dir = study_artifact_dir(root, NAME);
    ensure_dir(&study_dir)?;
    write(&study_dir.join("targets.csv"), &column(&data.valid_y))?;
    for _ in 0..trials {
        let trial = study.ask()?;
        let get = |name: &str| trial.params.get(name).and_then(|v| v.as_f64());
        let (Some(c), Some(width)) = (get("C"), get("width")) else {
            return Err(BenchError::Model {
                problem: NAME.into(),
                reason: "a trial without C or width".into(),
            });
        };
        let model = Svm::<f64, f64>::params()
            .c_svr(c, Some(0.1))
            .gaussian_kernel(width)
            .eps(1e-3)
            .fit(&data.train)
            .map_err(|e| BenchError::Model {
                problem: NAME.into(),
                reason: e.to_string(),
            })?;
        let valid = column(&model.predict(&data.valid_x));
        let held = column(&model.predict(&data.held_x));
        let dir = trial_artifact_dir(root, NAME, trial.number);
        ensure_dir(&dir)?;
        write(&dir.join("predictions.csv"), &valid)?;
        write(&dir.join("heldout.csv"), &held)?;
        study.tell(trial.id, Outcome::complete(rmse(&valid, &data.valid_y)))?;
    }
    let all = study.trials()?.to_vec();
    let settings = EnsembleSettings {
        top,
        size,
        ..EnsembleSettings::new(Metric::Rmse)
    };
    let ensemble = study.build_ensemble(&all, root, &settings)?;
    let heldout =
        |number: u64| read_matrix(&trial_artifact_dir(root, NAME, number).join("heldout.csv"));
    let outputs = ensemble
        .members
        .iter()
        .map(|&m| heldout(m))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(hyperspace_engine::Error::from)?;
    let combined = combine(&outputs, &ensemble.weights, ensemble.combine)
        .map_err(hyperspace_engine::Error::from)?;
    let single = heldout(ensemble.best_single).map_err(hyperspace_engine::Error::from)?;
    Ok(EnsembleFigures {
        members: ensemble
            .members
            .iter()
            .copied()
            .zip(ensemble.weights.iter().copied())
            .collect(),
        candidates: ensemble.candidates.len(),
        validation_single: ensemble.best_single_score,
        validation_ensemble: ensemble.score,
        heldout_single: rmse(&single, &data.held_y),
        heldout_ensemble: rmse(&combined, &data.held_y),
    })
}
