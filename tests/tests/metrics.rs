//! Several named metrics per step, and the repeated-step rule (issues 14
//! and 16), on every storage back-end: what a trial reports is kept per
//! (trial, metric, step), the objective's series stays the one pruners
//! read, a repeated step keeps its first value and says so, and a retry
//! starts with empty series.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{
    Error, Outcome, PendingResult, Report, Series, Space, Storage, Study, StudyConfig, TellError,
    TrialState, OBJECTIVE_KEY,
};
use hyperspace_tests::backends;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

fn study(storage: Arc<dyn Storage>, objective: Option<&str>) -> Study {
    let registry = hyperspace_searchers::builtin_registry();
    // One study per objective name, so two may share a storage.
    let config = StudyConfig::new(objective.unwrap_or("unnamed"))
        .space(Space::parse("x=float(0,1)").unwrap())
        .objective_name(objective.map(str::to_string))
        .seed(5);
    Study::open(storage, config, &registry).unwrap()
}

/// The objective's value and an accuracy at `step`, in one report.
fn with_acc(step: u64, value: f64, acc: f64) -> Report {
    let mut report = Report::metrics(step, [("acc", acc)]);
    report.value = Some(value);
    report
}

fn series(points: &[(u64, f64)]) -> BTreeMap<u64, f64> {
    points.iter().copied().collect()
}

#[test]
fn several_metrics_per_step_are_kept_apart_from_the_objectives_series() {
    for (name, s, _keep) in backends() {
        let mut st = study(s.clone(), Some("val_loss"));
        let t = st.ask().unwrap();
        for step in 0..3u64 {
            let loss = 1.0 / (step + 1) as f64;
            let report = Report::metrics(
                step,
                [("val_loss", loss), ("acc", 0.5 + step as f64 / 10.0)],
            );
            let done = st.report_metrics(t.id, report).unwrap();
            assert!(done.repeated.is_empty(), "{name}");
        }
        // A metric alone at a step; the objective alone at another.
        st.report_metrics(t.id, Report::metrics(3, [("lr", 0.01)]))
            .unwrap();
        st.report(t.id, 3, 0.2).unwrap();
        let told = st.tell(t.id, Outcome::complete(0.2)).unwrap();
        let stored = s.trial(t.id).unwrap();
        assert_eq!(stored, told, "{name}");
        // The objective's name routes to the series pruners read.
        assert_eq!(
            stored.intermediate,
            series(&[(0, 1.0), (1, 0.5), (2, 1.0 / 3.0), (3, 0.2)]),
            "{name}"
        );
        assert_eq!(
            stored.intermediate_metrics.keys().collect::<Vec<_>>(),
            ["acc", "lr"],
            "{name}"
        );
        assert_eq!(
            stored.intermediate_metrics["acc"],
            series(&[(0, 0.5), (1, 0.6), (2, 0.7)]),
            "{name}"
        );
        assert_eq!(stored.intermediate_metrics["lr"], series(&[(3, 0.01)]));
    }
}

#[test]
fn without_an_objective_name_the_value_key_is_the_objectives_series() {
    for (name, s, _keep) in backends() {
        let mut st = study(s, None);
        let t = st.ask().unwrap();
        let report = Report::metrics(0, [(OBJECTIVE_KEY, 2.0), ("val_loss", 9.0)]);
        let done = st.report_metrics(t.id, report).unwrap();
        assert_eq!(done.trial.intermediate, series(&[(0, 2.0)]), "{name}");
        assert_eq!(
            done.trial.intermediate_metrics.keys().collect::<Vec<_>>(),
            ["val_loss"],
            "{name}"
        );
        // With a named objective, `value` is a metric like any other.
        let mut named = study(st.storage().clone(), Some("val_loss"));
        let u = named.ask().unwrap();
        let report = Report::metrics(0, [(OBJECTIVE_KEY, 2.0), ("val_loss", 9.0)]);
        let done = named.report_metrics(u.id, report).unwrap();
        assert_eq!(done.trial.intermediate, series(&[(0, 9.0)]), "{name}");
        assert_eq!(
            done.trial.intermediate_metrics[OBJECTIVE_KEY],
            series(&[(0, 2.0)]),
            "{name}"
        );
    }
}

#[test]
fn a_bad_report_writes_nothing_of_itself() {
    for (name, s, _keep) in backends() {
        let mut st = study(s.clone(), Some("loss"));
        let t = st.ask().unwrap();
        let nan = Report::metrics(0, [("acc", 0.9), ("f1", f64::NAN)]);
        let err = st.report_metrics(t.id, nan).unwrap_err();
        assert!(err.to_string().contains("metric 'f1'"), "{name}: {err}");
        let twice = Report {
            step: 0,
            value: Some(1.0),
            metrics: [("loss".to_string(), 2.0)].into_iter().collect(),
        };
        let err = st.report_metrics(t.id, twice).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidTell {
                    reason: TellError::ObjectiveReportedTwice { step: 0, .. },
                    ..
                }
            ),
            "{name}: {err}"
        );
        let stored = s.trial(t.id).unwrap();
        assert!(stored.intermediate.is_empty(), "{name}");
        assert!(stored.intermediate_metrics.is_empty(), "{name}");
    }
}

#[test]
fn issue_16_a_repeated_step_keeps_the_first_value_and_says_so() {
    for (name, s, _keep) in backends() {
        let mut st = study(s.clone(), None);
        let t = st.ask().unwrap();
        st.report_metrics(t.id, with_acc(4, 1.0, 0.5)).unwrap();
        // The same step again: both series keep their first value; a new
        // metric at that step is taken.
        let again = st
            .report_metrics(
                t.id,
                Report {
                    step: 4,
                    value: Some(7.0),
                    metrics: [("acc".to_string(), 0.9), ("f1".to_string(), 0.3)]
                        .into_iter()
                        .collect(),
                },
            )
            .unwrap();
        assert_eq!(
            again.repeated,
            [Series::Objective, Series::Metric("acc".into())],
            "{name}"
        );
        let warning = again.warning().unwrap();
        assert!(
            warning.contains("step 4") && warning.contains("metric 'acc'"),
            "{warning}"
        );
        // Even the same value again is a repeat (said, not counted twice).
        let same = st.report(t.id, 4, 1.0).unwrap();
        assert_eq!(same.repeated, [Series::Objective], "{name}");
        assert!(same.warning().is_some());
        let stored = s.trial(t.id).unwrap();
        assert_eq!(stored.intermediate, series(&[(4, 1.0)]), "{name}");
        assert_eq!(stored.intermediate_metrics["acc"], series(&[(4, 0.5)]));
        assert_eq!(stored.intermediate_metrics["f1"], series(&[(4, 0.3)]));
        // A new step is no repeat.
        assert!(st.report(t.id, 5, 0.5).unwrap().warning().is_none());
    }
}

#[test]
fn issue_16_a_requeued_trial_starts_a_fresh_attempt() {
    for (name, s, _keep) in backends() {
        let mut st = study(s.clone(), None);
        let t = st.ask().unwrap();
        st.report_metrics(t.id, with_acc(0, 3.0, 0.1)).unwrap();
        // Its worker stops: the trial goes back to the queue ...
        let queued = st.requeue(t.id).unwrap();
        assert_eq!(queued.state, TrialState::Waiting, "{name}");
        assert!(queued.intermediate.is_empty(), "{name}");
        assert!(queued.intermediate_metrics.is_empty(), "{name}");
        // ... and whoever takes it up reports from step 0 again, unblocked.
        let retry = st.ask().unwrap();
        assert_eq!(retry.id, t.id, "{name}");
        let first = st.report(t.id, 0, 2.0).unwrap();
        assert!(first.repeated.is_empty(), "{name}");
        let told = st.tell(t.id, Outcome::pruned()).unwrap();
        assert_eq!(told.value, Some(2.0), "{name}: the retry's own last value");
    }
}

#[test]
fn issue_16_a_presumed_dead_trial_keeps_its_series_and_its_copy_starts_empty() {
    for (name, s, _keep) in backends() {
        let mut worker = study(s.clone(), None);
        worker.set_lease(Some(Duration::from_millis(100)));
        let t = worker.ask().unwrap();
        worker.report(t.id, 0, 0.9).unwrap();
        worker.set_lease(None);
        std::thread::sleep(Duration::from_millis(250));
        let mut other = study(s.clone(), None);
        let copies = other.recover_stale(Duration::from_millis(10)).unwrap();
        assert_eq!(copies.len(), 1, "{name}");
        assert!(copies[0].intermediate.is_empty(), "{name}");
        // The original's worker was alive: its late reports still count,
        // by the same first-value rule (a replayed step is not taken twice).
        let late = worker.report(t.id, 0, 0.8).unwrap();
        assert_eq!(late.repeated, [Series::Objective], "{name}");
        worker.report(t.id, 1, 0.7).unwrap();
        let stored = s.trial(t.id).unwrap();
        assert_eq!(stored.intermediate, series(&[(0, 0.9), (1, 0.7)]));
        // The copy's own run reports from step 0, unblocked.
        let copy = other.ask().unwrap();
        assert_eq!(copy.id, copies[0].id, "{name}");
        assert!(other.report(copy.id, 0, 0.6).unwrap().repeated.is_empty());
    }
}

#[test]
fn issue_16_reports_kept_through_an_outage_are_recorded_once() {
    for (name, s, _keep) in backends() {
        let mut st = study(s.clone(), None);
        let t = st.ask().unwrap();
        // Step 0 went through before the outage; steps 0 (again, as a
        // retried write whose answer was lost) and 1 waited with the result.
        st.report_metrics(t.id, with_acc(0, 1.0, 0.5)).unwrap();
        let mut result = PendingResult::finished("unnamed", t.id, t.number, Outcome::complete(0.4));
        for step in [0, 1] {
            result.keep_report(&Report {
                step,
                value: Some(9.0 + step as f64),
                metrics: [("acc".to_string(), 0.9)].into_iter().collect(),
            });
        }
        // A report kept twice keeps its first value, as storage does.
        result.keep_report(&Report::metrics(1, [("acc", 0.1)]));
        let recorded = st.record_result(&result).unwrap();
        // Recorded again (by a recovery reading the journal): nothing twice.
        let again = st.record_result(&result).unwrap();
        assert_eq!(again, recorded, "{name}");
        assert_eq!(recorded.state, TrialState::Complete, "{name}");
        assert_eq!(recorded.intermediate, series(&[(0, 1.0), (1, 10.0)]));
        assert_eq!(
            recorded.intermediate_metrics["acc"],
            series(&[(0, 0.5), (1, 0.9)]),
            "{name}"
        );
    }
}
