//! `hyperspace suggest`, `tell` and `report`: ask/tell from the shell.

use crate::cli::{ReportArgs, SuggestArgs, SuggestFormat, TellArgs};
use crate::common::{self, need_study, param_env_name, shell_quote, split_pair, Access};
use crate::table::write_aligned;
use anyhow::{anyhow, bail, Result};
use hyperspace_engine::{Outcome, Report, Trial, TrialId, TrialState};
use indexmap::IndexMap;
use std::io::Write;

/// Hands out `-n` running trials, chosen together (each proposed with the
/// earlier ones pending, queued trials first), and prints their
/// configurations.
pub fn suggest(storage: Option<&str>, args: SuggestArgs) -> Result<()> {
    let name = need_study(args.study.as_deref())?;
    if args.count == 0 {
        bail!("-n must be at least 1");
    }
    let storage = common::open(storage, Access::Existing)?;
    let mut study = common::load_study(storage, name)?;
    // This process ends before the trials do, so it cannot keep their
    // leases: they hold none, and are never failed for silence.
    study.set_lease(None);
    let trials = study.ask_batch(args.count)?;
    if trials.len() < args.count {
        errln!(
            "the searcher had {} of the {} trials asked for left to propose",
            trials.len(),
            args.count
        );
    }
    let mut out = crate::stdio::stdout();
    match args.format {
        SuggestFormat::Json => {
            for trial in &trials {
                writeln!(out, "{}", json_line(trial))?;
            }
        }
        SuggestFormat::Table => write_table(&mut out, &trials)?,
        SuggestFormat::Env => {
            for (i, trial) in trials.iter().enumerate() {
                if i > 0 {
                    writeln!(out)?;
                }
                writeln!(out, "export HYPERSPACE_STUDY={}", shell_quote(name))?;
                writeln!(out, "export HYPERSPACE_TRIAL_ID={}", trial.id)?;
                writeln!(out, "export HYPERSPACE_TRIAL_NUMBER={}", trial.number)?;
                if let Some(seed) = trial.meta.seed {
                    writeln!(out, "export HYPERSPACE_SEED={seed}")?;
                }
                for (k, v) in &trial.params {
                    writeln!(
                        out,
                        "export {}={}",
                        param_env_name(k),
                        shell_quote(&v.to_string())
                    )?;
                }
            }
        }
        SuggestFormat::Args => {
            for trial in &trials {
                let words: Vec<String> = trial
                    .params
                    .iter()
                    .flat_map(|(k, v)| [format!("--{k}"), shell_quote(&v.to_string())])
                    .collect();
                writeln!(out, "{}", words.join(" "))?;
                errln!("trial {} (number {})", trial.id, trial.number);
            }
        }
    }
    Ok(())
}

/// One trial as the JSON object `--format json` prints on a line.
fn json_line(trial: &Trial) -> serde_json::Value {
    let params: serde_json::Map<String, serde_json::Value> = trial
        .params
        .iter()
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect();
    serde_json::json!({
        "trial": trial.id.0, "number": trial.number, "params": params,
        "seed": trial.meta.seed, "budget": trial.budget,
    })
}

/// The trials as an aligned table for people: id, number, then one column
/// per parameter any of them has (blank where a trial has none, as in a
/// conditional branch it did not take).
fn write_table(out: &mut dyn Write, trials: &[Trial]) -> std::io::Result<()> {
    let mut names: Vec<&String> = Vec::new();
    for trial in trials {
        for name in trial.params.keys() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let header: Vec<String> = ["trial", "number"]
        .into_iter()
        .map(String::from)
        .chain(names.iter().map(|n| n.to_string()))
        .collect();
    let rows: Vec<Vec<String>> = trials
        .iter()
        .map(|t| {
            [t.id.to_string(), t.number.to_string()]
                .into_iter()
                .chain(names.iter().map(|n| {
                    t.params
                        .get(n.as_str())
                        .map_or_else(String::new, |v| v.to_string())
                }))
                .collect()
        })
        .collect();
    let numeric: Vec<bool> = (0..header.len())
        .map(|i| {
            i < 2
                || rows
                    .iter()
                    .all(|r| r[i].is_empty() || r[i].parse::<f64>().is_ok())
        })
        .collect();
    write_aligned(out, &header, &rows, &numeric)
}

/// A checked `tell`.
#[derive(Debug)]
struct TellConfig {
    trial: i64,
    outcome: Outcome,
}

impl TellConfig {
    fn new(args: &TellArgs) -> Result<TellConfig> {
        let trial = args.trial.ok_or_else(|| {
            anyhow!("missing trial: pass --trial ID (the \"trial\" field suggest printed), or set HYPERSPACE_TRIAL_ID")
        })?;
        let metrics = args
            .metric
            .iter()
            .map(|word| metric_arg(word))
            .collect::<Result<Vec<_>>>()?;
        let state = TrialState::parse(&args.state)
            .ok()
            .filter(|s| s.is_finished());
        let values = match (&args.values, args.value) {
            (Some(list), _) => Some(numbers(list, "--values")?),
            (None, Some(v)) => Some(vec![v]),
            (None, None) => None,
        };
        let outcome = match (state, values) {
            (Some(TrialState::Complete), Some(values)) => Outcome::complete_values(values),
            (Some(TrialState::Complete), None) => {
                bail!(
                    "missing value: pass --value V for a complete trial, or --values V1,V2 for a study with several objectives (or --state failed|pruned)"
                )
            }
            (Some(TrialState::Failed), _) => Outcome::failed(
                args.message
                    .clone()
                    .unwrap_or_else(|| "told as failed".into()),
            ),
            (Some(TrialState::Pruned), _) => Outcome::pruned(),
            _ => bail!(
                "--state {}: expected complete, failed or pruned",
                args.state
            ),
        };
        let mut outcome = outcome.metrics(metrics);
        if let Some(list) = &args.constraints {
            outcome = outcome.constraints(numbers(list, "--constraints")?);
        }
        if let Some(message) = &args.message {
            outcome = outcome.message(message.clone());
        }
        Ok(TellConfig { trial, outcome })
    }
}

/// A comma-separated list of numbers given to `flag`.
fn numbers(list: &str, flag: &str) -> Result<Vec<f64>> {
    list.split(',')
        .map(|word| {
            let word = word.trim();
            word.parse::<f64>()
                .map_err(|_| anyhow!("{flag} {list}: '{word}' is not a number"))
        })
        .collect()
}

/// Records a trial's result.
pub fn tell(storage: Option<&str>, args: TellArgs) -> Result<()> {
    let checked = TellConfig::new(&args)?;
    let storage = common::open(storage, Access::Existing)?;
    let mut study = common::study_of_trial(storage, checked.trial, args.study.as_deref())?;
    let trial = study.tell(TrialId(checked.trial), checked.outcome)?;
    let value = trial
        .value
        .map(|v| format!(" value={}", common::fmt_num(v)))
        .unwrap_or_default();
    outln!(
        "trial {} (number {}) {}{value}",
        trial.id,
        trial.number,
        trial.state
    )?;
    Ok(())
}

/// Records what a trial measured at one step: its objective's value,
/// other metrics, or both. A step reported already keeps its first value;
/// a note on stderr says so.
pub fn report(storage: Option<&str>, args: ReportArgs) -> Result<()> {
    let trial = args
        .trial
        .ok_or_else(|| anyhow!("missing trial: pass --trial ID, or set HYPERSPACE_TRIAL_ID"))?;
    let step = args
        .step
        .ok_or_else(|| anyhow!("missing step: pass --step N (the epoch or iteration)"))?;
    let metrics = args
        .metrics
        .iter()
        .map(|word| metric_arg(word))
        .collect::<Result<IndexMap<String, f64>>>()?;
    if args.value.is_none() && metrics.is_empty() {
        bail!("missing value: pass --value V, or --metric NAME=VALUE");
    }
    let storage = common::open(storage, Access::Existing)?;
    let study = common::study_of_trial(storage, trial, args.study.as_deref())?;
    let report = Report {
        step,
        value: args.value,
        metrics,
    };
    let reported = study.report_metrics(TrialId(trial), report)?;
    if let Some(warning) = reported.warning() {
        errln!("note: {warning}");
    }
    Ok(())
}

/// One `--metric NAME=VALUE` (of `tell` and `report`).
fn metric_arg(word: &str) -> Result<(String, f64)> {
    let (name, value) = split_pair(word, "--metric")?;
    let value: f64 = value
        .parse()
        .map_err(|_| anyhow!("--metric {word}: '{value}' is not a number"))?;
    Ok((name.to_string(), value))
}
