//! The dashboard's analysis views over HTTP (issue 14): parallel
//! coordinates and slice, contour, parameter importance and the Pareto
//! front, on real SQLite studies, with the page's filter.

use crate::dashboard_setup::{storage, Dashboard};
use crate::setup::{one_line_error, Lab};
use hyperspace_engine::{
    Direction, NewTrial, Objective, Params, Space, StudyConfig, StudyId, TrialState, TrialUpdate,
    Value,
};
use serde_json::Value as Json;
use std::path::Path;

/// The parameters of trial `i` of [`make_mixed_study`]: `x` sweeps
/// 0..1 in tenths, `lr` a fixed low-discrepancy walk over its log range,
/// `opt` alternates.
pub fn mixed_params(i: usize) -> (f64, f64, &'static str) {
    let x = (i % 10) as f64 / 10.0;
    let u = (i as f64 * 0.618_033_988_749_895).fract();
    let lr = 10f64.powf(-4.0 + 3.0 * u);
    (x, lr, if i.is_multiple_of(2) { "adam" } else { "sgd" })
}

/// The objective of [`make_mixed_study`]: driven by `x` (a bowl at 0.3),
/// a little by `opt`, not at all by `lr`.
pub fn mixed_value(i: usize) -> f64 {
    let (x, _, opt) = mixed_params(i);
    10.0 * (x - 0.3).powi(2) + if opt == "sgd" { 0.2 } else { 0.0 }
}

/// A minimizing study over `x=float(0,1) lr=log(1e-4,1e-1)
/// opt=choice(adam,sgd)` with `n` complete trials and one failed one.
pub fn make_mixed_study(db: &Path, name: &str, n: usize) -> StudyId {
    let config = StudyConfig::new(name)
        .direction(Direction::Minimize)
        .space(Space::parse("x=float(0,1) lr=log(1e-4,1e-1) opt=choice(adam,sgd)").unwrap())
        .searcher("random", Json::Null)
        .seed(3);
    let study = storage(db).create_study(&config).unwrap().id;
    for i in 0..=n {
        add_mixed_trial(db, study, i, i == n);
    }
    study
}

/// Writes trial `i` of [`make_mixed_study`], complete or failed.
pub fn add_mixed_trial(db: &Path, study: StudyId, i: usize, failed: bool) {
    let (x, lr, opt) = mixed_params(i);
    let mut params = Params::new();
    params.insert("x".into(), Value::Float(x));
    params.insert("lr".into(), Value::Float(lr));
    params.insert("opt".into(), Value::Str(opt.into()));
    finish(&storage(db), study, params, failed, vec![mixed_value(i)]);
}

/// A study minimizing `f1 = x` and `f2 = (1 - x)² + y` over `x, y` in
/// [0, 1): trial `i` has `x = i / n`, `y` = 0 for even `i` (on the
/// front), 0.5 for odd `i` (dominated by its even neighbour).
pub fn make_two_objective_study(db: &Path, name: &str, n: usize) -> StudyId {
    let config = StudyConfig::new(name)
        .objectives(vec![
            Objective::named("f1", Direction::Minimize),
            Objective::named("f2", Direction::Minimize),
        ])
        .space(Space::parse("x=float(0,1) y=float(0,1)").unwrap())
        .searcher("random", Json::Null)
        .seed(5);
    let store = storage(db);
    let study = store.create_study(&config).unwrap().id;
    for i in 0..n {
        let (x, y) = two_objective_params(i, n);
        let mut params = Params::new();
        params.insert("x".into(), Value::Float(x));
        params.insert("y".into(), Value::Float(y));
        finish(&store, study, params, false, vec![x, (1.0 - x).powi(2) + y]);
    }
    study
}

/// The parameters of trial `i` of [`make_two_objective_study`].
pub fn two_objective_params(i: usize, n: usize) -> (f64, f64) {
    (
        i as f64 / n as f64,
        if i.is_multiple_of(2) { 0.0 } else { 0.5 },
    )
}

fn finish(
    store: &std::sync::Arc<dyn hyperspace_engine::Storage>,
    study: StudyId,
    params: Params,
    failed: bool,
    values: Vec<f64>,
) {
    let new = NewTrial {
        state: Some(TrialState::Running),
        params,
        ..NewTrial::default()
    };
    let trial = store.create_trial(study, &new).unwrap();
    let finish = TrialUpdate::Finish {
        params: Default::default(),
        proposer: None,
        state: if failed {
            TrialState::Failed
        } else {
            TrialState::Complete
        },
        values: if failed { Vec::new() } else { values },
        constraints: Vec::new(),
        metrics: Default::default(),
        message: None,
        finished: "2026-01-01T00:00:00Z".into(),
    };
    store.update_trial(trial.id, &finish).unwrap();
}

fn floats(v: &Json) -> Vec<Option<f64>> {
    v.as_array().unwrap().iter().map(Json::as_f64).collect()
}

#[test]
fn parallel_coordinates_and_slice_have_an_axis_per_parameter_and_follow_the_filter() {
    let lab = Lab::new();
    make_mixed_study(&lab.db(), "mix", 40);
    let server = Dashboard::start(lab.path(), &lab.db());
    let doc = server.ok("/api/study/mix/params");
    assert_eq!(doc["matched"], 40, "the failed trial is left out");
    assert_eq!(doc["shown"], 40);
    let axes = doc["axes"].as_array().unwrap();
    let names: Vec<&str> = axes.iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["x", "lr", "opt"]);
    assert_eq!(axes[1]["log"], true);
    assert_eq!(axes[2]["kind"], "categorical");
    assert_eq!(axes[2]["choices"], serde_json::json!(["adam", "sgd"]));
    // Each trial's coordinates are its values (categories by position).
    let number = doc["number"].as_array().unwrap();
    for (k, n) in number.iter().enumerate() {
        let i = n.as_u64().unwrap() as usize;
        let (x, lr, opt) = mixed_params(i);
        assert_eq!(floats(&doc["columns"][0])[k], Some(x));
        assert!((floats(&doc["columns"][1])[k].unwrap() - lr).abs() < 1e-12);
        let at = if opt == "adam" { 0.0 } else { 1.0 };
        assert_eq!(floats(&doc["columns"][2])[k], Some(at));
        assert_eq!(doc["value"][k].as_f64(), Some(mixed_value(i)));
    }

    let some = server.ok("/api/study/mix/params?where=opt%20%3D%20sgd");
    assert_eq!(some["matched"], 20);
    // Sampled to the budget: the best quarter stays.
    let few = server.ok("/api/study/mix/params?trials=8");
    assert_eq!(few["shown"], 8);
    let best = (0..40).map(mixed_value).fold(f64::INFINITY, f64::min);
    assert!(floats(&few["value"]).contains(&Some(best)));

    let (status, body) = server.get("/api/study/mix/params?where=nope%20%3E%201");
    assert_eq!(status, 400, "{body}");
}

#[test]
fn the_contour_is_a_grid_on_the_axes_scales_with_the_trials_on_top() {
    let lab = Lab::new();
    make_mixed_study(&lab.db(), "mix", 40);
    let server = Dashboard::start(lab.path(), &lab.db());
    let doc = server.ok("/api/study/mix/contour?grid=11");
    assert_eq!(doc["x"]["name"], "x");
    assert_eq!(doc["y"]["name"], "lr");
    let xs = floats(&doc["xs"]);
    let ys = floats(&doc["ys"]);
    assert_eq!((xs.len(), ys.len()), (11, 11));
    // lr's nodes are log-spaced: 1e-4 .. 1e-1 in 10 equal ratios.
    assert!((ys[0].unwrap() - 1e-4).abs() < 1e-15 && (ys[10].unwrap() - 0.1).abs() < 1e-12);
    let ratio = ys[1].unwrap() / ys[0].unwrap();
    assert!((ratio - 10f64.powf(0.3)).abs() < 1e-9, "{ratio}");
    let z = doc["z"].as_array().unwrap();
    assert_eq!(z.len(), 11);
    assert!(z.iter().all(|row| floats(row).iter().all(Option::is_some)));
    assert_eq!(doc["points"]["number"].as_array().unwrap().len(), 40);
    // The objective is a bowl in x at 0.3, whatever lr: averaged over
    // lr, the lowest column is at x = 0.3 (nodes are in tenths, as are the
    // trials' x); and no node leaves the range of the trials' values.
    let rows: Vec<Vec<f64>> = z
        .iter()
        .map(|row| floats(row).into_iter().map(Option::unwrap).collect())
        .collect();
    let column = |i: usize| rows.iter().map(|r| r[i]).sum::<f64>() / 11.0;
    let low = (0..11)
        .min_by(|&a, &b| column(a).total_cmp(&column(b)))
        .unwrap();
    assert_eq!(low, 3, "{rows:?}");
    let (lo, hi) = (0..40)
        .map(mixed_value)
        .fold((f64::INFINITY, 0.0_f64), |(a, b), v| (a.min(v), b.max(v)));
    assert!(rows.iter().flatten().all(|v| (lo..=hi).contains(v)));

    // A categorical axis has one node per category; the filter and the
    // pair are the page's.
    let cat = server.ok("/api/study/mix/contour?x=opt&y=x&grid=11&where=x%20%3C%200.5");
    assert_eq!(cat["xs"].as_array().unwrap().len(), 2);
    assert_eq!(cat["matched"], 20);
    let (status, body) = server.get("/api/study/mix/contour?x=zz");
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("no parameter 'zz'"),
        "{body}"
    );
    assert_eq!(server.get("/api/study/mix/contour?x=x&y=x").0, 400);
}

#[test]
fn importance_ranks_the_parameter_that_matters_and_is_remembered() {
    let lab = Lab::new();
    make_mixed_study(&lab.db(), "mix", 60);
    let server = Dashboard::start(lab.path(), &lab.db());
    let doc = server.ok("/api/study/mix/importance");
    assert_eq!(doc["evaluator"], "fanova");
    assert_eq!(doc["trials"], 60);
    let params: Vec<&str> = doc["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(params.len(), 3);
    assert_eq!(params[0], "x", "{doc}");
    let shares: Vec<f64> = floats(&doc["importance"]).into_iter().flatten().collect();
    assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(shares[0] > 0.5, "{shares:?}");
    // The same answer again (remembered until the study changes).
    assert_eq!(server.ok("/api/study/mix/importance"), doc);
    // Filtered to one trial: a note, not an error.
    let one = server.ok("/api/study/mix/importance?where=number%20%3D%200");
    assert_eq!(one["params"].as_array().unwrap().len(), 0);
    assert!(one["note"].as_str().unwrap().contains("at least"), "{one}");
}

#[test]
fn the_pareto_front_marks_the_non_dominated_trials() {
    let lab = Lab::new();
    make_two_objective_study(&lab.db(), "mo", 30);
    make_mixed_study(&lab.db(), "single", 5);
    let server = Dashboard::start(lab.path(), &lab.db());
    let doc = server.ok("/api/study/mo/pareto");
    assert_eq!(doc["multi"], true);
    assert_eq!(doc["objectives"][1]["name"], "f2");
    assert_eq!(doc["matched"], 30);
    assert_eq!(doc["front_size"], 15);
    for (k, n) in doc["number"].as_array().unwrap().iter().enumerate() {
        let even = n.as_u64().unwrap() % 2 == 0;
        assert_eq!(doc["front"][k], even, "trial {n}");
    }
    // Sampled: the whole front stays.
    let few = server.ok("/api/study/mo/pareto?trials=20");
    assert_eq!(few["shown"], 20);
    let on: usize = few["front"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f.as_bool().unwrap())
        .count();
    assert_eq!(on, 15);
    // The filter: x >= 0.5 leaves trials 15..30, of which the even ones
    // and trial 15 (nothing left beats its f1) are non-dominated.
    let half = server.ok("/api/study/mo/pareto?where=x%20%3E%3D%200.5");
    assert_eq!(half["matched"], 15);
    assert_eq!(half["front_size"], 8);
    // One objective: no front.
    assert_eq!(server.ok("/api/study/single/pareto")["multi"], false);
}

#[test]
fn a_report_carries_the_analysis_views() {
    let lab = Lab::new();
    make_two_objective_study(&lab.db(), "mo", 12);
    lab.hs(&["report", "--study", "mo", "-o", "mo.html"])
        .assert()
        .success();
    let html = std::fs::read_to_string(lab.path().join("mo.html")).unwrap();
    assert!(html.contains("hsStudyViews"), "views.js inline");
    let start = html.find("window.HS_REPORT = ").unwrap() + "window.HS_REPORT = ".len();
    let end = start + html[start..].find(";</script>").unwrap();
    let data: Json = serde_json::from_str(&html[start..end]).unwrap();
    let api = &data["api"];
    assert_eq!(api["/study/mo/params"]["shown"], 12);
    assert_eq!(api["/study/mo/contour"]["z"].as_array().unwrap().len(), 30);
    assert_eq!(api["/study/mo/pareto"]["front_size"], 6);
    assert_eq!(
        api["/study/mo/importance"]["params"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    one_line_error(
        &mut lab.hs(&["report", "--study", "nope", "-o", "x.html"]),
        "no study named 'nope'",
    );
}
