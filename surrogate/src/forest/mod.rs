//! Regression random forests on the unit cube, and fANOVA over them.
//!
//! A forest is fitted to points whose every coordinate lies in `[0, 1]`
//! (the engine's unit encoding: log scales already in log space, a
//! categorical with `k` choices as the centres `(i + 0.5) / k`), so each
//! leaf of each tree is a box inside the unit cube. That is what fANOVA
//! (Hutter, Hoos & Leyton-Brown 2014) needs: the forest's prediction is
//! piecewise constant on those boxes, and its variance over the uniform
//! measure of the cube splits exactly into per-dimension parts.
//!
//! ```
//! use hyperspace_surrogate::forest::{fanova, ForestSettings, RandomForest};
//! use ndarray::Array2;
//! use rand::SeedableRng;
//!
//! // y depends on the first column only.
//! let x = Array2::from_shape_fn((200, 2), |(i, j)| ((i * (7 + 6 * j) + 3 * j) % 200) as f64 / 200.0);
//! let y = x.column(0).mapv(|v| (6.0 * v).sin());
//! let settings = ForestSettings::default().validate()?;
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let forest = RandomForest::fit(x.view(), y.view(), &settings, &mut rng)?;
//! let shares = fanova(&forest);
//! assert!(shares[0] > 0.9 && shares[1] < 0.1);
//! # Ok::<(), hyperspace_surrogate::SurrogateError>(())
//! ```

mod fanova;
mod settings;
mod tree;

pub use fanova::{fanova, tree_variance_shares};
pub use settings::{ForestSettings, ValidForestSettings};
pub use tree::{RandomForest, RegressionTree};

#[cfg(test)]
mod tests;
