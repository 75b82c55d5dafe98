//! Owen-scrambled Sobol sequences on the unit cube.
//!
//! The points come from `sobol_burley` (Brent Burley's hash-based Owen
//! scrambling). Scrambling with a seed keeps the low discrepancy of Sobol
//! points while giving each study its own, reproducible design; point `i`
//! depends only on `(seed, i)`, so several workers that draw points by trial
//! number never need to share state.

use crate::SurrogateError;

/// The largest dimension `sobol_burley` provides direction numbers for.
pub const MAX_DIMENSIONS: usize = sobol_burley::NUM_DIMENSIONS as usize;

/// A seeded, scrambled Sobol sequence of a fixed dimension.
#[derive(Debug, Clone, Copy)]
pub struct SobolSequence {
    dimensions: usize,
    seed: u32,
}

impl SobolSequence {
    /// A sequence of `dimensions`-dimensional points scrambled by `seed`.
    pub fn new(dimensions: usize, seed: u64) -> Result<Self, SurrogateError> {
        if dimensions > MAX_DIMENSIONS {
            return Err(SurrogateError::TooManyDimensions {
                asked: dimensions,
                max: MAX_DIMENSIONS,
            });
        }
        // Fold the 64-bit seed into the 32 bits the scrambler takes.
        let seed = (seed ^ (seed >> 32)) as u32;
        Ok(Self { dimensions, seed })
    }

    /// The number of coordinates of each point.
    pub fn dimensions(&self) -> usize {
        self.dimensions
    }

    /// Coordinate `dimension` of point `index`, in `[0, 1)`.
    ///
    /// Indices beyond 2^32 wrap around; no study gets near that.
    pub fn coordinate(&self, index: u64, dimension: usize) -> f64 {
        let value = sobol_burley::sample(index as u32, dimension as u32, self.seed) as f64;
        // `sample` returns an f32 in [0, 1); guard the conversion's edge.
        value.min(1.0 - f64::EPSILON)
    }

    /// Point `index` of the sequence.
    pub fn point(&self, index: u64) -> Vec<f64> {
        (0..self.dimensions)
            .map(|d| self.coordinate(index, d))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_too_many_dimensions() {
        assert!(matches!(
            SobolSequence::new(MAX_DIMENSIONS + 1, 0),
            Err(SurrogateError::TooManyDimensions { .. })
        ));
    }

    #[test]
    fn points_are_reproducible_and_differ_by_seed() {
        let a = SobolSequence::new(3, 1).unwrap();
        let b = SobolSequence::new(3, 2).unwrap();
        assert_eq!(a.point(5), a.point(5));
        assert_ne!(a.point(5), b.point(5));
    }

    /// The first 2^k points of a Sobol sequence put exactly one point in each
    /// of the 2^k equal strata of every single coordinate; pure random points
    /// almost never do.
    #[test]
    fn first_power_of_two_points_stratify_each_coordinate() {
        let seq = SobolSequence::new(4, 42).unwrap();
        let n = 64;
        for d in 0..4 {
            let mut hits = vec![0usize; n];
            for i in 0..n as u64 {
                let x = seq.coordinate(i, d);
                hits[(x * n as f64) as usize] += 1;
            }
            assert!(hits.iter().all(|&h| h == 1), "dimension {d}: {hits:?}");
        }
    }
}
