//! A worker process for the multi-process tests: opens (or creates) a study
//! in the storage DB names (a SQLite file, or a `postgres://` URL) and runs
//! ask/tell `n` times, printing each trial number.
//!
//! Usage: hs-test-worker DB STUDY SEARCHER N [hang | start-at FLAG]
//!
//! With `hang`, it takes one trial, sends a heartbeat, prints the trial
//! number and sleeps, to be killed by a test. With `start-at FLAG`, it
//! prints `ready`, waits for the file FLAG to exist and only then opens the
//! database, so that several workers race to create it.

use hyperspace_engine::{open_storage, Error, Outcome, SearchError, Space, Study, StudyConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (db, study, searcher, n, hang) = match args.as_slice() {
        [_, db, study, searcher, n] => (db, study, searcher, n, false),
        [_, db, study, searcher, n, mode] if mode == "hang" => (db, study, searcher, n, true),
        [_, db, study, searcher, n, mode, flag] if mode == "start-at" => {
            println!("ready");
            while !std::path::Path::new(flag).exists() {
                std::thread::sleep(std::time::Duration::from_micros(200));
            }
            (db, study, searcher, n, false)
        }
        _ => return Err("usage: hs-test-worker DB STUDY SEARCHER N [hang | start-at FLAG]".into()),
    };
    let n: usize = n.parse()?;
    let registry = hyperspace_searchers::builtin_registry();
    let config = StudyConfig::new(study)
        .space(Space::parse("x=float(-5,5) y=int(0,9) opt=choice(a,b)")?)
        .searcher(searcher, settings_for(searcher))
        .seed(11);
    let mut study = Study::open(open_storage(db)?, config, &registry)?;
    if hang {
        // A short lease, so the test need not wait a minute for recovery.
        study.set_lease(Some(std::time::Duration::from_millis(1500)));
    }
    for _ in 0..n {
        let trial = match study.ask() {
            Ok(t) => t,
            Err(Error::Search(SearchError::Exhausted { .. })) => break,
            Err(e) => return Err(e.into()),
        };
        if hang {
            // Take a trial, show a sign of life, then wait to be killed.
            study.heartbeat(trial.id)?;
            println!("{}", trial.number);
            std::thread::sleep(std::time::Duration::from_secs(600));
            return Ok(());
        }
        let x = trial.params["x"].as_f64().ok_or("x")?;
        let y = trial.params["y"].as_i64().ok_or("y")? as f64;
        study.tell(trial.id, Outcome::complete(x * x + y))?;
        println!("{}", trial.number);
    }
    Ok(())
}

/// The searcher settings the multi-process tests use.
fn settings_for(searcher: &str) -> serde_json::Value {
    match searcher {
        "grid" => serde_json::json!({"points": 4}),
        _ => serde_json::Value::Null,
    }
}
