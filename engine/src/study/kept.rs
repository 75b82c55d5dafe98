//! What an opener asked for that an existing study does not have. A study
//! keeps the searcher, searcher settings and seed it was created with (its
//! trials were proposed under them); the CLI refuses a run that names other
//! ones, the Python package warns (as a ported Optuna script with
//! `load_if_exists=True, sampler=...` expects to be told, not ignored). The
//! comparison is the same for both, so it lives here.

use crate::StudyConfig;
use std::fmt;

/// The settings an opener gave explicitly; `None` where it gave none (a
/// setting not given is never "another one").
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AskedSettings {
    /// The searcher's registry name.
    pub searcher: Option<String>,
    /// The searcher's settings (`null` and `{}` both mean the defaults).
    pub searcher_settings: Option<serde_json::Value>,
    /// The seed.
    pub seed: Option<u64>,
}

/// One setting the study keeps although another was asked for, as text
/// for people ("searcher 'tpe' (not 'gp')").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptSetting {
    /// Which: `searcher`, `searcher settings` or `seed`.
    pub setting: &'static str,
    /// The study's own.
    pub stored: String,
    /// The one asked for.
    pub asked: String,
}

impl fmt::Display for KeptSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} (not {})", self.setting, self.stored, self.asked)
    }
}

/// What `asked` names differently from the stored configuration, in the
/// order searcher, settings, seed.
pub fn kept_settings(stored: &StudyConfig, asked: &AskedSettings) -> Vec<KeptSetting> {
    let mut kept = Vec::new();
    if let Some(name) = &asked.searcher {
        if *name != stored.searcher.name {
            kept.push(KeptSetting {
                setting: "searcher",
                stored: format!("'{}'", stored.searcher.name),
                asked: format!("'{name}'"),
            });
        }
    }
    if let Some(settings) = &asked.searcher_settings {
        if !same_settings(settings, &stored.searcher.settings) {
            kept.push(KeptSetting {
                setting: "searcher settings",
                stored: stored.searcher.settings.to_string(),
                asked: settings.to_string(),
            });
        }
    }
    if let Some(seed) = asked.seed {
        if seed != stored.seed {
            kept.push(KeptSetting {
                setting: "seed",
                stored: stored.seed.to_string(),
                asked: seed.to_string(),
            });
        }
    }
    kept
}

/// Equal settings, `null` and `{}` both being the defaults.
fn same_settings(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    a == b || (is_default(a) && is_default(b))
}

fn is_default(settings: &serde_json::Value) -> bool {
    settings.is_null() || settings.as_object().is_some_and(|o| o.is_empty())
}

/// The settings kept, as one phrase: "searcher 'tpe' (not 'gp'), seed 1
/// (not 2)".
pub fn describe_kept(kept: &[KeptSetting]) -> String {
    kept.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stored() -> StudyConfig {
        StudyConfig::new("s")
            .searcher("tpe", json!({"n_startup_trials": 5}))
            .seed(7)
    }

    #[test]
    fn nothing_asked_keeps_nothing() {
        assert!(kept_settings(&stored(), &AskedSettings::default()).is_empty());
    }

    #[test]
    fn the_same_settings_keep_nothing() {
        let asked = AskedSettings {
            searcher: Some("tpe".into()),
            searcher_settings: Some(json!({"n_startup_trials": 5})),
            seed: Some(7),
        };
        assert!(kept_settings(&stored(), &asked).is_empty());
    }

    #[test]
    fn null_and_empty_settings_are_the_same_defaults() {
        let config = StudyConfig::new("s").searcher("tpe", serde_json::Value::Null);
        let asked = AskedSettings {
            searcher_settings: Some(json!({})),
            ..AskedSettings::default()
        };
        assert!(kept_settings(&config, &asked).is_empty());
    }

    #[test]
    fn each_other_setting_is_named_in_order() {
        let asked = AskedSettings {
            searcher: Some("gp".into()),
            searcher_settings: Some(json!({})),
            seed: Some(8),
        };
        let kept = kept_settings(&stored(), &asked);
        assert_eq!(
            describe_kept(&kept),
            "searcher 'tpe' (not 'gp'), searcher settings {\"n_startup_trials\":5} (not {}), seed 7 (not 8)"
        );
    }
}
