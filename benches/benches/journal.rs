//! The result journal's share of a trial (issue 18): every result is written
//! and flushed to a local file before storage is asked to take it, and
//! marked done once it is recorded. Timed alone (`journal/append_remove`) and
//! inside the loop it belongs to on a SQLite file (`journal/loop_sqlite`:
//! ask, journal the result, record it, mark it done), next to the same loop
//! without a journal (`journal/loop_sqlite_no_journal`).

// Bench code: a panic reports a broken set-up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, Criterion};
use hyperspace_engine::{
    open_storage, Outcome, PendingResult, ResultJournal, Space, Study, StudyConfig, TrialId,
};
use std::time::Duration;

fn study(url: &str) -> Study {
    let config = StudyConfig::new("bench")
        .space(Space::parse("x=float(-5,5)").unwrap())
        .searcher("random", serde_json::Value::Null)
        .seed(1);
    Study::create(
        open_storage(url).unwrap(),
        config,
        &hyperspace_searchers::builtin_registry(),
    )
    .unwrap()
}

/// One trial of the loop: ask, journal the result (if there is a journal),
/// record it, drop it from the journal.
fn trial(study: &mut Study, journal: Option<&ResultJournal>) {
    let t = study.ask().unwrap();
    let x = t.params["x"].as_f64().unwrap();
    let result = PendingResult::finished("bench", t.id, t.number, Outcome::complete(x * x));
    if let Some(j) = journal {
        j.append(&result).unwrap();
    }
    study.record_result(&result).unwrap();
    if let Some(j) = journal {
        j.remove(t.id).unwrap();
    }
}

fn bench_journal(c: &mut Criterion) {
    let mut group = c.benchmark_group("journal");
    group.measurement_time(Duration::from_secs(5));
    group.sample_size(30);

    let dir = tempfile::tempdir().unwrap();
    let journal = ResultJournal::new(&dir.path().join("alone"));
    let mut id = 0;
    group.bench_function("append_remove", |b| {
        b.iter(|| {
            id += 1;
            let r = PendingResult::finished("bench", TrialId(id), 0, Outcome::complete(1.0));
            journal.append(&r).unwrap();
            journal.remove(r.trial).unwrap();
        })
    });

    let url = dir.path().join("loop.db");
    let mut with = study(url.to_str().unwrap());
    let journal = ResultJournal::new(&dir.path().join("loop"));
    group.bench_function("loop_sqlite", |b| {
        b.iter(|| trial(&mut with, Some(&journal)))
    });

    let url = dir.path().join("bare.db");
    let mut bare = study(url.to_str().unwrap());
    group.bench_function("loop_sqlite_no_journal", |b| {
        b.iter(|| trial(&mut bare, None))
    });
    group.finish();
}

criterion_group!(benches, bench_journal);
criterion_main!(benches);
