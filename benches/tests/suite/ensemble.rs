//! An ensemble of the best trials of a real model (SVR on diabetes, issue
//! 15), selected on validation predictions the trials saved, against the
//! best single trial: never worse on validation (greedy selection starts
//! from the best single one and keeps its best prefix); held-out figures
//! are printed (`benches/README.md` has them for more seeds).

use hyperspace_benches::ensemble_check::svm_diabetes;

#[test]
fn ensemble_of_svr_trials_is_no_worse_than_the_best_single_on_validation() {
    let dir = tempfile::tempdir().unwrap();
    let f = svm_diabetes(dir.path(), 6, 5, 8, 3).unwrap();
    println!("{f:?}");
    assert_eq!(f.candidates, 5);
    assert!(f.validation_ensemble <= f.validation_single, "{f:?}");
    let total: f64 = f.members.iter().map(|(_, w)| w).sum();
    assert!((total - 1.0).abs() < 1e-9, "{f:?}");
    // the figures are real RMSEs of standardized targets: a model that
    // learned nothing scores about 1
    assert!(
        f.validation_single > 0.5 && f.validation_single < 1.0,
        "{f:?}"
    );
    assert!(f.heldout_single.is_finite() && f.heldout_ensemble.is_finite());
}
