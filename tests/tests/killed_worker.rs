//! A worker killed with SIGKILL leaves a running trial behind; recovery
//! fails it with a message that says why and queues its configuration again,
//! once, however many processes recover at the same time. On SQLite and on
//! PostgreSQL.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{open_storage, Space, Study, StudyConfig, TrialState};
use hyperspace_tests::TestDatabase;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn a_killed_workers_trial_is_failed_and_requeued_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("killed.db");
    killed_worker_is_recovered(db.to_str().unwrap());
}

#[test]
fn a_killed_workers_trial_is_failed_and_requeued_once_on_postgres() {
    let Some(db) =
        TestDatabase::create("a_killed_workers_trial_is_failed_and_requeued_once_on_postgres")
    else {
        return;
    };
    killed_worker_is_recovered(db.url());
}

/// The scenario, on the storage at `url`.
fn killed_worker_is_recovered(url: &str) {
    let url = url.to_string();
    let registry = hyperspace_searchers::builtin_registry();
    let config = StudyConfig::new("k")
        .space(Space::parse("x=float(-5,5) y=int(0,9) opt=choice(a,b)").unwrap())
        .searcher("random", serde_json::Value::Null)
        .seed(11);
    Study::create(open_storage(&url).unwrap(), config, &registry).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_hs-test-worker"))
        .args([url.as_str(), "k", "random", "1", "hang"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let number: u64 = line.trim().parse().unwrap();
    child.kill().unwrap(); // SIGKILL: the worker gets no chance to clean up
    child.wait().unwrap();

    let mut a = Study::load(open_storage(&url).unwrap(), "k", &registry).unwrap();
    let mut b = Study::load(open_storage(&url).unwrap(), "k", &registry).unwrap();
    let orphan = a.trials().unwrap()[number as usize].clone();
    assert_eq!(orphan.state, TrialState::Running);
    assert!(
        orphan.meta.heartbeat.is_some(),
        "the worker's heartbeat was recorded"
    );
    assert!(
        a.recover_stale(Duration::from_secs(3600))
            .unwrap()
            .is_empty(),
        "not silent long enough yet"
    );

    assert_eq!(
        orphan.meta.lease_secs,
        Some(1.5),
        "the worker's lease was recorded"
    );
    assert!(
        a.recover_stale(Duration::from_millis(10))
            .unwrap()
            .is_empty(),
        "recovered within the trial's own lease"
    );

    std::thread::sleep(Duration::from_millis(1600));
    let requeued = a.recover_stale(Duration::from_millis(10)).unwrap();
    assert!(
        b.recover_stale(Duration::from_millis(10))
            .unwrap()
            .is_empty(),
        "recovered twice"
    );
    assert_eq!(requeued.len(), 1);
    assert_eq!(requeued[0].parent, Some(orphan.id));
    assert_eq!(requeued[0].params, orphan.params);
    let failed = a.storage().trial(orphan.id).unwrap();
    assert_eq!(failed.state, TrialState::Failed);
    assert!(failed
        .message
        .unwrap()
        .contains("presumed dead and re-queued"));

    // The configuration is evaluated after all: the next ask serves it.
    let retried = b.ask().unwrap();
    assert_eq!(retried.id, requeued[0].id);
    assert_eq!(retried.params, orphan.params);
}
