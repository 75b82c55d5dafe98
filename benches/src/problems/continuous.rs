//! The continuous problems: a test function on a box, parameters `x1..xd`.

use super::functions;
use crate::problem::{float, Family, Optimum, OptimumKind, Problem};
use crate::Result;
use hyperspace_engine::{Params, Space, SpaceBuilder, Value};

/// A test function on a box.
#[derive(Debug, Clone)]
pub struct Continuous {
    name: &'static str,
    source: &'static str,
    names: Vec<String>,
    f: fn(&[f64]) -> f64,
    space: Space,
    optimum: Optimum,
}

impl Continuous {
    /// A problem minimizing `f` over `bounds`, whose minimum `min` is at `at`.
    pub fn new(
        name: &'static str,
        source: &'static str,
        f: fn(&[f64]) -> f64,
        bounds: &[(f64, f64)],
        min: f64,
        at: &[f64],
    ) -> Result<Self> {
        let names: Vec<String> = (1..=bounds.len()).map(|i| format!("x{i}")).collect();
        let space = names
            .iter()
            .zip(bounds)
            .fold(SpaceBuilder::new(), |b, (n, (lo, hi))| {
                b.float(n, *lo, *hi, false)
            })
            .build()?;
        let point: Params = names
            .iter()
            .zip(at)
            .map(|(n, v)| (n.clone(), Value::Float(*v)))
            .collect();
        Ok(Self {
            name,
            source,
            names,
            f,
            space,
            optimum: Optimum {
                value: min,
                point,
                kind: OptimumKind::Known,
            },
        })
    }

    fn point(&self, params: &Params) -> Result<Vec<f64>> {
        self.names
            .iter()
            .map(|n| float(self.name, params, n))
            .collect()
    }
}

impl Problem for Continuous {
    fn name(&self) -> &str {
        self.name
    }
    fn family(&self) -> Family {
        Family::Continuous
    }
    fn source(&self) -> &str {
        self.source
    }
    fn space(&self) -> &Space {
        &self.space
    }
    fn value(&self, params: &Params) -> Result<f64> {
        Ok((self.f)(&self.point(params)?))
    }
    fn optimum(&self) -> &Optimum {
        &self.optimum
    }
}

const SFU: &str = "Surjanovic & Bingham, Virtual Library of Simulation Experiments, SFU";

/// Branin-Hoo (2-D).
pub fn branin() -> Result<Continuous> {
    Continuous::new(
        "branin",
        SFU,
        functions::branin,
        &[(-5.0, 10.0), (0.0, 15.0)],
        functions::BRANIN_MIN,
        &[std::f64::consts::PI, 2.275],
    )
}

/// Hartmann 3-D on the unit cube.
pub fn hartmann3() -> Result<Continuous> {
    Continuous::new(
        "hartmann3",
        SFU,
        functions::hartmann3,
        &[(0.0, 1.0); 3],
        HARTMANN3_MIN,
        &HARTMANN3_AT,
    )
}

/// Hartmann 6-D on the unit hypercube.
pub fn hartmann6() -> Result<Continuous> {
    Continuous::new(
        "hartmann6",
        SFU,
        functions::hartmann6,
        &[(0.0, 1.0); 6],
        HARTMANN6_MIN,
        &HARTMANN6_AT,
    )
}

/// Rosenbrock 4-D on `[-5, 10]^4`.
pub fn rosenbrock() -> Result<Continuous> {
    Continuous::new(
        "rosenbrock",
        SFU,
        functions::rosenbrock,
        &[(-5.0, 10.0); 4],
        0.0,
        &[1.0; 4],
    )
}

/// Ackley 5-D on `[-32.768, 32.768]^5`.
pub fn ackley() -> Result<Continuous> {
    Continuous::new(
        "ackley",
        SFU,
        functions::ackley,
        &[(-32.768, 32.768); 5],
        0.0,
        &[0.0; 5],
    )
}

/// Styblinski-Tang 10-D on `[-5, 5]^10`.
pub fn styblinski_tang() -> Result<Continuous> {
    Continuous::new(
        "styblinski-tang",
        SFU,
        functions::styblinski_tang,
        &[(-5.0, 5.0); 10],
        10.0 * functions::STYBLINSKI_TANG_MIN_PER_DIM,
        &[functions::STYBLINSKI_TANG_X; 10],
    )
}

/// Levy 6-D on `[-10, 10]^6`.
pub fn levy() -> Result<Continuous> {
    Continuous::new(
        "levy",
        SFU,
        functions::levy,
        &[(-10.0, 10.0); 6],
        0.0,
        &[1.0; 6],
    )
}

/// Goldstein-Price 2-D on `[-2, 2]^2`.
pub fn goldstein_price() -> Result<Continuous> {
    Continuous::new(
        "goldstein-price",
        SFU,
        functions::goldstein_price,
        &[(-2.0, 2.0); 2],
        3.0,
        &[0.0, -1.0],
    )
}

/// Six-hump camel 2-D on `[-3, 3] x [-2, 2]`.
pub fn six_hump_camel() -> Result<Continuous> {
    let at = functions::SIX_HUMP_CAMEL_AT;
    Continuous::new(
        "six-hump-camel",
        SFU,
        functions::six_hump_camel,
        &[(-3.0, 3.0), (-2.0, 2.0)],
        functions::six_hump_camel(&at),
        &at,
    )
}

/// Rastrigin 8-D on `[-5.12, 5.12]^8`.
pub fn rastrigin() -> Result<Continuous> {
    Continuous::new(
        "rastrigin",
        SFU,
        functions::rastrigin,
        &[(-5.12, 5.12); 8],
        0.0,
        &[0.0; 8],
    )
}

/// Dixon-Price 8-D on `[-10, 10]^8`.
pub fn dixon_price() -> Result<Continuous> {
    let at = functions::dixon_price_at(8);
    Continuous::new(
        "dixon-price",
        SFU,
        functions::dixon_price,
        &[(-10.0, 10.0); 8],
        0.0,
        &at,
    )
}

/// Hartmann 3-D's minimizer: the library's point (0.114614, 0.555649,
/// 0.852547) polished by Newton's method on the analytic gradient and
/// Hessian until the gradient is below 1e-14.
const HARTMANN3_AT: [f64; 3] = [0.11458887665506895, 0.5556488946169301, 0.8525469846866774];
/// Hartmann 3-D's minimum (the library prints -3.86278).
const HARTMANN3_MIN: f64 = -3.8627797873326624;
/// Hartmann 6-D's minimizer, polished the same way from (0.20169,
/// 0.150011, 0.476874, 0.275332, 0.311652, 0.6573).
const HARTMANN6_AT: [f64; 6] = [
    0.20168951100670543,
    0.15001069182345797,
    0.476873974221897,
    0.2753324304940561,
    0.31165161660011326,
    0.6573005340656204,
];
/// Hartmann 6-D's minimum (the library prints -3.32237).
const HARTMANN6_MIN: f64 = -3.322368011415515;
