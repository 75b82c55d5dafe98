//! Helpers every command shares: opening storage and studies, reading
//! `key=value` words, durations, and printing numbers.

use anyhow::{anyhow, bail, Context, Result};
use hyperspace_engine::{open_storage, Params, Storage, StorageUrl, Study, TrialId, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The storage URL used when neither `--storage`, `HYPERSPACE_STORAGE` nor an
/// experiment file names one.
pub const DEFAULT_STORAGE: &str = "hyperspace.db";

/// Whether a command may create a new database file, or needs one that
/// exists (so a typo in a path does not silently start an empty database).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The file is created if missing.
    Create,
    /// The file must exist.
    Existing,
}

/// The global `--artifacts DIR` flag, set once by `main`: like
/// `HYPERSPACE_ARTIFACTS` (which it overrides), a setting of the whole
/// process rather than of one command.
static ARTIFACTS_FLAG: OnceLock<Option<PathBuf>> = OnceLock::new();

/// Records the `--artifacts` flag (the first call wins).
pub fn set_artifacts_flag(dir: Option<PathBuf>) {
    let _ = ARTIFACTS_FLAG.set(dir);
}

/// The artifact store of the storage at `url` (the default when `None`):
/// `--artifacts`, else `HYPERSPACE_ARTIFACTS`, else the storage's own (see
/// `hyperspace_engine::artifacts`); absolute, so that commands started in
/// another folder find it.
pub fn artifact_root(url: Option<&str>) -> Result<PathBuf> {
    let flag = ARTIFACTS_FLAG.get().and_then(Option::as_deref);
    let root = hyperspace_engine::artifacts::artifact_root(flag, url.unwrap_or(DEFAULT_STORAGE))?;
    Ok(std::path::absolute(&root).unwrap_or(root))
}

/// The file a storage URL points at, when it is a SQLite file.
pub fn storage_file(url: &str) -> Option<PathBuf> {
    hyperspace_engine::storage::sqlite_file(url)
}

/// The storage URL a command was given (the default when `None`), parsed;
/// a URL read in a way its writer may not expect (an old-style absolute
/// `sqlite:///` path) is warned about on stderr.
pub fn storage_url(url: Option<&str>) -> Result<StorageUrl> {
    let url = StorageUrl::parse(url.unwrap_or(DEFAULT_STORAGE))?;
    if let Some(warning) = url.warning() {
        errln!("warning: {warning}");
    }
    Ok(url)
}

/// `space`, after printing a warning on stderr for each parameter whose
/// `high` the engine narrowed to fit its step (as Optuna does).
pub fn noted(space: hyperspace_engine::Space) -> hyperspace_engine::Space {
    for note in space.notes() {
        errln!("warning: {note}");
    }
    space
}

/// Opens the storage at `url` (the default when `None`).
pub fn open(url: Option<&str>, access: Access) -> Result<Arc<dyn Storage>> {
    let url = storage_url(url)?;
    if access == Access::Existing {
        if let Some(file) = url.sqlite_path() {
            if !file.exists() {
                bail!(
                    "no database at {}; create a study first (hyperspace study create), or point --storage / HYPERSPACE_STORAGE at an existing file",
                    file.display()
                );
            }
        }
    }
    Ok(open_storage(url)?)
}

/// The study name a command was given, or an error saying how to give one.
pub fn need_study(study: Option<&str>) -> Result<&str> {
    study.ok_or_else(|| {
        anyhow!("missing study: pass --study NAME (or set HYPERSPACE_STUDY); `hyperspace study list` shows the studies")
    })
}

/// Loads a study by name with the built-in searchers, and warns on stderr
/// about each of its trials that reads as damaged (quarantined: failed,
/// without a value), so nothing is skipped silently.
pub fn load_study(storage: Arc<dyn Storage>, name: &str) -> Result<Study> {
    let mut study = Study::load(storage, name, &hyperspace_searchers::builtin_registry())?;
    let damaged = study
        .trials()?
        .iter()
        .filter_map(|t| t.damage().map(|reason| (t.number, t.id, reason)));
    let mut count = 0;
    for (number, id, reason) in damaged {
        count += 1;
        errln!("warning: study '{name}': trial #{number} (id {id}) is damaged and is skipped (read as failed): {reason}");
    }
    if count > 0 {
        errln!("warning: {count} damaged trial(s); `hyperspace check --study {name}` lists them");
    }
    Ok(study)
}

/// Loads the study a trial belongs to; when `expected` names a study, the
/// trial must be one of its.
pub fn study_of_trial(
    storage: Arc<dyn Storage>,
    trial: i64,
    expected: Option<&str>,
) -> Result<Study> {
    let found = storage.trial(TrialId(trial))?;
    let record = storage
        .studies()?
        .into_iter()
        .find(|s| s.id == found.study)
        .ok_or_else(|| anyhow!("trial {trial} belongs to no study in this storage"))?;
    if let Some(name) = expected {
        if record.config.name != name {
            bail!(
                "trial {trial} belongs to study '{}', not '{name}'",
                record.config.name
            );
        }
    }
    load_study(storage, &record.config.name)
}

/// Splits `key=value` into its parts; both must be non-empty.
pub fn split_pair<'a>(word: &'a str, what: &str) -> Result<(&'a str, &'a str)> {
    let (key, value) = word
        .split_once('=')
        .ok_or_else(|| anyhow!("{what} '{word}' has no '='; write it as name=value"))?;
    let key = key.trim();
    if key.is_empty() {
        bail!("{what} '{word}' has no name before '='");
    }
    if value.trim().is_empty() {
        bail!("{what} '{word}' has no value after '='");
    }
    Ok((key, value.trim()))
}

/// Reads `key=value` words into a configuration; values keep their JSON
/// type (`3`, `0.5`, `true`), anything else is a string.
pub fn parse_pairs(words: &[String]) -> Result<Params> {
    let mut params = Params::new();
    for word in words {
        let (key, value) = split_pair(word, "parameter")?;
        params.insert(key.to_string(), Value::parse_word(value));
    }
    Ok(params)
}

/// Reads a JSON object into a configuration.
pub fn parse_params_json(text: &str) -> Result<Params> {
    let json: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| anyhow!("--params is not valid JSON ({e}); write it as '{{\"lr\": 0.01}}'"))?;
    let object = json
        .as_object()
        .ok_or_else(|| anyhow!("--params must be a JSON object such as '{{\"lr\": 0.01}}'"))?;
    let mut params = Params::new();
    for (key, value) in object {
        let value = Value::from_json(value).ok_or_else(|| {
            anyhow!("--params: '{key}' is a list or object; a parameter's value is a number, string, boolean or null")
        })?;
        params.insert(key.clone(), value);
    }
    Ok(params)
}

/// Trials by number, for people: `#0 #3 #7`.
pub fn trial_numbers(trials: &[hyperspace_engine::Trial]) -> String {
    let words: Vec<String> = trials.iter().map(|t| format!("#{}", t.number)).collect();
    words.join(" ")
}

/// Reads `--objective NAME[:DIRECTION]` words (a bare name takes `default`).
pub fn parse_objectives(
    words: &[String],
    default: hyperspace_engine::Direction,
) -> Result<Vec<hyperspace_engine::Objective>> {
    words
        .iter()
        .map(|w| hyperspace_engine::Objective::parse(w, default).map_err(Into::into))
        .collect()
}

/// `--constraint NAME<=LIMIT` words, checked.
pub fn parse_constraints(words: &[String]) -> Result<Vec<hyperspace_engine::MetricConstraint>> {
    words
        .iter()
        .map(|w| hyperspace_engine::MetricConstraint::parse(w).map_err(Into::into))
        .collect()
}

/// Reads a searcher's settings given as JSON text.
pub fn parse_settings(text: Option<&str>) -> Result<serde_json::Value> {
    match text {
        None => Ok(serde_json::Value::Null),
        Some(text) => serde_json::from_str(text)
            .with_context(|| format!("--settings '{text}' is not valid JSON")),
    }
}

/// Reads a duration: plain seconds (`90`, `1.5`) or with a unit (`90s`,
/// `5m`, `2h`, `500ms`).
pub fn parse_duration(text: &str) -> Result<Duration> {
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3600.0)
    } else {
        (t, 1.0)
    };
    let seconds: f64 = number
        .trim()
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s > 0.0)
        .ok_or_else(|| {
            anyhow!("'{text}' is not a duration; write seconds (90) or with a unit (90s, 5m, 2h)")
        })?;
    Ok(Duration::from_secs_f64(seconds * scale))
}

pub use hyperspace_query::fmt_num;

/// A value for people (floats through [`fmt_num`]).
pub fn fmt_value(value: &Value) -> String {
    match value {
        Value::Float(x) => fmt_num(*x),
        other => other.to_string(),
    }
}

/// A path as short as it can be: relative to the current directory when it
/// is inside it.
pub fn show_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else if let Some(cwd) = &cwd {
        cwd.join(path)
    } else {
        path.to_path_buf()
    };
    match cwd.and_then(|c| absolute.strip_prefix(&c).ok().map(Path::to_path_buf)) {
        Some(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => absolute.display().to_string(),
    }
}

/// Quotes a word for a POSIX shell when it needs it.
pub fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The environment variable a parameter is exported as:
/// `HYPERSPACE_PARAM_` and the name in upper case, other characters as `_`.
pub fn param_env_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("HYPERSPACE_PARAM_{cleaned}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("-3").is_err());
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(0.123456789), "0.123457");
        assert_eq!(fmt_num(12.5), "12.5");
        assert_eq!(fmt_num(1e-7), "1.0000e-7");
    }

    #[test]
    fn quoting_and_env_names() {
        assert_eq!(shell_quote("0.5"), "0.5");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(param_env_name("lr"), "HYPERSPACE_PARAM_LR");
        assert_eq!(
            param_env_name("model.depth"),
            "HYPERSPACE_PARAM_MODEL_DEPTH"
        );
    }
}
