//! Batch asks (issue 20): `n` trials handed out together are spread, the
//! same for a seed, queued trials first, with clear errors for counts that
//! cannot be served; on SQLite files and on PostgreSQL.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{
    open_storage, Error, Outcome, Params, SearchError, Space, Storage, Study, StudyConfig, Trial,
    TrialState, MAX_BATCH,
};
use hyperspace_tests::TestDatabase;
use std::path::Path;
use std::sync::Arc;

const SPACE: &str = "x=float(-5,5) y=float(-5,5)";

fn registry() -> hyperspace_engine::Registry {
    hyperspace_searchers::builtin_registry()
}

fn sqlite(dir: &Path) -> Arc<dyn Storage> {
    open_storage(dir.join("runs.db").to_str().unwrap()).unwrap()
}

fn quadratic(x: f64, y: f64) -> f64 {
    (x - 1.0).powi(2) + (y + 2.0).powi(2)
}

fn xy(params: &Params) -> (f64, f64) {
    (params["x"].as_f64().unwrap(), params["y"].as_f64().unwrap())
}

/// A define-and-run study of the 2-D quadratic after `told` trials asked
/// and told one at a time.
fn warmed_up(storage: Arc<dyn Storage>, searcher: &str, seed: u64, told: usize) -> Study {
    warmed_up_with(storage, searcher, serde_json::Value::Null, seed, told)
}

fn warmed_up_with(
    storage: Arc<dyn Storage>,
    searcher: &str,
    settings: serde_json::Value,
    seed: u64,
    told: usize,
) -> Study {
    let config = StudyConfig::new("q")
        .space(Space::parse(SPACE).unwrap())
        .searcher(searcher, settings)
        .seed(seed);
    let mut study = Study::create(storage, config, &registry()).unwrap();
    for _ in 0..told {
        let t = study.ask().unwrap();
        let (x, y) = xy(&t.params);
        study
            .tell(t.id, Outcome::complete(quadratic(x, y)))
            .unwrap();
    }
    study
}

/// The smallest distance between two points of the batch, in the unit
/// square (the space is 10 wide).
fn min_gap(points: &[(f64, f64)]) -> f64 {
    let mut gap = f64::INFINITY;
    for (i, a) in points.iter().enumerate() {
        for b in &points[i + 1..] {
            gap = gap.min(((a.0 - b.0) / 10.0).hypot((a.1 - b.1) / 10.0));
        }
    }
    gap
}

fn batch_points(batch: &[Trial]) -> Vec<(f64, f64)> {
    batch.iter().map(|t| xy(&t.params)).collect()
}

/// A batch after 20 trials: 8 running trials, numbered in order, at 8
/// points that are really apart (not eight copies of the incumbent, as the
/// GP gave before it saw pending trials), and the same batch from the same
/// seed in another database.
fn check_spread_and_reproducible(searcher: &str, settings: serde_json::Value, least_gap: f64) {
    let batches: Vec<Vec<(f64, f64)>> = (0..2)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            let mut study = warmed_up_with(sqlite(dir.path()), searcher, settings.clone(), 7, 20);
            let batch = study.ask_batch(8).unwrap();
            assert_eq!(batch.len(), 8, "{searcher}");
            let numbers: Vec<u64> = batch.iter().map(|t| t.number).collect();
            assert_eq!(numbers, (20..28).collect::<Vec<_>>(), "{searcher}");
            for t in &batch {
                let stored = study.storage().trial(t.id).unwrap();
                assert_eq!(stored.state, TrialState::Running, "{searcher}");
                assert_eq!(stored.params, t.params, "{searcher}");
            }
            batch_points(&batch)
        })
        .collect();
    let gap = min_gap(&batches[0]);
    assert!(
        gap > least_gap,
        "{searcher}: two trials of the batch are {gap} apart: {:?}",
        batches[0]
    );
    assert_eq!(batches[0], batches[1], "{searcher}: not reproducible");
}

#[test]
fn a_batch_of_8_after_20_trials_is_spread_and_reproducible_for_tpe() {
    check_spread_and_reproducible("tpe", serde_json::Value::Null, 1e-3);
}

#[test]
fn a_batch_of_8_after_20_trials_is_spread_and_reproducible_for_gp() {
    // The default kriging believer fantasises each pending trial at the
    // posterior mean: on a quadratic the GP has all but solved after 20
    // trials, the batch stays close around the optimum, but no two
    // trials are one point (as all eight were before pending trials
    // counted).
    check_spread_and_reproducible("gp", serde_json::Value::Null, 1e-6);
    // A pessimistic liar pushes the batch apart.
    let worst = serde_json::json!({"pending": "liar_worst"});
    check_spread_and_reproducible("gp", worst, 1e-3);
}

#[test]
fn a_batch_of_8_after_20_trials_is_spread_and_reproducible_for_random() {
    check_spread_and_reproducible("random", serde_json::Value::Null, 1e-3);
}

/// The batch is what eight single asks in a row give: the same trials,
/// since each single ask, too, sees the earlier ones as pending.
#[test]
fn a_batch_matches_single_asks_in_a_row() {
    for searcher in ["tpe", "gp"] {
        let one = tempfile::tempdir().unwrap();
        let two = tempfile::tempdir().unwrap();
        let mut a = warmed_up(sqlite(one.path()), searcher, 11, 12);
        let mut b = warmed_up(sqlite(two.path()), searcher, 11, 12);
        let batch = batch_points(&a.ask_batch(4).unwrap());
        let singles: Vec<_> = (0..4).map(|_| xy(&b.ask().unwrap().params)).collect();
        assert_eq!(batch, singles, "{searcher}");
    }
}

#[test]
fn a_batch_takes_queued_trials_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut study = warmed_up(sqlite(dir.path()), "tpe", 3, 5);
    let full: Params = [("x".to_string(), 0.5.into()), ("y".to_string(), 1.5.into())]
        .into_iter()
        .collect();
    let partial: Params = [("x".to_string(), (-4.0).into())].into_iter().collect();
    let q1 = study.enqueue(full.clone()).unwrap();
    let q2 = study.enqueue(partial).unwrap();
    let batch = study.ask_batch(4).unwrap();
    assert_eq!(batch.len(), 4);
    assert_eq!((batch[0].id, batch[1].id), (q1.id, q2.id));
    assert_eq!(batch[0].params, full);
    assert_eq!(batch[1].params["x"].as_f64(), Some(-4.0));
    assert!(batch[1].params.contains_key("y"), "the searcher fills in y");
    assert!(batch[2..].iter().all(|t| t.number > q2.number));
    assert!(
        study.ask_queued().unwrap().is_none(),
        "the queue is drained"
    );
}

#[test]
fn counts_that_cannot_be_served_are_refused_and_leave_no_trial() {
    let dir = tempfile::tempdir().unwrap();
    let mut study = warmed_up(sqlite(dir.path()), "random", 3, 2);
    for n in [0, MAX_BATCH + 1, usize::MAX] {
        let err = study.ask_batch(n).unwrap_err();
        assert!(matches!(err, Error::InvalidStudy(_)), "{n}: {err}");
        assert!(err.to_string().contains("batch of"), "{err}");
        let err = study.ask_open_batch(n).unwrap_err();
        assert!(matches!(err, Error::InvalidStudy(_)), "{n}: {err}");
    }
    assert_eq!(study.trials().unwrap().len(), 2);
    assert_eq!(study.ask_batch(1).unwrap().len(), 1);
}

/// A grid with fewer points left than the batch: the batch holds the rest;
/// then, with none left, the grid's own error.
#[test]
fn a_batch_larger_than_what_a_grid_has_left_holds_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let config = StudyConfig::new("g")
        .space(Space::parse("c=choice(a,b,c,d,e)").unwrap())
        .searcher("grid", serde_json::Value::Null)
        .seed(1);
    let mut study = Study::create(sqlite(dir.path()), config, &registry()).unwrap();
    let first = study.ask_batch(2).unwrap();
    let rest = study.ask_batch(100).unwrap();
    assert_eq!((first.len(), rest.len()), (2, 3));
    let mut seen: Vec<String> = first
        .iter()
        .chain(&rest)
        .map(|t| t.params["c"].to_string())
        .collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5, "every grid point once: {seen:?}");
    let err = study.ask_batch(3).unwrap_err();
    assert!(
        matches!(err, Error::Search(SearchError::Exhausted { .. })),
        "{err}"
    );
    assert_eq!(study.trials().unwrap().len(), 5, "no trial left behind");
}

/// Trial k of a reproducible study waits for the trials below k - lag: a
/// batch of more than lag + 1 would wait for itself, and is refused.
#[test]
fn a_reproducible_study_refuses_a_batch_that_would_wait_for_itself() {
    let dir = tempfile::tempdir().unwrap();
    let config = StudyConfig::new("r")
        .space(Space::parse(SPACE).unwrap())
        .searcher("tpe", serde_json::Value::Null)
        .reproducible(2)
        .seed(5);
    let mut study = Study::create(sqlite(dir.path()), config, &registry()).unwrap();
    let err = study.ask_batch(4).unwrap_err();
    assert!(err.to_string().contains("at most 3"), "{err}");
    assert_eq!(study.trials().unwrap().len(), 0);
    assert_eq!(study.ask_batch(3).unwrap().len(), 3);
}

/// Define-by-run (Python's `study.ask(n=8)` without a space): each trial's
/// joint proposal is made as the batch is taken, so the batch's
/// suggestions are spread whatever order the trials then run in.
#[test]
fn a_define_by_run_batch_is_proposed_spread() {
    let space = Space::parse(SPACE).unwrap();
    let (px, py) = (
        space.get("x").unwrap().param.clone(),
        space.get("y").unwrap().param.clone(),
    );
    for searcher in ["tpe", "gp"] {
        let dir = tempfile::tempdir().unwrap();
        let config = StudyConfig::new("d")
            .searcher(searcher, serde_json::Value::Null)
            .seed(9);
        let mut study = Study::create(sqlite(dir.path()), config, &registry()).unwrap();
        for _ in 0..20 {
            let t = study.ask_open().unwrap();
            let x = study.suggest(t.id, "x", &px).unwrap().as_f64().unwrap();
            let y = study.suggest(t.id, "y", &py).unwrap().as_f64().unwrap();
            study
                .tell(t.id, Outcome::complete(quadratic(x, y)))
                .unwrap();
        }
        let batch = study.ask_open_batch(8).unwrap();
        assert_eq!(batch.len(), 8);
        // Suggested last to first: the values are the proposals made when
        // the batch was taken, not new ones.
        let mut points = Vec::new();
        for t in batch.iter().rev() {
            let proposed = study.proposed(t.id).unwrap().clone();
            let x = study.suggest(t.id, "x", &px).unwrap();
            let y = study.suggest(t.id, "y", &py).unwrap();
            assert_eq!((Some(&x), Some(&y)), (proposed.get("x"), proposed.get("y")));
            points.push((x.as_f64().unwrap(), y.as_f64().unwrap()));
        }
        // See the define-and-run GP test: the believer keeps the GP's
        // batch close around the optimum, but each point its own.
        let least = if searcher == "gp" { 1e-10 } else { 1e-3 };
        let gap = min_gap(&points);
        assert!(gap > least, "{searcher}: {gap} apart: {points:?}");
    }
}

#[test]
fn a_batch_on_postgresql_is_spread_and_takes_the_queue_first() {
    let Some(db) = TestDatabase::create("a_batch_on_postgresql") else {
        return;
    };
    let mut study = warmed_up(open_storage(db.url()).unwrap(), "gp", 7, 20);
    let queued: Params = [("x".to_string(), 2.0.into()), ("y".to_string(), 2.0.into())]
        .into_iter()
        .collect();
    let q = study.enqueue(queued.clone()).unwrap();
    let batch = study.ask_batch(8).unwrap();
    assert_eq!(batch.len(), 8);
    assert_eq!((batch[0].id, &batch[0].params), (q.id, &queued));
    let gap = min_gap(&batch_points(&batch));
    assert!(gap > 1e-6, "{gap}");

    // The same study in SQLite gives the same proposals: the batch depends
    // on the history and the seed, not on the back-end.
    let dir = tempfile::tempdir().unwrap();
    let mut local = warmed_up(sqlite(dir.path()), "gp", 7, 20);
    local.enqueue(queued).unwrap();
    let same = local.ask_batch(8).unwrap();
    assert_eq!(batch_points(&batch), batch_points(&same));
}
