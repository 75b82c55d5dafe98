//! The CMA-ES distribution N(m, σ² A C A) on the unit cube and its
//! (μ/μ_w, λ) update with rank-one and rank-μ terms and cumulative
//! step-size adaptation, as in Hansen's tutorial ("The CMA Evolution
//! Strategy: A Tutorial", 2016, table 1 and section 4).

use super::margin;
use crate::SurrogateError;
use linfa_linalg::eigh::Eigh;
use ndarray::{Array1, Array2};
use rand::RngCore;
use rand_distr::{Distribution, StandardNormal};

/// How a coordinate's values are read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Coordinate {
    /// Any point of `[0, 1]`.
    Continuous,
    /// `levels` equal cells of `[0, 1]`, a value per cell: the margin keeps
    /// a chance of leaving the mean's cell.
    Discrete {
        /// The number of cells (values).
        levels: usize,
    },
}

/// Largest step size: past this the distribution is meaningless on the
/// unit cube, and the exponential update could overflow.
const SIGMA_MAX: f64 = 1e8;
/// Smallest eigenvalue of C kept, so C^{-1/2} stays finite.
const EIGEN_FLOOR: f64 = 1e-30;
/// Draws of a point inside the cube before one is clipped into it.
const RESAMPLES: usize = 100;

/// One CMA-ES distribution and its evolution paths.
#[derive(Debug, Clone)]
pub struct CmaState {
    mean: Array1<f64>,
    sigma: f64,
    /// Covariance, with its eigenbasis `b` and the square roots `d` of its
    /// eigenvalues (C = B diag(d²) Bᵀ).
    c: Array2<f64>,
    b: Array2<f64>,
    d: Array1<f64>,
    /// Per-coordinate scale of the margin (1 for continuous coordinates).
    a: Array1<f64>,
    p_sigma: Array1<f64>,
    p_c: Array1<f64>,
    kinds: Vec<Coordinate>,
    population: usize,
    generation: u64,
    /// The margin's probability; `None`: 1/(n λ).
    margin: Option<f64>,
}

impl CmaState {
    /// A distribution centred at `mean` with step size `sigma` and C = I,
    /// for generations of `population` points.
    pub fn new(
        mean: Vec<f64>,
        sigma: f64,
        kinds: Vec<Coordinate>,
        population: usize,
    ) -> Result<Self, SurrogateError> {
        let n = mean.len();
        Self::with_covariance(mean, sigma, Array2::eye(n), kinds, population)
    }

    /// A distribution with covariance `sigma² · cov` (a warm start).
    pub fn with_covariance(
        mean: Vec<f64>,
        sigma: f64,
        cov: Array2<f64>,
        kinds: Vec<Coordinate>,
        population: usize,
    ) -> Result<Self, SurrogateError> {
        let n = mean.len();
        if n == 0 {
            return Err(SurrogateError::NoDimensions);
        }
        if kinds.len() != n || cov.dim() != (n, n) {
            return Err(SurrogateError::DimensionMismatch {
                columns: n,
                dimensions: kinds.len(),
            });
        }
        if !(sigma.is_finite() && sigma > 0.0) || population < 2 {
            return Err(SurrogateError::InvalidCma {
                reason: format!(
                    "step size must be finite and > 0 and population at least 2, got sigma {sigma}, population {population}"
                ),
            });
        }
        let mut state = Self {
            mean: Array1::from(mean),
            sigma,
            b: Array2::eye(n),
            d: Array1::ones(n),
            c: cov,
            a: Array1::ones(n),
            p_sigma: Array1::zeros(n),
            p_c: Array1::zeros(n),
            kinds,
            population,
            generation: 0,
            margin: None,
        };
        state.decompose()?;
        state.apply_margin();
        Ok(state)
    }

    /// Sets the margin: each discrete coordinate keeps at least probability
    /// `alpha` of a value other than the mean's (0 turns it off; the
    /// default is 1/(n λ), Hamano et al.'s choice).
    pub fn with_margin(mut self, alpha: f64) -> Self {
        self.margin = Some(alpha);
        self.apply_margin();
        self
    }

    fn apply_margin(&mut self) {
        let n = self.mean.len();
        let alpha = self.margin.unwrap_or(1.0 / (n * self.population) as f64);
        if alpha > 0.0 {
            margin::correct(&mut self.margin_view(), alpha);
        }
    }

    /// The centre of the distribution.
    pub fn mean(&self) -> &[f64] {
        self.mean.as_slice().unwrap_or(&[])
    }

    /// The step size σ.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// The number of points per generation.
    pub fn population(&self) -> usize {
        self.population
    }

    /// Generations told so far.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The standard deviation of each coordinate, σ·A_i·√C_ii.
    pub fn coordinate_std(&self) -> Vec<f64> {
        (0..self.mean.len())
            .map(|i| self.sigma * self.a[i] * self.c[[i, i]].sqrt())
            .collect()
    }

    /// The condition number of C (largest over smallest eigenvalue).
    pub fn condition(&self) -> f64 {
        let max = self.d.iter().cloned().fold(0.0, f64::max);
        let min = self.d.iter().cloned().fold(f64::INFINITY, f64::min);
        (max / min).powi(2)
    }

    /// One point of the distribution inside the unit cube: drawn again
    /// while outside (up to a limit), then clipped.
    pub fn sample(&self, rng: &mut dyn RngCore) -> Vec<f64> {
        let n = self.mean.len();
        let mut x = Array1::zeros(n);
        for _ in 0..RESAMPLES {
            let z: Array1<f64> = (0..n).map(|_| StandardNormal.sample(&mut *rng)).collect();
            let y = self.b.dot(&(&self.d * &z));
            x = &self.mean + &(&self.a * &y * self.sigma);
            if x.iter().all(|v| (0.0..=1.0).contains(v)) {
                return x.to_vec();
            }
        }
        x.iter().map(|v| v.clamp(0.0, 1.0)).collect()
    }

    /// Updates the distribution from one generation's points and losses
    /// (smaller is better; at least 2 points, any order). Points need not
    /// have been drawn from this distribution: each step is clipped to a
    /// Mahalanobis length typical of a drawn one (Hansen 2011, "Injecting
    /// external solutions into CMA-ES"), so a point proposed from an older
    /// state, or clipped into the cube, cannot derail the update.
    pub fn tell(&mut self, scored: &[(Vec<f64>, f64)]) -> Result<(), SurrogateError> {
        let n = self.mean.len();
        if scored.len() < 2 {
            return Err(SurrogateError::InvalidCma {
                reason: format!("a generation needs at least 2 points, got {}", scored.len()),
            });
        }
        if let Some((x, _)) = scored.iter().find(|(x, _)| x.len() != n) {
            return Err(SurrogateError::DimensionMismatch {
                columns: x.len(),
                dimensions: n,
            });
        }
        let mut order: Vec<usize> = (0..scored.len()).collect();
        order.sort_by(|&i, &j| scored[i].1.total_cmp(&scored[j].1));
        let w = Weights::new(scored.len());
        let k = Rates::new(n as f64, w.mu_eff);
        let inv_sqrt_c = self.inv_sqrt_c();
        let clip = (n as f64).sqrt() + 2.0 * n as f64 / (n as f64 + 2.0);
        // Steps of the best μ, in the margin-free coordinates.
        let steps: Vec<Array1<f64>> = order[..w.w.len()]
            .iter()
            .map(|&i| {
                let x = Array1::from(scored[i].0.clone());
                let y = (&x - &self.mean) / (&self.a * self.sigma);
                let len = inv_sqrt_c.dot(&y).dot(&inv_sqrt_c.dot(&y)).sqrt();
                if len > clip {
                    y * (clip / len)
                } else {
                    y
                }
            })
            .collect();
        let mut y_w = Array1::zeros(n);
        for (wi, y) in w.w.iter().zip(&steps) {
            y_w = y_w + y * *wi;
        }
        self.mean = &self.mean + &(&self.a * &y_w * self.sigma);

        let cs = k.c_sigma;
        self.p_sigma =
            &self.p_sigma * (1.0 - cs) + inv_sqrt_c.dot(&y_w) * (cs * (2.0 - cs) * w.mu_eff).sqrt();
        let g = (self.generation + 1) as f64;
        let norm_ps = self.p_sigma.dot(&self.p_sigma).sqrt();
        let h_sigma = norm_ps / (1.0 - (1.0 - cs).powf(2.0 * g)).sqrt()
            < (1.4 + 2.0 / (n as f64 + 1.0)) * k.chi_n;
        let cc = k.c_c;
        let h = if h_sigma { 1.0 } else { 0.0 };
        self.p_c = &self.p_c * (1.0 - cc) + &y_w * (h * (cc * (2.0 - cc) * w.mu_eff).sqrt());

        let delta = (1.0 - h) * cc * (2.0 - cc);
        let mut c = &self.c * (1.0 + k.c1 * delta - k.c1 - k.c_mu);
        let pc = self.p_c.view().insert_axis(ndarray::Axis(1));
        c = c + pc.dot(&pc.t()) * k.c1;
        for (wi, y) in w.w.iter().zip(&steps) {
            let col = y.view().insert_axis(ndarray::Axis(1));
            c = c + col.dot(&col.t()) * (k.c_mu * wi);
        }
        self.c = (&c + &c.t()) * 0.5;
        self.sigma =
            (self.sigma * ((cs / k.d_sigma) * (norm_ps / k.chi_n - 1.0)).exp()).min(SIGMA_MAX);
        self.generation += 1;
        self.decompose()?;
        self.apply_margin();
        Ok(())
    }

    /// B, D from C; a C that lost positive definiteness to rounding is
    /// floored.
    fn decompose(&mut self) -> Result<(), SurrogateError> {
        let (values, vectors) = self.c.eigh().map_err(|e| SurrogateError::InvalidCma {
            reason: format!("eigendecomposition of the covariance failed: {e}"),
        })?;
        if values.iter().any(|v| !v.is_finite()) {
            return Err(SurrogateError::InvalidCma {
                reason: "the covariance has non-finite eigenvalues".into(),
            });
        }
        self.d = values.mapv(|v| v.max(EIGEN_FLOOR).sqrt());
        self.b = vectors;
        Ok(())
    }

    fn inv_sqrt_c(&self) -> Array2<f64> {
        let scaled = &self.b / &self.d.view().insert_axis(ndarray::Axis(0));
        scaled.dot(&self.b.t())
    }

    fn margin_view(&mut self) -> margin::View<'_> {
        margin::View {
            mean: &mut self.mean,
            a: &mut self.a,
            sigma: self.sigma,
            c: &self.c,
            kinds: &self.kinds,
        }
    }
}

/// Positive recombination weights of the best μ = ⌊λ/2⌋ of λ points.
struct Weights {
    w: Vec<f64>,
    mu_eff: f64,
}

impl Weights {
    fn new(lambda: usize) -> Self {
        let mu = (lambda / 2).max(1);
        let raw: Vec<f64> = (1..=mu)
            .map(|i| ((lambda as f64 + 1.0) / 2.0).ln() - (i as f64).ln())
            .collect();
        let total: f64 = raw.iter().sum();
        let w: Vec<f64> = raw.iter().map(|r| r / total).collect();
        let mu_eff = 1.0 / w.iter().map(|x| x * x).sum::<f64>();
        Self { w, mu_eff }
    }
}

/// Learning rates and damping (Hansen's defaults).
struct Rates {
    c_sigma: f64,
    d_sigma: f64,
    c_c: f64,
    c1: f64,
    c_mu: f64,
    chi_n: f64,
}

impl Rates {
    fn new(n: f64, mu_eff: f64) -> Self {
        let c_sigma = (mu_eff + 2.0) / (n + mu_eff + 5.0);
        let d_sigma = 1.0 + 2.0 * (((mu_eff - 1.0) / (n + 1.0)).sqrt() - 1.0).max(0.0) + c_sigma;
        let c_c = (4.0 + mu_eff / n) / (n + 4.0 + 2.0 * mu_eff / n);
        let c1 = 2.0 / ((n + 1.3).powi(2) + mu_eff);
        let c_mu =
            (1.0 - c1).min(2.0 * (mu_eff - 2.0 + 1.0 / mu_eff) / ((n + 2.0).powi(2) + mu_eff));
        let chi_n = n.sqrt() * (1.0 - 1.0 / (4.0 * n) + 1.0 / (21.0 * n * n));
        Self {
            c_sigma,
            d_sigma,
            c_c,
            c1,
            c_mu,
            chi_n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn run(f: impl Fn(&[f64]) -> f64, n: usize, gens: usize) -> CmaState {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let lambda = 4 + (3.0 * (n as f64).ln()) as usize;
        let mut cma =
            CmaState::new(vec![0.5; n], 0.3, vec![Coordinate::Continuous; n], lambda).unwrap();
        for _ in 0..gens {
            let scored: Vec<_> = (0..lambda)
                .map(|_| {
                    let x = cma.sample(&mut rng);
                    let v = f(&x);
                    (x, v)
                })
                .collect();
            cma.tell(&scored).unwrap();
        }
        cma
    }

    #[test]
    fn weights_sum_to_one_and_mu_eff_matches_hansen() {
        // λ = 10: μ = 5, μ_eff ≈ 3.17 (Hansen's tutorial, default weights).
        let w = Weights::new(10);
        assert_eq!(w.w.len(), 5);
        assert!((w.w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((w.mu_eff - 3.1672).abs() < 1e-3, "{}", w.mu_eff);
        assert!(w.w.windows(2).all(|p| p[0] > p[1]));
    }

    #[test]
    fn converges_on_an_ill_conditioned_ellipsoid() {
        // f = Σ 10^(6 i/(n-1)) (x_i − 0.3)²: condition 1e6, needs C learned.
        let n = 6;
        let f = |x: &[f64]| {
            x.iter()
                .enumerate()
                .map(|(i, v)| 10f64.powf(6.0 * i as f64 / (n - 1) as f64) * (v - 0.3).powi(2))
                .sum()
        };
        let cma = run(f, n, 400);
        assert!(f(cma.mean()) < 1e-8, "{}", f(cma.mean()));
        assert!(
            cma.condition() > 1e4,
            "C did not adapt: {}",
            cma.condition()
        );
    }

    #[test]
    fn a_far_injected_point_moves_the_mean_a_bounded_step() {
        let mut cma =
            CmaState::new(vec![0.5; 4], 0.01, vec![Coordinate::Continuous; 4], 6).unwrap();
        let mut scored = vec![(vec![1.0; 4], 0.0)];
        scored.extend((0..5).map(|i| (vec![0.5; 4], 1.0 + i as f64)));
        cma.tell(&scored).unwrap();
        // Clipped to a typical length: a few σ, not the 0.5 away point.
        assert!(
            cma.mean().iter().all(|m| (m - 0.5).abs() < 0.05),
            "{:?}",
            cma.mean()
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(CmaState::new(vec![], 0.3, vec![], 4).is_err());
        assert!(CmaState::new(vec![0.5], 0.0, vec![Coordinate::Continuous], 4).is_err());
        let mut cma = CmaState::new(vec![0.5], 0.3, vec![Coordinate::Continuous], 4).unwrap();
        assert!(cma.tell(&[(vec![0.1], 1.0)]).is_err());
        assert!(cma
            .tell(&[(vec![0.1, 0.2], 1.0), (vec![0.3], 2.0)])
            .is_err());
    }
}
