//! Opening the study a run works on.

use super::config::StudySpec;
use anyhow::{bail, Result};
use hyperspace_engine::{
    describe_kept, kept_settings, AskedSettings, Error, Storage, Study, StudyConfig,
};
use std::sync::Arc;

/// Opens the study `spec` names: an existing one is checked against what
/// the spec says (and its space grown to the spec's), a missing one is
/// created when the spec has a space.
///
/// The spec's pruner is stored with a new study. An existing study keeps
/// its stored pruner, but a run that names one (`--pruner`, `[pruner]`)
/// uses that one instead, for this run only: pruning is a policy of how
/// trials are run, not part of what the study is, so it may change
/// between runs (as a Python session may pass its own).
pub fn open_study(storage: Arc<dyn Storage>, spec: &StudySpec) -> Result<Study> {
    let registry = hyperspace_searchers::builtin_registry();
    if storage.find_study(&spec.name)?.is_none() {
        let Some(space) = &spec.space else {
            bail!(
                "no study named '{}' in {}; give a space (--space, or [space] in the experiment file) to create it",
                spec.name,
                storage.describe()
            );
        };
        let mut config = StudyConfig::new(&spec.name)
            .space(space.clone())
            .direction(spec.direction.unwrap_or_default());
        if !spec.objectives.is_empty() {
            config = config.objectives(spec.objectives.clone());
        }
        config.constraints = spec.constraints.clone();
        if let Some((name, settings)) = &spec.searcher {
            config = config.searcher(name, settings.clone());
        }
        if let Some(seed) = spec.seed {
            config = config.seed(seed);
        }
        if let Some((name, settings)) = &spec.pruner {
            config = config.pruner(name, settings.clone());
        }
        if let Some(reproducible) = spec.reproducible {
            config = config.reproducible(reproducible.lag);
        }
        match Study::create(storage.clone(), config, &registry) {
            Ok(study) => return Ok(study),
            Err(Error::StudyExists { .. }) => {} // another worker was first
            Err(e) => return Err(e.into()),
        }
    }
    let mut study = Study::load(storage, &spec.name, &registry)?;
    let stored = study.config().clone();
    if let Some(direction) = spec.direction {
        if direction != stored.primary_direction() {
            bail!(
                "study '{}' exists and is set to {}, not {direction}; use another study name",
                spec.name,
                stored.objectives_text()
            );
        }
    }
    if spec.objectives.len() > 1 && spec.objectives != stored.objectives {
        let asked = StudyConfig::new(&spec.name).objectives(spec.objectives.clone());
        bail!(
            "study '{}' exists with objectives {}, not {}; a study keeps its objectives (use another study name)",
            spec.name,
            stored.objectives_text(),
            asked.objectives_text()
        );
    }
    if let Some((name, settings)) = &spec.searcher {
        let asked = AskedSettings {
            searcher: Some(name.clone()),
            searcher_settings: Some(settings.clone()),
            seed: None,
        };
        let kept = kept_settings(&stored, &asked);
        if !kept.is_empty() {
            bail!(
                "study '{}' exists and keeps its {}; a study keeps its searcher (use another study name to try {name} {settings})",
                spec.name,
                describe_kept(&kept)
            );
        }
    }
    check_reproducible(spec, &stored)?;
    if let Some(space) = &spec.space {
        if space != study.space() {
            study.extend_space(space, false)?;
        }
    }
    if let Some((name, settings)) = &spec.pruner {
        study.set_pruner(Some(registry.build_pruner(name, settings)?));
    }
    Ok(study)
}

/// A `--reproducible` run of an existing study: the study must be
/// reproducible (a study keeps the setting it was created with), with the
/// lag given, if one was.
fn check_reproducible(spec: &StudySpec, stored: &StudyConfig) -> Result<()> {
    let Some(asked) = spec.reproducible else {
        return Ok(());
    };
    match stored.reproducible {
        None => bail!(
            "study '{}' exists and is not reproducible; a study keeps the setting it was created with (use another study name)",
            spec.name
        ),
        Some(has) if asked.given && has.lag != asked.lag => bail!(
            "study '{}' is reproducible with lag {}, not {}; every worker uses the study's lag (drop --lag, or use another study name)",
            spec.name,
            has.lag,
            asked.lag
        ),
        Some(_) => Ok(()),
    }
}
