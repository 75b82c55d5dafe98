//! Reproducible studies (issue 19): the proposal for trial k depends only
//! on the seed, k and the results of trials below k - lag, so the same
//! study run twice with three jobs, with trials that take other times in
//! each run, proposes the same parameters for every trial number. The CLI
//! (`run -j 3`, three `worker` processes) and Python have their own tests
//! of the same; these run the engine's loop directly.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::execute::{Asking, Executor, TrialContext, TrialRunner};
use hyperspace_engine::{
    open_storage, Error, FloatParam, Outcome, Param, Params, PendingResult, Space, Storage, Study,
    StudyConfig, Trial,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const TRIALS: usize = 15;
const JOBS: usize = 3;

fn config(searcher: &str, lag: Option<u32>) -> StudyConfig {
    let mut config = StudyConfig::new("r")
        .searcher(searcher, serde_json::json!({ "n_startup_trials": 4 }))
        .seed(19);
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

/// Runs trials that sleep, then score (x - 0.3)² + (y - 0.7)²; define-by-run
/// trials suggest x and y first.
struct Sleepy {
    salt: u64,
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
        let loss = (values[0] - 0.3).powi(2) + (values[1] - 0.7).powi(2);
        PendingResult::finished("r", trial.id, trial.number, Outcome::complete(loss))
    }
}

/// Runs a fresh study once and returns each trial's parameters by number.
fn run(config: StudyConfig, asking: Asking, salt: u64, queued: &[Params]) -> Vec<Params> {
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
        .trials(Some(TRIALS))
        .jobs(JOBS)
        .asking(asking)
        .run(study.clone(), Arc::new(Sleepy { salt }));
    assert!(report.error.is_none(), "{:?}", report.error);
    let mut study = study.lock().unwrap();
    let trials = study.trials().unwrap();
    assert_eq!(trials.len(), TRIALS);
    trials.iter().map(|t| t.params.clone()).collect()
}

/// The trial numbers whose parameters differ between two runs.
fn differing(a: &[Params], b: &[Params]) -> Vec<usize> {
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

#[test]
fn asking_waits_for_an_unfinished_trial_and_times_out_naming_it() {
    let registry = hyperspace_searchers::builtin_registry();
    let storage = open_storage(":memory:").unwrap();
    let mut study =
        Study::create(storage, config("tpe", Some(1)).space(space()), &registry).unwrap();
    let held = study.ask().unwrap();
    // Trial 1 needs nothing finished with lag 1; trial 2 needs trial 0.
    let _second = study.ask().unwrap();
    let not_yet = study.try_ask().unwrap_err();
    assert!(
        matches!(
            not_yet,
            Error::NotReady {
                trial: 2,
                waiting_for: 0,
                ..
            }
        ),
        "{not_yet}"
    );
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
        .run(Arc::new(Mutex::new(study)), Arc::new(Sleepy { salt: 0 }));
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
