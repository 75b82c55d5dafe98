//! Running studies: one run, and the whole suite spread over threads.

use super::{ProblemInfo, RunRecord, RunStop, SearcherChoice, Suite, SuiteResults, RESULTS_FORMAT};
use crate::problem::Problem;
use crate::summary::Summary;
use crate::{BenchError, Result};
use hyperspace_engine::{
    open_storage, trial_rng, trial_seed, Direction, Error, Outcome, Registry, SearchError, Study,
    StudyConfig, Trial,
};
use rand::Rng;
use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// The study seed of seed index `seed_index` on `problem`: the same for
/// every searcher, different across problems and seeds, and stable across
/// platforms and releases (FNV-1a of the name, mixed with the index).
pub fn study_seed(problem: &str, seed_index: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in problem.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    trial_seed(h, seed_index as u64)
}

/// The seed of the observation-noise stream of a study (distinct from the
/// searcher's streams, which derive from the study seed itself).
pub fn noise_seed(study_seed: u64) -> u64 {
    study_seed ^ 0x6e6f_6973_655f_7374 // "noise_st"
}

/// The seed of the stream that decides which trial in flight finishes
/// next (distinct from the searcher's and the noise's streams).
pub fn arrival_seed(study_seed: u64) -> u64 {
    study_seed ^ 0x6172_7269_7661_6c73 // "arrivals"
}

/// Evaluates `trial`, tells the study, and updates the record's incumbent
/// and regret curve; the reason to stop if the objective or the tell fails.
fn evaluate_and_tell(
    problem: &dyn Problem,
    study: &mut Study,
    trial: &Trial,
    seed: u64,
    record: &mut RunRecord,
) -> std::result::Result<(), RunStop> {
    let clock = Instant::now();
    let mut noise = trial_rng(noise_seed(seed), trial.number);
    let evaluation = problem.evaluate(&trial.params, &mut noise);
    record.eval_seconds += clock.elapsed().as_secs_f64();
    let evaluation = evaluation.map_err(|e| RunStop::Failed(format!("objective: {e}")))?;
    let clock = Instant::now();
    study
        .tell(trial.id, Outcome::complete(evaluation.observed))
        .map_err(|e| RunStop::Failed(format!("tell: {e}")))?;
    record.search_seconds += clock.elapsed().as_secs_f64();
    record.trials += 1;
    if record.best_observed.is_none_or(|b| evaluation.observed < b) {
        record.best_observed = Some(evaluation.observed);
        record.best_value = Some(evaluation.truth);
        record.best_params = Some(trial.params.clone());
    }
    if let Some(best) = record.best_value {
        record.curve.push(best - problem.optimum().value);
    }
    Ok(())
}

/// Runs `searcher` on `problem` for `budget` trials with seed index
/// `seed_index`, in a fresh in-memory study.
///
/// With `searcher.in_flight = q` trials in flight, the run is what `q`
/// workers sharing the study would do: `q` trials are asked before any is
/// told; then, repeatedly, one of those in flight (drawn from a stream
/// seeded by the study seed, [`arrival_seed`]) finishes and is told, and a
/// new trial is asked in its place, until `budget` trials are told. The
/// order results arrive in is fixed by the seed, so a run repeats exactly;
/// with `q = 1` it is the sequential ask, tell, ask, ... The regret curve
/// follows the tells.
///
/// Failures of the searcher are recorded in [`RunRecord::stop`], not
/// returned: a grid that runs out, or a searcher that cannot handle a
/// conditional space, is a result. Errors are returned only for a searcher
/// that cannot be built at all.
pub fn run_one(
    problem: &dyn Problem,
    searcher: &SearcherChoice,
    registry: &Registry,
    seed_index: usize,
    budget: usize,
) -> Result<RunRecord> {
    let seed = study_seed(problem.name(), seed_index);
    let run_error = |source: Error| BenchError::Run {
        searcher: searcher.label.clone(),
        problem: problem.name().to_string(),
        seed: seed_index,
        source: Box::new(source),
    };
    let storage = open_storage(":memory:").map_err(run_error)?;
    let config = StudyConfig::new(&format!(
        "{}/{}/{seed_index}",
        problem.name(),
        searcher.name
    ))
    .space(problem.space().clone())
    .direction(Direction::Minimize)
    .searcher(&searcher.name, searcher.settings.clone())
    .seed(seed);
    let mut study = Study::create(storage, config, registry).map_err(run_error)?;
    let mut record = RunRecord {
        searcher: searcher.label.clone(),
        problem: problem.name().to_string(),
        seed_index,
        study_seed: seed,
        trials: 0,
        curve: Vec::with_capacity(budget),
        best_observed: None,
        best_value: None,
        best_params: None,
        search_seconds: 0.0,
        eval_seconds: 0.0,
        stop: None,
    };
    let mut arrivals = trial_rng(arrival_seed(seed), 0);
    let mut in_flight: Vec<Trial> = Vec::with_capacity(searcher.in_flight);
    let mut asked = 0;
    loop {
        // Workers take new trials until `in_flight` are out or the budget
        // is spent...
        while in_flight.len() < searcher.in_flight.max(1) && asked < budget && record.stop.is_none()
        {
            let clock = Instant::now();
            match study.ask() {
                Ok(t) => in_flight.push(t),
                Err(e) => record.stop = Some(stop_of(e)),
            }
            record.search_seconds += clock.elapsed().as_secs_f64();
            asked += 1;
        }
        if in_flight.is_empty() {
            break;
        }
        // ...then one of them, drawn from the seeded arrival stream,
        // finishes first.
        let next = arrivals.random_range(0..in_flight.len());
        let trial = in_flight.remove(next);
        if let Err(stop) = evaluate_and_tell(problem, &mut study, &trial, seed, &mut record) {
            record.stop = Some(stop);
            break;
        }
    }
    if let (Some(RunStop::Exhausted(_)), Some(&last)) = (&record.stop, record.curve.last()) {
        record.curve.resize(budget, last);
    }
    Ok(record)
}

/// The record of a run whose searcher or objective panicked.
fn panicked(
    problem: &dyn Problem,
    searcher: &SearcherChoice,
    seed_index: usize,
    panic: Box<dyn Any + Send>,
) -> RunRecord {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    RunRecord {
        searcher: searcher.label.clone(),
        problem: problem.name().to_string(),
        seed_index,
        study_seed: study_seed(problem.name(), seed_index),
        trials: 0,
        curve: Vec::new(),
        best_observed: None,
        best_value: None,
        best_params: None,
        search_seconds: 0.0,
        eval_seconds: 0.0,
        stop: Some(RunStop::Failed(format!("panicked: {message}"))),
    }
}

/// The median over seeds `0..seeds` of the final regret of `searcher`
/// (`name` or `name:{json settings}`) on the catalog problem `problem`,
/// `budget` trials each: the one number a searcher's quality test needs.
///
/// Runs one seed after another on the calling thread. A run that fails or
/// cannot search the space is an error.
pub fn median_final_regret(
    problem: &str,
    searcher: &str,
    registry: &Registry,
    seeds: usize,
    budget: usize,
) -> Result<f64> {
    let p = crate::problems::problem(problem)?;
    let choice = SearcherChoice::parse(searcher)?;
    let mut finals = Vec::with_capacity(seeds);
    for seed in 0..seeds {
        let run = run_one(p.as_ref(), &choice, registry, seed, budget)?;
        let last = run.curve.last().copied().filter(|_| run.counts());
        let Some(last) = last else {
            return Err(BenchError::Stopped {
                searcher: choice.label.clone(),
                problem: problem.to_string(),
                seed,
                reason: format!("{:?}", run.stop),
            });
        };
        finals.push(last);
    }
    Ok(crate::stats::median(&finals))
}

fn stop_of(e: Error) -> RunStop {
    match e {
        Error::Search(SearchError::Exhausted { .. }) => RunStop::Exhausted(e.to_string()),
        Error::Search(SearchError::Unsupported { .. }) => RunStop::Unsupported(e.to_string()),
        other => RunStop::Failed(other.to_string()),
    }
}

/// What the suite reports while it runs.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// The run that just finished.
    pub run: &'a RunRecord,
    /// Runs finished so far.
    pub done: usize,
    /// Runs in all.
    pub total: usize,
}

/// Runs every searcher of `suite` on every problem with every seed, on
/// `suite.jobs` threads, calling `progress` after each run. Results come
/// in a fixed order (problem, searcher, seed) whatever the scheduling, and
/// the curves are identical from one call to the next.
pub fn run_suite(
    suite: &Suite,
    registry: &Registry,
    progress: &(dyn Fn(Progress<'_>) + Sync),
) -> Result<SuiteResults> {
    let started = Instant::now();
    let problems: Vec<Box<dyn Problem>> = suite
        .problems
        .iter()
        .map(|e| e.build())
        .collect::<Result<_>>()?;
    let mut jobs = Vec::new();
    for (p, _) in problems.iter().enumerate() {
        for (s, _) in suite.searchers.iter().enumerate() {
            for seed in 0..suite.seeds {
                jobs.push((p, s, seed));
            }
        }
    }
    let slots: Vec<Mutex<Option<Result<RunRecord>>>> =
        jobs.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let threads = suite.jobs.clamp(1, jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(p, s, seed)) = jobs.get(i) else {
                    break;
                };
                let searcher = &suite.searchers[s];
                let problem = problems[p].as_ref();
                let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    run_one(problem, searcher, registry, seed, suite.budget)
                }))
                .unwrap_or_else(|panic| Ok(panicked(problem, searcher, seed, panic)));
                if let Ok(run) = &result {
                    let done = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress(Progress {
                        run,
                        done,
                        total: jobs.len(),
                    });
                }
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(result);
                }
            });
        }
    });
    let mut runs = Vec::with_capacity(jobs.len());
    for (slot, &(p, s, seed)) in slots.into_iter().zip(&jobs) {
        match slot.into_inner().ok().flatten() {
            Some(result) => runs.push(result?),
            None => runs.push(panicked(
                problems[p].as_ref(),
                &suite.searchers[s],
                seed,
                Box::new("the run never finished"),
            )),
        }
    }
    let infos: Vec<ProblemInfo> = problems
        .iter()
        .map(|p| ProblemInfo::of(p.as_ref()))
        .collect();
    let labels: Vec<String> = suite.searchers.iter().map(|s| s.label.clone()).collect();
    let summary = Summary::compute(
        &infos,
        &labels,
        &runs,
        suite.budget,
        suite.baseline.as_deref(),
    );
    Ok(SuiteResults {
        format: RESULTS_FORMAT,
        searchers: suite.searchers.clone(),
        problems: infos,
        seeds: suite.seeds,
        budget: suite.budget,
        baseline: suite.baseline.clone(),
        seconds: started.elapsed().as_secs_f64(),
        jobs: threads,
        runs,
        summary,
    })
}
