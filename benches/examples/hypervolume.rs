//! Hypervolume of point sets read from stdin, timed, for the side-by-side
//! comparison with Optuna and pymoo (`benches/compare/hypervolume.py`).
//!
//! Input: one JSON object per line, `{"points": [[…], …], "reference": […],
//! "repeats": k}`. Output: one JSON line per input, `{"value": v,
//! "seconds": s}`, `s` the best of `k` timed calls (parsing excluded).

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use anyhow::Context;
use hyperspace_surrogate::pareto::hypervolume;
use serde::Deserialize;
use std::io::{BufRead, Write};
use std::time::Instant;

#[derive(Deserialize)]
struct Case {
    points: Vec<Vec<f64>>,
    reference: Vec<f64>,
    repeats: usize,
}

fn main() -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.context("reading stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let case: Case = serde_json::from_str(&line).context("parsing a case")?;
        let mut best = f64::INFINITY;
        let mut value = 0.0;
        for _ in 0..case.repeats.max(1) {
            let start = Instant::now();
            value = hypervolume(&case.points, &case.reference)?;
            best = best.min(start.elapsed().as_secs_f64());
        }
        writeln!(
            out,
            "{}",
            serde_json::json!({"value": value, "seconds": best})
        )?;
    }
    Ok(())
}
