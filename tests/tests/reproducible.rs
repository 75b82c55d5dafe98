//! Reproducible studies (issue 19): the proposal for trial k depends only
//! on the seed, k and the results of trials below k - lag, so the same
//! study run twice with three jobs, with trials that take other times in
//! each run, proposes the same parameters for every trial number: for TPE
//! and GP, CMA-ES generations, NSGA-II on two objectives and Hyperband
//! promotions, and with trials that fail or are pruned. The CLI (`run -j
//! 3`, three `worker` processes, on PostgreSQL too) and Python
//! (`optimize(n_jobs=3)`, Dask) have their own tests of the same; these run
//! the engine's loop directly.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::execute::{Asking, Executor, TrialContext, TrialRunner};
use hyperspace_engine::{
    open_storage, Direction, Error, FloatParam, NewTrial, Objective, Outcome, Param, Params,
    PendingResult, Space, Storage, Study, StudyConfig, Trial, TrialState,
};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TRIALS: usize = 15;
const JOBS: usize = 3;

fn config(searcher: &str, lag: Option<u32>) -> StudyConfig {
    let settings = match searcher {
        "tpe" | "gp" => json!({ "n_startup_trials": 4 }),
        "cmaes" => json!({ "population_size": 4 }),
        "nsga2" => json!({ "population_size": 6 }),
        "hyperband" => json!({ "min_budget": 1, "max_budget": 9, "reduction_factor": 3 }),
        other => panic!("no settings for {other}"),
    };
    let mut config = StudyConfig::new("r").searcher(searcher, settings).seed(19);
    config.reproducible = lag.map(|lag| hyperspace_engine::Reproducible { lag });
    config
}

fn space() -> Space {
    Space::parse("x=float(0,1) y=float(0,1)").unwrap()
}

/// A trial's pause, 0-100 ms, different for each `salt`: each run of a
/// study gets another order in which trials end.
fn pause(salt: u64, number: u64) -> Duration {
    let h = hyperspace_engine::trial_seed(salt, number);
    Duration::from_millis(h % 101)
}

/// Runs trials that sleep, then score (x - 0.3)² + (y - 0.7)² (plus
/// 1 / budget, when the trial has one); define-by-run trials suggest x and
/// y first. Whatever else a trial does is decided by its number and
/// parameters, never by time.
#[derive(Debug, Clone, Copy)]
struct Sleepy {
    salt: u64,
    /// Also scores x² + (y - 1)², a second objective.
    two_objectives: bool,
    /// Trials numbered 5 mod 7 fail; the others report three steps, and
    /// stop pruned when x > 0.75 or the study's pruner says so.
    fates: bool,
}

impl Sleepy {
    fn new(salt: u64) -> Self {
        Sleepy {
            salt,
            two_objectives: false,
            fates: false,
        }
    }
}

impl TrialRunner for Sleepy {
    fn run(&self, trial: &Trial, ctx: &TrialContext<'_>) -> PendingResult {
        let mut values = Vec::new();
        for name in ["x", "y"] {
            let value = match trial.params.get(name) {
                Some(v) => v.as_f64(),
                None => {
                    let param = Param::Float(FloatParam::new(0.0, 1.0, false, None, None).unwrap());
                    let suggested = ctx.study().suggest(trial.id, name, &param);
                    suggested.ok().and_then(|v| v.as_f64())
                }
            };
            values.push(value.unwrap_or(f64::NAN));
        }
        std::thread::sleep(pause(self.salt, trial.number));
        let (x, y) = (values[0], values[1]);
        let loss = (x - 0.3).powi(2) + (y - 0.7).powi(2) + trial.budget.map_or(0.0, |b| 1.0 / b);
        let finished = |outcome| PendingResult::finished("r", trial.id, trial.number, outcome);
        if self.fates {
            if trial.number % 7 == 5 {
                return finished(Outcome::failed("fails by its number"));
            }
            for step in 0..3u64 {
                let pruned = ctx.report(step, loss * (1.0 + 1.0 / (step + 1) as f64));
                if pruned || (step == 1 && x > 0.75) {
                    return finished(Outcome::pruned());
                }
            }
        }
        let outcome = match self.two_objectives {
            true => Outcome::complete_values(vec![loss, x.powi(2) + (y - 1.0).powi(2)]),
            false => Outcome::complete(loss),
        };
        finished(outcome)
    }
}

/// What a run decided for one trial number: its parameters, how it ended,
/// its budget, and the number of the trial it continues.
type Decided = (Params, TrialState, Option<f64>, Option<u64>);

/// Runs a fresh study once, `trials` trials of `runner` with three jobs,
/// and returns what each trial number got.
fn run_with(
    config: StudyConfig,
    asking: Asking,
    runner: Sleepy,
    trials: usize,
    queued: &[Params],
) -> Vec<Decided> {
    let registry = hyperspace_searchers::builtin_registry();
    let storage: Arc<dyn Storage> = open_storage(":memory:").unwrap();
    let config = match asking {
        Asking::Space => config.space(space()),
        _ => config,
    };
    let study = Study::create(storage, config, &registry).unwrap();
    for params in queued {
        study.enqueue(params.clone()).unwrap();
    }
    let study = Arc::new(Mutex::new(study));
    let report = Executor::new()
        .trials(Some(trials))
        .jobs(JOBS)
        .asking(asking)
        .max_failures(None)
        .run(study.clone(), Arc::new(runner));
    assert!(report.error.is_none(), "{:?}", report.error);
    let mut study = study.lock().unwrap();
    let all = study.trials().unwrap().to_vec();
    assert_eq!(all.len(), trials);
    decisions(&all)
}

/// What each trial of `all` got, by number.
fn decisions(all: &[Trial]) -> Vec<Decided> {
    let number_of = |id| all.iter().find(|t| t.id == id).map(|t| t.number);
    all.iter()
        .map(|t| {
            let parent = t.parent.map(|p| number_of(p).unwrap());
            (t.params.clone(), t.state, t.budget, parent)
        })
        .collect()
}

/// Runs a fresh study once ([`run_with`], 15 trials that only score) and
/// returns each trial's parameters by number.
fn run(config: StudyConfig, asking: Asking, salt: u64, queued: &[Params]) -> Vec<Params> {
    run_with(config, asking, Sleepy::new(salt), TRIALS, queued)
        .into_iter()
        .map(|d| d.0)
        .collect()
}

/// The trial numbers that got something else in two runs.
fn differing<T: PartialEq>(a: &[T], b: &[T]) -> Vec<usize> {
    (0..a.len().max(b.len()))
        .filter(|&i| a.get(i) != b.get(i))
        .collect()
}

fn check_reproduces(searcher: &str, asking: Asking) {
    let lag = Some(JOBS as u32);
    let first = run(config(searcher, lag), asking, 1, &[]);
    let second = run(config(searcher, lag), asking, 2, &[]);
    assert_eq!(
        differing(&first, &second),
        Vec::<usize>::new(),
        "{searcher} {asking:?}: trials whose parameters differ between two runs"
    );
}

/// Runs `config` twice with runners of different timings (`runner` with
/// salts 1 and 2), `trials` trials each; checks every trial number got the
/// same parameters, state, budget and parent, and returns the first run.
fn check_decisions_reproduce(
    config: impl Fn() -> StudyConfig,
    asking: Asking,
    runner: Sleepy,
    trials: usize,
) -> Vec<Decided> {
    let first = run_with(config(), asking, Sleepy { salt: 1, ..runner }, trials, &[]);
    let second = run_with(config(), asking, Sleepy { salt: 2, ..runner }, trials, &[]);
    let differ = differing(&first, &second);
    assert!(
        differ.is_empty(),
        "{asking:?}: trials {differ:?} differ between two runs:\n{first:?}\n{second:?}"
    );
    first
}

#[test]
fn tpe_define_and_run_reproduces_with_three_jobs() {
    check_reproduces("tpe", Asking::Space);
}

#[test]
fn gp_define_and_run_reproduces_with_three_jobs() {
    check_reproduces("gp", Asking::Space);
}

#[test]
fn tpe_define_by_run_reproduces_with_three_jobs() {
    check_reproduces("tpe", Asking::Open);
}

#[test]
fn gp_define_by_run_reproduces_with_three_jobs() {
    check_reproduces("gp", Asking::Open);
}

/// What the setting fixes: without it the same two runs part ways once the
/// model takes over (so the tests above can fail).
#[test]
fn without_the_setting_timing_changes_the_proposals() {
    let first = run(config("tpe", None), Asking::Space, 1, &[]);
    let second = run(config("tpe", None), Asking::Space, 2, &[]);
    let differ = differing(&first, &second);
    assert!(!differ.is_empty(), "the runs happened to agree");
    assert!(
        differ.iter().all(|&n| n >= 4),
        "start-up trials are seeded by number: {differ:?}"
    );
}

#[test]
fn queued_trials_are_run_and_the_rest_reproduces() {
    let queued: Vec<Params> = [0.1, 0.9]
        .iter()
        .map(|&x| Params::from_iter([("x".to_string(), x.into())]))
        .collect();
    let lag = Some(JOBS as u32);
    let first = run(config("tpe", lag), Asking::Space, 1, &queued);
    let second = run(config("tpe", lag), Asking::Space, 2, &queued);
    assert_eq!(first[0]["x"].as_f64(), Some(0.1));
    assert_eq!(first[1]["x"].as_f64(), Some(0.9));
    assert_eq!(differing(&first, &second), Vec::<usize>::new());
}

/// A TPE study over x and y with lag 1, in memory.
fn lag_one() -> Study {
    let registry = hyperspace_searchers::builtin_registry();
    let storage = open_storage(":memory:").unwrap();
    Study::create(storage, config("tpe", Some(1)).space(space()), &registry).unwrap()
}

/// Trial 2 of a study with lag 1 is not ready while trial 0 runs.
fn trial_2_waits_for_trial_0(study: &mut Study) {
    let not_yet = study.try_ask().unwrap_err();
    let expected = matches!(
        not_yet,
        Error::NotReady {
            trial: 2,
            waiting_for: 0,
            ..
        }
    );
    assert!(expected, "{not_yet}");
}

#[test]
fn asking_waits_for_an_unfinished_trial_and_times_out_naming_it() {
    let mut study = lag_one();
    let held = study.ask().unwrap();
    // Trial 1 needs nothing finished with lag 1; trial 2 needs trial 0.
    let _second = study.ask().unwrap();
    trial_2_waits_for_trial_0(&mut study);
    study.set_wait_timeout(Duration::from_millis(200));
    let started = std::time::Instant::now();
    let error = study.ask().unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(200));
    let message = error.to_string();
    assert!(
        matches!(
            error,
            Error::WaitTimeout {
                trial: 2,
                waiting_for: 0,
                ..
            }
        ),
        "{message}"
    );
    assert!(
        message.contains("waiting until trial 0 has finished"),
        "{message}"
    );
    assert!(message.contains("before proposing trial 2"), "{message}");
    // Once trial 0 has ended, trial 2 is proposed.
    study.tell(held.id, Outcome::complete(1.0)).unwrap();
    assert_eq!(study.ask().unwrap().number, 2);
}

#[test]
fn the_executor_gives_up_waiting_with_the_same_error() {
    let registry = hyperspace_searchers::builtin_registry();
    let storage = open_storage(":memory:").unwrap();
    let config = config("tpe", Some(0)).space(space());
    let mut other = Study::create(storage.clone(), config, &registry).unwrap();
    // Another worker holds trial 0 and never tells it.
    other.ask().unwrap();
    let mut study = Study::load(storage, "r", &registry).unwrap();
    study.set_wait_timeout(Duration::from_millis(300));
    let report = Executor::new()
        .trials(Some(2))
        .jobs(2)
        .run(Arc::new(Mutex::new(study)), Arc::new(Sleepy::new(0)));
    let error = report.error.expect("the run stops with an error");
    assert!(
        matches!(
            error,
            Error::WaitTimeout {
                trial: 1,
                waiting_for: 0,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(report.ran, 0);
}

/// CMA-ES: generations are read from trial numbers, and a generation is
/// told once its members have ended, which the lag fixes per number.
#[test]
fn cmaes_generations_reproduce_with_three_jobs() {
    for asking in [Asking::Space, Asking::Open] {
        let config = || config("cmaes", Some(JOBS as u32));
        check_decisions_reproduce(config, asking, Sleepy::new(0), 24);
    }
}

/// NSGA-II on two objectives: the population is ranked from the trials
/// the lag lets a proposal see.
#[test]
fn nsga2_with_two_objectives_reproduces_with_three_jobs() {
    let config = || {
        config("nsga2", Some(JOBS as u32)).objectives(vec![
            Objective::named("a", Direction::Minimize),
            Objective::named("b", Direction::Minimize),
        ])
    };
    let runner = Sleepy {
        two_objectives: true,
        ..Sleepy::new(0)
    };
    check_decisions_reproduce(config, Asking::Space, runner, 24);
}

/// Hyperband: which trial is promoted, to which budget, and by which trial
/// number is decided from the trials settled by number, the same in every
/// run (and the runs do promote).
#[test]
fn hyperband_promotions_reproduce_with_three_jobs() {
    for asking in [Asking::Space, Asking::Open] {
        let config = || config("hyperband", Some(JOBS as u32));
        let decided = check_decisions_reproduce(config, asking, Sleepy::new(0), 30);
        let promoted = decided.iter().filter(|d| d.3.is_some()).count();
        assert!(
            promoted >= 3,
            "{asking:?}: {promoted} promotions: {decided:?}"
        );
        assert!(decided.iter().any(|d| d.2 == Some(9.0)), "{decided:?}");
    }
}

/// Hyperband define-by-run: a trial is opened first and given its budget
/// and parent (a promotion) in a second write, which another process may
/// not have reached when the next trial is asked; the next trial waits
/// for it rather than decide its promotion without knowing.
#[test]
fn a_define_by_run_trial_waits_for_an_opened_trial_to_get_its_budget() {
    let registry = hyperspace_searchers::builtin_registry();
    let storage = open_storage(":memory:").unwrap();
    let mut study =
        Study::create(storage.clone(), config("hyperband", Some(2)), &registry).unwrap();
    // Another process has opened trial 0 and not written its budget yet.
    let opened = NewTrial {
        state: Some(TrialState::Running),
        ..NewTrial::default()
    };
    let other = storage.create_trial(study.id(), &opened).unwrap();
    let not_yet = study.try_ask_open().unwrap_err();
    assert!(
        matches!(
            &not_yet,
            Error::NotReady { trial: 1, waiting_for: 0, what, .. } if what == "has its budget"
        ),
        "{not_yet}"
    );
    // Once it has one, trial 1 is opened, with a budget of its own.
    let update = hyperspace_engine::TrialUpdate::SetParams {
        params: Params::new(),
        budget: Some(1.0),
        parent: None,
        claim: None,
        proposer: None,
    };
    storage.update_trial(other.id, &update).unwrap();
    let trial = study.try_ask_open().unwrap();
    assert_eq!(trial.number, 1);
    assert!(trial.budget.is_some(), "{trial:?}");
}

/// Failed trials (by number), trials pruned by their parameters, and trials
/// the median pruner stops (judged against the trials settled before them)
/// end the same way in every run, and the proposals after them match.
#[test]
fn failed_and_pruned_trials_reproduce_with_three_jobs() {
    for asking in [Asking::Space, Asking::Open] {
        let config = || {
            config("tpe", Some(JOBS as u32)).pruner(
                "median",
                json!({ "n_startup_trials": 2, "n_warmup_steps": 0 }),
            )
        };
        let runner = Sleepy {
            fates: true,
            ..Sleepy::new(0)
        };
        let decided = check_decisions_reproduce(config, asking, runner, 24);
        let count = |state| decided.iter().filter(|d| d.1 == state).count();
        assert!(count(TrialState::Failed) >= 3, "{decided:?}");
        assert!(count(TrialState::Pruned) >= 3, "{decided:?}");
        assert!(count(TrialState::Complete) >= 6, "{decided:?}");
    }
}

/// Queued trials with every value fixed are handed out by the lag too
/// (put back in the queue until then), so the pruner judges them, like
/// the others, against trials that have all ended.
#[test]
fn a_fully_queued_trial_waits_for_the_lag_like_the_others() {
    let mut study = lag_one();
    let fixed = Params::from_iter([("x".to_string(), 0.5.into()), ("y".to_string(), 0.5.into())]);
    for _ in 0..3 {
        study.enqueue(fixed.clone()).unwrap();
    }
    let held = study.try_ask().unwrap();
    study.try_ask().unwrap();
    trial_2_waits_for_trial_0(&mut study);
    study.tell(held.id, Outcome::complete(1.0)).unwrap();
    let third = study.try_ask().unwrap();
    assert_eq!((third.number, &third.params), (2, &fixed));
}
