//! The experiment file: everything `hyperspace run` needs, in one TOML file.
//!
//! ```toml
//! storage = "results.db"        # relative paths are relative to this file
//! study = "two-moons"
//! direction = "minimize"
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

use anyhow::{anyhow, Result};
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
}

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
    /// Reads and parses an experiment file; errors name the line.
    pub fn read(path: &Path) -> Result<Experiment> {
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
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Ok(Experiment {
            file,
            dir,
            path: path.to_path_buf(),
        })
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
