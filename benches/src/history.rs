//! Synthetic study histories for benches and examples: complete trials at
//! uniform random points of a space, valued by a function of their unit
//! coordinates.

use hyperspace_engine::{Metadata, Params, Space, StudyId, Trial, TrialId, TrialState};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `n` complete trials of `space` at seeded uniform random points, each
/// valued `f(u)` at its unit coordinates `u`.
pub fn random_history(space: &Space, n: usize, seed: u64, f: impl Fn(&[f64]) -> f64) -> Vec<Trial> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            let u: Vec<f64> = (0..space.len()).map(|_| rng.random::<f64>()).collect();
            let params: Params = space
                .entries()
                .iter()
                .zip(&u)
                .map(|(e, v)| (e.name.clone(), e.param.from_unit(*v)))
                .collect();
            let value = f(&u);
            Trial {
                id: TrialId(i as i64),
                study: StudyId(1),
                number: i as u64,
                state: TrialState::Complete,
                params,
                value: Some(value),
                values: vec![value],
                constraints: Vec::new(),
                metrics: Default::default(),
                intermediate: Default::default(),
                intermediate_metrics: Default::default(),
                budget: None,
                parent: None,
                user_attrs: Default::default(),
                meta: Metadata::default(),
                message: None,
                change: i as u64,
            }
        })
        .collect()
}
