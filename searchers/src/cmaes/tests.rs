//! The generation rule and IPOP restarts, on hand-built histories.

use super::generations::{replay, History, Member, Modelled};
use super::{CmaesSettings, Restart};
use hyperspace_engine::Space;
use hyperspace_surrogate::cmaes::CmaState;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn modelled(d: usize) -> Modelled {
    let text: Vec<String> = (0..d).map(|i| format!("x{i}=float(0,1)")).collect();
    Modelled::of(&Space::parse(&text.join(" ")).unwrap())
}

/// Runs CMA-ES through `replay` alone: each new member is drawn from the
/// replayed state, as the searcher does, and scored by `f` at once.
fn drive(settings: CmaesSettings, d: usize, trials: usize, f: impl Fn(&[f64]) -> f64) -> History {
    let settings = settings.validate().unwrap();
    let m = modelled(d);
    let mut history = History {
        warm: vec![],
        members: vec![],
    };
    let mut last = None;
    for t in 0..trials {
        let run = replay(&settings, &m, &history, 5, last.take()).unwrap();
        let x = run.state.sample(&mut ChaCha8Rng::seed_from_u64(t as u64));
        last = Some(run);
        let loss = f(&x);
        history.members.push(Member {
            x,
            loss: Some(loss),
        });
    }
    history
}

#[test]
fn a_generation_is_told_only_when_its_members_finished() {
    let settings = CmaesSettings {
        population_size: Some(4),
        ..Default::default()
    }
    .validate()
    .unwrap();
    let m = modelled(2);
    let member = |v: f64, loss: Option<f64>| Member {
        x: vec![v, v],
        loss,
    };
    // 4 members, one still running: nothing told.
    let mut history = History {
        warm: vec![],
        members: vec![
            member(0.4, Some(1.0)),
            member(0.5, None),
            member(0.6, Some(2.0)),
            member(0.45, Some(0.5)),
        ],
    };
    assert_eq!(replay(&settings, &m, &history, 1, None).unwrap().told, 0);
    // The next generation only partly full: still waiting.
    history
        .members
        .extend((0..3).map(|i| member(0.3 + 0.1 * i as f64, Some(1.0))));
    assert_eq!(replay(&settings, &m, &history, 1, None).unwrap().told, 0);
    // Next generation full: the first is told with its 3 finished members,
    // and the second too.
    history.members.push(member(0.5, Some(3.0)));
    assert_eq!(replay(&settings, &m, &history, 1, None).unwrap().told, 2);
    // The running member finishing does not change the count.
    history.members[1].loss = Some(0.1);
    assert_eq!(replay(&settings, &m, &history, 1, None).unwrap().told, 2);
}

#[test]
fn a_flat_objective_restarts_with_a_doubled_population() {
    let settings = CmaesSettings {
        population_size: Some(6),
        ..Default::default()
    };
    // 2-D: window 10 + ⌈30·2/6⌉ = 20 generations of a constant.
    let history = drive(settings.clone(), 2, 6 * 21, |_| 1.0);
    let run = replay(
        &settings.clone().validate().unwrap(),
        &modelled(2),
        &history,
        5,
        None,
    )
    .unwrap();
    assert_eq!(run.restarts, 1);
    assert_eq!(run.state.population(), 12);
    // Without IPOP it keeps its first population.
    let none = CmaesSettings {
        restart: Restart::None,
        ..settings
    };
    let run = replay(
        &none.clone().validate().unwrap(),
        &modelled(2),
        &history,
        5,
        None,
    )
    .unwrap();
    assert_eq!((run.restarts, run.state.population()), (0, 6));
}

#[test]
fn a_converged_run_restarts_when_its_step_collapses() {
    // A sphere converges: σ shrinks below tol_x and the run restarts.
    let settings = CmaesSettings {
        tol_x: 1e-4,
        ..Default::default()
    };
    let sphere = |x: &[f64]| x.iter().map(|v| (v - 0.3).powi(2)).sum::<f64>();
    let history = drive(settings.clone(), 3, 600, sphere);
    let run = replay(
        &settings.validate().unwrap(),
        &modelled(3),
        &history,
        5,
        None,
    )
    .unwrap();
    assert!(
        run.restarts >= 1,
        "no restart after {} generations",
        run.told
    );
    let best = history
        .members
        .iter()
        .filter_map(|m| m.loss)
        .fold(f64::INFINITY, f64::min);
    assert!(best < 1e-8, "{best}");
}

#[test]
fn resuming_from_an_earlier_replay_gives_the_same_run() {
    let settings = CmaesSettings::default().validate().unwrap();
    let sphere = |x: &[f64]| x.iter().map(|v| (v - 0.7).powi(2)).sum::<f64>();
    let full = drive(CmaesSettings::default(), 4, 90, sphere);
    let m = modelled(4);
    let prefix = History {
        warm: vec![],
        members: full.members[..47].to_vec(),
    };
    let early = replay(&settings, &m, &prefix, 5, None).unwrap();
    let resumed = replay(&settings, &m, &full, 5, Some(early.clone())).unwrap();
    let fresh = replay(&settings, &m, &full, 5, None).unwrap();
    assert_eq!(resumed.state.mean(), fresh.state.mean());
    assert_eq!(resumed.state.sigma(), fresh.state.sigma());
    // A history that changed inside the prefix is replayed afresh.
    let mut changed = full.clone();
    changed.members[3].loss = Some(-1.0);
    let redone = replay(&settings, &m, &changed, 5, Some(early)).unwrap();
    let fresh = replay(&settings, &m, &changed, 5, None).unwrap();
    assert_eq!(redone.state.mean(), fresh.state.mean());
}

#[test]
fn replay_is_deterministic() {
    let sphere = |x: &[f64]| x.iter().map(|v| (v - 0.7).powi(2)).sum::<f64>();
    let a = drive(CmaesSettings::default(), 4, 100, sphere);
    let b = drive(CmaesSettings::default(), 4, 100, sphere);
    let xs = |h: &History| h.members.iter().map(|m| m.x.clone()).collect::<Vec<_>>();
    assert_eq!(xs(&a), xs(&b));
}

#[test]
fn warm_start_centres_the_first_generation_on_the_best_earlier_trials() {
    let settings = CmaesSettings::default().validate().unwrap();
    let m = modelled(2);
    let warm: Vec<(Vec<f64>, f64)> = (0..30)
        .map(|i| {
            let x = vec![i as f64 / 30.0, 0.9];
            let loss = (x[0] - 0.2f64).abs();
            (x, loss)
        })
        .collect();
    let run = replay(
        &settings,
        &m,
        &History {
            warm,
            members: vec![],
        },
        1,
        None,
    )
    .unwrap();
    let mean = run.state.mean();
    assert!(
        (mean[0] - 0.2).abs() < 0.03 && (mean[1] - 0.9).abs() < 1e-9,
        "{mean:?}"
    );
    let cold = replay(
        &settings,
        &m,
        &History {
            warm: vec![],
            members: vec![],
        },
        1,
        None,
    )
    .unwrap();
    assert_eq!(
        cold.state.mean(),
        CmaState::new(vec![0.5; 2], 1.0 / 6.0, m.kinds.clone(), 6)
            .unwrap()
            .mean()
    );
}
