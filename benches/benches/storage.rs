//! Storage round trips: an ask+tell on a study that already has 100, 1,000
//! or 10,000 trials, and opening a study of 10,000 trials and asking once.
//! With incremental history loading, ask+tell must not grow with history.
//! The PostgreSQL group runs when `HYPERSPACE_TEST_POSTGRES` names a server
//! (`scripts/with-postgres cargo bench -p hyperspace-benches --bench
//! storage`), and says it was skipped otherwise.

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use hyperspace_benches::bench_sizes::{scaled, sizes};
use hyperspace_engine::{open_storage, Outcome, Space, Storage, Study, StudyConfig};
use std::sync::Arc;
use std::time::Duration;

fn config() -> StudyConfig {
    named_config("bench")
}

fn named_config(name: &str) -> StudyConfig {
    StudyConfig::new(name)
        .space(
            Space::parse("x=float(-5,5) y=float(-5,5) n=int(1,64,log) opt=choice(a,b,c)").unwrap(),
        )
        .searcher("random", serde_json::Value::Null)
        .seed(1)
}

/// A study with `n` complete trials.
fn populated(storage: Arc<dyn Storage>, n: usize) -> Study {
    populated_as(storage, config(), n)
}

fn populated_as(storage: Arc<dyn Storage>, config: StudyConfig, n: usize) -> Study {
    let mut study =
        Study::create(storage, config, &hyperspace_searchers::builtin_registry()).unwrap();
    for _ in 0..n {
        let t = study.ask().unwrap();
        let x = t.params["x"].as_f64().unwrap();
        study.tell(t.id, Outcome::complete(x * x)).unwrap();
    }
    study
}

fn ask_tell(study: &mut Study) {
    let t = study.ask().unwrap();
    let x = t.params["x"].as_f64().unwrap();
    study.tell(t.id, Outcome::complete(x * x)).unwrap();
}

fn bench_ask_tell(c: &mut Criterion) {
    let mut group = c.benchmark_group("storage_ask_tell");
    group.measurement_time(Duration::from_secs(4));
    for n in sizes(&[100usize, 1_000, 10_000]) {
        let dir = tempfile::tempdir().unwrap();
        let url = dir.path().join("bench.db");
        let mut study = populated(open_storage(url.to_str().unwrap()).unwrap(), n);
        group.bench_with_input(BenchmarkId::new("sqlite", format!("n={n}")), &n, |b, _| {
            b.iter(|| ask_tell(&mut study))
        });
        let mut memory = populated(open_storage(":memory:").unwrap(), n);
        group.bench_with_input(BenchmarkId::new("memory", format!("n={n}")), &n, |b, _| {
            b.iter(|| ask_tell(&mut memory))
        });
    }
    group.finish();
}

fn bench_open_and_ask(c: &mut Criterion) {
    let mut group = c.benchmark_group("storage_open_and_ask");
    group.sample_size(20);
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("bench.db");
    let n = scaled(10_000);
    drop(populated(open_storage(url.to_str().unwrap()).unwrap(), n));
    let registry = hyperspace_searchers::builtin_registry();
    group.bench_function(format!("sqlite/n={n}"), |b| {
        b.iter(|| {
            let storage = open_storage(url.to_str().unwrap()).unwrap();
            let mut study = Study::load(storage, "bench", &registry).unwrap();
            ask_tell(&mut study);
        })
    });
    group.finish();
}

/// Ask+tell on PostgreSQL (a server on this machine, over TCP on
/// loopback). Each size gets a study of its own in the server's database,
/// deleted afterwards.
fn bench_postgres(c: &mut Criterion) {
    let Ok(url) = std::env::var("HYPERSPACE_TEST_POSTGRES") else {
        eprintln!("skipped storage_ask_tell/postgres: HYPERSPACE_TEST_POSTGRES is unset (run under scripts/with-postgres)");
        return;
    };
    let mut group = c.benchmark_group("storage_ask_tell");
    group.measurement_time(Duration::from_secs(4));
    for n in sizes(&[100usize, 1_000]) {
        let name = format!("bench-{}-{n}", std::process::id());
        let storage = open_storage(&url).unwrap();
        let mut study = populated_as(storage.clone(), named_config(&name), n);
        group.bench_with_input(
            BenchmarkId::new("postgres", format!("n={n}")),
            &n,
            |b, _| b.iter(|| ask_tell(&mut study)),
        );
        let id = storage.find_study(&name).unwrap().unwrap().id;
        storage.delete_study(id).unwrap();
    }
    group.finish();
}

criterion_group!(benches, bench_ask_tell, bench_open_and_ask, bench_postgres);
criterion_main!(benches);
