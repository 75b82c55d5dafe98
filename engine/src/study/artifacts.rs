//! A study's artifact store, so Rust users reach a trial's folder through
//! the study instead of computing paths: [`Study::trial_artifact_dir`],
//! [`Study::log_artifact`], [`Study::record_artifacts`]. The mapping and
//! the scanning are [`crate::artifacts`]'s.

use super::Study;
use crate::artifacts::{self, Artifact, ARTIFACTS_ENV};
use crate::error::ArtifactError;
use crate::{Metadata, Result, TrialId};
use std::path::{Path, PathBuf};

impl Study {
    /// Uses `root` as the artifact store (as `--artifacts DIR` does),
    /// instead of [`ARTIFACTS_ENV`] or the storage's own.
    pub fn set_artifact_root(&mut self, root: impl Into<PathBuf>) {
        self.artifact_root = Some(root.into());
    }

    /// The artifact store: the one set by [`Study::set_artifact_root`], else
    /// [`ARTIFACTS_ENV`], else the storage's own (beside a SQLite file);
    /// [`ArtifactError::NoStore`] for a PostgreSQL study without one.
    pub fn artifact_root(&self) -> Result<PathBuf> {
        if let Some(root) = &self.artifact_root {
            return Ok(root.clone());
        }
        if let Some(dir) = std::env::var_os(ARTIFACTS_ENV).filter(|v| !v.is_empty()) {
            return Ok(PathBuf::from(dir));
        }
        self.storage.artifact_store().ok_or_else(|| {
            ArtifactError::NoStore {
                storage: self.storage.describe(),
            }
            .into()
        })
    }

    /// The artifact directory of trial `number` of this study (not
    /// created).
    pub fn trial_artifact_dir(&self, number: u64) -> Result<PathBuf> {
        Ok(artifacts::trial_artifact_dir(
            &self.artifact_root()?,
            self.name(),
            number,
        ))
    }

    /// Copies the file `path` into the artifact directory of the unfinished
    /// trial `id` and records what the directory holds with the trial; the
    /// artifact the file became. A finished trial is refused
    /// ([`Error::TrialFinished`]): its record is final.
    pub fn log_artifact(&self, id: TrialId, path: &Path) -> Result<Artifact> {
        let trial = self.running_trial(id)?;
        let dir = self.trial_artifact_dir(trial.number)?;
        let artifact = artifacts::copy_in(&dir, path)?;
        self.record_artifacts(id, &dir)?;
        Ok(artifact)
    }

    /// Scans `dir` (the trial's artifact directory, wherever the caller's
    /// store put it) and records what it holds with trial `id`; the list.
    /// An empty or absent directory records nothing.
    pub fn record_artifacts(&self, id: TrialId, dir: &Path) -> Result<Vec<Artifact>> {
        let found = artifacts::scan(dir)?;
        if !found.is_empty() {
            let meta = Metadata {
                artifacts: found.clone(),
                ..Metadata::default()
            };
            self.set_metadata(id, meta)?;
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use crate::storage::open_storage;
    use crate::{Error, Registry, Study, StudyConfig, TrialId};

    fn study(url: &str) -> Study {
        let storage = open_storage(url).unwrap();
        let config = StudyConfig::new("art")
            .space(crate::Space::parse("x=float(0,1)").unwrap())
            .searcher("centre", serde_json::Value::Null);
        let mut registry = Registry::new();
        registry.register("centre", |_| Ok(Box::new(Centre)));
        Study::create(storage, config, &registry).unwrap()
    }

    #[derive(Debug)]
    struct Centre;
    impl crate::Searcher for Centre {
        fn sample_relative(
            &mut self,
            _: &crate::SearchContext<'_>,
            space: &crate::Space,
            _: &mut dyn rand::RngCore,
        ) -> Result<crate::Proposal, crate::SearchError> {
            Ok(crate::Proposal::new(
                space
                    .entries()
                    .iter()
                    .map(|e| (e.name.clone(), e.param.from_unit(0.5)))
                    .collect(),
            ))
        }
    }

    #[test]
    fn log_artifact_copies_into_the_trials_folder_and_records_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("runs.db");
        let mut study = study(db.to_str().unwrap());
        let trial = study.ask().unwrap();
        let expected = dir.path().join("runs.db.artifacts/art/0");
        if std::env::var_os(crate::artifacts::ARTIFACTS_ENV).is_none() {
            assert_eq!(study.trial_artifact_dir(0).unwrap(), expected);
        }
        let explicit = dir.path().join("store");
        study.set_artifact_root(&explicit);
        assert_eq!(study.trial_artifact_dir(0).unwrap(), explicit.join("art/0"));

        let file = dir.path().join("model.bin");
        std::fs::write(&file, b"abc").unwrap();
        let artifact = study.log_artifact(trial.id, &file).unwrap();
        assert_eq!((artifact.path.as_str(), artifact.size), ("model.bin", 3));
        assert!(explicit.join("art/0/model.bin").is_file());
        let stored = study.storage().trial(trial.id).unwrap();
        assert_eq!(stored.meta.artifacts, vec![artifact]);

        study.tell(trial.id, crate::Outcome::complete(1.0)).unwrap();
        let err = study.log_artifact(trial.id, &file).unwrap_err();
        assert!(matches!(err, Error::TrialFinished { .. }), "{err}");
        let err = study.log_artifact(TrialId(99), &file).unwrap_err();
        assert!(matches!(err, Error::TrialNotFound { .. }), "{err}");
    }
}
