//! `hyperspace dashboard`: a local, read-only web app over a storage.
//!
//! - [`cache`] keeps each study's trials, refreshed through the change
//!   counter, so polling an idle study costs one indexed query;
//! - [`views`] builds the JSON documents (history, curves, table, trial),
//!   thinned for the screen by [`thin`];
//! - [`api`] serves them under `/api`, [`assets`] serves the pages and the
//!   vendored uPlot, both compiled into the binary;
//! - [`analysis`] builds the analysis views (parallel coordinates, slice,
//!   contour, importance, Pareto front) on [`axes`] and `hyperspace_query::interpolate`,
//!   served by [`analysis_api`];
//! - [`logs`] finds a trial's stdout and stderr;
//! - [`report`] writes the same pages as one self-contained HTML file.
//!
//! The tokio runtime exists only while this command runs.

mod analysis;
mod analysis_api;
mod api;
mod assets;
mod axes;
mod cache;
mod logs;
mod report;
mod thin;
mod views;

use crate::cli::DashboardArgs;
use crate::common::{self, Access};
use anyhow::{bail, Context, Result};
use api::AppState;
use axum::routing::get;
use axum::Router;
pub use report::report;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

/// A checked `dashboard` command.
#[derive(Debug)]
struct DashboardConfig {
    address: SocketAddr,
    /// Not a loopback address: anyone who can reach it reads every study.
    remote: bool,
}

impl DashboardConfig {
    fn new(args: &DashboardArgs) -> Result<DashboardConfig> {
        let ip: IpAddr = if args.host.eq_ignore_ascii_case("localhost") {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            args.host.parse().with_context(|| {
                format!(
                    "--host '{}' is not an IP address; give one such as 127.0.0.1 (the default) or 0.0.0.0",
                    args.host
                )
            })?
        };
        let remote = !ip.is_loopback();
        if remote && !args.allow_remote {
            bail!(
                "--host {ip} would let anyone who can reach this machine read every study (the dashboard has no authentication); pass --allow-remote as well to do it anyway"
            );
        }
        Ok(DashboardConfig {
            address: SocketAddr::new(ip, args.port),
            remote,
        })
    }
}

/// The whole app: pages, assets and API.
fn router(state: Arc<AppState>) -> Router {
    let page = || get(|| async { assets::page() });
    Router::new()
        .route("/", page())
        .route("/study/{name}", page())
        .route("/study/{name}/trial/{number}", page())
        .route("/assets/{name}", get(assets::asset))
        .nest("/api", api::routes().merge(analysis_api::routes()))
        .with_state(state)
}

/// Serves the dashboard until the process is stopped.
pub fn dashboard(storage: Option<&str>, args: DashboardArgs) -> Result<()> {
    let config = DashboardConfig::new(&args)?;
    let storage_text = storage.unwrap_or(common::DEFAULT_STORAGE).to_string();
    let store = common::open(storage, Access::Existing)?;
    let state = Arc::new(AppState {
        cache: cache::Cache::new(store),
        logs: logs::LogPlace {
            root: args.log_dir.clone(),
            storage_url: storage_text,
        },
        analysis: analysis_api::Memo::default(),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .context("cannot start the dashboard's runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.address)
            .await
            .with_context(|| format!("cannot listen on {}", config.address))?;
        let bound = listener.local_addr()?;
        if config.remote {
            errln!(
                "warning: the dashboard listens on {bound}, reachable from other machines, without authentication: anyone who reaches it reads every study"
            );
        }
        let host = match bound.ip() {
            IpAddr::V6(ip) => format!("[{ip}]"),
            IpAddr::V4(ip) => ip.to_string(),
        };
        outln!("dashboard at http://{host}:{}/ (Ctrl-C to stop)", bound.port())?;
        axum::serve(listener, router(state))
            .await
            .context("the dashboard's server stopped")
    })
}
