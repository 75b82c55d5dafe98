//! The in-memory back-end: for tests, benchmarks and throwaway studies.

use super::record::{check_number, new_trial, start_claimed};
use super::{Storage, StudyAttrs, StudyListing, StudyRecord, TrialUpdate};
use crate::{
    Error, Metadata, NewTrial, Objective, ObjectiveChange, Result, Space, StudyConfig, StudyId,
    Trial, TrialId, TrialState,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};

/// Studies and trials held in this process only.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    studies: BTreeMap<StudyId, MemStudy>,
    trial_index: HashMap<TrialId, (StudyId, usize)>,
    next_study: i64,
    next_trial: i64,
    change: u64,
}

#[derive(Debug)]
struct MemStudy {
    record: StudyRecord,
    attrs: StudyAttrs,
    /// The objectives it optimized before each retarget.
    objective_history: Vec<ObjectiveChange>,
    trials: Vec<Trial>,
    claims: HashSet<String>,
    /// Trial index by change counter, so `trials_since` costs what changed.
    by_change: BTreeMap<u64, usize>,
    /// Indices of waiting trials, oldest first.
    waiting: BTreeSet<usize>,
}

impl MemStudy {
    /// Puts `trial` at `index` (a new one at the end), keeping the indexes.
    fn store(&mut self, index: usize, trial: Trial) {
        if let Some(old) = self.trials.get(index) {
            self.by_change.remove(&old.change);
        }
        self.by_change.insert(trial.change, index);
        if trial.state == TrialState::Waiting {
            self.waiting.insert(index);
        } else {
            self.waiting.remove(&index);
        }
        if index == self.trials.len() {
            self.trials.push(trial);
        } else {
            self.trials[index] = trial;
        }
    }
}

impl MemoryStorage {
    /// An empty storage.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-applied change:
        // every change is computed on a copy and swapped in at the end.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Inner {
    fn study(&mut self, id: StudyId) -> Result<&mut MemStudy> {
        self.studies
            .get_mut(&id)
            .ok_or_else(|| Error::Storage(format!("study {} no longer exists", id.0)))
    }

    fn bump(&mut self) -> u64 {
        self.change += 1;
        self.change
    }
}

impl Storage for MemoryStorage {
    fn is_shared(&self) -> bool {
        false
    }

    fn describe(&self) -> String {
        "in-memory storage".into()
    }

    fn artifact_store(&self) -> Option<std::path::PathBuf> {
        Some(crate::artifacts::memory_store())
    }

    fn create_study(&self, config: &StudyConfig) -> Result<StudyRecord> {
        let mut inner = self.lock();
        if inner
            .studies
            .values()
            .any(|s| s.record.config.name == config.name)
        {
            return Err(Error::StudyExists {
                name: config.name.clone(),
                storage: self.describe(),
            });
        }
        inner.next_study += 1;
        let id = StudyId(inner.next_study);
        let record = StudyRecord {
            id,
            config: config.clone(),
            created: crate::now(),
        };
        inner.studies.insert(
            id,
            MemStudy {
                record: record.clone(),
                attrs: StudyAttrs::new(),
                objective_history: Vec::new(),
                trials: Vec::new(),
                claims: HashSet::new(),
                by_change: BTreeMap::new(),
                waiting: BTreeSet::new(),
            },
        );
        Ok(record)
    }

    fn find_study(&self, name: &str) -> Result<Option<StudyRecord>> {
        let inner = self.lock();
        Ok(inner
            .studies
            .values()
            .find(|s| s.record.config.name == name)
            .map(|s| s.record.clone()))
    }

    /// Records held here are never serialized, so none is damaged.
    fn list_studies(&self) -> Result<Vec<StudyListing>> {
        Ok(self
            .lock()
            .studies
            .values()
            .map(|s| StudyListing::Readable(s.record.clone()))
            .collect())
    }

    fn delete_study(&self, id: StudyId) -> Result<()> {
        let mut inner = self.lock();
        if let Some(study) = inner.studies.remove(&id) {
            for t in study.trials {
                inner.trial_index.remove(&t.id);
            }
        }
        Ok(())
    }

    fn study_attrs(&self, id: StudyId) -> Result<StudyAttrs> {
        Ok(self.lock().study(id)?.attrs.clone())
    }

    fn set_study_attr(&self, id: StudyId, key: &str, value: &serde_json::Value) -> Result<()> {
        let mut inner = self.lock();
        inner
            .study(id)?
            .attrs
            .insert(key.to_string(), value.clone());
        Ok(())
    }

    fn objective_history(&self, id: StudyId) -> Result<Vec<ObjectiveChange>> {
        Ok(self.lock().study(id)?.objective_history.clone())
    }

    fn retarget_study(
        &self,
        id: StudyId,
        objectives: &[Objective],
        at: &str,
        check: &dyn Fn(&StudyConfig) -> Result<()>,
    ) -> Result<StudyConfig> {
        let mut inner = self.lock();
        let study = inner.study(id)?;
        check(&study.record.config)?;
        let old = std::mem::replace(&mut study.record.config.objectives, objectives.to_vec());
        study.objective_history.push(ObjectiveChange {
            objectives: old,
            until: at.to_string(),
        });
        Ok(study.record.config.clone())
    }

    fn update_space(&self, id: StudyId, change: &dyn Fn(&Space) -> Result<Space>) -> Result<Space> {
        let mut inner = self.lock();
        let study = inner.study(id)?;
        let space = change(&study.record.config.space)?;
        study.record.config.space = space.clone();
        Ok(space)
    }

    fn create_trial(&self, study_id: StudyId, new: &NewTrial) -> Result<Trial> {
        let mut inner = self.lock();
        let number = inner.study(study_id)?.trials.len() as u64;
        check_number(new, number)?;
        // Built before anything changes, so a refused trial leaves no trace.
        let mut trial = new_trial(new, TrialId(0), study_id, number, 0)?;
        inner.next_trial += 1;
        let id = TrialId(inner.next_trial);
        let change = inner.bump();
        (trial.id, trial.change) = (id, change);
        let study = inner.study(study_id)?;
        if let Some(key) = &new.claim {
            if study.claims.contains(key) {
                return Err(Error::ClaimTaken { key: key.clone() });
            }
            study.claims.insert(key.clone());
        }
        let index = study.trials.len();
        study.store(index, trial.clone());
        inner.trial_index.insert(id, (study_id, index));
        Ok(trial)
    }

    fn claim_waiting(&self, study_id: StudyId, meta: &Metadata) -> Result<Option<Trial>> {
        let mut inner = self.lock();
        let change = inner.bump();
        let study = inner.study(study_id)?;
        let Some(&index) = study.waiting.first() else {
            return Ok(None);
        };
        let mut trial = study.trials[index].clone();
        start_claimed(&mut trial, meta, change)?;
        study.store(index, trial.clone());
        Ok(Some(trial))
    }

    fn update_trial(&self, id: TrialId, update: &TrialUpdate) -> Result<Trial> {
        let mut inner = self.lock();
        let (study_id, index) = *inner
            .trial_index
            .get(&id)
            .ok_or(Error::TrialNotFound { id })?;
        let change = inner.bump();
        let study = inner.study(study_id)?;
        let mut trial = study.trials[index].clone();
        update.apply(&mut trial)?;
        if let Some(key) = update.claim() {
            if !study.claims.insert(key.to_string()) {
                return Err(Error::ClaimTaken {
                    key: key.to_string(),
                });
            }
        }
        trial.change = change;
        study.store(index, trial.clone());
        Ok(trial)
    }

    fn trial(&self, id: TrialId) -> Result<Trial> {
        let inner = self.lock();
        let (study_id, index) = *inner
            .trial_index
            .get(&id)
            .ok_or(Error::TrialNotFound { id })?;
        inner
            .studies
            .get(&study_id)
            .map(|s| s.trials[index].clone())
            .ok_or(Error::TrialNotFound { id })
    }

    fn trials_since(&self, study: StudyId, since: u64) -> Result<Vec<Trial>> {
        let inner = self.lock();
        let study = inner
            .studies
            .get(&study)
            .ok_or_else(|| Error::Storage(format!("study {} no longer exists", study.0)))?;
        let mut changed: Vec<Trial> = study
            .by_change
            .range(since + 1..)
            .map(|(_, &i)| study.trials[i].clone())
            .collect();
        changed.sort_by_key(|t| t.number);
        Ok(changed)
    }
}
