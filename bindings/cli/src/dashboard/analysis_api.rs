//! The analysis views' endpoints under `/api/study/{name}/...`:
//! `params` (parallel coordinates and slice), `contour`, `importance` and
//! `pareto`, each taking the page's `where` filter.
//!
//! Their documents cost more than the history's (a fANOVA forest, an
//! interpolated grid, a dominance check over every pair), and a live page
//! asks again after every change; so each answer is remembered with the
//! study's change counter and served again until the study changes.

use super::analysis;
use super::api::{on_study, ApiError, AppState};
use super::views::Selection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value as Json_;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Trials drawn per view by default, and at most: a few thousand lines
/// already fill a parallel-coordinates chart.
pub const DEFAULT_TRIALS: usize = 1_000;
const MAX_TRIALS: usize = 20_000;
/// Grid nodes per side of a contour by default, and at most.
pub const DEFAULT_GRID: usize = 30;
const MAX_GRID: usize = 200;
/// fANOVA fits at most this many trials (an even sample beyond): its
/// forest costs grow faster than linearly, and the ranking is stable well
/// before that.
pub const IMPORTANCE_TRIALS: usize = 2_000;
/// Remembered answers; past this the memory starts over.
const MEMO_ENTRIES: usize = 256;

/// Answers remembered per request, with the change counter they hold for.
#[derive(Debug, Default)]
pub struct Memo(Mutex<HashMap<String, Remembered>>);

/// One remembered answer: the study's id (a study deleted and made again
/// under its name starts over) and the change counter it holds for.
#[derive(Debug)]
struct Remembered {
    study: i64,
    change: u64,
    doc: Arc<Json_>,
}

impl Memo {
    fn get(&self, key: &str, study: i64, change: u64) -> Option<Arc<Json_>> {
        let memo = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        memo.get(key)
            .filter(|r| r.study == study && r.change == change)
            .map(|r| r.doc.clone())
    }

    fn put(&self, key: String, study: i64, change: u64, doc: Arc<Json_>) {
        let mut memo = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if memo.len() >= MEMO_ENTRIES && !memo.contains_key(&key) {
            memo.clear();
        }
        memo.insert(key, Remembered { study, change, doc });
    }
}

/// The routes, to be merged with [`super::api::routes`] under `/api`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/study/{name}/params", get(params))
        .route("/study/{name}/contour", get(contour))
        .route("/study/{name}/importance", get(importance))
        .route("/study/{name}/pareto", get(pareto))
}

/// `?where=F&trials=N&x=P&y=P&grid=G`.
#[derive(Debug, Deserialize)]
struct AnalysisQuery {
    #[serde(rename = "where")]
    filter: Option<String>,
    trials: Option<usize>,
    x: Option<String>,
    y: Option<String>,
    grid: Option<usize>,
}

impl AnalysisQuery {
    fn trials(&self) -> usize {
        self.trials.unwrap_or(DEFAULT_TRIALS).clamp(1, MAX_TRIALS)
    }

    fn grid(&self) -> usize {
        self.grid.unwrap_or(DEFAULT_GRID).clamp(2, MAX_GRID)
    }

    /// What identifies the answer, besides the study's change counter.
    fn key(&self, study: &str, view: &str) -> String {
        format!(
            "{study}\u{0}{view}\u{0}{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
            self.filter.as_deref().unwrap_or("").trim(),
            self.trials(),
            self.x.as_deref().unwrap_or(""),
            self.y.as_deref().unwrap_or(""),
            self.grid(),
        )
    }
}

type ApiResult = Result<Json<Json_>, ApiError>;

/// A view built under the cache's lock (they are quick), remembered.
async fn remembered(
    state: Arc<AppState>,
    name: String,
    view: &'static str,
    q: AnalysisQuery,
    build: fn(&super::cache::StudyView, &Selection, &AnalysisQuery) -> Result<Json_, ApiError>,
) -> ApiResult {
    let memo_state = state.clone();
    let key = q.key(&name, view);
    let doc = on_study(state, name, move |v| {
        let memo = &memo_state.analysis;
        if let Some(doc) = memo.get(&key, v.record.id.0, v.change) {
            return Ok(doc);
        }
        let selection = Selection::new(v, q.filter.as_deref(), None)?;
        let doc = Arc::new(build(v, &selection, &q)?);
        memo.put(key, v.record.id.0, v.change, doc.clone());
        Ok(doc)
    })
    .await?;
    Ok(Json((*doc).clone()))
}

async fn params(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(q): Query<AnalysisQuery>,
) -> ApiResult {
    remembered(state, name, "params", q, |v, s, q| {
        Ok(analysis::params(v, s, q.trials()))
    })
    .await
}

async fn contour(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(q): Query<AnalysisQuery>,
) -> ApiResult {
    remembered(state, name, "contour", q, |v, s, q| {
        Ok(analysis::contour(
            v,
            s,
            q.x.as_deref(),
            q.y.as_deref(),
            q.grid(),
            q.trials(),
        )?)
    })
    .await
}

async fn pareto(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(q): Query<AnalysisQuery>,
) -> ApiResult {
    remembered(state, name, "pareto", q, |v, s, q| {
        Ok(analysis::pareto(v, s, q.trials()))
    })
    .await
}

/// Importance: the trials are copied out under the lock, the forest is
/// fitted outside it, so other pages are not held up meanwhile.
async fn importance(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(q): Query<AnalysisQuery>,
) -> ApiResult {
    let key = q.key(&name, "importance");
    let memo_state = state.clone();
    let lookup_key = key.clone();
    let found = on_study(state.clone(), name, move |v| {
        let id = v.record.id.0;
        if let Some(doc) = memo_state.analysis.get(&lookup_key, id, v.change) {
            return Ok(Err(doc));
        }
        let selection = Selection::new(v, q.filter.as_deref(), None)?;
        Ok(Ok((
            id,
            analysis::importance_job(v, &selection, IMPORTANCE_TRIALS),
        )))
    })
    .await?;
    let (id, job) = match found {
        Err(doc) => return Ok(Json((*doc).clone())),
        Ok(job) => job,
    };
    let doc = tokio::task::spawn_blocking(move || {
        let change = job.change();
        let doc = Arc::new(analysis::importance(&job));
        state.analysis.put(key, id, change, doc.clone());
        doc
    })
    .await
    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}")))?;
    Ok(Json((*doc).clone()))
}
