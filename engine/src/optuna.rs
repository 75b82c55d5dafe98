//! Reading an Optuna study's history from Optuna's SQLite database, so
//! `hyperspace import optuna` and Python's `hs.import_optuna` share one
//! reader (Optuna need not be installed).
//!
//! Optuna's RDB schema, as read here: `studies`, `study_directions`,
//! `study_user_attributes`, `trials`, `trial_params` (the value as a float
//! — a choice's index for a categorical — and the distribution as
//! `distribution_json`), `trial_values` and `trial_intermediate_values`
//! (with a type column for infinities), `trial_user_attributes`. Times are
//! SQLAlchemy's naive local text.
//!
//! Finished trials (complete, pruned, failed) become [`AddedTrial`]s, for
//! [`crate::Study::add_trials`] to check and store; running and waiting
//! ones are counted, not read. A trial whose value was infinite comes in
//! failed, naming the value: the engine keeps finite results only.

use crate::error::OptunaError;
use crate::{
    AddedTrial, CategoricalParam, Direction, FloatParam, IntParam, Outcome, Param, Params, Result,
    Value,
};
use chrono::TimeZone;
use indexmap::IndexMap;
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// An Optuna study as read from its database.
#[derive(Debug, Clone, PartialEq)]
pub struct OptunaStudy {
    /// Its name in Optuna.
    pub name: String,
    /// One direction per objective.
    pub directions: Vec<Direction>,
    /// The study's user attributes.
    pub user_attrs: IndexMap<String, serde_json::Value>,
    /// Its finished trials, by number.
    pub trials: Vec<AddedTrial>,
    /// How many trials were running or waiting (left out: no result yet).
    pub unfinished: usize,
}

/// The file an Optuna SQLite URL (`sqlite:///optuna.db`, four slashes for
/// an absolute path, as in SQLAlchemy) or a plain path names.
pub fn sqlite_path(source: &str) -> Result<PathBuf> {
    if let Some(rest) = source.strip_prefix("sqlite:///") {
        return Ok(PathBuf::from(rest));
    }
    if source.contains("://") {
        return Err(OptunaError::NotSqlite {
            source_text: source.to_string(),
        }
        .into());
    }
    Ok(PathBuf::from(source))
}

/// Reads Optuna study `study` from the SQLite database `path` (opened
/// read-only: the import never changes it).
pub fn read_sqlite(path: &Path, study: &str) -> Result<OptunaStudy> {
    let shown = path.display().to_string();
    if !path.is_file() {
        return Err(OptunaError::NoFile { path: shown }.into());
    }
    let read = |e: rusqlite::Error| OptunaError::Read {
        path: shown.clone(),
        reason: e.to_string(),
    };
    let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(read)?;
    let id: Option<i64> = db
        .query_row(
            "SELECT study_id FROM studies WHERE study_name = ?1",
            [study],
            |r| r.get(0),
        )
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(read(e)),
        })?;
    let Some(id) = id else {
        let names = column::<String>(&db, "SELECT study_name FROM studies ORDER BY study_id", [])
            .map_err(read)?;
        return Err(OptunaError::NoStudy {
            study: study.to_string(),
            path: shown,
            available: if names.is_empty() {
                "none".into()
            } else {
                names.join(", ")
            },
        }
        .into());
    };
    let directions = column::<String>(
        &db,
        "SELECT direction FROM study_directions WHERE study_id = ?1 ORDER BY objective",
        [id],
    )
    .map_err(read)?
    .iter()
    .map(|d| match d.as_str() {
        "MAXIMIZE" => Direction::Maximize,
        // NOT_SET is what Optuna treats as minimize.
        _ => Direction::Minimize,
    })
    .collect();
    let user_attrs = attrs(
        &db,
        "SELECT key, value_json FROM study_user_attributes WHERE study_id = ?1",
        id,
    )
    .map_err(read)?;
    let mut stmt = db
        .prepare(
            "SELECT trial_id, number, state, datetime_start, datetime_complete FROM trials \
             WHERE study_id = ?1 ORDER BY number",
        )
        .map_err(read)?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(TrialRow {
                id: r.get(0)?,
                number: r.get(1)?,
                state: r.get(2)?,
                started: r.get(3)?,
                finished: r.get(4)?,
            })
        })
        .map_err(read)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(read)?;
    let mut trials = Vec::new();
    let mut unfinished = 0;
    for row in rows {
        match read_trial(&db, &row) {
            Ok(Some(trial)) => trials.push(trial),
            Ok(None) => unfinished += 1,
            Err(Bad::Sql(e)) => return Err(read(e).into()),
            Err(Bad::Record(reason)) => {
                return Err(OptunaError::BadRecord {
                    trial: row.number,
                    reason,
                }
                .into())
            }
        }
    }
    Ok(OptunaStudy {
        name: study.to_string(),
        directions,
        user_attrs,
        trials,
        unfinished,
    })
}

struct TrialRow {
    id: i64,
    number: i64,
    state: String,
    started: Option<String>,
    finished: Option<String>,
}

enum Bad {
    Sql(rusqlite::Error),
    Record(String),
}

impl From<rusqlite::Error> for Bad {
    fn from(e: rusqlite::Error) -> Self {
        Bad::Sql(e)
    }
}

fn column<T: rusqlite::types::FromSql>(
    db: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> rusqlite::Result<Vec<T>> {
    let mut stmt = db.prepare(sql)?;
    let rows = stmt.query_map(args, |r| r.get(0))?;
    rows.collect()
}

fn attrs(
    db: &Connection,
    sql: &str,
    id: i64,
) -> rusqlite::Result<IndexMap<String, serde_json::Value>> {
    let mut stmt = db.prepare(sql)?;
    let rows = stmt.query_map([id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = IndexMap::new();
    for row in rows {
        let (key, text) = row?;
        // Optuna writes JSON; text that is not stays as a string.
        let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        out.insert(key, value);
    }
    Ok(out)
}

/// A finished trial, or `None` for a running or waiting one.
fn read_trial(db: &Connection, row: &TrialRow) -> std::result::Result<Option<AddedTrial>, Bad> {
    let state = match row.state.as_str() {
        "COMPLETE" | "PRUNED" | "FAIL" => row.state.as_str(),
        _ => return Ok(None),
    };
    let mut distributions = IndexMap::new();
    let mut params = Params::new();
    let mut stmt = db.prepare(
        "SELECT param_name, param_value, distribution_json FROM trial_params WHERE trial_id = ?1 \
         ORDER BY param_id",
    )?;
    let rows = stmt.query_map([row.id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, f64>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for param in rows {
        let (name, stored, json) = param?;
        let dist =
            distribution(&json).map_err(|e| Bad::Record(format!("parameter '{name}': {e}")))?;
        let value = match &dist {
            Param::Categorical(c) => {
                let index = stored as usize;
                c.choices().get(index).cloned().ok_or_else(|| {
                    Bad::Record(format!(
                        "parameter '{name}': choice index {stored} out of range"
                    ))
                })?
            }
            Param::Int(_) => Value::Int(stored.round() as i64),
            Param::Float(_) => Value::Float(stored),
        };
        distributions.insert(name.clone(), dist);
        params.insert(name, value);
    }
    let values: Vec<f64> = pairs(
        db,
        "SELECT value, value_type FROM trial_values WHERE trial_id = ?1 ORDER BY objective",
        row.id,
    )?
    .into_iter()
    .map(|(_, v)| v)
    .collect();
    let intermediate: BTreeMap<u64, f64> = pairs(
        db,
        "SELECT step, intermediate_value, intermediate_value_type FROM trial_intermediate_values \
         WHERE trial_id = ?1 ORDER BY step",
        row.id,
    )?
    .into_iter()
    .filter(|(step, v)| *step >= 0 && v.is_finite())
    .map(|(step, v)| (step as u64, v))
    .collect();
    let user_attrs = attrs(
        db,
        "SELECT key, value_json FROM trial_user_attributes WHERE trial_id = ?1",
        row.id,
    )?;
    let outcome = match state {
        "PRUNED" => Outcome::pruned(),
        "FAIL" => Outcome::failed("failed in Optuna"),
        _ if values.iter().any(|v| !v.is_finite()) => {
            Outcome::failed(format!("its value in Optuna was {values:?}"))
        }
        _ => Outcome::complete_values(values),
    };
    let mut added = AddedTrial::new(distributions, params, outcome);
    added.intermediate = intermediate;
    added.user_attrs = user_attrs;
    added.started = row.started.as_deref().map(local_time);
    added.finished = row.finished.as_deref().map(local_time);
    Ok(Some(added))
}

/// `(key, value)` rows where the value has a type column beside it
/// (`FINITE`, `INF_POS`, `INF_NEG`, `NAN`); the key is the trial's own
/// column 0 when the query selects three, else a running index.
fn pairs(db: &Connection, sql: &str, id: i64) -> rusqlite::Result<Vec<(i64, f64)>> {
    let mut stmt = db.prepare(sql)?;
    let three = stmt.column_count() == 3;
    let rows = stmt.query_map([id], |r| {
        let (key, at) = if three {
            (r.get::<_, i64>(0)?, 1)
        } else {
            (0, 0)
        };
        let value: Option<f64> = r.get(at)?;
        let kind: Option<String> = r.get(at + 1)?;
        let v = match kind.as_deref() {
            Some("INF_POS") => f64::INFINITY,
            Some("INF_NEG") => f64::NEG_INFINITY,
            Some("NAN") => f64::NAN,
            _ => value.unwrap_or(f64::NAN),
        };
        Ok((key, v))
    })?;
    rows.collect()
}

/// An Optuna distribution (`distribution_json`) as ours; the current
/// names and the older ones Optuna still reads.
pub fn distribution(json: &str) -> std::result::Result<Param, String> {
    let spec: serde_json::Value =
        serde_json::from_str(json).map_err(|e| format!("distribution {json}: {e}"))?;
    let kind = spec["name"].as_str().unwrap_or_default();
    let a = &spec["attributes"];
    let num = |key: &str| {
        a[key]
            .as_f64()
            .ok_or_else(|| format!("{kind} has no number '{key}'"))
    };
    let log = a["log"].as_bool().unwrap_or(false);
    let float = |log: bool, step: Option<f64>| -> std::result::Result<Param, String> {
        FloatParam::new(num("low")?, num("high")?, log, step, None)
            .map(Param::Float)
            .map_err(|e| e.to_string())
    };
    let int = |log: bool, step: i64| -> std::result::Result<Param, String> {
        IntParam::new(
            num("low")? as i64,
            num("high")? as i64,
            log,
            Some(step),
            None,
        )
        .map(Param::Int)
        .map_err(|e| e.to_string())
    };
    let int_step = a["step"].as_f64().map_or(1, |s| s as i64);
    match kind {
        "FloatDistribution" => float(log, a["step"].as_f64()),
        "IntDistribution" => int(log, int_step),
        "UniformDistribution" => float(false, None),
        "LogUniformDistribution" => float(true, None),
        "DiscreteUniformDistribution" => float(false, Some(num("q")?)),
        "IntUniformDistribution" => int(false, int_step),
        "IntLogUniformDistribution" => int(true, 1),
        "CategoricalDistribution" => {
            let choices = a["choices"]
                .as_array()
                .ok_or_else(|| format!("{kind} has no choices"))?
                .iter()
                .map(|c| Value::from_json(c).ok_or_else(|| format!("choice {c} is not a scalar")))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            CategoricalParam::new(choices, None)
                .map(Param::Categorical)
                .map_err(|e| e.to_string())
        }
        other => Err(format!("unknown Optuna distribution '{other}'")),
    }
}

/// SQLAlchemy's naive local time text as RFC 3339 in UTC (as the engine
/// keeps times); text that does not parse is kept as it is.
fn local_time(text: &str) -> String {
    let parsed = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .and_then(|naive| chrono::Local.from_local_datetime(&naive).earliest());
    match parsed {
        Some(t) => t.with_timezone(&chrono::Utc).to_rfc3339(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Error, TrialState};

    /// Made by real Optuna 5.1 (`tests/fixtures/optuna/make_ported.py`,
    /// which prints the trials these figures come from).
    fn fixture() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/optuna/ported.db")
    }

    #[test]
    fn reads_a_study_optuna_made() {
        let s = read_sqlite(&fixture(), "ported").unwrap();
        assert_eq!(s.directions, vec![Direction::Minimize]);
        assert_eq!(s.user_attrs["dataset"], "iris");
        assert_eq!(s.trials.len(), 8);
        assert_eq!(s.unfinished, 1);
        let first = &s.trials[0];
        assert_eq!(first.params["x"], Value::Float(0.304787415447453));
        assert_eq!(first.params["n"], Value::Int(4));
        assert_eq!(first.params["opt"], Value::Str("sgd".into()));
        assert_eq!(first.outcome.values, vec![5.106213505302568]);
        assert_eq!(first.outcome.state, TrialState::Complete);
        let Param::Float(lr) = &first.distributions["lr"] else {
            panic!("lr is a float")
        };
        assert!(lr.log() && lr.low() == 1e-4 && lr.high() == 1e-1, "{lr:?}");
        let Param::Int(n) = &first.distributions["n"] else {
            panic!("n is an int")
        };
        assert_eq!((n.low(), n.high(), n.step()), (2, 10, 2));
        assert_eq!(first.intermediate.len(), 3);
        assert_eq!(first.user_attrs["note"], serde_json::json!({"n": 4}));
        assert!(first
            .started
            .as_deref()
            .is_some_and(|t| t.ends_with("+00:00")));
        let states: Vec<TrialState> = s.trials.iter().map(|t| t.outcome.state).collect();
        use TrialState::*;
        assert_eq!(
            states,
            vec![Complete, Complete, Complete, Complete, Pruned, Failed, Failed, Complete]
        );
        // The infinite value comes in failed, saying so.
        let inf = s.trials[6].outcome.message.as_deref().unwrap_or_default();
        assert!(inf.contains("inf"), "{inf}");
    }

    #[test]
    fn a_missing_study_or_file_or_another_storage_is_named() {
        let err = read_sqlite(&fixture(), "nope").unwrap_err();
        assert!(matches!(err, Error::Optuna(OptunaError::NoStudy { .. })));
        assert!(err.to_string().contains("it has: ported, other"), "{err}");
        let err = read_sqlite(Path::new("/no/such/optuna.db"), "ported").unwrap_err();
        assert!(
            matches!(err, Error::Optuna(OptunaError::NoFile { .. })),
            "{err}"
        );
        assert!(sqlite_path("postgresql://u@h/db").is_err());
        assert_eq!(
            sqlite_path("sqlite:////abs/o.db").unwrap(),
            PathBuf::from("/abs/o.db")
        );
        assert_eq!(sqlite_path("rel.db").unwrap(), PathBuf::from("rel.db"));
    }

    #[test]
    fn distributions_old_and_new_become_ours() {
        let p = distribution(
            r#"{"name": "IntDistribution", "attributes": {"log": false, "step": 2, "low": 2, "high": 10}}"#,
        )
        .unwrap();
        assert!(matches!(p, Param::Int(i) if i.low() == 2 && i.step() == 2));
        let p = distribution(
            r#"{"name": "DiscreteUniformDistribution", "attributes": {"low": 0.0, "high": 1.0, "q": 0.25}}"#,
        )
        .unwrap();
        assert!(matches!(p, Param::Float(f) if f.step() == Some(0.25)));
        let err = distribution(r#"{"name": "Mystery", "attributes": {}}"#).unwrap_err();
        assert!(err.contains("Mystery"), "{err}");
        assert!(distribution(
            r#"{"name": "FloatDistribution", "attributes": {"low": 2.0, "high": 1.0}}"#
        )
        .is_err());
    }
}
