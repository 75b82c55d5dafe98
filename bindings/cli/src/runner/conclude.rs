//! What a trial's command ended with, made into a result to record, and
//! the line announcing it once recorded.

use super::config::{OnInterrupt, RunConfig};
use super::process::{Ending, Finished};
use super::progress::Progress;
use super::{describe_params, Plan, Running};
use crate::common::fmt_num;
use anyhow::{anyhow, Result};
use hyperspace_engine::constraint_values;
use hyperspace_engine::{
    Metadata, Outcome, PendingEnding, PendingResult, Trial, TrialId, TrialState,
};

/// How a recorded result is announced.
#[derive(Debug, Clone)]
pub enum Note {
    /// A trial this run ran: its number and parameters as shown.
    Ran { params: String },
    /// Interrupted by Ctrl-C: re-queued or failed.
    Interrupted { what: &'static str },
    /// Its command could not be started; the run stops.
    NotStarted { reason: String },
    /// A result an earlier worker left in its journal.
    Adopted,
}

/// The result of a trial's command, ready to record: how it ended, the
/// metrics and attributes it printed, and what the run learnt about it
/// (exit code, signal, the end of stderr).
pub(super) fn conclude(
    plan: &Plan,
    config: &RunConfig,
    info: Running,
    finished: Finished,
) -> (PendingResult, Note) {
    let study = plan.study.as_str();
    let id = TrialId(finished.trial);
    let mut meta = info.meta;
    meta.extra
        .insert("ended".into(), finished.ended.clone().into());
    record_artifacts(&mut meta, info.trial_dir.as_deref());
    let first_stderr_line = finished
        .stderr_tail
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .map(|l| format!(": {}", l.trim()))
        .unwrap_or_default();
    let with = |mut result: PendingResult, meta: Metadata, note: Note| {
        result.meta = meta;
        (result, note)
    };
    let failure = match &finished.ending {
        Ending::Interrupted => {
            return match config.on_interrupt {
                OnInterrupt::Requeue => with(
                    PendingResult::requeue(study, id, info.number),
                    meta,
                    Note::Interrupted { what: "re-queued" },
                ),
                OnInterrupt::Fail => with(
                    PendingResult::finished(
                        study,
                        id,
                        info.number,
                        Outcome::failed("interrupted (Ctrl-C)"),
                    ),
                    meta,
                    Note::Interrupted { what: "failed" },
                ),
            };
        }
        Ending::Pruned => {
            return with(
                PendingResult::finished(study, id, info.number, Outcome::pruned()),
                meta,
                Note::Ran {
                    params: info.params.clone(),
                },
            );
        }
        Ending::NotStarted(reason) => {
            return with(
                PendingResult::finished(study, id, info.number, Outcome::failed(reason.clone())),
                meta,
                Note::NotStarted {
                    reason: reason.clone(),
                },
            );
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
    let note = Note::Ran {
        params: info.params.clone(),
    };
    match (failure, finished.result) {
        (Some(reason), _) | (None, Err(reason)) => with(
            PendingResult::finished(study, id, info.number, Outcome::failed(reason)),
            meta,
            note,
        ),
        (None, Ok(parsed)) => {
            // A limit whose metric was not printed (or is not finite)
            // fails the trial, naming it: one that cannot be judged is not
            // kept as feasible.
            let constraints = match constraint_values(&plan.constraints, &parsed.metrics) {
                Ok(c) => c,
                Err(reason) => {
                    let reason = reason.to_string();
                    return with(
                        PendingResult::finished(study, id, info.number, Outcome::failed(reason)),
                        meta,
                        note,
                    );
                }
            };
            let metrics = parsed
                .metrics
                .iter()
                .filter(|(_, v)| v.is_finite())
                .map(|(k, v)| (k.clone(), *v));
            let outcome = Outcome::complete_values(parsed.values)
                .constraints(constraints)
                .metrics(metrics)
                .fail_if_not_finite();
            let (mut result, note) = with(
                PendingResult::finished(study, id, info.number, outcome),
                meta,
                note,
            );
            result.user_attrs = parsed.attrs.into_iter().collect();
            (result, note)
        }
    }
}

/// Announces a recorded result; a command that could not be started stops
/// the run.
pub(super) fn announce_recorded(
    progress: &mut Progress,
    result: &PendingResult,
    note: &Note,
    trial: &Trial,
) -> Result<()> {
    let number = result.number;
    match note {
        Note::Interrupted { what } => {
            progress.stopped();
            progress.println(&format!("trial #{number} interrupted: {what}"));
        }
        Note::NotStarted { reason } => {
            progress.finished(number, None, true);
            return Err(anyhow!("{reason}"));
        }
        Note::Adopted => announce(
            progress,
            number,
            &describe_params(trial),
            trial,
            " (left by an earlier worker)",
        ),
        Note::Ran { params } => {
            let told_before = match &result.ending {
                PendingEnding::Finish { state, value, .. } => {
                    // (a pruned trial's value is its last report)
                    trial.state != *state
                        || (trial.state == TrialState::Complete && trial.value != *value)
                }
                PendingEnding::Requeue => false,
            };
            if told_before {
                // The command told its own result (`hyperspace tell`), or
                // another worker recovered the trial first.
                announce(
                    progress,
                    number,
                    params,
                    trial,
                    " (recorded before its command ended)",
                );
            } else if trial.state == TrialState::Pruned {
                let value = trial.finished_value();
                progress.finished(number, value, false);
                let (step, shown) = trial
                    .last_intermediate()
                    .map_or(("?".to_string(), "?".to_string()), |(s, v)| {
                        (s.to_string(), fmt_num(v))
                    });
                progress.println(&format!(
                    "trial #{number} pruned at step {step}  value={shown}  {params}"
                ));
            } else if trial.state == TrialState::Failed {
                progress.finished(number, None, true);
                let reason = trial.message.as_deref().unwrap_or("?");
                progress.println(&format!("trial #{number} failed: {reason}"));
            } else {
                announce(progress, number, params, trial, "");
            }
        }
    }
    Ok(())
}

/// Counts a finished trial and prints one line for it: state, `note`,
/// value and parameters.
pub(super) fn announce(
    progress: &mut Progress,
    number: u64,
    params: &str,
    trial: &Trial,
    note: &str,
) {
    let value = trial.finished_value();
    progress.finished(number, value, value.is_none());
    let shown = if trial.values.len() > 1 {
        let values: Vec<String> = trial.values.iter().map(|v| fmt_num(*v)).collect();
        format!("values={}", values.join(","))
    } else {
        format!(
            "value={}",
            value.map_or_else(|| trial.state.to_string(), fmt_num)
        )
    };
    progress.println(&format!(
        "trial #{number} {}{note}  {shown}  {params}",
        trial.state
    ));
}

/// Lists what the trial left in its artifact directory into its metadata;
/// a directory that cannot be read is noted, not fatal (the result counts
/// more than the list).
fn record_artifacts(meta: &mut Metadata, dir: Option<&std::path::Path>) {
    let Some(dir) = dir else { return };
    match hyperspace_engine::artifacts::scan(dir) {
        Ok(found) => meta.artifacts = found,
        Err(e) => {
            meta.extra
                .insert("artifacts_error".into(), e.to_string().into());
        }
    }
}
