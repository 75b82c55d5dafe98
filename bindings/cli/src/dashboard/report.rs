//! `hyperspace report --study S -o report.html`: the study page (with its
//! analysis views) as one file, uPlot and the data inline, to attach to a pull request or send.
//! The documents are the ones the live API serves (see [`super::views`]),
//! so the report and the dashboard cannot drift apart.

use super::analysis;
use super::analysis_api::{DEFAULT_GRID, DEFAULT_TRIALS, IMPORTANCE_TRIALS};
use super::assets::self_contained;
use super::cache::Cache;
use super::views::{self, Selection};
use crate::cli::ReportArgs;
use crate::common::{self, need_study, Access};
use anyhow::{anyhow, Context, Result};
use serde_json::json;

/// History points, curve points and curves, and table rows in a report.
const HISTORY_POINTS: usize = 2_400;
const CURVE_POINTS: usize = 600;
const CURVES: usize = 50;
const ROWS: usize = 1_000;

/// Writes the report of `--study` to `--output`.
pub fn report(storage: Option<&str>, args: ReportArgs) -> Result<()> {
    let name = need_study(args.study.as_deref())?;
    let output = args
        .output
        .as_ref()
        .ok_or_else(|| anyhow!("missing --output FILE.html"))?;
    let cache = Cache::new(common::open(storage, Access::Existing)?);
    let base = format!("/study/{}", encode(name));
    let api = cache
        .with_study(name, |view| -> Result<(serde_json::Value, _)> {
            let all = Selection::new(view, None, None).map_err(|e| anyhow!(e.0))?;
            let mut docs = serde_json::Map::new();
            docs.insert(base.clone(), views::summary(view));
            let history = views::history(view, HISTORY_POINTS);
            docs.insert(format!("{base}/history"), history);
            let curves = views::curves(view, &all, CURVE_POINTS, CURVES);
            docs.insert(format!("{base}/curves"), curves);
            docs.insert(format!("{base}/trials"), views::trials(view, &all, ROWS));
            // The analysis views as the page first asks for them; the
            // contour of the first two parameters only (another pair needs
            // the live dashboard).
            docs.insert(
                format!("{base}/params"),
                analysis::params(view, &all, DEFAULT_TRIALS),
            );
            let contour = analysis::contour(view, &all, None, None, DEFAULT_GRID, DEFAULT_TRIALS)
                .map_err(|e| anyhow!(e.0))?;
            docs.insert(format!("{base}/contour"), contour);
            docs.insert(
                format!("{base}/pareto"),
                analysis::pareto(view, &all, DEFAULT_TRIALS),
            );
            let job = analysis::importance_job(view, &all, IMPORTANCE_TRIALS);
            Ok((serde_json::Value::Object(docs), job))
        })?
        .ok_or_else(|| {
            anyhow!("no study named '{name}'; `hyperspace study list` shows the studies")
        })??;
    // The forest is fitted after the cache is let go, as the server does.
    let (mut api, job) = api;
    api[format!("{base}/importance")] = analysis::importance(&job);
    let html = self_contained(&json!({"path": base, "api": api}));
    std::fs::write(output, html).with_context(|| format!("cannot write {}", output.display()))?;
    errln!(
        "wrote the report of '{name}' to {}",
        common::show_path(output)
    );
    Ok(())
}

/// A study name as the page's script encodes it in a path
/// (`encodeURIComponent`).
fn encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'~'
            | b'*'
            | b'\''
            | b'('
            | b')' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_encoded_like_encode_uri_component() {
        assert_eq!(super::encode("resnet-50_v2.1"), "resnet-50_v2.1");
        assert_eq!(super::encode("a b/c"), "a%20b%2Fc");
        assert_eq!(super::encode("é"), "%C3%A9");
    }
}
