//! The classic continuous test functions, as plain math on `&[f64]`.
//!
//! Definitions, domains and optima follow S. Surjanovic and D. Bingham,
//! *Virtual Library of Simulation Experiments: Test Functions and Datasets*,
//! Simon Fraser University (<https://www.sfu.ca/~ssurjano/optimization.html>),
//! pages `branin.html`, `hart3.html`, `hart6.html`, `rosen.html`,
//! `ackley.html`, `stybtang.html` and `levy.html`. Optimum values carry more
//! digits than the library prints where it rounds: Hartmann's minimizers
//! were polished by Newton's method from the library's points (see
//! `continuous.rs`); the tests check every value.

use std::f64::consts::PI;

/// Branin-Hoo, 2-D on `[-5, 10] x [0, 15]`. Three global minima, value
/// `5 / (4 pi)` = 0.397887..., at `(-pi, 12.275)`, `(pi, 2.275)` and
/// `(9.42478, 2.475)`.
pub fn branin(x: &[f64]) -> f64 {
    let (a, b, c, r, s, t) = (
        1.0,
        5.1 / (4.0 * PI * PI),
        5.0 / PI,
        6.0,
        10.0,
        1.0 / (8.0 * PI),
    );
    let (x1, x2) = (x[0], x[1]);
    a * (x2 - b * x1 * x1 + c * x1 - r).powi(2) + s * (1.0 - t) * x1.cos() + s
}

/// The exact minimum of [`branin`]: at the minimizers the square vanishes
/// and `cos x1 = -1`, leaving `s t = 10 / (8 pi)`.
pub const BRANIN_MIN: f64 = 10.0 / (8.0 * PI);

const HARTMANN_ALPHA: [f64; 4] = [1.0, 1.2, 3.0, 3.2];

const HARTMANN3_A: [[f64; 3]; 4] = [
    [3.0, 10.0, 30.0],
    [0.1, 10.0, 35.0],
    [3.0, 10.0, 30.0],
    [0.1, 10.0, 35.0],
];

const HARTMANN3_P: [[f64; 3]; 4] = [
    [0.3689, 0.1170, 0.2673],
    [0.4699, 0.4387, 0.7470],
    [0.1091, 0.8732, 0.5547],
    [0.0381, 0.5743, 0.8828],
];

const HARTMANN6_A: [[f64; 6]; 4] = [
    [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
    [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
    [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
    [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
];

const HARTMANN6_P: [[f64; 6]; 4] = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
];

fn hartmann<const D: usize>(x: &[f64], a: &[[f64; D]; 4], p: &[[f64; D]; 4]) -> f64 {
    -(0..4)
        .map(|i| {
            let inner: f64 = (0..D).map(|j| a[i][j] * (x[j] - p[i][j]).powi(2)).sum();
            HARTMANN_ALPHA[i] * (-inner).exp()
        })
        .sum::<f64>()
}

/// Hartmann 3-D on `[0, 1]^3`; minimum -3.86278 near
/// `(0.114614, 0.555649, 0.852547)`.
pub fn hartmann3(x: &[f64]) -> f64 {
    hartmann(x, &HARTMANN3_A, &HARTMANN3_P)
}

/// Hartmann 6-D on `[0, 1]^6`; minimum -3.32237 near
/// `(0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)`.
pub fn hartmann6(x: &[f64]) -> f64 {
    hartmann(x, &HARTMANN6_A, &HARTMANN6_P)
}

/// Rosenbrock in any dimension (the suite uses 4-D on `[-5, 10]^4`);
/// minimum 0 at `(1, ..., 1)`.
pub fn rosenbrock(x: &[f64]) -> f64 {
    x.windows(2)
        .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (w[0] - 1.0).powi(2))
        .sum()
}

/// Ackley in any dimension with `a = 20, b = 0.2, c = 2 pi` (the suite uses
/// 5-D on `[-32.768, 32.768]^5`); minimum 0 at the origin.
pub fn ackley(x: &[f64]) -> f64 {
    let d = x.len() as f64;
    let squares = x.iter().map(|v| v * v).sum::<f64>() / d;
    let cosines = x.iter().map(|v| (2.0 * PI * v).cos()).sum::<f64>() / d;
    // At the origin the terms cancel to within one rounding; clamp so the
    // minimum is exactly 0 and regret never goes negative.
    (-20.0 * (-0.2 * squares.sqrt()).exp() - cosines.exp() + 20.0 + std::f64::consts::E).max(0.0)
}

/// Styblinski-Tang in any dimension (the suite uses 10-D on `[-5, 5]^10`);
/// minimum `-39.16616570377142 d` at `x_i = -2.903534027771178`.
pub fn styblinski_tang(x: &[f64]) -> f64 {
    0.5 * x
        .iter()
        .map(|v| v.powi(4) - 16.0 * v * v + 5.0 * v)
        .sum::<f64>()
}

/// Where each coordinate of Styblinski-Tang is minimal: the root of
/// `4x^3 - 32x + 5 = 0` in `[-5, 0]`, by Newton's method.
pub const STYBLINSKI_TANG_X: f64 = -2.903534027771178;

/// The minimum of Styblinski-Tang per dimension.
pub const STYBLINSKI_TANG_MIN_PER_DIM: f64 = -39.16616570377142;

/// Levy in any dimension (the suite uses 6-D on `[-10, 10]^6`); minimum 0 at
/// `(1, ..., 1)`.
pub fn levy(x: &[f64]) -> f64 {
    let w: Vec<f64> = x.iter().map(|v| 1.0 + (v - 1.0) / 4.0).collect();
    let d = w.len();
    let first = (PI * w[0]).sin().powi(2);
    let middle: f64 = w[..d - 1]
        .iter()
        .map(|wi| (wi - 1.0).powi(2) * (1.0 + 10.0 * (PI * wi + 1.0).sin().powi(2)))
        .sum();
    let last = (w[d - 1] - 1.0).powi(2) * (1.0 + (2.0 * PI * w[d - 1]).sin().powi(2));
    first + middle + last
}

/// Goldstein-Price on `[-2, 2]^2`; minimum 3 at `(0, -1)`. Values reach
/// about 1e6 at the corners: a surrogate must cope with a wide range.
pub fn goldstein_price(x: &[f64]) -> f64 {
    let (x1, x2) = (x[0], x[1]);
    let a = 1.0
        + (x1 + x2 + 1.0).powi(2)
            * (19.0 - 14.0 * x1 + 3.0 * x1 * x1 - 14.0 * x2 + 6.0 * x1 * x2 + 3.0 * x2 * x2);
    let b = 30.0
        + (2.0 * x1 - 3.0 * x2).powi(2)
            * (18.0 - 32.0 * x1 + 12.0 * x1 * x1 + 48.0 * x2 - 36.0 * x1 * x2 + 27.0 * x2 * x2);
    a * b
}

/// Six-hump camel on `[-3, 3] x [-2, 2]`: six local minima, two of them
/// global (symmetric through the origin).
pub fn six_hump_camel(x: &[f64]) -> f64 {
    let (x1, x2) = (x[0], x[1]);
    (4.0 - 2.1 * x1 * x1 + x1.powi(4) / 3.0) * x1 * x1 + x1 * x2 + (-4.0 + 4.0 * x2 * x2) * x2 * x2
}

/// One of six-hump camel's two global minimizers, polished by Newton's
/// method on the analytic gradient and Hessian (gradient exactly 0 in
/// f64); the library prints (0.0898, -0.7126).
pub const SIX_HUMP_CAMEL_AT: [f64; 2] = [0.08984201310031807, -0.7126564030207396];

/// Rastrigin in any dimension (the suite uses 8-D on `[-5.12, 5.12]^8`):
/// a bowl covered by a regular grid of local minima; minimum 0 at the
/// origin.
pub fn rastrigin(x: &[f64]) -> f64 {
    10.0 * x.len() as f64
        + x.iter()
            .map(|v| v * v - 10.0 * (2.0 * PI * v).cos())
            .sum::<f64>()
}

/// Dixon-Price in any dimension (the suite uses 8-D on `[-10, 10]^8`): a
/// curved valley; minimum 0 at `x_i = 2^(-(2^i - 2) / 2^i)`.
pub fn dixon_price(x: &[f64]) -> f64 {
    let first = (x[0] - 1.0).powi(2);
    let rest: f64 = x
        .windows(2)
        .enumerate()
        .map(|(k, w)| (k + 2) as f64 * (2.0 * w[1] * w[1] - w[0]).powi(2))
        .sum();
    first + rest
}

/// Dixon-Price's minimizer in `d` dimensions.
pub fn dixon_price_at(d: usize) -> Vec<f64> {
    (1..=d as i32)
        .map(|i| {
            let p = 2f64.powi(i);
            2f64.powf(-(p - 2.0) / p)
        })
        .collect()
}
