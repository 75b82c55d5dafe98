//! Leases and late results (issue 11): a running trial is held by its
//! worker's heartbeats, not by its calls into the study; a trial that holds
//! no lease is never failed for silence; a trial presumed dead still takes
//! its worker's late result, and the copy queued for it is withdrawn if it
//! has not started. On SQLite and on PostgreSQL.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{
    open_storage, Error, Outcome, SearchError, Space, Storage, Study, StudyConfig, TrialState,
};
use hyperspace_tests::TestDatabase;
use std::sync::Arc;
use std::time::Duration;

/// Runs `scenario` on a fresh SQLite file and, when a test server is set,
/// on a fresh PostgreSQL database.
fn on_every_shared_storage(test: &str, scenario: fn(Arc<dyn Storage>, Arc<dyn Storage>)) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leases.db");
    let file = file.to_str().unwrap();
    scenario(open_storage(file).unwrap(), open_storage(file).unwrap());
    if let Some(db) = TestDatabase::create(test) {
        scenario(
            open_storage(db.url()).unwrap(),
            open_storage(db.url()).unwrap(),
        );
    }
}

fn study(storage: Arc<dyn Storage>, searcher: &str, space: &str) -> Study {
    let registry = hyperspace_searchers::builtin_registry();
    let config = StudyConfig::new("l")
        .space(Space::parse(space).unwrap())
        .searcher(searcher, serde_json::Value::Null)
        .seed(3);
    Study::open(storage, config, &registry).unwrap()
}

#[test]
fn issue_11_a_trial_outlives_any_silence_of_its_caller_while_its_worker_lives() {
    on_every_shared_storage(
        "issue_11_a_trial_outlives_any_silence_of_its_caller_while_its_worker_lives",
        |a, b| {
            let mut worker = study(a, "random", "x=float(0,1)");
            worker.set_lease(Some(Duration::from_millis(600)));
            let trial = worker.ask().unwrap();
            assert_eq!(trial.meta.lease_secs, Some(0.6));
            // A new pace for later trials keeps this one's heartbeats going.
            worker.set_lease(Some(Duration::from_millis(500)));
            // The objective runs for well over the lease without a call
            // into the study; the heartbeat thread keeps the lease.
            std::thread::sleep(Duration::from_millis(1800));
            let mut other = study(b, "random", "x=float(0,1)");
            assert!(other
                .recover_stale(Duration::from_millis(50))
                .unwrap()
                .is_empty());
            let told = worker.tell(trial.id, Outcome::complete(0.5)).unwrap();
            assert_eq!(told.state, TrialState::Complete);
        },
    );
}

#[test]
fn issue_11_a_trial_without_a_lease_is_never_failed_for_silence() {
    on_every_shared_storage(
        "issue_11_a_trial_without_a_lease_is_never_failed_for_silence",
        |a, b| {
            // As `hyperspace suggest` does: the process ends before the trial.
            let mut asker = study(a, "random", "x=float(0,1)");
            asker.set_lease(None);
            let trial = asker.ask().unwrap();
            assert_eq!(trial.meta.heartbeat, None);
            drop(asker);
            std::thread::sleep(Duration::from_millis(300));
            let mut other = study(b, "random", "x=float(0,1)");
            assert!(other
                .recover_stale(Duration::from_millis(10))
                .unwrap()
                .is_empty());
            let told = other.tell(trial.id, Outcome::complete(0.5)).unwrap();
            assert_eq!(told.state, TrialState::Complete);
        },
    );
}

#[test]
fn issue_11_a_late_result_is_kept_and_the_queued_copy_withdrawn() {
    on_every_shared_storage(
        "issue_11_a_late_result_is_kept_and_the_queued_copy_withdrawn",
        |a, b| {
            let mut stalled = study(a, "random", "x=float(0,1)");
            stalled.set_lease(Some(Duration::from_millis(200)));
            let trial = stalled.ask().unwrap();
            stalled.report(trial.id, 0, 0.9).unwrap();
            // Its heartbeats stop (a stalled machine, a long outage) ...
            stalled.set_lease(None);
            std::thread::sleep(Duration::from_millis(400));
            let mut other = study(b, "random", "x=float(0,1)");
            let copies = other.recover_stale(Duration::from_millis(10)).unwrap();
            assert_eq!(copies.len(), 1);
            assert_eq!(copies[0].meta.recovers, Some(trial.id));
            // ... but it was alive: its report and result still count.
            stalled.report(trial.id, 1, 0.7).unwrap();
            let late = stalled.tell(trial.id, Outcome::complete(0.6)).unwrap();
            assert_eq!((late.state, late.value), (TrialState::Complete, Some(0.6)));
            assert_eq!(late.intermediate.len(), 2);
            assert!(late.message.unwrap().contains("presumed dead"));
            let copy = other.storage().trial(copies[0].id).unwrap();
            assert_eq!(copy.state, TrialState::Failed);
            assert!(
                copy.message.unwrap().contains("withdrawn"),
                "nothing runs twice"
            );
            // The next trial comes from the searcher, not the copy.
            let next = other.ask().unwrap();
            assert_ne!(next.id, copies[0].id);
            assert_eq!(next.meta.recovers, None);
        },
    );
}

#[test]
fn issue_11_a_late_result_keeps_a_copy_that_started_with_its_link() {
    on_every_shared_storage(
        "issue_11_a_late_result_keeps_a_copy_that_started_with_its_link",
        |a, b| {
            let mut stalled = study(a, "random", "x=float(0,1)");
            stalled.set_lease(Some(Duration::from_millis(200)));
            let trial = stalled.ask().unwrap();
            stalled.set_lease(None);
            std::thread::sleep(Duration::from_millis(400));
            let mut other = study(b, "random", "x=float(0,1)");
            let copies = other.recover_stale(Duration::from_millis(10)).unwrap();
            let rerun = other.ask().unwrap();
            assert_eq!(rerun.id, copies[0].id, "the copy is served first");
            stalled.tell(trial.id, Outcome::complete(0.6)).unwrap();
            let rerun = other.tell(rerun.id, Outcome::complete(0.61)).unwrap();
            assert_eq!(rerun.state, TrialState::Complete);
            assert_eq!(rerun.parent, Some(trial.id));
            let original = other.storage().trial(trial.id).unwrap();
            assert_eq!(original.value, Some(0.6));
        },
    );
}

#[test]
fn issue_11_an_exhausted_grid_writes_nothing() {
    on_every_shared_storage("issue_11_an_exhausted_grid_writes_nothing", |a, b| {
        let mut one = study(a, "grid", "c=choice(a,b,c)");
        let mut two = study(b, "grid", "c=choice(a,b,c)");
        // Two workers take turns; each proposal is made for the number the
        // other may take first.
        let mut given = Vec::new();
        for i in 0..6 {
            let who = if i % 2 == 0 { &mut one } else { &mut two };
            match who.ask() {
                Ok(t) => given.push(t),
                Err(Error::Search(SearchError::Exhausted { .. })) => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(given.len(), 3);
        let all = one.trials().unwrap().to_vec();
        assert_eq!(all.len(), 3, "exhaustion wrote trials: {all:?}");
        assert!(all.iter().all(|t| t.params.len() == 1));
    });
}

#[test]
fn issue_11_workers_racing_to_the_end_of_a_grid_write_no_empty_trials() {
    on_every_shared_storage(
        "issue_11_workers_racing_to_the_end_of_a_grid_write_no_empty_trials",
        |a, _| {
            study(a.clone(), "grid", "x=int(0,39)");
            let workers: Vec<_> = (0..8)
                .map(|_| {
                    let storage = a.clone();
                    std::thread::spawn(move || {
                        let mut s = study(storage, "grid", "x=int(0,39)");
                        let mut n = 0;
                        loop {
                            match s.ask() {
                                Ok(t) => {
                                    s.tell(t.id, Outcome::complete(1.0)).unwrap();
                                    n += 1;
                                }
                                Err(Error::Search(SearchError::Exhausted { .. })) => return n,
                                Err(e) => panic!("{e}"),
                            }
                        }
                    })
                })
                .collect();
            let given: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
            let mut s = study(a, "grid", "x=int(0,39)");
            let all = s.trials().unwrap().to_vec();
            assert_eq!(given, 40);
            assert_eq!(
                all.len(),
                40,
                "extra trials: {:?}",
                all.iter()
                    .filter(|t| t.state != TrialState::Complete)
                    .collect::<Vec<_>>()
            );
        },
    );
}

#[test]
fn issue_11_an_abandoned_trial_whose_copy_was_lost_gets_one_copy_later() {
    on_every_shared_storage(
        "issue_11_an_abandoned_trial_whose_copy_was_lost_gets_one_copy_later",
        |a, b| {
            let mut worker = study(a.clone(), "random", "x=float(0,1)");
            let trial = worker.ask().unwrap();
            // Failed as abandoned, then storage broke before its copy was
            // queued: the failure is recorded, the copy is not.
            let abandon = hyperspace_engine::TrialUpdate::Abandon {
                message: "presumed dead".into(),
                at: "2026-01-01T00:00:00.000Z".into(),
            };
            a.update_trial(trial.id, &abandon).unwrap();
            // Two workers recovering at once queue one copy between them.
            let mut first = study(a, "random", "x=float(0,1)");
            let mut second = study(b, "random", "x=float(0,1)");
            let one = first.recover_stale(Duration::from_secs(60)).unwrap();
            let two = second.recover_stale(Duration::from_secs(60)).unwrap();
            assert_eq!(one.len() + two.len(), 1, "{one:?} {two:?}");
            let copy = one.into_iter().chain(two).next().unwrap();
            assert_eq!(copy.meta.recovers, Some(trial.id));
            assert_eq!(copy.params, trial.params);
            assert_eq!(copy.state, TrialState::Waiting);
            // And never again.
            assert!(first
                .recover_stale(Duration::from_secs(60))
                .unwrap()
                .is_empty());
            let waiting = first
                .trials()
                .unwrap()
                .iter()
                .filter(|t| t.state == TrialState::Waiting)
                .count();
            assert_eq!(waiting, 1);
        },
    );
}

#[test]
fn a_restored_driver_takes_over_the_trials_its_killed_predecessor_ran() {
    on_every_shared_storage(
        "a_restored_driver_takes_over_the_trials_its_killed_predecessor_ran",
        |a, b| {
            let mut killed = study(a, "random", "x=float(0,1)");
            killed.set_lease(Some(Duration::from_millis(300)));
            let running = killed.ask().unwrap();
            let done = killed.ask().unwrap();
            killed.tell(done.id, Outcome::complete(0.1)).unwrap();
            drop(killed); // its heartbeats stop, as with kill -9
            let mut restored = study(b, "random", "x=float(0,1)");
            restored.set_lease(Some(Duration::from_millis(300)));
            let taken = restored.take_over(running.id).unwrap();
            assert_eq!(taken.state, TrialState::Running);
            assert!(taken.meta.heartbeat > running.meta.heartbeat);
            // Well past the lease: the restored driver's heartbeats keep it.
            std::thread::sleep(Duration::from_millis(1200));
            assert!(restored
                .recover_stale(Duration::from_millis(50))
                .unwrap()
                .is_empty());
            let told = restored.tell(running.id, Outcome::complete(0.2)).unwrap();
            assert_eq!(told.state, TrialState::Complete);
            // Nothing ran twice: two trials, both complete, no copy queued.
            let states: Vec<TrialState> =
                restored.trials().unwrap().iter().map(|t| t.state).collect();
            assert_eq!(states, vec![TrialState::Complete, TrialState::Complete]);
            // A finished trial is not taken over, nor another study's.
            assert!(matches!(
                restored.take_over(done.id),
                Err(Error::TrialFinished { .. })
            ));
            let registry = hyperspace_searchers::builtin_registry();
            let config = StudyConfig::new("another")
                .space(Space::parse("x=float(0,1)").unwrap())
                .searcher("random", serde_json::Value::Null);
            let mut other = Study::open(restored.storage().clone(), config, &registry).unwrap();
            let foreign = other.ask().unwrap();
            assert!(matches!(
                restored.take_over(foreign.id),
                Err(Error::WrongStudy { .. })
            ));
        },
    );
}
