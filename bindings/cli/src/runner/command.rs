//! The engine's `TrialRunner` for a command: each trial launches the
//! user's command with the trial's parameters, a thread watches the process
//! (intermediate values, pruning, Ctrl-C), and what it ended with becomes
//! the trial's result.

use super::conclude::{announce_recorded, conclude, Note};
use super::config::{OnInterrupt, RunConfig};
use super::output;
use super::process::{self, Ending, Event, Launch};
use super::progress::Progress;
use super::template::TrialVars;
use super::{describe_params, lock, Plan};
use crate::common::{param_env_name, show_path};
use anyhow::{anyhow, Result};
use hyperspace_engine::artifacts::{ensure_dir, trial_artifact_dir};
use hyperspace_engine::execute::{
    Event as ExecEvent, Interrupt, StopReason, TrialContext, TrialRunner,
};
use hyperspace_engine::{Metadata, Outcome, PendingResult, Trial, TrialId};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard};

/// A trial being run.
#[derive(Debug)]
pub(crate) struct Running {
    pub(super) number: u64,
    pub(super) params: String,
    /// What was recorded at its launch, recorded again with its result in
    /// case storage did not take it then.
    pub(super) meta: Metadata,
    /// Its artifact directory, scanned when it ends.
    pub(super) trial_dir: Option<PathBuf>,
}

/// Runs each trial's command for the engine's executor, and shows what
/// happens.
pub(super) struct CommandRunner {
    pub(super) config: RunConfig,
    pub(super) plan: Plan,
    pub(super) interrupts: Arc<AtomicUsize>,
    pub(super) progress: Mutex<Progress>,
    /// How each trial this run ran is to be announced.
    pub(super) notes: Mutex<HashMap<TrialId, Note>>,
    /// The first error that ends the run (a command that cannot start).
    pub(super) error: Mutex<Option<anyhow::Error>>,
}

impl CommandRunner {
    pub(super) fn progress(&self) -> MutexGuard<'_, Progress> {
        lock(&self.progress)
    }

    fn failed(&self, trial: &Trial, reason: String) -> PendingResult {
        PendingResult::finished(
            &self.plan.study,
            trial.id,
            trial.number,
            Outcome::failed(reason),
        )
    }
}

impl TrialRunner for CommandRunner {
    fn run(&self, trial: &Trial, ctx: &TrialContext<'_>) -> PendingResult {
        let prune = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel::<Event>();
        let launched = launch(
            ctx,
            &self.plan,
            &self.config,
            trial,
            &self.interrupts,
            &tx,
            &prune,
        );
        drop(tx);
        let (meta, trial_dir) = match launched {
            Ok(launched) => launched,
            Err(e) => {
                let reason = format!("{e:#}");
                let note = Note::NotStarted {
                    reason: reason.clone(),
                };
                lock(&self.notes).insert(trial.id, note);
                ctx.stop(StopReason::Error(reason.clone()));
                return self.failed(trial, reason);
            }
        };
        let info = Running {
            number: trial.number,
            params: describe_params(trial),
            meta,
            trial_dir,
        };
        loop {
            match rx.recv() {
                Ok(Event::Report(report)) => {
                    let reporting = ctx.report_metrics(report);
                    if let Some(warning) = reporting.warning {
                        self.progress().println(&format!("note: {warning}"));
                    }
                    if reporting.prune {
                        prune.store(true, Ordering::SeqCst);
                    }
                }
                Ok(Event::Spawned) => ctx.started(),
                Ok(Event::Done(finished)) => {
                    // Before this worker (or another) takes a trial.
                    match &finished.ending {
                        Ending::Interrupted => ctx.stop(StopReason::Interrupted),
                        Ending::NotStarted(reason) => ctx.stop(StopReason::Error(reason.clone())),
                        _ => {}
                    }
                    let (result, note) = conclude(&self.plan, &self.config, info, *finished);
                    lock(&self.notes).insert(trial.id, note);
                    return result;
                }
                Err(_) => {
                    let reason = "the thread watching its command ended without a result";
                    return self.failed(trial, reason.to_string());
                }
            }
        }
    }

    fn event(&self, event: ExecEvent) {
        match event {
            ExecEvent::Started(_) => self.progress().started(),
            ExecEvent::Recorded {
                result,
                trial,
                adopted,
            } => {
                let note = match adopted {
                    true => None,
                    false => lock(&self.notes).remove(&trial.id),
                };
                let note = note.unwrap_or(Note::Adopted);
                if let Err(e) = announce_recorded(&mut self.progress(), &result, &note, &trial) {
                    lock(&self.error).get_or_insert(e);
                }
            }
            ExecEvent::Refused { result, error } => self.progress().println(&format!(
                "cannot record the result of trial #{} (id {}): {error}; it was {}",
                result.number,
                result.trial,
                serde_json::to_string(&result).unwrap_or_default()
            )),
            ExecEvent::Requeued { original, copy } => self.progress().println(&format!(
                "re-queued trial #{original} as #{}: its worker sent no heartbeat within its lease",
                copy.number
            )),
            ExecEvent::Adopting(n) => self.progress().println(&format!(
                "{n} result(s) of earlier workers of study '{}' were not recorded; recording them now",
                self.plan.study
            )),
            ExecEvent::StorageDown {
                error,
                journal,
                patience,
            } => self.progress().println(&format!(
                "storage unavailable ({error}); results are kept (journal {}) and recorded when it is back; giving up after {patience:?}",
                journal.as_deref().map_or_else(|| "-".into(), show_path),
            )),
            ExecEvent::StorageBack(after) => self
                .progress()
                .println(&format!("storage is back after {:.1}s", after.as_secs_f64())),
            ExecEvent::Stopping(StopReason::Interrupted) => {
                let progress = self.progress();
                progress.note(&format!(
                    "stopping: {} running trial(s) will be {} (Ctrl-C again to kill at once)",
                    progress.running,
                    match self.config.on_interrupt {
                        OnInterrupt::Requeue => "re-queued",
                        OnInterrupt::Fail => "failed",
                    }
                ));
            }
            ExecEvent::Stopping(_) => {}
            ExecEvent::Warning(text) => self.progress().println(&format!("warning: {text}")),
        }
    }

    fn starts_one_at_a_time(&self) -> bool {
        true
    }

    fn interrupt(&self) -> Interrupt {
        // A second Ctrl-C kills the commands (each trial's thread sees it):
        // their ends are recorded as usual.
        if self.interrupts.load(Ordering::SeqCst) > 0 {
            Interrupt::Stop
        } else {
            Interrupt::None
        }
    }
}

pub(super) fn launch(
    ctx: &TrialContext<'_>,
    plan: &Plan,
    config: &RunConfig,
    trial: &Trial,
    interrupts: &Arc<AtomicUsize>,
    events: &mpsc::Sender<Event>,
    prune: &Arc<AtomicBool>,
) -> Result<(Metadata, Option<PathBuf>)> {
    let stem = plan.log_dir.join(format!("trial-{}", trial.number));
    let trial_file = stem.with_extension("json");
    let dirs = artifact_dirs(ctx, plan, trial)?;
    let vars = TrialVars {
        trial: trial.id.0,
        number: trial.number,
        seed: trial.meta.seed,
        budget: trial.budget,
        trial_file: trial_file.display().to_string(),
        study: plan.study.clone(),
        // Absolute: the command may run in another folder.
        trial_dir: dirs.trial.as_ref().map(|d| d.display().to_string()),
        parent_dir: dirs.parent.as_ref().map(|d| d.display().to_string()),
        parent_budget: dirs.parent_budget,
    };
    let params_json: serde_json::Map<String, serde_json::Value> = trial
        .params
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    let file = serde_json::json!({
        "study": plan.study,
        "trial": trial.id.0,
        "number": trial.number,
        "params": params_json,
        "seed": trial.meta.seed,
        "budget": trial.budget,
        "parent": trial.parent.map(|p| p.0),
        "storage": plan.storage_url,
        "trial_dir": vars.trial_dir,
        "parent_dir": vars.parent_dir,
        "parent_budget": vars.parent_budget,
    });
    let text = serde_json::to_string_pretty(&file)?;
    std::fs::write(&trial_file, text)
        .map_err(|e| anyhow!("cannot write {}: {e}", trial_file.display()))?;

    let argv = plan.template.render(&trial.params, &vars);
    let mut env: Vec<(String, String)> = config.env.clone();
    env.extend([
        ("HYPERSPACE_STUDY".into(), plan.study.clone()),
        ("HYPERSPACE_STORAGE".into(), plan.storage_url.clone()),
        ("HYPERSPACE_TRIAL_ID".into(), trial.id.0.to_string()),
        ("HYPERSPACE_TRIAL_NUMBER".into(), trial.number.to_string()),
        ("HYPERSPACE_TRIAL_FILE".into(), vars.trial_file.clone()),
        ("PYTHONUNBUFFERED".into(), "1".into()),
    ]);
    if let Some(seed) = trial.meta.seed {
        env.push(("HYPERSPACE_SEED".into(), seed.to_string()));
    }
    if let Some(budget) = trial.budget {
        env.push(("HYPERSPACE_BUDGET".into(), budget.to_string()));
    }
    for (name, value) in &trial.params {
        env.push((param_env_name(name), value.to_string()));
    }
    if let Some(dir) = &vars.trial_dir {
        env.push(("HYPERSPACE_TRIAL_DIR".into(), dir.clone()));
    }
    if let Some(dir) = &vars.parent_dir {
        env.push(("HYPERSPACE_PARENT_DIR".into(), dir.clone()));
    }
    if let Some(budget) = vars.parent_budget {
        env.push(("HYPERSPACE_PARENT_BUDGET".into(), budget.to_string()));
    }

    let stdout_log = stem.with_extension("out");
    let stderr_log = stem.with_extension("err");
    let mut meta = plan.meta.clone();
    // The start its claim recorded: it names this run of the trial (a
    // replayed re-queue only applies to the run it is about).
    meta.started = trial.meta.started.clone().or_else(|| Some(process::now()));
    meta.extra.insert("command".into(), serde_json::json!(argv));
    meta.extra
        .insert("log_stdout".into(), show_path(&stdout_log).into());
    meta.extra
        .insert("log_stderr".into(), show_path(&stderr_log).into());
    // Storage down: the metadata goes with the result instead.
    let recorded = ctx.study().set_metadata(trial.id, meta.clone());
    match recorded {
        Err(e) if !e.is_transient() => return Err(e.into()),
        _ => {}
    }

    let launch = Launch {
        trial: trial.id.0,
        argv,
        cwd: plan.cwd.clone(),
        env,
        stdout_log,
        stderr_log,
        timeout: config.timeout,
        streams: config.streams,
        reader: output::OutputReader::new(config.result.clone(), config.intermediate.clone()),
        objective: plan.objective.clone(),
        objectives: plan.objectives.clone(),
        prune: prune.clone(),
    };
    let interrupts = interrupts.clone();
    let events = events.clone();
    std::thread::Builder::new()
        .name(format!("trial-{}", trial.number))
        .spawn(move || process::run(launch, interrupts, events))
        .map_err(|e| anyhow!("cannot start a thread for trial {}: {e}", trial.id))?;
    Ok((meta, dirs.trial))
}

/// A trial's artifact directory (created), and its parent's with the
/// parent's budget when it has a parent (a re-run, a promotion).
struct ArtifactDirs {
    trial: Option<PathBuf>,
    parent: Option<PathBuf>,
    parent_budget: Option<f64>,
}

fn artifact_dirs(ctx: &TrialContext<'_>, plan: &Plan, trial: &Trial) -> Result<ArtifactDirs> {
    let parent = match trial.parent {
        Some(id) => Some(ctx.study().storage().trial(id)?),
        None => None,
    };
    let parent_budget = parent.as_ref().and_then(|p| p.budget);
    let Some(root) = &plan.artifacts else {
        return Ok(ArtifactDirs {
            trial: None,
            parent: None,
            parent_budget,
        });
    };
    let dir = trial_artifact_dir(root, &plan.study, trial.number);
    ensure_dir(&dir)?;
    Ok(ArtifactDirs {
        trial: Some(dir),
        parent: parent.map(|p| trial_artifact_dir(root, &plan.study, p.number)),
        parent_budget,
    })
}
