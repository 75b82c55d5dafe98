//! Studies with several objectives and constraints, end to end on real
//! SQLite files (and PostgreSQL when a server is given): the front, the
//! errors that point to it, the searchers and pruners that refuse, and
//! databases written before studies had several objectives.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{
    open_storage, Direction, Error, Objective, Outcome, Space, Storage, Study, StudyConfig,
    TrialState,
};
use hyperspace_tests::TestDatabase;
use std::sync::Arc;

fn registry() -> hyperspace_engine::Registry {
    hyperspace_searchers::builtin_registry()
}

fn two(searcher: &str) -> StudyConfig {
    StudyConfig::new("mo")
        .space(Space::parse("x=float(0,1)").unwrap())
        .objectives(vec![
            Objective::named("err", Direction::Minimize),
            Objective::named("acc", Direction::Maximize),
        ])
        .searcher(searcher, serde_json::Value::Null)
        .seed(5)
}

fn sqlite(dir: &tempfile::TempDir) -> Arc<dyn Storage> {
    open_storage(dir.path().join("runs.db").to_str().unwrap()).unwrap()
}

/// Tells each `(values, constraints)` as one trial; returns the numbers.
fn tell_all(study: &mut Study, results: &[(&[f64], &[f64])]) {
    for (values, constraints) in results {
        let t = study.ask().unwrap();
        let outcome = Outcome::complete_values(values.to_vec()).constraints(constraints.to_vec());
        study.tell(t.id, outcome).unwrap();
    }
}

fn numbers(trials: &[hyperspace_engine::Trial]) -> Vec<u64> {
    trials.iter().map(|t| t.number).collect()
}

#[test]
fn the_front_holds_the_feasible_non_dominated_trials_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let mut study = Study::create(sqlite(&dir), two("random"), &registry()).unwrap();
    tell_all(
        &mut study,
        &[
            (&[0.3, 0.7], &[]),     // 0: front
            (&[0.2, 0.6], &[-0.5]), // 1: front (lower err, lower acc)
            (&[0.4, 0.65], &[]),    // 2: dominated by 0
            (&[0.1, 0.9], &[0.5]),  // 3: dominates all, but infeasible
            (&[0.35, 0.8], &[0.0]), // 4: front (c = 0 is feasible)
            (&[0.3, 0.7], &[]),     // 5: equal to 0: kept too
        ],
    );
    assert_eq!(numbers(&study.best_trials().unwrap()), [0, 1, 4, 5]);
    let err = study.best_trial().unwrap_err();
    assert!(
        matches!(err, Error::SeveralObjectives { objectives: 2, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("best_trials"), "{err}");

    let mut again = Study::load(sqlite(&dir), "mo", &registry()).unwrap();
    assert_eq!(again.config().objectives, two("random").objectives);
    let front = again.best_trials().unwrap();
    assert_eq!(numbers(&front), [0, 1, 4, 5]);
    assert_eq!(front[1].values, [0.2, 0.6]);
    assert_eq!(front[1].constraints, [-0.5]);
}

#[test]
fn results_that_do_not_fit_the_objectives_are_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let mut study = Study::create(sqlite(&dir), two("grid"), &registry()).unwrap();
    let t = study.ask().unwrap();
    for (outcome, says) in [
        (
            Outcome::complete(0.5),
            "has 2 objectives, but 1 value was told",
        ),
        (
            Outcome::complete_values(vec![0.1, 0.2, 0.3]),
            "but 3 values were told",
        ),
        (Outcome::pruned(), "cannot be pruned"),
        (
            Outcome::complete_values(vec![0.1, f64::NAN]),
            "objective value 2 of 2",
        ),
        (
            Outcome::complete_values(vec![0.1, 0.2]).constraints(vec![f64::NAN]),
            "constraint 1 of 1",
        ),
    ] {
        let err = study.tell(t.id, outcome).unwrap_err().to_string();
        assert!(err.contains(says), "{err}");
        assert_eq!(
            study.storage().trial(t.id).unwrap().state,
            TrialState::Running
        );
    }
    // A NaN told "as a failure" fails the trial instead.
    let failed = study
        .tell(
            t.id,
            Outcome::complete_values(vec![0.1, f64::NAN]).fail_if_not_finite(),
        )
        .unwrap();
    assert_eq!(failed.state, TrialState::Failed);
    assert!(failed.values.is_empty());
}

#[test]
fn a_study_whose_trials_all_break_a_constraint_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let one = StudyConfig::new("one")
        .space(Space::parse("x=float(0,1)").unwrap())
        .searcher("random", serde_json::Value::Null)
        .seed(1);
    let mut single = Study::create(sqlite(&dir), one, &registry()).unwrap();
    assert_eq!(single.best_trial().unwrap(), None, "no trial yet: no error");
    assert!(single.best_trials().unwrap().is_empty());
    let t = single.ask().unwrap();
    single
        .tell(t.id, Outcome::complete(0.1).constraints(vec![1.0, -1.0]))
        .unwrap();
    let err = single.best_trial().unwrap_err();
    assert!(
        matches!(err, Error::NoFeasibleTrial { infeasible: 1, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("no feasible trial"), "{err}");
    assert!(matches!(
        single.best_trials(),
        Err(Error::NoFeasibleTrial { .. })
    ));
    // A feasible one, even with a worse value, is then the best.
    let t = single.ask().unwrap();
    single
        .tell(t.id, Outcome::complete(0.9).constraints(vec![-1.0, 0.0]))
        .unwrap();
    assert_eq!(single.best_trial().unwrap().unwrap().value, Some(0.9));
    assert_eq!(numbers(&single.best_trials().unwrap()), [1]);
}

#[test]
fn single_objective_searchers_and_pruners_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let err = Study::create(sqlite(&dir), two("hyperband"), &registry()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::NotMultiObjective { .. }), "{text}");
    assert!(
        text.contains("searcher 'hyperband' optimizes one objective")
            && text.contains("gp, grid, nsga2, random, tpe"),
        "{text}"
    );
    let pruned = two("random").pruner("median", serde_json::Value::Null);
    let err = Study::create(sqlite(&dir), pruned, &registry())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("pruner 'median'") && err.contains("without a pruner"),
        "{err}"
    );
    // A session's pruner is refused when asked.
    let mut study = Study::create(sqlite(&dir), two("random"), &registry()).unwrap();
    let pruner = registry()
        .build_pruner("median", &serde_json::Value::Null)
        .unwrap();
    study.set_pruner(Some(pruner));
    let t = study.ask().unwrap();
    let err = study.should_prune(t.id).unwrap_err().to_string();
    assert!(err.contains("pruner 'median'"), "{err}");
}

#[test]
fn a_study_opened_with_other_objectives_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    Study::create(sqlite(&dir), two("random"), &registry()).unwrap();
    let other = two("random").objectives(vec![
        Objective::named("err", Direction::Minimize),
        Objective::named("acc", Direction::Minimize),
    ]);
    let err = Study::open(sqlite(&dir), other, &registry())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("minimize, maximize, not minimize, minimize"),
        "{err}"
    );
}

/// The schema of the release before several objectives (user_version 1),
/// as its migration created it.
const OLD_SQLITE_SCHEMA: &str = r#"
    CREATE TABLE counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
    INSERT INTO counter (id, value) VALUES (1, 2);
    CREATE TABLE studies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        config TEXT NOT NULL,
        created TEXT NOT NULL
    );
    CREATE TABLE trials (
        id INTEGER PRIMARY KEY,
        study_id INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
        number INTEGER NOT NULL,
        state TEXT NOT NULL,
        change INTEGER NOT NULL,
        claim TEXT,
        body TEXT NOT NULL,
        UNIQUE (study_id, number)
    );
    CREATE INDEX trials_by_state ON trials (study_id, state, number);
    CREATE INDEX trials_by_change ON trials (study_id, change);
    CREATE UNIQUE INDEX trials_by_claim ON trials (study_id, claim) WHERE claim IS NOT NULL;
"#;

/// A study and its trials as the previous release wrote them: one
/// `direction`, an `objective` metric name, trial bodies with one `value`.
const OLD_CONFIG: &str = r#"{"name":"old","direction":"maximize","space":{"x":{"type":"float","low":0.0,"high":1.0}},"searcher":{"name":"random","settings":null},"seed":7,"objective":"acc"}"#;
const OLD_BODIES: [&str; 2] = [
    r#"{"params":{"x":0.25},"value":0.8,"metrics":{"acc":0.8},"intermediate":{},"budget":null,"parent":null,"user_attrs":{},"meta":{"seed":1},"message":null}"#,
    r#"{"params":{"x":0.5},"value":0.9,"metrics":{"acc":0.9},"intermediate":{},"budget":null,"parent":null,"user_attrs":{},"meta":{"seed":2},"message":null}"#,
];

fn check_upgraded(storage: Arc<dyn Storage>, what: &str) {
    let mut study = Study::load(storage, "old", &registry()).unwrap();
    assert_eq!(
        study.config().objectives,
        [Objective::named("acc", Direction::Maximize)],
        "{what}"
    );
    let best = study.best_trial().unwrap().unwrap();
    assert_eq!((best.number, best.value), (1, Some(0.9)), "{what}");
    assert_eq!(best.values, [0.9], "{what}");
    // Bodies written before trials recorded artifacts read as having none.
    assert!(best.meta.artifacts.is_empty(), "{what}");
    assert_eq!(numbers(&study.best_trials().unwrap()), [1], "{what}");
    // The upgraded study goes on as before.
    let t = study.ask().unwrap();
    study.tell(t.id, Outcome::complete(0.95)).unwrap();
    assert_eq!(
        study.best_trial().unwrap().unwrap().value,
        Some(0.95),
        "{what}"
    );
    // Trials the previous release wrote (no finish time, the objective's
    // value beside its metric) count when the study is retargeted.
    study
        .retarget(
            vec![Objective::named("acc", Direction::Minimize)],
            &registry(),
        )
        .unwrap();
    let best = study.best_trial().unwrap().unwrap();
    assert_eq!((best.number, best.value), (0, Some(0.8)), "{what}");
    assert_eq!(study.objective_history().unwrap().len(), 1, "{what}");
}

#[test]
fn a_sqlite_database_of_the_previous_release_is_upgraded_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(OLD_SQLITE_SCHEMA).unwrap();
        conn.execute(
            "INSERT INTO studies (id, name, config, created) VALUES (1, 'old', ?1, '2026-01-01T00:00:00Z')",
            [OLD_CONFIG],
        )
        .unwrap();
        for (i, body) in OLD_BODIES.iter().enumerate() {
            conn.execute(
                "INSERT INTO trials (study_id, number, state, change, body) VALUES (1, ?1, 'complete', ?2, ?3)",
                rusqlite::params![i as i64, i as i64 + 1, body],
            )
            .unwrap();
        }
        conn.pragma_update(None, "user_version", 1).unwrap();
    }
    check_upgraded(open_storage(path.to_str().unwrap()).unwrap(), "sqlite");
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    // Brought through every later step too: version 3 adds study
    // attributes, version 4 the history of objectives, version 5 numbers
    // changes within each study.
    assert_eq!(version, 5);
    let attrs: String = conn
        .query_row("SELECT user_attrs FROM studies WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(attrs, "{}");
    let history: String = conn
        .query_row(
            "SELECT objective_history FROM studies WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    // The retarget in `check_upgraded` wrote it, with the objective replaced.
    assert!(
        history.starts_with(r#"[{"objectives":[{"name":"acc","direction":"maximize"}],"until":""#),
        "{history}"
    );
    let config: String = conn
        .query_row("SELECT config FROM studies WHERE id = 1", [], |r| r.get(0))
        .unwrap();
    // (in the new form, and retargeted to minimize by `check_upgraded`)
    assert!(
        config.contains(r#""objectives":[{"name":"acc","direction":"minimize"}]"#)
            && !config.contains(r#""direction":"maximize","space""#),
        "the stored configuration is rewritten in the new form: {config}"
    );
}

/// The PostgreSQL schema of the previous release (schema_version 1).
const OLD_POSTGRES_SCHEMA: &str = r#"
    CREATE TABLE hyperspace_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
    INSERT INTO hyperspace_meta (key, value) VALUES ('schema_version', 1);
    CREATE TABLE hyperspace_studies (
        id BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        config TEXT NOT NULL,
        created TEXT NOT NULL,
        next_number BIGINT NOT NULL DEFAULT 0,
        last_change BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE hyperspace_trials (
        id BIGSERIAL PRIMARY KEY,
        study_id BIGINT NOT NULL REFERENCES hyperspace_studies (id) ON DELETE CASCADE,
        number BIGINT NOT NULL,
        state TEXT NOT NULL,
        change BIGINT NOT NULL,
        claim TEXT,
        body TEXT NOT NULL,
        UNIQUE (study_id, number)
    );
    CREATE INDEX hyperspace_trials_by_state ON hyperspace_trials (study_id, state, number);
    CREATE INDEX hyperspace_trials_by_change ON hyperspace_trials (study_id, change);
    CREATE UNIQUE INDEX hyperspace_trials_claim ON hyperspace_trials (study_id, claim)
        WHERE claim IS NOT NULL;
"#;

#[test]
fn a_postgres_database_of_the_previous_release_is_upgraded_in_place() {
    let Some(db) = TestDatabase::create("pg_upgrade_multi_objective") else {
        eprintln!("skipped: set HYPERSPACE_TEST_POSTGRES (scripts/with-postgres) to run it");
        return;
    };
    {
        let mut client = postgres::Client::connect(db.url(), postgres::NoTls).unwrap();
        client.batch_execute(OLD_POSTGRES_SCHEMA).unwrap();
        client
            .execute(
                "INSERT INTO hyperspace_studies (id, name, config, created, next_number, last_change) VALUES (1, 'old', $1, '2026-01-01T00:00:00Z', 2, 2)",
                &[&OLD_CONFIG],
            )
            .unwrap();
        for (i, body) in OLD_BODIES.iter().enumerate() {
            client
                .execute(
                    "INSERT INTO hyperspace_trials (study_id, number, state, change, body) VALUES (1, $1, 'complete', $2, $3)",
                    &[&(i as i64), &(i as i64 + 1), body],
                )
                .unwrap();
        }
        client
            .execute("SELECT setval('hyperspace_studies_id_seq', 1)", &[])
            .unwrap();
    }
    check_upgraded(open_storage(db.url()).unwrap(), "postgres");
    let mut client = postgres::Client::connect(db.url(), postgres::NoTls).unwrap();
    let version: i64 = client
        .query_one(
            "SELECT value FROM hyperspace_meta WHERE key = 'schema_version'",
            &[],
        )
        .unwrap()
        .get(0);
    // Brought through every later step too: version 3 adds study
    // attributes, version 4 the history of objectives.
    assert_eq!(version, 4);
    let config: String = client
        .query_one("SELECT config FROM hyperspace_studies WHERE id = 1", &[])
        .unwrap()
        .get(0);
    assert!(
        config.contains(r#""objectives":[{"name":"acc","direction":"minimize"}]"#),
        "{config}"
    );
}

#[test]
fn random_and_grid_search_two_objectives_and_every_trial_keeps_both_values() {
    for searcher in ["random", "grid"] {
        let dir = tempfile::tempdir().unwrap();
        let mut study = Study::create(sqlite(&dir), two(searcher), &registry()).unwrap();
        for _ in 0..5 {
            let t = study.ask().unwrap();
            let x = t.params["x"].as_f64().unwrap();
            // A convex trade-off: every trial is on the front.
            study
                .tell(
                    t.id,
                    Outcome::complete_values(vec![x, 1.0 - (1.0 - x).powi(2)]),
                )
                .unwrap();
        }
        let front = study.best_trials().unwrap();
        let distinct: std::collections::BTreeSet<u64> = study
            .trials()
            .unwrap()
            .iter()
            .map(|t| t.values[0].to_bits())
            .collect();
        assert_eq!(
            front.len(),
            5,
            "{searcher}: on a pure trade-off every trial is on the front"
        );
        assert!(distinct.len() > 1, "{searcher}");
    }
}

/// A worker's journal keeps every value and constraint of a result, and
/// a line written before studies had several objectives (one `value`)
/// still records.
#[test]
fn journaled_results_keep_every_value_and_old_lines_still_record() {
    use hyperspace_engine::{PendingEnding, PendingResult};
    let dir = tempfile::tempdir().unwrap();
    let mut study = Study::create(sqlite(&dir), two("random"), &registry()).unwrap();
    let t = study.ask().unwrap();
    let outcome = Outcome::complete_values(vec![0.25, 0.75]).constraints(vec![-2.0]);
    let line =
        serde_json::to_string(&PendingResult::finished("mo", t.id, t.number, outcome)).unwrap();
    let back: PendingResult = serde_json::from_str(&line).unwrap();
    let recorded = study.record_result(&back).unwrap();
    assert_eq!(recorded.values, [0.25, 0.75]);
    assert_eq!(recorded.constraints, [-2.0]);

    let one = StudyConfig::new("one")
        .space(Space::parse("x=float(0,1)").unwrap())
        .searcher("random", serde_json::Value::Null);
    let mut single = Study::create(sqlite(&dir), one, &registry()).unwrap();
    let t = single.ask().unwrap();
    let old = format!(
        r#"{{"study":"one","trial":{},"number":{},"ending":{{"kind":"finish","state":"complete","value":0.5,"metrics":{{}},"message":null}}}}"#,
        t.id, t.number
    );
    let old: PendingResult = serde_json::from_str(&old).unwrap();
    assert!(matches!(old.ending, PendingEnding::Finish { .. }));
    let recorded = single.record_result(&old).unwrap();
    assert_eq!(
        (recorded.value, recorded.values.clone()),
        (Some(0.5), vec![0.5])
    );
}

/// Limits on metrics (`mem_gb<=4`) stored with a study judge each trial
/// told without constraint values, from its result's metrics or else the
/// last value it reported; a trial that records no such metric is refused,
/// nothing stored, and explicit constraint values take their place.
#[test]
fn limits_on_metrics_judge_trials_told_from_any_client() {
    let mut config = StudyConfig::new("limits")
        .space(Space::parse("x=float(0,1)").unwrap())
        .searcher("random", serde_json::Value::Null)
        .seed(3);
    config.constraints = vec![
        hyperspace_engine::MetricConstraint::parse("mem_gb<=4").unwrap(),
        hyperspace_engine::MetricConstraint::parse("acc>=0.5").unwrap(),
    ];
    let mut study = Study::create(open_storage(":memory:").unwrap(), config, &registry()).unwrap();
    let t = study.ask().unwrap();
    let told = Outcome::complete(0.2)
        .metric("mem_gb", 5.0)
        .metric("acc", 0.9);
    assert_eq!(study.tell(t.id, told).unwrap().constraints, [1.0, -0.4]);
    let t = study.ask().unwrap();
    let report = hyperspace_engine::Report::metrics(0, [("acc", 0.1), ("mem_gb", 9.0)]);
    study.report_metrics(t.id, report).unwrap();
    let report = hyperspace_engine::Report::metrics(1, [("acc", 0.7)]);
    study.report_metrics(t.id, report).unwrap();
    let told = study
        .tell(t.id, Outcome::complete(0.3).metric("mem_gb", 3.0))
        .unwrap();
    assert_eq!(
        told.constraints,
        [-1.0, 0.5 - 0.7],
        "the told metric wins, else the last report"
    );
    assert_eq!(study.best_trial().unwrap().unwrap().number, 1);
    let t = study.ask().unwrap();
    let err = study
        .tell(t.id, Outcome::complete(0.1).metric("acc", 0.9))
        .unwrap_err();
    assert!(matches!(err, Error::InvalidTell { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("mem_gb<=4") && text.contains("no metric 'mem_gb'"),
        "{text}"
    );
    assert_eq!(
        study.storage().trial(t.id).unwrap().state,
        TrialState::Running,
        "nothing stored"
    );
    let explicit = Outcome::complete(0.1).constraints(vec![-2.0]);
    assert_eq!(study.tell(t.id, explicit).unwrap().constraints, [-2.0]);
    // A failed trial is not judged.
    let t = study.ask().unwrap();
    study.tell(t.id, Outcome::failed("oom")).unwrap();
}
