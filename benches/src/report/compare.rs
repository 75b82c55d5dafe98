//! Compare mode: the same searchers on the same problems in two or more
//! result files (a baseline and a change), side by side, with paired tests
//! on the seeds the files share.

use super::format_number;
use crate::runner::SuiteResults;
use crate::stats::{median, Paired, SIGNIFICANCE};
use crate::{BenchError, Result};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Final regrets of `searcher` on `problem` by study seed.
fn finals(results: &SuiteResults, problem: &str, searcher: &str) -> BTreeMap<u64, f64> {
    results
        .runs_of(problem, searcher)
        .filter(|r| r.counts())
        .filter_map(|r| Some((r.study_seed, r.regret_at(results.budget, 1.0)?)))
        .collect()
}

/// Compares `files` (name, results) against the first: a Markdown table of
/// the median final regret of every (problem, searcher) the first file and
/// at least one other share, the ratio of medians, and seeds won/tied/lost
/// with a Wilcoxon signed-rank test on the seeds both ran.
pub fn compare(files: &[(String, SuiteResults)]) -> Result<String> {
    let Some(((base_name, base), others)) = files.split_first() else {
        return Err(BenchError::Compare("give at least two result files".into()));
    };
    if others.is_empty() {
        return Err(BenchError::Compare("give at least two result files".into()));
    }
    let mut out = String::new();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let _ = writeln!(
        out,
        "## compare: {} against {base_name}\n",
        names[1..].join(", ")
    );
    let budgets: Vec<String> = files
        .iter()
        .map(|(n, r)| format!("{n}: {} seeds × {} trials", r.seeds, r.budget))
        .collect();
    let _ = writeln!(out, "{}\n", budgets.join("; "));
    let _ = writeln!(
        out,
        "Median (quartiles) of the final simple regret. ×: ratio of the median to {base_name}'s. \
         vs {base_name}: seeds won/tied/lost on the same study seeds, Wilcoxon signed-rank p; \
         ▲ better, ▼ worse at p < {SIGNIFICANCE}.\n"
    );
    let mut header = format!("| problem | searcher | {base_name} |");
    let mut rule = String::from("|---|---|---|");
    for (name, _) in others {
        let _ = write!(header, " {name} | × | vs {base_name} |");
        rule.push_str("---|---|---|");
    }
    let _ = writeln!(out, "{header}\n{rule}");
    let mut rows = 0;
    let mut totals: BTreeMap<(usize, String), Vec<Paired>> = BTreeMap::new();
    for p in &base.problems {
        for s in &base.searchers {
            let mine = finals(base, &p.name, &s.label);
            if mine.is_empty() {
                continue;
            }
            let theirs: Vec<BTreeMap<u64, f64>> = others
                .iter()
                .map(|(_, r)| finals(r, &p.name, &s.label))
                .collect();
            if theirs.iter().all(BTreeMap::is_empty) {
                continue;
            }
            let base_values: Vec<f64> = mine.values().copied().collect();
            let base_median = median(&base_values);
            let mut row = format!("| {} | {} | {} |", p.name, s.label, summary(&base_values));
            for (k, other) in theirs.iter().enumerate() {
                if other.is_empty() {
                    row.push_str(" — | — | — |");
                    continue;
                }
                let values: Vec<f64> = other.values().copied().collect();
                let ratio = if base_median > 0.0 {
                    format!("{:.2}", median(&values) / base_median)
                } else {
                    "—".into()
                };
                let (a, b): (Vec<f64>, Vec<f64>) = other
                    .iter()
                    .filter_map(|(seed, v)| mine.get(seed).map(|w| (*v, *w)))
                    .unzip();
                let vs = if a.is_empty() {
                    "no shared seeds".to_string()
                } else {
                    let paired = Paired::of(&a, &b);
                    totals.entry((k, s.label.clone())).or_default().push(paired);
                    let p = paired.wilcoxon_p.unwrap_or(1.0);
                    let mark = match (p < SIGNIFICANCE, paired.wins > paired.losses) {
                        (true, true) => " ▲",
                        (true, false) => " ▼",
                        _ => "",
                    };
                    format!(
                        "{}/{}/{}, p={p:.3}{mark}",
                        paired.wins, paired.ties, paired.losses
                    )
                };
                let _ = write!(row, " {} | {ratio} | {vs} |", summary(&values));
            }
            let _ = writeln!(out, "{row}");
            rows += 1;
        }
    }
    if rows == 0 {
        return Err(BenchError::Compare(format!(
            "no problem and searcher of {base_name} appears in the other files; compare runs of the same searchers on the same problems"
        )));
    }
    let _ = writeln!(out, "\n### Overall\n");
    let _ = writeln!(
        out,
        "| file | searcher | seeds won/tied/lost vs {base_name} (sign test p) | problems better / worse (p<{SIGNIFICANCE}) |"
    );
    let _ = writeln!(out, "|---|---|---|---|");
    for ((k, label), pairs) in &totals {
        let pooled = Paired::pooled(pairs);
        let significant = |better: bool| {
            pairs
                .iter()
                .filter(|p| p.wilcoxon_p.is_some_and(|q| q < SIGNIFICANCE))
                .filter(|p| {
                    if better {
                        p.wins > p.losses
                    } else {
                        p.losses > p.wins
                    }
                })
                .count()
        };
        let _ = writeln!(
            out,
            "| {} | {label} | {}/{}/{} (p={:.3}) | {} / {} |",
            others[*k].0,
            pooled.wins,
            pooled.ties,
            pooled.losses,
            pooled.sign_p,
            significant(true),
            significant(false)
        );
    }
    Ok(out)
}

fn summary(values: &[f64]) -> String {
    let s = crate::stats::Spread::of(values);
    format!(
        "{} ({}–{})",
        format_number(s.median),
        format_number(s.q25),
        format_number(s.q75)
    )
}
