//! Several OS processes sharing one study, in a SQLite file and on a
//! PostgreSQL server: no duplicate trial numbers, no lost results, no grid
//! point or queued trial given twice, and the same configurations as a
//! single process with the same seed; and a new SQLite file opened by
//! several at once.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{open_storage, Params, Space, Study, StudyConfig, Trial, TrialState};
use hyperspace_tests::TestDatabase;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A worker on the storage at `db` (a file path or a URL).
fn worker(db: &str, study: &str, searcher: &str, n: usize) -> Child {
    worker_with(db, study, searcher, n, &[])
}

fn worker_with(db: &str, study: &str, searcher: &str, n: usize, extra: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_hs-test-worker"))
        .args([db, study, searcher, &n.to_string()])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for a worker and returns the trial numbers it printed (after a
/// `ready` line, if it printed one).
fn numbers(child: Child) -> Vec<u64> {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "worker failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| *l != "ready")
        .map(|l| l.parse().unwrap())
        .collect()
}

fn trials(db: &str, study: &str) -> Vec<Trial> {
    let registry = hyperspace_searchers::builtin_registry();
    let mut s = Study::load(open_storage(db).unwrap(), study, &registry).unwrap();
    s.trials().unwrap().to_vec()
}

/// Creates the study first so the workers race on trials, not on creation.
fn create(db: &str, study: &str, searcher: &str) {
    let registry = hyperspace_searchers::builtin_registry();
    let config = StudyConfig::new(study)
        .space(Space::parse("x=float(-5,5) y=int(0,9) opt=choice(a,b)").unwrap())
        .searcher(searcher, settings_for(searcher))
        .seed(11);
    Study::create(open_storage(db).unwrap(), config, &registry).unwrap();
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `workers` processes each ask and tell `each` times on one random-search
/// study: every number from 0 on is given once and every result is kept.
/// Returns the stored trials.
fn ask_and_tell_shared(db: &str, workers: usize, each: usize) -> Vec<Trial> {
    create(db, "s", "random");
    let children: Vec<Child> = (0..workers)
        .map(|_| worker(db, "s", "random", each))
        .collect();
    let given: Vec<u64> = children.into_iter().flat_map(numbers).collect();
    let total = (workers * each) as u64;
    assert_eq!(given.len() as u64, total);
    assert_eq!(
        given.into_iter().collect::<HashSet<u64>>(),
        (0..total).collect::<HashSet<u64>>(),
        "numbers must be dense and unique"
    );
    let stored = trials(db, "s");
    assert_eq!(stored.len() as u64, total);
    assert!(
        stored
            .iter()
            .all(|t| t.state == TrialState::Complete && t.value.is_some()),
        "a result was lost"
    );
    stored
}

/// A single process with the same seed proposes the same configuration for
/// every trial number: randomness follows numbers, not workers.
fn assert_same_as_one_process(stored: Vec<Trial>, solo_db: &str) {
    create(solo_db, "s", "random");
    numbers(worker(solo_db, "s", "random", stored.len()));
    let by_number = |ts: Vec<Trial>| -> BTreeMap<u64, Params> {
        ts.into_iter().map(|t| (t.number, t.params)).collect()
    };
    assert_eq!(by_number(stored), by_number(trials(solo_db, "s")));
}

/// `workers` processes share a grid of 4 x-values * 10 y-values * 2 choices
/// = 80 points, asking more often than that: each point is given once.
fn grid_shared(db: &str, workers: usize) {
    create(db, "g", "grid");
    let each = 120 / workers;
    let children: Vec<Child> = (0..workers)
        .map(|_| worker(db, "g", "grid", each))
        .collect();
    let given: usize = children.into_iter().map(|c| numbers(c).len()).sum();
    assert_eq!(given, 80);
    let stored = trials(db, "g");
    let complete: Vec<_> = stored
        .iter()
        .filter(|t| t.state == TrialState::Complete)
        .collect();
    let points: HashSet<String> = complete
        .iter()
        .map(|t| serde_json::to_string(&t.params).unwrap())
        .collect();
    assert_eq!(complete.len(), 80);
    assert_eq!(points.len(), 80, "a grid point was given twice");
}

/// 30 queued trials and `workers` processes asking about 45 times between
/// them:
/// each queued trial runs exactly once, with its queued parameters.
fn queue_shared(db: &str, workers: usize) {
    create(db, "q", "random");
    let registry = hyperspace_searchers::builtin_registry();
    let study = Study::load(open_storage(db).unwrap(), "q", &registry).unwrap();
    for i in 0..30 {
        let mut p = Params::new();
        p.insert("x".into(), (i as f64 / 10.0).into());
        p.insert("y".into(), 3i64.into());
        p.insert("opt".into(), "b".into());
        study.enqueue(p).unwrap();
    }
    let each = 45 / workers;
    let children: Vec<Child> = (0..workers)
        .map(|_| worker(db, "q", "random", each))
        .collect();
    let given: Vec<u64> = children.into_iter().flat_map(numbers).collect();
    let queued_runs = given.iter().filter(|&&n| n < 30).count();
    assert_eq!(queued_runs, 30, "every queued trial runs exactly once");
    let stored = trials(db, "q");
    assert_eq!(stored.len(), workers * each);
    for t in &stored[..30] {
        assert_eq!(t.state, TrialState::Complete);
        assert_eq!(
            t.params["x"].as_f64().unwrap(),
            t.number as f64 / 10.0,
            "queued params were kept"
        );
    }
}

#[test]
fn two_processes_ask_and_tell_one_study_without_duplicates_or_losses() {
    let dir = tempfile::tempdir().unwrap();
    let stored = ask_and_tell_shared(path(&dir.path().join("shared.db")), 2, 60);
    assert_same_as_one_process(stored, path(&dir.path().join("solo.db")));
}

#[test]
fn two_processes_share_a_grid_and_each_point_is_given_once() {
    let dir = tempfile::tempdir().unwrap();
    grid_shared(path(&dir.path().join("grid.db")), 2);
}

#[test]
fn queued_trials_are_drained_once_by_two_processes() {
    let dir = tempfile::tempdir().unwrap();
    queue_shared(path(&dir.path().join("queue.db")), 2);
}

#[test]
fn postgres_three_processes_ask_and_tell_one_study_without_duplicates_or_losses() {
    let Some(db) = TestDatabase::create("postgres_three_processes_ask_and_tell") else {
        return;
    };
    let stored = ask_and_tell_shared(db.url(), 3, 40);
    // The same configurations as one process on SQLite: the back-end does
    // not change what is proposed.
    let dir = tempfile::tempdir().unwrap();
    assert_same_as_one_process(stored, path(&dir.path().join("solo.db")));
}

#[test]
fn postgres_three_processes_share_a_grid_and_each_point_is_given_once() {
    let Some(db) = TestDatabase::create("postgres_three_processes_share_a_grid") else {
        return;
    };
    grid_shared(db.url(), 3);
}

#[test]
fn postgres_queued_trials_are_drained_once_by_three_processes() {
    let Some(db) = TestDatabase::create("postgres_queued_trials_are_drained_once") else {
        return;
    };
    queue_shared(db.url(), 3);
}

/// The searcher settings the multi-process tests use.
fn settings_for(searcher: &str) -> serde_json::Value {
    match searcher {
        "grid" => serde_json::json!({"points": 4}),
        _ => serde_json::Value::Null,
    }
}

/// Regression (issue 7): threads opening a new file at once. SQLite answers
/// the switch to WAL with SQLITE_BUSY at once, without consulting the busy
/// handler, when another connection holds the file; opening must wait for
/// that within the busy timeout instead of failing with `DatabaseLocked`.
#[test]
fn issue_7_threads_opening_a_new_file_at_once_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..30 {
        let db = dir.path().join(format!("race{round}.db"));
        let go = std::sync::Arc::new(std::sync::Barrier::new(4));
        let openers: Vec<_> = (0..4)
            .map(|_| {
                let (db, go) = (db.clone(), go.clone());
                std::thread::spawn(move || {
                    go.wait();
                    hyperspace_engine::SqliteStorage::open(&db).map(|_| ())
                })
            })
            .collect();
        for opener in openers {
            let opened = opener.join().unwrap();
            assert!(opened.is_ok(), "round {round}: {:?}", opened.err());
        }
    }
}

/// The same with processes: two workers, started together on a file that
/// does not exist yet, both open it, create the study once between them and
/// run their trials.
#[test]
fn issue_7_processes_creating_one_file_at_once_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..8 {
        let db = dir.path().join(format!("race{round}.db"));
        let flag = dir.path().join(format!("go{round}"));
        let flag_arg = flag.to_str().unwrap();
        let mut workers: Vec<Child> = (0..2)
            .map(|_| worker_with(path(&db), "raced", "random", 5, &["start-at", flag_arg]))
            .collect();
        // Read exactly the `ready` line (no buffering), so the rest stays in
        // the pipe for `numbers`.
        for w in &mut workers {
            let mut first = [0u8; 6];
            std::io::Read::read_exact(w.stdout.as_mut().unwrap(), &mut first).unwrap();
            assert_eq!(&first, b"ready\n");
        }
        std::fs::write(&flag, "go").unwrap();
        let given: usize = workers.into_iter().map(|w| numbers(w).len()).sum();
        assert_eq!(given, 10, "round {round}");
        assert_eq!(trials(path(&db), "raced").len(), 10, "round {round}");
    }
}

/// A connection writing to the file in its old journal mode (what the
/// first opener of a new file does while the others try to switch it to
/// WAL) makes SQLite refuse the switch at once. Opening waits for it: it
/// succeeds when the writer finishes within the busy timeout, and fails with
/// `DatabaseLocked` only once the timeout has passed.
#[test]
fn issue_7_opening_waits_for_a_writer_in_the_old_journal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let hold = |db: &Path| {
        let holder = rusqlite::Connection::open(db).unwrap();
        holder
            .execute_batch("CREATE TABLE t (x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);")
            .unwrap();
        holder
    };
    let timeout = std::time::Duration::from_millis(400);

    let db = dir.path().join("held.db");
    let holder = hold(&db);
    let start = std::time::Instant::now();
    let err = hyperspace_engine::SqliteStorage::open_with_timeout(&db, timeout).unwrap_err();
    let waited = start.elapsed();
    assert!(
        matches!(err, hyperspace_engine::Error::DatabaseLocked { .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("locked by another process"),
        "{err}"
    );
    assert!(
        waited >= timeout / 2,
        "gave up after {waited:?}, not {timeout:?}"
    );
    holder.execute_batch("COMMIT").unwrap();
    hyperspace_engine::SqliteStorage::open_with_timeout(&db, timeout).unwrap();

    let db = dir.path().join("released.db");
    let holder = hold(&db);
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(100));
        holder.execute_batch("COMMIT").unwrap();
    });
    let opened = hyperspace_engine::SqliteStorage::open_with_timeout(&db, 10 * timeout);
    release.join().unwrap();
    assert!(opened.is_ok(), "{:?}", opened.err());
}
