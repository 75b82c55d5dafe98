//! Convergence plots: per problem, the median regret after each trial with
//! its quartile band, one colour per searcher, on a log scale. SVG.

use crate::runner::SuiteResults;
use crate::stats::quantile;
use crate::{BenchError, Result};
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// Tableau's ten colours: distinct, and readable on white.
const TABLEAU: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// `(q25, median, q75)` of the regret after each trial.
type Band = Vec<(f64, f64, f64)>;

/// Per-trial quartiles of a set of curves.
fn bands(curves: &[&[f64]], budget: usize) -> Band {
    (0..budget)
        .map(|t| {
            let v: Vec<f64> = curves
                .iter()
                .filter_map(|c| c.get(t.min(c.len().saturating_sub(1))).copied())
                .collect();
            (quantile(&v, 0.25), quantile(&v, 0.5), quantile(&v, 0.75))
        })
        .collect()
}

/// Draws the plot of `problem` into `path`.
pub fn plot_problem(results: &SuiteResults, problem: &str, path: &Path) -> Result<()> {
    let fail = |e: &dyn std::fmt::Display| BenchError::Plot {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let budget = results.budget;
    let series: Vec<(String, Band)> = results
        .searchers
        .iter()
        .filter_map(|s| {
            let curves: Vec<&[f64]> = results
                .runs_of(problem, &s.label)
                .filter(|r| r.counts())
                .map(|r| r.curve.as_slice())
                .collect();
            (!curves.is_empty()).then(|| (s.label.clone(), bands(&curves, budget)))
        })
        .collect();
    // Log scale: regrets of exactly 0 sit on a floor under the smallest
    // positive value.
    let positive = series
        .iter()
        .flat_map(|(_, b)| b.iter().flat_map(|(a, m, c)| [*a, *m, *c]))
        .filter(|v| *v > 0.0 && v.is_finite());
    let (lo, hi) = positive.fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (floor, top) = if hi > 0.0 {
        (lo / 2.0, hi * 2.0)
    } else {
        (1e-12, 1.0)
    };
    let clamp = |v: f64| v.max(floor);
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "{problem}: simple regret, median and quartiles over {} seeds",
                results.seeds
            ),
            ("sans-serif", 20),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(1f64..budget.max(2) as f64, (floor..top).log_scale())
        .map_err(|e| fail(&e))?;
    chart
        .configure_mesh()
        .x_desc("trial")
        .y_desc("regret")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| super::format_number(*v))
        .draw()
        .map_err(|e| fail(&e))?;
    for (i, (label, band)) in series.iter().enumerate() {
        let (r, g, b) = TABLEAU[i % TABLEAU.len()];
        let colour = RGBColor(r, g, b).to_rgba();
        let upper = band
            .iter()
            .enumerate()
            .map(|(t, b)| ((t + 1) as f64, clamp(b.2)));
        let lower = band
            .iter()
            .enumerate()
            .rev()
            .map(|(t, b)| ((t + 1) as f64, clamp(b.0)));
        chart
            .draw_series(std::iter::once(Polygon::new(
                upper.chain(lower).collect::<Vec<_>>(),
                colour.mix(0.18).filled(),
            )))
            .map_err(|e| fail(&e))?;
        chart
            .draw_series(LineSeries::new(
                band.iter()
                    .enumerate()
                    .map(|(t, b)| ((t + 1) as f64, clamp(b.1))),
                colour.stroke_width(2),
            ))
            .map_err(|e| fail(&e))?
            .label(label.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))?;
    Ok(())
}

/// Draws one plot per problem into `dir` (created if missing), named
/// `<problem>.svg`; returns the files written.
pub fn plot_all(results: &SuiteResults, dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| BenchError::Io {
        action: "create",
        path: dir.display().to_string(),
        source: e,
    })?;
    results
        .problems
        .iter()
        .map(|p| {
            let path = dir.join(format!("{}.svg", p.name));
            plot_problem(results, &p.name, &path)?;
            Ok(path)
        })
        .collect()
}
