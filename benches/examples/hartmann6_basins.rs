//! Where the GP's trials land on hartmann6 (issue 17): for each seed of
//! the suite's sequential protocol, the final regret, the trial at which
//! the global basin (within 0.25 of its optimum in unit space) was first
//! sampled and when the best trial first entered it, and how many trials
//! fell there. A run that never samples the basin is an exploration
//! failure; one that samples it but keeps its best elsewhere is an
//! exploitation failure.
//!
//! ```sh
//! cargo run --release -p hyperspace-benches --example hartmann6_basins -- 10 96 '{}'
//! ```

// Example code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_benches::problems::problem;
use hyperspace_benches::study_seed;
use hyperspace_engine::{open_storage, Direction, Outcome, Study, StudyConfig};

const GLOBAL: [f64; 6] = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573];
const LOCAL: [f64; 6] = [0.40465, 0.88244, 0.84610, 0.57399, 0.13893, 0.03850];
const OPTIMUM: f64 = -3.32237;
const BASIN: f64 = 0.25;

fn distance(x: &[f64], to: &[f64]) -> f64 {
    x.iter()
        .zip(to)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seeds: usize = args.get(1).map_or(10, |s| s.parse().unwrap());
    let budget: usize = args.get(2).map_or(96, |s| s.parse().unwrap());
    let settings: serde_json::Value =
        serde_json::from_str(args.get(3).map_or("{}", |s| s.as_str())).unwrap();
    let p = problem("hartmann6").unwrap();
    let registry = hyperspace_searchers::builtin_registry();
    println!(
        "seed  regret    first-in-global  best-in-global  n-global  n-local  best-dist-global"
    );
    for seed_index in 0..seeds {
        let config = StudyConfig::new("h6")
            .space(p.space().clone())
            .direction(Direction::Minimize)
            .searcher("gp", settings.clone())
            .seed(study_seed("hartmann6", seed_index));
        let mut study =
            Study::create(open_storage(":memory:").unwrap(), config, &registry).unwrap();
        let (mut best, mut best_x) = (f64::INFINITY, vec![0.0; 6]);
        let (mut first_in, mut best_in) = (None, None);
        let (mut n_global, mut n_local) = (0, 0);
        for i in 0..budget {
            let t = study.ask().unwrap();
            let x: Vec<f64> = (1..=6)
                .map(|j| t.params[&format!("x{j}")].as_f64().unwrap())
                .collect();
            let v = p.value(&t.params).unwrap();
            study.tell(t.id, Outcome::complete(v)).unwrap();
            let (dg, dl) = (distance(&x, &GLOBAL), distance(&x, &LOCAL));
            if dg < BASIN {
                n_global += 1;
                first_in.get_or_insert(i);
            }
            if dl < BASIN {
                n_local += 1;
            }
            if v < best {
                best = v;
                best_x = x;
                if distance(&best_x, &GLOBAL) < BASIN {
                    best_in.get_or_insert(i);
                }
            }
        }
        let show = |o: Option<usize>| o.map_or("never".to_string(), |i| i.to_string());
        println!(
            "{seed_index:4}  {:<8.3e}  {:>15}  {:>14}  {n_global:8}  {n_local:7}  {:.3}",
            best - OPTIMUM,
            show(first_in),
            show(best_in),
            distance(&best_x, &GLOBAL)
        );
    }
}
