//! `hyperspace enqueue` (one configuration or a grid) and `hyperspace rerun`.

use crate::cli::{EnqueueArgs, RerunArgs};
use crate::common::{self, need_study, parse_pairs, parse_params_json, split_pair, Access};
use anyhow::{anyhow, bail, Result};
use hyperspace_engine::artifacts::{require_present, trial_artifact_dir};
use hyperspace_engine::{Metadata, NewTrial, Params, TrialId, Value};

/// Most trials one `--grid` may queue.
const MAX_GRID: usize = 100_000;

/// Queues one configuration or every point of a grid.
pub fn enqueue(storage: Option<&str>, args: EnqueueArgs) -> Result<()> {
    let name = need_study(args.study.as_deref())?;
    let configs = match (&args.grid, &args.params, args.pairs.is_empty()) {
        (Some(grid), _, _) => grid_points(&parse_grid(grid)?)?,
        (None, Some(json), true) => vec![parse_params_json(json)?],
        (None, None, false) => vec![parse_pairs(&args.pairs)?],
        (None, Some(_), false) => bail!("give the configuration either as --params JSON or as key=value words, not both"),
        (None, None, true) => bail!(
            "missing configuration: pass key=value words, --params '{{\"lr\": 0.01}}', or --grid 'lr=[0.1,0.01] layers=[2,4]'"
        ),
    };
    if let Some(b) = args.budget {
        if !b.is_finite() || b <= 0.0 {
            bail!("--budget must be a positive number");
        }
    }
    let storage = common::open(storage, Access::Existing)?;
    let study = common::load_study(storage, name)?;
    // Check every point before queueing any, so a bad grid queues nothing.
    for params in &configs {
        if !study.space().is_empty() {
            study.space().check_partial(params)?;
        }
    }
    let mut ids = Vec::new();
    for params in configs {
        let trial = study.enqueue_trial(NewTrial {
            params,
            budget: args.budget,
            ..NewTrial::default()
        })?;
        ids.push(trial.id.0);
    }
    let range = match (ids.first(), ids.last()) {
        (Some(a), Some(b)) if a != b => format!("ids {a}..{b}"),
        (Some(a), _) => format!("id {a}"),
        _ => String::new(),
    };
    outln!(
        "queued {} trial(s) in study '{name}' ({range}); `hyperspace run` or `hyperspace worker` runs them first",
        ids.len()
    )?;
    Ok(())
}

/// Reads a grid: `lr=[0.1,0.01] layers=[2,4] opt=adam`, or a JSON object of
/// lists.
fn parse_grid(text: &str) -> Result<Vec<(String, Vec<Value>)>> {
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        let json: serde_json::Value =
            serde_json::from_str(trimmed).map_err(|e| anyhow!("--grid is not valid JSON ({e})"))?;
        let object = json
            .as_object()
            .ok_or_else(|| anyhow!("--grid must be an object of lists"))?;
        return object
            .iter()
            .map(|(k, v)| {
                let items = match v {
                    serde_json::Value::Array(items) => items.clone(),
                    scalar => vec![scalar.clone()],
                };
                let values = items
                    .iter()
                    .map(|i| {
                        Value::from_json(i).ok_or_else(|| {
                            anyhow!("--grid: '{k}' has a list or object inside its list")
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok((k.clone(), values))
            })
            .collect();
    }
    let mut axes = Vec::new();
    let mut rest = trimmed;
    while !rest.is_empty() {
        let (key, after) = rest
            .split_once('=')
            .ok_or_else(|| anyhow!("--grid: '{rest}' has no '='; write name=[v1,v2]"))?;
        let key = key.trim();
        if key.is_empty() || key.contains(char::is_whitespace) {
            bail!("--grid: expected a parameter name before '=' in '{rest}'");
        }
        let after = after.trim_start();
        let (values, remaining) = if let Some(list) = after.strip_prefix('[') {
            let end = list
                .find(']')
                .ok_or_else(|| anyhow!("--grid: the list of '{key}' has no closing ']'"))?;
            let items: Vec<Value> = list[..end]
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(Value::parse_word)
                .collect();
            if items.is_empty() {
                bail!("--grid: the list of '{key}' is empty");
            }
            (items, &list[end + 1..])
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            if end == 0 {
                bail!("--grid: '{key}' has no value after '='");
            }
            (vec![Value::parse_word(&after[..end])], &after[end..])
        };
        axes.push((key.to_string(), values));
        rest = remaining.trim_start();
    }
    if axes.is_empty() {
        bail!("--grid is empty; write 'lr=[0.1,0.01] layers=[2,4]'");
    }
    Ok(axes)
}

/// Every combination, the last axis varying fastest.
fn grid_points(axes: &[(String, Vec<Value>)]) -> Result<Vec<Params>> {
    let total = axes
        .iter()
        .try_fold(1usize, |n, (_, v)| n.checked_mul(v.len()))
        .filter(|n| *n <= MAX_GRID)
        .ok_or_else(|| {
            anyhow!("--grid has more than {MAX_GRID} points; use the grid searcher instead")
        })?;
    let mut points = Vec::with_capacity(total);
    for mut i in 0..total {
        let mut params = Params::new();
        let mut coords = vec![0; axes.len()];
        for (a, (_, values)) in axes.iter().enumerate().rev() {
            coords[a] = i % values.len();
            i /= values.len();
        }
        for (a, (name, values)) in axes.iter().enumerate() {
            params.insert(name.clone(), values[coords[a]].clone());
        }
        points.push(params);
    }
    Ok(points)
}

/// Queues a copy of a trial, with changes, linked to it as its parent.
pub fn rerun(storage: Option<&str>, args: RerunArgs) -> Result<()> {
    let mut changes = Params::new();
    for word in &args.set {
        let (key, value) = split_pair(word, "--set")?;
        changes.insert(key.to_string(), Value::parse_word(value));
    }
    if let Some(b) = args.budget {
        if !b.is_finite() || b <= 0.0 {
            bail!("--budget must be a positive number");
        }
    }
    let storage_url = storage;
    let storage = common::open(storage, Access::Existing)?;
    let study = common::study_of_trial(storage.clone(), args.trial, None)?;
    let original = storage.trial(TrialId(args.trial))?;
    check_artifacts(storage_url, study.name(), &original, args.resume)?;
    let space = study.space();
    for key in changes.keys() {
        if !space.is_empty() && space.get(key).is_none() {
            bail!(
                "--set {key}: the study has no parameter '{key}' (it has {})",
                space.names().join(", ")
            );
        }
    }
    let mut merged = original.params.clone();
    merged.extend(changes);
    // Parameters of a branch no longer chosen are dropped; the searcher
    // fills in any that a newly chosen branch brings.
    let params: Params = merged
        .iter()
        .filter(|(name, _)| match space.position(name) {
            Some(i) => space.is_active(i, &merged),
            None => space.is_empty(),
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut meta = Metadata::default();
    if args.resume {
        // Recorded, so `trials` and the dashboard can tell a continuation
        // from a fresh re-run of the same parent.
        meta.extra.insert("resumes".into(), original.id.0.into());
    }
    let copy = study.enqueue_trial(NewTrial {
        params,
        budget: args.budget.or(original.budget),
        parent: Some(original.id),
        meta,
        ..NewTrial::default()
    })?;
    outln!(
        "queued trial {} (number {}) in study '{}' as a {} of trial {}; `hyperspace worker --study {} --queue-only -- <command>` (or run) runs it",
        copy.id,
        copy.number,
        study.name(),
        if args.resume { "continuation" } else { "re-run" },
        original.id,
        study.name()
    )?;
    Ok(())
}

/// Whether the files the trial recorded are still in its artifact
/// directory: a resume needs them (an error names what is gone); a plain
/// re-run starts again, so it only warns.
fn check_artifacts(
    storage_url: Option<&str>,
    study: &str,
    original: &hyperspace_engine::Trial,
    resume: bool,
) -> Result<()> {
    let root = match common::artifact_root(storage_url) {
        Ok(root) => root,
        Err(e) if resume => return Err(e.context("--resume needs the parent's artifacts")),
        Err(_) => return Ok(()),
    };
    let dir = trial_artifact_dir(&root, study, original.number);
    if resume && original.meta.artifacts.is_empty() {
        errln!(
            "warning: trial {} recorded no artifacts; its continuation finds {} as the trial left it (empty, or written after it ended)",
            original.id,
            dir.display()
        );
    }
    match require_present(&dir, original) {
        Ok(()) => Ok(()),
        Err(e) if resume => Err(e.into()),
        Err(e) => {
            errln!("warning: {e}");
            Ok(())
        }
    }
}
