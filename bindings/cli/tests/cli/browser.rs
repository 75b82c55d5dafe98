//! The dashboard in a real browser: headless Chromium driven through
//! chromedriver's WebDriver HTTP API (issue 14). Checks that the charts
//! draw the points the API sends, that the filter changes the curves, and
//! that a trial told during the test appears without a reload.
//! Screenshots go to target/dashboard-screenshots/ for a person to look at.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs
//! them). Without them the test says so and passes, unless
//! HYPERSPACE_REQUIRE_BROWSER=1 (set by scripts/test), where it fails.

use crate::dashboard_setup::{add_trial, make_study, storage, Dashboard, Shape};
use crate::setup::Lab;
use base64::Engine as _;
use hyperspace_engine::TrialState;
use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
];

fn find(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|p| p.is_file())
}

/// chromedriver with one headless Chromium session; both end when dropped.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub fn start() -> Option<Browser> {
        let (Some(driver), Some(chromium)) = (find("chromedriver"), find("chromium")) else {
            let message = "chromium and chromedriver are not installed (apt-get install chromium chromium-driver; scripts/test does it)";
            assert!(
                std::env::var("HYPERSPACE_REQUIRE_BROWSER").as_deref() != Ok("1"),
                "{message}"
            );
            eprintln!("skipped: {message}");
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let ready = Instant::now();
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(
                ready.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap();
        let mut args: Vec<String> = FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args}
        }}});
        let mut browser = Browser {
            driver: child,
            base,
            session: String::new(),
            _profile: profile,
        };
        let created = browser.post("/session", &caps);
        browser.session = created["sessionId"].as_str().unwrap().to_string();
        Some(browser)
    }

    fn post(&self, path: &str, body: &Json) -> Json {
        let response = ureq::post(&format!("{}{path}", self.base))
            .config()
            .http_status_as_error(false)
            .build()
            .header("content-type", "application/json")
            .send(body.to_string())
            .unwrap();
        let status = response.status().as_u16();
        let doc: Json =
            serde_json::from_str(&response.into_body().read_to_string().unwrap()).unwrap();
        assert_eq!(status, 200, "{path}: {doc}");
        doc["value"].clone()
    }

    pub fn open(&self, url: &str) {
        self.post(
            &format!("/session/{}/url", self.session),
            &json!({"url": url}),
        );
    }

    /// Runs `script` (a function body) in the page; its return value.
    pub fn js(&self, script: &str) -> Json {
        self.post(
            &format!("/session/{}/execute/sync", self.session),
            &json!({"script": script, "args": []}),
        )
    }

    /// Waits until `script` returns `true`; fails with `what` after 20 s,
    /// showing what `report` returns then.
    pub fn wait(&self, what: &str, script: &str, report: &str) {
        let start = Instant::now();
        while self.js(script) != json!(true) {
            if start.elapsed() > Duration::from_secs(20) {
                panic!(
                    "timed out waiting for {what}; page says {}",
                    self.js(report)
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn screenshot(&self, name: &str) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/dashboard-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let shot = ureq::get(&format!(
            "{}/session/{}/screenshot",
            self.base, self.session
        ))
        .call()
        .unwrap();
        let doc: Json = serde_json::from_str(&shot.into_body().read_to_string().unwrap()).unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(doc["value"].as_str().unwrap())
            .unwrap();
        std::fs::write(dir.join(name), png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// How many non-null values series `i` of chart `chart` holds.
fn drawn(chart: &str, i: usize) -> String {
    format!("(window.hsCharts && hsCharts.{chart} ? hsCharts.{chart}.data[{i}].filter(v => v !== null).length : -1)")
}

#[test]
fn the_dashboard_draws_filters_and_updates_live_in_chromium() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let lab = Lab::new();
    let shape = Shape::new(30, 0, 0, 1, 20).with_metrics(&[("acc", 6), ("lr", 3)]);
    let study = make_study(&lab.db(), "e2e", &shape);
    let server = Dashboard::start(lab.path(), &lab.db());

    // The study list.
    browser.open(&format!("{}/", server.url));
    browser.wait(
        "the study list",
        "return document.querySelector('#studies tr[data-study=\"e2e\"]') !== null;",
        "return document.body.innerText;",
    );
    let row =
        browser.js("return document.querySelector('#studies tr[data-study=\"e2e\"]').innerText;");
    assert!(row.as_str().unwrap().contains("31"), "{row}");
    browser.screenshot("studies.png");

    // The study page: history with 30 finished trials, 31 curves (the
    // running one too), each of 20 steps; canvases drawn.
    browser.open(&format!("{}/study/e2e", server.url));
    let history = drawn("history", 1);
    browser.wait(
        "the history chart",
        &format!("return {history} === 30;"),
        &format!("return {history};"),
    );
    let curves = "(window.hsCharts && hsCharts.curves ? hsCharts.curves.series.length - 1 : -1)";
    browser.wait(
        "31 curves",
        &format!("return {curves} === 31;"),
        &format!("return {curves};"),
    );
    assert_eq!(
        browser.js(&format!("return {};", drawn("curves", 1))),
        json!(20)
    );
    assert_eq!(
        browser.js(&format!("return {};", drawn("history", 3))),
        json!(30),
        "best so far"
    );
    let canvases = browser.js(
        "return [...document.querySelectorAll('#history canvas, #curves canvas')].filter(c => c.width > 100 && c.height > 100).length;",
    );
    assert_eq!(canvases, json!(2));
    // One more chart per metric reported by step, each with the trials
    // that reported it and all their steps.
    browser.wait(
        "a chart per metric",
        "return document.getElementById('metric-curves').dataset.charts === '2';",
        "return document.getElementById('metric-curves').innerHTML.slice(0, 300);",
    );
    let per_metric = browser.js(
        "return [...document.querySelectorAll('#metric-curves .chart')].map(b => [b.dataset.metric, hsCharts['metric:' + b.dataset.metric].series.length - 1, Number(b.dataset.points), b.querySelectorAll('canvas').length]);",
    );
    assert_eq!(per_metric, json!([["acc", 6, 120, 1], ["lr", 3, 60, 1]]));
    // The running trial's curve comes first, highlighted.
    assert_eq!(
        browser.js("return hsCharts.curves.series[1].label;"),
        json!("#30")
    );
    assert_eq!(
        browser.js("return document.querySelectorAll('#trials tr.running').length;"),
        json!(1)
    );
    browser.screenshot("study.png");

    // The log-scale toggle redraws the history on a log axis, same points.
    browser.js("document.getElementById('log-scale').click(); return null;");
    browser.wait(
        "the log axis",
        "return hsCharts.history.scales.y.distr === 3;",
        "return hsCharts.history.scales.y.distr;",
    );
    assert_eq!(browser.js(&format!("return {history};")), json!(30));
    browser.screenshot("study-log.png");
    browser.js("document.getElementById('log-scale').click(); return null;");

    // The filter, typed in the page: x = (i % 100) / 100, so `x < 0.1`
    // keeps trials 0..10.
    browser.js("document.getElementById('where').value = 'x < 0.1'; document.getElementById('apply').click(); return null;");
    browser.wait(
        "the filtered curves",
        &format!("return {curves} === 10;"),
        &format!("return {curves};"),
    );
    assert_eq!(
        browser.js("return document.querySelectorAll('#trials tr').length;"),
        json!(11)
    );
    browser.screenshot("study-filtered.png");

    // A bad filter says what is wrong, and leaves the curves alone.
    browser.js("document.getElementById('where').value = 'y < 1'; document.getElementById('apply').click(); return null;");
    browser.wait(
        "the filter error",
        "return document.getElementById('where-error').textContent.includes(\"unknown field 'y'\");",
        "return document.getElementById('where-error').textContent;",
    );
    browser.js("document.getElementById('where').value = 'x < 0.1'; document.getElementById('apply').click(); return null;");
    browser.wait(
        "the filter again",
        "return document.getElementById('where-error').textContent === '';",
        "return 0;",
    );

    // Live: a trial told now (x = 0.05, inside the filter) appears without
    // a reload, in the history, the curves and the table.
    browser.js("window.notReloaded = true; return null;");
    let store = storage(&lab.db());
    add_trial(&store, study, 5, 20, TrialState::Complete, &[]);
    browser.wait(
        "the new trial's curve",
        &format!("return {curves} === 11;"),
        &format!("return {curves};"),
    );
    browser.wait(
        "the new trial's value",
        &format!("return {history} === 31;"),
        &format!("return {history};"),
    );
    assert_eq!(
        browser.js("return document.querySelectorAll('#trials tr').length;"),
        json!(12)
    );
    assert_eq!(
        browser.js("return window.notReloaded === true;"),
        json!(true)
    );
    browser.screenshot("study-live.png");

    // The trial page.
    browser.open(&format!("{}/study/e2e/trial/0", server.url));
    browser.wait(
        "the trial page",
        "return document.querySelector('#trial-curve canvas') !== null;",
        "return document.body.innerText;",
    );
    assert_eq!(
        browser.js(&format!("return {};", drawn("trial", 1))),
        json!(20)
    );
    browser.screenshot("trial.png");

    // The report, opened as a file: the same charts, no server.
    drop(server);
    lab.hs(&["report", "--study", "e2e", "-o", "report.html"])
        .assert()
        .success();
    browser.open(&format!(
        "file://{}",
        lab.path().join("report.html").display()
    ));
    browser.wait(
        "the report's history",
        &format!("return {history} === 31;"),
        &format!("return {history};"),
    );
    browser.wait(
        "the report's curves",
        &format!("return {curves} === 32;"),
        &format!("return {curves};"),
    );
    browser.screenshot("report.png");
}

/// The figure in the README: a 10,000-trial study with 50 steps per trial,
/// time to first render of its page (API and drawing). Slow to set up
/// (500,000 writes); run it on purpose, with a release binary:
/// `cargo build --release -p hyperspace-cli && HYPERSPACE_DASHBOARD_BIN=target/release/hyperspace
///  cargo test -p hyperspace-cli --test cli -- --ignored --nocapture dashboard_scale`
#[test]
#[ignore]
fn dashboard_scale() {
    let Some(browser) = Browser::start() else {
        return;
    };
    let lab = Lab::new();
    // HYPERSPACE_SCALE_DB keeps the study between runs (it takes minutes to write).
    let db = std::env::var_os("HYPERSPACE_SCALE_DB").map_or_else(|| lab.db(), PathBuf::from);
    if !db.exists() {
        let made = Instant::now();
        make_study(&db, "scale", &Shape::new(9_990, 0, 0, 10, 50));
        eprintln!("wrote 10,000 trials x 50 steps in {:.1?}", made.elapsed());
    }
    let server = Dashboard::start(lab.path(), &db);
    let render = |round: &str| {
        browser.open(&format!("{}/study/scale", server.url));
        browser.wait(
            "the first render",
            "return typeof window.hsFirstRender === 'number';",
            "return document.body.innerText.slice(0, 200);",
        );
        let ms = browser.js("return window.hsFirstRender;");
        eprintln!("page: {round}, first render {ms:.0} ms after navigation");
    };
    render("cold server (reads the study)");
    render("warm server");
    let timed = |path: &str| {
        let start = Instant::now();
        let doc = server.ok(path);
        (start.elapsed(), doc)
    };
    let (summary, _) = timed("/api/study/scale");
    let (history, h) = timed("/api/study/scale/history?points=2400");
    let (curves, c) = timed("/api/study/scale/curves?points=600&series=50");
    let (table, _) = timed("/api/study/scale/trials?limit=500&sort=number");
    let (idle, _) = timed("/api/study/scale/changes?since=0");
    eprintln!(
        "API (warm): summary {summary:.1?}; history {history:.1?} ({} of {} points); curves {curves:.1?} ({} series); table {table:.1?}; changes {idle:.1?}",
        h["shown"], h["finished"], c["series"].as_array().map_or(0, Vec::len)
    );
    browser.screenshot("scale.png");
}
