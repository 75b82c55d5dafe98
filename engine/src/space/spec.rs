//! Spaces as JSON and TOML: reading (with an error naming the parameter and
//! the problem) and writing (one canonical form, used by storage).
//!
//! A space is an object from parameter name to definition. A definition is
//! a full object (`{"type": "float", "low": 0, "high": 1, "log": false,
//! "step": null, "default": null}`), a list (a categorical's choices), or a
//! string in the compact syntax (`"log(1e-5, 1e-1)"`). A categorical's
//! `branches` map a choice to the sub-space it brings.

use super::compact;
use super::limits;
use super::narrow::StepNarrowed;
use super::param::{CategoricalParam, FloatParam, IntParam, Number, Param, ParamError};
use super::tree::{Condition, Entry, Space};
use crate::{Error, Result, Value};
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};
use std::collections::HashMap;
use std::path::Path;

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum ParamSpec {
    Float {
        low: f64,
        high: f64,
        #[serde(default)]
        log: bool,
        step: Option<f64>,
        default: Option<f64>,
    },
    Int {
        low: i64,
        high: i64,
        #[serde(default)]
        log: bool,
        step: Option<i64>,
        default: Option<i64>,
    },
    /// A categorical's `branches` are read in place by [`read_param`], not
    /// copied in here.
    #[serde(alias = "choice", alias = "cat")]
    Categorical {
        choices: Vec<Json>,
        default: Option<Json>,
    },
}

impl Space {
    /// Reads a space from its JSON form.
    pub fn from_json(json: &Json) -> Result<Space> {
        let mut entries = Vec::new();
        let mut notes = Vec::new();
        read_object(json, "", None, 0, &mut entries, &mut notes)?;
        Ok(Space::from_entries(entries)?.with_notes(notes))
    }

    /// Reads a space from JSON text, or from the compact syntax
    /// (`x=float(-5,10) opt=choice(adam,sgd)`) when the text is not JSON.
    pub fn parse(text: &str) -> Result<Space> {
        limits::check_text(text)?;
        let trimmed = text.trim_start();
        if trimmed.starts_with('{') {
            let json =
                serde_json::from_str::<UniqueKeys>(text).map_err(|e| Error::SpaceSyntax {
                    input: text.to_string(),
                    column: e.column(),
                    reason: format!("invalid JSON: {e}"),
                })?;
            return Space::from_json(&json.0);
        }
        Space::from_json(&compact::parse(text)?)
    }

    /// Reads a space from TOML text.
    pub fn from_toml(text: &str) -> Result<Space> {
        limits::check_text(text)?;
        let table: toml::Table = toml::from_str(text).map_err(|e| Error::SpaceFile {
            path: "<toml>".into(),
            reason: e.to_string(),
        })?;
        // JSON has no inf or nan: converted, they would turn into null and
        // be reported as "invalid type: null".
        if let Some(key) = non_finite(&table) {
            return Err(Error::SpaceFile {
                path: "<toml>".into(),
                reason: format!(
                    "`{key}` is not a finite number; bounds, steps, defaults and choices must be finite"
                ),
            });
        }
        let json = serde_json::to_value(table).map_err(|e| Error::SpaceFile {
            path: "<toml>".into(),
            reason: e.to_string(),
        })?;
        Space::from_json(&json)
    }

    /// Reads a space file: TOML when it ends in `.toml`, JSON otherwise.
    pub fn from_file(path: &Path) -> Result<Space> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| Error::SpaceFile {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let parsed = if path.extension().is_some_and(|e| e == "toml") {
            Space::from_toml(&text)
        } else {
            Space::parse(&text)
        };
        parsed.map_err(|e| match e {
            Error::SpaceFile { reason, .. } => Error::SpaceFile {
                path: shown,
                reason,
            },
            other => other,
        })
    }

    /// The canonical JSON form: every definition a full object.
    pub fn to_json(&self) -> Json {
        // Children grouped once, so writing costs one pass over the entries.
        let mut children: Children = HashMap::new();
        for (i, e) in self.entries().iter().enumerate() {
            let key = e.condition.map(|c| (c.parent, c.choice));
            children.entry(key).or_default().push(i);
        }
        self.object_for(None, &children)
    }

    fn object_for(&self, condition: Option<(usize, usize)>, children: &Children) -> Json {
        let mut out = Map::new();
        for &i in children.get(&condition).into_iter().flatten() {
            let entry = &self.entries()[i];
            out.insert(
                entry.name.clone(),
                self.param_json(i, &entry.param, children),
            );
        }
        Json::Object(out)
    }

    fn param_json(&self, i: usize, param: &Param, children: &Children) -> Json {
        match param {
            Param::Float(p) => json!({
                "type": "float", "low": p.low(), "high": p.high(), "log": p.log(),
                "step": p.step(), "default": p.default(),
            }),
            Param::Int(p) => json!({
                "type": "int", "low": p.low(), "high": p.high(), "log": p.log(),
                "step": p.step(), "default": p.default(),
            }),
            Param::Categorical(p) => {
                let mut obj = json!({
                    "type": "categorical",
                    "choices": p.choices().iter().map(Value::to_json).collect::<Vec<_>>(),
                    "default": p.default_index().map(|d| p.choices()[d].to_json()),
                });
                let mut branches = Map::new();
                for (c, choice) in p.choices().iter().enumerate() {
                    if children.contains_key(&Some((i, c))) {
                        let sub = self.object_for(Some((i, c)), children);
                        branches.insert(choice.to_string(), sub);
                    }
                }
                if !branches.is_empty() {
                    obj["branches"] = Json::Object(branches);
                }
                obj
            }
        }
    }
}

impl serde::Serialize for Space {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Space {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let json = Json::deserialize(d)?;
        Space::from_json(&json).map_err(serde::de::Error::custom)
    }
}

/// Entry indices by their condition (`None` for the top level).
type Children = HashMap<Option<(usize, usize)>, Vec<usize>>;

/// JSON read with every object's keys checked for repeats: serde_json keeps
/// the last of two equal keys, which would drop a parameter silently.
struct UniqueKeys(Json);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_any(UniqueKeysVisitor).map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> std::result::Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> std::result::Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> std::result::Result<Json, E> {
        Ok(Json::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> std::result::Result<Json, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number))
    }
    fn visit_str<E>(self, v: &str) -> std::result::Result<Json, E> {
        Ok(Json::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> std::result::Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_unit<E>(self) -> std::result::Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> std::result::Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Json, A::Error> {
        let mut out = Vec::new();
        while let Some(UniqueKeys(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Json::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Json, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "key '{key}' appears twice in one object; give each key once"
                )));
            }
            let UniqueKeys(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Json::Object(out))
    }
}

/// The dotted key of the first float in `table` that is infinite or NaN.
fn non_finite(table: &toml::Table) -> Option<String> {
    fn walk(value: &toml::Value, key: &str) -> Option<String> {
        match value {
            toml::Value::Float(x) if !x.is_finite() => Some(key.to_string()),
            toml::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(v, &format!("{key}[{i}]"))),
            toml::Value::Table(t) => t.iter().find_map(|(k, v)| walk(v, &format!("{key}.{k}"))),
            _ => None,
        }
    }
    table.iter().find_map(|(k, v)| walk(v, k))
}

/// Reads the parameters of one (sub-)space; `depth` counts the branches
/// around it, checked before descending so no input recurses deeper than
/// [`limits::MAX_DEPTH`].
fn read_object(
    json: &Json,
    path: &str,
    condition: Option<Condition>,
    depth: usize,
    entries: &mut Vec<Entry>,
    notes: &mut Vec<StepNarrowed>,
) -> Result<()> {
    limits::check_depth(depth)?;
    let Json::Object(map) = json else {
        let mut shown = json.to_string();
        if shown.len() > 80 {
            shown = format!("{}...", shown.chars().take(60).collect::<String>());
        }
        return Err(Error::InvalidParam {
            param: if path.is_empty() {
                "<space>".into()
            } else {
                path.to_string()
            },
            reason: ParamError::SpaceNotAnObject { got: shown },
        });
    };
    for (name, definition) in map {
        limits::check_name(name)?;
        let shown = format!("{path}{name}");
        if !is_valid_name(name) {
            return Err(Error::InvalidParam {
                param: shown,
                reason: ParamError::BadName,
            });
        }
        read_param(name, &shown, definition, condition, depth, entries, notes)?;
    }
    Ok(())
}

fn read_param(
    name: &str,
    shown: &str,
    definition: &Json,
    condition: Option<Condition>,
    depth: usize,
    entries: &mut Vec<Entry>,
    notes: &mut Vec<StepNarrowed>,
) -> Result<()> {
    let invalid = |reason: ParamError| Error::InvalidParam {
        param: shown.to_string(),
        reason,
    };
    let parsed;
    let definition = match definition {
        Json::Array(choices) => {
            parsed = json!({"type": "categorical", "choices": choices});
            &parsed
        }
        Json::String(text) => {
            parsed = compact::parse_definition(text).map_err(|e| match e {
                Error::SpaceSyntax { reason, .. } => invalid(ParamError::CompactSyntax {
                    text: text.clone(),
                    reason,
                }),
                other => other,
            })?;
            &parsed
        }
        other => other,
    };
    // Everything but `branches` goes through serde; the branches are read
    // in place. Copying them into the spec at every level would cost the
    // square of the depth in memory.
    let (fields, branches) = match definition {
        Json::Object(map) => {
            let fields: Map<String, Json> = map
                .iter()
                .filter(|(k, _)| k.as_str() != "branches")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            (Json::Object(fields), map.get("branches"))
        }
        other => (other.clone(), None),
    };
    let spec = ParamSpec::deserialize(&fields)
        .map_err(|e| invalid(ParamError::Unreadable(e.to_string())))?;
    let branches = match (branches, &spec) {
        (None, _) => None,
        (Some(Json::Object(b)), ParamSpec::Categorical { .. }) => Some(b),
        (Some(_), ParamSpec::Categorical { .. }) => {
            return Err(invalid(ParamError::BranchesNotAnObject))
        }
        (Some(_), _) => return Err(invalid(ParamError::BranchesOnNonCategorical)),
    };
    match spec {
        ParamSpec::Float {
            low,
            high,
            log,
            step,
            default,
        } => {
            let p = match FloatParam::new(low, high, log, step, default) {
                Err(ParamError::StepDoesNotDivide { step: s, .. }) => {
                    let note = StepNarrowed::new(shown, low.into(), high.into(), s);
                    let fitted = note.fitted.as_f64();
                    notes.push(note);
                    FloatParam::new(low, fitted, log, step, default)
                }
                other => other,
            }
            .map_err(invalid)?;
            entries.push(Entry {
                name: name.into(),
                param: Param::Float(p),
                condition,
            });
        }
        ParamSpec::Int {
            low,
            high,
            log,
            step,
            default,
        } => {
            let p = match IntParam::new(low, high, log, step, default) {
                Err(ParamError::StepDoesNotDivide { step: s, .. }) => {
                    let note = StepNarrowed::new(shown, low.into(), high.into(), s);
                    let fitted = match note.fitted {
                        Number::Int(i) => i,
                        Number::Float(_) => high,
                    };
                    notes.push(note);
                    IntParam::new(low, fitted, log, step, default)
                }
                other => other,
            }
            .map_err(invalid)?;
            entries.push(Entry {
                name: name.into(),
                param: Param::Int(p),
                condition,
            });
        }
        ParamSpec::Categorical { choices, default } => {
            let choices = choices
                .iter()
                .map(|c| {
                    Value::from_json(c).ok_or_else(|| {
                        invalid(ParamError::NotAScalar {
                            what: "choice",
                            json: c.to_string(),
                        })
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            // Before the constructor, whose check for repeats costs the
            // square of the number of choices.
            limits::check_choices(shown, &choices)?;
            let default = match default {
                Some(d) => Some(Value::from_json(&d).ok_or_else(|| {
                    invalid(ParamError::NotAScalar {
                        what: "default",
                        json: d.to_string(),
                    })
                })?),
                None => None,
            };
            let p = CategoricalParam::new(choices, default).map_err(invalid)?;
            let parent = entries.len();
            let keys: Vec<String> = p.choices().iter().map(Value::to_string).collect();
            entries.push(Entry {
                name: name.into(),
                param: Param::Categorical(p),
                condition,
            });
            for (key, sub) in branches.into_iter().flatten() {
                let choice = keys.iter().position(|k| k == key).ok_or_else(|| {
                    invalid(ParamError::BranchForUnknownChoice {
                        key: key.clone(),
                        choices: keys.clone(),
                    })
                })?;
                let path = format!("{shown}={key}/");
                let condition = Some(Condition { parent, choice });
                read_object(sub, &path, condition, depth + 1, entries, notes)?;
            }
        }
    }
    Ok(())
}

fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_forms_read_the_same() {
        let full = Space::parse(r#"{"lr": {"type": "float", "low": 1e-5, "high": 0.1, "log": true}, "opt": {"type": "categorical", "choices": ["adam", "sgd"]}}"#).unwrap();
        let short = Space::parse(r#"{"lr": "log(1e-5, 0.1)", "opt": ["adam", "sgd"]}"#).unwrap();
        assert_eq!(full, short);
        assert_eq!(Space::from_json(&full.to_json()).unwrap(), full);
    }

    #[test]
    fn branches_round_trip() {
        let text = r#"{"model": {"type": "categorical", "choices": ["svm", "tree"],
            "branches": {"svm": {"C": "log(1e-3, 1e3)", "kernel": {"type": "choice", "choices": ["rbf", "poly"],
                "branches": {"poly": {"degree": "int(2, 5)"}}}}, "tree": {"depth": "int(1, 12)"}}}}"#;
        let space = Space::parse(text).unwrap();
        assert_eq!(space.names(), ["model", "C", "kernel", "degree", "depth"]);
        assert_eq!(Space::from_json(&space.to_json()).unwrap(), space);
    }

    #[test]
    fn errors_name_the_parameter_and_problem() {
        let err = |t: &str| Space::parse(t).unwrap_err().to_string();
        assert!(err(r#"{"x": {"type": "float", "low": 1, "high": 0}}"#)
            .contains("parameter 'x': low (1) must be at most high"));
        assert!(
            err(r#"{"x": {"type": "float", "low": 0, "high": 1, "lo": 3}}"#)
                .contains("unknown field `lo`")
        );
        assert!(err(r#"{"x": {"type": "flot", "low": 0, "high": 1}}"#)
            .contains("unknown variant `flot`"));
        assert!(
            err(r#"{"m": {"type": "choice", "choices": ["a"], "branches": {"b": {}}}}"#)
                .contains("branch for 'b'")
        );
        assert!(err(r#"{"m": {"type": "choice", "choices": ["a", "b"], "branches": {"a": {"x": "int(0,1)"}, "b": {"x": "int(0,1)"}}}}"#).contains("'x' is defined twice"));
        assert!(err(
            r#"{"m": {"type": "choice", "choices": ["a"], "branches": {"a": {"x": "int(1,0)"}}}}"#
        )
        .contains("parameter 'm=a/x'"));
        assert!(err(r#"{"9x": "int(0,1)"}"#).contains("a name needs"));
        assert!(err(r#"{"x": "int(0,1"#).contains("invalid JSON"));
    }

    #[test]
    fn toml_reads_like_json() {
        let toml = r#"
            lr = "log(1e-5, 0.1)"
            opt = ["adam", "sgd"]
            [layers]
            type = "int"
            low = 1
            high = 8
            default = 2
        "#;
        let space = Space::from_toml(toml).unwrap();
        assert_eq!(space.names(), ["lr", "opt", "layers"]);
        assert_eq!(
            space.get("layers").unwrap().param.default_value(),
            Some(Value::Int(2))
        );
    }
}
