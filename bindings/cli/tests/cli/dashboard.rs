//! `hyperspace dashboard`: its JSON API over HTTP, on real SQLite studies
//! (issue 14).

use crate::dashboard_setup::{
    add_trial, make_study, serve_study, storage, value_of, Dashboard, Shape,
};
use crate::setup::{one_line_error, Lab};
use hyperspace_engine::TrialState;
use serde_json::Value as Json;

fn non_null(values: &Json) -> usize {
    values
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| !v.is_null())
        .count()
}

#[test]
fn the_study_list_counts_trials_by_state_and_names_the_best() {
    let lab = Lab::new();
    let shape = Shape::new(20, 5, 3, 2, 4);
    make_study(&lab.db(), "alpha", &shape);
    make_study(&lab.db(), "beta", &Shape::new(1, 0, 0, 0, 0));
    let server = Dashboard::start(lab.path(), &lab.db());
    let doc = server.ok("/api/studies");
    let studies = doc["studies"].as_array().unwrap();
    assert_eq!(studies.len(), 2);
    let alpha = &studies[0];
    assert_eq!(alpha["name"], "alpha");
    assert_eq!(alpha["direction"], "minimize");
    assert_eq!(alpha["searcher"], "random");
    assert_eq!(alpha["trials"], 30);
    for (state, n) in [
        ("complete", 20),
        ("pruned", 5),
        ("failed", 3),
        ("running", 2),
        ("waiting", 0),
    ] {
        assert_eq!(alpha["counts"][state], n, "{state}");
    }
    let best = (0..20).map(value_of).fold(f64::INFINITY, f64::min);
    assert_eq!(alpha["best"]["value"].as_f64().unwrap(), best);
    assert_eq!(studies[1]["trials"], 1);
    // The pages are served from the binary, with uPlot.
    let page = ureq::get(&format!("{}/study/alpha", server.url))
        .call()
        .unwrap();
    assert!(page
        .into_body()
        .read_to_string()
        .unwrap()
        .contains("/assets/uPlot.iife.min.js"));
    let js = ureq::get(&format!("{}/assets/uPlot.iife.min.js", server.url))
        .call()
        .unwrap();
    assert!(js.into_body().read_to_string().unwrap().contains("uPlot"));
}

#[test]
fn history_is_thinned_to_the_budget_and_keeps_every_improvement() {
    let lab = Lab::new();
    let n = 3_000;
    make_study(&lab.db(), "big", &Shape::new(n, 0, 0, 0, 0));
    let server = Dashboard::start(lab.path(), &lab.db());

    let whole = server.ok("/api/study/big/history?points=100000");
    assert_eq!(whole["finished"], n);
    assert_eq!(whole["shown"], n);
    assert_eq!(non_null(&whole["complete"]), n);

    let thin = server.ok("/api/study/big/history?points=200");
    assert_eq!(thin["finished"], n);
    let shown = thin["shown"].as_u64().unwrap() as usize;
    let best: Vec<f64> = whole["best"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let improvements = best.windows(2).filter(|w| w[1] < w[0]).count() + 1;
    assert!(
        shown <= 200 + improvements,
        "{shown} points for a budget of 200"
    );
    assert!(shown >= 100, "only {shown} points");
    assert_eq!(thin["number"].as_array().unwrap().len(), shown);
    // Every improvement of the best so far is among the kept points.
    let kept_best: Vec<f64> = thin["best"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let mut distinct = kept_best.clone();
    distinct.dedup();
    assert_eq!(distinct.len(), improvements);
    assert_eq!(*kept_best.last().unwrap(), *best.last().unwrap());
    // The worst value (a spike) is kept too.
    let worst = (0..n).map(value_of).fold(f64::NEG_INFINITY, f64::max);
    assert!(thin["complete"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v.as_f64() == Some(worst)));
}

#[test]
fn curves_follow_the_filter_and_are_thinned_per_series() {
    let (_lab, _study, server) = serve_study("curves", &Shape::new(40, 0, 0, 2, 300));

    let all = server.ok("/api/study/curves/curves?points=50&series=1000");
    assert_eq!(all["matched"], 42);
    let series = all["series"].as_array().unwrap();
    assert_eq!(series.len(), 42);
    // The running trials come first.
    assert_eq!(series[0]["state"], "running");
    assert_eq!(series[1]["state"], "running");
    for s in series {
        let kept = non_null(&s["values"]);
        assert!((25..=50).contains(&kept), "{kept} points kept of 300");
    }

    // x = (i % 100) / 100: `x < 0.1` is trials 0..10.
    let some = server.ok("/api/study/curves/curves?where=x%20%3C%200.1&points=1000");
    assert_eq!(some["matched"], 10);
    let numbers: Vec<u64> = some["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, (0..10).collect::<Vec<_>>());
    assert_eq!(some["steps"].as_array().unwrap().len(), 300);

    // At most `series` curves.
    let capped = server.ok("/api/study/curves/curves?series=5");
    assert_eq!(capped["series"].as_array().unwrap().len(), 5);
    assert_eq!(capped["with_steps"], 42);

    // A bad filter is the caller's error, with the column.
    let (status, body) = server.get("/api/study/curves/curves?where=y%20%3C%201");
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("unknown field 'y'"),
        "{body}"
    );
}

#[test]
fn issue_14_curves_come_one_chart_per_metric() {
    let shape = Shape::new(6, 0, 0, 1, 8).with_metrics(&[("acc", 4), ("lr", 2)]);
    let (_lab, _study, server) = serve_study("metrics", &shape);
    let doc = server.ok("/api/study/metrics/curves?points=100&series=100");
    // The objective's chart: every trial.
    assert_eq!(doc["series"].as_array().unwrap().len(), 7);
    let charts = doc["metrics"].as_array().unwrap();
    let names: Vec<&str> = charts.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["acc", "lr"]);
    // Each chart has the trials that reported it, all their steps.
    for (chart, trials) in charts.iter().zip([4, 2]) {
        let series = chart["series"].as_array().unwrap();
        assert_eq!(series.len(), trials, "{chart}");
        assert_eq!(chart["with_steps"], trials);
        assert_eq!(chart["steps"].as_array().unwrap().len(), 8);
        assert!(series.iter().all(|s| non_null(&s["values"]) == 8));
    }
    // The filter selects for every chart: x < 0.01 is trial 0 alone.
    let one = server.ok("/api/study/metrics/curves?where=x%20%3C%200.01");
    for chart in one["metrics"].as_array().unwrap() {
        assert_eq!(chart["series"].as_array().unwrap().len(), 1, "{chart}");
    }
    // `trials` can name a metric reported by step (its last value).
    let table = server.ok("/api/study/metrics/trials?where=acc%20%3E%200");
    assert_eq!(table["rows"].as_array().unwrap().len(), 4, "{table}");
}

#[test]
fn the_table_filters_sorts_and_limits() {
    let (_lab, _study, server) = serve_study("t", &Shape::new(30, 0, 5, 0, 0));
    let doc = server.ok("/api/study/t/trials?where=state%20%3D%20complete&sort=value&limit=3");
    assert_eq!(doc["total"], 35);
    assert_eq!(doc["matched"], 30);
    let columns: Vec<&str> = doc["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(&columns[..4], ["number", "state", "value", "x"]);
    let rows = doc["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    let mut values: Vec<f64> = (0..30).map(value_of).collect();
    values.sort_by(f64::total_cmp);
    let got: Vec<f64> = rows.iter().map(|r| r[2].as_f64().unwrap()).collect();
    assert_eq!(got, values[..3]);
    let desc = server.ok("/api/study/t/trials?sort=-number&limit=1");
    assert_eq!(desc["rows"][0][0], 34);
}

#[test]
fn changes_are_seen_through_the_counter() {
    let (lab, study, server) = serve_study("live", &Shape::new(3, 0, 0, 1, 2));
    let first = server.ok("/api/study/live");
    let change = first["change"].as_u64().unwrap();
    let idle = server.ok(&format!("/api/study/live/changes?since={change}"));
    assert_eq!(idle["changed"], false);
    assert_eq!(idle["change"], change);

    // Another process (here: this one) tells a trial and reports a step.
    let store = storage(&lab.db());
    add_trial(&store, study, 4, 3, TrialState::Complete, &[]);
    let moved = server.ok(&format!("/api/study/live/changes?since={change}"));
    assert_eq!(moved["changed"], true);
    assert!(moved["change"].as_u64().unwrap() > change);
    let now = server.ok("/api/study/live");
    assert_eq!(now["trials"], 5);
    assert_eq!(now["counts"]["complete"], 4);
    let curves = server.ok("/api/study/live/curves");
    assert_eq!(curves["series"].as_array().unwrap().len(), 5);
}

/// A study deleted and made again under its name counts its changes from
/// the start: the server reads it afresh (it has another id), and a page
/// polling with the old study's last change hears that something changed.
#[test]
fn a_study_made_again_under_its_name_is_read_afresh() {
    let (lab, study, server) = serve_study("again", &Shape::new(3, 0, 0, 1, 2));
    let first = server.ok("/api/study/again");
    assert_eq!(first["trials"], 4);
    let change = first["change"].as_u64().unwrap();

    storage(&lab.db()).delete_study(study).unwrap();
    let remade = make_study(&lab.db(), "again", &Shape::new(1, 0, 0, 0, 1));
    assert_ne!(remade, study, "a new study never takes a deleted one's id");
    let polled = server.ok(&format!("/api/study/again/changes?since={change}"));
    assert_eq!(polled["changed"], true);
    assert!(polled["change"].as_u64().unwrap() < change);
    assert_eq!(server.ok("/api/study/again")["trials"], 1);
}

#[test]
fn a_trial_page_has_lineage_and_its_logs() {
    let lab = Lab::new();
    let study = make_study(&lab.db(), "logs", &Shape::new(2, 0, 0, 0, 3));
    let store = storage(&lab.db());
    let parent = store.trials_since(study, 0).unwrap()[0].id;
    let child = queue_child(&store, study, parent);
    let folder = lab.path().join("hyperspace-logs").join("logs");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("trial-0.out"), "epoch 1 loss 0.5\n").unwrap();
    let server = Dashboard::start(lab.path(), &lab.db());

    let doc = server.ok("/api/study/logs/trial/0");
    assert_eq!(doc["trial"]["number"], 0);
    assert_eq!(doc["children"], serde_json::json!([child.number]));
    assert_eq!(doc["trial"]["intermediate"].as_object().unwrap().len(), 3);
    let kid = server.ok(&format!("/api/study/logs/trial/{}", child.number));
    assert_eq!(kid["parent_number"], 0);

    let out = server.ok("/api/study/logs/trial/0/log/stdout");
    assert_eq!(out["text"], "epoch 1 loss 0.5\n");
    let err = server.ok("/api/study/logs/trial/0/log/stderr");
    assert!(err["text"].is_null());
    assert_eq!(server.get("/api/study/logs/trial/0/log/passwd").0, 400);
    assert_eq!(server.get("/api/study/logs/trial/99").0, 404);
    assert_eq!(server.get("/api/study/nope").0, 404);
}

#[test]
fn listening_beyond_localhost_needs_a_flag() {
    let lab = Lab::new();
    make_study(&lab.db(), "s", &Shape::new(1, 0, 0, 0, 0));
    one_line_error(
        &mut lab.hs(&["dashboard", "--host", "0.0.0.0", "--port", "0"]),
        "--allow-remote",
    );
    one_line_error(
        &mut lab.hs(&["dashboard", "--host", "example.org"]),
        "not an IP address",
    );
}

#[test]
fn a_report_is_one_file_with_uplot_and_the_data_inline() {
    let lab = Lab::new();
    make_study(&lab.db(), "rep", &Shape::new(12, 2, 1, 1, 5));
    lab.hs(&["report", "--study", "rep", "-o", "rep.html"])
        .assert()
        .success();
    let html = std::fs::read_to_string(lab.path().join("rep.html")).unwrap();
    assert!(html.contains("window.HS_REPORT"));
    assert!(html.contains("uPlot"), "uPlot inline");
    assert!(!html.contains("src=\"/assets"), "nothing fetched");
    let start = html.find("window.HS_REPORT = ").unwrap() + "window.HS_REPORT = ".len();
    let end = start + html[start..].find(";</script>").unwrap();
    let data: Json = serde_json::from_str(&html[start..end]).unwrap();
    assert_eq!(data["path"], "/study/rep");
    assert_eq!(data["api"]["/study/rep"]["trials"], 16);
    assert_eq!(data["api"]["/study/rep/history"]["finished"], 14);
    assert_eq!(
        data["api"]["/study/rep/curves"]["series"]
            .as_array()
            .unwrap()
            .len(),
        16
    );
    // The old `report` (an intermediate value) is unchanged, and the two
    // do not mix.
    one_line_error(
        &mut lab.hs(&["report", "--study", "rep", "-o", "x.html", "--step", "1"]),
        "cannot be used",
    );
    one_line_error(
        &mut lab.hs(&["report", "--study", "nope", "-o", "x.html"]),
        "no study named 'nope'",
    );
}

/// A continuation's objective curve carries on from its parent's on one
/// line (issue 15): the child reported steps 3 and 4 after its parent's
/// 0 to 2, and its series shows all five.
#[test]
fn a_continuation_curve_joins_its_parents() {
    let lab = Lab::new();
    let study = make_study(&lab.db(), "resumed", &Shape::new(2, 0, 0, 0, 3));
    let store = storage(&lab.db());
    let parent = store.trials_since(study, 0).unwrap()[0].id;
    let child = queue_child(&store, study, parent);
    for step in [3, 4] {
        store
            .update_trial(child.id, &hyperspace_engine::TrialUpdate::report(step, 0.1))
            .unwrap();
    }
    let server = Dashboard::start(lab.path(), &lab.db());
    let doc = server.ok("/api/study/resumed/curves?points=100&series=100");
    assert_eq!(doc["steps"].as_array().unwrap().len(), 5, "{doc}");
    let series = doc["series"].as_array().unwrap();
    let of = |number: u64| {
        series
            .iter()
            .find(|s| s["number"] == number)
            .map(|s| non_null(&s["values"]))
            .unwrap()
    };
    assert_eq!(
        of(child.number),
        5,
        "parent's three steps, then its own two"
    );
    assert_eq!(of(1), 3, "a trial without a parent keeps its own curve");
    // The trial page carries the lineage: the parent, and what changed
    // (the child was queued with no parameters: x is gone).
    let page = server.ok(&format!("/api/study/resumed/trial/{}", child.number));
    let lineage = &page["lineage"];
    assert_eq!(lineage["ancestors"][0]["number"], 0, "{page}");
    let changed = lineage["trial"]["changes"]["params"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{page}");
    assert_eq!(changed[0]["name"], "x");
    assert!(changed[0]["after"].is_null());
}

/// A new running trial of `study` continuing `parent`, with no parameters.
fn queue_child(
    store: &std::sync::Arc<dyn hyperspace_engine::Storage>,
    study: hyperspace_engine::StudyId,
    parent: hyperspace_engine::TrialId,
) -> hyperspace_engine::Trial {
    store
        .create_trial(
            study,
            &hyperspace_engine::NewTrial {
                parent: Some(parent),
                ..Default::default()
            },
        )
        .unwrap()
}
