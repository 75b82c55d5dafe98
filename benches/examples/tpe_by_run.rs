//! A whole define-by-run TPE study as the Python package drives it (issue
//! 16): 1,000 trials over `d` floats, each opened, given its joint proposal,
//! and told with its values in one write, in memory (or on the storage a
//! fourth argument names, as `/tmp/by-run.db`). Prints the wall time, and
//! the time inside the searcher's proposals alone, so a profile of the rest
//! of the engine can be told apart.
//!
//! ```sh
//! cargo run --release -p hyperspace-benches --example tpe_by_run -- 40 1000
//! cargo run --release -p hyperspace-benches --example tpe_by_run -- 10 1000 1 /tmp/by-run.db
//! ```

// Example code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_engine::{FloatParam, Outcome, Param, Params, Study, StudyConfig, Value};
use std::time::Instant;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let storage = (args.len() > 3).then(|| args.remove(3));
    let args: Vec<usize> = args.iter().map(|a| a.parse().unwrap()).collect();
    let d = args.first().copied().unwrap_or(40);
    let n = args.get(1).copied().unwrap_or(1000);
    let reps = args.get(2).copied().unwrap_or(1);
    let registry = hyperspace_searchers::builtin_registry();
    let names: Vec<String> = (0..d).map(|i| format!("x{i}")).collect();
    let param = Param::Float(FloatParam::new(-5.0, 5.0, false, None, None).unwrap());
    for rep in 0..reps {
        let start = Instant::now();
        let config = StudyConfig::new(&format!("by-run-{rep}"))
            .searcher("tpe", serde_json::json!({}))
            .seed(1);
        let url = storage.as_deref().unwrap_or(":memory:");
        let storage = hyperspace_engine::open_storage(url).unwrap();
        let mut study = Study::create(storage, config, &registry).unwrap();
        let mut proposing = 0.0;
        // A fingerprint of every value proposed, to check that a faster
        // build proposes the same.
        let mut fingerprint: u64 = 0;
        for _ in 0..n {
            let trial = study.ask_open().unwrap();
            let t = Instant::now();
            let proposed = study.propose_handed(&trial).ok().cloned();
            proposing += t.elapsed().as_secs_f64();
            let mut params = Params::new();
            let mut value = 0.0;
            for name in &names {
                let v = match proposed.as_ref().and_then(|p| p.get(name)) {
                    Some(v) => v.clone(),
                    None => study.decide(trial.id, name, &param).unwrap(),
                };
                let x = v.as_f64().unwrap();
                fingerprint = fingerprint.rotate_left(5) ^ x.to_bits();
                value += x * x;
                params.insert(name.clone(), Value::Float(x));
            }
            let outcome = Outcome::complete(value).params(params);
            study.tell(trial.id, outcome).unwrap();
        }
        println!(
            "d={d} trials={n}: {:.3} s, of which proposals {:.3} s (values {fingerprint:016x})",
            start.elapsed().as_secs_f64(),
            proposing
        );
    }
}
