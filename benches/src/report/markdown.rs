//! The Markdown report of a suite run.

use crate::runner::{RunStop, SuiteResults};
use crate::stats::{Paired, Spread};
use std::fmt::Write;

/// A number in a table: 3 significant digits, scientific when very small
/// or large.
pub fn format_number(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    if !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    if !(1e-3..1e5).contains(&a) {
        return format!("{x:.2e}");
    }
    let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
    format!("{x:.decimals$}")
}

fn spread(s: &Spread) -> String {
    format!(
        "{} ({}–{})",
        format_number(s.median),
        format_number(s.q25),
        format_number(s.q75)
    )
}

fn versus(p: &Paired) -> String {
    let wilcoxon = p
        .wilcoxon_p
        .map(|q| format!(", {}", format_p(q)))
        .unwrap_or_default();
    format!("{}/{}/{}{wilcoxon}", p.wins, p.ties, p.losses)
}

/// `p=0.012`, or `p<0.001`.
fn format_p(p: f64) -> String {
    if p < 0.001 {
        "p<0.001".into()
    } else {
        format!("p={p:.3}")
    }
}

/// The report: one table of every problem and searcher, one of every
/// searcher overall, and the runs that stopped early.
pub fn markdown(results: &SuiteResults) -> String {
    let mut out = String::new();
    let s = &results.summary;
    let base = s.baseline.as_deref().unwrap_or("baseline");
    let _ = writeln!(
        out,
        "## hyperspace-bench: {} searchers × {} problems × {} seeds × {} trials ({:.1} s on {} threads)\n",
        results.searchers.len(),
        results.problems.len(),
        results.seeds,
        results.budget,
        results.seconds,
        results.jobs,
    );
    let _ = writeln!(
        out,
        "Simple regret (noiseless value of the best trial found − optimum): median (quartiles) over seeds after 25%, 50% and 100% of the budget. \
         Rank: mean rank of the final regret among searchers, 1 = best. \
         vs {base}: seeds won/tied/lost on final regret, two-sided Wilcoxon signed-rank p.\n"
    );
    let _ = writeln!(
        out,
        "| problem | searcher | regret @25% | regret @50% | regret @100% | rank | vs {base} |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for p in &results.problems {
        let mut first = true;
        for c in s.cells.iter().filter(|c| c.problem == p.name) {
            let name = if first {
                let mark = match p.optimum_kind {
                    crate::OptimumKind::Known => "",
                    crate::OptimumKind::Reference => "†",
                };
                format!("{}{mark}", p.name)
            } else {
                String::new()
            };
            first = false;
            let (r25, r50, r100) = match &c.regret {
                Some(r) => (spread(&r[0]), spread(&r[1]), spread(&r[2])),
                None => ("—".into(), "—".into(), "—".into()),
            };
            let rank = c.mean_rank.map(|r| format!("{r:.2}")).unwrap_or("—".into());
            let vs = c.vs_baseline.as_ref().map(versus).unwrap_or("—".into());
            let mut notes = Vec::new();
            if c.unsupported > 0 {
                notes.push(format!("{} unsupported", c.unsupported));
            }
            if c.failed > 0 {
                notes.push(format!("{} FAILED", c.failed));
            }
            let failed = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join(", "))
            };
            let _ = writeln!(
                out,
                "| {name} | {}{failed} | {r25} | {r50} | {r100} | {rank} | {vs} |",
                c.searcher
            );
        }
    }
    if results
        .problems
        .iter()
        .any(|p| p.optimum_kind == crate::OptimumKind::Reference)
    {
        let _ = writeln!(
            out,
            "\n† optimum is a recorded reference (the best of a long exhaustive search), not a proven minimum."
        );
    }
    let _ = writeln!(out, "\n### Overall\n");
    let _ = writeln!(
        out,
        "| searcher | mean rank | vs {base}: won/tied/lost (sign test p) | problems better / worse than {base} (p<0.05) | search s | objective s |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for o in &s.overall {
        let rank = o.mean_rank.map(|r| format!("{r:.2}")).unwrap_or("—".into());
        let vs = o
            .vs_baseline
            .as_ref()
            .map(|p| {
                format!(
                    "{}/{}/{} ({})",
                    p.wins,
                    p.ties,
                    p.losses,
                    format_p(p.sign_p)
                )
            })
            .unwrap_or("—".into());
        let better = if o.vs_baseline.is_some() {
            format!("{} / {}", o.problems_better, o.problems_worse)
        } else {
            "—".into()
        };
        let runs = results.runs.iter().filter(|r| r.searcher == o.searcher);
        let (search, eval) = runs.fold((0.0, 0.0), |(a, b), r| {
            (a + r.search_seconds, b + r.eval_seconds)
        });
        let _ = writeln!(
            out,
            "| {} | {rank} | {vs} | {better} | {search:.1} | {eval:.1} |",
            o.searcher
        );
    }
    // Runs that stopped early, grouped by searcher, problem and reason.
    let mut groups: Vec<(&str, &str, &str, &str, Vec<usize>)> = Vec::new();
    for r in &results.runs {
        let Some(stop) = &r.stop else { continue };
        let (kind, msg) = match stop {
            RunStop::Exhausted(m) => ("exhausted", m.as_str()),
            RunStop::Unsupported(m) => ("unsupported", m.as_str()),
            RunStop::Failed(m) => ("FAILED", m.as_str()),
        };
        let key = (r.searcher.as_str(), r.problem.as_str(), kind, msg);
        match groups.iter_mut().find(|g| (g.0, g.1, g.2, g.3) == key) {
            Some(g) => g.4.push(r.trials),
            None => groups.push((key.0, key.1, key.2, key.3, vec![r.trials])),
        }
    }
    if !groups.is_empty() {
        let _ = writeln!(out, "\n### Runs that stopped early\n");
        for (searcher, problem, kind, msg, trials) in &groups {
            let (lo, hi) = trials
                .iter()
                .fold((usize::MAX, 0), |(lo, hi), t| (lo.min(*t), hi.max(*t)));
            let after = if lo == hi {
                format!("{lo}")
            } else {
                format!("{lo}–{hi}")
            };
            let _ = writeln!(
                out,
                "- {searcher} on {problem}: {} of {} seeds {kind} after {after} trials: {msg}",
                trials.len(),
                results.seeds
            );
        }
    }
    out
}
