//! The engine's one trial loop (issue 11): budgets, parallel workers, the
//! failure limit, stop, timeout, results kept through a storage outage and
//! recorded later, recovery of abandoned trials, and a runner that panics.
//! The CLI and Python run on this loop; their own tests cover their
//! adapters.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::execute::{
    Asking, Event, Executor, Interrupt, StopReason, TrialContext, TrialRunner,
};
use hyperspace_engine::{
    open_storage, Metadata, NewTrial, Outcome, PendingResult, ResultJournal, Space, SqliteStorage,
    Storage, Study, StudyConfig, Trial, TrialState,
};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn config() -> StudyConfig {
    StudyConfig::new("e")
        .space(Space::parse("x=float(0,1)").unwrap())
        .searcher("random", serde_json::Value::Null)
        .seed(7)
}

fn shared(study: Study) -> Arc<Mutex<Study>> {
    Arc::new(Mutex::new(study))
}

fn memory_study() -> Arc<Mutex<Study>> {
    let registry = hyperspace_searchers::builtin_registry();
    shared(Study::create(open_storage(":memory:").unwrap(), config(), &registry).unwrap())
}

fn sqlite_study(path: &Path, busy: Duration) -> Arc<Mutex<Study>> {
    let registry = hyperspace_searchers::builtin_registry();
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open_with_timeout(path, busy).unwrap());
    shared(Study::open(storage, config(), &registry).unwrap())
}

fn trials(study: &Arc<Mutex<Study>>) -> Vec<Trial> {
    study.lock().unwrap().trials().unwrap().to_vec()
}

/// A runner whose trials take `pause`, return `value(trial)` and count
/// what they saw.
struct Runner {
    pause: Duration,
    fail: bool,
    runs: AtomicUsize,
    events: Mutex<Vec<Event>>,
    /// Stop the run from inside the n-th trial.
    stop_at: Option<usize>,
    interrupt: Mutex<Interrupt>,
}

impl Runner {
    fn new(pause: Duration) -> Self {
        Runner {
            pause,
            fail: false,
            runs: AtomicUsize::new(0),
            events: Mutex::new(Vec::new()),
            stop_at: None,
            interrupt: Mutex::new(Interrupt::None),
        }
    }

    fn recorded(&self) -> Vec<Trial> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                Event::Recorded { trial, .. } => Some(trial.clone()),
                _ => None,
            })
            .collect()
    }

    fn saw(&self, pick: impl Fn(&Event) -> bool) -> usize {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| pick(e))
            .count()
    }
}

impl TrialRunner for Runner {
    fn run(&self, trial: &Trial, ctx: &TrialContext<'_>) -> PendingResult {
        let n = self.runs.fetch_add(1, Ordering::SeqCst) + 1;
        if self.stop_at == Some(n) {
            ctx.stop(StopReason::Asked("enough".into()));
        }
        std::thread::sleep(self.pause);
        let outcome = if self.fail {
            Outcome::failed("broken objective")
        } else {
            Outcome::complete(trial.params["x"].as_f64().unwrap_or(f64::NAN))
        };
        PendingResult::finished("e", trial.id, trial.number, outcome)
    }

    fn event(&self, event: Event) {
        self.events.lock().unwrap().push(event);
    }

    fn interrupt(&self) -> Interrupt {
        *self.interrupt.lock().unwrap()
    }
}

#[test]
fn parallel_workers_run_the_budget_exactly_with_dense_numbers() {
    let study = memory_study();
    let runner = Arc::new(Runner::new(Duration::from_millis(5)));
    let report = Executor::new()
        .trials(Some(23))
        .jobs(4)
        .run(study.clone(), runner.clone());
    assert_eq!(report.ran, 23);
    assert!(report.error.is_none() && report.unrecorded.is_none() && report.stop.is_none());
    let all = trials(&study);
    let numbers: Vec<u64> = all.iter().map(|t| t.number).collect();
    assert_eq!(numbers, (0..23).collect::<Vec<_>>());
    assert!(all.iter().all(|t| t.state == TrialState::Complete));
    assert_eq!(runner.recorded().len(), 23);
    assert_eq!(runner.saw(|e| matches!(e, Event::Started(_))), 23);
}

#[test]
fn failures_in_a_row_stop_the_run() {
    let study = memory_study();
    let mut runner = Runner::new(Duration::ZERO);
    runner.fail = true;
    let report = Executor::new()
        .trials(Some(20))
        .max_failures(Some(3))
        .run(study.clone(), Arc::new(runner));
    assert_eq!(report.stop, Some(StopReason::Failures(3)));
    assert_eq!((report.ran, report.failed), (3, 3));
    assert_eq!(trials(&study).len(), 3);
    // Off: every trial runs.
    let study = memory_study();
    let mut runner = Runner::new(Duration::ZERO);
    runner.fail = true;
    let report = Executor::new()
        .trials(Some(12))
        .max_failures(None)
        .run(study.clone(), Arc::new(runner));
    assert_eq!((report.ran, report.failed, report.stop), (12, 12, None));
}

#[test]
fn a_stop_from_a_trial_lets_the_running_ones_end_and_starts_no_more() {
    let study = memory_study();
    let mut runner = Runner::new(Duration::from_millis(30));
    runner.stop_at = Some(4);
    let report = Executor::new()
        .trials(Some(50))
        .jobs(2)
        .run(study.clone(), Arc::new(runner));
    assert_eq!(report.stop, Some(StopReason::Asked("enough".into())));
    let all = trials(&study);
    // The 4th trial stopped it; the other worker's trial ran to its end.
    assert!((4..=5).contains(&all.len()), "{}", all.len());
    assert!(all.iter().all(|t| t.state == TrialState::Complete));
    assert_eq!(report.ran, all.len());
}

#[test]
fn a_stop_handle_works_from_outside_the_loop() {
    let study = memory_study();
    let executor = Executor::new().jobs(2);
    let handle = executor.stop_handle();
    let runner = Arc::new(Runner::new(Duration::from_millis(10)));
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        handle.stop(StopReason::Asked("from outside".into()))
    });
    let report = executor.run(study.clone(), runner);
    assert!(stopper.join().unwrap());
    assert_eq!(report.stop, Some(StopReason::Asked("from outside".into())));
    assert!(report.ran >= 2, "{}", report.ran);
    assert_eq!(trials(&study).len(), report.ran);
}

#[test]
fn the_timeout_starts_no_trial_after_it() {
    let study = memory_study();
    let runner = Arc::new(Runner::new(Duration::from_millis(40)));
    let started = Instant::now();
    let report = Executor::new()
        .timeout(Some(Duration::from_millis(300)))
        .run(study.clone(), runner);
    assert_eq!(report.stop, Some(StopReason::Timeout));
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!((3..=9).contains(&report.ran), "{}", report.ran);
}

#[test]
fn a_grid_that_runs_out_stops_the_run_and_writes_nothing_more() {
    let registry = hyperspace_searchers::builtin_registry();
    let config = StudyConfig::new("g")
        .space(Space::parse("x=choice(a,b,c)").unwrap())
        .searcher("grid", serde_json::Value::Null);
    let study =
        shared(Study::create(open_storage(":memory:").unwrap(), config, &registry).unwrap());
    struct Grid;
    impl TrialRunner for Grid {
        fn run(&self, trial: &Trial, _: &TrialContext<'_>) -> PendingResult {
            PendingResult::finished("g", trial.id, trial.number, Outcome::complete(1.0))
        }
    }
    let report = Executor::new()
        .trials(Some(10))
        .jobs(3)
        .run(study.clone(), Arc::new(Grid));
    assert!(
        matches!(report.stop, Some(StopReason::Exhausted(_))),
        "{:?}",
        report.stop
    );
    let all = trials(&study);
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|t| t.state == TrialState::Complete));
}

#[test]
fn define_by_run_trials_ask_the_study_for_their_parameters() {
    let study = memory_study();
    struct ByRun;
    impl TrialRunner for ByRun {
        fn run(&self, trial: &Trial, ctx: &TrialContext<'_>) -> PendingResult {
            let param = Space::parse("y=int(1,5)").unwrap().entries()[0]
                .param
                .clone();
            let y = ctx.study().suggest(trial.id, "y", &param).unwrap();
            let value = y.as_f64().unwrap();
            PendingResult::finished("e", trial.id, trial.number, Outcome::complete(value))
        }
    }
    let report = Executor::new()
        .trials(Some(5))
        .jobs(2)
        .asking(Asking::Open)
        .run(study.clone(), Arc::new(ByRun));
    assert_eq!(report.ran, 5);
    for t in trials(&study) {
        let y = t.params["y"].as_f64().unwrap();
        assert_eq!(t.value, Some(y));
        assert!(!t.params.contains_key("x"));
    }
}

#[test]
fn a_panicking_runner_fails_its_trial_and_stops_the_run() {
    let study = memory_study();
    struct Panics;
    impl TrialRunner for Panics {
        fn run(&self, _: &Trial, _: &TrialContext<'_>) -> PendingResult {
            panic!("bug in the runner")
        }
    }
    let report = Executor::new()
        .trials(Some(5))
        .run(study.clone(), Arc::new(Panics));
    assert!(
        matches!(&report.stop, Some(StopReason::Error(e)) if e.contains("bug in the runner")),
        "{:?}",
        report.stop
    );
    let all = trials(&study);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].state, TrialState::Failed);
    assert!(all[0]
        .message
        .as_deref()
        .unwrap()
        .contains("bug in the runner"));
}

/// Holds SQLite's write lock on `path` for `hold`, from another connection.
fn hold_write_lock(path: &Path, hold: Duration) -> std::thread::JoinHandle<()> {
    let path = path.to_path_buf();
    let (locked, wait) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
        locked.send(()).unwrap();
        std::thread::sleep(hold);
        conn.execute_batch("COMMIT").unwrap();
    });
    wait.recv().unwrap();
    holder
}

#[test]
fn results_wait_out_a_locked_database_and_none_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("runs.db");
    let study = sqlite_study(&db, Duration::from_millis(100));
    let journal_dir = dir.path().join("journal");
    // Trials take long enough that the lock comes while they run.
    let runner = Arc::new(Runner::new(Duration::from_millis(300)));
    let locker = {
        let db = db.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(150));
            hold_write_lock(&db, Duration::from_millis(1500))
                .join()
                .unwrap();
        })
    };
    let report = Executor::new()
        .trials(Some(6))
        .jobs(2)
        .journal(Some(ResultJournal::new(&journal_dir)))
        .run(study.clone(), runner.clone());
    locker.join().unwrap();
    assert!(
        report.unrecorded.is_none() && report.error.is_none(),
        "{report:?}"
    );
    assert_eq!(report.ran, 6);
    let all = trials(&study);
    assert_eq!(all.len(), 6);
    assert!(all.iter().all(|t| t.state == TrialState::Complete));
    assert!(runner.saw(|e| matches!(e, Event::StorageDown { .. })) >= 1);
    assert!(runner.saw(|e| matches!(e, Event::StorageBack(_))) >= 1);
    // Recorded results leave the journal.
    let left = ResultJournal::new(&journal_dir).pending().unwrap();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn results_past_the_patience_stay_in_the_journal_for_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("runs.db");
    let journal_dir = dir.path().join("journal");
    let study = sqlite_study(&db, Duration::from_millis(50));
    let runner = Arc::new(Runner::new(Duration::from_millis(200)));
    let locker = {
        let db = db.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(80));
            hold_write_lock(&db, Duration::from_millis(2500))
                .join()
                .unwrap();
        })
    };
    let report = Executor::new()
        .trials(Some(2))
        .jobs(2)
        .patience(Duration::from_millis(700))
        .journal(Some(ResultJournal::new(&journal_dir)))
        .run(study.clone(), runner);
    locker.join().unwrap();
    let unrecorded = report.unrecorded.expect("results past the patience");
    assert_eq!(unrecorded.count, 2);
    assert!(unrecorded.in_memory_only.is_empty());
    assert!(unrecorded.describe("run it again").contains("run it again"));
    assert_eq!(report.stop, Some(StopReason::StorageGone));
    // The next run records them first, as results of earlier workers.
    let next = Arc::new(Runner::new(Duration::ZERO));
    let report = Executor::new()
        .trials(Some(1))
        .journal(Some(ResultJournal::new(&journal_dir)))
        .run(study.clone(), next.clone());
    assert!(report.unrecorded.is_none());
    assert_eq!(next.saw(|e| matches!(e, Event::Adopting(2))), 1);
    assert_eq!(
        next.saw(|e| matches!(e, Event::Recorded { adopted: true, .. })),
        2
    );
    let all = trials(&study);
    assert_eq!(all.len(), 3);
    assert!(
        all.iter().all(|t| t.state == TrialState::Complete),
        "{all:?}"
    );
}

#[test]
fn a_dead_workers_trial_is_requeued_and_run_by_the_loop() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("runs.db");
    let study = sqlite_study(&db, Duration::from_secs(5));
    // A worker that died long ago: running, its last heartbeat old.
    let dead = {
        let s = study.lock().unwrap();
        let old = (chrono_like_old()).to_string();
        let trial = s
            .storage()
            .create_trial(
                s.id(),
                &NewTrial {
                    state: Some(TrialState::Running),
                    params: [("x".to_string(), 0.25.into())].into_iter().collect(),
                    meta: Metadata {
                        heartbeat: Some(old.clone()),
                        started: Some(old),
                        lease_secs: Some(1.0),
                        ..Metadata::default()
                    },
                    ..NewTrial::default()
                },
            )
            .unwrap();
        trial
    };
    let runner = Arc::new(Runner::new(Duration::ZERO));
    let report = Executor::new()
        .trials(Some(1))
        .recover_after(Some(Duration::from_secs(2)))
        .run(study.clone(), runner.clone());
    assert_eq!(report.ran, 1);
    assert_eq!(
        runner.saw(|e| matches!(e, Event::Requeued { original: 0, .. })),
        1
    );
    let all = trials(&study);
    assert_eq!(all[0].id, dead.id);
    assert_eq!(all[0].state, TrialState::Failed);
    // The copy ran first (queued before any new proposal), with its params.
    assert_eq!(all[1].parent, Some(dead.id));
    assert_eq!(all[1].state, TrialState::Complete);
    assert_eq!(all[1].value, Some(0.25));
}

/// A time well past any lease, as RFC 3339.
fn chrono_like_old() -> &'static str {
    "2020-01-01T00:00:00.000Z"
}

#[test]
fn abandoning_returns_at_once_and_the_late_result_is_still_recorded_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("runs.db");
    let study = sqlite_study(&db, Duration::from_secs(5));
    let runner = Arc::new(Runner::new(Duration::from_millis(800)));
    let executor = Executor::new().trials(Some(2)).jobs(2);
    let flag = runner.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        *flag.interrupt.lock().unwrap() = Interrupt::Abandon;
    });
    let started = Instant::now();
    let report = executor.run(study.clone(), runner.clone());
    assert!(
        started.elapsed() < Duration::from_millis(700),
        "{:?}",
        started.elapsed()
    );
    assert!(report.interrupted());
    // Given up: failed, each with a queued copy.
    let all = trials(&study);
    assert_eq!(
        all.iter().filter(|t| t.state == TrialState::Failed).count(),
        2
    );
    assert_eq!(
        all.iter()
            .filter(|t| t.state == TrialState::Waiting)
            .count(),
        2
    );
    // The detached workers still record their late results, which
    // withdraw the copies nobody started.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let all = trials(&study);
        let late = all.iter().filter(|t| t.meta.late_result.is_some()).count();
        if late == 2 {
            assert_eq!(
                all.iter()
                    .filter(|t| t.state == TrialState::Waiting)
                    .count(),
                0
            );
            assert_eq!(all.iter().filter(|t| t.value.is_some()).count(), 2);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "late results never came: {all:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
