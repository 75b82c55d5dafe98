//! `hyperspace run` and `hyperspace worker`: run an existing command as a
//! black box, trial after trial (several at once with `--jobs`), and record
//! everything.
//!
//! One thread (this one) owns the study and does every storage write; each
//! running trial has a thread that watches its process and sends back
//! intermediate values and the outcome.

mod config;
mod experiment;
mod log_dir;
mod output;
mod process;
mod progress;
mod repro;
mod study;
mod template;

pub use config::{Mode, RunConfig};

use crate::common::{self, fmt_num, fmt_value, param_env_name, show_path, Access};
use anyhow::{anyhow, Result};
use config::OnInterrupt;
use hyperspace_engine::{Error, Metadata, Outcome, Study, Trial, TrialId};
use process::{Ending, Event, Finished, Launch};
use progress::Progress;
use repro::GitState;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use study::Next;
use template::{Template, TrialVars};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// It ran what it was asked to (or ran out of work).
    Done,
    /// Ctrl-C (or SIGTERM) stopped it; running trials were re-queued or failed.
    Interrupted,
}

/// A trial being run.
#[derive(Debug)]
struct Running {
    number: u64,
    params: String,
    /// Tells the trial's thread to stop the command: the pruner said so.
    prune: Arc<AtomicBool>,
}

/// What the scheduler needs for every trial, fixed for the whole run.
#[derive(Debug)]
struct Plan {
    template: Template,
    objective: Option<String>,
    log_dir: PathBuf,
    storage_url: String,
    meta: Metadata,
    cwd: PathBuf,
}

/// Heartbeats per `stale_after`: a live worker misses five in a row before
/// its trials count as abandoned.
const HEARTBEATS_PER_SILENCE: u32 = 6;
/// Looks for other workers' abandoned trials per `stale_after`.
const RECOVERIES_PER_SILENCE: u32 = 2;

/// Runs trials until the budget is spent, the work runs out, or Ctrl-C.
/// Counts a finished trial and prints one line for it: state, `note`,
/// value and parameters.
fn announce(progress: &mut Progress, info: &Running, trial: &Trial, note: &str) {
    let value = trial.finished_value();
    progress.finished(info.number, value, value.is_none());
    let shown = value.map_or_else(|| trial.state.to_string(), fmt_num);
    progress.println(&format!(
        "trial #{} {}{note}  value={shown}  {}",
        info.number, trial.state, info.params
    ));
}

/// `result`, with "the trial is finished already" counted as done: the
/// command told its own result, or another worker recovered the trial.
fn unless_finished<T>(result: hyperspace_engine::Result<T>) -> hyperspace_engine::Result<()> {
    match result {
        Ok(_) | Err(Error::TrialFinished { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Fails the running trials whose workers have been silent for
/// `stale_after` and queues a copy of each, saying so.
fn recover_abandoned(study: &mut Study, config: &RunConfig, progress: &Progress) -> Result<()> {
    for copy in study.recover_stale(config.stale_after)? {
        let parent = copy.parent;
        let number = study
            .trials()?
            .iter()
            .find(|t| Some(t.id) == parent)
            .map_or_else(|| "?".to_string(), |t| t.number.to_string());
        progress.println(&format!(
            "re-queued trial #{number} as #{}: its worker sent no heartbeat for {:?}",
            copy.number, config.stale_after
        ));
    }
    Ok(())
}

pub fn execute(config: RunConfig) -> Result<RunEnd> {
    let access = if config.study.space.is_some() {
        Access::Create
    } else {
        Access::Existing
    };
    let storage = common::open(config.storage.as_deref(), access)?;
    let mut study = study::open_study(storage, &config.study)?;
    let plan = plan(&config, &study)?;
    let interrupts = Arc::new(AtomicUsize::new(0));
    listen_for_interrupts(&interrupts)?;

    let best = study
        .best_trial()?
        .and_then(|t| t.value.map(|v| (v, t.number)));
    let mut progress = Progress::new(config.trials, study.config().direction, best);
    let budget = match (config.trials, config.queue_only, config.mode) {
        (Some(n), _, _) => format!("{n} trials"),
        (None, true, _) => "the queued trials".to_string(),
        (None, false, _) => match config.max_trials {
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

    // Trials of workers that died without a word (kill -9, power loss)
    // would stay running forever: fail and re-queue them, now and every so
    // often while this one runs.
    recover_abandoned(&mut study, &config, &progress)?;
    let heartbeat_every = config.stale_after / HEARTBEATS_PER_SILENCE;
    let recover_every = config.stale_after / RECOVERIES_PER_SILENCE;
    let mut last_heartbeat = Instant::now();
    let mut last_recovery = Instant::now();

    let started_at = Instant::now();
    let (tx, rx) = mpsc::channel::<Event>();
    let mut running: HashMap<i64, Running> = HashMap::new();
    let mut launched = 0usize;
    let mut stop_reason: Option<String> = None;
    let mut error: Option<anyhow::Error> = None;
    let mut noted_interrupt = false;
    loop {
        let interrupted = interrupts.load(Ordering::SeqCst) > 0;
        if interrupted && !noted_interrupt {
            noted_interrupt = true;
            progress.note(&format!(
                "stopping: {} running trial(s) will be {} (Ctrl-C again to kill at once)",
                running.len(),
                match config.on_interrupt {
                    OnInterrupt::Requeue => "re-queued",
                    OnInterrupt::Fail => "failed",
                }
            ));
        }
        let may_ask = !interrupted && stop_reason.is_none() && error.is_none();
        if may_ask && running.len() < config.jobs && config.trials.is_none_or(|n| launched < n) {
            match study::next_trial(&mut study, config.queue_only, config.max_trials) {
                Ok(Next::Trial(trial)) => {
                    let prune = Arc::new(AtomicBool::new(false));
                    match launch(&mut study, &plan, &config, &trial, &interrupts, &tx, &prune) {
                        Ok(()) => {
                            study.heartbeat(trial.id)?;
                            launched += 1;
                            progress.started();
                            running.insert(
                                trial.id.0,
                                Running {
                                    number: trial.number,
                                    params: describe_params(&trial),
                                    prune,
                                },
                            );
                        }
                        Err(e) => {
                            let _ = study.tell(trial.id, Outcome::failed(format!("{e:#}")));
                            error = Some(e);
                        }
                    }
                    continue;
                }
                Ok(Next::QueueEmpty) => stop_reason = Some("the queue is empty".into()),
                Ok(Next::Exhausted(reason)) => {
                    stop_reason = Some(format!("the searcher has nothing left: {reason}"))
                }
                Ok(Next::BudgetReached) => {
                    stop_reason = Some("the study holds --max-trials trials".into())
                }
                Err(e) => error = Some(e),
            }
        }
        let out_of_work = !may_ask
            || stop_reason.is_some()
            || error.is_some()
            || config.trials.is_some_and(|n| launched >= n);
        if running.is_empty() && out_of_work {
            break;
        }
        if last_heartbeat.elapsed() >= heartbeat_every {
            last_heartbeat = Instant::now();
            for id in running.keys() {
                // A trial that finished meanwhile refuses the heartbeat.
                let _ = study.heartbeat(TrialId(*id));
            }
        }
        if may_ask && last_recovery.elapsed() >= recover_every {
            last_recovery = Instant::now();
            if let Err(e) = recover_abandoned(&mut study, &config, &progress) {
                error.get_or_insert(e);
            }
        }
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Event::Report { trial, step, value }) => {
                // An intermediate value the storage refuses (the command told
                // its own result already) is not worth stopping for.
                if study.report(TrialId(trial), step, value).is_ok() {
                    if let (Some(pruner), Some(info)) = (&config.pruner, running.get(&trial)) {
                        // A storage error must not leave running commands
                        // behind: note it, stop asking, and drain.
                        match study.should_prune(TrialId(trial), pruner.as_ref()) {
                            Ok(true) => info.prune.store(true, Ordering::SeqCst),
                            Ok(false) => {}
                            Err(e) => {
                                error.get_or_insert(e.into());
                            }
                        }
                    }
                }
            }
            Ok(Event::Done(finished)) => {
                let Some(info) = running.remove(&finished.trial) else {
                    continue;
                };
                if let Err(e) = record(&mut study, &config, &info, *finished, &mut progress) {
                    error.get_or_insert(e);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    progress.finish();
    let interrupted = interrupts.load(Ordering::SeqCst) > 0;
    summary(
        &mut study,
        &plan,
        &progress,
        started_at,
        stop_reason,
        interrupted,
    )?;
    if let Some(e) = error {
        return Err(e);
    }
    Ok(if interrupted {
        RunEnd::Interrupted
    } else {
        RunEnd::Done
    })
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
    let log_dir = match &config.log_dir {
        Some(dir) => log_dir::study_log_dir(dir, study.name()),
        None => {
            let base = common::storage_file(&storage_url)
                .and_then(|f| f.parent().map(Path::to_path_buf))
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or_else(|| PathBuf::from("."));
            log_dir::study_log_dir(&base.join("hyperspace-logs"), study.name())
        }
    };
    std::fs::create_dir_all(&log_dir)
        .map_err(|e| anyhow!("cannot create the log folder {}: {e}", log_dir.display()))?;
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
        template,
        objective: config
            .objective
            .clone()
            .or_else(|| study.config().objective.clone()),
        log_dir,
        storage_url,
        meta,
        cwd,
    })
}

/// The storage URL with an absolute file path, for commands that run in
/// another folder and call `hyperspace` themselves.
fn absolute_storage(url: Option<&str>) -> String {
    let url = url.unwrap_or(common::DEFAULT_STORAGE);
    match common::storage_file(url) {
        Some(file) if file.is_relative() => std::env::current_dir()
            .map(|cwd| cwd.join(&file).display().to_string())
            .unwrap_or_else(|_| url.to_string()),
        _ => url.to_string(),
    }
}

fn launch(
    study: &mut Study,
    plan: &Plan,
    config: &RunConfig,
    trial: &Trial,
    interrupts: &Arc<AtomicUsize>,
    events: &mpsc::Sender<Event>,
    prune: &Arc<AtomicBool>,
) -> Result<()> {
    let stem = plan.log_dir.join(format!("trial-{}", trial.number));
    let trial_file = stem.with_extension("json");
    let vars = TrialVars {
        trial: trial.id.0,
        number: trial.number,
        seed: trial.meta.seed,
        budget: trial.budget,
        trial_file: trial_file.display().to_string(),
        study: study.name().to_string(),
    };
    let params_json: serde_json::Map<String, serde_json::Value> = trial
        .params
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    let file = serde_json::json!({
        "study": study.name(),
        "trial": trial.id.0,
        "number": trial.number,
        "params": params_json,
        "seed": trial.meta.seed,
        "budget": trial.budget,
        "parent": trial.parent.map(|p| p.0),
        "storage": plan.storage_url,
    });
    let text = serde_json::to_string_pretty(&file)?;
    std::fs::write(&trial_file, text)
        .map_err(|e| anyhow!("cannot write {}: {e}", trial_file.display()))?;

    let argv = plan.template.render(&trial.params, &vars);
    let mut env: Vec<(String, String)> = config.env.clone();
    env.extend([
        ("HYPERSPACE_STUDY".into(), study.name().to_string()),
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

    let stdout_log = stem.with_extension("out");
    let stderr_log = stem.with_extension("err");
    let mut meta = plan.meta.clone();
    meta.started = Some(process::now());
    meta.extra.insert("command".into(), serde_json::json!(argv));
    meta.extra
        .insert("log_stdout".into(), show_path(&stdout_log).into());
    meta.extra
        .insert("log_stderr".into(), show_path(&stderr_log).into());
    study.set_metadata(trial.id, meta)?;

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
        prune: prune.clone(),
    };
    let interrupts = interrupts.clone();
    let events = events.clone();
    std::thread::Builder::new()
        .name(format!("trial-{}", trial.number))
        .spawn(move || process::run(launch, interrupts, events))
        .map_err(|e| anyhow!("cannot start a thread for trial {}: {e}", trial.id))?;
    Ok(())
}

fn describe_params(trial: &Trial) -> String {
    trial
        .params
        .iter()
        .map(|(k, v)| format!("{k}={}", fmt_value(v)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Records how a trial's command ended.
fn record(
    study: &mut Study,
    config: &RunConfig,
    info: &Running,
    finished: Finished,
    progress: &mut Progress,
) -> Result<()> {
    let id = TrialId(finished.trial);
    let mut meta = Metadata::default();
    meta.extra
        .insert("ended".into(), finished.ended.clone().into());
    let first_stderr_line = finished
        .stderr_tail
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| format!(": {}", l.trim()))
        .unwrap_or_default();
    // The command may have told its own result (`hyperspace tell`), or
    // another worker failed the trial as abandoned: it stays as it is.
    let current = study.storage().trial(id)?;
    if current.state.is_finished() {
        announce(
            progress,
            info,
            &current,
            " (recorded before its command ended)",
        );
        return Ok(());
    }
    let failure = match &finished.ending {
        Ending::Interrupted => {
            unless_finished(study.set_metadata(id, meta))?;
            let what = match config.on_interrupt {
                OnInterrupt::Requeue => {
                    unless_finished(study.requeue(id))?;
                    "re-queued"
                }
                OnInterrupt::Fail => {
                    unless_finished(study.tell(id, Outcome::failed("interrupted (Ctrl-C)")))?;
                    "failed"
                }
            };
            progress.stopped();
            progress.println(&format!("trial #{} interrupted: {what}", info.number));
            return Ok(());
        }
        Ending::Pruned => {
            unless_finished(study.set_metadata(id, meta))?;
            let trial = match study.tell(id, Outcome::pruned()) {
                Err(Error::TrialFinished { .. }) => study.storage().trial(id)?,
                other => other?,
            };
            let value = trial.finished_value();
            progress.finished(info.number, value, false);
            let (step, shown) = trial
                .last_intermediate()
                .map_or(("?".to_string(), "?".to_string()), |(s, v)| {
                    (s.to_string(), fmt_num(v))
                });
            progress.println(&format!(
                "trial #{} pruned at step {step}  value={shown}  {}",
                info.number, info.params
            ));
            return Ok(());
        }
        Ending::NotStarted(reason) => {
            study.tell(id, Outcome::failed(reason.clone()))?;
            progress.finished(info.number, None, true);
            return Err(anyhow!("{reason}"));
        }
        Ending::TimedOut(limit) => {
            meta.extra.insert("timed_out".into(), true.into());
            Some(format!(
                "timed out after {}s; its process group was killed",
                fmt_num(limit.as_secs_f64())
            ))
        }
        Ending::Signaled(signal) => {
            meta.extra.insert("signal".into(), (*signal).into());
            Some(format!("killed by signal {signal}{first_stderr_line}"))
        }
        Ending::Exited(code) => {
            meta.extra.insert("exit_code".into(), (*code).into());
            if *code != 0 {
                Some(format!("exited with code {code}{first_stderr_line}"))
            } else {
                None
            }
        }
    };
    if failure.is_some() && !finished.stderr_tail.is_empty() {
        meta.extra
            .insert("stderr_tail".into(), finished.stderr_tail.clone().into());
    }
    unless_finished(study.set_metadata(id, meta))?;
    let outcome = match (failure, &finished.result) {
        (Some(reason), _) => Err(reason),
        (None, Err(reason)) => Err(reason.clone()),
        (None, Ok(parsed)) => Ok(parsed),
    };
    match outcome {
        Ok(parsed) => {
            for (key, value) in &parsed.attrs {
                study.set_user_attr(id, key, value.clone())?;
            }
            let metrics = parsed
                .metrics
                .iter()
                .filter(|(_, v)| v.is_finite())
                .map(|(k, v)| (k.clone(), *v));
            let told = study.tell(
                id,
                Outcome::complete(parsed.value)
                    .metrics(metrics)
                    .fail_if_not_finite(),
            );
            let trial = match told {
                Ok(t) => t,
                // The command told its own result through `hyperspace tell`.
                Err(Error::TrialFinished { .. }) => study.storage().trial(id)?,
                Err(e) => return Err(e.into()),
            };
            announce(progress, info, &trial, "");
        }
        Err(reason) => {
            match study.tell(id, Outcome::failed(reason.clone())) {
                Ok(_) | Err(Error::TrialFinished { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            progress.finished(info.number, None, true);
            progress.println(&format!("trial #{} failed: {reason}", info.number));
        }
    }
    Ok(())
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
    if let Some(best) = study.best_trial()? {
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
