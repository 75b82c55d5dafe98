//! A worker process for the multi-process tests: opens (or creates) a study
//! in a SQLite file and runs ask/tell `n` times, printing each trial number.
//!
//! Usage: hs-test-worker DB STUDY SEARCHER N

use hyperspace_engine::{open_storage, Error, Outcome, SearchError, Space, Study, StudyConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, db, study, searcher, n] = args.as_slice() else {
        return Err("usage: hs-test-worker DB STUDY SEARCHER N".into());
    };
    let n: usize = n.parse()?;
    let registry = hyperspace_searchers::builtin_registry();
    let config = StudyConfig::new(study)
        .space(Space::parse("x=float(-5,5) y=int(0,9) opt=choice(a,b)")?)
        .searcher(searcher, settings_for(searcher))
        .seed(11);
    let mut study = Study::open(open_storage(db)?, config, &registry)?;
    for _ in 0..n {
        let trial = match study.ask() {
            Ok(t) => t,
            Err(Error::Search(SearchError::Exhausted { .. })) => break,
            Err(e) => return Err(e.into()),
        };
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
