//! `hyperspace plot`: a study's trials as an SVG, drawn with plotters —
//! each finished trial's value (pruned ones lighter, with a legend) and the
//! best so far against the trial number, or the values against one
//! parameter: on a log axis when the parameter is log-scaled, as a strip
//! plot (one jittered column per choice) when it is categorical.

use crate::cli::PlotArgs;
use crate::common::{self, need_study, show_path, Access};
use anyhow::{anyhow, Result};
use hyperspace_engine::{Param, Trial, TrialState, Value};
use hyperspace_query::History;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::ops::Range;

/// A plotted point: where, its value, and whether the trial was pruned.
struct Point {
    x: f64,
    value: f64,
    pruned: bool,
}

/// What the horizontal axis shows.
enum XAxis {
    /// The trial number: integer ticks.
    Trial,
    /// A numeric parameter, on a log scale or not.
    Number { log: bool },
    /// A categorical parameter: its choices, one column each.
    Choices(Vec<Value>),
}

pub fn plot(storage: Option<&str>, args: PlotArgs) -> Result<()> {
    let name = need_study(args.study.as_deref())?;
    let storage = common::open(storage, Access::Existing)?;
    let mut study = common::load_study(storage, name)?;
    let direction = study.config().primary_direction();
    let space = study.config().space.clone();
    let trials: Vec<Trial> = study.trials()?.to_vec();
    let axis = match &args.param {
        None => XAxis::Trial,
        Some(p) => match space.get(p).map(|entry| &entry.param) {
            Some(Param::Float(f)) => XAxis::Number { log: f.log() },
            Some(Param::Int(i)) => XAxis::Number { log: i.log() },
            Some(Param::Categorical(c)) => XAxis::Choices(c.choices().to_vec()),
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
            let x = match (&args.param, &axis) {
                (None, _) => t.number as f64,
                (Some(p), XAxis::Choices(choices)) => {
                    let index = choices.iter().position(|c| Some(c) == t.params.get(p))?;
                    index as f64 + jitter(t.number)
                }
                (Some(p), _) => t.params.get(p)?.as_f64()?,
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
                .map(|p| format!(" and a value for '{p}'"))
                .unwrap_or_default()
        ));
    }
    let title = match &args.param {
        None => format!("{name}: value per trial ({direction}) and best so far"),
        Some(p) => format!("{name}: value against {p}"),
    };
    let best = matches!(axis, XAxis::Trial).then(|| best_so_far(&History::new(&trials, direction)));
    let plot = Plot {
        args: &args,
        points: &points,
        best,
        title: &title,
    };
    let drawn = match &axis {
        XAxis::Trial => plot.draw(padded(points.iter().map(|p| p.x)), 10, |x| {
            // Only whole trial numbers are labelled ("3", never "3.0").
            let whole = x.round();
            if (x - whole).abs() < 1e-9 {
                format!("{}", whole as i64)
            } else {
                String::new()
            }
        }),
        XAxis::Number { log: false } => {
            plot.draw(padded(points.iter().map(|p| p.x)), 10, |x| tick_label(*x))
        }
        XAxis::Number { log: true } => {
            // A log-scaled parameter's values are all positive (its low is).
            // The axis spans whole decades: plotters labels a log axis only
            // from its first power of ten on.
            let lo = points.iter().map(|p| p.x).fold(f64::INFINITY, f64::min);
            let hi = points.iter().map(|p| p.x).fold(f64::NEG_INFINITY, f64::max);
            // (A hair below the decade, so that rounding keeps its label.)
            let decade_below = 10f64.powf(lo.log10().floor()).max(f64::MIN_POSITIVE) * (1.0 - 1e-9);
            let decade_above = 10f64.powf(hi.log10().ceil()).max(decade_below * 10.0);
            // Asking for 20 labels gets 1..9 in each decade for a range of
            // one or two decades, and the powers of ten alone beyond.
            plot.draw((decade_below..decade_above).log_scale(), 20, |x| {
                log_tick_label(*x)
            })
        }
        XAxis::Choices(choices) => {
            let count = choices.len();
            plot.draw(-0.5..(count as f64 - 0.5), 2 * count + 1, |x| {
                let index = x.round();
                let on_column = (x - index).abs() < 1e-9 && index >= 0.0;
                match choices.get(index as usize) {
                    Some(choice) if on_column => choice.to_string(),
                    _ => String::new(),
                }
            })
        }
    };
    drawn.map_err(|e| anyhow!("cannot draw {}: {e}", show_path(&args.output)))?;
    outln!("wrote {}", show_path(&args.output))?;
    Ok(())
}

/// A trial's horizontal offset within its category's column, in
/// [-0.3, 0.3): deterministic (the same plot twice is the same file) and
/// spread evenly by the golden ratio, so trials of one choice don't overlap.
fn jitter(number: u64) -> f64 {
    let golden = 0.618_033_988_749_895;
    ((number as f64 * golden).fract() - 0.5) * 0.6
}

/// A tick label with at most four significant digits: "0.3" rather than
/// "0.30000000000000004", "1e-5" rather than "9.999999999999999e-6".
pub(crate) fn tick_label(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs();
    if (1e-3..1e5).contains(&magnitude) {
        let decimals = (3 - magnitude.log10().floor() as i32).max(0) as usize;
        let text = format!("{v:.decimals$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    } else {
        let text = format!("{v:.2e}");
        match text.split_once('e') {
            Some((mantissa, exponent)) => {
                let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
                format!("{mantissa}e{exponent}")
            }
            None => text,
        }
    }
}

/// A log axis's label: 1, 2 and 5 times a power of ten only, so that the
/// labels of a decade's upper end don't run into each other.
fn log_tick_label(v: f64) -> String {
    let mantissa = v / 10f64.powf(v.log10().floor());
    let leading = mantissa.round();
    let round_leading = (mantissa - leading).abs() < 1e-6 * mantissa;
    if round_leading && matches!(leading as u8, 1 | 2 | 5 | 10) {
        tick_label(v)
    } else {
        String::new()
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

/// Everything drawn, whatever the horizontal axis.
struct Plot<'a> {
    args: &'a PlotArgs,
    points: &'a [Point],
    best: Option<Vec<(f64, f64)>>,
    title: &'a str,
}

type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

impl Plot<'_> {
    fn draw<X>(&self, x: X, x_labels: usize, x_label: impl Fn(&f64) -> String) -> DrawResult
    where
        X: AsRangedCoord<Value = f64>,
        X::CoordDescType: ValueFormatter<f64>,
    {
        let root = SVGBackend::new(&self.args.output, (900, 560)).into_drawing_area();
        root.fill(&WHITE)?;
        let y: RangedCoordf64 = padded(self.points.iter().map(|p| p.value)).into();
        let mut chart = ChartBuilder::on(&root)
            .caption(self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x, y)?;
        chart
            .configure_mesh()
            .x_desc(self.args.param.as_deref().unwrap_or("trial"))
            .y_desc("value")
            .x_labels(x_labels)
            .x_label_formatter(&x_label)
            .y_label_formatter(&|y| tick_label(*y))
            .draw()?;
        let blue = RGBColor(31, 119, 180);
        let red = RGBColor(214, 39, 40);
        let (pruned, complete): (Vec<&Point>, Vec<&Point>) =
            self.points.iter().partition(|p| p.pruned);
        chart
            .draw_series(
                complete
                    .iter()
                    .map(|p| Circle::new((p.x, p.value), 3, blue.filled())),
            )?
            .label("complete")
            .legend(move |(x, y)| Circle::new((x + 10, y), 3, blue.filled()));
        if !pruned.is_empty() {
            let light = blue.mix(0.3);
            chart
                .draw_series(
                    pruned
                        .iter()
                        .map(|p| Circle::new((p.x, p.value), 3, light.filled())),
                )?
                .label("pruned")
                .legend(move |(x, y)| Circle::new((x + 10, y), 3, light.filled()));
        }
        if let Some(best) = &self.best {
            chart
                .draw_series(LineSeries::new(best.iter().copied(), red.stroke_width(2)))?
                .label("best so far")
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], red.stroke_width(2)));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .position(SeriesLabelPosition::UpperRight)
            .draw()?;
        root.present()?;
        Ok(())
    }
}

/// The best value so far (the rule of [`History`], shared with the
/// dashboard and Python), as a step line from the first improvement to the
/// last finished trial, against trial numbers.
fn best_so_far(history: &History<'_>) -> Vec<(f64, f64)> {
    let records: Vec<(f64, f64)> = history
        .improvements
        .iter()
        .map(|&i| (history.trials[i].number as f64, history.values[i]))
        .collect();
    let last_x = history.trials.last().map_or(0.0, |t| t.number as f64);
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

#[cfg(test)]
mod tests {
    use super::{best_so_far, log_tick_label, tick_label, History};
    use hyperspace_engine::{Direction, Trial};

    #[test]
    fn the_best_line_steps_at_complete_improvements_to_the_last_trial() {
        let trials: Vec<Trial> = [
            (0, "complete", 3.0),
            (1, "pruned", 0.5),
            (2, "complete", 2.0),
            (3, "complete", 2.5),
        ]
        .iter()
        .map(|&(number, state, value)| {
            serde_json::from_value(serde_json::json!({
                "id": number + 1, "study": 1, "number": number, "state": state,
                "params": {}, "value": value, "metrics": {}, "intermediate": {},
                "budget": null, "parent": null, "user_attrs": {}, "meta": {},
                "message": null, "change": 1
            }))
            .unwrap()
        })
        .collect();
        let steps = best_so_far(&History::new(&trials, Direction::Minimize));
        assert_eq!(steps, vec![(0.0, 3.0), (2.0, 3.0), (2.0, 2.0), (3.0, 2.0)]);
    }

    #[test]
    fn tick_labels_keep_four_significant_digits_at_most() {
        assert_eq!(tick_label(9.999999999999999e-6), "1e-5");
        assert_eq!(tick_label(2.5e-7), "2.5e-7");
        assert_eq!(tick_label(0.1 + 0.2), "0.3");
        assert_eq!(tick_label(5.0), "5");
        assert_eq!(tick_label(-12.5), "-12.5");
        assert_eq!(tick_label(0.0), "0");
        assert_eq!(tick_label(123_456.0), "1.23e5");
        assert_eq!(tick_label(0.001234567), "0.001235");
    }

    #[test]
    fn log_ticks_label_one_two_and_five_only() {
        assert_eq!(log_tick_label(9.999999999999999e-6), "1e-5");
        assert_eq!(log_tick_label(2e-6), "2e-6");
        assert_eq!(log_tick_label(5.000000000000001e-3), "0.005");
        assert_eq!(log_tick_label(7e-6), "");
        assert_eq!(log_tick_label(3.0), "");
    }
}
