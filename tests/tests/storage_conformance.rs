//! The promises every storage back-end keeps, run against each of them.

// Test code: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::artifacts::Artifact;
use hyperspace_engine::{
    Direction, Error, Metadata, NewTrial, Objective, Params, Space, StudyConfig, TrialId,
    TrialState, TrialUpdate, Value,
};
use hyperspace_tests::backends;

fn config(name: &str) -> StudyConfig {
    StudyConfig::new(name)
        .space(Space::parse("x=float(0,1)").unwrap())
        .seed(1)
}

fn params(x: f64) -> Params {
    let mut p = Params::new();
    p.insert("x".into(), Value::Float(x));
    p
}

fn finish(value: f64) -> TrialUpdate {
    TrialUpdate::Finish {
        params: Default::default(),
        proposer: None,
        state: TrialState::Complete,
        values: vec![value],
        constraints: Vec::new(),
        metrics: [("acc".to_string(), 0.5)].into_iter().collect(),
        message: None,
        finished: "2026-01-01T00:00:00Z".into(),
    }
}

#[test]
fn studies_are_created_found_listed_and_deleted() {
    for (name, s, _dir) in backends() {
        let a = s.create_study(&config("a")).unwrap();
        s.create_study(&config("b")).unwrap();
        assert!(
            matches!(s.create_study(&config("a")), Err(Error::StudyExists { .. })),
            "{name}"
        );
        assert_eq!(s.find_study("a").unwrap().unwrap(), a, "{name}");
        assert_eq!(
            s.find_study("a").unwrap().unwrap().config.space,
            config("a").space,
            "{name}"
        );
        assert!(s.find_study("zzz").unwrap().is_none(), "{name}");
        let names: Vec<_> = s
            .studies()
            .unwrap()
            .into_iter()
            .map(|r| r.config.name)
            .collect();
        assert_eq!(names, ["a", "b"], "{name}");
        let t = s.create_trial(a.id, &NewTrial::default()).unwrap();
        s.delete_study(a.id).unwrap();
        assert!(s.find_study("a").unwrap().is_none(), "{name}");
        assert!(
            matches!(s.trial(t.id), Err(Error::TrialNotFound { .. })),
            "{name}"
        );
    }
}

#[test]
fn trials_round_trip_with_everything_they_hold() {
    for (name, s, _dir) in backends() {
        let study = s.create_study(&config("s")).unwrap();
        let new = NewTrial {
            state: Some(TrialState::Running),
            params: params(0.25),
            budget: Some(3.0),
            parent: Some(TrialId(77)),
            user_attrs: [("note".to_string(), serde_json::json!({"k": [1, 2]}))]
                .into_iter()
                .collect(),
            meta: Metadata {
                seed: Some(9),
                host: Some("h".into()),
                ..Metadata::default()
            },
            claim: None,
            expect_number: None,
            seed_base: None,
            updates: Vec::new(),
        };
        let t = s.create_trial(study.id, &new).unwrap();
        s.update_trial(t.id, &TrialUpdate::report(1, 0.9)).unwrap();
        s.update_trial(t.id, &TrialUpdate::report(2, 0.7)).unwrap();
        let done = s.update_trial(t.id, &finish(0.5)).unwrap();
        let loaded = s.trial(t.id).unwrap();
        assert_eq!(loaded, done, "{name}");
        assert_eq!(loaded.params, params(0.25), "{name}");
        assert_eq!(loaded.budget, Some(3.0), "{name}");
        assert_eq!(loaded.parent, Some(TrialId(77)), "{name}");
        assert_eq!(
            loaded.user_attrs["note"],
            serde_json::json!({"k": [1, 2]}),
            "{name}"
        );
        assert_eq!(loaded.meta.seed, Some(9), "{name}");
        let seeded = s
            .create_trial(
                study.id,
                &NewTrial {
                    seed_base: Some(5),
                    ..NewTrial::default()
                },
            )
            .unwrap();
        assert_eq!(
            seeded.meta.seed,
            Some(hyperspace_engine::trial_seed(5, seeded.number)),
            "{name}"
        );
        assert_eq!(
            s.trial(seeded.id).unwrap().meta.seed,
            seeded.meta.seed,
            "{name}"
        );
        let seeded = s
            .create_trial(
                study.id,
                &NewTrial {
                    seed_base: Some(5),
                    ..NewTrial::default()
                },
            )
            .unwrap();
        assert_eq!(
            seeded.meta.seed,
            Some(hyperspace_engine::trial_seed(5, seeded.number)),
            "{name}"
        );
        assert_eq!(
            s.trial(seeded.id).unwrap().meta.seed,
            seeded.meta.seed,
            "{name}"
        );
        assert_eq!(loaded.intermediate.len(), 2, "{name}");
        assert_eq!(
            (loaded.state, loaded.value),
            (TrialState::Complete, Some(0.5)),
            "{name}"
        );
        assert_eq!(loaded.metrics["acc"], 0.5, "{name}");
    }
}

/// A study with several objectives keeps them, and its trials keep every
/// value and constraint; a non-finite constraint or value is refused, and
/// nothing of it is stored.
/// Issue 15: a trial's artifact list (path, size, hash) is part of its
/// reproducibility record: it is stored with the trial, kept when later
/// metadata (a heartbeat) carries none, and replaced by a newer list.
#[test]
fn artifact_lists_are_kept_with_the_trial() {
    let artifact = |path: &str, size: u64| Artifact {
        path: path.into(),
        size,
        sha256: format!("{size:064x}"),
    };
    for (name, s, _keep) in backends() {
        let study = s.create_study(&config("art")).unwrap();
        let t = s.create_trial(study.id, &NewTrial::default()).unwrap();
        let listed = Metadata {
            artifacts: vec![artifact("checkpoint.json", 13), artifact("plots/a.svg", 9)],
            ..Metadata::default()
        };
        s.update_trial(t.id, &TrialUpdate::Meta(listed.clone()))
            .unwrap();
        let beat = Metadata {
            heartbeat: Some("2026-01-01T00:00:00Z".into()),
            ..Metadata::default()
        };
        s.update_trial(t.id, &TrialUpdate::Meta(beat)).unwrap();
        assert_eq!(
            s.trial(t.id).unwrap().meta.artifacts,
            listed.artifacts,
            "{name}"
        );
        let newer = Metadata {
            artifacts: vec![artifact("checkpoint.json", 20)],
            ..Metadata::default()
        };
        s.update_trial(t.id, &TrialUpdate::Meta(newer.clone()))
            .unwrap();
        s.update_trial(t.id, &finish(1.0)).unwrap();
        let read = s.trials_since(study.id, 0).unwrap();
        assert_eq!(read[0].meta.artifacts, newer.artifacts, "{name}");
    }
}

#[test]
fn several_objectives_and_constraints_round_trip() {
    for (name, s, _dir) in backends() {
        let config = config("mo").objectives(vec![
            Objective::named("err", Direction::Minimize),
            Objective::named("size", Direction::Maximize),
        ]);
        let study = s.create_study(&config).unwrap();
        assert_eq!(
            s.find_study("mo").unwrap().unwrap().config,
            config,
            "{name}"
        );
        let t = s.create_trial(study.id, &NewTrial::default()).unwrap();
        let finish_with = |values: Vec<f64>, constraints: Vec<f64>| TrialUpdate::Finish {
            params: Default::default(),
            proposer: None,
            state: TrialState::Complete,
            values,
            constraints,
            metrics: Default::default(),
            message: None,
            finished: "2026-01-01T00:00:00Z".into(),
        };
        for (values, constraints) in [
            (vec![0.5, f64::NAN], vec![]),
            (vec![0.5, 2.0], vec![-1.0, f64::INFINITY]),
        ] {
            let err = s.update_trial(t.id, &finish_with(values, constraints));
            assert!(
                matches!(err, Err(Error::NonFiniteValue { .. })),
                "{name}: {err:?}"
            );
            assert_eq!(s.trial(t.id).unwrap().state, TrialState::Running, "{name}");
        }
        s.update_trial(t.id, &finish_with(vec![0.5, 20.0], vec![-1.0, 0.25]))
            .unwrap();
        for back in [
            s.trial(t.id).unwrap(),
            s.trials_since(study.id, 0).unwrap().remove(0),
        ] {
            assert_eq!(back.values, [0.5, 20.0], "{name}");
            assert_eq!(back.value, Some(0.5), "{name}");
            assert_eq!(back.constraints, [-1.0, 0.25], "{name}");
        }
        // One objective: `values` is `[value]`, whatever the body holds.
        let one = s.create_study(&self::config("one")).unwrap();
        let t = s.create_trial(one.id, &NewTrial::default()).unwrap();
        s.update_trial(t.id, &finish(0.75)).unwrap();
        assert_eq!(s.trial(t.id).unwrap().values, [0.75], "{name}");
    }
}

/// Issue 16: a define-by-run trial's values are written with its result,
/// in the one update that finishes it, or not at all.
#[test]
fn a_finish_writes_its_values_with_the_result_or_nothing() {
    for (name, s, _dir) in backends() {
        let study = s.create_study(&config("s")).unwrap();
        let t = s.create_trial(study.id, &NewTrial::default()).unwrap();
        let with_values = |value: f64| match finish(value) {
            TrialUpdate::Finish {
                state,
                values,
                constraints,
                metrics,
                message,
                finished,
                ..
            } => TrialUpdate::Finish {
                params: params(0.25),
                proposer: Some("tpe".into()),
                state,
                values: values.into_iter().map(|_| value).collect(),
                constraints,
                metrics,
                message,
                finished,
            },
            other => other,
        };
        let err = s.update_trial(t.id, &with_values(f64::NAN));
        assert!(
            matches!(err, Err(Error::NonFiniteValue { .. })),
            "{name}: {err:?}"
        );
        let back = s.trial(t.id).unwrap();
        assert_eq!(back.state, TrialState::Running, "{name}");
        assert!(back.params.is_empty(), "{name}: nothing half-written");
        assert_eq!(back.change, t.change, "{name}");
        let done = s.update_trial(t.id, &with_values(0.5)).unwrap();
        let changed = s.trials_since(study.id, t.change).unwrap();
        assert_eq!(changed.len(), 1, "{name}");
        for back in [done, changed[0].clone()] {
            assert_eq!(back.state, TrialState::Complete, "{name}");
            assert_eq!(back.params, params(0.25), "{name}");
            assert_eq!(back.value, Some(0.5), "{name}");
            assert_eq!(back.meta.proposer.as_deref(), Some("tpe"), "{name}");
        }
    }
}

/// Issue 16: a report carries the values a define-by-run trial was handed
/// and writes them in its own transaction: one change, both or nothing,
/// and a replayed report keeps the first value.
#[test]
fn a_report_writes_its_values_with_it_or_nothing() {
    for (name, s, _dir) in backends() {
        let study = s.create_study(&config("s")).unwrap();
        let t = s.create_trial(study.id, &NewTrial::default()).unwrap();
        let report = |value: f64, acc: f64| TrialUpdate::Report {
            step: 3,
            value: Some(value),
            metrics: [("acc".to_string(), acc)].into_iter().collect(),
            params: params(0.25),
            proposer: Some("tpe".into()),
        };
        for refused in [report(f64::NAN, 0.5), report(0.5, f64::INFINITY)] {
            let err = s.update_trial(t.id, &refused);
            assert!(
                matches!(err, Err(Error::NonFiniteValue { .. })),
                "{name}: {err:?}"
            );
            let back = s.trial(t.id).unwrap();
            assert!(back.params.is_empty(), "{name}: nothing half-written");
            assert!(back.intermediate.is_empty(), "{name}");
            assert_eq!(back.meta.proposer, None, "{name}");
            assert_eq!(back.change, t.change, "{name}: no write at all");
        }
        let reported = s.update_trial(t.id, &report(0.5, 0.75)).unwrap();
        let changed = s.trials_since(study.id, t.change).unwrap();
        assert_eq!(changed.len(), 1, "{name}");
        for back in [reported.clone(), changed[0].clone()] {
            assert_eq!(back.state, TrialState::Running, "{name}");
            assert_eq!(back.params, params(0.25), "{name}");
            assert_eq!(back.meta.proposer.as_deref(), Some("tpe"), "{name}");
            assert_eq!(back.intermediate.get(&3), Some(&0.5), "{name}");
            assert_eq!(back.intermediate_metrics["acc"].get(&3), Some(&0.75));
        }
        // Replayed (after an outage) with other numbers: the first kept.
        let again = s.update_trial(t.id, &report(9.0, 9.0)).unwrap();
        assert_eq!(again.intermediate.get(&3), Some(&0.5), "{name}");
        assert_eq!(again.intermediate_metrics["acc"].get(&3), Some(&0.75));
        assert_eq!(again.params, params(0.25), "{name}");
        // A finished trial takes neither.
        s.update_trial(t.id, &finish(1.0)).unwrap();
        let err = s.update_trial(t.id, &report(0.1, 0.1));
        assert!(
            matches!(err, Err(Error::TrialFinished { .. })),
            "{name}: {err:?}"
        );
    }
}

#[test]
fn numbers_are_dense_and_changes_are_fetched_incrementally() {
    for (name, s, _dir) in backends() {
        let study = s.create_study(&config("s")).unwrap();
        let other = s.create_study(&config("other")).unwrap();
        let ids: Vec<_> = (0..5)
            .map(|_| s.create_trial(study.id, &NewTrial::default()).unwrap())
            .collect();
        s.create_trial(other.id, &NewTrial::default()).unwrap();
        assert_eq!(
            ids.iter().map(|t| t.number).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4],
            "{name}"
        );
        let all = s.trials_since(study.id, 0).unwrap();
        assert_eq!(all.len(), 5, "{name}: another study's trials leaked in");
        let mark = all.iter().map(|t| t.change).max().unwrap();
        assert!(s.trials_since(study.id, mark).unwrap().is_empty(), "{name}");
        let changed = s
            .update_trial(ids[2].id, &TrialUpdate::report(0, 1.0))
            .unwrap();
        assert!(changed.change > mark, "{name}: the counter must grow");
        let since = s.trials_since(study.id, mark).unwrap();
        assert_eq!(
            since.iter().map(|t| t.number).collect::<Vec<_>>(),
            [2],
            "{name}"
        );
    }
}

#[test]
fn finished_trials_never_change_and_bad_values_are_refused() {
    for (name, s, _dir) in backends() {
        let study = s.create_study(&config("s")).unwrap();
        let t = s
            .create_trial(
                study.id,
                &NewTrial {
                    params: params(0.1),
                    ..NewTrial::default()
                },
            )
            .unwrap();
        let nan = finish(f64::NAN);
        assert!(
            matches!(
                s.update_trial(t.id, &nan),
                Err(Error::NonFiniteValue { .. })
            ),
            "{name}"
        );
        assert!(matches!(
            s.update_trial(t.id, &TrialUpdate::report(0, f64::INFINITY)),
            Err(Error::NonFiniteValue { .. })
        ));
        s.update_trial(t.id, &finish(1.0)).unwrap();
        let err = s.update_trial(t.id, &finish(2.0)).unwrap_err();
        assert!(
            err.to_string().contains("already complete"),
            "{name}: {err}"
        );
        assert_eq!(s.trial(t.id).unwrap().value, Some(1.0), "{name}");
        assert!(
            matches!(
                s.update_trial(TrialId(999_999), &finish(1.0)),
                Err(Error::TrialNotFound { .. })
            ),
            "{name}"
        );
    }
}

#[test]
fn a_trial_is_created_only_under_the_number_its_proposal_was_made_for() {
    for (name, s, _dir) in backends() {
        let study = s.create_study(&config("s")).unwrap();
        let expecting = |n| NewTrial {
            params: params(0.5),
            expect_number: Some(n),
            ..NewTrial::default()
        };
        assert_eq!(
            s.create_trial(study.id, &expecting(0)).unwrap().number,
            0,
            "{name}"
        );
        let err = s.create_trial(study.id, &expecting(0)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NumberTaken {
                    expected: 0,
                    next: 1
                }
            ),
            "{name}: {err}"
        );
        // Nothing was written: the next number is still 1.
        assert_eq!(s.trials_since(study.id, 0).unwrap().len(), 1, "{name}");
        assert_eq!(
            s.create_trial(study.id, &expecting(1)).unwrap().number,
            1,
            "{name}"
        );
    }
}

#[test]
fn an_abandoned_trial_takes_its_late_result_once_and_nothing_else() {
    for (name, s, _dir) in backends() {
        let study = s.create_study(&config("s")).unwrap();
        let t = s
            .create_trial(
                study.id,
                &NewTrial {
                    params: params(0.1),
                    ..NewTrial::default()
                },
            )
            .unwrap();
        let abandon = TrialUpdate::Abandon {
            message: "silent".into(),
            at: "2026-01-01T00:00:00Z".into(),
        };
        let failed = s.update_trial(t.id, &abandon).unwrap();
        assert_eq!(failed.state, TrialState::Failed, "{name}");
        // Its worker's reports still arrive; new parameters do not.
        s.update_trial(t.id, &TrialUpdate::report(1, 3.0)).unwrap();
        let set = TrialUpdate::SetParams {
            params: params(0.9),
            budget: None,
            parent: None,
            claim: None,
            proposer: None,
        };
        assert!(
            matches!(s.update_trial(t.id, &set), Err(Error::TrialFinished { .. })),
            "{name}"
        );
        // A late report with the values the worker was handed takes them,
        // as a late result does.
        let mut handed = params(0.1);
        handed.insert("y".into(), Value::Float(0.3));
        let report = TrialUpdate::Report {
            step: 2,
            value: Some(2.0),
            metrics: Default::default(),
            params: handed.clone(),
            proposer: None,
        };
        let reported = s.update_trial(t.id, &report).unwrap();
        assert_eq!(reported.params, handed, "{name}");
        assert_eq!(reported.state, TrialState::Failed, "{name}");
        assert!(
            matches!(
                s.update_trial(t.id, &abandon),
                Err(Error::TrialFinished { .. })
            ),
            "{name}: abandoned twice"
        );
        let late = s.update_trial(t.id, &finish(2.5)).unwrap();
        assert_eq!(
            (late.state, late.value),
            (TrialState::Complete, Some(2.5)),
            "{name}"
        );
        assert!(late.meta.late_result.is_some(), "{name}");
        assert!(
            late.message
                .as_deref()
                .unwrap_or("")
                .contains("presumed dead"),
            "{name}: {:?}",
            late.message
        );
        assert_eq!(late.intermediate.get(&1), Some(&3.0), "{name}");
        assert!(
            matches!(
                s.update_trial(t.id, &finish(1.0)),
                Err(Error::TrialFinished { .. })
            ),
            "{name}: a second result"
        );
        assert_eq!(s.trial(t.id).unwrap().value, Some(2.5), "{name}");
    }
}

#[test]
fn only_a_queued_trial_is_withdrawn_and_a_queued_trial_cannot_be_told() {
    for (name, s, _dir) in backends() {
        let study = s.create_study(&config("s")).unwrap();
        let queued = |x| NewTrial {
            state: Some(TrialState::Waiting),
            params: params(x),
            ..NewTrial::default()
        };
        let a = s.create_trial(study.id, &queued(0.1)).unwrap();
        let err = s.update_trial(a.id, &finish(1.0)).unwrap_err();
        assert!(
            matches!(err, Error::InvalidTell { .. }) && err.to_string().contains("queued"),
            "{name}: {err}"
        );
        let withdraw = TrialUpdate::Withdraw {
            message: "not needed".into(),
            at: "2026-01-01T00:00:00Z".into(),
        };
        let w = s.update_trial(a.id, &withdraw).unwrap();
        assert_eq!(w.state, TrialState::Failed, "{name}");
        assert!(
            s.claim_waiting(study.id, &Metadata::default())
                .unwrap()
                .is_none(),
            "{name}"
        );
        let b = s.create_trial(study.id, &queued(0.2)).unwrap();
        s.claim_waiting(study.id, &Metadata::default())
            .unwrap()
            .unwrap();
        assert!(
            matches!(
                s.update_trial(b.id, &withdraw),
                Err(Error::InvalidTell { .. })
            ),
            "{name}: a started trial is not withdrawn"
        );
    }
}

#[test]
fn waiting_trials_are_claimed_once_in_order() {
    for (name, s, _dir) in backends() {
        let study = s.create_study(&config("s")).unwrap();
        for x in [0.1, 0.2] {
            let new = NewTrial {
                state: Some(TrialState::Waiting),
                params: params(x),
                ..NewTrial::default()
            };
            s.create_trial(study.id, &new).unwrap();
        }
        let meta = Metadata {
            host: Some("w1".into()),
            ..Metadata::default()
        };
        let first = s.claim_waiting(study.id, &meta).unwrap().unwrap();
        assert_eq!(
            (first.number, first.state),
            (0, TrialState::Running),
            "{name}"
        );
        assert_eq!(first.meta.host.as_deref(), Some("w1"), "{name}");
        assert_eq!(
            s.claim_waiting(study.id, &meta).unwrap().unwrap().number,
            1,
            "{name}"
        );
        assert!(
            s.claim_waiting(study.id, &meta).unwrap().is_none(),
            "{name}"
        );
        s.update_trial(first.id, &TrialUpdate::Requeue).unwrap();
        assert_eq!(
            s.claim_waiting(study.id, &meta).unwrap().unwrap().number,
            0,
            "{name}: requeued trial comes back"
        );
    }
}

#[test]
fn a_claim_key_is_held_by_one_trial() {
    for (name, s, _dir) in backends() {
        let study = s.create_study(&config("s")).unwrap();
        let other = s.create_study(&config("o")).unwrap();
        let a = s.create_trial(study.id, &NewTrial::default()).unwrap();
        let b = s.create_trial(study.id, &NewTrial::default()).unwrap();
        let take = |claim: &str| TrialUpdate::SetParams {
            params: params(0.5),
            budget: None,
            parent: None,
            claim: Some(claim.into()),
            proposer: Some("grid".into()),
        };
        let taken = s.update_trial(a.id, &take("grid:1")).unwrap();
        // The proposer is kept with the parameters, and read back.
        assert_eq!(taken.meta.proposer.as_deref(), Some("grid"), "{name}");
        let read = s.trial(a.id).unwrap();
        assert_eq!(read.meta.proposer.as_deref(), Some("grid"), "{name}");
        assert!(
            matches!(
                s.update_trial(b.id, &take("grid:1")),
                Err(Error::ClaimTaken { .. })
            ),
            "{name}"
        );
        assert!(
            s.trial(b.id).unwrap().params.is_empty(),
            "{name}: a refused claim must change nothing"
        );
        s.update_trial(b.id, &take("grid:2")).unwrap();
        let dup = NewTrial {
            claim: Some("grid:2".into()),
            ..NewTrial::default()
        };
        assert!(
            matches!(
                s.create_trial(study.id, &dup),
                Err(Error::ClaimTaken { .. })
            ),
            "{name}"
        );
        s.create_trial(other.id, &dup).unwrap(); // claims are per study
    }
}

#[test]
fn space_updates_are_atomic_and_may_refuse() {
    for (name, s, _dir) in backends() {
        let study = s.create_study(&config("s")).unwrap();
        let grown = Space::parse("x=float(0,1) y=int(0,3,default=1)").unwrap();
        let g = grown.clone();
        let stored = s
            .update_space(study.id, &move |old: &Space| {
                assert_eq!(old.names(), ["x"]);
                Ok(g.clone())
            })
            .unwrap();
        assert_eq!(stored, grown, "{name}");
        assert_eq!(
            s.find_study("s").unwrap().unwrap().config.space,
            grown,
            "{name}"
        );
        let refused = s.update_space(study.id, &|_: &Space| {
            Err(Error::InvalidStudy(
                hyperspace_engine::StudyError::EmptyName,
            ))
        });
        assert!(refused.is_err(), "{name}");
        assert_eq!(
            s.find_study("s").unwrap().unwrap().config.space,
            grown,
            "{name}: a refused update must change nothing"
        );
    }
}

#[test]
fn a_trial_is_created_finished_in_one_write_or_not_at_all() {
    for (name, s, _dir) in backends() {
        let study = s.create_study(&config("s")).unwrap();
        let finished = NewTrial {
            params: params(0.3),
            updates: vec![TrialUpdate::report(2, 0.7), finish(0.25)],
            ..NewTrial::default()
        };
        let t = s.create_trial(study.id, &finished).unwrap();
        let stored = s.trial(t.id).unwrap();
        assert_eq!(stored.state, TrialState::Complete, "{name}");
        assert_eq!(stored.value, Some(0.25), "{name}");
        assert_eq!(stored.intermediate.get(&2), Some(&0.7), "{name}");
        assert_eq!(stored, t, "{name}");
        // A second ending is refused, and nothing is stored.
        let twice = NewTrial {
            updates: vec![finish(1.0), finish(2.0)],
            ..NewTrial::default()
        };
        assert!(
            matches!(
                s.create_trial(study.id, &twice),
                Err(Error::TrialFinished { .. })
            ),
            "{name}"
        );
        assert_eq!(s.trials_since(study.id, 0).unwrap().len(), 1, "{name}");
        let next = s.create_trial(study.id, &NewTrial::default()).unwrap();
        assert_eq!(next.number, 1, "{name}: a refused trial takes no number");
    }
}

#[test]
fn study_user_attributes_are_kept_and_set_one_key_at_a_time() {
    for (name, s, _dir) in backends() {
        let a = s.create_study(&config("a")).unwrap();
        let b = s.create_study(&config("b")).unwrap();
        assert!(s.study_attrs(a.id).unwrap().is_empty(), "{name}");
        s.set_study_attr(a.id, "dataset", &serde_json::json!("mnist"))
            .unwrap();
        s.set_study_attr(a.id, "folds", &serde_json::json!([1, 2]))
            .unwrap();
        s.set_study_attr(a.id, "dataset", &serde_json::json!("cifar"))
            .unwrap();
        let attrs = s.study_attrs(a.id).unwrap();
        assert_eq!(
            attrs.get("dataset"),
            Some(&serde_json::json!("cifar")),
            "{name}"
        );
        assert_eq!(
            attrs.get("folds"),
            Some(&serde_json::json!([1, 2])),
            "{name}"
        );
        assert_eq!(attrs.len(), 2, "{name}");
        assert!(s.study_attrs(b.id).unwrap().is_empty(), "{name}");
        s.delete_study(a.id).unwrap();
        assert!(s.study_attrs(a.id).is_err(), "{name}");
        assert!(
            s.set_study_attr(a.id, "k", &serde_json::json!(1)).is_err(),
            "{name}"
        );
    }
}
