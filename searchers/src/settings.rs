//! Reading a plug-in's JSON settings: unknown keys are errors, `null` means
//! the defaults.

use hyperspace_engine::{Bound, Error, Number, SearchError, SettingsError};
use hyperspace_surrogate::SurrogateError;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

/// Parses `settings` as `T`, `null` meaning the defaults; the error names
/// the setting at fault (serde's own message does not for a value of the
/// wrong type, e.g. "invalid value: integer `-1`, expected usize").
fn read<T: DeserializeOwned + Default>(settings: &serde_json::Value) -> Result<T, SettingsError> {
    let fields = match settings {
        serde_json::Value::Null => return Ok(T::default()),
        serde_json::Value::Object(fields) => fields,
        other => {
            return Err(SettingsError::NotAnObject {
                found: json_kind(other).into(),
            })
        }
    };
    let known = field_names::<T>();
    if let Some(unknown) = fields.keys().find(|key| !known.contains(&key.as_str())) {
        return Err(SettingsError::Unknown {
            setting: unknown.clone(),
            known: known.iter().map(|name| name.to_string()).collect(),
        });
    }
    T::deserialize(settings).map_err(|e| {
        // Every field has a default, so a setting given alone fails only
        // if it is the one at fault.
        let culprit = fields.iter().map(|(key, _)| key).find(|key| {
            let alone: serde_json::Map<_, _> = fields
                .iter()
                .filter(|(k, _)| k == key)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            T::deserialize(serde_json::Value::Object(alone)).is_err()
        });
        match culprit {
            Some(key) => SettingsError::WrongType {
                setting: key.clone(),
                reason: e.to_string(),
            },
            None => SettingsError::Refused {
                reason: e.to_string(),
            },
        }
    })
}

/// How a JSON value that is not an object is named in an error.
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The names of a settings struct's fields, as its derived `Deserialize`
/// declares them: asked of a deserializer that only records the list, so an
/// unknown key can be reported with the real settings beside it (serde's
/// message carries them only as text).
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Recorder<'a>(&'a mut &'static [&'static str]);

    impl<'de> Deserializer<'de> for Recorder<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields recorded"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
            enum identifier ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Recorder(&mut fields));
    fields
}

/// A searcher's settings error, naming the searcher.
pub(crate) fn invalid(searcher: &str) -> impl Fn(SettingsError) -> SearchError + '_ {
    move |error| SearchError::InvalidSettings {
        searcher: searcher.to_string(),
        error,
    }
}

/// A pruner's settings error, naming the pruner.
pub(crate) fn invalid_pruner(pruner: &str) -> impl Fn(SettingsError) -> Error + '_ {
    move |error| Error::InvalidPruner {
        pruner: pruner.to_string(),
        error,
    }
}

/// A rule of the surrogate library's own settings (a GP's fit, the
/// acquisition optimizer, a Parzen estimator), as a settings error.
pub(crate) fn model_rule(error: SurrogateError) -> SettingsError {
    match error {
        SurrogateError::InvalidSetting { name, reason } => SettingsError::Rule {
            setting: name.to_string(),
            rule: reason,
        },
        SurrogateError::InvalidPriorWeight { value } => {
            SettingsError::out_of_range("prior_weight", Bound::AtLeast(Number::Float(0.0)), value)
        }
        other => SettingsError::Refused {
            reason: other.to_string(),
        },
    }
}

/// Parses a searcher's `settings` as `T`, naming the searcher in the error.
pub(crate) fn parse<T: DeserializeOwned + Default>(
    searcher: &str,
    settings: &serde_json::Value,
) -> Result<T, SearchError> {
    read(settings).map_err(invalid(searcher))
}

/// Parses a pruner's `settings` as `T`, naming the pruner in the error.
pub(crate) fn parse_pruner<T: DeserializeOwned + Default>(
    pruner: &str,
    settings: &serde_json::Value,
) -> Result<T, Error> {
    read(settings).map_err(invalid_pruner(pruner))
}

#[cfg(test)]
mod tests {
    use crate::{MedianSettings, TpeSettings};
    use hyperspace_engine::{Error, SettingsError};

    fn median_error(settings: serde_json::Value) -> SettingsError {
        match super::parse_pruner::<MedianSettings>("median", &settings) {
            Err(Error::InvalidPruner { pruner, error }) => {
                assert_eq!(pruner, "median");
                error
            }
            other => panic!("{settings}: {other:?}"),
        }
    }

    /// A value of the wrong type is named by its setting.
    #[test]
    fn the_setting_at_fault_is_named() {
        let err = median_error(serde_json::json!({"n_warmup_steps": 2, "n_startup_trials": -1}));
        assert_eq!(err.setting(), Some("n_startup_trials"));
        assert!(matches!(err, SettingsError::WrongType { .. }), "{err:?}");
        assert!(err.to_string().starts_with("n_startup_trials: "), "{err}");
    }

    /// An unknown key is reported with the real settings beside it.
    #[test]
    fn an_unknown_setting_lists_the_known_ones() {
        let err = median_error(serde_json::json!({"warmup": 1}));
        let SettingsError::Unknown { setting, known } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(setting, "warmup");
        assert!(known.iter().any(|k| k == "n_warmup_steps"), "{known:?}");
        assert!(
            err.to_string()
                .starts_with("unknown setting `warmup`; the settings are: "),
            "{err}"
        );
        let tpe = super::field_names::<TpeSettings>();
        assert!(
            tpe.contains(&"gamma") && tpe.contains(&"constant_liar"),
            "{tpe:?}"
        );
    }

    /// Settings that are not an object say what they are.
    #[test]
    fn settings_must_be_an_object() {
        let err = median_error(serde_json::json!([1, 2]));
        assert_eq!(
            err,
            SettingsError::NotAnObject {
                found: "an array".into()
            }
        );
        assert_eq!(err.setting(), None);
    }
}
