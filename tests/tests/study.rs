//! The study's contract, end to end on real SQLite files (and on every
//! back-end where a test says so): ask/tell, bad input, space evolution,
//! define-by-run, queues, and damaged databases.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{
    open_storage, Error, FloatParam, Outcome, Param, Params, PendingResult, Report, SearchError,
    Series, Space, SqliteStorage, Study, StudyConfig, TrialId, TrialState, Value,
};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

fn registry() -> hyperspace_engine::Registry {
    hyperspace_searchers::builtin_registry()
}

fn sqlite(dir: &Path) -> Arc<dyn hyperspace_engine::Storage> {
    open_storage(dir.join("runs.db").to_str().unwrap()).unwrap()
}

fn study_in(storage: Arc<dyn hyperspace_engine::Storage>, space: &str) -> Study {
    let config = StudyConfig::new("s")
        .space(Space::parse(space).unwrap())
        .seed(3);
    Study::open(storage, config, &registry()).unwrap()
}

#[test]
fn non_finite_values_are_refused_or_recorded_as_failures() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = study_in(sqlite(dir.path()), "x=float(0,1)");
    let t = s.ask().unwrap();
    let err = s.tell(t.id, Outcome::complete(f64::NAN)).unwrap_err();
    assert!(matches!(err, Error::NonFiniteValue { .. }), "{err}");
    assert!(err.to_string().contains("not a finite number"), "{err}");
    assert_eq!(
        s.storage().trial(t.id).unwrap().state,
        TrialState::Running,
        "a refused tell records nothing"
    );
    let failed = s
        .tell(t.id, Outcome::complete(f64::INFINITY).fail_if_not_finite())
        .unwrap();
    assert_eq!(failed.state, TrialState::Failed);
    assert!(failed.message.unwrap().contains("inf"));
    let running = s.ask().unwrap().id;
    let err = s.report(running, 1, f64::NAN).unwrap_err();
    assert!(matches!(err, Error::NonFiniteValue { .. }));
}

#[test]
fn unknown_finished_and_foreign_trials_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let storage = sqlite(dir.path());
    let mut s = study_in(storage.clone(), "x=float(0,1)");
    let err = s.tell(TrialId(12345), Outcome::complete(1.0)).unwrap_err();
    assert_eq!(err.to_string(), "no trial 12345 in this storage");
    let t = s.ask().unwrap();
    s.tell(t.id, Outcome::complete(1.0)).unwrap();
    let err = s.tell(t.id, Outcome::complete(2.0)).unwrap_err();
    assert!(err.to_string().contains("already complete"), "{err}");
    let config = StudyConfig::new("other").space(Space::parse("x=float(0,1)").unwrap());
    let mut other = Study::create(storage, config, &registry()).unwrap();
    let err = other.tell(t.id, Outcome::complete(3.0)).unwrap_err();
    assert!(matches!(err, Error::WrongStudy { .. }), "{err}");
    let running = s.ask().unwrap().id;
    let err = s.tell(running, Outcome::failed("boom").metric("m", f64::NAN));
    assert!(err.is_ok(), "a failed trial may carry broken metrics");
}

#[test]
fn a_study_that_gains_a_parameter_reads_old_trials_with_its_default() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = study_in(sqlite(dir.path()), "x=float(0,1)");
    for _ in 0..3 {
        let t = s.ask().unwrap();
        s.tell(t.id, Outcome::complete(0.5)).unwrap();
    }
    drop(s);
    // Reopening with a grown space: refused without a default...
    let bad = StudyConfig::new("s").space(Space::parse("x=float(0,1) y=int(1,4)").unwrap());
    let err = Study::open(sqlite(dir.path()), bad, &registry())
        .unwrap_err()
        .to_string();
    assert!(err.contains("'y' is new and has no default"), "{err}");
    // ...accepted with one, and the old trials read as having had it.
    let mut s = study_in(sqlite(dir.path()), "x=float(0,1) y=int(1,4,default=2)");
    let trials = s.trials().unwrap();
    assert!(
        trials.iter().all(|t| t.params["y"] == Value::Int(2)),
        "{trials:?}"
    );
    let t = s.ask().unwrap();
    assert!(t.params.contains_key("y"));
    // Narrowing is refused unless forced.
    let narrow = Space::parse("x=float(0.5,1) y=int(1,4,default=2)").unwrap();
    assert!(s
        .extend_space(&narrow, false)
        .unwrap_err()
        .to_string()
        .contains("would narrow"));
    assert_eq!(s.extend_space(&narrow, true).unwrap().forced, ["x"]);
}

#[test]
fn define_by_run_suggests_and_remembers() {
    let dir = tempfile::tempdir().unwrap();
    let storage = sqlite(dir.path());
    let config = StudyConfig::new("dbr").seed(5);
    let mut s = Study::create(storage, config, &registry()).unwrap();
    let lr = Param::Float(FloatParam::new(1e-5, 1e-1, true, None, None).unwrap());
    let mut values = Vec::new();
    for i in 0..6 {
        let t = s.ask_open().unwrap();
        assert!(t.params.is_empty());
        let v = s.suggest(t.id, "lr", &lr).unwrap();
        assert_eq!(
            s.suggest(t.id, "lr", &lr).unwrap(),
            v,
            "a repeated suggestion returns the same value"
        );
        if i % 2 == 0 {
            let depth =
                Param::Int(hyperspace_engine::IntParam::new(1, 5, false, None, None).unwrap());
            s.suggest(t.id, "depth", &depth).unwrap();
        }
        values.push(v.as_f64().unwrap());
        s.tell(t.id, Outcome::complete(values[i])).unwrap();
    }
    assert_eq!(
        s.space().names(),
        ["lr", "depth"],
        "the space grows with what trials suggest"
    );
    let other = Param::Float(FloatParam::new(0.0, 1.0, false, None, None).unwrap());
    let t = s.ask_open().unwrap();
    let err = s.suggest(t.id, "lr", &other).unwrap_err().to_string();
    assert!(err.contains("use one definition per name"), "{err}");
    assert!(values.iter().all(|v| (1e-5..=1e-1).contains(v)));

    // Within one trial too: a repeated suggestion with another definition
    // is refused, not answered with the first value coerced.
    let t = s.ask_open().unwrap();
    s.suggest(t.id, "lr", &lr).unwrap();
    let err = s.suggest(t.id, "lr", &other).unwrap_err().to_string();
    assert!(
        err.contains("was suggested as float(0, 1)") && err.contains("already has it as"),
        "{err}"
    );
    // And for a queued trial whose value was set at enqueue time.
    let mut queued = hyperspace_engine::Params::new();
    queued.insert("depth".into(), 3i64.into());
    s.enqueue(queued).unwrap();
    let t = s.ask_open().unwrap();
    let err = s.suggest(t.id, "depth", &other).unwrap_err().to_string();
    assert!(err.contains("use one definition per name"), "{err}");
}

#[test]
fn decided_values_are_written_once_per_trial_when_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let config = StudyConfig::new("batched").seed(5);
    let mut s = Study::create(sqlite(dir.path()), config, &registry()).unwrap();
    let x = Param::Float(FloatParam::new(-5.0, 5.0, false, None, None).unwrap());
    let y = Param::Float(FloatParam::new(0.0, 1.0, false, None, None).unwrap());
    for i in 0..3 {
        let t = s.ask_open().unwrap();
        let vx = s.decide(t.id, "x", &x).unwrap();
        let vy = s.decide(t.id, "y", &y).unwrap();
        assert!(
            s.storage().trial(t.id).unwrap().params.is_empty(),
            "a decided value is not written until it is recorded"
        );
        if i > 0 {
            // Every finished trial has x and y: the searcher proposed them
            // jointly at the first decision, and both came from it.
            let proposed = s.proposed(t.id).expect("a joint proposal");
            assert_eq!(proposed.get("x"), Some(&vx));
            assert_eq!(proposed.get("y"), Some(&vy));
        }
        let mut params = Params::new();
        params.insert("x".into(), vx.clone());
        params.insert("y".into(), vy.clone());
        let recorded = s.record_params(t.id, params).unwrap();
        assert_eq!(recorded.params.get("x"), Some(&vx));
        assert_eq!(s.storage().trial(t.id).unwrap().params.len(), 2);
        s.tell(t.id, Outcome::complete(vx.as_f64().unwrap()))
            .unwrap();
        assert!(
            s.proposed(t.id).is_none(),
            "a told trial's proposal is dropped"
        );
    }

    // What is recorded must be a value of a parameter the study knows, on
    // a trial still running.
    let t = s.ask_open().unwrap();
    let mut unknown = Params::new();
    unknown.insert("z".into(), Value::Float(0.5));
    let err = s.record_params(t.id, unknown).unwrap_err();
    assert!(
        matches!(err, Error::InvalidConfig { ref param, .. } if param == "z"),
        "{err}"
    );
    let mut outside = Params::new();
    outside.insert("y".into(), Value::Float(7.0));
    let err = s.record_params(t.id, outside.clone()).unwrap_err();
    assert!(
        matches!(err, Error::InvalidConfig { ref param, .. } if param == "y"),
        "{err}"
    );
    assert!(
        s.storage().trial(t.id).unwrap().params.is_empty(),
        "nothing half-written"
    );
    s.tell(t.id, Outcome::failed("stop")).unwrap();
    let mut fine = Params::new();
    fine.insert("y".into(), Value::Float(0.5));
    let err = s.record_params(t.id, fine).unwrap_err();
    assert!(matches!(err, Error::TrialFinished { .. }), "{err}");
}

/// A define-by-run TPE study for the one-write tests, without heartbeats:
/// every bump of the change counter is one of the test's writes.
fn one_write_study(storage: Arc<dyn hyperspace_engine::Storage>) -> Study {
    let config = StudyConfig::new("one-write")
        .searcher("tpe", serde_json::Value::Null)
        .seed(5);
    let mut s = Study::create(storage, config, &registry()).unwrap();
    s.set_lease(None);
    s
}

/// The values `decide` hands trial `id` for x in [-5, 5] and y in [0, 1].
fn handed(s: &mut Study, id: TrialId) -> Params {
    let x = Param::Float(FloatParam::new(-5.0, 5.0, false, None, None).unwrap());
    let y = Param::Float(FloatParam::new(0.0, 1.0, false, None, None).unwrap());
    let mut params = Params::new();
    params.insert("x".into(), s.decide(id, "x", &x).unwrap());
    params.insert("y".into(), s.decide(id, "y", &y).unwrap());
    params
}

/// `good` spoiled three ways, each with the name it spoils: a value
/// outside its range, a name never suggested, a value that is not a number.
fn refused_values(good: &Params) -> Vec<(&'static str, Params)> {
    [
        ("y", Value::Float(7.0)),
        ("z", Value::Float(0.5)),
        ("x", Value::Float(f64::NAN)),
    ]
    .into_iter()
    .map(|(name, value)| {
        let mut bad = good.clone();
        bad.insert(name.into(), value);
        (name, bad)
    })
    .collect()
}

/// Issue 16: a define-by-run trial told with the values it was handed
/// costs one write after its creation (the values go in with the result,
/// not in a write of their own), and a tell refused for any reason leaves
/// none of them written.
#[test]
fn a_tell_writes_the_handed_values_with_the_result_in_one_write() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = one_write_study(sqlite(dir.path()));
    for _ in 0..4 {
        let t = s.ask_open().unwrap();
        s.propose_handed(&t).unwrap();
        let params = handed(&mut s, t.id);
        let done = s
            .tell(t.id, Outcome::complete(1.0).params(params.clone()))
            .unwrap();
        assert_eq!(
            done.change,
            t.change + 1,
            "one write after the trial's creation"
        );
        assert_eq!(done.state, TrialState::Complete);
        assert_eq!(done.params, params);
        assert_eq!(s.storage().trial(t.id).unwrap().params, params);
    }
    let last = s.trials().unwrap().last().unwrap().clone();
    assert_eq!(
        last.meta.proposer.as_deref(),
        Some("tpe"),
        "the searcher that proposed them is recorded with them"
    );

    // Refused: a value outside its range, a name never suggested, a value
    // that is not a number. Nothing of the tell is written.
    let t = s.ask_open().unwrap();
    let good = handed(&mut s, t.id);
    for (name, bad) in refused_values(&good) {
        let err = s
            .tell(t.id, Outcome::complete(1.0).params(bad))
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidConfig { ref param, .. } if param == name),
            "{name}: {err}"
        );
        let stored = s.storage().trial(t.id).unwrap();
        assert_eq!(stored.state, TrialState::Running, "{name}");
        assert!(stored.params.is_empty(), "{name}: nothing half-written");
        assert_eq!(stored.change, t.change, "{name}: no write at all");
    }
    // A refused result (not a number) writes none of the values either.
    let err = s
        .tell(t.id, Outcome::complete(f64::NAN).params(good.clone()))
        .unwrap_err();
    assert!(matches!(err, Error::NonFiniteValue { .. }), "{err}");
    assert!(s.storage().trial(t.id).unwrap().params.is_empty());
    let failed = s
        .tell(t.id, Outcome::failed("crashed").params(good.clone()))
        .unwrap();
    assert_eq!(failed.state, TrialState::Failed);
    assert_eq!(failed.params, good, "a failed trial keeps what it ran with");
    let err = s
        .tell(t.id, Outcome::complete(1.0).params(good))
        .unwrap_err();
    assert!(matches!(err, Error::TrialFinished { .. }), "{err}");
}

/// Issue 16: a define-by-run trial's first report carries the values it
/// was handed and costs one write, on every back-end; a report refused
/// for any reason writes none of them, and one replayed keeps its first
/// value.
#[test]
fn a_first_report_writes_the_handed_values_with_it_in_one_write() {
    for (name, storage, _keep) in hyperspace_tests::backends() {
        let mut s = one_write_study(storage);
        for _ in 0..4 {
            let t = s.ask_open().unwrap();
            s.propose_handed(&t).unwrap();
            let params = handed(&mut s, t.id);
            let first = s
                .report_with_params(t.id, Report::value(0, 2.0), params.clone())
                .unwrap();
            assert_eq!(first.trial.change, t.change + 1, "{name}: one write");
            assert!(first.repeated.is_empty(), "{name}");
            let stored = s.storage().trial(t.id).unwrap();
            assert_eq!(stored.params, params, "{name}");
            assert_eq!(stored.intermediate.get(&0), Some(&2.0), "{name}");
            // Replayed after an outage: the first value kept, no new params.
            let again = s
                .report_with_params(t.id, Report::value(0, 5.0), params.clone())
                .unwrap();
            assert_eq!(again.repeated, [Series::Objective], "{name}");
            assert_eq!(again.trial.intermediate.get(&0), Some(&2.0), "{name}");
            let done = s.tell(t.id, Outcome::complete(1.0)).unwrap();
            assert_eq!(done.params, params, "{name}");
        }
        let last = s.trials().unwrap().last().unwrap().clone();
        assert_eq!(
            last.meta.proposer.as_deref(),
            Some("tpe"),
            "{name}: the searcher that proposed them is recorded with them"
        );

        // Refused: a value outside its range, a name never suggested, a
        // value that is not a number, a report that is not a number.
        let t = s.ask_open().unwrap();
        let good = handed(&mut s, t.id);
        for (what, bad) in refused_values(&good) {
            let err = s
                .report_with_params(t.id, Report::value(0, 1.0), bad)
                .unwrap_err();
            assert!(
                matches!(err, Error::InvalidConfig { ref param, .. } if param == what),
                "{name} {what}: {err}"
            );
        }
        let err = s
            .report_with_params(t.id, Report::value(0, f64::NAN), good.clone())
            .unwrap_err();
        assert!(matches!(err, Error::NonFiniteValue { .. }), "{name}: {err}");
        let stored = s.storage().trial(t.id).unwrap();
        assert!(stored.params.is_empty(), "{name}: nothing half-written");
        assert!(stored.intermediate.is_empty(), "{name}");
        assert_eq!(stored.change, t.change, "{name}: no write at all");
        s.tell(t.id, Outcome::failed("stop")).unwrap();
        let err = s
            .report_with_params(t.id, Report::value(1, 1.0), good)
            .unwrap_err();
        assert!(matches!(err, Error::TrialFinished { .. }), "{name}: {err}");
    }
}

/// A searcher that proposes uniformly and notes, at each proposal, the
/// values it sees on running trials (the pending ones).
#[derive(Debug)]
struct PendingSpy(Arc<std::sync::Mutex<Vec<Params>>>);

impl hyperspace_engine::Searcher for PendingSpy {
    fn sample_relative(
        &mut self,
        ctx: &hyperspace_engine::SearchContext<'_>,
        space: &Space,
        rng: &mut dyn rand::RngCore,
    ) -> Result<hyperspace_engine::Proposal, SearchError> {
        let mut seen = self.0.lock().unwrap();
        for t in ctx.trials.iter().filter(|t| t.state == TrialState::Running) {
            seen.push(t.params.clone());
        }
        Ok(hyperspace_engine::Proposal::new(space.sample_uniform(rng)))
    }
}

/// Values decided but not yet written (issue 16's batched writes) still
/// count as pending for the next proposals of the same study, so trials
/// asked together are not all sent to one point (issue 20).
#[test]
fn decided_but_unwritten_values_count_as_pending() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut registry = registry();
    let spy = seen.clone();
    registry.register("spy", move |_| Ok(Box::new(PendingSpy(spy.clone()))));
    let dir = tempfile::tempdir().unwrap();
    let config = StudyConfig::new("pending")
        .searcher("spy", serde_json::Value::Null)
        .seed(2);
    let mut s = Study::create(sqlite(dir.path()), config, &registry).unwrap();
    let x = Param::Float(FloatParam::new(-5.0, 5.0, false, None, None).unwrap());
    let z = Param::Float(FloatParam::new(0.0, 1.0, false, None, None).unwrap());
    for _ in 0..3 {
        let t = s.ask_open().unwrap();
        let v = s.suggest(t.id, "x", &x).unwrap();
        s.tell(t.id, Outcome::complete(v.as_f64().unwrap()))
            .unwrap();
    }
    // Trial a: x from the joint proposal, z sampled on its own; neither written.
    let a = s.ask_open().unwrap();
    let ax = s.decide(a.id, "x", &x).unwrap();
    let az = s.decide(a.id, "z", &z).unwrap();
    assert!(s.storage().trial(a.id).unwrap().params.is_empty());
    seen.lock().unwrap().clear();
    let b = s.ask_open().unwrap();
    s.decide(b.id, "x", &x).unwrap();
    let seen = seen.lock().unwrap();
    let pending_a = seen
        .iter()
        .find(|p| p.get("x") == Some(&ax))
        .expect("trial a is pending at its decided x");
    assert_eq!(pending_a.get("z"), Some(&az), "and at its decided z");
    drop(seen);
    // Once told, storage's record replaces the in-process view.
    let mut params = Params::new();
    params.insert("x".into(), ax.clone());
    s.record_params(a.id, params).unwrap();
    s.tell(a.id, Outcome::complete(1.0)).unwrap();
    let told = s
        .trials()
        .unwrap()
        .iter()
        .find(|t| t.id == a.id)
        .unwrap()
        .clone();
    assert_eq!(told.params.get("x"), Some(&ax));
    assert_eq!(told.params.get("z"), None, "z was never recorded");
}

/// A value decided by another process of the study (an executor's remote
/// task) names a parameter this process has not seen: recording it reads
/// the stored space instead of refusing it (which once left the driver
/// retrying for an hour).
#[test]
fn values_of_a_parameter_another_process_added_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let mut driver = Study::create(
        sqlite(dir.path()),
        StudyConfig::new("remote").seed(1),
        &registry(),
    )
    .unwrap();
    let mut remote = Study::load(sqlite(dir.path()), "remote", &registry()).unwrap();
    let t = driver.ask_open().unwrap();
    let x = Param::Float(FloatParam::new(0.0, 1.0, false, None, None).unwrap());
    let value = remote.decide(t.id, "x", &x).unwrap();
    let mut params = Params::new();
    params.insert("x".into(), value.clone());
    let recorded = driver.record_params(t.id, params).unwrap();
    assert_eq!(recorded.params.get("x"), Some(&value));
    // A name nobody suggested is still refused.
    let mut unknown = Params::new();
    unknown.insert("nope".into(), Value::Float(0.5));
    let err = driver.record_params(t.id, unknown).unwrap_err().to_string();
    assert!(err.contains("was not suggested"), "{err}");
}

#[test]
fn a_pending_result_records_the_values_it_carries() {
    let dir = tempfile::tempdir().unwrap();
    let config = StudyConfig::new("carried").seed(2);
    let mut s = Study::create(sqlite(dir.path()), config, &registry()).unwrap();
    let x = Param::Float(FloatParam::new(0.0, 1.0, false, None, None).unwrap());
    let t = s.ask_open().unwrap();
    let v = s.decide(t.id, "x", &x).unwrap();
    let mut result = PendingResult::finished("carried", t.id, t.number, Outcome::complete(1.0));
    result.params.insert("x".into(), v.clone());
    // Through the journal's form: the values go with the result.
    let line = serde_json::to_string(&result).unwrap();
    let back: PendingResult = serde_json::from_str(&line).unwrap();
    let done = s.record_result(&back).unwrap();
    assert_eq!(done.state, TrialState::Complete);
    assert_eq!(done.params.get("x"), Some(&v));
    // A journal line written before results carried values still reads.
    let mut old: serde_json::Value = serde_json::from_str(&line).unwrap();
    old.as_object_mut().unwrap().remove("params");
    let old: PendingResult = serde_json::from_value(old).unwrap();
    assert!(old.params.is_empty());
}

#[test]
fn enqueued_trials_come_first_and_partial_ones_are_completed() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = study_in(sqlite(dir.path()), "x=float(0,1) opt=choice(a,b)");
    let mut p = Params::new();
    p.insert("x".into(), Value::Float(0.25));
    let queued = s.enqueue(p.clone()).unwrap();
    assert_eq!(queued.state, TrialState::Waiting);
    let t = s.ask().unwrap();
    assert_eq!(t.id, queued.id);
    assert_eq!(t.params["x"], Value::Float(0.25));
    assert!(
        t.params.contains_key("opt"),
        "the searcher fills what the queue left open"
    );
    p.insert("bogus".into(), Value::Int(1));
    assert!(s
        .enqueue(p)
        .unwrap_err()
        .to_string()
        .contains("'bogus': not in the space"));
}

#[test]
fn the_same_seed_reproduces_a_study() {
    let run = |dir: &Path| -> Vec<Params> {
        let mut s = study_in(
            sqlite(dir),
            "x=float(0,1) n=int(1,100,log) opt=choice(a,b,c)",
        );
        (0..10)
            .map(|_| {
                let t = s.ask().unwrap();
                s.tell(t.id, Outcome::complete(1.0)).unwrap();
                t.params
            })
            .collect()
    };
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert_eq!(run(a.path()), run(b.path()));
}

#[test]
fn a_file_that_is_not_a_database_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "these are my notes, not a database ".repeat(100)).unwrap();
    let err = open_storage(path.to_str().unwrap()).unwrap_err();
    assert!(matches!(err, Error::CorruptDatabase { .. }), "{err}");
    assert!(
        err.to_string().contains("not a usable hyperspace database"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap().len(),
        3500,
        "the file must be left untouched"
    );
}

#[test]
fn a_locked_database_gets_a_clear_error_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    let storage = SqliteStorage::open_with_timeout(&path, Duration::from_millis(200)).unwrap();
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let err =
        hyperspace_engine::Storage::create_study(&storage, &StudyConfig::new("s")).unwrap_err();
    assert!(matches!(err, Error::DatabaseLocked { .. }), "{err}");
    assert!(
        err.to_string().contains("locked by another process"),
        "{err}"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    hyperspace_engine::Storage::create_study(&storage, &StudyConfig::new("s")).unwrap();
}

/// Version 4 numbered changes with one counter for the whole file and
/// indexed every state. Version 5 numbers changes within each study (from
/// the study's largest) and indexes only waiting trials: two pages fewer in
/// each commit. A file written by version 4 goes on where it stopped.
#[test]
fn a_version_4_file_goes_on_numbering_changes_within_each_study() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    let (a, b) = {
        let storage = sqlite(dir.path());
        let space = "x=float(0,1)";
        let mut a = study_in(storage.clone(), space);
        let config = StudyConfig::new("b")
            .space(Space::parse(space).unwrap())
            .seed(4);
        let mut b = Study::open(storage, config, &registry()).unwrap();
        for round in 0..3 {
            let study = if round == 1 { &mut b } else { &mut a };
            let t = study.ask().unwrap();
            study.tell(t.id, Outcome::complete(0.5)).unwrap();
        }
        a.enqueue(Params::from_iter([("x".to_string(), Value::Float(0.25))]))
            .unwrap();
        (a.id(), b.id())
    };
    // Back to version 4 as it wrote the file: one counter, its changes
    // interleaved between the studies, the counter at the largest.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP INDEX trials_waiting;
         DROP TABLE study_ids;
         CREATE INDEX trials_by_state ON trials (study_id, state, number);
         UPDATE trials SET change = 10 * id;
         CREATE TABLE counter (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
         INSERT INTO counter (id, value) SELECT 1, MAX(change) FROM trials;
         PRAGMA user_version = 4;",
    )
    .unwrap();
    let largest = |study: hyperspace_engine::StudyId| -> u64 {
        conn.query_row(
            "SELECT MAX(change) FROM trials WHERE study_id = ?1",
            [study.0],
            |r| r.get(0),
        )
        .unwrap()
    };
    let (a_before, b_before) = (largest(a), largest(b));
    assert!(b_before < a_before, "the studies' changes interleave");

    let storage = sqlite(dir.path());
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 5);
    let gone: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('counter', 'trials_by_state')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(gone, 0, "the counter and the state index are dropped");
    let last: i64 = conn
        .query_row("SELECT last FROM study_ids", [], |r| r.get(0))
        .unwrap();
    assert_eq!(last, a.0.max(b.0), "the largest study id so far");

    // The queued trial is still claimed, and each study's next change is
    // above everything it held, so a reader that saw up to there sees it.
    let mut study_a = Study::load(storage.clone(), "s", &registry()).unwrap();
    let queued = study_a.ask_queued().unwrap().expect("the queued trial");
    assert_eq!(queued.params["x"], Value::Float(0.25));
    assert!(
        queued.change > a_before,
        "{} after {a_before}",
        queued.change
    );
    assert_eq!(
        storage
            .trials_since(a, a_before)
            .unwrap()
            .iter()
            .map(|t| t.id)
            .collect::<Vec<_>>(),
        [queued.id]
    );
    let mut study_b = Study::load(storage.clone(), "b", &registry()).unwrap();
    let t = study_b.ask().unwrap();
    // The next change in b follows b's largest, below a's changes.
    assert_eq!(t.change, b_before + 1);
    study_b.tell(t.id, Outcome::complete(0.1)).unwrap();
    assert!(storage.trial(t.id).unwrap().change > t.change);
    assert_eq!(study_b.trials().unwrap().len(), 2);
    assert!(study_a.ask_queued().unwrap().is_none(), "claimed once");

    // Changes start over in a new study, so a study made after the newest
    // one is deleted must not take its id (SQLite would give it again):
    // a reader keeping studies by id would take it for the old one.
    drop((study_a, study_b));
    storage.delete_study(b).unwrap();
    let remade = storage.create_study(&StudyConfig::new("b")).unwrap();
    assert!(
        remade.id.0 > a.0.max(b.0),
        "{:?} after {a:?}, {b:?}",
        remade.id
    );
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("runs.db");
    drop(SqliteStorage::open(&path).unwrap());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    let err = SqliteStorage::open(&path).unwrap_err().to_string();
    assert!(
        err.contains("schema version 99") && err.contains("upgrade hyperspace"),
        "{err}"
    );
    // A negative version is no version hyperspace wrote: damage, not a panic.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = -1")
        .unwrap();
    let err = SqliteStorage::open(&path).unwrap_err();
    assert!(matches!(err, Error::CorruptDatabase { .. }), "{err}");
    assert!(err.to_string().contains("schema version is -1"), "{err}");
}

#[test]
fn missing_studies_and_bad_urls_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let err = Study::load(sqlite(dir.path()), "nope", &registry())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no study named 'nope'") && err.contains("create it first"),
        "{err}"
    );
    let err = open_storage("postgres://localhost:notaport/db")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a PostgreSQL URL"), "{err}");
    let err = open_storage("redis://x").unwrap_err().to_string();
    assert!(err.contains("unknown scheme"), "{err}");
    let config = StudyConfig::new("s").searcher("random", serde_json::json!({"sampler": 3}));
    let err = Study::create(sqlite(dir.path()), config, &registry()).unwrap_err();
    assert!(
        matches!(err, Error::Search(SearchError::InvalidSettings { .. })),
        "{err}"
    );
    let err = Study::create(sqlite(dir.path()), StudyConfig::new(" "), &registry())
        .unwrap_err()
        .to_string();
    assert!(err.contains("non-empty name"), "{err}");
}

/// `Study::should_prune` judges a running trial on the fresh history with
/// the pruner its configuration names (stored, so a study loaded later
/// prunes the same way), and names an unknown trial.
#[test]
fn a_pruner_judges_running_trials_on_the_history() {
    let dir = tempfile::tempdir().unwrap();
    let config = StudyConfig::new("s")
        .space(Space::parse("x=float(0,1)").unwrap())
        .pruner("median", serde_json::json!({"n_startup_trials": 3}))
        .seed(3);
    let mut s = Study::create(sqlite(dir.path()), config, &registry()).unwrap();
    assert!(s.has_pruner());
    for v in [1.0, 2.0, 3.0] {
        let t = s.ask().unwrap();
        s.report(t.id, 0, v).unwrap();
        s.tell(t.id, Outcome::complete(v)).unwrap();
    }
    let behind = s.ask().unwrap();
    s.report(behind.id, 0, 2.5).unwrap();
    assert!(s.should_prune(behind.id).unwrap());
    let ahead = s.ask().unwrap();
    s.report(ahead.id, 0, 1.5).unwrap();
    assert!(!s.should_prune(ahead.id).unwrap());
    let err = s.should_prune(hyperspace_engine::TrialId(999)).unwrap_err();
    assert!(
        matches!(err, hyperspace_engine::Error::TrialNotFound { .. }),
        "{err}"
    );
    // Loaded again, from the stored configuration.
    let mut again = Study::load(sqlite(dir.path()), "s", &registry()).unwrap();
    assert_eq!(again.pruner().map(|p| p.name()), Some("median"));
    assert!(again.should_prune(behind.id).unwrap());
    // A session's override, and none at all.
    again.set_pruner(None);
    assert!(!again.should_prune(behind.id).unwrap());
    let never = registry()
        .build_pruner("none", &serde_json::Value::Null)
        .unwrap();
    assert!(!again.should_prune_with(behind.id, never.as_ref()).unwrap());
}

/// A pruner's name and settings are checked once, when the study is
/// created: nothing is stored when they are wrong, and the error names the
/// pruner and the setting.
#[test]
fn a_bad_pruner_is_refused_at_creation() {
    let dir = tempfile::tempdir().unwrap();
    for (name, settings, needles) in [
        (
            "medain",
            serde_json::Value::Null,
            ["'medain'", "known pruners"],
        ),
        (
            "hyperband",
            serde_json::json!({"min_resource": 9, "max_resource": 3}),
            [
                "'hyperband'",
                "max_resource (3) must be above min_resource (9)",
            ],
        ),
        (
            "median",
            serde_json::json!({"n_warmup": 1}),
            ["'median'", "n_warmup"],
        ),
    ] {
        let config = StudyConfig::new("bad").pruner(name, settings);
        let err = Study::create(sqlite(dir.path()), config, &registry())
            .unwrap_err()
            .to_string();
        for needle in needles {
            assert!(err.contains(needle), "{err}");
        }
    }
    assert!(sqlite(dir.path()).find_study("bad").unwrap().is_none());
    // A study without one never prunes.
    let mut plain = study_in(sqlite(dir.path()), "x=float(0,1)");
    assert!(!plain.has_pruner());
    let t = plain.ask().unwrap();
    assert!(!plain.should_prune(t.id).unwrap());
}

/// A searcher that may run out, counting its joint proposals.
#[derive(Debug)]
struct CountingGrid {
    inner: Box<dyn hyperspace_engine::Searcher>,
    asked: Arc<std::sync::atomic::AtomicUsize>,
}

impl hyperspace_engine::Searcher for CountingGrid {
    fn sample_relative(
        &mut self,
        ctx: &hyperspace_engine::SearchContext<'_>,
        space: &Space,
        rng: &mut dyn rand::RngCore,
    ) -> Result<hyperspace_engine::Proposal, SearchError> {
        self.asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.sample_relative(ctx, space, rng)
    }

    fn may_run_out(&self) -> bool {
        true
    }
}

/// A define-by-run trial of a searcher that may run out is proposed once:
/// the probe made before the trial is created (so an exhausted grid ends a
/// run without a trial) is the trial's proposal, not asked again.
#[test]
fn an_exhaustible_searcher_is_asked_once_per_define_by_run_trial() {
    let asked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut registry = registry();
    let count = asked.clone();
    registry.register("counting-grid", move |_| {
        let inner =
            hyperspace_searchers::builtin_registry().build("grid", &serde_json::Value::Null)?;
        Ok(Box::new(CountingGrid {
            inner,
            asked: count.clone(),
        }))
    });
    let dir = tempfile::tempdir().unwrap();
    let config = StudyConfig::new("grid-once")
        .space(Space::parse("n=int(0,2)").unwrap())
        .searcher("counting-grid", serde_json::Value::Null)
        .seed(3);
    let mut s = Study::create(sqlite(dir.path()), config, &registry).unwrap();
    let n = Param::Int(hyperspace_engine::IntParam::new(0, 2, false, None, None).unwrap());
    let mut seen = Vec::new();
    for _ in 0..3 {
        let t = s.ask_open().unwrap();
        let v = s.suggest(t.id, "n", &n).unwrap();
        seen.push(v.as_f64().unwrap() as i64);
        s.tell(t.id, Outcome::complete(0.0)).unwrap();
    }
    seen.sort_unstable();
    assert_eq!(seen, [0, 1, 2], "the grid's three points, once each");
    assert_eq!(
        asked.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "one joint proposal for each of trials 1 and 2 (before the fix: two each); trial 0, \
         with no finished trial, has no shared parameters to propose jointly"
    );
    assert!(matches!(
        s.ask_open(),
        Err(Error::Search(SearchError::Exhausted { .. }))
    ));
}
