//! Regression tests for the reliability issue "inputs that break things":
//! one damaged record (a trial row whose JSON is garbage, a value its space
//! does not admit, a study whose stored space is nested past serde_json's
//! recursion limit) used to make a whole study, or a whole storage,
//! unreadable. Each test damages a row directly in the database, as a disk
//! fault, a hand edit or an older build would, and checks that the rest
//! keeps working and `check_storage` names the damaged record.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{
    check_storage, open_storage, Damage, Error, NewTrial, Outcome, Space, Storage, Study,
    StudyConfig, StudyListing, TrialState,
};
use hyperspace_tests::TestDatabase;
use std::sync::Arc;

fn config(name: &str) -> StudyConfig {
    StudyConfig::new(name)
        .space(Space::parse("x=float(0,1) o=choice(a,b)").unwrap())
        .searcher("random", serde_json::Value::Null)
        .seed(5)
}

fn registry() -> hyperspace_engine::Registry {
    hyperspace_searchers::builtin_registry()
}

/// A study with `n` complete trials, value = trial number + 1.
fn study_with_trials(storage: Arc<dyn Storage>, name: &str, n: usize) -> Study {
    let mut study = Study::create(storage, config(name), &registry()).unwrap();
    for i in 0..n {
        let t = study.ask().unwrap();
        study.tell(t.id, Outcome::complete(i as f64 + 1.0)).unwrap();
    }
    study
}

/// A config whose space is nested `depth` levels deep, written as an older
/// build wrote it (past today's limits, so built as JSON text by hand).
fn deep_config_json(name: &str, depth: usize) -> String {
    let mut space = r#"{"x": {"type": "float", "low": 0, "high": 1}}"#.to_string();
    for i in (0..depth).rev() {
        space = format!(
            r#"{{"c{i}": {{"type": "categorical", "choices": ["a", "b"], "branches": {{"a": {space}}}}}}}"#
        );
    }
    format!(
        r#"{{"name": "{name}", "space": {space}, "searcher": {{"name": "random"}}, "seed": 1}}"#
    )
}

/// The checks every back-end must pass once trial 1 of study `s` (ids
/// `ids`, numbers 0..) has a garbage body and trial 2 a choice outside
/// the space.
fn a_damaged_trial_is_quarantined_and_the_study_goes_on(
    storage: Arc<dyn Storage>,
    ids: &[hyperspace_engine::TrialId],
) {
    let mut study = Study::load(storage.clone(), "s", &registry()).unwrap();
    let trials = study.trials().unwrap().to_vec();
    assert_eq!(trials.len(), 4, "numbers stay dense");
    let garbage = &trials[1];
    assert_eq!(garbage.id, ids[1]);
    assert_eq!(garbage.state, TrialState::Failed);
    let reason = garbage.damage().expect("quarantined");
    assert!(reason.contains("JSON body cannot be read"), "{reason}");
    let invalid = &trials[2];
    assert_eq!(invalid.state, TrialState::Failed);
    assert!(
        invalid.damage().unwrap().contains("parameter 'o'"),
        "{:?}",
        invalid.damage()
    );
    assert!(trials[0].damage().is_none() && trials[3].damage().is_none());

    // The best is trial 0 (value 1); trial 2's value 0.5 is not counted.
    assert_eq!(study.best_trial().unwrap().unwrap().number, 0);
    // ask and tell go on.
    let t = study.ask().unwrap();
    assert_eq!(t.number, 4);
    study.tell(t.id, Outcome::complete(0.25)).unwrap();
    assert_eq!(study.best_trial().unwrap().unwrap().id, t.id);
    // A damaged trial is never written over.
    assert!(matches!(
        study.tell(ids[1], Outcome::complete(0.0)),
        Err(Error::TrialFinished { .. })
    ));

    let found = check_storage(storage.as_ref(), Some("s")).unwrap();
    let numbers: Vec<u64> = found
        .iter()
        .map(|d| match d {
            Damage::Trial { number, .. } => *number,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(numbers, [1, 2]);
    assert!(
        found[0].to_string().contains("trial #1 (id "),
        "{}",
        found[0]
    );
    assert!(
        check_storage(storage.as_ref(), Some("nope")).is_err(),
        "an unknown study is an error, not 'nothing damaged'"
    );
}

/// The checks every back-end must pass once study `deep` holds a space
/// nested past serde_json's recursion limit.
fn an_unreadable_study_is_listed_and_deleted(storage: Arc<dyn Storage>) {
    let listed = storage.list_studies().unwrap();
    let names: Vec<&str> = listed.iter().map(StudyListing::name).collect();
    assert_eq!(names, ["ok", "deep"]);
    let StudyListing::Damaged { reason, id, .. } = &listed[1] else {
        panic!("{:?}", listed[1]);
    };
    assert!(reason.contains("recursion limit"), "{reason}");
    assert_eq!(storage.studies().unwrap().len(), 1, "the others still read");
    assert!(storage.find_study("ok").unwrap().is_some());
    let err = storage.find_study("deep").unwrap_err();
    assert!(matches!(err, Error::DamagedStudy { .. }), "{err}");
    assert!(err.to_string().contains("study delete deep"), "{err}");
    let found = check_storage(storage.as_ref(), None).unwrap();
    assert!(matches!(&found[..], [Damage::Study { name, .. }] if name == "deep"));
    storage.delete_study(*id).unwrap();
    assert_eq!(storage.list_studies().unwrap().len(), 1);
    assert!(check_storage(storage.as_ref(), None).unwrap().is_empty());
}

fn sqlite_lab() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    (dir, path)
}

#[test]
fn sqlite_a_corrupt_trial_row_does_not_make_the_study_unreadable() {
    let (_dir, path) = sqlite_lab();
    let storage = open_storage(path.to_str().unwrap()).unwrap();
    let mut study = study_with_trials(storage.clone(), "s", 4);
    let ids: Vec<_> = study.trials().unwrap().iter().map(|t| t.id).collect();
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute(
        "UPDATE trials SET body = 'garbage{' WHERE id = ?1",
        [ids[1].0],
    )
    .unwrap();
    db.execute(
        r#"UPDATE trials SET body = json_set(body, '$.params.o', 'zzz', '$.value', 0.5) WHERE id = ?1"#,
        [ids[2].0],
    )
    .unwrap();
    a_damaged_trial_is_quarantined_and_the_study_goes_on(storage, &ids);
}

#[test]
fn sqlite_a_damaged_queued_trial_leaves_the_queue_instead_of_blocking_it() {
    let (_dir, path) = sqlite_lab();
    let storage = open_storage(path.to_str().unwrap()).unwrap();
    let mut study = study_with_trials(storage.clone(), "s", 1);
    let mut fixed = hyperspace_engine::Params::new();
    fixed.insert("x".into(), 0.5.into());
    fixed.insert("o".into(), "a".into());
    let bad = study.enqueue(fixed.clone()).unwrap();
    let good = study.enqueue(fixed).unwrap();
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute("UPDATE trials SET body = '[' WHERE id = ?1", [bad.id.0])
        .unwrap();
    let t = study.ask().unwrap();
    assert_eq!(t.id, good.id, "the queue moved past the damaged trial");
    assert_eq!(storage.trial(bad.id).unwrap().state, TrialState::Failed);
    let raw: String = db
        .query_row("SELECT body FROM trials WHERE id = ?1", [bad.id.0], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(raw, "[", "the damaged body is kept for inspection");
}

#[test]
fn sqlite_a_study_nested_past_the_json_limit_is_listed_and_deleted() {
    let (_dir, path) = sqlite_lab();
    let storage = open_storage(path.to_str().unwrap()).unwrap();
    storage.create_study(&config("ok")).unwrap();
    let db = rusqlite::Connection::open(&path).unwrap();
    db.execute(
        "INSERT INTO studies (name, config, created) VALUES ('deep', ?1, '2026-01-01T00:00:00Z')",
        [deep_config_json("deep", 43)],
    )
    .unwrap();
    an_unreadable_study_is_listed_and_deleted(storage);
}

#[test]
fn postgres_a_corrupt_trial_row_does_not_make_the_study_unreadable() {
    let Some(db) = TestDatabase::create("a_corrupt_trial_row_does_not_make") else {
        return;
    };
    let storage = open_storage(db.url()).unwrap();
    let mut study = study_with_trials(storage.clone(), "s", 4);
    let ids: Vec<_> = study.trials().unwrap().iter().map(|t| t.id).collect();
    let mut client = db.connect();
    client
        .execute(
            "UPDATE hyperspace_trials SET body = 'garbage{' WHERE id = $1",
            &[&ids[1].0],
        )
        .unwrap();
    client
        .execute(
            r#"UPDATE hyperspace_trials
               SET body = jsonb_set(jsonb_set(body::jsonb, '{params,o}', '"zzz"'), '{value}', '0.5')::text
               WHERE id = $1"#,
            &[&ids[2].0],
        )
        .unwrap();
    a_damaged_trial_is_quarantined_and_the_study_goes_on(storage, &ids);
}

#[test]
fn postgres_a_study_nested_past_the_json_limit_is_listed_and_deleted() {
    let Some(db) = TestDatabase::create("a_study_nested_past_the_json_limit") else {
        return;
    };
    let storage = open_storage(db.url()).unwrap();
    storage.create_study(&config("ok")).unwrap();
    db.connect()
        .execute(
            "INSERT INTO hyperspace_studies (name, config, created) VALUES ('deep', $1, '2026-01-01T00:00:00Z')",
            &[&deep_config_json("deep", 43)],
        )
        .unwrap();
    an_unreadable_study_is_listed_and_deleted(storage);
}

#[test]
fn memory_storage_lists_every_study_as_readable() {
    let storage: Arc<dyn Storage> = Arc::new(hyperspace_engine::MemoryStorage::new());
    let _ = study_with_trials(storage.clone(), "s", 2);
    assert!(check_storage(storage.as_ref(), None).unwrap().is_empty());
    assert!(matches!(
        &storage.list_studies().unwrap()[..],
        [StudyListing::Readable(_)]
    ));
    // NewTrial is used so a queued trial with no params is not damaged.
    let id = storage.list_studies().unwrap()[0].id();
    storage.create_trial(id, &NewTrial::default()).unwrap();
    assert!(check_storage(storage.as_ref(), None).unwrap().is_empty());
}
