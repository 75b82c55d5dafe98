//! Several experiments from one file (`[[experiment]]` tables, see
//! [`experiment`](super::experiment)): `hyperspace run lab.toml` runs each
//! as its own study, one after the other (or all at once with
//! `--parallel-experiments`), then prints one table of how each went.
//!
//! Every experiment is checked before the first one starts, so a typo in
//! the last one does not surface an hour into the run. Each runs through
//! [`execute`], the same as a single experiment.

use super::config::{Mode, RunConfig};
use super::experiment::Experiment;
use super::{execute, RunEnd};
use crate::cli::RunArgs;
use crate::common::{self, fmt_num, Access};
use crate::table::write_aligned;
use anyhow::{anyhow, bail, Result};
use hyperspace_engine::TrialState;
use std::io::Write;
use std::time::Instant;

/// Runs what `run` or `worker` was given: an experiment file holding
/// several experiments runs them all, anything else runs one.
pub fn run_given(mode: Mode, storage_flag: Option<String>, args: RunArgs) -> Result<RunEnd> {
    if let Some(pattern) = &args.studies {
        if mode != Mode::Worker {
            bail!("--studies is for `hyperspace worker`; `hyperspace run` runs one study (or every experiment of a file)");
        }
        return super::serve::serve(storage_flag, &args, pattern);
    }
    let mut many = match (&args.experiment, &args.study) {
        (Some(path), None) => Experiment::read_all(path)?,
        // No file, or --study picks one of its experiments.
        _ => return execute(RunConfig::new(mode, storage_flag, args)?),
    };
    if many.len() == 1 {
        return execute(RunConfig::with_experiment(
            mode,
            storage_flag,
            &args,
            many.pop(),
        )?);
    }
    if mode == Mode::Worker {
        bail!(
            "the experiment file holds {} experiments: a worker serves one (--study NAME) or several (--studies GLOB)",
            many.len()
        );
    }
    let configs = many
        .into_iter()
        .map(|e| {
            let study = e.file.study.clone().unwrap_or_default();
            RunConfig::with_experiment(mode, storage_flag.clone(), &args, Some(e))
                .map_err(|err| anyhow!("experiment '{study}': {err:#}"))
        })
        .collect::<Result<Vec<_>>>()?;
    run_all(configs, args.parallel_experiments)
}

/// How one experiment went.
struct Ran {
    study: String,
    storage: Option<String>,
    seconds: f64,
    /// `None`: not started (an earlier one was interrupted).
    end: Option<Result<RunEnd>>,
}

/// Runs each experiment (in order, or at once), then prints the table.
fn run_all(configs: Vec<RunConfig>, parallel: bool) -> Result<RunEnd> {
    let n = configs.len();
    let timed = |config: RunConfig| {
        let study = config.study.name.clone();
        let storage = config.storage.clone();
        let start = Instant::now();
        let end = execute(config);
        Ran {
            study,
            storage,
            seconds: start.elapsed().as_secs_f64(),
            end: Some(end),
        }
    };
    let ran: Vec<Ran> = if parallel {
        std::thread::scope(|scope| {
            let handles: Vec<_> = configs
                .into_iter()
                .map(|config| {
                    let study = config.study.name.clone();
                    let storage = config.storage.clone();
                    (study, storage, scope.spawn(move || timed(config)))
                })
                .collect();
            handles
                .into_iter()
                .map(|(study, storage, handle)| {
                    handle.join().unwrap_or_else(|_| Ran {
                        study,
                        storage,
                        seconds: 0.0,
                        end: Some(Err(anyhow!("the experiment's thread panicked"))),
                    })
                })
                .collect()
        })
    } else {
        let mut ran = Vec::with_capacity(n);
        let mut interrupted = false;
        for (i, config) in configs.into_iter().enumerate() {
            if interrupted {
                ran.push(Ran {
                    study: config.study.name.clone(),
                    storage: config.storage.clone(),
                    seconds: 0.0,
                    end: None,
                });
                continue;
            }
            eprintln!("== experiment {}/{n}: study '{}'", i + 1, config.study.name);
            let one = timed(config);
            interrupted = matches!(one.end, Some(Ok(RunEnd::Interrupted)));
            ran.push(one);
        }
        ran
    };
    print_table(&ran);
    let failed: Vec<String> = ran
        .iter()
        .filter_map(|r| match &r.end {
            Some(Err(e)) => Some(format!("'{}': {e:#}", r.study)),
            _ => None,
        })
        .collect();
    if !failed.is_empty() {
        bail!(
            "{} of {n} experiments failed: {}",
            failed.len(),
            failed.join("; ")
        );
    }
    let interrupted = ran
        .iter()
        .any(|r| matches!(r.end, None | Some(Ok(RunEnd::Interrupted))));
    Ok(if interrupted {
        RunEnd::Interrupted
    } else {
        RunEnd::Done
    })
}

/// One row per experiment: the study as stored now (all its trials, not
/// only this run's), and how this run of it ended.
fn print_table(ran: &[Ran]) {
    let header: Vec<String> = [
        "study",
        "trials",
        "complete",
        "failed",
        "best",
        "best trial",
        "time",
        "run",
    ]
    .map(String::from)
    .to_vec();
    let numeric = [false, true, true, true, true, true, true, false];
    let rows: Vec<Vec<String>> = ran
        .iter()
        .map(|r| {
            let status = match &r.end {
                None => "not started",
                Some(Ok(RunEnd::Done)) => "done",
                Some(Ok(RunEnd::Interrupted)) => "interrupted",
                Some(Err(_)) => "error",
            };
            let [trials, complete, failed, best, number] =
                counts(r).unwrap_or_else(|_| ["-"; 5].map(String::from));
            vec![
                r.study.clone(),
                trials,
                complete,
                failed,
                best,
                number,
                format!("{:.1}s", r.seconds),
                status.to_string(),
            ]
        })
        .collect();
    let mut out = std::io::stdout().lock();
    // A closed stdout loses only the table; the runs are recorded.
    let _ = writeln!(out).and_then(|()| write_aligned(&mut out, &header, &rows, &numeric));
}

/// The study's trials, complete and failed ones, and its best value and
/// trial, read from storage.
fn counts(ran: &Ran) -> Result<[String; 5]> {
    let storage = common::open(ran.storage.as_deref(), Access::Existing)?;
    let mut study = common::load_study(storage, &ran.study)?;
    let trials = study.trials()?;
    let of = |state| trials.iter().filter(|t| t.state == state).count();
    let (total, complete, failed) = (
        trials.len(),
        of(TrialState::Complete),
        of(TrialState::Failed),
    );
    let best = study.best_trial()?;
    Ok([
        total.to_string(),
        complete.to_string(),
        failed.to_string(),
        best.as_ref()
            .and_then(|t| t.value)
            .map_or_else(|| "-".to_string(), fmt_num),
        best.map_or_else(|| "-".to_string(), |t| format!("#{}", t.number)),
    ])
}
