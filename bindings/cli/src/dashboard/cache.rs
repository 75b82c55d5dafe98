//! What the dashboard remembers between requests: each study's trials,
//! brought up to date through the storage's change counter.
//!
//! A page polls every second or two; reading a 10,000-trial study whole on
//! every poll would cost a full table scan each time. Instead each study's
//! trials are kept here and refreshed with [`Storage::trials_since`], which
//! an index answers with nothing at all while the study is idle.

use anyhow::Result;
use hyperspace_engine::{Storage, StudyRecord, Trial};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// One study as last seen: its record, its trials by number, and the
/// highest change counter among them.
#[derive(Debug, Clone)]
pub struct StudyView {
    /// The study's record (configuration, id).
    pub record: StudyRecord,
    /// Every trial, ordered by number.
    pub trials: Vec<Trial>,
    /// The largest change counter seen; what the page passes as `since`.
    pub change: u64,
}

impl StudyView {
    fn empty(record: StudyRecord) -> StudyView {
        StudyView {
            record,
            trials: Vec::new(),
            change: 0,
        }
    }

    /// Folds changed trials in, keeping the order by number.
    fn merge(&mut self, changed: Vec<Trial>) {
        for trial in changed {
            self.change = self.change.max(trial.change);
            // Numbers are dense from 0, so the position is usually the
            // number itself; the search covers gaps (deleted rows).
            match self
                .trials
                .binary_search_by_key(&trial.number, |t| t.number)
            {
                Ok(i) => self.trials[i] = trial,
                Err(i) => self.trials.insert(i, trial),
            }
        }
    }

    /// The trial with this number.
    pub fn trial(&self, number: u64) -> Option<&Trial> {
        self.trials
            .binary_search_by_key(&number, |t| t.number)
            .ok()
            .map(|i| &self.trials[i])
    }
}

/// The storage and the studies read from it so far.
#[derive(Debug)]
pub struct Cache {
    storage: Arc<dyn Storage>,
    studies: Mutex<HashMap<String, StudyView>>,
}

impl Cache {
    /// An empty cache over `storage`.
    pub fn new(storage: Arc<dyn Storage>) -> Cache {
        Cache {
            storage,
            studies: Mutex::new(HashMap::new()),
        }
    }

    /// The storage.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, StudyView>> {
        // A panic while holding the lock leaves at worst a stale view,
        // which the next refresh repairs: keep serving.
        self.studies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Runs `read` on the study named `name`, brought up to date first:
    /// only the trials that changed since the last look are read. A study
    /// deleted and created again under the same name is read afresh.
    /// `None` when there is no such study.
    pub fn with_study<R>(
        &self,
        name: &str,
        read: impl FnOnce(&StudyView) -> R,
    ) -> Result<Option<R>> {
        let Some(record) = self.storage.find_study(name)? else {
            return Ok(None);
        };
        let since = match self.lock().get(name) {
            Some(view) if view.record.id == record.id => view.change,
            _ => 0,
        };
        // Read outside the lock: other studies' requests go on meanwhile.
        // Two refreshes racing merge the same rows twice, which is harmless.
        let changed = self.storage.trials_since(record.id, since)?;
        let mut studies = self.lock();
        let view = studies
            .entry(name.to_string())
            .or_insert_with(|| StudyView::empty(record.clone()));
        if view.record.id != record.id {
            *view = StudyView::empty(record.clone());
        }
        view.record = record;
        view.merge(changed);
        Ok(Some(read(view)))
    }
}
