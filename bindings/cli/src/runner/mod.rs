//! `hyperspace run` and `hyperspace worker`: run an existing command as a
//! black box, trial after trial (several at once with `--jobs`), and record
//! everything.
//!
//! One thread (this one) owns the study and does every storage write; each
//! running trial has a thread that watches its process and sends back
//! intermediate values and the outcome.

mod conclude;
mod config;
mod experiment;
mod log_dir;
mod output;
mod process;
mod progress;
mod repro;
mod results;
mod study;
mod template;

pub use config::{Mode, RunConfig};

use crate::common::{self, fmt_num, fmt_value, param_env_name, show_path, Access};
use anyhow::{anyhow, Result};
use conclude::{announce_recorded, conclude};
use config::OnInterrupt;
use hyperspace_engine::{Metadata, Outcome, ResultJournal, Study, Trial, TrialId, TrialState};
use process::{Event, Launch};
use progress::Progress;
use repro::GitState;
use results::Recorder;
use std::collections::{BTreeMap, HashMap};
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
pub(crate) struct Running {
    number: u64,
    params: String,
    /// Tells the trial's thread to stop the command: the pruner said so.
    prune: Arc<AtomicBool>,
    /// What was recorded at its launch, recorded again with its result in
    /// case storage did not take it then.
    meta: Metadata,
    /// Intermediate values storage could not take when they came.
    reports: BTreeMap<u64, f64>,
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

/// Looks for other workers' abandoned trials per `stale_after`.
const RECOVERIES_PER_SILENCE: u32 = 2;

/// Fails the running trials whose workers have been silent past their
/// lease and queues a copy of each, saying so.
fn recover_abandoned(
    study: &mut Study,
    config: &RunConfig,
    progress: &Progress,
) -> hyperspace_engine::Result<()> {
    for copy in study.recover_stale(config.stale_after)? {
        let parent = copy.parent;
        let number = study
            .trials()?
            .iter()
            .find(|t| Some(t.id) == parent)
            .map_or_else(|| "?".to_string(), |t| t.number.to_string());
        progress.println(&format!(
            "re-queued trial #{number} as #{}: its worker sent no heartbeat within its lease",
            copy.number
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
    // The study's heartbeat thread keeps the lease of every running trial,
    // also while this thread waits for a storage that is down.
    study.set_lease(Some(config.stale_after));
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
    let mut recorder = Recorder::new(
        ResultJournal::new(&journal_dir(&plan.log_dir)),
        config.storage_patience,
    );
    // Results earlier workers could not record go in first, before their
    // trials could be taken for abandoned.
    if recorder.adopt(study.name(), &progress)? > 0 {
        for (done, trial) in recorder.flush(&mut study, &progress) {
            announce_recorded(&mut progress, &done, &trial)?;
        }
    }

    // Trials of workers that died without a word (kill -9, power loss)
    // would stay running forever: fail and re-queue them, now and every so
    // often while this one runs.
    match recover_abandoned(&mut study, &config, &progress) {
        Err(e) if e.is_transient() => recorder.failed(&e, &progress),
        other => other?,
    }
    let recover_every = config.stale_after / RECOVERIES_PER_SILENCE;
    let mut last_recovery = Instant::now();

    let started_at = Instant::now();
    let (tx, rx) = mpsc::channel::<Event>();
    let mut running: HashMap<i64, Running> = HashMap::new();
    let mut launched = 0usize;
    let mut failures_in_a_row = 0usize;
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
        if !recorder.is_empty() && recorder.may_call_storage() {
            for (done, trial) in recorder.flush(&mut study, &progress) {
                failures_in_a_row = match trial.state {
                    TrialState::Failed => failures_in_a_row + 1,
                    _ => 0,
                };
                if let Err(e) = announce_recorded(&mut progress, &done, &trial) {
                    error.get_or_insert(e);
                }
            }
        }
        if let Some(max) = config.max_failures {
            if failures_in_a_row >= max && stop_reason.is_none() {
                stop_reason = Some(format!("{failures_in_a_row} trials in a row failed"));
            }
        }
        let may_ask =
            !interrupted && stop_reason.is_none() && error.is_none() && !recorder.gave_up();
        if may_ask
            && recorder.may_call_storage()
            && running.len() < config.jobs
            && config.trials.is_none_or(|n| launched < n)
        {
            match study::next_trial(&mut study, config.queue_only, config.max_trials) {
                Ok(Next::Trial(trial)) => {
                    recorder.succeeded(&progress);
                    let prune = Arc::new(AtomicBool::new(false));
                    match launch(&mut study, &plan, &config, &trial, &interrupts, &tx, &prune) {
                        Ok(meta) => {
                            launched += 1;
                            progress.started();
                            running.insert(
                                trial.id.0,
                                Running {
                                    number: trial.number,
                                    params: describe_params(&trial),
                                    prune,
                                    meta,
                                    reports: BTreeMap::new(),
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
                Err(e) if results::is_transient(&e) => recorder.failed(&e, &progress),
                Err(e) => error = Some(e),
            }
        }
        let out_of_work = !may_ask
            || stop_reason.is_some()
            || error.is_some()
            || config.trials.is_some_and(|n| launched >= n);
        // Waiting results keep the run alive until storage takes them, it
        // gives up, or Ctrl-C asks to stop while storage is down.
        let results_settled =
            recorder.is_empty() || recorder.gave_up() || (interrupted && recorder.storage_down());
        if running.is_empty() && out_of_work && results_settled {
            break;
        }
        if may_ask && recorder.may_call_storage() && last_recovery.elapsed() >= recover_every {
            last_recovery = Instant::now();
            match recover_abandoned(&mut study, &config, &progress) {
                Ok(()) => {}
                Err(e) if e.is_transient() => recorder.failed(&e, &progress),
                Err(e) => {
                    error.get_or_insert(e.into());
                }
            }
        }
        match rx.recv_timeout(Duration::from_millis(100)) {
            Ok(Event::Report { trial, step, value }) => {
                let Some(info) = running.get_mut(&trial) else {
                    continue;
                };
                // An intermediate value the storage refuses (the command told
                // its own result already) is not worth stopping for; one it
                // cannot take now (or while it is known to be down) goes
                // with the result.
                if !recorder.may_call_storage() {
                    info.reports.insert(step, value);
                    continue;
                }
                match study.report(TrialId(trial), step, value) {
                    Ok(_) => {}
                    Err(e) if e.is_transient() => {
                        info.reports.insert(step, value);
                        recorder.failed(&e, &progress);
                        continue;
                    }
                    Err(_) => continue,
                }
                if study.has_pruner() {
                    // A storage error must not leave running commands
                    // behind: note it, stop asking, and drain.
                    match study.should_prune(TrialId(trial)) {
                        Ok(true) => info.prune.store(true, Ordering::SeqCst),
                        Ok(false) => {}
                        Err(e) if e.is_transient() => recorder.failed(&e, &progress),
                        Err(e) => {
                            error.get_or_insert(e.into());
                        }
                    }
                }
            }
            Ok(Event::Done(finished)) => {
                let Some(info) = running.remove(&finished.trial) else {
                    continue;
                };
                let pending = conclude(study.name(), &config, info, *finished);
                recorder.push(pending, &progress);
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    progress.finish();
    let interrupted = interrupts.load(Ordering::SeqCst) > 0;
    // The summary is a courtesy: whatever stops it (storage down, a
    // closed stdout) must not hide unrecorded results or the run's error.
    if let Err(e) = summary(
        &mut study,
        &plan,
        &progress,
        started_at,
        stop_reason,
        interrupted,
    ) {
        progress.println(&format!("(no summary: {e:#})"));
    }
    if !recorder.is_empty() {
        let mut flags = format!(
            "--storage {} --study {}",
            common::shell_quote(&plan.storage_url),
            common::shell_quote(study.name())
        );
        if let Some(dir) = &config.log_dir {
            flags.push_str(&format!(
                " --log-dir {}",
                common::shell_quote(&show_path(dir))
            ));
        }
        return Err(recorder.unrecorded_error(&flags));
    }
    if let Some(e) = error {
        return Err(e);
    }
    Ok(if interrupted {
        RunEnd::Interrupted
    } else {
        RunEnd::Done
    })
}

/// The folder of the journals of results not yet recorded, in a study's
/// log folder.
pub fn journal_dir(log_dir: &Path) -> PathBuf {
    log_dir.join("unrecorded-results")
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

/// A study's log folder: in `custom` if given, else in `hyperspace-logs`
/// beside the storage file (or the current folder).
pub fn log_dir(custom: Option<&Path>, storage_url: &str, study: &str) -> PathBuf {
    match custom {
        Some(dir) => log_dir::study_log_dir(dir, study),
        None => {
            let base = common::storage_file(storage_url)
                .and_then(|f| f.parent().map(Path::to_path_buf))
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or_else(|| PathBuf::from("."));
            log_dir::study_log_dir(&base.join("hyperspace-logs"), study)
        }
    }
}

/// The storage URL with an absolute file path, for commands that run in
/// another folder and call `hyperspace` themselves.
pub fn absolute_storage(url: Option<&str>) -> String {
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
) -> Result<Metadata> {
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
    // The start its claim recorded: it names this run of the trial (a
    // replayed re-queue only applies to the run it is about).
    meta.started = trial.meta.started.clone().or_else(|| Some(process::now()));
    meta.extra.insert("command".into(), serde_json::json!(argv));
    meta.extra
        .insert("log_stdout".into(), show_path(&stdout_log).into());
    meta.extra
        .insert("log_stderr".into(), show_path(&stderr_log).into());
    // Storage down: the metadata goes with the result instead.
    match study.set_metadata(trial.id, meta.clone()) {
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
        prune: prune.clone(),
    };
    let interrupts = interrupts.clone();
    let events = events.clone();
    std::thread::Builder::new()
        .name(format!("trial-{}", trial.number))
        .spawn(move || process::run(launch, interrupts, events))
        .map_err(|e| anyhow!("cannot start a thread for trial {}: {e}", trial.id))?;
    Ok(meta)
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
