//! How a trial is laid out in the SQL back-ends, and the steps every
//! back-end takes the same way, kept in one place so the back-ends cannot
//! drift apart: a trial is a row of the columns queries need (study, number,
//! state, change counter, claim key) plus one JSON document, [`Body`], for
//! everything else.

use super::{StudyListing, StudyRecord};
use crate::{Metadata, NewTrial, Result, StudyConfig, StudyId, Trial, TrialId, TrialState};
use serde::{Deserialize, Serialize};

/// One step of a SQL back-end's schema migrations. Each back-end lists
/// its own, in order; the number applied is stored in the database, so a
/// database written by an older release is brought up to date when it is
/// opened, and a newer one is refused (`SchemaTooNew`) by an older release.
pub(super) enum Migration {
    /// Statements in the back-end's dialect.
    Sql(&'static str),
    /// Rewrites every readable study configuration in today's form (one
    /// `direction` becomes `objectives`, see [`upgraded_config`]). Counted
    /// as a schema version so that a release that knows one objective
    /// refuses a database that may hold studies with several, rather than
    /// reading them as single-objective ones.
    ObjectivesInConfig,
}

/// A stored study configuration in today's form, if it is readable and
/// not in that form already (damaged ones are left for `hyperspace
/// check` to report).
pub(super) fn upgraded_config(stored: &str) -> Option<String> {
    let config: StudyConfig = serde_json::from_str(stored).ok()?;
    let text = serde_json::to_string(&config).ok()?;
    (text != stored).then_some(text)
}

/// A study's user attributes (Optuna's `study.user_attrs`), kept as one
/// JSON object beside its configuration: they describe the study, they do
/// not configure it.
pub type StudyAttrs = indexmap::IndexMap<String, serde_json::Value>;

/// The user attributes a stored JSON object holds.
pub(super) fn read_attrs(stored: &str) -> crate::Result<StudyAttrs> {
    serde_json::from_str(stored).map_err(|e| {
        crate::Error::Storage(format!(
            "the study's stored user attributes cannot be read: {e}"
        ))
    })
}

/// The stored JSON object `stored` with `key` set to `value`.
pub(super) fn with_attr(
    stored: &str,
    key: &str,
    value: &serde_json::Value,
) -> crate::Result<String> {
    let mut attrs = read_attrs(stored)?;
    attrs.insert(key.to_string(), value.clone());
    serde_json::to_string(&attrs)
        .map_err(|e| crate::Error::Storage(format!("cannot encode user attributes as JSON: {e}")))
}

/// The part of a trial kept as JSON.
#[derive(Serialize, Deserialize)]
pub(super) struct Body {
    params: crate::Params,
    value: Option<f64>,
    /// All objective values, kept only when there are several (one is
    /// `value`), so single-objective bodies stay as they were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    values: Vec<f64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    constraints: Vec<f64>,
    #[serde(default)]
    metrics: indexmap::IndexMap<String, f64>,
    #[serde(default)]
    intermediate: std::collections::BTreeMap<u64, f64>,
    /// Other metrics' series (see [`Trial::intermediate_metrics`]): left
    /// out when empty, and read as empty from bodies written before it
    /// existed, so older databases need no migration.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    intermediate_metrics: std::collections::BTreeMap<String, std::collections::BTreeMap<u64, f64>>,
    budget: Option<f64>,
    parent: Option<TrialId>,
    #[serde(default)]
    user_attrs: indexmap::IndexMap<String, serde_json::Value>,
    #[serde(default)]
    meta: Metadata,
    message: Option<String>,
}

/// The columns of a trial row other than the body; `state` as stored.
pub(super) struct Columns {
    pub id: TrialId,
    pub study: StudyId,
    pub number: u64,
    pub state: String,
    pub change: u64,
}

/// The trial a row holds. A row whose state or body cannot be read comes
/// back quarantined (see [`Trial::quarantine`]) rather than as an error, so
/// one damaged row never makes its whole study unreadable; the row itself
/// is left as it is, and `hyperspace check` reports it.
pub(super) fn read_trial(columns: Columns, json: &str) -> Trial {
    match TrialState::parse(&columns.state) {
        Ok(state) => match Body::trial(&columns, state, json) {
            Ok(trial) => trial,
            Err(e) => quarantined(columns, format!("its JSON body cannot be read: {e}")),
        },
        Err(_) => {
            let reason = format!(
                "its state '{}' is none of waiting, running, complete, pruned, failed",
                columns.state
            );
            quarantined(columns, reason)
        }
    }
}

fn quarantined(columns: Columns, reason: String) -> Trial {
    let mut trial = Trial {
        id: columns.id,
        study: columns.study,
        number: columns.number,
        state: TrialState::Failed,
        params: Default::default(),
        value: None,
        values: Vec::new(),
        constraints: Vec::new(),
        metrics: Default::default(),
        intermediate: Default::default(),
        intermediate_metrics: Default::default(),
        budget: None,
        parent: None,
        user_attrs: Default::default(),
        meta: Metadata::default(),
        message: None,
        change: columns.change,
    };
    trial.quarantine(reason);
    trial
}

/// A study row as listed: its configuration parsed when it can be, else
/// the row marked damaged with serde's reason, so listing goes on.
pub(super) fn read_study(id: StudyId, name: String, config: &str, created: String) -> StudyListing {
    match serde_json::from_str::<StudyConfig>(config) {
        Ok(config) => StudyListing::Readable(StudyRecord {
            id,
            config,
            created,
        }),
        Err(e) => StudyListing::Damaged {
            id,
            name,
            created,
            reason: format!("its stored configuration cannot be read: {e}"),
        },
    }
}

impl Body {
    /// The JSON text of `t`'s body.
    pub fn json_of(t: &Trial) -> serde_json::Result<String> {
        serde_json::to_string(&Body {
            params: t.params.clone(),
            value: t.value,
            values: if t.values.len() > 1 {
                t.values.clone()
            } else {
                Vec::new()
            },
            constraints: t.constraints.clone(),
            metrics: t.metrics.clone(),
            intermediate: t.intermediate.clone(),
            intermediate_metrics: t.intermediate_metrics.clone(),
            budget: t.budget,
            parent: t.parent,
            user_attrs: t.user_attrs.clone(),
            meta: t.meta.clone(),
            message: t.message.clone(),
        })
    }

    /// The trial made of a row's columns and its body's JSON text.
    fn trial(columns: &Columns, state: TrialState, json: &str) -> serde_json::Result<Trial> {
        let body: Body = serde_json::from_str(json)?;
        Ok(Trial {
            id: columns.id,
            study: columns.study,
            number: columns.number,
            state,
            change: columns.change,
            params: body.params,
            values: if body.values.is_empty() {
                body.value.into_iter().collect()
            } else {
                body.values
            },
            value: body.value,
            constraints: body.constraints,
            metrics: body.metrics,
            intermediate: body.intermediate,
            intermediate_metrics: body.intermediate_metrics,
            budget: body.budget,
            parent: body.parent,
            user_attrs: body.user_attrs,
            meta: body.meta,
            message: body.message,
        })
    }
}

/// The trial `new` becomes as number `number` of `study`, its
/// [`NewTrial::updates`] applied; an update the trial cannot take (a
/// second `Finish`, a non-finite report) refuses the whole trial.
pub(crate) fn new_trial(
    new: &NewTrial,
    id: TrialId,
    study: StudyId,
    number: u64,
    change: u64,
) -> Result<Trial> {
    let mut trial = Trial {
        id,
        study,
        number,
        state: new.state.unwrap_or(TrialState::Running),
        params: new.params.clone(),
        value: None,
        values: Vec::new(),
        constraints: Vec::new(),
        metrics: Default::default(),
        intermediate: Default::default(),
        intermediate_metrics: Default::default(),
        budget: new.budget,
        parent: new.parent,
        user_attrs: new.user_attrs.clone(),
        meta: new.meta_for(number),
        message: None,
        change,
    };
    for update in &new.updates {
        update.apply(&mut trial)?;
    }
    Ok(trial)
}

/// Refuses to create a trial under another number than the one its
/// proposal was made for.
pub(super) fn check_number(new: &NewTrial, number: u64) -> Result<()> {
    match new.expect_number {
        Some(expected) if expected != number => Err(crate::Error::NumberTaken {
            expected,
            next: number,
        }),
        _ => Ok(()),
    }
}

/// Turns a waiting trial into a running one taken by the worker `meta`
/// describes.
pub(super) fn start_claimed(trial: &mut Trial, meta: &Metadata, change: u64) -> Result<()> {
    super::TrialUpdate::Meta(meta.clone()).apply(trial)?;
    trial.state = TrialState::Running;
    trial.change = change;
    Ok(())
}
