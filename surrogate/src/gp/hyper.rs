//! Kernel hyperparameters, their unconstrained (log) coordinates, and the
//! priors the fit maximises the likelihood against.

use ndarray::{Array1, ArrayView1, Axis, Slice};

/// The hyperparameters of a GP on standardized outputs.
#[derive(Debug, Clone, PartialEq)]
pub struct Hyperparameters {
    /// One lengthscale per input, in unit-cube units.
    pub lengthscales: Array1<f64>,
    /// The kernel's variance `s = k(x, x)`.
    pub signal_variance: f64,
    /// The observation noise variance.
    pub noise_variance: f64,
}

impl Hyperparameters {
    /// All lengthscales `ℓ`, signal variance `s` and noise `σ²` given.
    pub fn new(lengthscales: Array1<f64>, signal_variance: f64, noise_variance: f64) -> Self {
        Self {
            lengthscales,
            signal_variance,
            noise_variance,
        }
    }

    /// The starting point of a cold fit: every lengthscale `ℓ`, `s = 1`,
    /// and a noise of `0.01` (above any floor in use).
    pub fn initial(dims: usize, lengthscale: f64) -> Self {
        Self::new(Array1::from_elem(dims, lengthscale), 1.0, 1e-2)
    }

    /// The number of inputs.
    pub fn dims(&self) -> usize {
        self.lengthscales.len()
    }

    /// `1 / ℓ_j²`.
    pub fn inverse_squared_lengthscales(&self) -> Vec<f64> {
        self.lengthscales.iter().map(|l| 1.0 / (l * l)).collect()
    }

    /// Coordinates the optimiser moves freely in:
    /// `[ln ℓ_1 .. ln ℓ_d, ln s, ln(σ² − floor)]`.
    pub(crate) fn to_raw(&self, noise_floor: f64) -> Array1<f64> {
        let mut raw: Vec<f64> = self.lengthscales.iter().map(|l| l.ln()).collect();
        raw.push(self.signal_variance.ln());
        raw.push(
            (self.noise_variance - noise_floor)
                .max(1e-3 * noise_floor.max(1e-12))
                .ln(),
        );
        Array1::from(raw)
    }

    /// The inverse of [`Hyperparameters::to_raw`]; with `fixed_noise`, the
    /// noise is that value whatever the last coordinate.
    pub(crate) fn from_raw(raw: ArrayView1<'_, f64>, noise_floor: f64, fixed_noise: bool) -> Self {
        let d = raw.len() - 2;
        let noise = if fixed_noise {
            noise_floor
        } else {
            noise_floor + raw[d + 1].exp()
        };
        Self::new(
            raw.slice_axis(Axis(0), Slice::from(..d)).mapv(f64::exp),
            raw[d].exp(),
            noise,
        )
    }
}

/// The prior on lengthscales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LengthscalePrior {
    /// `ℓ ~ LogNormal(√2 + ½ ln d, √3)`: lengthscales that grow with the
    /// number of inputs `d`, so the model stays smooth enough to learn from
    /// few points in many dimensions (Hvarfner, Hellsten & Nardi, "Vanilla
    /// Bayesian Optimization Performs Great in High Dimensions", ICML 2024;
    /// BoTorch's default since 0.12).
    #[default]
    DimensionScaled,
    /// `ln p(λ) = −0.1/λ − 0.1λ` on `λ = 1/ℓ²`, peaked at `ℓ = 1` whatever
    /// the dimension (Optuna's `GPSampler`).
    Unit,
}

/// Priors of every hyperparameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Priors {
    pub(crate) lengthscale: LengthscalePrior,
    pub(crate) dims: usize,
}

const SQRT2: f64 = std::f64::consts::SQRT_2;

impl Priors {
    /// `ln p(θ)` (up to a constant) and its gradient in raw coordinates.
    /// Signal variance `s ~ Gamma(2, 1)` (mode 1, the variance of
    /// standardized outputs); noise `σ² ~ Gamma(1.1, 30)` (mean 0.04).
    pub(crate) fn log_density(&self, hyper: &Hyperparameters, raw_grad: &mut [f64]) -> f64 {
        let d = hyper.dims();
        let mut total = 0.0;
        match self.lengthscale {
            LengthscalePrior::DimensionScaled => {
                let loc = SQRT2 + 0.5 * (self.dims.max(1) as f64).ln();
                let scale2 = 3.0;
                for (j, l) in hyper.lengthscales.iter().enumerate() {
                    // ln p(ℓ) = −(ln ℓ − μ)²/(2σ²) − ln ℓ; d/d ln ℓ:
                    let z = l.ln() - loc;
                    total += -z * z / (2.0 * scale2) - l.ln();
                    raw_grad[j] = -z / scale2 - 1.0;
                }
            }
            LengthscalePrior::Unit => {
                for (j, l) in hyper.lengthscales.iter().enumerate() {
                    let lam = 1.0 / (l * l);
                    total += -0.1 / lam - 0.1 * lam;
                    // dλ/d ln ℓ = −2λ.
                    raw_grad[j] = (0.1 / (lam * lam) - 0.1) * (-2.0 * lam);
                }
            }
        }
        let s = hyper.signal_variance;
        total += (2.0 - 1.0) * s.ln() - s;
        raw_grad[d] = (2.0 - 1.0) - s;
        total
    }

    /// The noise part of `ln p(θ)` and its derivative in `ln(σ² − floor)`.
    pub(crate) fn noise_log_density(noise: f64, floor: f64) -> (f64, f64) {
        let (alpha, rate) = (1.1, 30.0);
        let value = (alpha - 1.0) * noise.ln() - rate * noise;
        let d_noise = (alpha - 1.0) / noise - rate;
        (value, d_noise * (noise - floor))
    }
}
