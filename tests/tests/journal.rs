//! The journal of results not yet recorded (issue 11): a torn line never
//! costs the next result, files of dead adopters are picked up again, and
//! replaying a result is idempotent (a re-queue only applies to the run it
//! is about, and a result never lands on another trial).

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{
    open_storage, Error, Metadata, Outcome, PendingResult, ResultJournal, Space, Study,
    StudyConfig, TrialState,
};

fn study(url: &str) -> Study {
    let config = StudyConfig::new("j")
        .space(Space::parse("x=float(0,1)").unwrap())
        .seed(1);
    Study::open(
        open_storage(url).unwrap(),
        config,
        &hyperspace_searchers::builtin_registry(),
    )
    .unwrap()
}

#[test]
fn a_torn_line_does_not_cost_the_next_result() {
    let dir = tempfile::tempdir().unwrap();
    let journal = ResultJournal::new(dir.path());
    let first = PendingResult::finished(
        "j",
        hyperspace_engine::TrialId(1),
        0,
        Outcome::complete(1.0),
    );
    journal.append(&first).unwrap();
    // A write cut short (a full disk, a kill) leaves half a line.
    let mut text = std::fs::read_to_string(journal.path()).unwrap();
    text.push_str("{\"study\":\"j\",\"tri");
    std::fs::write(journal.path(), text).unwrap();
    let second = PendingResult::finished(
        "j",
        hyperspace_engine::TrialId(2),
        1,
        Outcome::complete(2.0),
    );
    journal.append(&second).unwrap();
    assert_eq!(journal.pending().unwrap(), vec![first, second]);
}

#[test]
fn a_file_left_by_a_dead_adopter_is_adopted_again() {
    let dir = tempfile::tempdir().unwrap();
    let result = PendingResult::finished(
        "j",
        hyperspace_engine::TrialId(5),
        3,
        Outcome::complete(0.5),
    );
    let line = serde_json::to_string(&result).unwrap();
    // pid 1 is alive; a pid past the kernel's limit never is.
    std::fs::write(
        dir.path().join("host-77.adopting-4194305"),
        format!("{line}\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("host-78.adopting-1"), format!("{line}\n")).unwrap();
    let (adopted, warnings) = ResultJournal::new(dir.path()).adopt("j").unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(adopted, vec![result], "only the dead adopter's file");
    assert!(dir.path().join("host-78.adopting-1").exists());
}

#[test]
fn a_replayed_requeue_only_applies_to_the_run_it_is_about() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("j.db");
    let url = url.to_str().unwrap();
    let mut a = study(url);
    let trial = a.ask().unwrap();
    let mut requeue = PendingResult::requeue("j", trial.id, trial.number);
    requeue.meta = Metadata {
        started: trial.meta.started.clone(),
        ..Metadata::default()
    };
    assert_eq!(
        a.record_result(&requeue).unwrap().state,
        TrialState::Waiting
    );
    // Another worker takes it up again (a later start) ...
    std::thread::sleep(std::time::Duration::from_millis(5));
    let mut b = study(url);
    let again = b.ask().unwrap();
    assert_eq!(again.id, trial.id);
    // ... and the same re-queue, replayed from a journal, leaves it running.
    assert_eq!(
        a.record_result(&requeue).unwrap().state,
        TrialState::Running
    );
    b.tell(again.id, Outcome::complete(0.3)).unwrap();
    // A result never lands on a trial of another number.
    let wrong = PendingResult::finished("j", trial.id, trial.number + 7, Outcome::complete(9.0));
    assert!(matches!(
        a.record_result(&wrong),
        Err(Error::InvalidTell { .. })
    ));
}
