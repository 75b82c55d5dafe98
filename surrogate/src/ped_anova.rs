//! PED-ANOVA (Watanabe, Bansal & Hutter, "PED-ANOVA: Efficiently
//! Quantifying Hyperparameter Importance in Arbitrary Subspaces", IJCAI
//! 2023): a parameter matters as much as the values the best trials took
//! differ from the values all trials took.
//!
//! Per parameter, the values are binned on a grid (numbers) or by choice
//! (categories); a one-dimensional Parzen estimator with Scott's bandwidth
//! is fitted to the bins of the top-quantile trials and another to those of
//! all trials, and the importance is the Pearson divergence
//! `Σ p_all (p_top / p_all − 1)²` between them. Normalising across
//! parameters is the caller's business.
//!
//! ```
//! use hyperspace_surrogate::ped_anova::{pearson_divergence, top_quantile, Grid};
//! // The best trials sit in the low cells of a 10-cell grid; all trials spread out.
//! let all: Vec<usize> = (0..100).map(|i| i % 10).collect();
//! let losses: Vec<f64> = all.iter().map(|&c| c as f64).collect();
//! let top = top_quantile(&losses, 0.1, 2)?;
//! let top_cells: Vec<usize> = all.iter().zip(&top).filter(|(_, t)| **t).map(|(c, _)| *c).collect();
//! let d = pearson_divergence(Grid::Numeric { cells: 10 }, &top_cells, Some(&all), 1.0)?;
//! assert!(d > 1.0);
//! # Ok::<(), hyperspace_surrogate::SurrogateError>(())
//! ```

use crate::SurrogateError;

/// How one parameter's values are binned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grid {
    /// Ordered cells `0..cells` of a numeric range: neighbours share mass.
    Numeric {
        /// Number of cells (at least 1).
        cells: usize,
    },
    /// Unordered choices `0..choices`.
    Categorical {
        /// Number of choices (at least 1).
        choices: usize,
    },
}

impl Grid {
    fn len(self) -> usize {
        match self {
            Grid::Numeric { cells } => cells,
            Grid::Categorical { choices } => choices,
        }
    }
}

/// The cell of a unit coordinate on a grid of `cells` equally spaced points
/// from 0 to 1 (the nearest point).
pub fn numeric_cell(unit: f64, cells: usize) -> usize {
    if cells <= 1 {
        return 0;
    }
    let last = (cells - 1) as f64;
    ((unit.clamp(0.0, 1.0) * last).round() as usize).min(cells - 1)
}

/// Which observations are in the top `quantile` by loss (smaller is
/// better), keeping at least `min_top` of them and every tie at the cutoff.
pub fn top_quantile(
    losses: &[f64],
    quantile: f64,
    min_top: usize,
) -> Result<Vec<bool>, SurrogateError> {
    if !(quantile > 0.0 && quantile <= 1.0) {
        return Err(SurrogateError::InvalidSetting {
            name: "quantile",
            reason: format!("must be in (0, 1], got {quantile}; 0.1 keeps the best tenth"),
        });
    }
    if let Some((index, &value)) = losses.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(SurrogateError::NonFiniteTarget { index, value });
    }
    if losses.is_empty() {
        return Err(SurrogateError::NoObservations);
    }
    let mut sorted = losses.to_vec();
    sorted.sort_by(f64::total_cmp);
    let by_quantile = ((quantile * losses.len() as f64).ceil() as usize).clamp(1, losses.len());
    let keep = by_quantile.max(min_top.min(losses.len()));
    let cutoff = sorted[keep - 1];
    Ok(losses.iter().map(|&l| l <= cutoff).collect())
}

/// The Pearson divergence of the density of `top` from that of `all`, both
/// lists of cell indices on `grid`, each density a Parzen estimator with a
/// prior component of weight `prior_weight` (1 is usual); `all = None`
/// compares with the uniform density over the grid instead.
pub fn pearson_divergence(
    grid: Grid,
    top: &[usize],
    all: Option<&[usize]>,
    prior_weight: f64,
) -> Result<f64, SurrogateError> {
    if grid.len() == 0 {
        return Err(SurrogateError::EmptyDimension { dimension: 0 });
    }
    if !(prior_weight.is_finite() && prior_weight >= 0.0) {
        return Err(SurrogateError::InvalidPriorWeight {
            value: prior_weight,
        });
    }
    let p_top = density(grid, &counts(grid, top)?, prior_weight);
    let p_all = match all {
        Some(all) => density(grid, &counts(grid, all)?, prior_weight),
        None => vec![1.0 / grid.len() as f64; grid.len()],
    };
    Ok(p_top
        .iter()
        .zip(&p_all)
        .map(|(t, a)| {
            let (t, a) = (t + 1e-12, a + 1e-12);
            a * (t / a - 1.0).powi(2)
        })
        .sum())
}

fn counts(grid: Grid, cells: &[usize]) -> Result<Vec<f64>, SurrogateError> {
    let n = grid.len();
    let mut counts = vec![0.0; n];
    for (row, &c) in cells.iter().enumerate() {
        match counts.get_mut(c) {
            Some(slot) => *slot += 1.0,
            None => {
                return Err(SurrogateError::InvalidCategory {
                    row,
                    dimension: 0,
                    value: c as f64,
                    choices: n,
                })
            }
        }
    }
    Ok(counts)
}

/// The estimator's probability of each cell.
fn density(grid: Grid, counts: &[f64], prior_weight: f64) -> Vec<f64> {
    let n = counts.len();
    let total: f64 = counts.iter().sum();
    if total == 0.0 {
        return vec![1.0 / n as f64; n];
    }
    let observed: Vec<(usize, f64)> = counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0.0)
        .map(|(i, c)| (i, *c))
        .collect();
    let mixture_total = total + prior_weight;
    let mut p = vec![0.0; n];
    match grid {
        Grid::Categorical { .. } => {
            // Each observed choice's kernel: mostly itself, a little of
            // every choice (the prior's share); the prior kernel is uniform.
            let kernels = (observed.len() + usize::from(prior_weight > 0.0)) as f64;
            let floor = prior_weight / kernels;
            let row_total = 1.0 + floor * n as f64;
            for &(i, c) in &observed {
                let w = c / mixture_total;
                p.iter_mut().for_each(|v| *v += w * floor / row_total);
                p[i] += w / row_total;
            }
        }
        Grid::Numeric { .. } => {
            let sigma = scott_bandwidth(&observed, total);
            for &(i, c) in &observed {
                add_discrete_normal(&mut p, i as f64, sigma, c / mixture_total);
            }
        }
    }
    if prior_weight > 0.0 {
        let w = prior_weight / mixture_total;
        match grid {
            Grid::Categorical { .. } => p.iter_mut().for_each(|v| *v += w / n as f64),
            Grid::Numeric { .. } => add_discrete_normal(&mut p, 0.5 * (n - 1) as f64, n as f64, w),
        }
    }
    p
}

/// Scott's rule on cell indices (with the IQR guard), floored so that 90%
/// of a kernel's mass stays within half a cell of its centre at most.
fn scott_bandwidth(observed: &[(usize, f64)], total: f64) -> f64 {
    let mean = observed.iter().map(|&(i, c)| i as f64 * c).sum::<f64>() / total;
    let spread = observed
        .iter()
        .map(|&(i, c)| c * (i as f64 - mean).powi(2))
        .sum::<f64>()
        / (total - 1.0).max(1.0);
    let sd = spread.sqrt();
    let n = total as usize;
    let mut cumulative = Vec::with_capacity(observed.len());
    let mut running = 0usize;
    for &(_, c) in observed {
        running += c as usize;
        cumulative.push(running);
    }
    let q25 = cumulative.partition_point(|&c| c < n / 4);
    let q75 = cumulative.partition_point(|&c| c <= n * 3 / 4);
    let at = |k: usize| observed[k.min(observed.len() - 1)].0 as f64;
    let iqr = at(q75) - at(q25);
    let sigma = 1.059 * (iqr / 1.34).min(sd) * total.powf(-0.2);
    sigma.max(0.5 / 1.64)
}

/// Adds `weight` times a normal(centre, sigma) truncated to
/// `[-0.5, n - 0.5]` and binned to the integers `0..n`.
fn add_discrete_normal(p: &mut [f64], centre: f64, sigma: f64, weight: f64) {
    if weight == 0.0 {
        return;
    }
    let cdf = |x: f64| 0.5 * libm::erfc(-(x - centre) / (sigma * std::f64::consts::SQRT_2));
    let n = p.len() as f64;
    let mass = cdf(n - 0.5) - cdf(-0.5);
    if mass <= 0.0 {
        return;
    }
    for (k, v) in p.iter_mut().enumerate() {
        let k = k as f64;
        *v += weight * (cdf(k + 0.5) - cdf(k - 0.5)) / mass;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn densities_sum_to_one() {
        for grid in [
            Grid::Numeric { cells: 50 },
            Grid::Categorical { choices: 4 },
        ] {
            let cells: Vec<usize> = (0..30).map(|i| (i * 7) % grid.len()).collect();
            for prior in [0.0, 1.0] {
                let p = density(grid, &counts(grid, &cells).unwrap(), prior);
                assert!(
                    (p.iter().sum::<f64>() - 1.0).abs() < 1e-9,
                    "{grid:?} {prior}"
                );
            }
        }
    }

    #[test]
    fn identical_sets_have_zero_divergence_and_a_narrow_top_a_large_one() {
        let all: Vec<usize> = (0..200).map(|i| i % 50).collect();
        let g = Grid::Numeric { cells: 50 };
        assert!(pearson_divergence(g, &all, Some(&all), 1.0).unwrap() < 1e-9);
        let narrow = vec![3, 4, 4, 5, 3, 4];
        let wide = vec![3, 40, 12, 25, 48, 30];
        let d_narrow = pearson_divergence(g, &narrow, Some(&all), 1.0).unwrap();
        let d_wide = pearson_divergence(g, &wide, Some(&all), 1.0).unwrap();
        assert!(d_narrow > 3.0 * d_wide, "{d_narrow} vs {d_wide}");
        let c = Grid::Categorical { choices: 3 };
        let all: Vec<usize> = (0..90).map(|i| i % 3).collect();
        // With the prior's smoothing, nine trials of one choice out of
        // three give p_top ≈ (0.21, 0.57, 0.21): divergence ≈ 0.26.
        let one = pearson_divergence(c, &[1; 9], Some(&all), 1.0).unwrap();
        assert!((one - 0.26).abs() < 0.01, "{one}");
        assert!(pearson_divergence(c, &[0, 1, 2, 0, 1, 2], None, 1.0).unwrap() < 1e-9);
    }

    #[test]
    fn top_quantile_keeps_ties_and_a_minimum() {
        let losses = [5.0, 1.0, 3.0, 1.0, 9.0, 7.0, 2.0, 8.0, 6.0, 4.0];
        let top = top_quantile(&losses, 0.1, 2).unwrap();
        assert_eq!(top.iter().filter(|t| **t).count(), 2);
        let top = top_quantile(&losses, 0.3, 2).unwrap();
        assert_eq!(top, losses.map(|l| l <= 2.0));
        assert!(top_quantile(&losses, 0.0, 2).is_err());
        assert!(top_quantile(&[f64::NAN], 0.5, 1).is_err());
    }

    #[test]
    fn bad_cells_are_named() {
        let e = pearson_divergence(
            Grid::Categorical { choices: 2 },
            &[0, 2],
            Some(&[0, 1]),
            1.0,
        );
        assert!(matches!(
            e,
            Err(SurrogateError::InvalidCategory { row: 1, .. })
        ));
        assert_eq!(numeric_cell(0.5, 3), 1);
        assert_eq!(numeric_cell(1.0, 50), 49);
        assert_eq!(numeric_cell(0.0, 1), 0);
    }
}
