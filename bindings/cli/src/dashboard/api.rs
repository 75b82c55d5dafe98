//! The JSON API under `/api/...` that the pages call. Every handler reads
//! through the [`Cache`] on tokio's blocking pool (storage calls block),
//! and answers errors as `{"error": "..."}` with a status that says whose
//! fault it was.

use super::cache::{Cache, StudyView};
use super::logs::{read_log, LogPlace};
use super::views::{self, BadRequest, Selection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hyperspace_engine::StudyListing;
use serde::Deserialize;
use serde_json::{json, Value as Json_};
use std::sync::Arc;

/// What every handler shares.
#[derive(Debug)]
pub struct AppState {
    /// The studies, kept up to date.
    pub cache: Cache,
    /// Where trial logs are looked for.
    pub logs: LogPlace,
    /// The analysis views' answers, by change counter.
    pub analysis: super::analysis_api::Memo,
}

/// The default number of points per series: about one per pixel of a
/// wide chart, halved again by min-max thinning.
const DEFAULT_POINTS: usize = 2_000;
/// At most this many points per series, whatever the page asks.
const MAX_POINTS: usize = 20_000;
/// The default and largest number of learning curves drawn at once.
const DEFAULT_SERIES: usize = 50;
const MAX_SERIES: usize = 1_000;
/// The default and largest number of table rows.
const DEFAULT_ROWS: usize = 500;
const MAX_ROWS: usize = 100_000;

/// An API failure: the status and a message for people.
#[derive(Debug)]
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

impl From<BadRequest> for ApiError {
    fn from(e: BadRequest) -> Self {
        ApiError(StatusCode::BAD_REQUEST, e.0)
    }
}

type ApiResult = Result<Json<Json_>, ApiError>;

/// The routes of the API, to be nested under `/api`.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/studies", get(studies))
        .route("/study/{name}", get(study))
        .route("/study/{name}/changes", get(changes))
        .route("/study/{name}/history", get(history))
        .route("/study/{name}/trials", get(trials))
        .route("/study/{name}/curves", get(curves))
        .route("/study/{name}/trial/{number}", get(trial))
        .route("/study/{name}/trial/{number}/log/{stream}", get(log))
}

/// Runs `read` on the study, refreshed, off the async threads.
pub(super) async fn on_study<R: Send + 'static>(
    state: Arc<AppState>,
    name: String,
    read: impl FnOnce(&StudyView) -> Result<R, ApiError> + Send + 'static,
) -> Result<R, ApiError> {
    tokio::task::spawn_blocking(move || {
        state
            .cache
            .with_study(&name, read)
            .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")))?
            .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no study named '{name}'")))?
    })
    .await
    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}")))?
}

async fn studies(State(state): State<Arc<AppState>>) -> ApiResult {
    let list = tokio::task::spawn_blocking(move || -> Result<Vec<Json_>, ApiError> {
        let listings = state
            .cache
            .storage()
            .list_studies()
            .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}")))?;
        Ok(listings
            .iter()
            .map(|listing| match listing {
                StudyListing::Readable(record) => state
                    .cache
                    .with_study(&record.config.name, views::summary)
                    .map(|found| found.unwrap_or(Json_::Null))
                    .unwrap_or_else(
                        |e| json!({"name": record.config.name, "error": format!("{e:#}")}),
                    ),
                StudyListing::Damaged { name, reason, .. } => {
                    json!({"name": name, "error": format!("damaged: {reason}")})
                }
            })
            .filter(|s| !s.is_null())
            .collect())
    })
    .await
    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("{e}")))??;
    Ok(Json(json!({ "studies": list })))
}

async fn study(State(state): State<Arc<AppState>>, Path(name): Path<String>) -> ApiResult {
    on_study(state, name, |view| Ok(Json(views::summary(view)))).await
}

/// `?since=C`.
#[derive(Debug, Deserialize)]
struct Since {
    since: Option<u64>,
}

/// Whether anything changed since `since`: what a page polls. While the
/// study is idle, this costs one indexed query that finds nothing.
async fn changes(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(q): Query<Since>,
) -> ApiResult {
    let since = q.since.unwrap_or(0);
    on_study(state, name, move |view| {
        Ok(Json(json!({
            "change": view.change,
            // Not `>`: a study deleted and made again under its name
            // counts its changes from the start.
            "changed": view.change != since,
        })))
    })
    .await
}

/// `?points=N&where=F&sort=S&limit=L&series=M`.
#[derive(Debug, Deserialize)]
struct ViewQuery {
    points: Option<usize>,
    #[serde(rename = "where")]
    filter: Option<String>,
    sort: Option<String>,
    limit: Option<usize>,
    series: Option<usize>,
}

impl ViewQuery {
    /// The `where` and `sort` given, checked against the study.
    fn selection(&self, view: &StudyView) -> Result<Selection, BadRequest> {
        Selection::new(view, self.filter.as_deref(), self.sort.as_deref())
    }

    fn points(&self) -> usize {
        self.points.unwrap_or(DEFAULT_POINTS).clamp(2, MAX_POINTS)
    }
}

async fn history(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(q): Query<ViewQuery>,
) -> ApiResult {
    on_study(state, name, move |view| {
        Ok(Json(views::history(view, q.points())))
    })
    .await
}

async fn trials(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(q): Query<ViewQuery>,
) -> ApiResult {
    on_study(state, name, move |view| {
        let limit = q.limit.unwrap_or(DEFAULT_ROWS).min(MAX_ROWS);
        Ok(Json(views::trials(view, &q.selection(view)?, limit)))
    })
    .await
}

async fn curves(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(q): Query<ViewQuery>,
) -> ApiResult {
    on_study(state, name, move |view| {
        let series = q.series.unwrap_or(DEFAULT_SERIES).clamp(1, MAX_SERIES);
        Ok(Json(views::curves(
            view,
            &q.selection(view)?,
            q.points(),
            series,
        )))
    })
    .await
}

fn no_trial(number: u64) -> ApiError {
    ApiError(StatusCode::NOT_FOUND, format!("no trial #{number}"))
}

async fn trial(
    State(state): State<Arc<AppState>>,
    Path((name, number)): Path<(String, u64)>,
) -> ApiResult {
    on_study(state, name, move |view| {
        let t = view.trial(number).ok_or_else(|| no_trial(number))?;
        Ok(Json(views::trial(view, t)))
    })
    .await
}

/// A trial's stdout or stderr (its last part, when long), if the log
/// folder holds it.
async fn log(
    State(state): State<Arc<AppState>>,
    Path((name, number, stream)): Path<(String, u64, String)>,
) -> ApiResult {
    let shared = state.clone();
    let study = name.clone();
    on_study(state, name, move |view| {
        let t = view.trial(number).ok_or_else(|| no_trial(number))?;
        let found = read_log(&shared.logs, &study, t, &stream).map_err(ApiError::from)?;
        Ok(Json(match found {
            Some((path, text, truncated)) => {
                json!({"path": path, "text": text, "truncated": truncated})
            }
            None => json!({"path": null, "text": null, "truncated": false}),
        }))
    })
    .await
}
