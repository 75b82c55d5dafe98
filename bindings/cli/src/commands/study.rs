//! `hyperspace study create|list|show|delete`.

use crate::cli::{StudyCommand, StudyCreateArgs, TableFormat};
use crate::common::{self, fmt_num, parse_settings, show_path, Access};
use crate::table::{csv_line, write_aligned};
use anyhow::{bail, Context, Result};
use hyperspace_engine::artifacts::{delete_study_artifacts, study_artifact_dir};
use hyperspace_engine::{
    Direction, PluginSpec, Space, Storage, Study, StudyConfig, StudyListing, Trial, TrialState,
};
use std::io::{IsTerminal, Write};

/// A checked `study create`.
#[derive(Debug)]
struct CreateConfig {
    config: StudyConfig,
}

impl CreateConfig {
    fn new(args: StudyCreateArgs) -> Result<Self> {
        let space = crate::common::noted(match (&args.space, &args.space_file) {
            (Some(text), _) => Space::parse(text)?,
            (None, Some(path)) => Space::from_file(path)?,
            (None, None) => bail!(
                "missing space: pass --space 'lr=log(1e-5,1e-1) layers=int(1,8)' or --space-file space.toml"
            ),
        });
        let direction = Direction::parse(&args.direction)?;
        let mut config = StudyConfig::new(&args.name)
            .space(space)
            .direction(direction)
            .searcher(&args.searcher, parse_settings(args.settings.as_deref())?);
        if let Some(seed) = args.seed {
            config = config.seed(seed);
        }
        if !args.objective.is_empty() {
            config = config.objectives(common::parse_objectives(&args.objective, direction)?);
        }
        config.constraints = common::parse_constraints(&args.constraint)?;
        if let Some(pruner) = &args.pruner {
            config = config.pruner(pruner, parse_settings(args.pruner_settings.as_deref())?);
        }
        if args.reproducible {
            let Some(lag) = args.lag else {
                bail!("--reproducible needs --lag N here: the number of trials that will run at once (jobs times workers)");
            };
            config = config.reproducible(lag);
        }
        config.validate()?;
        Ok(CreateConfig { config })
    }
}

/// A searcher or pruner as `name` or `name {settings}`.
fn plugin(spec: &PluginSpec) -> String {
    if spec.settings.is_null() {
        spec.name.clone()
    } else {
        format!("{} {}", spec.name, spec.settings)
    }
}

/// Runs a `study` subcommand.
pub fn run(storage: Option<&str>, command: StudyCommand) -> Result<()> {
    let storage_url = storage;
    match command {
        StudyCommand::Create(args) => {
            let checked = CreateConfig::new(args)?;
            let storage = common::open(storage, Access::Create)?;
            let study = Study::create(
                storage.clone(),
                checked.config,
                &hyperspace_searchers::builtin_registry(),
            )?;
            let c = study.config();
            outln!(
                "created study '{}' in {}: {} with searcher {}{}, seed {}, {} parameter(s){}",
                c.name,
                storage.describe(),
                c.objectives_text(),
                plugin(&c.searcher),
                c.pruner
                    .as_ref()
                    .map(|p| format!(", pruner {}", plugin(p)))
                    .unwrap_or_default(),
                c.seed,
                c.space.len(),
                c.reproducible
                    .map(|r| format!(", reproducible with lag {}", r.lag))
                    .unwrap_or_default()
            )?;
            Ok(())
        }
        StudyCommand::List(args) => {
            let storage = common::open(storage, Access::Existing)?;
            list(storage.as_ref(), args.format)
        }
        StudyCommand::Show(args) => {
            let storage = common::open(storage, Access::Existing)?;
            show(storage, &args.name, args.format)
        }
        StudyCommand::Retarget(args) => {
            let storage = common::open(storage, Access::Existing)?;
            let mut study = common::load_study(storage, &args.name)?;
            let before = study.config().objectives_text();
            let objectives = common::parse_objectives(&args.objective, Direction::Minimize)?;
            study.retarget(objectives, &hyperspace_searchers::builtin_registry())?;
            let trials = study.trials()?;
            let counted = trials.iter().filter(|t| !t.values.is_empty()).count();
            let complete = trials
                .iter()
                .filter(|t| t.state == TrialState::Complete)
                .count();
            outln!(
                "study '{}' now optimizes {} (was {}): {counted} of {complete} complete trial(s) recorded it and count",
                args.name,
                study.config().objectives_text(),
                before
            )?;
            Ok(())
        }
        StudyCommand::Delete(args) => {
            let storage = common::open(storage, Access::Existing)?;
            // By listing, not by loading: a study whose configuration cannot
            // be read must still be deletable.
            let id = storage
                .list_studies()?
                .iter()
                .find(|s| s.name() == args.name)
                .map(StudyListing::id)
                .ok_or_else(|| hyperspace_engine::Error::StudyNotFound {
                    name: args.name.clone(),
                    storage: storage.describe(),
                })?;
            let count = storage.trials_since(id, 0)?.len();
            // Its artifacts go with it, and the question says so.
            let root = common::artifact_root(storage_url).ok();
            let artifacts = root
                .as_deref()
                .map(|root| study_artifact_dir(root, &args.name))
                .filter(|dir| dir.exists());
            let what = match &artifacts {
                Some(dir) => format!(
                    "study '{}', its {count} trial(s) and their artifacts in {}",
                    args.name,
                    show_path(dir)
                ),
                None => format!("study '{}' and its {count} trial(s)", args.name),
            };
            if !args.yes {
                if !std::io::stdin().is_terminal() {
                    bail!("deleting {what} cannot be undone; pass --yes to confirm");
                }
                crate::stdio::err_text(format_args!("delete {what}? [y/N] "));
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if !matches!(answer.trim(), "y" | "Y" | "yes") {
                    bail!("not deleted");
                }
            }
            storage.delete_study(id)?;
            if let (Some(root), Some(_)) = (&root, &artifacts) {
                delete_study_artifacts(root, &args.name)
                    .context("deleted the study, but not its artifacts")?;
            }
            outln!("deleted {what}")?;
            Ok(())
        }
    }
}

/// Trial counts by state.
#[derive(Debug, Default)]
struct Counts {
    waiting: usize,
    running: usize,
    complete: usize,
    pruned: usize,
    failed: usize,
}

impl Counts {
    fn of(trials: &[Trial]) -> Counts {
        let mut c = Counts::default();
        for t in trials {
            match t.state {
                TrialState::Waiting => c.waiting += 1,
                TrialState::Running => c.running += 1,
                TrialState::Complete => c.complete += 1,
                TrialState::Pruned => c.pruned += 1,
                TrialState::Failed => c.failed += 1,
            }
        }
        c
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "waiting": self.waiting, "running": self.running, "complete": self.complete,
            "pruned": self.pruned, "failed": self.failed,
        })
    }
}

/// The best value of a study of one objective (among feasible trials); for
/// several, none (their best is a front: `hyperspace best`).
fn best_value(config: &StudyConfig, trials: &[hyperspace_engine::Trial]) -> Option<f64> {
    if config.is_multi_objective() {
        return None;
    }
    config
        .primary_direction()
        .best(trials.iter().filter(|t| hyperspace_engine::is_feasible(t)))
        .and_then(|t| t.value)
}

fn list(storage: &dyn Storage, format: TableFormat) -> Result<()> {
    let header: Vec<String> = [
        "name",
        "direction",
        "searcher",
        "trials",
        "complete",
        "running",
        "waiting",
        "failed",
        "best",
        "created",
    ]
    .map(String::from)
    .to_vec();
    let mut rows = Vec::new();
    let mut json = Vec::new();
    for listing in storage.list_studies()? {
        let record = match listing {
            StudyListing::Readable(record) => record,
            StudyListing::Damaged {
                name,
                created,
                reason,
                ..
            } => {
                // Listed, with a note, so that it can be found and deleted;
                // the others are listed as usual.
                errln!("warning: study '{name}' cannot be read ({reason}); `hyperspace study delete {name}` removes it");
                let mut row = vec!["-".to_string(); header.len()];
                row[0] = name.clone();
                row[1] = "damaged".into();
                row[9] = created.clone();
                rows.push(row);
                json.push(serde_json::json!({
                    "name": name, "created": created, "damaged": reason,
                }));
                continue;
            }
        };
        let trials = storage.trials_since(record.id, 0)?;
        let c = Counts::of(&trials);
        let best = best_value(&record.config, &trials);
        rows.push(vec![
            record.config.name.clone(),
            record.config.objectives_text(),
            record.config.searcher.name.clone(),
            trials.len().to_string(),
            c.complete.to_string(),
            c.running.to_string(),
            c.waiting.to_string(),
            c.failed.to_string(),
            best.map_or("-".into(), fmt_num),
            record.created.clone(),
        ]);
        json.push(serde_json::json!({
            "name": record.config.name, "direction": record.config.primary_direction(),
            "objectives": record.config.objectives,
            "searcher": record.config.searcher, "trials": trials.len(), "counts": c.json(),
            "best": best, "created": record.created,
        }));
    }
    let mut out = crate::stdio::stdout();
    match format {
        TableFormat::Table => {
            let numeric = [
                false, false, false, true, true, true, true, true, true, false,
            ];
            write_aligned(&mut out, &header, &rows, &numeric)?
        }
        TableFormat::Csv => {
            writeln!(out, "{}", csv_line(&header))?;
            for row in &rows {
                writeln!(out, "{}", csv_line(row))?;
            }
        }
        TableFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?,
    }
    Ok(())
}

fn show(storage: std::sync::Arc<dyn Storage>, name: &str, format: TableFormat) -> Result<()> {
    let mut study = common::load_study(storage.clone(), name)?;
    let record = storage
        .find_study(name)?
        .ok_or_else(|| anyhow::anyhow!("study '{name}' disappeared"))?;
    let trials = study.trials()?.to_vec();
    let counts = Counts::of(&trials);
    let c = study.config().clone();
    let retargets = study.objective_history()?;
    let front = if c.is_multi_objective() {
        study.best_trials().unwrap_or_default()
    } else {
        Vec::new()
    };
    let best = if c.is_multi_objective() {
        None
    } else {
        c.primary_direction()
            .best(trials.iter().filter(|t| hyperspace_engine::is_feasible(t)))
            .cloned()
    };
    if format != TableFormat::Table {
        let json = serde_json::json!({
            "name": c.name, "direction": c.primary_direction(), "objectives": c.objectives,
            "searcher": c.searcher, "pruner": c.pruner, "seed": c.seed,
            "objective": c.primary_metric(), "front": front, "reproducible": c.reproducible, "space": c.space, "created": record.created,
            "trials": trials.len(), "counts": counts.json(), "best": best,
            "objective_history": retargets,
        });
        outln!("{}", serde_json::to_string_pretty(&json)?)?;
        return Ok(());
    }
    outln!("study      {}", c.name)?;
    outln!("storage    {}", storage.describe())?;
    outln!("created    {}", record.created)?;
    outln!("direction  {}", c.objectives_text())?;
    // Each earlier set of objectives, and when it was replaced.
    for change in &retargets {
        let was: Vec<String> = change.objectives.iter().map(|o| o.to_string()).collect();
        outln!("  before   {} (until {})", was.join(", "), change.until)?;
    }
    if !c.constraints.is_empty() {
        let limits: Vec<String> = c.constraints.iter().map(|l| l.to_string()).collect();
        outln!("constraints {}", limits.join(", "))?;
    }
    outln!("searcher   {}", plugin(&c.searcher))?;
    if let Some(pruner) = &c.pruner {
        outln!("pruner     {}", plugin(pruner))?;
    }
    outln!("seed       {}", c.seed)?;
    if let Some(r) = c.reproducible {
        outln!("reproducible  lag {}", r.lag)?;
    }
    if let (Some(objective), false) = (c.primary_metric(), c.is_multi_objective()) {
        outln!("objective  {objective}")?;
    }
    if c.is_multi_objective() {
        outln!(
            "front      {} trial(s): {}",
            front.len(),
            common::trial_numbers(&front)
        )?;
    }
    outln!(
        "trials     {} ({} complete, {} pruned, {} failed, {} running, {} waiting)",
        trials.len(),
        counts.complete,
        counts.pruned,
        counts.failed,
        counts.running,
        counts.waiting
    )?;
    if let Some(best) = best {
        let params: Vec<String> = best
            .params
            .iter()
            .map(|(k, v)| format!("{k}={}", common::fmt_value(v)))
            .collect();
        outln!(
            "best       #{} (id {}) value={}  {}",
            best.number,
            best.id,
            best.value.map_or("-".into(), fmt_num),
            params.join(" ")
        )?;
    }
    outln!("space")?;
    for entry in c.space.entries() {
        let depth = if entry.condition.is_some() {
            "    "
        } else {
            "  "
        };
        let when = entry
            .condition
            .map(|cond| {
                let parent = &c.space.entries()[cond.parent];
                let choice = match &parent.param {
                    hyperspace_engine::Param::Categorical(p) => {
                        p.choices()[cond.choice].to_string()
                    }
                    _ => cond.choice.to_string(),
                };
                format!("  (when {}={choice})", parent.name)
            })
            .unwrap_or_default();
        outln!(
            "{depth}{} = {}{when}",
            entry.name,
            describe_param(&entry.param)
        )?;
    }
    Ok(())
}

fn describe_param(param: &hyperspace_engine::Param) -> String {
    use hyperspace_engine::Param;
    match param {
        Param::Float(p) => {
            let mut s = format!("float({}, {}", fmt_num(p.low()), fmt_num(p.high()));
            if p.log() {
                s.push_str(", log");
            }
            if let Some(step) = p.step() {
                s.push_str(&format!(", step={}", fmt_num(step)));
            }
            if let Some(d) = p.default() {
                s.push_str(&format!(", default={}", fmt_num(d)));
            }
            s + ")"
        }
        Param::Int(p) => {
            let mut s = format!("int({}, {}", p.low(), p.high());
            if p.log() {
                s.push_str(", log");
            }
            if p.step() != 1 {
                s.push_str(&format!(", step={}", p.step()));
            }
            if let Some(d) = p.default() {
                s.push_str(&format!(", default={d}"));
            }
            s + ")"
        }
        Param::Categorical(p) => {
            let choices: Vec<String> = p.choices().iter().map(|c| c.to_string()).collect();
            format!("choice({})", choices.join(", "))
        }
    }
}
