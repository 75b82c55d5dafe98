//! What the dashboard tests share: studies written straight through the
//! engine's storage (fast, and exactly what a run would store), a
//! dashboard started as a subprocess on a free port, and JSON over HTTP.

use crate::setup::Lab;
use hyperspace_engine::{
    open_storage, Direction, NewTrial, Params, Space, Storage, StudyConfig, StudyId, Trial,
    TrialState, TrialUpdate, Value,
};
use serde_json::Value as Json;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

/// A study's shape: how many trials end in which state, steps per trial.
pub struct Shape {
    pub complete: usize,
    pub pruned: usize,
    pub failed: usize,
    pub running: usize,
    pub steps: u64,
    /// Other metrics reported by step: a name, and how many trials (the
    /// first by number) report it.
    pub metrics: Vec<(&'static str, usize)>,
}

impl Shape {
    /// `complete`, `pruned`, `failed` and `running` trials (in that order
    /// of number), each with `steps` intermediate values.
    pub fn new(complete: usize, pruned: usize, failed: usize, running: usize, steps: u64) -> Shape {
        Shape {
            complete,
            pruned,
            failed,
            running,
            steps,
            metrics: Vec::new(),
        }
    }

    /// The same, with other metrics reported by step (see `metrics`).
    pub fn with_metrics(mut self, metrics: &[(&'static str, usize)]) -> Shape {
        self.metrics = metrics.to_vec();
        self
    }
}

/// A lab with the study `name` of `shape`, and a dashboard serving it.
pub fn serve_study(name: &str, shape: &Shape) -> (Lab, StudyId, Dashboard) {
    let lab = Lab::new();
    let study = make_study(&lab.db(), name, shape);
    let server = Dashboard::start(lab.path(), &lab.db());
    (lab, study, server)
}

/// The storage at `db`, created when missing.
pub fn storage(db: &Path) -> Arc<dyn Storage> {
    open_storage(db.display().to_string().as_str()).unwrap()
}

/// The objective of trial `i`: a fixed, bumpy sequence, so the best so
/// far improves now and then.
pub fn value_of(i: usize) -> f64 {
    let x = i as f64;
    1.0 + (x * 0.7).sin().abs() * 10.0 / (1.0 + x / 50.0)
}

/// Creates a minimizing study `name` over `x=float(0,1)` and writes its
/// trials: complete, then pruned, failed and running ones; trial `i` has
/// `x = (i % 100) / 100` and `steps` intermediate values.
pub fn make_study(db: &Path, name: &str, shape: &Shape) -> StudyId {
    let storage = storage(db);
    let config = StudyConfig::new(name)
        .direction(Direction::Minimize)
        .space(Space::parse("x=float(0,1)").unwrap())
        .searcher("random", Json::Null)
        .seed(7);
    let study = storage.create_study(&config).unwrap().id;
    let total = shape.complete + shape.pruned + shape.failed + shape.running;
    for i in 0..total {
        let state = if i < shape.complete {
            TrialState::Complete
        } else if i < shape.complete + shape.pruned {
            TrialState::Pruned
        } else if i < shape.complete + shape.pruned + shape.failed {
            TrialState::Failed
        } else {
            TrialState::Running
        };
        let metrics: Vec<&str> = shape
            .metrics
            .iter()
            .filter(|(_, n)| i < *n)
            .map(|(name, _)| *name)
            .collect();
        add_trial(&storage, study, i, shape.steps, state, &metrics);
    }
    study
}

/// Writes trial `i` of a study (see [`make_study`]), each step also
/// reporting `metrics`.
pub fn add_trial(
    storage: &Arc<dyn Storage>,
    study: StudyId,
    i: usize,
    steps: u64,
    state: TrialState,
    metrics: &[&str],
) -> Trial {
    let mut params = Params::new();
    params.insert("x".into(), Value::Float((i % 100) as f64 / 100.0));
    let new = NewTrial {
        state: Some(TrialState::Running),
        params,
        ..NewTrial::default()
    };
    let trial = storage.create_trial(study, &new).unwrap();
    let value = value_of(i);
    for step in 0..steps {
        let v = value + 5.0 / (1.0 + step as f64);
        let update = TrialUpdate::Report {
            step,
            value: Some(v),
            metrics: metrics
                .iter()
                .enumerate()
                .map(|(k, name)| (name.to_string(), (k + 1) as f64 / (2.0 + step as f64)))
                .collect(),
            params: Default::default(),
            proposer: None,
        };
        storage.update_trial(trial.id, &update).unwrap();
    }
    if state == TrialState::Running {
        return storage.trial(trial.id).unwrap();
    }
    let finish = TrialUpdate::Finish {
        params: Default::default(),
        proposer: None,
        state,
        values: if state == TrialState::Failed {
            Vec::new()
        } else {
            vec![value]
        },
        constraints: Vec::new(),
        metrics: Default::default(),
        message: None,
        finished: "2026-01-01T00:00:00Z".into(),
    };
    storage.update_trial(trial.id, &finish).unwrap()
}

/// A dashboard serving `db`, stopped when dropped.
pub struct Dashboard {
    child: Child,
    pub url: String,
}

impl Dashboard {
    /// Starts `hyperspace --storage DB dashboard --port 0` in `dir` and
    /// reads the address it prints.
    pub fn start(dir: &Path, db: &Path) -> Dashboard {
        // The scale test measures a release binary given here.
        let binary = std::env::var_os("HYPERSPACE_DASHBOARD_BIN")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_hyperspace").into());
        let mut child = Command::new(binary)
            .current_dir(dir)
            .arg("--storage")
            .arg(db)
            .args(["dashboard", "--port", "0"])
            .env_remove("HYPERSPACE_STORAGE")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        Dashboard { child, url }
    }

    /// GET `path` (under the server's root): the status and the JSON body.
    pub fn get(&self, path: &str) -> (u16, Json) {
        let response = ureq::get(&format!("{}{path}", self.url))
            .config()
            .http_status_as_error(false)
            .build()
            .call()
            .unwrap();
        let status = response.status().as_u16();
        let body = response.into_body().read_to_string().unwrap();
        let json = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body:.200}"));
        (status, json)
    }

    /// GET `path`, which must answer 200; its JSON.
    pub fn ok(&self, path: &str) -> Json {
        let (status, json) = self.get(path);
        assert_eq!(status, 200, "{path}: {json}");
        json
    }
}

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
