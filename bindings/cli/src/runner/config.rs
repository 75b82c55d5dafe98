//! `run` and `worker` settings: flags and the experiment file merged (flags
//! win) and checked once, before anything runs.

use super::experiment::{toml_to_json, CommandEntry, Experiment, NamedEntry};
use super::output::{IntermediatePattern, ResultPattern};
use super::process::Streams;
use super::template::{split_command, Template};
use crate::cli::RunArgs;
use crate::common::{noted, parse_duration, parse_settings};
use anyhow::{anyhow, bail, Result};
use hyperspace_engine::{Direction, Objective, Space};
use std::path::PathBuf;
use std::time::Duration;

/// `run` or `worker`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A fixed number of trials (default 10).
    Run,
    /// Until stopped, the queue is empty (`--queue-only`), or the searcher
    /// has nothing left.
    Worker,
}

/// What happens to running trials on Ctrl-C.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnInterrupt {
    /// Back to the queue, to be run by the next run or worker.
    Requeue,
    /// Failed, with a message saying so.
    Fail,
}

/// The study to run, and how to create it if it does not exist.
#[derive(Debug, Clone)]
pub struct StudySpec {
    /// Its name.
    pub name: String,
    /// Its space (needed to create it; grows an existing study's space).
    pub space: Option<Space>,
    /// Its direction (checked against an existing study).
    pub direction: Option<Direction>,
    /// Its objectives from `--objective` (for a new study; an existing one
    /// with several must have the same).
    pub objectives: Vec<Objective>,
    /// Its constraints from `--constraint` (for a new study).
    pub constraints: Vec<hyperspace_engine::MetricConstraint>,
    /// Its searcher and settings (checked against an existing study).
    pub searcher: Option<(String, serde_json::Value)>,
    /// Its seed (for a new study).
    pub seed: Option<u64>,
    /// Its pruner and settings, already checked against the registry:
    /// stored with a new study; for an existing one, used by this run in
    /// place of the stored one.
    pub pruner: Option<(String, serde_json::Value)>,
    /// Whether it is reproducible, and with which lag.
    pub reproducible: Option<LagSpec>,
}

/// The lag a `--reproducible` run asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LagSpec {
    /// The lag for a new study.
    pub lag: u32,
    /// Whether it was given (`--lag`), and an existing study must have it;
    /// if not, it is the run's jobs and an existing study keeps its own.
    pub given: bool,
}

/// Silence after which a running trial counts as abandoned, by default.
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(60);
/// How long a run waits out a storage outage, by default.
pub const DEFAULT_STORAGE_PATIENCE: Duration = Duration::from_secs(3600);
/// Trials failed in a row after which a run stops asking, by default.
pub const DEFAULT_MAX_FAILURES: usize = 10;
/// The shortest `--stale-after` accepted.
const MIN_STALE_AFTER: Duration = Duration::from_secs(1);

/// A duration given as a flag or in the experiment file (flag first):
/// seconds as a number, or text like "90s", "5m".
fn duration_setting(
    key: &str,
    flag: Option<&str>,
    file: Option<&toml::Value>,
) -> Result<Option<Duration>> {
    let text = match (flag, file) {
        (Some(text), _) => text.to_string(),
        (None, Some(toml::Value::String(text))) => text.clone(),
        (None, Some(toml::Value::Integer(s))) => s.to_string(),
        (None, Some(toml::Value::Float(s))) => s.to_string(),
        (None, Some(other)) => bail!("{key} = {other} is not a duration; write 90 or \"90s\""),
        (None, None) => return Ok(None),
    };
    Ok(Some(parse_duration(&text)?))
}

/// A searcher or pruner: its name and JSON settings from the flags (which
/// win) or the experiment file's entry; `None` if neither names one.
fn named_with_settings(
    (name_flag, name): (&str, Option<&str>),
    (settings_flag, settings): (&str, Option<&str>),
    entry: Option<&NamedEntry>,
) -> Result<Option<(String, serde_json::Value)>> {
    let from_flag = || parse_settings(settings);
    Ok(match (name, entry) {
        (Some(name), _) => Some((name.to_string(), from_flag()?)),
        (None, Some(NamedEntry::Name(name))) => Some((name.clone(), from_flag()?)),
        (
            None,
            Some(NamedEntry::Table {
                name,
                settings: table,
            }),
        ) => {
            let settings = match (settings, table) {
                (Some(_), _) => from_flag()?,
                (None, Some(t)) => toml_to_json(t)?,
                (None, None) => serde_json::Value::Null,
            };
            Some((name.clone(), settings))
        }
        (None, None) if settings.is_some() => {
            bail!("{settings_flag} needs {name_flag} (the one they are for)")
        }
        (None, None) => None,
    })
}

/// Checked settings of a `run` or `worker`.
#[derive(Debug)]
pub struct RunConfig {
    /// Storage URL (`None`: the default).
    pub storage: Option<String>,
    /// The study.
    pub study: StudySpec,
    /// The command as written (checked against the space once it is known).
    pub argv: Vec<String>,
    /// Where the command runs.
    pub cwd: PathBuf,
    /// Extra environment.
    pub env: Vec<(String, String)>,
    /// Trials to run in this invocation (`None`: no limit).
    pub trials: Option<usize>,
    /// Stop when the study holds this many started trials.
    pub max_trials: Option<usize>,
    /// Trials at once.
    pub jobs: usize,
    /// Per-trial time limit.
    pub timeout: Option<Duration>,
    /// How long a running trial's worker may be silent before the trial is
    /// presumed abandoned (failed and re-queued by any run or worker).
    pub stale_after: Duration,
    /// How long to wait out a storage that is down (keeping the results in
    /// memory and the journal) before giving up.
    pub storage_patience: Duration,
    /// Stop asking for trials after this many failed in a row (`None`: never).
    pub max_failures: Option<usize>,
    /// The objective metric's name.
    pub objective: Option<String>,
    /// The result regex.
    pub result: Option<ResultPattern>,
    /// The intermediate-value regex.
    pub intermediate: Option<IntermediatePattern>,
    /// Which outputs are read.
    pub streams: Streams,
    /// The log folder (`None`: next to the storage).
    pub log_dir: Option<PathBuf>,
    /// Recorded on every trial.
    pub data_version: Option<String>,
    /// On Ctrl-C.
    pub on_interrupt: OnInterrupt,
    /// Only queued trials.
    pub queue_only: bool,
    /// How long a reproducible study waits for earlier trials.
    pub wait_timeout: Option<Duration>,
    /// The experiment file, if any.
    pub experiment: Option<PathBuf>,
}

/// Trials a `run` makes when no count is given.
pub const DEFAULT_TRIALS: usize = 10;

impl RunConfig {
    /// Merges flags over the experiment file and checks everything.
    pub fn new(mode: Mode, storage_flag: Option<String>, args: RunArgs) -> Result<RunConfig> {
        let experiment = args
            .experiment
            .as_deref()
            .map(|path| Experiment::read(path, args.study.as_deref()))
            .transpose()?;
        Self::with_experiment(mode, storage_flag, &args, experiment)
    }

    /// Merges flags over one experiment (of a file holding several, say)
    /// and checks everything.
    pub fn with_experiment(
        mode: Mode,
        storage_flag: Option<String>,
        args: &RunArgs,
        experiment: Option<Experiment>,
    ) -> Result<RunConfig> {
        let file = experiment.as_ref().map(|e| &e.file);
        let from_file =
            |f: &dyn Fn(&super::experiment::ExperimentFile) -> Option<String>| file.and_then(f);

        let name = args
            .study
            .clone()
            .or_else(|| from_file(&|f| f.study.clone()))
            .ok_or_else(|| {
                anyhow!("missing study: pass --study NAME, or set `study` in the experiment file")
            })?;

        let space = match (&args.space, file.and_then(|f| f.space.as_ref())) {
            (Some(text), _) => Some(Space::parse(text)?),
            (None, Some(toml::Value::String(text))) => Some(Space::parse(text)?),
            (None, Some(table)) => Some(Space::from_json(&toml_to_json(table)?)?),
            (None, None) => None,
        }
        .map(noted);
        let direction = args
            .direction
            .clone()
            .or_else(|| from_file(&|f| f.direction.clone()))
            .map(|d| Direction::parse(&d))
            .transpose()?;
        let searcher = named_with_settings(
            ("--searcher", args.searcher.as_deref()),
            ("--settings", args.settings.as_deref()),
            file.and_then(|f| f.searcher.as_ref()),
        )?;
        let seed = args.seed.or(file.and_then(|f| f.seed));

        let argv = if !args.command.is_empty() {
            args.command.clone()
        } else {
            match file.and_then(|f| f.command.as_ref()) {
                Some(CommandEntry::Line(line)) => split_command(line)?,
                Some(CommandEntry::Words(words)) => words.clone(),
                None => Vec::new(),
            }
        };
        if argv.is_empty() {
            Template::new(&argv, &Space::empty())?;
        }
        let cwd = match (&experiment, file.and_then(|f| f.cwd.as_ref())) {
            (Some(e), Some(dir)) => e.resolve(dir),
            (Some(e), None) => e.dir.clone(),
            (None, _) => PathBuf::from("."),
        };
        if !cwd.is_dir() {
            bail!("the command's folder {} does not exist", cwd.display());
        }
        let env = file
            .map(|f| f.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();

        let trials = args.trials.or(file.and_then(|f| f.trials));
        let max_trials = args.max_trials.or(file.and_then(|f| f.max_trials));
        let queue_only = args.queue_only;
        let trials = match (mode, trials, max_trials) {
            (_, Some(0), _) => bail!("-n/--trials must be at least 1"),
            (Mode::Run, None, None) if !queue_only => Some(DEFAULT_TRIALS),
            (_, t, _) => t,
        };
        let jobs = args.jobs.or(file.and_then(|f| f.jobs)).unwrap_or(1);
        if jobs == 0 {
            bail!("--jobs must be at least 1");
        }
        let lag = args.lag.or(file.and_then(|f| f.lag));
        let reproducible = match (args.reproducible, file.and_then(|f| f.reproducible)) {
            (true, _) | (false, Some(true)) => Some(LagSpec {
                lag: lag.unwrap_or_else(|| u32::try_from(jobs).unwrap_or(u32::MAX)),
                given: lag.is_some(),
            }),
            _ if lag.is_some() => bail!("lag is a setting of reproducible studies: add --reproducible (or reproducible = true)"),
            _ => None,
        };
        let wait_timeout = duration_setting(
            "wait_timeout",
            args.wait_timeout.as_deref(),
            file.and_then(|f| f.wait_timeout.as_ref()),
        )?;
        let timeout = duration_setting(
            "timeout",
            args.timeout.as_deref(),
            file.and_then(|f| f.timeout.as_ref()),
        )?;
        let stale_after = duration_setting(
            "stale_after",
            args.stale_after.as_deref(),
            file.and_then(|f| f.stale_after.as_ref()),
        )?
        .unwrap_or(DEFAULT_STALE_AFTER);
        if stale_after < MIN_STALE_AFTER {
            bail!(
                "--stale-after {stale_after:?} is too short: heartbeats go out every sixth of it; \
                 use at least 1s"
            );
        }
        let storage_patience = duration_setting(
            "storage_patience",
            args.storage_patience.as_deref(),
            file.and_then(|f| f.storage_patience.as_ref()),
        )?
        .unwrap_or(DEFAULT_STORAGE_PATIENCE);
        let max_failures = match args.max_failures.or(file.and_then(|f| f.max_failures)) {
            Some(0) => None,
            Some(n) => Some(n),
            None => Some(DEFAULT_MAX_FAILURES),
        };
        let pruner = named_with_settings(
            ("--pruner", args.pruner.as_deref()),
            ("--pruner-settings", args.pruner_settings.as_deref()),
            file.and_then(|f| f.pruner.as_ref()),
        )?
        .map(|(name, settings)| {
            // Checked now, so a typo stops the run before anything starts.
            hyperspace_searchers::builtin_registry()
                .build_pruner(&name, &settings)
                .map(|_| (name, settings))
        })
        .transpose()?;
        let output = file.map(|f| &f.output);
        let objectives =
            crate::common::parse_objectives(&args.objective, direction.unwrap_or_default())?;
        let objective = match objectives.as_slice() {
            [one] => one.name.clone(),
            [] => output.and_then(|o| o.objective.clone()),
            _ => None,
        };
        let result = args
            .result_regex
            .clone()
            .or_else(|| output.and_then(|o| o.result_regex.clone()))
            .map(|p| ResultPattern::new(&p))
            .transpose()
            .map_err(|e| anyhow!("result pattern: {e}"))?;
        let intermediate = args
            .intermediate
            .clone()
            .or_else(|| output.and_then(|o| o.intermediate.clone()))
            .map(|p| IntermediatePattern::new(&p))
            .transpose()
            .map_err(|e| anyhow!("intermediate pattern: {e}"))?;
        let streams = match args
            .parse
            .clone()
            .or_else(|| output.and_then(|o| o.parse.clone()))
            .as_deref()
        {
            None | Some("stdout") => Streams::Stdout,
            Some("stderr") => Streams::Stderr,
            Some("both") => Streams::Both,
            Some(other) => bail!("--parse {other}: expected stdout, stderr or both"),
        };
        let log_dir = match (&args.log_dir, &experiment) {
            (Some(dir), _) => Some(dir.clone()),
            (None, Some(e)) => e.file.logs.as_ref().map(|l| e.resolve(l)),
            (None, None) => None,
        };
        let on_interrupt = match args
            .on_interrupt
            .clone()
            .or_else(|| from_file(&|f| f.on_interrupt.clone()))
            .as_deref()
        {
            None | Some("requeue") => OnInterrupt::Requeue,
            Some("fail") => OnInterrupt::Fail,
            Some(other) => bail!("--on-interrupt {other}: expected requeue or fail"),
        };
        let storage = storage_flag.or_else(|| experiment.as_ref().and_then(Experiment::storage));
        // `--constraint` flags replace the file's list, as other flags do.
        let constraints = match (
            &args.constraint[..],
            file.and_then(|f| f.constraints.as_ref()),
        ) {
            ([], Some(listed)) => crate::common::parse_constraints(listed)?,
            (flags, _) => crate::common::parse_constraints(flags)?,
        };
        Ok(RunConfig {
            storage,
            study: StudySpec {
                name,
                space,
                direction,
                searcher,
                seed,
                pruner,
                reproducible,
                objectives,
                constraints,
            },
            argv,
            cwd,
            env,
            trials,
            max_trials,
            jobs,
            timeout,
            stale_after,
            storage_patience,
            max_failures,
            objective,
            result,
            intermediate,
            streams,
            log_dir,
            data_version: args
                .data_version
                .clone()
                .or_else(|| from_file(&|f| f.data_version.clone())),
            on_interrupt,
            queue_only,
            wait_timeout,
            experiment: experiment.map(|e| e.path),
        })
    }
}
