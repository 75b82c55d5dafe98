//! The study page's analysis views in headless Chromium (issue 14):
//! parallel coordinates, slice, contour, importance and the Pareto front
//! draw the lines, points, cells and bars the API sends, and the page's
//! filter changes them. Screenshots go to target/dashboard-screenshots/.
//! Skipped, saying so, where Chromium is missing (see browser.rs).

use crate::browser::Browser;
use crate::dashboard_setup::Dashboard;
use crate::dashboard_views::{add_mixed_trial, make_mixed_study, make_two_objective_study};
use crate::setup::Lab;
use serde_json::json;

/// Applies `filter` as a person would: typed in the box, then "apply".
fn filter(browser: &Browser, filter: &str) {
    browser.js(&format!(
        "document.getElementById('where').value = {}; document.getElementById('apply').click(); return null;",
        json!(filter)
    ));
}

/// Waits until `expr` (a JS expression) is `want`.
fn wait_for(browser: &Browser, what: &str, expr: &str, want: &serde_json::Value) {
    browser.wait(
        what,
        &format!("try {{ return ({expr}) === {want}; }} catch (e) {{ return false; }}"),
        &format!("try {{ return [{expr}, document.getElementById('analysis') && document.getElementById('analysis').dataset.error]; }} catch (e) {{ return String(e); }}"),
    );
}

const LINES: &str = "hsViews.parallel.lines";
const SLICE: &str = "hsViews.slice.data[1].length";
const CELLS: &str = "hsViews.contour.cells";
const POINTS: &str = "hsViews.contour.points";
const BARS: &str = "document.querySelectorAll('#importance .imp-bar').length";

#[test]
fn the_analysis_views_draw_and_follow_the_filter_in_chromium() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let lab = Lab::new();
    let study = make_mixed_study(&lab.db(), "mix", 40);
    make_two_objective_study(&lab.db(), "mo", 30);
    let server = Dashboard::start(lab.path(), &lab.db());

    browser.open(&format!("{}/study/mix", server.url));
    // 40 complete trials (the failed one is left out): 40 lines over 4
    // axes (3 parameters and the objective), 40 slice points, a 30×30
    // contour with the 40 trials on top, 3 importance bars.
    wait_for(&browser, "parallel coordinates", LINES, &json!(40));
    assert_eq!(browser.js("return hsViews.parallel.axes;"), json!(4));
    wait_for(&browser, "the slice", SLICE, &json!(40));
    wait_for(&browser, "the contour", CELLS, &json!(900));
    assert_eq!(browser.js(&format!("return {POINTS};")), json!(40));
    wait_for(&browser, "the importance bars", BARS, &json!(3));
    assert_eq!(
        browser.js("return hsViews.importance.params[0];"),
        json!("x")
    );
    // One objective: no Pareto front shown.
    assert_eq!(
        browser.js("return document.getElementById('pareto-part').style.display;"),
        json!("none")
    );
    let drawn = browser.js(
        "return ['parallel', 'contour'].map(id => document.querySelector('#' + id + ' canvas')).filter(c => c && c.width > 200 && c.height > 200).length;",
    );
    assert_eq!(drawn, json!(2));
    browser.js("document.getElementById('analysis').scrollIntoView(); return null;");
    browser.screenshot("views-parallel-slice.png");
    browser.js("document.getElementById('contour').scrollIntoView(); return null;");
    browser.screenshot("views-contour-importance.png");

    // The slice's parameter and the contour's pair are chosen in the page:
    // a categorical axis has one contour node per category.
    browser.js("const s = document.getElementById('slice-param'); s.value = 'opt'; s.dispatchEvent(new Event('change')); return null;");
    wait_for(
        &browser,
        "the slice over opt",
        "hsViews.slice.series[0].scale + hsViews.slice.axes[0].label",
        &json!("xopt"),
    );
    browser.js("const s = document.getElementById('contour-x'); s.value = 'opt'; s.dispatchEvent(new Event('change')); return null;");
    wait_for(
        &browser,
        "a categorical contour",
        "hsViews.contour.grid[1]",
        &json!(2),
    );
    browser.screenshot("views-categorical.png");

    // The filter: `opt = sgd` keeps the 20 odd trials.
    filter(&browser, "opt = sgd");
    wait_for(&browser, "the filtered lines", LINES, &json!(20));
    wait_for(&browser, "the filtered slice", SLICE, &json!(20));
    wait_for(&browser, "the filtered contour points", POINTS, &json!(20));
    browser.screenshot("views-filtered.png");

    // Live: a trial told now (odd, so opt = sgd) joins every view without
    // a reload.
    browser.js("window.notReloaded = true; return null;");
    add_mixed_trial(&lab.db(), study, 41, false);
    wait_for(&browser, "the new trial's line", LINES, &json!(21));
    wait_for(&browser, "the new trial's point", SLICE, &json!(21));
    wait_for(&browser, "the new contour point", POINTS, &json!(21));
    assert_eq!(
        browser.js("return window.notReloaded === true;"),
        json!(true)
    );

    // Two objectives: the Pareto front, its 15 even trials highlighted.
    browser.open(&format!("{}/study/mo", server.url));
    let front = "hsViews.pareto.data[2].filter(v => v !== null).length";
    let rest = "hsViews.pareto.data[1].filter(v => v !== null).length";
    wait_for(&browser, "the Pareto front", front, &json!(15));
    assert_eq!(browser.js(&format!("return {rest};")), json!(15));
    browser.js("document.getElementById('pareto-part').scrollIntoView(); return null;");
    browser.screenshot("views-pareto.png");
    // x >= 0.5: trials 15..30, 8 of them non-dominated.
    filter(&browser, "x >= 0.5");
    wait_for(&browser, "the filtered front", front, &json!(8));
    assert_eq!(browser.js(&format!("return {rest};")), json!(7));
    browser.screenshot("views-pareto-filtered.png");

    // The report, opened as a file: the same views, no server.
    drop(server);
    lab.hs(&["report", "--study", "mix", "-o", "mix.html"])
        .assert()
        .success();
    browser.open(&format!("file://{}", lab.path().join("mix.html").display()));
    wait_for(&browser, "the report's lines", LINES, &json!(41));
    wait_for(&browser, "the report's contour", CELLS, &json!(900));
    wait_for(&browser, "the report's bars", BARS, &json!(3));
    browser.js("document.getElementById('analysis').scrollIntoView(); return null;");
    browser.screenshot("views-report.png");
}

/// The figure in benches/README.md: the analysis views' response times on
/// a 10,000-trial study (three parameters, one of them categorical), and
/// the page's first full render with them. Slow to set up (20,000
/// writes); run it on purpose, with the binary to measure:
/// `HYPERSPACE_DASHBOARD_BIN=target/release/hyperspace cargo test -p hyperspace-cli
///  --test cli -- --ignored --nocapture dashboard_views_scale`
#[test]
#[ignore]
fn dashboard_views_scale() {
    use std::time::Instant;
    let lab = Lab::new();
    // HYPERSPACE_VIEWS_SCALE_DB keeps the study between runs.
    let db = std::env::var_os("HYPERSPACE_VIEWS_SCALE_DB")
        .map_or_else(|| lab.db(), std::path::PathBuf::from);
    if !db.exists() {
        let made = Instant::now();
        make_mixed_study(&db, "scale", 10_000);
        eprintln!("wrote 10,000 trials in {:.1?}", made.elapsed());
    }
    let server = Dashboard::start(lab.path(), &db);
    // The page first, while nothing is computed; then the API with a
    // filter (answers not remembered yet), twice.
    if let Some(browser) = Browser::start() {
        for round in ["cold page", "warm page"] {
            browser.open(&format!("{}/study/scale", server.url));
            wait_for(
                &browser,
                "the views",
                "typeof window.hsViewsRendered",
                &json!("number"),
            );
            let ms = browser.js("return window.hsViewsRendered;");
            eprintln!("{round}: every view drawn {ms:.0} ms after navigation");
        }
        browser.screenshot("views-scale.png");
    }
    let filter = "where=opt%20%3D%20sgd";
    for round in ["cold", "warm (remembered)"] {
        let mut line = format!("views with a filter, {round}:");
        for (view, query) in [
            ("params", "trials=1000"),
            ("contour", "grid=30&trials=1000"),
            ("importance", ""),
        ] {
            let start = Instant::now();
            let doc = server.ok(&format!("/api/study/scale/{view}?{query}&{filter}"));
            let took = start.elapsed();
            let shown = doc["shown"]
                .as_u64()
                .or(doc["trials"].as_u64())
                .or(doc["points"]["number"].as_array().map(|a| a.len() as u64))
                .unwrap_or(0);
            line += &format!(" {view} {took:.0?} ({shown} of {});", doc["matched"]);
        }
        eprintln!("{line}");
    }
}
