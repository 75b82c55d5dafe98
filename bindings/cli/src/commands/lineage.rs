//! `hyperspace lineage ID`: where a trial came from (its chain of parents:
//! re-runs, continuations, Hyperband promotions), what came from it, and
//! the parameters and budget that changed at each step. The rules live in
//! `hyperspace_query::Lineage`, shared with the dashboard and Python.

use crate::cli::{LineageArgs, TableFormat};
use crate::common::{self, fmt_num, fmt_value, Access};
use anyhow::{anyhow, bail, Result};
use hyperspace_engine::TrialId;
use hyperspace_query::{curve_with_ancestry, Changes, Lineage, Link};
use std::io::Write;

/// Prints a trial's lineage.
pub fn lineage(storage_url: Option<&str>, args: LineageArgs) -> Result<()> {
    let storage = common::open(storage_url, Access::Existing)?;
    let mut study = common::study_of_trial(storage, args.trial, None)?;
    let trials = study.trials()?.to_vec();
    let lineage = Lineage::of(&trials, TrialId(args.trial))
        .ok_or_else(|| anyhow!("trial {} is not in study '{}'", args.trial, study.name()))?;
    let mut out = crate::stdio::stdout();
    match args.format {
        TableFormat::Json => {
            let mut json = lineage.to_json();
            // The trial's learning curve joined to its ancestors'.
            json["curve"] =
                serde_json::to_value(curve_with_ancestry(&trials, lineage.trial.trial))?;
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        }
        TableFormat::Csv => bail!("lineage prints --format table or json"),
        TableFormat::Table => {
            for (depth, link) in lineage.ancestors.iter().enumerate() {
                writeln!(out, "{}{}", "  ".repeat(depth), describe(link, depth > 0))?;
            }
            let depth = lineage.ancestors.len();
            writeln!(
                out,
                "{}{}   <- this trial",
                "  ".repeat(depth),
                describe(&lineage.trial, depth > 0)
            )?;
            for child in &lineage.children {
                writeln!(out, "{}{}", "  ".repeat(depth + 1), describe(child, true))?;
            }
            if lineage.ancestors.is_empty() && lineage.children.is_empty() {
                writeln!(out, "(trial {} has no parent and no children)", args.trial)?;
            }
        }
    }
    Ok(())
}

/// One line: `└ trial 7 (number 6) complete value=0.31 budget=9  [lr 0.1 -> 0.01]`.
fn describe(link: &Link<'_>, nested: bool) -> String {
    let t = link.trial;
    let mut line = format!(
        "{}trial {} (number {}) {}",
        if nested { "└ " } else { "" },
        t.id,
        t.number,
        t.state.as_str()
    );
    if let Some(v) = t.value {
        line.push_str(&format!(" value={}", fmt_num(v)));
    }
    if let Some(b) = t.budget {
        line.push_str(&format!(" budget={}", fmt_num(b)));
    }
    if let Some(changes) = &link.changes {
        line.push_str(&format!("  [{}]", changed(changes)));
    }
    line
}

/// What changed from the parent, e.g. `lr 0.1 -> 0.01, budget 3 -> 9`.
fn changed(changes: &Changes) -> String {
    if changes.is_empty() {
        return "same parameters".into();
    }
    let show = |v: &Option<hyperspace_engine::Value>| v.as_ref().map_or("-".into(), fmt_value);
    let mut parts: Vec<String> = changes
        .params
        .iter()
        .map(|c| format!("{} {} -> {}", c.name, show(&c.before), show(&c.after)))
        .collect();
    if let Some((before, after)) = changes.budget {
        let show = |b: Option<f64>| b.map_or("-".into(), fmt_num);
        parts.push(format!("budget {} -> {}", show(before), show(after)));
    }
    parts.join(", ")
}
