//! A study's copy of its trials, kept current incrementally: each refresh
//! asks storage only for trials whose change counter moved past the last one
//! seen, so the cost of a refresh follows what changed, not how long the
//! history is.
//!
//! Beside the trials it keeps, for the finished ones (those with a value:
//! complete or pruned), how many there are and how many have each
//! parameter, updated as trials arrive or change state. A define-by-run
//! trial's jointly sampled space (the parameters every finished trial has)
//! then costs one look-up per parameter, not a scan of the history.

use crate::{
    Objective, ObjectiveChange, Params, Result, Space, Storage, StudyId, Trial, TrialId, TrialState,
};
use std::collections::HashMap;

#[derive(Debug, Default)]
pub(crate) struct History {
    /// Trials by number (numbers are dense from 0).
    trials: Vec<Trial>,
    /// Each trial's place in `trials`, by id: whether a trial is this
    /// study's, or where a running one is, is then one look-up however long
    /// the history (a tell asks it every trial).
    positions: HashMap<TrialId, usize>,
    /// The highest change counter seen.
    seen: u64,
    /// How many trials have a finished value.
    finished: usize,
    /// For each parameter name, how many trials with a finished value have it.
    finished_with: HashMap<String, usize>,
    /// For a retargeted study, its current objectives and the ones they
    /// replaced: trials are read under the current ones (see
    /// `crate::retarget`).
    retargeted: Option<(Vec<Objective>, Vec<ObjectiveChange>)>,
}

impl History {
    pub(crate) fn trials(&self) -> &[Trial] {
        &self.trials
    }

    /// Whether this copy holds a trial with this id (then it is a trial of
    /// this study).
    pub(crate) fn holds(&self, id: TrialId) -> bool {
        self.positions.contains_key(&id)
    }

    /// This copy's trial with this id.
    pub(crate) fn get(&self, id: TrialId) -> Option<&Trial> {
        self.positions.get(&id).and_then(|&n| self.trials.get(n))
    }

    fn get_mut(&mut self, id: TrialId) -> Option<&mut Trial> {
        self.positions
            .get(&id)
            .and_then(|&n| self.trials.get_mut(n))
    }

    /// How many trials are finished with a value (complete or pruned).
    pub(crate) fn finished(&self) -> usize {
        self.finished
    }

    /// Whether every trial finished with a value has parameter `name` (true
    /// when there is none).
    pub(crate) fn every_finished_has(&self, name: &str) -> bool {
        self.finished_with.get(name).copied().unwrap_or(0) == self.finished
    }

    /// Reads trials under `current` objectives given the study's objective
    /// `history` from now on (the caller reloads).
    pub(crate) fn read_under(&mut self, current: &[Objective], history: Vec<ObjectiveChange>) {
        self.retargeted = (!history.is_empty()).then(|| (current.to_vec(), history));
    }

    /// Fetches what changed and fills in defaults of parameters the space
    /// gained after a trial ran.
    pub(crate) fn refresh(
        &mut self,
        storage: &dyn Storage,
        study: StudyId,
        space: &Space,
    ) -> Result<()> {
        let changed = storage.trials_since(study, self.seen)?;
        for mut trial in changed {
            self.seen = self.seen.max(trial.change);
            self.read(&mut trial, space);
            if !self.put(trial) {
                // A gap means this copy missed trials: start over.
                return self.reload(storage, study, space);
            }
        }
        Ok(())
    }

    /// Fills in, on the copy of running trial `id`, values this process has
    /// decided for it but not yet written (the searcher's joint proposal,
    /// independent samples): proposals made meanwhile then see it as a
    /// pending trial at the point it is going to run, as they would if each
    /// value had been written when decided, so parallel trials of one
    /// process are not all sent to the same point. The copy is replaced by
    /// storage's when the trial next changes there.
    pub(crate) fn overlay_pending(&mut self, id: TrialId, decided: &Params) {
        let Some(trial) = self.get_mut(id) else {
            return;
        };
        if trial.state != TrialState::Running {
            return;
        }
        if trial.params.is_empty() {
            // A fresh trial (the usual case): one copy, not a hash per name
            // (as `storage::update`'s `add_params` does).
            trial.params.clone_from(decided);
            return;
        }
        for (name, value) in decided {
            if !trial.params.contains_key(name) {
                trial.params.insert(name.clone(), value.clone());
            }
        }
    }

    /// Puts a trial in its place by number, replacing the copy there and
    /// updating the counts; false (and nothing changes) if that would leave
    /// a gap.
    fn put(&mut self, trial: Trial) -> bool {
        let n = trial.number as usize;
        if n > self.trials.len() {
            return false;
        }
        if let Some(old) = self.trials.get(n).filter(|old| old.id != trial.id) {
            // Another trial under this number (an id storage gave out again
            // after a study was deleted): its id no longer names one here.
            self.positions.remove(&old.id);
        }
        self.positions.insert(trial.id, n);
        if n < self.trials.len() {
            self.count(n, Sign::Remove);
            self.trials[n] = trial;
        } else {
            self.trials.push(trial);
        }
        self.count(n, Sign::Add);
        true
    }

    /// Drops the copy and reads everything again (after the space changed).
    pub(crate) fn reload(
        &mut self,
        storage: &dyn Storage,
        study: StudyId,
        space: &Space,
    ) -> Result<()> {
        *self = History {
            retargeted: self.retargeted.take(),
            ..History::default()
        };
        let all = storage.trials_since(study, 0)?;
        for mut trial in all {
            self.seen = self.seen.max(trial.change);
            self.read(&mut trial, space);
            self.positions.insert(trial.id, self.trials.len());
            self.trials.push(trial);
            self.count(self.trials.len() - 1, Sign::Add);
        }
        Ok(())
    }

    /// A trial as the study sees it: against its space, and under its
    /// current objectives.
    fn read(&self, trial: &mut Trial, space: &Space) {
        read_against(trial, space);
        if let Some((current, history)) = &self.retargeted {
            crate::retarget::read_under(trial, current, history);
        }
    }

    /// Adds trial `n` to the finished counts, or takes it out, if it has a
    /// finished value.
    fn count(&mut self, n: usize, sign: Sign) {
        let trial = &self.trials[n];
        if trial.finished_value().is_none() {
            return;
        }
        match sign {
            Sign::Add => {
                self.finished += 1;
                for name in trial.params.keys() {
                    match self.finished_with.get_mut(name) {
                        Some(count) => *count += 1,
                        None => {
                            self.finished_with.insert(name.clone(), 1);
                        }
                    }
                }
            }
            Sign::Remove => {
                self.finished -= 1;
                for name in trial.params.keys() {
                    if let Some(count) = self.finished_with.get_mut(name) {
                        *count -= 1;
                        if *count == 0 {
                            self.finished_with.remove(name);
                        }
                    }
                }
            }
        }
    }
}

/// Fills in defaults of parameters the space gained after `trial` ran,
/// and quarantines it if it holds a value the space does not admit (a
/// damaged row): the searcher and `best` never see such a value.
fn read_against(trial: &mut Trial, space: &Space) {
    if trial.params.is_empty() {
        return;
    }
    space.fill_defaults(&mut trial.params);
    if let Some(reason) = space.invalid_value(&trial.params) {
        trial.quarantine(reason);
    }
}

#[derive(Clone, Copy)]
enum Sign {
    Add,
    Remove,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MemoryStorage, NewTrial, Params, StudyConfig, TrialId, TrialState, TrialUpdate};

    /// The counts must say what a scan of the copy says, for every name,
    /// and each trial be found by its id.
    fn check(h: &History, names: &[&str]) {
        assert_eq!(h.positions.len(), h.trials().len(), "one place per trial");
        for t in h.trials() {
            assert!(h.holds(t.id));
            assert_eq!(h.get(t.id).map(|found| found.number), Some(t.number));
        }
        let finished: Vec<&Trial> = h
            .trials()
            .iter()
            .filter(|t| t.finished_value().is_some())
            .collect();
        assert_eq!(h.finished(), finished.len(), "finished count");
        for name in names {
            let scan = finished.iter().all(|t| t.params.contains_key(*name));
            assert_eq!(h.every_finished_has(name), scan, "parameter {name}");
        }
    }

    fn params(names: &[&str]) -> Params {
        names.iter().map(|n| (n.to_string(), 0.5.into())).collect()
    }

    fn set(storage: &MemoryStorage, id: TrialId, names: &[&str]) {
        let update = TrialUpdate::SetParams {
            params: params(names),
            budget: None,
            parent: None,
            claim: None,
            proposer: None,
        };
        storage.update_trial(id, &update).unwrap();
    }

    fn finish(storage: &MemoryStorage, id: TrialId, state: TrialState, value: Option<f64>) {
        let update = TrialUpdate::Finish {
            params: Default::default(),
            proposer: None,
            state,
            values: value.into_iter().collect(),
            constraints: Vec::new(),
            metrics: Default::default(),
            message: None,
            finished: crate::now(),
        };
        storage.update_trial(id, &update).unwrap();
    }

    /// A new trial with parameters `names`, complete with value 1.
    fn complete_trial(storage: &MemoryStorage, study: StudyId, names: &[&str]) -> Trial {
        let id = storage
            .create_trial(study, &NewTrial::default())
            .unwrap()
            .id;
        set(storage, id, names);
        finish(storage, id, TrialState::Complete, Some(1.0));
        storage.trial(id).unwrap()
    }

    #[test]
    fn finished_counts_follow_trials_through_their_states() {
        let storage = MemoryStorage::new();
        let study = storage.create_study(&StudyConfig::new("s")).unwrap().id;
        let space = Space::parse("x=float(0,1) y=float(0,1) z=float(0,1)").unwrap();
        let names = ["x", "y", "z", "never"];
        let mut h = History::default();
        let refresh = |h: &mut History| {
            h.refresh(&storage, study, &space).unwrap();
            check(h, &names);
        };
        refresh(&mut h);
        assert!(h.every_finished_has("x"), "true with no finished trial");

        // Running trials do not count, however many parameters they have.
        let running = NewTrial::default();
        let a = storage.create_trial(study, &running).unwrap().id;
        set(&storage, a, &["x", "y"]);
        refresh(&mut h);
        assert_eq!(h.finished(), 0);

        // running -> complete: counted with its parameters.
        finish(&storage, a, TrialState::Complete, Some(1.0));
        refresh(&mut h);
        assert!(h.every_finished_has("x") && h.every_finished_has("y"));
        assert!(!h.every_finished_has("z"));

        // A failed trial (no value) does not narrow the shared space.
        let b = storage.create_trial(study, &running).unwrap().id;
        finish(&storage, b, TrialState::Failed, None);
        refresh(&mut h);
        assert_eq!(h.finished(), 1);
        assert!(h.every_finished_has("y"));

        // A pruned trial with a value does, with only `x`.
        let c = storage.create_trial(study, &running).unwrap().id;
        set(&storage, c, &["x"]);
        finish(&storage, c, TrialState::Pruned, Some(2.0));
        refresh(&mut h);
        assert_eq!(h.finished(), 2);
        assert!(h.every_finished_has("x") && !h.every_finished_has("y"));

        // running -> requeued (waiting) -> running again -> complete, with
        // parameters added between refreshes: counted once, at the end.
        let d = storage.create_trial(study, &running).unwrap().id;
        set(&storage, d, &["x", "z"]);
        refresh(&mut h);
        storage.update_trial(d, &TrialUpdate::Requeue).unwrap();
        refresh(&mut h);
        let claimed = storage
            .claim_waiting(study, &Default::default())
            .unwrap()
            .unwrap();
        assert_eq!(claimed.id, d);
        set(&storage, d, &["y"]);
        refresh(&mut h);
        assert_eq!(h.finished(), 2);
        finish(&storage, d, TrialState::Complete, Some(0.5));
        refresh(&mut h);
        assert_eq!(h.finished(), 3);
        assert!(h.every_finished_has("x") && !h.every_finished_has("z"));

        // Several changes to one trial seen in a single refresh.
        let e = storage.create_trial(study, &running).unwrap().id;
        set(&storage, e, &["x"]);
        finish(&storage, e, TrialState::Complete, Some(3.0));
        refresh(&mut h);
        assert_eq!(h.finished(), 4);

        // Reloading from scratch gives the same counts.
        let before: Vec<bool> = names.iter().map(|n| h.every_finished_has(n)).collect();
        h.reload(&storage, study, &space).unwrap();
        check(&h, &names);
        let after: Vec<bool> = names.iter().map(|n| h.every_finished_has(n)).collect();
        assert_eq!((before, h.finished()), (after, 4));
    }

    /// Storage never changes a finished trial, but the copy must stay right
    /// whatever replaces what: a finished trial replaced by one with other
    /// parameters, by a running one, and a gap refused.
    #[test]
    fn replacing_a_finished_trial_takes_its_counts_out() {
        let storage = MemoryStorage::new();
        let study = storage.create_study(&StudyConfig::new("s")).unwrap().id;
        let names = ["x", "y", "z"];
        let mut h = History::default();
        let mut trials = Vec::new();
        for _ in 0..2 {
            trials.push(complete_trial(&storage, study, &["x", "y"]));
        }
        for t in &trials {
            assert!(h.put(t.clone()));
        }
        check(&h, &names);
        assert!(h.every_finished_has("y"));

        let mut other = trials[1].clone();
        other.params = params(&["x", "z"]);
        assert!(h.put(other.clone()));
        check(&h, &names);
        assert!(h.every_finished_has("x") && !h.every_finished_has("y"));
        assert!(!h.every_finished_has("z"));

        other.state = TrialState::Running;
        assert!(h.put(other.clone()));
        check(&h, &names);
        assert_eq!(h.finished(), 1);
        assert!(h.every_finished_has("y") && !h.every_finished_has("z"));

        // Another id under the same number: the old id names nothing here.
        let mut stranger = other.clone();
        stranger.id = TrialId(other.id.0 + 1000);
        assert!(h.put(stranger.clone()));
        check(&h, &names);
        assert!(!h.holds(other.id) && h.holds(stranger.id));
        assert!(h.put(other.clone()));
        check(&h, &names);
        assert!(!h.holds(stranger.id));

        other.number = 5;
        assert!(!h.put(other), "a gap is refused");
        assert_eq!((h.trials().len(), h.finished()), (2, 1));
        check(&h, &names);
        assert!(!h.holds(TrialId(trials[1].id.0 + 100)));
    }

    #[test]
    fn a_parameter_filled_in_by_its_default_counts_after_a_reload() {
        let storage = MemoryStorage::new();
        let study = storage.create_study(&StudyConfig::new("s")).unwrap().id;
        let mut h = History::default();
        for _ in 0..3 {
            complete_trial(&storage, study, &["x"]);
        }
        let space = Space::parse("x=float(0,1)").unwrap();
        h.refresh(&storage, study, &space).unwrap();
        assert!(!h.every_finished_has("w"));
        // The space gains `w` with a default: every older trial had it.
        let grown = Space::parse("x=float(0,1) w=float(0,1,default=0.5)").unwrap();
        h.reload(&storage, study, &grown).unwrap();
        check(&h, &["x", "w"]);
        assert!(h.every_finished_has("w"));
        assert_eq!(h.finished(), 3);
    }
}
