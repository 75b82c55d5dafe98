//! Retargeting a study to other recorded metrics, end to end on real SQLite
//! files and PostgreSQL (when a server is given): past trials that recorded
//! the new metrics count at once, the others stay stored and are left out,
//! the history of objectives is kept, and a worker that has not seen the
//! retarget never records a result against the wrong objective.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{
    open_storage, Direction, Error, Objective, Outcome, Space, Storage, Study, StudyConfig,
    StudyError, TrialState,
};
use hyperspace_tests::TestDatabase;
use std::sync::Arc;

fn registry() -> hyperspace_engine::Registry {
    hyperspace_searchers::builtin_registry()
}

fn config(name: &str) -> StudyConfig {
    StudyConfig::new(name)
        .space(Space::parse("x=float(0,1)").unwrap())
        .objectives(vec![Objective::named("loss", Direction::Minimize)])
        .searcher("random", serde_json::Value::Null)
        .seed(3)
}

fn sqlite(dir: &tempfile::TempDir) -> Arc<dyn Storage> {
    open_storage(dir.path().join("runs.db").to_str().unwrap()).unwrap()
}

/// Tells one trial with the objective's value and other printed metrics.
fn tell(study: &mut Study, loss: f64, metrics: &[(&str, f64)]) {
    let t = study.ask().unwrap();
    let metrics = metrics.iter().map(|(k, v)| (k.to_string(), *v));
    study
        .tell(t.id, Outcome::complete(loss).metrics(metrics))
        .unwrap();
}

fn auc() -> Vec<Objective> {
    vec![Objective::named("auc", Direction::Maximize)]
}

fn retarget_keeps_every_trial_and_counts_those_that_recorded_the_metric(
    storage: Arc<dyn Storage>,
    what: &str,
) {
    let mut study = Study::create(storage.clone(), config("r"), &registry()).unwrap();
    tell(&mut study, 0.3, &[("auc", 0.80), ("size", 5.0)]); // 0
    tell(&mut study, 0.1, &[("auc", 0.70), ("size", 9.0)]); // 1: best loss
    tell(&mut study, 0.2, &[("size", 1.0)]); // 2: no auc
    tell(&mut study, 0.4, &[("auc", 0.90), ("size", 7.0)]); // 3: best auc
    assert_eq!(study.best_trial().unwrap().unwrap().number, 1, "{what}");

    study.retarget(auc(), &registry()).unwrap();
    assert_eq!(study.config().objectives, auc(), "{what}");
    let best = study.best_trial().unwrap().unwrap();
    assert_eq!((best.number, best.value), (3, Some(0.9)), "{what}");
    let trials = study.trials().unwrap();
    assert_eq!(trials.len(), 4, "no trial is dropped: {what}");
    assert_eq!(trials[2].state, TrialState::Complete, "{what}");
    assert!(trials[2].values.is_empty(), "left out of the model: {what}");
    // Storage still holds the old values, and the old objective by time.
    let stored = storage.trials_since(study.id(), 0).unwrap();
    assert_eq!(stored[1].value, Some(0.1), "{what}");
    let history = study.objective_history().unwrap();
    assert_eq!(history.len(), 1, "{what}");
    assert_eq!(
        history[0].objectives,
        [Objective::named("loss", Direction::Minimize)],
        "{what}"
    );
    assert!(
        history[0].until.ends_with('Z'),
        "{what}: {}",
        history[0].until
    );

    // A new trial is told against the new objective.
    tell(&mut study, 0.0, &[]);
    let newest = study.trials().unwrap().last().unwrap().clone();
    assert_eq!(newest.values, [0.0], "{what}");
    assert_eq!(
        newest.metrics["auc"], 0.0,
        "labelled with its metric: {what}"
    );

    // Reopened elsewhere, the study reads the same.
    let mut again = Study::load(storage.clone(), "r", &registry()).unwrap();
    assert_eq!(again.best_trial().unwrap().unwrap().number, 3, "{what}");

    // Two objectives: the old one comes back from the trials' own values.
    let both = vec![
        Objective::named("auc", Direction::Maximize),
        Objective::named("size", Direction::Minimize),
    ];
    again.retarget(both.clone(), &registry()).unwrap();
    let front: Vec<u64> = again
        .best_trials()
        .unwrap()
        .iter()
        .map(|t| t.number)
        .collect();
    // 0 (0.8, 5) and 3 (0.9, 7); 1 (0.7, 9) is dominated; 2 and 4 lack a metric.
    assert_eq!(front, [0, 3], "{what}");
    assert_eq!(again.objective_history().unwrap().len(), 2, "{what}");
    // Back to the first objective: every original value counts again.
    again
        .retarget(
            vec![Objective::named("loss", Direction::Minimize)],
            &registry(),
        )
        .unwrap();
    let best = again.best_trial().unwrap().unwrap();
    assert_eq!((best.number, best.value), (1, Some(0.1)), "{what}");
}

#[test]
fn retargeting_a_sqlite_study() {
    let dir = tempfile::tempdir().unwrap();
    retarget_keeps_every_trial_and_counts_those_that_recorded_the_metric(sqlite(&dir), "sqlite");
}

#[test]
fn retargeting_a_postgres_study() {
    let Some(db) = TestDatabase::create("retarget_study") else {
        eprintln!("skipped: set HYPERSPACE_TEST_POSTGRES (scripts/with-postgres) to run it");
        return;
    };
    retarget_keeps_every_trial_and_counts_those_that_recorded_the_metric(
        open_storage(db.url()).unwrap(),
        "postgres",
    );
}

#[test]
fn retargets_that_cannot_work_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let storage = sqlite(&dir);
    let mut study = Study::create(storage.clone(), config("r"), &registry()).unwrap();
    let unnamed = study.retarget(vec![Objective::new(Direction::Maximize)], &registry());
    assert!(
        matches!(
            unnamed,
            Err(Error::InvalidStudy(StudyError::RetargetUnnamed { .. }))
        ),
        "{unnamed:?}"
    );
    let same = study.retarget(
        vec![Objective::named("loss", Direction::Minimize)],
        &registry(),
    );
    let message = same.unwrap_err().to_string();
    assert!(message.contains("already optimizes"), "{message}");
    let twice = study.retarget(
        vec![
            Objective::named("a", Direction::Minimize),
            Objective::named("a", Direction::Maximize),
        ],
        &registry(),
    );
    assert!(twice.is_err());
    // A searcher of one objective cannot be pointed at two.
    let mut cma = Study::create(
        storage.clone(),
        config("cma").searcher("cmaes", serde_json::Value::Null),
        &registry(),
    )
    .unwrap();
    let two = vec![
        Objective::named("auc", Direction::Maximize),
        Objective::named("size", Direction::Minimize),
    ];
    let refused = cma.retarget(two, &registry()).unwrap_err().to_string();
    assert!(refused.contains("optimizes one objective"), "{refused}");
    assert!(study.objective_history().unwrap().is_empty());
    assert!(cma.objective_history().unwrap().is_empty());
}

#[test]
fn a_worker_that_has_not_seen_the_retarget_never_records_against_the_new_objective() {
    let dir = tempfile::tempdir().unwrap();
    let storage = sqlite(&dir);
    let mut lead = Study::create(storage.clone(), config("r"), &registry()).unwrap();
    // A worker of another process, opened before the retarget.
    let mut worker = Study::load(sqlite(&dir), "r", &registry()).unwrap();
    tell(&mut lead, 0.5, &[("auc", 0.6)]);
    lead.retarget(auc(), &registry()).unwrap();
    // The worker still measures loss: its value is recorded as loss, and is
    // not read as an AUC of 0.01 (which would be the worst), nor as the best.
    tell(&mut worker, 0.01, &[]);
    // Another stale worker whose command printed the new metric too counts.
    tell(&mut worker, 0.02, &[("auc", 0.95)]);
    let trials = lead.trials().unwrap().to_vec();
    assert_eq!(trials.len(), 3);
    assert!(trials[1].values.is_empty(), "{:?}", trials[1].values);
    assert_eq!(trials[1].metrics["loss"], 0.01);
    assert_eq!(trials[2].values, [0.95]);
    assert_eq!(lead.best_trial().unwrap().unwrap().number, 2);
    // Reopened, the worker optimizes the new objective.
    let mut worker = Study::load(sqlite(&dir), "r", &registry()).unwrap();
    assert_eq!(worker.config().objectives, auc());
    assert_eq!(worker.best_trial().unwrap().unwrap().number, 2);
}
