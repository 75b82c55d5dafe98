//! Ensemble of the best trials vs the best single trial, on held-out rows
//! (issue 15): SVRs on diabetes tuned by random search, the ensemble
//! selected greedily on validation predictions; over several seeds.
//!
//! `cargo run --release -p hyperspace-benches --example ensemble_heldout`

// An example: a panic is how it reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use hyperspace_benches::ensemble_check::svm_diabetes;

fn main() {
    let (trials, top, size) = (40, 20, 20);
    println!("SVR on diabetes: {trials} trials, ensemble of the top {top}, {size} rounds; RMSE of standardized targets");
    println!(
        "seed | members | valid single | valid ensemble | held-out single | held-out ensemble"
    );
    let (mut single, mut ensemble) = (Vec::new(), Vec::new());
    for seed in 0..10 {
        let dir = tempfile::tempdir().unwrap();
        let f = svm_diabetes(dir.path(), trials, top, size, seed).unwrap();
        println!(
            "{seed} | {} | {:.4} | {:.4} | {:.4} | {:.4}",
            f.members.len(),
            f.validation_single,
            f.validation_ensemble,
            f.heldout_single,
            f.heldout_ensemble
        );
        single.push(f.heldout_single);
        ensemble.push(f.heldout_ensemble);
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let wins = single.iter().zip(&ensemble).filter(|(s, e)| e < s).count();
    println!(
        "held-out mean: single {:.4}, ensemble {:.4}; ensemble better in {wins} of {} seeds",
        mean(&single),
        mean(&ensemble),
        single.len()
    );
}
