//! The experiment file: everything `hyperspace run` needs, in one TOML file.
//!
//! ```toml
//! storage = "results.db"        # relative paths are relative to this file
//! study = "two-moons"
//! direction = "minimize"
//! constraints = ["mem_gb<=4"]  # limits on printed metrics (`--constraint`), for a new study
//! seed = 2026
//! command = ["python3", "train.py", "{args}"]   # or one string
//! trials = 20
//! jobs = 2
//! timeout = "2m"
//! stale_after = "60s"           # a silent worker's trials are re-queued after this
//! storage_patience = "1h"       # how long to wait out a storage outage, results kept
//! max_failures = 10             # stop after this many trials in a row failed
//!
//! [searcher]
//! name = "random"
//! settings = { sampler = "sobol" }
//!
//! [pruner]                      # stops trials early from intermediate values
//! name = "median"
//! settings = { n_startup_trials = 5 }
//!
//! [space]
//! lr = "log(1e-3, 1)"
//! batch = [16, 64, 256]
//!
//! [output]
//! objective = "val_loss"
//! intermediate = 'epoch (\d+) .* val_loss=([0-9.eE+-]+)'
//! ```
//!
//! A file may hold several experiments, each its own study: one
//! `[[experiment]]` table each, taking every key above (`[experiment.space]`,
//! `[experiment.searcher]`, ...). Keys at the top of the file are every
//! experiment's defaults (a shared `storage`, `trials`, `[output]`); an
//! experiment's own keys win, and its `env` and `[output]` tables are merged
//! key by key over the top-level ones.
//!
//! ```toml
//! storage = "lab.db"
//! trials = 20
//! command = "python3 train.py {args}"
//!
//! [[experiment]]
//! study = "lab-small"
//! space = "lr=log(1e-4,1e-1) layers=int(1,3)"
//!
//! [[experiment]]
//! study = "lab-wide"
//! [experiment.space]
//! lr = "log(1e-4,1e-1)"
//! layers = "int(4,8)"
//! ```

use anyhow::{anyhow, bail, Result};
use hyperspace_engine::StorageUrl;
use indexmap::IndexMap;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The file as written; checked into a [`RunConfig`](super::RunConfig).
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ExperimentFile {
    /// Storage URL (a relative file path is relative to the experiment file).
    pub storage: Option<String>,
    /// Study name.
    pub study: Option<String>,
    /// minimize or maximize.
    pub direction: Option<String>,
    /// Limits on metrics the command prints (`mem_gb<=4`, as
    /// `--constraint`), stored with a new study.
    pub constraints: Option<Vec<String>>,
    /// The study's seed.
    pub seed: Option<u64>,
    /// Whether a new study is reproducible (`--reproducible`).
    pub reproducible: Option<bool>,
    /// Its lag (`--lag`).
    pub lag: Option<u32>,
    /// How long to wait for earlier trials (`--wait-timeout`).
    pub wait_timeout: Option<toml::Value>,
    /// The data's version, recorded on every trial.
    pub data_version: Option<String>,
    /// The searcher: a name, or a table with `name` and `settings`.
    pub searcher: Option<NamedEntry>,
    /// The pruner (median, successive_halving, none): a name, or a table
    /// with `name` and `settings`.
    pub pruner: Option<NamedEntry>,
    /// The space: a table (JSON/TOML form) or a compact string.
    pub space: Option<toml::Value>,
    /// The command: one string (split like a shell would) or a list.
    pub command: Option<CommandEntry>,
    /// Where the command runs (default: the experiment file's folder).
    pub cwd: Option<PathBuf>,
    /// Extra environment variables for the command.
    #[serde(default)]
    pub env: IndexMap<String, String>,
    /// Trials to run per invocation.
    pub trials: Option<usize>,
    /// Stop once the study holds this many started trials.
    pub max_trials: Option<usize>,
    /// Trials at once.
    pub jobs: Option<usize>,
    /// Per-trial time limit: seconds, or text like "90s", "5m".
    pub timeout: Option<toml::Value>,
    /// Silence after which another worker's running trial is presumed
    /// abandoned: seconds, or text like "60s" (default 60 s).
    pub stale_after: Option<toml::Value>,
    /// How long to wait for a storage that is down, keeping the results,
    /// before giving up: seconds, or text like "1h" (default 1 h).
    pub storage_patience: Option<toml::Value>,
    /// Stop asking for trials after this many failed in a row.
    pub max_failures: Option<usize>,
    /// requeue or fail.
    pub on_interrupt: Option<String>,
    /// The log folder.
    pub logs: Option<PathBuf>,
    /// How results are read.
    #[serde(default)]
    pub output: OutputSection,
    /// `[[experiment]]` tables: several experiments in one file, checked
    /// when [`Experiment::read_all`] merges each over the top-level keys.
    #[serde(default)]
    pub experiment: Vec<toml::Table>,
}

/// Tables of an experiment merged key by key over the top-level ones
/// (rather than replacing them).
const MERGED_TABLES: [&str; 2] = ["env", "output"];

/// `[searcher]` / `[pruner]`, or `searcher = "name"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum NamedEntry {
    /// Just a name.
    Name(String),
    /// A name and settings.
    Table {
        /// Registry name.
        name: String,
        /// Settings.
        #[serde(default)]
        settings: Option<toml::Value>,
    },
}

/// `command = "..."` or `command = [...]`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum CommandEntry {
    /// One string, split into words.
    Line(String),
    /// The words.
    Words(Vec<String>),
}

/// `[output]`
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OutputSection {
    /// The objective metric.
    pub objective: Option<String>,
    /// A result regex.
    pub result_regex: Option<String>,
    /// An intermediate-value regex.
    pub intermediate: Option<String>,
    /// stdout, stderr or both.
    pub parse: Option<String>,
}

/// An experiment file read, with the folder its relative paths start from.
#[derive(Debug)]
pub struct Experiment {
    /// What it says.
    pub file: ExperimentFile,
    /// Its folder.
    pub dir: PathBuf,
    /// Its path, for messages.
    pub path: PathBuf,
}

impl Experiment {
    /// Reads an experiment file that holds one experiment, or several of
    /// which `study` names one; errors name the line.
    pub fn read(path: &Path, study: Option<&str>) -> Result<Experiment> {
        let mut all = Experiment::read_all(path)?;
        if all.len() == 1 {
            return Ok(all.remove(0));
        }
        let names = || {
            all.iter()
                .filter_map(|e| e.file.study.as_deref())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(study) = study else {
            bail!(
                "experiment file {} holds {} experiments ({}): `hyperspace run` runs them all; \
                 pass --study NAME for one, or `hyperspace worker --studies GLOB` to serve several",
                path.display(),
                all.len(),
                names()
            );
        };
        match all
            .iter()
            .position(|e| e.file.study.as_deref() == Some(study))
        {
            Some(i) => Ok(all.swap_remove(i)),
            None => bail!(
                "experiment file {} has no experiment with study = \"{study}\" (it has {})",
                path.display(),
                names()
            ),
        }
    }

    /// Reads every experiment of a file: the file itself, or one per
    /// `[[experiment]]` table, each merged over the top-level keys. Every
    /// experiment must name its own study.
    pub fn read_all(path: &Path) -> Result<Vec<Experiment>> {
        let (top, text) = Self::parse(path)?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let experiment = |file| Experiment {
            file,
            dir: dir.clone(),
            path: path.to_path_buf(),
        };
        if top.experiment.is_empty() {
            return Ok(vec![experiment(top)]);
        }
        // The top-level keys as written, to merge each experiment over.
        let mut defaults: toml::Table = text
            .parse()
            .map_err(|e| anyhow!("experiment file {}: {e}", path.display()))?;
        defaults.remove("experiment");
        let mut studies = std::collections::HashSet::new();
        let mut all = Vec::with_capacity(top.experiment.len());
        for (i, own) in top.experiment.iter().enumerate() {
            let which = || match own.get("study").and_then(toml::Value::as_str) {
                Some(study) => format!("experiment {} (study \"{study}\")", i + 1),
                None => format!("experiment {}", i + 1),
            };
            if own.contains_key("experiment") {
                bail!(
                    "experiment file {}, {}: experiments do not nest",
                    path.display(),
                    which()
                );
            }
            let merged = merge(&defaults, own);
            let file: ExperimentFile = toml::Value::Table(merged).try_into().map_err(|e| {
                anyhow!(
                    "experiment file {}, {}: {}",
                    path.display(),
                    which(),
                    e.to_string().replace('\n', " ").trim()
                )
            })?;
            let Some(study) = file.study.clone() else {
                bail!(
                    "experiment file {}, {}: missing study (each experiment is its own study)",
                    path.display(),
                    which()
                );
            };
            if !studies.insert(study.clone()) {
                bail!(
                    "experiment file {}: two experiments have study = \"{study}\" (each experiment is its own study)",
                    path.display()
                );
            }
            all.push(experiment(file));
        }
        Ok(all)
    }

    /// The file's text, parsed as the top level of an experiment file.
    fn parse(path: &Path) -> Result<(ExperimentFile, String)> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow!("cannot read experiment file {}: {e}", path.display()))?;
        let file: ExperimentFile = toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let at = line.map(|l| format!(" line {l}")).unwrap_or_default();
            anyhow!(
                "experiment file {}{at}: {}",
                path.display(),
                e.message().replace('\n', " ").trim()
            )
        })?;
        Ok((file, text))
    }

    /// A path from the file, relative to its folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.dir.join(path)
        }
    }

    /// The storage URL from the file, its relative file path made relative
    /// to the file's folder.
    /// One that cannot be parsed is given as it is, for opening it to
    /// report.
    pub fn storage(&self) -> Option<String> {
        let url = self.file.storage.as_deref()?;
        Some(match StorageUrl::parse_in(url, &self.dir) {
            Ok(parsed) => parsed.to_url(),
            Err(_) => url.to_string(),
        })
    }
}

/// A TOML value as JSON (settings, spaces).
pub fn toml_to_json(value: &toml::Value) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| anyhow!("cannot convert TOML to JSON: {e}"))
}

/// An experiment's table over the top-level keys: its own keys win; `env`
/// and `[output]` are merged key by key.
fn merge(defaults: &toml::Table, own: &toml::Table) -> toml::Table {
    let mut merged = defaults.clone();
    for (key, value) in own {
        match (merged.get_mut(key), value) {
            (Some(toml::Value::Table(base)), toml::Value::Table(over))
                if MERGED_TABLES.contains(&key.as_str()) =>
            {
                base.extend(over.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            _ => {
                merged.insert(key.clone(), value.clone());
            }
        }
    }
    merged
}
