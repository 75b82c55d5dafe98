//! [`Study`]: opening one, what it holds, and the history the searcher
//! sees, refreshed incrementally before every proposal. Its other jobs have
//! their own modules: asking (`ask`, `define_by_run`, `reproducible`),
//! writing to trials (`record`), pruning (`pruning`), recovering abandoned
//! trials (`recovery`).

use super::history::History;
use super::joint_space::SharedSpace;
use super::lease::{Leases, DEFAULT_LEASE};
use super::objectives::check_objectives;
use super::pruning::build_pruner;
use super::reproducible::DEFAULT_WAIT_TIMEOUT;
use crate::seed::trial_seed;
use crate::space::SpaceChange;
use crate::storage::StudyRecord;
use crate::StudyConfig;
use crate::StudyError;
use crate::{
    Error, Metadata, NewTrial, Params, Pruner, Registry, Result, SearchContext, Searcher, Space,
    Storage, StudyId, Trial, TrialId, TrialState,
};
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
    pub(super) pruner: Option<Box<dyn Pruner>>,
    pub(super) history: History,
    /// Relative proposals of open define-by-run trials, made at their first
    /// suggestion and used for the parameters they cover.
    pub(super) relative: HashMap<TrialId, Params>,
    /// Who made each of those proposals (see [`crate::Metadata::proposer`]),
    /// recorded with the trial's parameters.
    pub(super) proposers: HashMap<TrialId, String>,
    /// The shared parameters of the last define-by-run proposal.
    pub(super) shared_space: SharedSpace,
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
    /// The artifact store given explicitly ([`Study::set_artifact_root`]).
    pub(super) artifact_root: Option<std::path::PathBuf>,
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
        let mut study = Self::with(storage, record, searcher, pruner, registry);
        let history = study.objective_history()?;
        study
            .history
            .read_under(&study.record.config.objectives, history);
        Ok(study)
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
            return Err(StudyError::DirectionsDiffer {
                study: config.name.clone(),
                stored,
                asked,
            }
            .into());
        }
        if config.reproducible.is_some() && study.config().reproducible != config.reproducible {
            return Err(StudyError::ReproducibleDiffers {
                study: config.name.clone(),
                stored: study.config().reproducible.map(|r| r.lag),
                asked: config.reproducible.map_or(0, |r| r.lag),
            }
            .into());
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
            proposers: HashMap::new(),
            shared_space: SharedSpace::default(),
            host,
            wait_timeout: DEFAULT_WAIT_TIMEOUT,
            rebuild: record.config.reproducible.map(|_| registry.clone()),
            artifact_root: None,
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
