//! `hyperspace worker --studies 'proj-*'`: one worker serving every study
//! whose name matches a glob, those of an experiment file (each with its
//! own command and settings) or, without one, those in the storage (the
//! command given after `--`).
//!
//! It goes round: first every study's queued trials (grids enqueued from a
//! notebook run before anything new is asked), then a batch of `--jobs`
//! trials from each study's searcher; again, until `-n` trials ran, Ctrl-C,
//! or a round in which no study had anything left to run. Studies created
//! while it runs join at the next round. Each batch is an ordinary
//! [`execute`] of that study, so leases, recovery and journals are as in a
//! single-study worker.

use super::config::{Mode, RunConfig};
use super::experiment::Experiment;
use super::{execute, RunEnd};
use crate::cli::RunArgs;
use crate::common::{self, Access};
use anyhow::{bail, Result};
use hyperspace_engine::TrialState;

/// Serves every study matching `args.studies`.
pub fn serve(storage_flag: Option<String>, args: &RunArgs, pattern: &str) -> Result<RunEnd> {
    let experiments = match &args.experiment {
        Some(path) => Experiment::read_all(path)?,
        None => Vec::new(),
    };
    let mut ran = 0usize;
    let mut first = true;
    loop {
        let targets = matching(storage_flag.as_deref(), &experiments, pattern)?;
        if targets.is_empty() {
            if first {
                bail!("no study matches --studies '{pattern}'");
            }
            return Ok(RunEnd::Done);
        }
        first = false;
        let ran_before = ran;
        for queue_only in [true, false] {
            for target in &targets {
                let left = args.trials.map(|n| n.saturating_sub(ran));
                if left == Some(0) {
                    return Ok(RunEnd::Done);
                }
                let (had, queued) = counts(target)?;
                if queue_only && queued == 0 {
                    continue;
                }
                let batch = if queue_only {
                    left
                } else {
                    let jobs = args.jobs.unwrap_or(1);
                    Some(left.map_or(jobs, |l| l.min(jobs)))
                };
                let config = config_for(
                    storage_flag.clone(),
                    args,
                    &experiments,
                    &target.0,
                    queue_only,
                    batch,
                )?;
                let end = execute(config)?;
                ran += counts(target)?.0.saturating_sub(had);
                if end == RunEnd::Interrupted {
                    return Ok(RunEnd::Interrupted);
                }
            }
        }
        if ran == ran_before {
            // No study had anything left: full, exhausted, or stopped.
            return Ok(RunEnd::Done);
        }
    }
}

/// A study to serve: its name and storage.
type Target = (String, Option<String>);

/// The studies to serve, in file (or creation) order: the flag's storage
/// wins over an experiment's.
fn matching(
    storage: Option<&str>,
    experiments: &[Experiment],
    pattern: &str,
) -> Result<Vec<Target>> {
    let targets: Vec<Target> = if experiments.is_empty() {
        common::open(storage, Access::Existing)?
            .studies()?
            .into_iter()
            .map(|s| (s.config.name, storage.map(str::to_string)))
            .collect()
    } else {
        experiments
            .iter()
            .filter_map(|e| {
                let storage = storage.map(str::to_string).or_else(|| e.storage());
                e.file.study.clone().map(|name| (name, storage))
            })
            .collect()
    };
    Ok(targets
        .into_iter()
        .filter(|(name, _)| glob_match(pattern, name))
        .collect())
}

/// A study's trials started so far, and queued ones.
fn counts((name, storage): &Target) -> Result<(usize, usize)> {
    let store = common::open(storage.as_deref(), Access::Existing)?;
    let mut study = common::load_study(store, name)?;
    let trials = study.trials()?;
    let queued = trials
        .iter()
        .filter(|t| t.state == TrialState::Waiting)
        .count();
    Ok((trials.len() - queued, queued))
}

/// The settings of one batch: the study's experiment (or the flags alone),
/// `trials` of them, or only its queue.
fn config_for(
    storage: Option<String>,
    args: &RunArgs,
    experiments: &[Experiment],
    name: &str,
    queue_only: bool,
    trials: Option<usize>,
) -> Result<RunConfig> {
    let mut batch = args.clone();
    batch.trials = trials;
    batch.queue_only = queue_only;
    batch.studies = None;
    let experiment = match experiments
        .iter()
        .find(|e| e.file.study.as_deref() == Some(name))
    {
        Some(e) => {
            batch.study = None;
            Some(Experiment::read(&e.path, Some(name))?)
        }
        None => {
            batch.study = Some(name.to_string());
            batch.experiment = None;
            None
        }
    };
    RunConfig::with_experiment(Mode::Worker, storage, &batch, experiment)
}

/// Whether `text` matches `pattern`, where `*` stands for any run of
/// characters and `?` for one.
fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // The classic backtracking walk: remember the last `*` and retry from
    // one character further on a mismatch.
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < t.len() {
        if i < p.len() && (p[i] == '?' || p[i] == t[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn globs() {
        assert!(glob_match("proj-*", "proj-a"));
        assert!(glob_match("proj-*", "proj-"));
        assert!(!glob_match("proj-*", "other"));
        assert!(glob_match("*-b", "proj-b"));
        assert!(glob_match("p?oj-*b", "proj-xyzb"));
        assert!(!glob_match("p?oj-*b", "proj-xyzc"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXbYbZc"));
        assert!(!glob_match("abc", "abcd"));
    }
}
