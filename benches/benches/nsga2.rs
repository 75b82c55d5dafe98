//! A whole NSGA-II proposal (rank every complete trial: non-dominated
//! sorting, crowding distance; pool, tournaments, crossover, mutation) on
//! a history of 100, 1,000 and 10,000 complete trials of ZDT1 (10-D), two
//! objectives, a third of them breaking a constraint.

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use hyperspace_benches::bench_sizes::sizes;
use hyperspace_engine::{
    open_storage, Direction, Objective, Outcome, SearchContext, Space, Study, StudyConfig, Trial,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

const D: usize = 10;

/// `n` random trials of ZDT1, told through a study (outside the timing).
fn history(space: &Space, objectives: &[Objective], n: usize) -> Vec<Trial> {
    let config = StudyConfig::new("bench")
        .space(space.clone())
        .objectives(objectives.to_vec())
        .searcher("random", json!({}))
        .seed(1);
    let registry = hyperspace_searchers::builtin_registry();
    let mut study = Study::create(open_storage(":memory:").unwrap(), config, &registry).unwrap();
    for _ in 0..n {
        let t = study.ask().unwrap();
        let x: Vec<f64> = (0..D)
            .map(|i| t.params[&format!("x{i}")].as_f64().unwrap())
            .collect();
        let g = 1.0 + 9.0 * x[1..].iter().sum::<f64>() / (D - 1) as f64;
        let values = vec![x[0], g * (1.0 - (x[0] / g).sqrt())];
        let outcome = Outcome::complete_values(values).constraints(vec![x[1] - 0.67]);
        study.tell(t.id, outcome).unwrap();
    }
    study.trials().unwrap().to_vec()
}

fn nsga2_suggest(c: &mut Criterion) {
    let text: Vec<String> = (0..D).map(|i| format!("x{i}=float(0,1)")).collect();
    let space = Space::parse(&text.join(" ")).unwrap();
    let objectives = vec![Objective::new(Direction::Minimize); 2];
    let registry = hyperspace_searchers::builtin_registry();
    let mut group = c.benchmark_group("nsga2_suggest");
    for n in sizes(&[100usize, 1_000, 10_000]) {
        let trials = history(&space, &objectives, n);
        let mut searcher = registry.build("nsga2", &json!({})).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        group.bench_with_input(
            BenchmarkId::from_parameter(format!("n={n}/d={D}/m=2")),
            &n,
            |b, _| {
                b.iter(|| {
                    let ctx = SearchContext {
                        space: &space,
                        trials: &trials,
                        direction: Direction::Minimize,
                        objectives: &objectives,
                        study_seed: 3,
                        trial_number: n as u64,
                    };
                    searcher.sample_relative(&ctx, &space, &mut rng).unwrap()
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, nsga2_suggest);
criterion_main!(benches);
