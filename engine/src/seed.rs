//! Reproducible randomness: each trial's random stream is derived from the
//! study's seed and the trial's number, never from which worker asked or
//! when. A study repeated with the same seed proposes the same
//! configurations, also when several workers ask in parallel.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// SplitMix64's finalizer: a bijective mix with good avalanche.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A well-mixed hash of a trial number, the same in every process.
fn number_hash(number: u64) -> u64 {
    mix(number.wrapping_add(0x9e37_79b9_7f4a_7c15))
}

/// The group trial `number` belongs to, drawn with weights given as
/// running totals (`cumulative[i]` = weight of groups `0..=i`): a fixed
/// draw every worker agrees on without talking, that spreads consecutive
/// trials over the groups (Hyperband's brackets). `cumulative` must not be
/// empty.
pub fn weighted_group(number: u64, cumulative: &[u64]) -> usize {
    let total = cumulative.last().copied().unwrap_or(1).max(1);
    let draw = number_hash(number) % total;
    cumulative
        .iter()
        .position(|&c| draw < c)
        .unwrap_or(cumulative.len().saturating_sub(1))
}

/// The seed of trial `number` in a study seeded with `study_seed`.
pub fn trial_seed(study_seed: u64, number: u64) -> u64 {
    mix(study_seed ^ number_hash(number))
}

/// The random stream of a trial: ChaCha8, which gives the same numbers on
/// every platform and version of `rand_chacha`.
pub fn trial_rng(study_seed: u64, number: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(trial_seed(study_seed, number))
}

/// A fresh study seed from the operating system, for studies created
/// without one (the seed is recorded, so the study stays reproducible).
pub fn fresh_seed() -> u64 {
    use rand::TryRngCore;
    let from_os = rand::rngs::OsRng.try_next_u64().ok();
    from_os.unwrap_or_else(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        mix(nanos ^ u64::from(std::process::id()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn seeds_differ_across_trials_and_studies() {
        let mut seen = HashSet::new();
        for study in 0..20 {
            for n in 0..200 {
                assert!(seen.insert(trial_seed(study, n)));
            }
        }
        assert_eq!(trial_seed(7, 3), trial_seed(7, 3));
    }
}
