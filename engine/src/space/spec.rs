//! Spaces as JSON and TOML: reading (with an error naming the parameter and
//! the problem) and writing (one canonical form, used by storage).
//!
//! A space is an object from parameter name to definition. A definition is
//! a full object (`{"type": "float", "low": 0, "high": 1, "log": false,
//! "step": null, "default": null}`), a list (a categorical's choices), or a
//! string in the compact syntax (`"log(1e-5, 1e-1)"`). A categorical's
//! `branches` map a choice to the sub-space it brings.

use super::compact;
use super::param::{CategoricalParam, FloatParam, IntParam, Param};
use super::tree::{Condition, Entry, Space};
use crate::{Error, Result, Value};
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};
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
    #[serde(alias = "choice", alias = "cat")]
    Categorical {
        choices: Vec<Json>,
        default: Option<Json>,
        #[serde(default)]
        branches: IndexMap<String, Json>,
    },
}

impl Space {
    /// Reads a space from its JSON form.
    pub fn from_json(json: &Json) -> Result<Space> {
        let mut entries = Vec::new();
        read_object(json, "", None, &mut entries)?;
        Space::from_entries(entries)
    }

    /// Reads a space from JSON text, or from the compact syntax
    /// (`x=float(-5,10) opt=choice(adam,sgd)`) when the text is not JSON.
    pub fn parse(text: &str) -> Result<Space> {
        let trimmed = text.trim_start();
        if trimmed.starts_with('{') {
            let json: Json = serde_json::from_str(text).map_err(|e| Error::SpaceSyntax {
                input: text.to_string(),
                column: e.column(),
                reason: format!("invalid JSON: {e}"),
            })?;
            return Space::from_json(&json);
        }
        Space::from_json(&compact::parse(text)?)
    }

    /// Reads a space from TOML text.
    pub fn from_toml(text: &str) -> Result<Space> {
        let table: toml::Table = toml::from_str(text).map_err(|e| Error::SpaceFile {
            path: "<toml>".into(),
            reason: e.to_string(),
        })?;
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
        self.object_for(None)
    }

    fn object_for(&self, condition: Option<Condition>) -> Json {
        let mut out = Map::new();
        for (i, entry) in self.entries().iter().enumerate() {
            if entry.condition != condition {
                continue;
            }
            out.insert(entry.name.clone(), self.param_json(i, &entry.param));
        }
        Json::Object(out)
    }

    fn param_json(&self, i: usize, param: &Param) -> Json {
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
                    if self.children(i, c).next().is_some() {
                        let sub = self.object_for(Some(Condition {
                            parent: i,
                            choice: c,
                        }));
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

fn read_object(
    json: &Json,
    path: &str,
    condition: Option<Condition>,
    entries: &mut Vec<Entry>,
) -> Result<()> {
    let Json::Object(map) = json else {
        return Err(Error::InvalidParam {
            param: if path.is_empty() {
                "<space>".into()
            } else {
                path.to_string()
            },
            reason: format!(
                "a space must be an object from parameter name to definition, got {json}"
            ),
        });
    };
    for (name, definition) in map {
        let shown = format!("{path}{name}");
        if !is_valid_name(name) {
            return Err(Error::InvalidParam {
                param: shown,
                reason:
                    "a name needs letters, digits, '_', '-' or '.', starting with a letter or '_'"
                        .into(),
            });
        }
        read_param(name, &shown, definition, condition, entries)?;
    }
    Ok(())
}

fn read_param(
    name: &str,
    shown: &str,
    definition: &Json,
    condition: Option<Condition>,
    entries: &mut Vec<Entry>,
) -> Result<()> {
    let invalid = |reason: String| Error::InvalidParam {
        param: shown.to_string(),
        reason,
    };
    let definition = match definition {
        Json::Array(choices) => json!({"type": "categorical", "choices": choices}),
        Json::String(text) => compact::parse_definition(text).map_err(|e| match e {
            Error::SpaceSyntax { reason, .. } => invalid(format!("cannot read `{text}`: {reason}")),
            other => other,
        })?,
        other => other.clone(),
    };
    let spec = ParamSpec::deserialize(&definition).map_err(|e| invalid(e.to_string()))?;
    match spec {
        ParamSpec::Float {
            low,
            high,
            log,
            step,
            default,
        } => {
            let p = FloatParam::new(low, high, log, step, default).map_err(invalid)?;
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
            let p = IntParam::new(low, high, log, step, default).map_err(invalid)?;
            entries.push(Entry {
                name: name.into(),
                param: Param::Int(p),
                condition,
            });
        }
        ParamSpec::Categorical {
            choices,
            default,
            branches,
        } => {
            let choices = choices
                .iter()
                .map(|c| {
                    Value::from_json(c)
                        .ok_or_else(|| invalid(format!("choice {c} is not a JSON scalar")))
                })
                .collect::<Result<Vec<_>>>()?;
            let default = match default {
                Some(d) => Some(
                    Value::from_json(&d)
                        .ok_or_else(|| invalid(format!("default {d} is not a JSON scalar")))?,
                ),
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
            for (key, sub) in &branches {
                let choice = keys.iter().position(|k| k == key).ok_or_else(|| {
                    invalid(format!(
                        "has a branch for '{key}', which is not one of its choices [{}]",
                        keys.join(", ")
                    ))
                })?;
                let path = format!("{shown}={key}/");
                read_object(sub, &path, Some(Condition { parent, choice }), entries)?;
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
            .contains("parameter 'x': low (1) must be less"));
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
