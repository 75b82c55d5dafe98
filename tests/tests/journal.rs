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

fn result(trial: i64, value: f64) -> PendingResult {
    PendingResult::finished(
        "j",
        hyperspace_engine::TrialId(trial),
        trial as u64,
        Outcome::complete(value),
    )
}

/// What a later process finds in a file this one left: the file moved to
/// the name of a dead process in another folder, and adopted from there.
fn after_restart(file: &std::path::Path) -> (Vec<PendingResult>, Vec<String>) {
    let later = tempfile::tempdir().unwrap();
    std::fs::copy(file, later.path().join("host-4194305.jsonl")).unwrap();
    ResultJournal::new(later.path()).adopt("j").unwrap()
}

#[test]
fn a_recorded_result_is_marked_and_not_taken_again_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let journal = ResultJournal::new(dir.path());
    let (first, second) = (result(1, 1.0), result(2, 2.0));
    journal.append(&first).unwrap();
    journal.append(&second).unwrap();
    journal.remove(first.trial).unwrap();
    let text = std::fs::read_to_string(journal.path()).unwrap();
    assert!(text.contains("{\"recorded\":1}"), "{text}");
    assert_eq!(journal.pending().unwrap(), vec![second.clone()]);
    assert_eq!(
        after_restart(journal.path()),
        (vec![second.clone()], vec![])
    );
    // Once all are recorded the file is emptied, and kept for the next.
    journal.remove(second.trial).unwrap();
    assert_eq!(std::fs::metadata(journal.path()).unwrap().len(), 0);
    assert!(after_restart(journal.path()).0.is_empty());
    let third = result(3, 3.0);
    journal.append(&third).unwrap();
    assert_eq!(journal.pending().unwrap(), vec![third]);
}

#[test]
fn a_torn_recorded_line_only_means_recording_again() {
    let dir = tempfile::tempdir().unwrap();
    let journal = ResultJournal::new(dir.path());
    let first = result(1, 1.0);
    journal.append(&first).unwrap();
    journal.append(&result(2, 2.0)).unwrap();
    // Killed while marking the first as recorded.
    let mut text = std::fs::read_to_string(journal.path()).unwrap();
    text.push_str("\n{\"recorded\":");
    let torn = dir.path().join("torn");
    std::fs::write(&torn, text).unwrap();
    let (left, warnings) = after_restart(&torn);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(left, vec![first, result(2, 2.0)]);
}

#[test]
fn old_and_new_lines_read_together() {
    let dir = tempfile::tempdir().unwrap();
    let line = |r: &PendingResult| serde_json::to_string(r).unwrap();
    let (a, b, c) = (result(1, 1.0), result(2, 2.0), result(3, 3.0));
    let a_again = result(1, 5.0);
    // An old file (results only, as old versions rewrote it), then a mark
    // for `a`, then `a` journaled again after it (a later run of it).
    let text = format!(
        "{}\n{}\n\n{{\"recorded\":1}}\n\n{}\n{}\n\n{{\"recorded\":2}}\n",
        line(&a),
        line(&b),
        line(&c),
        line(&a_again)
    );
    let file = dir.path().join("mixed.jsonl");
    std::fs::write(&file, text).unwrap();
    assert_eq!(after_restart(&file), (vec![c, a_again], vec![]));
}

#[test]
fn journals_of_one_folder_in_one_process_share_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (
        ResultJournal::new(dir.path()),
        ResultJournal::new(dir.path()),
    );
    one.append(&result(1, 1.0)).unwrap();
    two.append(&result(2, 2.0)).unwrap();
    // The first has nothing left, but the file is not emptied under the second.
    one.remove(hyperspace_engine::TrialId(1)).unwrap();
    assert_eq!(two.pending().unwrap(), vec![result(2, 2.0)]);
    two.remove(hyperspace_engine::TrialId(2)).unwrap();
    assert!(one.pending().unwrap().is_empty());
}

#[test]
fn a_file_taken_by_an_adopter_is_not_written_again() {
    let dir = tempfile::tempdir().unwrap();
    let journal = ResultJournal::new(dir.path());
    journal.append(&result(1, 1.0)).unwrap();
    // Another process adopts it (renames it away) while this one runs on.
    let taken = dir.path().join("taken");
    std::fs::rename(journal.path(), &taken).unwrap();
    journal.append(&result(2, 2.0)).unwrap();
    journal.remove(hyperspace_engine::TrialId(1)).unwrap();
    journal.remove(hyperspace_engine::TrialId(2)).unwrap();
    let kept = std::fs::read_to_string(&taken).unwrap();
    assert_eq!(kept.trim(), serde_json::to_string(&result(1, 1.0)).unwrap());
    assert!(journal.pending().unwrap().is_empty());
}

/// Issue 18: a result is written before its record and synced only when
/// it has to wait; the unsynced write is in the file for any reader (a
/// killed process's pages stay with the kernel), and `sync` on a journal
/// that wrote nothing has nothing to do.
#[test]
fn issue_18_an_unsynced_result_is_in_the_file_and_sync_is_cheap_when_idle() {
    let dir = tempfile::tempdir().unwrap();
    let idle = ResultJournal::new(dir.path());
    idle.sync().unwrap();
    assert!(!idle.path().exists());
    let journal = ResultJournal::new(dir.path());
    let result = PendingResult::finished(
        "j",
        hyperspace_engine::TrialId(7),
        2,
        Outcome::complete(0.25),
    );
    journal.write(&result).unwrap();
    let text = std::fs::read_to_string(journal.path()).unwrap();
    assert!(text.contains("\"trial\":7"), "{text}");
    assert_eq!(journal.pending().unwrap(), vec![result.clone()]);
    journal.sync().unwrap();
    journal.remove(result.trial).unwrap();
    assert_eq!(journal.pending().unwrap(), vec![]);
}
