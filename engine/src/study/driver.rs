//! [`Study`]: ask, tell, report, enqueue; the searcher sees the full
//! history, refreshed incrementally before every proposal.

use super::history::History;
use super::lease::{Leases, DEFAULT_LEASE};
use super::objectives::{check_objectives, pruner_refused};
use super::reproducible::{shared_names, Asking, DEFAULT_WAIT_TIMEOUT};
use super::Outcome;
use crate::seed::{trial_rng, trial_seed};
use crate::space::SpaceChange;
use crate::storage::{StudyRecord, TrialUpdate};
use crate::StudyConfig;
use crate::{
    Error, Metadata, NewTrial, Param, Params, Proposal, Pruner, Registry, Result, SearchContext,
    Searcher, Space, Storage, StudyId, Trial, TrialId, TrialState, Value,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How many times a proposal whose claim another worker took is retried.
pub(super) const CLAIM_RETRIES: usize = 64;

/// A study opened in a storage.
///
/// ```
/// use hyperspace_engine::{open_storage, Outcome, Registry, Space, Study, StudyConfig};
/// # use hyperspace_engine::{Proposal, SearchContext, Searcher, SearchError};
/// # #[derive(Debug)] struct Centre;
/// # impl Searcher for Centre {
/// #     fn sample_relative(&mut self, _: &SearchContext<'_>, space: &Space, _: &mut dyn rand::RngCore)
/// #         -> Result<Proposal, SearchError> {
/// #         Ok(Proposal::new(space.entries().iter().map(|e| (e.name.clone(), e.param.from_unit(0.5))).collect()))
/// #     }
/// # }
/// let mut registry = Registry::new();
/// registry.register("centre", |_| Ok(Box::new(Centre)));
/// let storage = open_storage(":memory:").unwrap();
/// let config = StudyConfig::new("demo")
///     .space(Space::parse("x=float(-5,5)").unwrap())
///     .searcher("centre", serde_json::Value::Null)
///     .seed(1);
/// let mut study = Study::create(storage, config, &registry).unwrap();
/// let trial = study.ask().unwrap();
/// let x = trial.params["x"].as_f64().unwrap();
/// study.tell(trial.id, Outcome::complete(x * x)).unwrap();
/// assert_eq!(study.best_trial().unwrap().unwrap().value, Some(0.0));
/// ```
#[derive(Debug)]
pub struct Study {
    pub(super) storage: Arc<dyn Storage>,
    pub(super) record: StudyRecord,
    pub(super) searcher: Box<dyn Searcher>,
    /// The pruner the study's configuration names (or a session's
    /// override, see [`Study::set_pruner`]); `None`: never prunes.
    pruner: Option<Box<dyn Pruner>>,
    pub(super) history: History,
    /// Relative proposals of open define-by-run trials, made at their first
    /// suggestion and used for the parameters they cover.
    relative: HashMap<TrialId, Params>,
    /// The leases of the running trials this study handed out.
    pub(super) leases: Leases,
    host: Option<String>,
    /// How long the blocking asks of a reproducible study wait.
    pub(super) wait_timeout: Duration,
    /// For a reproducible study, the registry its searcher is built anew
    /// from before every proposal, so that no state a searcher keeps
    /// between proposals (the GP's warm start) depends on the order in
    /// which workers asked.
    pub(super) rebuild: Option<Registry>,
}

impl Study {
    /// Creates a new study; fails if the name is taken.
    pub fn create(
        storage: Arc<dyn Storage>,
        config: StudyConfig,
        registry: &Registry,
    ) -> Result<Study> {
        config.validate()?;
        let searcher = registry.build(&config.searcher.name, &config.searcher.settings)?;
        check_objectives(&config, searcher.as_ref(), registry)?;
        let pruner = build_pruner(&config, registry)?;
        let record = storage.create_study(&config)?;
        Ok(Self::with(storage, record, searcher, pruner, registry))
    }

    /// Opens an existing study by name.
    pub fn load(storage: Arc<dyn Storage>, name: &str, registry: &Registry) -> Result<Study> {
        let record = storage
            .find_study(name)?
            .ok_or_else(|| Error::StudyNotFound {
                name: name.to_string(),
                storage: storage.describe(),
            })?;
        let searcher = registry.build(
            &record.config.searcher.name,
            &record.config.searcher.settings,
        )?;
        check_objectives(&record.config, searcher.as_ref(), registry)?;
        let pruner = build_pruner(&record.config, registry)?;
        Ok(Self::with(storage, record, searcher, pruner, registry))
    }

    /// Opens the study `config` names, creating it if it does not exist. An
    /// existing study keeps its seed and searcher; its direction must match,
    /// and its space may grow to `config.space` (see [`Study::extend_space`]).
    pub fn open(
        storage: Arc<dyn Storage>,
        config: StudyConfig,
        registry: &Registry,
    ) -> Result<Study> {
        if storage.find_study(&config.name)?.is_none() {
            match Study::create(storage.clone(), config.clone(), registry) {
                Err(Error::StudyExists { .. }) => {} // another process was first
                other => return other,
            }
        }
        let mut study = Study::load(storage, &config.name, registry)?;
        let (stored, asked) = (study.config().directions(), config.directions());
        if stored != asked {
            let list = |ds: &[crate::Direction]| {
                ds.iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(Error::InvalidStudy(format!(
                "study '{}' exists and is set to {}, not {}",
                config.name,
                list(&stored),
                list(&asked)
            )));
        }
        if config.reproducible.is_some() && study.config().reproducible != config.reproducible {
            return Err(Error::InvalidStudy(format!(
                "study '{}' exists {}, not reproducible with lag {}; a study keeps the setting it was created with",
                config.name,
                study
                    .config()
                    .reproducible
                    .map_or("and is not reproducible".to_string(), |r| format!(
                        "and is reproducible with lag {}",
                        r.lag
                    )),
                config.reproducible.map_or(0, |r| r.lag),
            )));
        }
        if !config.space.is_empty() && config.space != study.record.config.space {
            study.extend_space(&config.space, false)?;
        }
        Ok(study)
    }

    fn with(
        storage: Arc<dyn Storage>,
        record: StudyRecord,
        searcher: Box<dyn Searcher>,
        pruner: Option<Box<dyn Pruner>>,
        registry: &Registry,
    ) -> Study {
        let host = gethostname::gethostname().into_string().ok();
        // Only another process can find a trial abandoned; in memory there
        // is none.
        let lease = storage.is_shared().then_some(DEFAULT_LEASE);
        Study {
            leases: Leases::new(lease),
            storage,
            searcher,
            pruner,
            history: History::default(),
            relative: HashMap::new(),
            host,
            wait_timeout: DEFAULT_WAIT_TIMEOUT,
            rebuild: record.config.reproducible.map(|_| registry.clone()),
            record,
        }
    }

    /// The study's id in its storage.
    pub fn id(&self) -> StudyId {
        self.record.id
    }

    /// The study's name.
    pub fn name(&self) -> &str {
        &self.record.config.name
    }

    /// The study's configuration, as stored.
    pub fn config(&self) -> &StudyConfig {
        &self.record.config
    }

    /// The study's space (for define-by-run studies, what was met so far).
    pub fn space(&self) -> &Space {
        &self.record.config.space
    }

    /// The storage the study lives in.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// Every trial, refreshed from storage.
    pub fn trials(&mut self) -> Result<&[Trial]> {
        self.refresh()?;
        Ok(self.history.trials())
    }

    /// Whether the study's pruner stops trial `id` now, judged on the
    /// study's fresh history (with the intermediate values reported so
    /// far). Without a pruner: never, and without reading the storage.
    pub fn should_prune(&mut self, id: TrialId) -> Result<bool> {
        let Some(pruner) = self.pruner.take() else {
            return Ok(false);
        };
        let answer = self.should_prune_with(id, pruner.as_ref());
        self.pruner = Some(pruner);
        answer
    }

    /// Whether the study has a pruner (one its configuration names, or a
    /// session's override): callers that pay for reporting can skip
    /// asking when it has none.
    pub fn has_pruner(&self) -> bool {
        self.pruner.is_some()
    }

    /// The pruner [`Study::should_prune`] asks, if any.
    pub fn pruner(&self) -> Option<&dyn Pruner> {
        self.pruner.as_deref()
    }

    /// Replaces the pruner for this session only (the stored configuration
    /// keeps its own; `None`: never prune). This is how a run names a
    /// pruner for a study that exists already (`hyperspace run --pruner`,
    /// Python's `pruner=` when opening a study).
    pub fn set_pruner(&mut self, pruner: Option<Box<dyn Pruner>>) {
        self.pruner = pruner;
    }

    /// Whether `pruner` (rather than the study's own) stops trial `id` now,
    /// judged like [`Study::should_prune`].
    pub fn should_prune_with(&mut self, id: TrialId, pruner: &dyn Pruner) -> Result<bool> {
        if self.record.config.is_multi_objective() {
            return Err(pruner_refused(&self.record.config, pruner.name()));
        }
        let direction = self.record.config.primary_direction();
        let trials = self.trials()?;
        let trial = trials
            .iter()
            .find(|t| t.id == id)
            .ok_or(Error::TrialNotFound { id })?;
        Ok(pruner.should_prune(trial, trials, direction))
    }

    pub(super) fn refresh(&mut self) -> Result<()> {
        self.history.refresh(
            self.storage.as_ref(),
            self.record.id,
            &self.record.config.space,
        )?;
        for (id, decided) in &self.relative {
            self.history.overlay_pending(*id, decided);
        }
        Ok(())
    }

    pub(super) fn metadata(&self, number: Option<u64>) -> Metadata {
        let mut meta = Metadata {
            seed: number.map(|n| trial_seed(self.record.config.seed, n)),
            host: self.host.clone(),
            pid: Some(std::process::id()),
            started: Some(crate::now()),
            ..Metadata::default()
        };
        self.leases.stamp(&mut meta);
        meta
    }

    /// The lease this study's trials get: how long they may go without a
    /// heartbeat before another process presumes their worker dead, fails
    /// them and queues a copy. `None`: no heartbeats, and the trials are
    /// never recovered automatically.
    pub fn lease(&self) -> Option<Duration> {
        self.leases.lease()
    }

    /// Sets the lease of the trials asked from now on (see
    /// [`Study::lease`]). On by default ([`DEFAULT_LEASE`]) for storage
    /// shared between processes, off in memory. While this study is open, a
    /// background thread sends the heartbeats of the trials it handed out,
    /// until they are told or re-queued; `None` stops them.
    pub fn set_lease(&mut self, lease: Option<Duration>) {
        self.leases.set(lease, &self.storage);
    }

    /// Grows (or, with `force`, otherwise changes) the study's space. Older
    /// trials read as having had the defaults of added parameters.
    pub fn extend_space(&mut self, new: &Space, force: bool) -> Result<SpaceChange> {
        let name = self.record.config.name.clone();
        let has_trials = !self.trials()?.is_empty();
        let change = self
            .record
            .config
            .space
            .evolve_to(new, force || !has_trials, &name)?;
        let target = new.clone();
        let stored = self
            .storage
            .update_space(self.record.id, &|current: &Space| {
                // Check again against what is stored now: another process may
                // have changed it since this study was loaded.
                current.evolve_to(&target, force || !has_trials, &name)?;
                Ok(target.clone())
            })?;
        self.record.config.space = stored;
        self.history.reload(
            self.storage.as_ref(),
            self.record.id,
            &self.record.config.space,
        )?;
        Ok(change)
    }

    /// Starts a define-by-run trial: a queued one if there is one, else a new
    /// running trial with no parameters yet. Its parameters come from
    /// [`Study::suggest`]. A reproducible study first waits until the
    /// trials its proposals depend on are settled (up to
    /// [`Study::wait_timeout`]), so its suggestions never wait.
    pub fn ask_open(&mut self) -> Result<Trial> {
        self.waiting(Study::try_ask_open)
    }

    /// [`Study::ask_open`] that does not wait (see [`Study::try_ask`]).
    pub fn try_ask_open(&mut self) -> Result<Trial> {
        let trial = self.open_trial()?;
        self.leases.hold(trial.id, &self.storage);
        Ok(trial)
    }

    fn open_trial(&mut self) -> Result<Trial> {
        if let Some(queued) = self.claim_queued()? {
            if let Err(e) = self.lagged(queued.number, Asking::ByRun) {
                return Err(self.put_back(queued.id, e));
            }
            return Ok(queued);
        }
        let trial = match self.record.config.reproducible {
            None => self
                .storage
                .create_trial(self.record.id, &self.new_running())?,
            Some(_) => self.create_settled()?,
        };
        if !self.searcher.chooses_budgets() {
            return Ok(trial);
        }
        // A multi-fidelity searcher decides the budget (and whether this is
        // a promotion) now, so the caller knows it before any suggestion.
        match self.claim_relative(trial.id, trial.number) {
            Ok(relative) => {
                self.relative.insert(trial.id, relative);
                self.storage.trial(trial.id)
            }
            Err(e) => Err(self.fail_after(trial.id, e)),
        }
    }

    /// A new running trial of a reproducible study, created only for a
    /// number whose proposal can be made now ([`Error::NotReady`] if not):
    /// the number it will get is checked first, and the storage refuses
    /// the trial if another worker took that number meanwhile (then the
    /// next number is checked).
    fn create_settled(&mut self) -> Result<Trial> {
        loop {
            self.refresh()?;
            let expected = self.history.trials().last().map_or(0, |t| t.number + 1);
            self.lagged(expected, Asking::ByRun)?;
            let new = NewTrial {
                expect_number: Some(expected),
                ..self.new_running()
            };
            match self.storage.create_trial(self.record.id, &new) {
                Err(Error::NumberTaken { .. }) => continue,
                other => return other,
            }
        }
    }

    /// A running trial whose seed storage derives from the study's seed and
    /// the number it assigns.
    pub(super) fn new_running(&self) -> NewTrial {
        NewTrial {
            state: Some(TrialState::Running),
            meta: self.metadata(None),
            seed_base: Some(self.record.config.seed),
            ..NewTrial::default()
        }
    }

    /// The value of parameter `name` in a define-by-run trial: the value it
    /// already has (a queued trial, or a repeated call), else the searcher's.
    /// Parameters that every finished trial shares are proposed jointly, at
    /// the trial's first suggestion; others one by one. The value is
    /// recorded on the trial before it is returned.
    pub fn suggest(&mut self, id: TrialId, name: &str, param: &Param) -> Result<Value> {
        let value = self.decide(id, name, param)?;
        let mut params = Params::new();
        params.insert(name.to_string(), value.clone());
        self.record_params(id, params)?;
        Ok(value)
    }

    /// [`Study::suggest`] without recording the value: the caller records
    /// it later with [`Study::record_params`], together with the trial's
    /// other values (one storage write per trial instead of one per
    /// parameter; the Python binding does so at the trial's next report,
    /// pruning check or tell). Until then the value is visible to no other
    /// worker; a process killed meanwhile leaves the trial running without
    /// it, to be failed or re-queued when its lease runs out.
    pub fn decide(&mut self, id: TrialId, name: &str, param: &Param) -> Result<Value> {
        let trial = self.running_trial(id)?;
        // The study's space first: one definition per name, also when this
        // trial has a value already (a queued one, or a repeated call).
        if self
            .record
            .config
            .space
            .get(name)
            .is_none_or(|e| !e.param.same_distribution(param))
        {
            let (n, p) = (name.to_string(), param.clone());
            self.record.config.space = self
                .storage
                .update_space(self.record.id, &|s: &Space| s.with_param(&n, &p))?;
        }
        if let Some(existing) = trial.params.get(name) {
            return param
                .coerce(existing)
                .map_err(|reason| Error::InvalidConfig {
                    param: name.to_string(),
                    reason: reason.to_string(),
                });
        }
        self.make_proposal(&trial)?;
        let value = match self.relative.get(&id).and_then(|r| r.get(name)) {
            Some(v) => v.clone(),
            None => {
                let lagged = self.waiting(|s| {
                    s.refresh()?;
                    s.lagged(trial.number, Asking::ByRun)
                })?;
                self.fresh_searcher()?;
                let trials = lagged.as_deref().unwrap_or(self.history.trials());
                let ctx = context(&self.record, trials, trial.number);
                let mut rng = param_rng(self.record.config.seed, trial.number, name);
                let value = self
                    .searcher
                    .sample_independent(&ctx, name, param, &mut rng)?;
                // Kept with the proposal until recorded: asked again, the
                // trial gets the same value, and it counts as pending.
                let decided = self.relative.entry(id).or_default();
                decided.insert(name.to_string(), value.clone());
                self.history.overlay_pending(id, decided);
                value
            }
        };
        Ok(value)
    }

    /// Records values of a running define-by-run trial in one write: those
    /// [`Study::decide`] gave. Each must be a valid value of its parameter
    /// in the study's space.
    pub fn record_params(&mut self, id: TrialId, params: Params) -> Result<Trial> {
        let trial = self.running_trial(id)?;
        if params.is_empty() {
            return Ok(trial);
        }
        if params
            .keys()
            .any(|name| self.record.config.space.get(name).is_none())
        {
            // Suggested by another process of the study (a remote task of an
            // executor): its definition is in storage's copy of the space,
            // read (not rewritten) here.
            if let Some(stored) = self.storage.find_study(&self.record.config.name)? {
                if stored.id == self.record.id {
                    self.record.config.space = stored.config.space;
                }
            }
        }
        let space = &self.record.config.space;
        let params = params
            .into_iter()
            .map(|(name, value)| {
                let entry = space.get(&name).ok_or_else(|| Error::InvalidConfig {
                    param: name.clone(),
                    reason: "was not suggested in this study; suggest it first".into(),
                })?;
                match entry.param.coerce(&value) {
                    Ok(value) => Ok((name, value)),
                    Err(reason) => Err(Error::InvalidConfig {
                        param: name,
                        reason: reason.to_string(),
                    }),
                }
            })
            .collect::<Result<Params>>()?;
        self.storage.update_trial(
            id,
            &TrialUpdate::SetParams {
                params,
                budget: None,
                parent: None,
                claim: None,
            },
        )
    }

    /// The searcher's joint proposal for an open define-by-run trial, once
    /// its first parameter was decided: the values its later suggestions of
    /// those parameters (with the study's definitions) will get.
    pub fn proposed(&self, id: TrialId) -> Option<&Params> {
        self.relative.get(&id)
    }

    /// Makes the searcher's joint proposal for an open define-by-run trial
    /// now, as its first suggestion would (the value of a parameter it
    /// covers is then known before it is suggested), and returns it. A
    /// client that answers suggestions itself asks for it with the trial,
    /// as Optuna samples relative parameters when a trial starts.
    pub fn propose_open(&mut self, id: TrialId) -> Result<&Params> {
        let trial = self.running_trial(id)?;
        self.make_proposal(&trial)
    }

    /// The joint proposal of `trial`, made unless it has one.
    fn make_proposal(&mut self, trial: &Trial) -> Result<&Params> {
        if !self.relative.contains_key(&trial.id) {
            // Only a fresh trial takes what else the searcher chose: a
            // queued or re-queued one keeps its budget and parent, and its
            // fixed values could not be a promotion's anyway.
            let fresh = trial.params.is_empty() && trial.budget.is_none() && trial.parent.is_none();
            let relative = if fresh {
                self.claim_relative(trial.id, trial.number)?
            } else {
                self.relative_proposal(trial.number)?.params
            };
            self.history.overlay_pending(trial.id, &relative);
            self.relative.insert(trial.id, relative);
        }
        Ok(self.relative.entry(trial.id).or_default())
    }

    /// A trial of this study that has not finished.
    fn running_trial(&self, id: TrialId) -> Result<Trial> {
        let trial = self.storage.trial(id)?;
        self.check_mine(&trial)?;
        if trial.state.is_finished() {
            return Err(Error::TrialFinished {
                id,
                state: trial.state,
            });
        }
        Ok(trial)
    }

    /// The joint proposal for a fresh define-by-run trial. A searcher that
    /// chooses budgets also has its budget, the trial it continues and its
    /// claim key recorded on the trial at once (proposed anew, as `ask`
    /// does, while other workers hold the key). Other searchers' claims are
    /// dropped, as before: a grid point claimed by a trial that has none of
    /// its values yet would look free to the grid and taken to the storage.
    fn claim_relative(&mut self, id: TrialId, number: u64) -> Result<Params> {
        if !self.searcher.chooses_budgets() {
            return Ok(self.relative_proposal(number)?.params);
        }
        for _ in 0..CLAIM_RETRIES {
            let proposal = self.relative_proposal(number)?;
            if proposal.budget.is_none() && proposal.parent.is_none() && proposal.claim.is_none() {
                return Ok(proposal.params);
            }
            let update = TrialUpdate::SetParams {
                params: Params::new(),
                budget: proposal.budget,
                parent: proposal.parent,
                claim: proposal.claim,
            };
            match self.storage.update_trial(id, &update) {
                Err(Error::ClaimTaken { .. }) => continue,
                Err(e) => return Err(e),
                Ok(_) => return Ok(proposal.params),
            }
        }
        Err(claims_taken())
    }

    /// The searcher's joint proposal over the parameters every finished
    /// trial has (Optuna's intersection search space).
    fn relative_proposal(&mut self, number: u64) -> Result<Proposal> {
        let lagged = self.waiting(|s| {
            s.refresh()?;
            s.lagged(number, Asking::ByRun)
        })?;
        let shared: Vec<_> = if let Some(view) = &lagged {
            let cutoff = view.partition_point(|t| t.state.is_finished());
            let names = shared_names(&view[..cutoff], &self.record.config.space);
            self.record
                .config
                .space
                .entries()
                .iter()
                .filter(|e| names.contains(&e.name))
                .cloned()
                .collect()
        } else if self.history.finished() == 0 {
            Vec::new()
        } else {
            self.record
                .config
                .space
                .entries()
                .iter()
                .filter(|e| e.condition.is_none())
                .filter(|e| self.history.every_finished_has(&e.name))
                .cloned()
                .collect()
        };
        // With nothing shared there is nothing to model jointly; a searcher
        // that chooses budgets still proposes, over the empty space, to
        // give the trial its budget.
        if shared.is_empty() && !self.searcher.chooses_budgets() {
            return Ok(Proposal::default());
        }
        let relative_space = Space::from_entries(shared)?;
        self.fresh_searcher()?;
        let trials = lagged.as_deref().unwrap_or(self.history.trials());
        let ctx = context(&self.record, trials, number);
        let mut rng = trial_rng(self.record.config.seed, number);
        self.searcher
            .sample_relative(&ctx, &relative_space, &mut rng)
            .map_err(Error::from)
    }

    fn check_mine(&self, trial: &Trial) -> Result<()> {
        if trial.study != self.record.id {
            return Err(Error::WrongStudy { id: trial.id });
        }
        Ok(())
    }

    /// Records an intermediate value of a running trial.
    pub fn report(&self, id: TrialId, step: u64, value: f64) -> Result<Trial> {
        self.check_mine(&self.storage.trial(id)?)?;
        self.storage
            .update_trial(id, &TrialUpdate::Report { step, value })
    }

    /// Sets a user attribute on a trial.
    pub fn set_user_attr(&self, id: TrialId, key: &str, value: serde_json::Value) -> Result<Trial> {
        self.check_mine(&self.storage.trial(id)?)?;
        self.storage.update_trial(
            id,
            &TrialUpdate::UserAttr {
                key: key.to_string(),
                value,
            },
        )
    }

    /// Adds reproducibility metadata to a trial (code and data versions, the
    /// command line, ...).
    pub fn set_metadata(&self, id: TrialId, meta: Metadata) -> Result<Trial> {
        self.check_mine(&self.storage.trial(id)?)?;
        self.storage.update_trial(id, &TrialUpdate::Meta(meta))
    }

    /// Finishes a trial. A NaN or infinite value is refused, unless the
    /// outcome says to record it as a failure.
    pub fn tell(&mut self, id: TrialId, outcome: Outcome) -> Result<Trial> {
        self.check_mine(&self.storage.trial(id)?)?;
        let outcome = outcome.settle();
        self.check_outcome(id, &outcome)?;
        let update = TrialUpdate::Finish {
            state: outcome.state,
            values: outcome.values,
            constraints: outcome.constraints,
            metrics: outcome.metrics,
            message: outcome.message,
            finished: crate::now(),
        };
        let trial = self.storage.update_trial(id, &update)?;
        self.relative.remove(&id);
        self.leases.release(id);
        if trial.meta.late_result.is_some() {
            // The result is recorded: a failure to withdraw the copy must
            // not look like a failed tell (the copy, at worst, runs as a
            // re-run; recording the result again withdraws it then).
            let _ = self.withdraw_copies(&trial);
        }
        Ok(trial)
    }

    /// Puts a running trial back in the queue (its worker is stopping).
    pub fn requeue(&mut self, id: TrialId) -> Result<Trial> {
        self.check_mine(&self.storage.trial(id)?)?;
        self.relative.remove(&id);
        self.leases.release(id);
        self.storage.update_trial(id, &TrialUpdate::Requeue)
    }

    /// Queues a configuration; `ask` serves queued trials before asking the
    /// searcher. Parameters may be partial: the searcher fills in the rest.
    pub fn enqueue(&self, params: Params) -> Result<Trial> {
        self.enqueue_trial(NewTrial {
            params,
            ..NewTrial::default()
        })
    }

    /// Queues a trial with a budget, parent and attributes.
    pub fn enqueue_trial(&self, mut new: NewTrial) -> Result<Trial> {
        let space = &self.record.config.space;
        if !space.is_empty() {
            new.params = space.check_partial(&new.params)?;
        }
        new.state = Some(TrialState::Waiting);
        self.storage.create_trial(self.record.id, &new)
    }
}

/// Every proposal of a trial held a claim key another worker had taken.
pub(super) fn claims_taken() -> Error {
    Error::Storage(format!(
        "{CLAIM_RETRIES} proposals in a row were taken by other workers; the searcher may be out of points"
    ))
}

/// What the searcher sees of a study, for trial `number`. A free function
/// so the searcher can be borrowed mutably beside it.
pub(super) fn context<'a>(
    record: &'a StudyRecord,
    trials: &'a [Trial],
    number: u64,
) -> SearchContext<'a> {
    SearchContext {
        space: &record.config.space,
        trials,
        direction: record.config.primary_direction(),
        objectives: &record.config.objectives,
        study_seed: record.config.seed,
        trial_number: number,
    }
}

/// The stream of one define-by-run parameter's independent draw: derived
/// from the trial and the name, so the order of suggestions does not matter.
fn param_rng(study_seed: u64, number: u64, name: &str) -> ChaCha8Rng {
    // FNV-1a: stable across runs and platforms, unlike `DefaultHasher`.
    let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    ChaCha8Rng::seed_from_u64(trial_seed(trial_seed(study_seed, number), hash))
}

/// The pruner `config` names, built (and so validated) by `registry`;
/// refused for a study with several objectives.
fn build_pruner(config: &StudyConfig, registry: &Registry) -> Result<Option<Box<dyn Pruner>>> {
    if let (Some(spec), true) = (&config.pruner, config.is_multi_objective()) {
        return Err(pruner_refused(config, &spec.name));
    }
    config
        .pruner
        .as_ref()
        .map(|spec| registry.build_pruner(&spec.name, &spec.settings))
        .transpose()
}
