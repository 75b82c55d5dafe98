//! [`param_importances`]: the inputs, grouped by where parameters are
//! active, through fANOVA or PED-ANOVA, normalised and sorted.

use super::errors::ImportanceError;
use super::inputs::{collect, Column, Inputs, MIN_TRIALS};
use super::settings::{
    Evaluator, FanovaSettings, PedAnovaRegion, PedAnovaSettings, ValidEvaluator,
};
use hyperspace_engine::{Direction, Param, Space, Trial};
use hyperspace_surrogate::forest::{fanova, ForestSettings, RandomForest};
use hyperspace_surrogate::ped_anova::{numeric_cell, pearson_divergence, top_quantile, Grid};
use indexmap::IndexMap;
use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What importance is computed over: a study's trials, its space, its
/// direction, and optionally the parameters to rank (all by default).
#[derive(Debug, Clone)]
pub struct ImportanceInput<'a> {
    pub(super) trials: &'a [Trial],
    pub(super) space: &'a Space,
    pub(super) direction: Direction,
    pub(super) params: Option<Vec<String>>,
}

impl<'a> ImportanceInput<'a> {
    /// Every parameter of `space`, over the complete trials among `trials`.
    pub fn new(trials: &'a [Trial], space: &'a Space, direction: Direction) -> Self {
        Self {
            trials,
            space,
            direction,
            params: None,
        }
    }

    /// Ranks only these parameters (the models see only them too).
    pub fn params(mut self, names: Vec<String>) -> Self {
        self.params = Some(names);
        self
    }
}

/// Each parameter's importance, summing to 1, most important first (ties
/// in space order). `seed` fixes fANOVA's forest: the same trials and seed
/// give the same numbers. Failed, pruned, running trials and non-finite
/// values are left out.
pub fn param_importances(
    input: &ImportanceInput<'_>,
    evaluator: &ValidEvaluator,
    seed: u64,
) -> Result<IndexMap<String, f64>, ImportanceError> {
    let inputs = collect(input)?;
    let raw = match evaluator.get() {
        Evaluator::Fanova(s) => fanova_raw(&inputs, s, seed)?,
        Evaluator::PedAnova(s) => ped_anova_raw(&inputs, s)?,
    };
    Ok(normalised(&inputs.columns, raw))
}

/// Shares scaled to sum 1 (equal shares, but 0 for single-valued
/// parameters, when nothing explains anything), sorted.
fn normalised(columns: &[Column], raw: Vec<f64>) -> IndexMap<String, f64> {
    let sum: f64 = raw.iter().sum();
    let varied: Vec<bool> = columns.iter().map(|c| !single_valued(&c.param)).collect();
    let n_varied = varied.iter().filter(|v| **v).count().max(1);
    let mut out: IndexMap<String, f64> = columns
        .iter()
        .zip(raw)
        .zip(varied)
        .map(|((c, r), v)| {
            let share = if sum > 0.0 {
                r / sum
            } else if v {
                1.0 / n_varied as f64
            } else {
                0.0
            };
            (c.name.clone(), share)
        })
        .collect();
    out.sort_by(|_, a, _, b| b.total_cmp(a));
    out
}

fn single_valued(param: &Param) -> bool {
    param.levels() == Some(1)
        || matches!(param, Param::Float(f) if f.low() == f.high())
        || matches!(param, Param::Int(i) if i.low() == i.high())
}

/// fANOVA: one forest per set of trials parameters are active in; each
/// parameter's share from its own forest, scaled by the fraction of trials
/// it is active in.
fn fanova_raw(inputs: &Inputs, s: &FanovaSettings, seed: u64) -> Result<Vec<f64>, ImportanceError> {
    let forest_settings = ForestSettings {
        n_trees: s.n_trees,
        max_depth: s.max_depth,
        ..ForestSettings::default()
    }
    .validate()?;
    let n_total = inputs.losses.len() as f64;
    let mut groups: IndexMap<Vec<bool>, Vec<usize>> = IndexMap::new();
    for (i, c) in inputs.columns.iter().enumerate() {
        groups.entry(c.active()).or_default().push(i);
    }
    let mut raw = vec![0.0; inputs.columns.len()];
    for (mask, members) in groups {
        let rows: Vec<usize> = (0..mask.len()).filter(|&r| mask[r]).collect();
        if rows.len() < MIN_TRIALS {
            continue;
        }
        // The features: every parameter active in all of these trials (the
        // group's own, and those active wherever they are). A filled-in
        // value for the others would be integrated over by fANOVA as if
        // it were real, and skew the marginals.
        let features: Vec<usize> = (0..inputs.columns.len())
            .filter(|&j| rows.iter().all(|&r| inputs.columns[j].coords[r].is_some()))
            .collect();
        let x = Array2::from_shape_fn((rows.len(), features.len()), |(r, f)| {
            inputs.columns[features[f]].coords[rows[r]].unwrap_or(0.5)
        });
        let y = Array1::from_iter(rows.iter().map(|&r| inputs.losses[r]));
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let forest = RandomForest::fit(x.view(), y.view(), &forest_settings, &mut rng)?;
        let shares = fanova(&forest);
        let weight = rows.len() as f64 / n_total;
        for m in members {
            if let Some(f) = features.iter().position(|&j| j == m) {
                raw[m] = shares[f] * weight;
            }
        }
    }
    Ok(raw)
}

/// PED-ANOVA: per parameter, over the trials where it is active.
fn ped_anova_raw(inputs: &Inputs, s: &PedAnovaSettings) -> Result<Vec<f64>, ImportanceError> {
    let mut raw = vec![0.0; inputs.columns.len()];
    for (i, column) in inputs.columns.iter().enumerate() {
        if single_valued(&column.param) {
            continue;
        }
        let (losses, coords): (Vec<f64>, Vec<f64>) = column
            .coords
            .iter()
            .zip(&inputs.losses)
            .filter_map(|(c, l)| c.map(|c| (*l, c)))
            .unzip();
        if losses.len() <= MIN_TRIALS {
            continue;
        }
        let (grid, cell) = binning(&column.param, s.n_steps);
        let cells: Vec<usize> = coords.iter().map(|&u| cell(u)).collect();
        let top_mask = top_quantile(&losses, s.baseline_quantile, MIN_TRIALS)?;
        let top: Vec<usize> = cells
            .iter()
            .zip(&top_mask)
            .filter(|(_, t)| **t)
            .map(|(c, _)| *c)
            .collect();
        let all = match s.region {
            PedAnovaRegion::Local => Some(cells.as_slice()),
            PedAnovaRegion::SearchSpace => None,
        };
        raw[i] = pearson_divergence(grid, &top, all, s.prior_weight)?;
    }
    Ok(raw)
}

/// The grid a parameter is binned on and the cell of a unit coordinate,
/// as Optuna bins: a choice per category, a level per step of a discrete
/// range (at most `n_steps`), about one cell per doubling of a log-int
/// range, `n_steps` cells of a continuous one.
fn binning(param: &Param, n_steps: usize) -> (Grid, Box<dyn Fn(f64) -> usize>) {
    let level = |u: f64, n: usize| ((u * n as f64).floor().max(0.0) as usize).min(n - 1);
    match param {
        Param::Categorical(c) => {
            let k = c.choices().len();
            (
                Grid::Categorical { choices: k },
                Box::new(move |u| level(u, k)),
            )
        }
        _ => match param.levels() {
            Some(n) if n <= n_steps => (Grid::Numeric { cells: n }, Box::new(move |u| level(u, n))),
            Some(n) => (
                Grid::Numeric { cells: n_steps },
                Box::new(move |u| numeric_cell(level(u, n) as f64 / (n - 1) as f64, n_steps)),
            ),
            None => {
                let cells = match param {
                    Param::Int(i) => {
                        let size =
                            (i.high() as f64 - i.low() as f64 + 1.0).log2().ceil() as usize + 1;
                        size.min(n_steps)
                    }
                    _ => n_steps,
                };
                (
                    Grid::Numeric { cells },
                    Box::new(move |u| numeric_cell(u, cells)),
                )
            }
        },
    }
}
