//! The JSON documents of the study page's analysis views: parallel
//! coordinates and slice (one document: each drawn trial's parameters and
//! objective), contour, parameter importance and the Pareto front. Like
//! [`super::views`], no HTTP here: the live API and the HTML report share
//! these functions.
//!
//! Every view works on the trials the page's `where` filter selects, and
//! never ships more than the screen can show: at most `max` trials per
//! view, chosen by [`axes::sample`] (the best quarter, then an even spread)
//! — the Pareto front instead keeps its non-dominated trials first.

use super::axes::{self, Axis};
use super::cache::StudyView;
use super::views::{BadRequest, Selection};
use hyperspace_engine::{is_feasible, pareto_front, Direction, Trial, TrialState};
use hyperspace_query::interpolate::{self, Sample};
use hyperspace_query::Known;
use hyperspace_searchers::{param_importances, Evaluator, ImportanceInput};
use serde_json::{json, Value as Json};
use std::collections::HashSet;

/// The selected complete trials with a finite objective, in number order:
/// what parallel coordinates, slice, contour and importance draw from.
fn finished<'a>(view: &'a StudyView, selection: &Selection) -> Vec<&'a Trial> {
    selection
        .apply(view)
        .into_iter()
        .filter(|t| t.state == TrialState::Complete && t.value.is_some_and(f64::is_finite))
        .collect()
}

fn value(t: &Trial) -> f64 {
    t.value.unwrap_or(f64::NAN)
}

/// The study's parameters as axes, in the order the trials table uses.
fn all_axes(view: &StudyView, trials: &[&Trial]) -> Vec<Axis> {
    let known = Known::collect(&view.record.config.space, &view.trials);
    known
        .params
        .iter()
        .map(|name| Axis::new(name, &view.record.config.space, trials))
        .collect()
}

/// The objective's name for axis labels.
fn objective_label(view: &StudyView) -> String {
    view.record
        .config
        .primary_metric()
        .unwrap_or("value")
        .to_string()
}

/// Parallel coordinates and slice: at most `max` selected complete trials
/// (see the module's note), an axis per parameter, and for each axis the
/// trials' positions (`null` where a trial has no value for it: an
/// inactive conditional parameter).
pub fn params(view: &StudyView, selection: &Selection, max: usize) -> Json {
    let usable = finished(view, selection);
    let direction = view.record.config.primary_direction();
    let shown = axes::sample(&usable, value, direction, max);
    let axes = all_axes(view, &usable);
    let columns: Vec<Vec<Option<f64>>> = axes
        .iter()
        .map(|a| shown.iter().map(|t| a.coord(t)).collect())
        .collect();
    json!({
        "change": view.change,
        "matched": usable.len(),
        "shown": shown.len(),
        "objective": objective_label(view),
        "direction": direction.to_string(),
        "axes": axes,
        "number": shown.iter().map(|t| t.number).collect::<Vec<_>>(),
        "value": shown.iter().map(|t| value(t)).collect::<Vec<_>>(),
        "columns": columns,
    })
}

/// The contour of the objective over parameters `x` and `y` (the first
/// two by default): the selected trials interpolated onto a `grid`×`grid`
/// lattice server-side (see [`interpolate`]; a categorical axis has one
/// node per category), and at most `max` of the trials as points on top.
pub fn contour(
    view: &StudyView,
    selection: &Selection,
    x: Option<&str>,
    y: Option<&str>,
    grid: usize,
    max: usize,
) -> Result<Json, BadRequest> {
    let usable = finished(view, selection);
    let axes = all_axes(view, &usable);
    let names: Vec<&str> = axes.iter().map(|a| a.name.as_str()).collect();
    let pick = |asked: Option<&str>, default: usize| -> Result<Option<&Axis>, BadRequest> {
        match asked.filter(|s| !s.is_empty()) {
            Some(name) => axes
                .iter()
                .find(|a| a.name == name)
                .map(Some)
                .ok_or_else(|| {
                    BadRequest(format!(
                        "the study has no parameter '{name}'; its parameters: {}",
                        names.join(", ")
                    ))
                }),
            None => Ok(axes.get(default)),
        }
    };
    let (Some(ax), Some(ay)) = (pick(x, 0)?, pick(y, 1)?) else {
        return Ok(json!({
            "change": view.change,
            "params": names,
            "matched": usable.len(),
            "x": null,
            "note": "a contour needs two parameters",
        }));
    };
    if ax.name == ay.name {
        return Err(BadRequest(format!(
            "a contour needs two different parameters, got '{}' twice",
            ax.name
        )));
    }
    // Only trials with a value for both parameters.
    let placed: Vec<(&Trial, f64, f64)> = usable
        .iter()
        .filter_map(|t| Some((*t, ax.coord(t)?, ay.coord(t)?)))
        .collect();
    let samples: Vec<Sample> = placed
        .iter()
        .map(|&(t, cx, cy)| Sample {
            x: ax.unit(cx),
            y: ay.unit(cy),
            value: value(t),
        })
        .collect();
    let (xs, ys) = (ax.nodes(grid), ay.nodes(grid));
    let ux: Vec<f64> = xs.iter().map(|&c| ax.unit(c)).collect();
    let uy: Vec<f64> = ys.iter().map(|&c| ay.unit(c)).collect();
    let z = interpolate::grid(&samples, &ux, &uy);
    let trials: Vec<&Trial> = placed.iter().map(|p| p.0).collect();
    let direction = view.record.config.primary_direction();
    let shown = axes::sample(&trials, value, direction, max);
    Ok(json!({
        "change": view.change,
        "params": names,
        "matched": usable.len(),
        "placed": placed.len(),
        "objective": objective_label(view),
        "direction": direction.to_string(),
        "method": format!(
            "inverse-distance weighting of the {} nearest trials, on the axes' scales",
            interpolate::NEIGHBOURS
        ),
        "x": ax,
        "y": ay,
        "xs": xs,
        "ys": ys,
        "z": z,
        "points": {
            "number": shown.iter().map(|t| t.number).collect::<Vec<_>>(),
            "x": shown.iter().map(|t| ax.coord(t)).collect::<Vec<_>>(),
            "y": shown.iter().map(|t| ay.coord(t)).collect::<Vec<_>>(),
            "value": shown.iter().map(|t| value(t)).collect::<Vec<_>>(),
        },
    }))
}

/// What importance is computed from, copied out of the cache so that the
/// forest is fitted without holding the cache's lock.
#[derive(Debug)]
pub struct ImportanceJob {
    trials: Vec<Trial>,
    space: hyperspace_engine::Space,
    direction: Direction,
    seed: u64,
    matched: usize,
    change: u64,
}

impl ImportanceJob {
    /// The study's change counter the job was copied at.
    pub fn change(&self) -> u64 {
        self.change
    }
}

/// The selected complete trials to rank parameters on: every one up to
/// `max`, else every k-th by number (an even sample, not the best: the
/// best alone would hide what made trials bad).
pub fn importance_job(view: &StudyView, selection: &Selection, max: usize) -> ImportanceJob {
    let usable = finished(view, selection);
    let chosen = axes::spread(&usable, HashSet::new(), max);
    let config = &view.record.config;
    ImportanceJob {
        trials: chosen.into_iter().cloned().collect(),
        space: config.space.clone(),
        direction: config.primary_direction(),
        seed: config.seed,
        matched: usable.len(),
        change: view.change,
    }
}

/// Parameter importance by fANOVA (the engine's, as `hyperspace
/// importance` computes it, with the study's seed), most important first.
/// Too few trials is not a failure of the page: the document says why.
pub fn importance(job: &ImportanceJob) -> Json {
    let base = json!({
        "change": job.change,
        "evaluator": "fanova",
        "matched": job.matched,
        "trials": job.trials.len(),
    });
    let result = Evaluator::default().validate().and_then(|evaluator| {
        let input = ImportanceInput::new(&job.trials, &job.space, job.direction);
        param_importances(&input, &evaluator, job.seed)
    });
    let mut doc = base;
    match result {
        Ok(shares) => {
            doc["params"] = json!(shares.keys().collect::<Vec<_>>());
            doc["importance"] = json!(shares.values().collect::<Vec<_>>());
        }
        Err(e) => {
            doc["params"] = json!([]);
            doc["importance"] = json!([]);
            doc["note"] = json!(e.to_string());
        }
    }
    doc
}

/// The Pareto front of a study with several objectives: the selected
/// complete, feasible trials with every objective's value, each marked
/// non-dominated or not (over all the objectives, whichever two the page
/// plots). At most `max` trials: the front first, then an even spread of
/// the rest. A study of one objective answers `"multi": false`.
pub fn pareto(view: &StudyView, selection: &Selection, max: usize) -> Json {
    let config = &view.record.config;
    let objectives: Vec<Json> = config
        .objectives
        .iter()
        .enumerate()
        .map(|(i, o)| {
            json!({
                "name": o.name.clone().unwrap_or_else(|| format!("objective {i}")),
                "direction": o.direction.to_string(),
            })
        })
        .collect();
    if !config.is_multi_objective() {
        return json!({"change": view.change, "multi": false, "objectives": objectives});
    }
    let directions = config.directions();
    let selected = selection.apply(view);
    let candidates: Vec<&Trial> = selected
        .iter()
        .copied()
        .filter(|t| {
            t.state == TrialState::Complete
                && t.values.len() == directions.len()
                && t.values.iter().all(|v| v.is_finite())
                && is_feasible(t)
        })
        .collect();
    let front: HashSet<u64> = pareto_front(candidates.iter().copied(), &directions)
        .iter()
        .map(|t| t.number)
        .collect();
    let on_front: HashSet<usize> = (0..candidates.len())
        .filter(|&i| front.contains(&candidates[i].number))
        .take(max)
        .collect();
    let shown = axes::spread(&candidates, on_front, max);
    let values: Vec<Vec<f64>> = (0..directions.len())
        .map(|k| shown.iter().map(|t| t.values[k]).collect())
        .collect();
    json!({
        "change": view.change,
        "multi": true,
        "objectives": objectives,
        "matched": candidates.len(),
        "front_size": front.len(),
        "shown": shown.len(),
        "number": shown.iter().map(|t| t.number).collect::<Vec<_>>(),
        "values": values,
        "front": shown.iter().map(|t| front.contains(&t.number)).collect::<Vec<_>>(),
    })
}
