//! `hyperspace plot`: a study's trials as an SVG, drawn with plotters —
//! each finished trial's value (pruned ones lighter) and the best so far
//! against the trial number, or the values against one parameter (on a log
//! axis when the parameter is log-scaled).

use crate::cli::PlotArgs;
use crate::common::{self, need_study, show_path, Access};
use anyhow::{anyhow, Result};
use hyperspace_engine::{Direction, Param, Trial, TrialState};
use plotters::prelude::*;
use std::ops::Range;

/// A plotted point: where, its value, and whether the trial was pruned.
struct Point {
    x: f64,
    value: f64,
    pruned: bool,
}

pub fn plot(storage: Option<&str>, args: PlotArgs) -> Result<()> {
    let name = need_study(args.study.as_deref())?;
    let storage = common::open(storage, Access::Existing)?;
    let mut study = common::load_study(storage, name)?;
    let direction = study.config().primary_direction();
    let space = study.config().space.clone();
    let trials: Vec<Trial> = study.trials()?.to_vec();
    let log_x = match &args.param {
        None => false,
        Some(p) => match space.get(p) {
            Some(entry) => is_log(&entry.param),
            None => {
                return Err(anyhow!(
                    "study '{name}' has no parameter '{p}'; its parameters: {}",
                    space.names().join(", ")
                ))
            }
        },
    };
    let points: Vec<Point> = trials
        .iter()
        .filter(|t| matches!(t.state, TrialState::Complete | TrialState::Pruned))
        .filter_map(|t| {
            let value = t.value.filter(|v| v.is_finite())?;
            let x = match &args.param {
                None => t.number as f64,
                Some(p) => t.params.get(p)?.as_f64()?,
            };
            Some(Point {
                x,
                value,
                pruned: t.state == TrialState::Pruned,
            })
        })
        .collect();
    if points.is_empty() {
        return Err(anyhow!(
            "study '{name}' has no finished trial with a value{} to plot yet",
            args.param
                .as_deref()
                .map(|p| format!(" and a number for '{p}'"))
                .unwrap_or_default()
        ));
    }
    let title = match &args.param {
        None => format!("{name}: value per trial ({direction}) and best so far"),
        Some(p) => format!("{name}: value against {p}"),
    };
    draw(&args, &points, direction, log_x, &title)
        .map_err(|e| anyhow!("cannot draw {}: {e}", show_path(&args.output)))?;
    outln!("wrote {}", show_path(&args.output))?;
    Ok(())
}

fn is_log(param: &Param) -> bool {
    match param {
        Param::Float(f) => f.log(),
        Param::Int(i) => i.log(),
        _ => false,
    }
}

/// The range of `values` with a margin, never empty.
fn padded(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let pad = ((hi - lo) * 0.05).max(1e-9 * hi.abs().max(1.0));
    (lo - pad)..(hi + pad)
}

fn draw(
    args: &PlotArgs,
    points: &[Point],
    direction: Direction,
    log_x: bool,
    title: &str,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::new(&args.output, (900, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let y = padded(points.iter().map(|p| p.value));
    let x_label = args.param.as_deref().unwrap_or("trial");
    let mut builder = ChartBuilder::on(&root);
    builder
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70);
    let blue = RGBColor(31, 119, 180);
    let dot = |p: &Point| {
        let style = if p.pruned {
            blue.mix(0.3).filled()
        } else {
            blue.filled()
        };
        Circle::new((p.x, p.value), 3, style)
    };
    if log_x {
        // A log-scaled parameter's values are all positive (its low is).
        let lo = points.iter().map(|p| p.x).fold(f64::INFINITY, f64::min);
        let hi = points.iter().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max);
        let x = (lo / 1.2).max(f64::MIN_POSITIVE)..(hi * 1.2).max(lo * 1.5);
        let mut chart = builder.build_cartesian_2d(x.log_scale(), y)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc("value")
            .draw()?;
        chart.draw_series(points.iter().map(dot))?;
    } else {
        let x = padded(points.iter().map(|p| p.x));
        let mut chart = builder.build_cartesian_2d(x, y)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc("value")
            .draw()?;
        chart.draw_series(points.iter().map(dot))?;
        if args.param.is_none() {
            chart.draw_series(LineSeries::new(
                best_so_far(points, direction),
                RGBColor(214, 39, 40).stroke_width(2),
            ))?;
        }
    }
    root.present()?;
    Ok(())
}

/// The best value so far over complete trials, as a step line from the
/// first trial to the last point.
fn best_so_far(points: &[Point], direction: Direction) -> Vec<(f64, f64)> {
    let mut best = f64::INFINITY;
    let records: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| !p.pruned)
        .filter_map(|p| {
            let loss = direction.to_loss(p.value);
            (loss < best).then(|| {
                best = loss;
                (p.x, p.value)
            })
        })
        .collect();
    let last_x = points.iter().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max);
    let mut steps = Vec::with_capacity(records.len() * 2 + 1);
    for (i, &(x, v)) in records.iter().enumerate() {
        if i > 0 {
            steps.push((x, records[i - 1].1));
        }
        steps.push((x, v));
    }
    if let Some(&(_, v)) = records.last() {
        steps.push((last_x, v));
    }
    steps
}
