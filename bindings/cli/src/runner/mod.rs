//! `hyperspace run` and `hyperspace worker`: run an existing command as a
//! black box, trial after trial (several at once with `--jobs`), and record
//! everything.
//!
//! One thread (this one) owns the study and does every storage write; each
//! running trial has a thread that watches its process and sends back
//! intermediate values and the outcome.

mod command;
mod conclude;
mod config;
mod experiment;
mod lab;
mod output;
mod process;
mod progress;
mod repro;
mod serve;
mod study;
mod template;

pub use config::{Mode, RunConfig};
pub use lab::run_given;

use crate::common::{self, fmt_num, fmt_value, show_path, Access};
use anyhow::{anyhow, Result};
use command::CommandRunner;
pub(crate) use command::Running;
use hyperspace_engine::execute::{journal_dir, log_dir, Asking, Executor, StopReason};
use hyperspace_engine::Error;
use hyperspace_engine::{Metadata, ResultJournal, StorageUrl, Study, Trial};
use progress::Progress;
use repro::GitState;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use template::Template;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// It ran what it was asked to (or ran out of work).
    Done,
    /// Ctrl-C (or SIGTERM) stopped it; running trials were re-queued or failed.
    Interrupted,
}

/// What the runner needs for every trial, fixed for the whole run.
#[derive(Debug)]
struct Plan {
    study: String,
    template: Template,
    objective: Option<String>,
    /// For a study with several objectives, the metric each is read from.
    objectives: Vec<String>,
    /// The study's limits on printed metrics, turned into each trial's
    /// constraint values.
    constraints: Vec<hyperspace_engine::MetricConstraint>,
    log_dir: PathBuf,
    storage_url: String,
    /// The study's artifact store; `None` when the storage has none and
    /// the command does not need one (it then gets no `HYPERSPACE_TRIAL_DIR`).
    artifacts: Option<PathBuf>,
    meta: Metadata,
    cwd: PathBuf,
}

pub fn execute(config: RunConfig) -> Result<RunEnd> {
    let access = if config.study.space.is_some() {
        Access::Create
    } else {
        Access::Existing
    };
    let storage = common::open(config.storage.as_deref(), access)?;
    let mut study = study::open_study(storage, &config.study)?;
    // The study's heartbeat thread keeps the lease of every running trial,
    // also while a worker waits for a storage that is down.
    study.set_lease(Some(config.stale_after));
    if let Some(timeout) = config.wait_timeout {
        study.set_wait_timeout(timeout);
    }
    let plan = plan(&config, &study)?;
    let interrupts = Arc::new(AtomicUsize::new(0));
    listen_for_interrupts(&interrupts)?;

    let (direction, best) = if study.config().is_multi_objective() {
        (None, None)
    } else {
        let best = feasible_best(&mut study)?.and_then(|t| t.value.map(|v| (v, t.number)));
        (Some(study.config().primary_direction()), best)
    };
    let progress = Progress::new(config.trials, direction, best);
    let budget = match (config.trials, config.queue_only) {
        (Some(n), _) => format!("{n} trials"),
        (None, true) => "the queued trials".to_string(),
        (None, false) => match config.max_trials {
            Some(m) => format!("trials until the study has {m}"),
            None => "trials until stopped".to_string(),
        },
    };
    progress.println(&format!(
        "study '{}' in {}: running {budget}, {} at a time; logs in {}",
        study.name(),
        study.storage().describe(),
        config.jobs,
        show_path(&plan.log_dir)
    ));
    let asking = match config.queue_only {
        true => Asking::QueueOnly,
        false => Asking::Space,
    };
    let executor = Executor::new()
        .trials(config.trials)
        .jobs(config.jobs)
        .asking(asking)
        .max_study_trials(config.max_trials)
        .max_failures(config.max_failures)
        .recover_after(Some(config.stale_after))
        .patience(config.storage_patience)
        .journal(Some(ResultJournal::new(&journal_dir(&plan.log_dir))));
    let name = study.name().to_string();
    let study = Arc::new(Mutex::new(study));
    let runner = Arc::new(CommandRunner {
        interrupts: interrupts.clone(),
        progress: Mutex::new(progress),
        notes: Mutex::new(HashMap::new()),
        error: Mutex::new(None),
        config,
        plan,
    });
    let started_at = Instant::now();
    let report = executor.run(study.clone(), runner.clone());

    let progress = runner.progress();
    progress.finish();
    let interrupted = interrupts.load(Ordering::SeqCst) > 0;
    // The summary is a courtesy: whatever stops it (storage down, a
    // closed stdout) must not hide unrecorded results or the run's error.
    let stop_reason = report.stop.as_ref().map(describe_stop);
    if let Err(e) = summary(
        &mut lock(&study),
        &runner.plan,
        &progress,
        started_at,
        stop_reason,
        interrupted,
    ) {
        progress.println(&format!("(no summary: {e:#})"));
    }
    if let Some(unrecorded) = &report.unrecorded {
        let mut flags = format!(
            "--storage {} --study {}",
            common::shell_quote(&runner.plan.storage_url),
            common::shell_quote(&name)
        );
        if let Some(dir) = &runner.config.log_dir {
            flags.push_str(&format!(
                " --log-dir {}",
                common::shell_quote(&show_path(dir))
            ));
        }
        let how = format!(
            "`hyperspace recover-results {flags}` (or the next run of the study) records them"
        );
        return Err(anyhow!("{}", unrecorded.describe(&how)));
    }
    if let Some(e) = lock(&runner.error).take() {
        return Err(e);
    }
    if let Some(e) = report.error {
        return Err(e.into());
    }
    Ok(if interrupted {
        RunEnd::Interrupted
    } else {
        RunEnd::Done
    })
}

/// Why a run stopped, as its summary says it.
fn describe_stop(reason: &StopReason) -> String {
    match reason {
        StopReason::StudyFull => "the study holds --max-trials trials".to_string(),
        other => other.to_string(),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Counts SIGINT and SIGTERM instead of dying on them: the first stops the
/// run gracefully, the second kills running commands at once.
fn listen_for_interrupts(counter: &Arc<AtomicUsize>) -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .map_err(|e| anyhow!("cannot listen for Ctrl-C: {e}"))?;
    let counter = counter.clone();
    std::thread::spawn(move || {
        for _ in signals.forever() {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    Ok(())
}

fn plan(config: &RunConfig, study: &Study) -> Result<Plan> {
    let template = Template::new(&config.argv, study.space())?;
    let storage_url = absolute_storage(config.storage.as_deref());
    let log_dir = log_dir(config.log_dir.as_deref(), &storage_url, study.name());
    std::fs::create_dir_all(&log_dir)
        .map_err(|e| anyhow!("cannot create the log folder {}: {e}", log_dir.display()))?;
    let artifacts = match common::artifact_root(Some(&storage_url)) {
        Ok(root) => Some(root),
        Err(e) if template.uses_artifacts() => {
            return Err(e.context("the command uses {trial_dir} or {parent_dir}"))
        }
        Err(_) => None,
    };
    let cwd = std::fs::canonicalize(&config.cwd).unwrap_or_else(|_| config.cwd.clone());
    let git = GitState::read(&cwd);
    let mut meta = Metadata {
        code_version: git.as_ref().map(GitState::version),
        data_version: config.data_version.clone(),
        ..Metadata::default()
    };
    let extra = &mut meta.extra;
    extra.insert("cwd".into(), cwd.display().to_string().into());
    if let Some(git) = &git {
        extra.insert("git_commit".into(), git.commit.clone().into());
        extra.insert("git_dirty".into(), git.dirty.into());
        if let Some(hash) = &git.diff_hash {
            extra.insert("git_diff_hash".into(), hash.clone().into());
        }
    }
    if let Some(file) = &config.experiment {
        extra.insert("experiment".into(), show_path(file).into());
    }
    extra.insert(
        "hyperspace_version".into(),
        env!("CARGO_PKG_VERSION").into(),
    );
    Ok(Plan {
        study: study.name().to_string(),
        template,
        objective: config
            .objective
            .clone()
            .or_else(|| study.config().primary_metric().map(String::from)),
        objectives: several_objectives(study.config())?,
        constraints: study.config().constraints.clone(),
        log_dir,
        storage_url,
        artifacts,
        meta,
        cwd,
    })
}

/// The best trial of a study of one objective; none while every trial
/// breaks a constraint (the end-of-run summary says so instead).
fn feasible_best(study: &mut Study) -> Result<Option<hyperspace_engine::Trial>> {
    match study.best_trial() {
        Err(Error::NoFeasibleTrial { .. }) => Ok(None),
        other => Ok(other?),
    }
}

/// The metric names of a study with several objectives, each read from the
/// command's output; empty for a study of one (whose objective is found
/// as before). Each objective needs a name to be read by.
fn several_objectives(config: &hyperspace_engine::StudyConfig) -> Result<Vec<String>> {
    if !config.is_multi_objective() {
        return Ok(Vec::new());
    }
    config
        .objectives
        .iter()
        .enumerate()
        .map(|(i, o)| {
            o.name.clone().ok_or_else(|| {
                anyhow!(
                    "objective {} of study '{}' ({}) has no metric name, so a command's output cannot give it; run a study whose objectives are named (--objective NAME:DIRECTION) or tell its results with `hyperspace tell --values`",
                    i + 1,
                    config.name,
                    o.direction
                )
            })
        })
        .collect()
}

/// The storage URL with an absolute file path, for commands that run in
/// another folder and call `hyperspace` themselves.
/// A URL that cannot be parsed is passed on as it is, for the command that
/// opens it to report.
pub fn absolute_storage(url: Option<&str>) -> String {
    let url = url.unwrap_or(common::DEFAULT_STORAGE);
    match StorageUrl::parse(url) {
        Ok(parsed) => parsed.absolute().to_url(),
        Err(_) => url.to_string(),
    }
}

pub(crate) fn describe_params(trial: &Trial) -> String {
    trial
        .params
        .iter()
        .map(|(k, v)| format!("{k}={}", fmt_value(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn summary(
    study: &mut Study,
    plan: &Plan,
    progress: &Progress,
    started: Instant,
    stop_reason: Option<String>,
    interrupted: bool,
) -> Result<()> {
    let name = study.name().to_string();
    let total = study.trials()?.len();
    let mut lines = Vec::new();
    let why = if interrupted {
        " (interrupted)".to_string()
    } else {
        stop_reason.map(|r| format!(" ({r})")).unwrap_or_default()
    };
    lines.push(format!(
        "ran {} trial(s) of study '{name}' in {:.1}s: {} complete or pruned, {} failed{why}; the study has {total} trial(s)",
        progress.done,
        started.elapsed().as_secs_f64(),
        progress.done - progress.failed,
        progress.failed,
    ));
    if study.config().is_multi_objective() {
        match study.best_trials() {
            Ok(front) => lines.push(format!(
                "Pareto front: {} trial(s) ({}); `best` lists them",
                front.len(),
                common::trial_numbers(&front)
            )),
            Err(e) => lines.push(e.to_string()),
        }
    } else if let Some(best) = feasible_best(study)? {
        lines.push(format!(
            "best: trial #{} (id {}) value={}  {}",
            best.number,
            best.id,
            best.value.map_or("-".into(), fmt_num),
            describe_params(&best)
        ));
    }
    let storage = match common::storage_file(&plan.storage_url) {
        Some(file) => show_path(&file),
        None => plan.storage_url.clone(),
    };
    let exe = program_name();
    lines.push(format!(
        "results: {storage} (study '{name}'); logs: {}",
        show_path(&plan.log_dir)
    ));
    let flags = format!(
        "--storage {} --study {}",
        common::shell_quote(&storage),
        common::shell_quote(&name)
    );
    lines.push("look at them:".into());
    lines.push(format!("  {exe} trials {flags} --sort value --limit 10"));
    lines.push(format!("  {exe} best {flags}"));
    outln!("{}", lines.join("\n"))?;
    Ok(())
}

/// How this program was invoked, for hints: as typed when it was a path
/// (`target/release/hyperspace`), else `hyperspace`.
fn program_name() -> String {
    std::env::args()
        .next()
        .filter(|a| a.contains('/'))
        .map(|a| show_path(Path::new(&a)))
        .unwrap_or_else(|| "hyperspace".to_string())
}
