//! The long runs that established the reference optima of the model
//! problems. Ignored: they take minutes. Run them with
//!
//! ```text
//! cargo test --release -p hyperspace-benches --test suite reference -- --ignored --nocapture
//! ```
//!
//! and copy the printed values into the problem's `REF_*` constants.

use crate::common::pattern_search;
use hyperspace_benches::{params, problems, Problem};
use hyperspace_engine::{Params, Value};
use std::sync::Mutex;

/// Evaluates `points` on all cores; returns the values in order.
fn evaluate_all(problem: &dyn Problem, points: &[Params]) -> Vec<f64> {
    let out = Mutex::new(vec![f64::NAN; points.len()]);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(p) = points.get(i) else { break };
                let v = problem.value(p).unwrap();
                out.lock().unwrap()[i] = v;
            });
        }
    });
    out.into_inner().unwrap()
}

/// The first minimum of `values` (ties keep the earliest point).
fn argmin(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v < values[best] {
            best = i;
        }
    }
    best
}

/// A grid over two log-scale / linear parameters, then a pattern search in
/// (log10 a, b) from its best point.
fn two_d_reference(
    name: &str,
    (a_name, a_lo, a_hi, a_log): (&'static str, f64, f64, bool),
    (b_name, b_lo, b_hi, b_log): (&'static str, f64, f64, bool),
    n: usize,
) {
    let problem = problems::problem(name).unwrap();
    let to = |lo: f64, hi: f64, log: bool, u: f64| {
        if log {
            10f64.powf(lo.log10() + u * (hi.log10() - lo.log10()))
        } else {
            lo + u * (hi - lo)
        }
    };
    let at = |u: &[f64]| {
        params([
            (a_name, to(a_lo, a_hi, a_log, u[0])),
            (b_name, to(b_lo, b_hi, b_log, u[1])),
        ])
    };
    let grid: Vec<Vec<f64>> = (0..n)
        .flat_map(|i| {
            (0..n).map(move |j| vec![i as f64 / (n - 1) as f64, j as f64 / (n - 1) as f64])
        })
        .collect();
    let points: Vec<Params> = grid.iter().map(|u| at(u)).collect();
    let values = evaluate_all(problem.as_ref(), &points);
    let best = argmin(&values);
    println!("{name}: grid best {} at {:?}", values[best], points[best]);
    let f = |u: &[f64]| problem.value(&at(u)).unwrap();
    let (u, v) = pattern_search(
        &f,
        &grid[best],
        &[0.0, 0.0],
        &[1.0, 1.0],
        1.0 / n as f64,
        1e-7,
    );
    println!("{name}: REFERENCE value {v:.17e} at {:?}", at(&u));
    let again = problem.value(&at(&u)).unwrap();
    assert_eq!(v, again, "the objective is deterministic");
}

#[test]
#[ignore = "minutes of CPU; establishes the recorded reference optimum"]
fn reference_elasticnet_diabetes() {
    two_d_reference(
        "elasticnet-diabetes",
        ("alpha", 1e-5, 10.0, true),
        ("l1_ratio", 0.0, 1.0, false),
        101,
    );
}

#[test]
#[ignore = "minutes of CPU; establishes the recorded reference optimum"]
fn reference_svm_diabetes() {
    two_d_reference(
        "svm-diabetes",
        ("C", 1e-2, 1e3, true),
        ("width", 1e-3, 10.0, true),
        41,
    );
}

#[test]
#[ignore = "minutes of CPU; establishes the recorded (exact) optimum"]
fn reference_tree_winequality() {
    let problem = problems::problem("tree-winequality").unwrap();
    let mut points = Vec::new();
    for depth in 1..=20i64 {
        for min_split in 2..=256i64 {
            for criterion in ["gini", "entropy"] {
                let mut p = Params::new();
                p.insert("depth".into(), Value::Int(depth));
                p.insert("min_split".into(), Value::Int(min_split));
                p.insert("criterion".into(), Value::from(criterion));
                points.push(p);
            }
        }
    }
    let values = evaluate_all(problem.as_ref(), &points);
    let best = argmin(&values);
    let ties = values.iter().filter(|v| **v == values[best]).count();
    println!(
        "tree-winequality: REFERENCE value {:.17e} at {:?} ({ties} points tie)",
        values[best], points[best]
    );
}
