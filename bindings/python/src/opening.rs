//! What `CoreStudy.open` is given, read once into a type: one JSON object
//! that the Python layer builds (`hyperspace/study.py`, `_core_open`),
//! instead of a dozen loose arguments that every caller had to give in
//! order. Unknown fields are refused, so a misspelt option is an error, not
//! a silent default.

use crate::errors::{bad_json, IntoPy};
use hyperspace_engine::{
    kept_settings, open_storage, AskedSettings, Direction, Error, KeptSetting, MetricConstraint,
    Objective, Registry, Space, StorageUrl, Study, StudyConfig, DEFAULT_SEARCHER,
};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde::Deserialize;
use std::time::Duration;

/// How a study is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum OpenMode {
    /// Opened if it exists, else created.
    Open,
    /// Created; an error if the name is taken.
    Create,
    /// Opened as stored; an error if missing. The settings of a new study
    /// are ignored.
    Load,
}

/// The options as the Python layer sends them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOptions {
    mode: OpenMode,
    storage: String,
    name: String,
    #[serde(default = "minimize")]
    direction: String,
    /// One direction per objective, for a study with several (Optuna's
    /// `directions=`); replaces `direction` when given.
    #[serde(default)]
    directions: Option<Vec<String>>,
    /// Limits on metrics (`mem_gb<=4`), stored with a new study; each
    /// complete trial is judged by the metrics it records.
    #[serde(default)]
    constraints: Option<Vec<String>>,
    /// `DEFAULT_SEARCHER` (`auto`) for a new study when not given.
    #[serde(default)]
    searcher: Option<String>,
    /// JSON text, as `hyperspace.searcher._settings_json` checks and
    /// writes it.
    #[serde(default)]
    searcher_settings_json: Option<String>,
    /// JSON or the compact text form.
    #[serde(default)]
    space: Option<String>,
    #[serde(default)]
    seed: Option<u64>,
    /// Seconds.
    #[serde(default)]
    busy_timeout: Option<f64>,
    #[serde(default)]
    pruner: Option<String>,
    /// JSON text.
    #[serde(default)]
    pruner_settings_json: Option<String>,
    /// Makes a new study reproducible with this lag.
    #[serde(default)]
    lag: Option<u32>,
    /// Seconds.
    #[serde(default)]
    wait_timeout: Option<f64>,
}

fn minimize() -> String {
    "minimize".into()
}

/// The options, checked: what `CoreStudy.open` opens and how.
#[derive(Debug)]
pub(crate) struct OpenOptions {
    mode: OpenMode,
    /// With the busy timeout, when one was given.
    storage: StorageUrl,
    /// The configuration of a new study (its name only, to load one).
    config: StudyConfig,
    /// How long an ask of a reproducible study waits for earlier trials.
    pub(crate) wait_timeout: Option<Duration>,
    /// The settings given explicitly, which an existing study may not have.
    asked: AskedSettings,
}

impl OpenOptions {
    /// Reads and checks the options' JSON text.
    pub(crate) fn parse(py: Python<'_>, json: &str) -> PyResult<Self> {
        let raw: RawOptions =
            serde_json::from_str(json).map_err(|e| bad_json("the study options", e))?;
        let mut storage = StorageUrl::parse(&raw.storage).py_err(py)?;
        if let Some(timeout) = seconds(raw.busy_timeout, "busy_timeout")? {
            storage = storage.with_busy_timeout(timeout);
        }
        let given_settings = raw
            .searcher_settings_json
            .map(|text| settings(Some(text), "searcher settings"))
            .transpose()?;
        let asked = AskedSettings {
            searcher: raw.searcher.clone(),
            searcher_settings: given_settings.clone(),
            seed: raw.seed,
        };
        let mut config = StudyConfig::new(&raw.name)
            .direction(Direction::parse(&raw.direction).py_err(py)?)
            .searcher(
                raw.searcher.as_deref().unwrap_or(DEFAULT_SEARCHER),
                given_settings.unwrap_or(serde_json::Value::Null),
            );
        if let Some(directions) = raw.directions {
            let objectives = directions
                .iter()
                .map(|d| Direction::parse(d).map(Objective::new))
                .collect::<Result<Vec<_>, _>>()
                .py_err(py)?;
            config = config.objectives(objectives);
        }
        if let Some(words) = raw.constraints {
            config.constraints = words
                .iter()
                .map(|w| MetricConstraint::parse(w))
                .collect::<Result<_, _>>()
                .py_err(py)?;
        }
        if let Some(seed) = raw.seed {
            config = config.seed(seed);
        }
        if let Some(space) = raw.space {
            config = config.space(Space::parse(&space).py_err(py)?);
        }
        // Stored with a new study (an existing one keeps its own; the
        // session's choice is set with `set_pruner`).
        if let Some(pruner) = raw.pruner {
            config = config.pruner(
                &pruner,
                settings(raw.pruner_settings_json, "pruner settings")?,
            );
        }
        if let Some(lag) = raw.lag {
            config = config.reproducible(lag);
        }
        Ok(Self {
            mode: raw.mode,
            storage,
            config,
            wait_timeout: seconds(raw.wait_timeout, "wait_timeout")?,
            asked,
        })
    }

    /// Opens the storage and the study in it, as the mode says, with the
    /// settings an existing study kept although others were given (for the
    /// Python layer to warn about; see `hyperspace_engine::kept_settings`).
    /// Slow (it touches storage): call with the GIL released.
    pub(crate) fn open(self, registry: &Registry) -> Result<(Study, Vec<KeptSetting>), Error> {
        let storage = open_storage(self.storage)?;
        let study = match self.mode {
            OpenMode::Load => {
                return Ok((Study::load(storage, &self.config.name, registry)?, vec![]))
            }
            OpenMode::Create => Study::create(storage, self.config, registry)?,
            OpenMode::Open => Study::open(storage, self.config, registry)?,
        };
        let kept = kept_settings(study.config(), &self.asked);
        Ok((study, kept))
    }
}

/// A duration in seconds, checked.
fn seconds(value: Option<f64>, what: &str) -> PyResult<Option<Duration>> {
    match value {
        Some(s) if !(s.is_finite() && s >= 0.0) => Err(PyValueError::new_err(format!(
            "{what} must be a non-negative number of seconds, got {s}"
        ))),
        other => Ok(other.map(Duration::from_secs_f64)),
    }
}

/// Settings given as JSON text (`null` when absent).
fn settings(json: Option<String>, what: &str) -> PyResult<serde_json::Value> {
    match json {
        None => Ok(serde_json::Value::Null),
        Some(text) => serde_json::from_str(&text).map_err(|e| bad_json(what, e)),
    }
}

/// A storage URL as the engine reads it, for the Python layer: the URL
/// with a relative SQLite path made absolute (so that a forked child, or a
/// worker in another folder, opens the same file), and a warning for the
/// person who wrote it, if any (an old-style absolute `sqlite:///` path).
#[pyfunction]
pub(crate) fn storage_url(py: Python<'_>, url: &str) -> PyResult<(String, Option<String>)> {
    let parsed = StorageUrl::parse(url).py_err(py)?;
    let warning = parsed.warning();
    Ok((parsed.absolute().to_url(), warning))
}
