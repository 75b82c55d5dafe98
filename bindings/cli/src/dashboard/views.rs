//! The JSON documents the pages draw, built from a [`StudyView`]: one
//! function per view, no HTTP here, so the server and the HTML report
//! (which inlines the same documents) share them.

use super::cache::StudyView;
use super::thin::keep_indices;
use crate::table::{Field, Known};
use hyperspace_engine::{Trial, TrialId, TrialState};
use hyperspace_query::{
    curve_with_ancestry, describe_error, parse_sort, sort_trials, Filter, History, Lineage, SortKey,
};
use serde_json::{json, Value as Json};
use std::collections::{BTreeMap, HashMap};

/// A request the user can fix (a bad filter or sort), as opposed to a
/// storage failure.
#[derive(Debug)]
pub struct BadRequest(pub String);

/// Trial counts by state, and the best finished trial.
pub fn summary(view: &StudyView) -> Json {
    let config = &view.record.config;
    let mut counts = serde_json::Map::new();
    for state in [
        TrialState::Waiting,
        TrialState::Running,
        TrialState::Complete,
        TrialState::Pruned,
        TrialState::Failed,
    ] {
        let n = view.trials.iter().filter(|t| t.state == state).count();
        counts.insert(state.as_str().to_string(), n.into());
    }
    // One best trial for one objective; several have a front instead.
    let best = if config.is_multi_objective() {
        None
    } else {
        config.primary_direction().best(&view.trials)
    };
    let known = Known::collect(&config.space, &view.trials);
    json!({
        "name": config.name,
        "id": view.record.id.0,
        "created": view.record.created,
        "direction": config.primary_direction().to_string(),
        "objective": config.primary_metric(),
        "objectives": config.objectives,
        "searcher": config.searcher.name,
        "pruner": config.pruner.as_ref().map(|p| p.name.clone()),
        "trials": view.trials.len(),
        "counts": counts,
        "best": best.map(|t| json!({"number": t.number, "value": t.value})),
        "params": known.params,
        "metrics": known.metrics,
        "change": view.change,
    })
}

/// The history: each finished trial's value by number, split into
/// complete and pruned, and the best so far; at most about `points`
/// trials, thinned so that the extremes and every improvement stay.
pub fn history(view: &StudyView, points: usize) -> Json {
    // A trial's `value`: the first objective's.
    let direction = view.record.config.primary_direction();
    let History {
        trials: finished,
        values,
        best,
        improvements,
    } = History::new(&view.trials, direction);
    let mut kept = keep_indices(&values, points);
    if kept.len() < values.len() {
        kept.extend(improvements);
        kept.sort_unstable();
        kept.dedup();
    }
    let pick = |state: TrialState| -> Vec<Option<f64>> {
        kept.iter()
            .map(|&i| (finished[i].state == state).then_some(values[i]))
            .collect()
    };
    json!({
        "change": view.change,
        "finished": finished.len(),
        "shown": kept.len(),
        "number": kept.iter().map(|&i| finished[i].number).collect::<Vec<_>>(),
        "complete": pick(TrialState::Complete),
        "pruned": pick(TrialState::Pruned),
        "best": kept.iter().map(|&i| best[i]).collect::<Vec<_>>(),
    })
}

/// The filter and sort of a trials or curves request, checked.
#[derive(Debug)]
pub struct Selection {
    filter: Option<Filter>,
    sort: Vec<SortKey>,
    known: Known,
}

impl Selection {
    /// Reads `where` and `sort` with the same language as `hyperspace
    /// trials --where/--sort`; empty means none.
    pub fn new(
        view: &StudyView,
        filter: Option<&str>,
        sort: Option<&str>,
    ) -> Result<Selection, BadRequest> {
        let known = Known::collect(&view.record.config.space, &view.trials);
        let filter = filter
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(|text| {
                Filter::parse(text, &known).map_err(|e| BadRequest(describe_error(text, &e)))
            })
            .transpose()?;
        let sort = match sort.map(str::trim).filter(|s| !s.is_empty()) {
            Some(text) => parse_sort(text, &known).map_err(|e| BadRequest(format!("sort: {e}")))?,
            None => vec![SortKey {
                field: Field::Number,
                descending: false,
            }],
        };
        Ok(Selection {
            filter,
            sort,
            known,
        })
    }

    /// The trials that pass the filter, sorted.
    pub fn apply<'a>(&self, view: &'a StudyView) -> Vec<&'a Trial> {
        let mut rows: Vec<&Trial> = view
            .trials
            .iter()
            .filter(|t| self.filter.as_ref().is_none_or(|f| f.matches(t)))
            .collect();
        sort_trials(&mut rows, &self.sort);
        rows
    }
}

/// The trials table: the selected trials' number, state, value, every
/// parameter and metric, and duration; at most `limit` rows.
pub fn trials(view: &StudyView, selection: &Selection, limit: usize) -> Json {
    let rows = selection.apply(view);
    let known = &selection.known;
    let mut columns = vec![Field::Number, Field::State, Field::Value];
    columns.extend(known.params.iter().cloned().map(Field::Param));
    columns.extend(known.metrics.iter().cloned().map(Field::Metric));
    columns.push(Field::Duration);
    let names: Vec<String> = columns.iter().map(Field::name).collect();
    let cells: Vec<Vec<Json>> = rows
        .iter()
        .take(limit)
        .map(|t| columns.iter().map(|c| c.get(t).json()).collect())
        .collect();
    json!({
        "change": view.change,
        "total": view.trials.len(),
        "matched": rows.len(),
        "columns": names,
        "rows": cells,
    })
}

/// The learning curves of the selected trials, one chart per metric: the
/// objective's intermediate values (`steps`, `series`, `with_steps` at the
/// top level), then each other metric reported by step (`metrics`, one
/// entry per name, in order of first appearance). Each chart follows
/// [`chart`]'s rules.
pub fn curves(view: &StudyView, selection: &Selection, points: usize, max_series: usize) -> Json {
    let rows = selection.apply(view);
    let mut names: Vec<&String> = Vec::new();
    for t in &rows {
        for name in t.intermediate_metrics.keys() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let metrics: Vec<Json> = names
        .iter()
        .map(|name| {
            let mut doc = chart(
                &rows,
                |t| t.intermediate_metrics.get(*name),
                points,
                max_series,
            );
            doc["name"] = json!(name);
            doc
        })
        .collect();
    // A continuation's objective curve carries on from its parent's, on
    // one line (`hyperspace_query::curve_with_ancestry`).
    let joined: HashMap<TrialId, BTreeMap<u64, f64>> = rows
        .iter()
        .filter(|t| t.parent.is_some())
        .map(|t| {
            let curve = curve_with_ancestry(&view.trials, t);
            (t.id, curve.into_iter().map(|p| (p.step, p.value)).collect())
        })
        .collect();
    let mut doc = chart(&rows, objective_series(&joined), points, max_series);
    doc["change"] = json!(view.change);
    doc["matched"] = json!(rows.len());
    doc["metrics"] = json!(metrics);
    doc
}

/// A trial's objective series: its joined curve when it has one, else its
/// own intermediate values.
fn objective_series<'s>(
    joined: &'s HashMap<TrialId, BTreeMap<u64, f64>>,
) -> impl Fn(&'s Trial) -> Option<&'s BTreeMap<u64, f64>> + 's {
    move |t| joined.get(&t.id).or(Some(&t.intermediate))
}

/// One chart of curves: the series `of` gives each trial. At most
/// `max_series` trials (the running ones first, then in the rows' order),
/// each thinned to at most `points` steps; the steps of every shown series
/// are merged into one x axis, with `null` where a series has no value.
fn chart<'t, 's>(
    rows: &[&'t Trial],
    of: impl Fn(&'t Trial) -> Option<&'s BTreeMap<u64, f64>>,
    points: usize,
    max_series: usize,
) -> Json {
    let with_steps: Vec<(&Trial, &BTreeMap<u64, f64>)> = rows
        .iter()
        .filter_map(|t| of(t).filter(|s| !s.is_empty()).map(|s| (*t, s)))
        .collect();
    let running = |t: &Trial| t.state == TrialState::Running;
    let mut shown: Vec<(&Trial, &BTreeMap<u64, f64>)> = with_steps
        .iter()
        .copied()
        .filter(|(t, _)| running(t))
        .take(max_series)
        .collect();
    let room = max_series.saturating_sub(shown.len());
    shown.extend(
        with_steps
            .iter()
            .copied()
            .filter(|(t, _)| !running(t))
            .take(room),
    );
    let thinned: Vec<Vec<(u64, f64)>> = shown
        .iter()
        .map(|(_, series)| {
            let steps: Vec<(u64, f64)> = series.iter().map(|(s, v)| (*s, *v)).collect();
            let ys: Vec<f64> = steps.iter().map(|p| p.1).collect();
            keep_indices(&ys, points)
                .into_iter()
                .map(|i| steps[i])
                .collect()
        })
        .collect();
    let mut axis: Vec<u64> = thinned.iter().flatten().map(|p| p.0).collect();
    axis.sort_unstable();
    axis.dedup();
    let series: Vec<Json> = shown
        .iter()
        .zip(&thinned)
        .map(|((t, _), kept)| {
            let mut values: Vec<Option<f64>> = vec![None; axis.len()];
            for (step, v) in kept {
                if let Ok(i) = axis.binary_search(step) {
                    values[i] = v.is_finite().then_some(*v);
                }
            }
            json!({"number": t.number, "state": t.state.as_str(), "values": values})
        })
        .collect();
    json!({
        "with_steps": with_steps.len(),
        "steps": axis,
        "series": series,
    })
}

/// One trial whole, with the numbers of its parent and children and its
/// lineage (`hyperspace_query::Lineage`: ancestors, children, and what
/// changed at each link), as `hyperspace lineage` shows it.
pub fn trial(view: &StudyView, t: &Trial) -> Json {
    let lineage = Lineage::of(&view.trials, t.id);
    let parent_number = lineage
        .as_ref()
        .and_then(|l| l.ancestors.last())
        .map(|p| p.trial.number);
    let children: Vec<u64> = lineage
        .as_ref()
        .map(|l| l.children.iter().map(|c| c.trial.number).collect())
        .unwrap_or_default();
    json!({
        "change": view.change,
        "study": view.record.config.name,
        "trial": t,
        "duration": crate::table::duration(t),
        "parent_number": parent_number,
        "children": children,
        "lineage": lineage.map(|l| l.to_json()),
    })
}
