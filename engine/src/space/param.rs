//! One parameter: its range, its scale, and its map to the unit interval.
//!
//! Searchers work on `[0, 1]`; every parameter knows how to go there and
//! back. Stepped floats, linear ints and categoricals map each of their
//! `levels()` values to the centre of an equal bin, so a uniform draw on the
//! unit interval gives every level the same chance. Log-scaled ints map
//! through `[ln(low - 0.5), ln(high + 0.5)]` and round on the way back.
//!
//! Ranges may be as wide as their type allows (`int(i64::MIN, i64::MAX)` has
//! 2^64 values): integer spans are computed as `u64`/`u128`, never as
//! `high - low` in `i64`, and level counts saturate instead of overflowing,
//! so nothing here costs more, or fails, for a wider range.

use crate::Value;

mod error;
pub(crate) use error::fitted_high;
pub use error::{Number, ParamError};

/// A float parameter, validated: `low <= high` (a single point is a valid
/// range, as in Optuna: a ported script fixes a parameter that way),
/// `low > 0` on a log scale, a step that divides the range, a default
/// inside it.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatParam {
    low: f64,
    high: f64,
    log: bool,
    step: Option<f64>,
    default: Option<f64>,
}

/// An integer parameter, validated like [`FloatParam`]; `step >= 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct IntParam {
    low: i64,
    high: i64,
    log: bool,
    step: i64,
    default: Option<i64>,
}

/// A choice among JSON scalars. Conditional sub-parameters of a choice live
/// in the [`Space`](crate::Space), not here.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoricalParam {
    choices: Vec<Value>,
    default: Option<usize>,
}

/// A parameter of a search space.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// A real number.
    Float(FloatParam),
    /// An integer.
    Int(IntParam),
    /// One of a list of choices.
    Categorical(CategoricalParam),
}

/// Relative tolerance for "is this value on the step grid / inside the range".
const TOLERANCE: f64 = 1e-9;

impl FloatParam {
    /// A float in `[low, high]`, optionally on a log scale and/or on a grid of
    /// `step`. The `Err` says what is wrong, for the caller to attach the name.
    pub fn new(
        low: f64,
        high: f64,
        log: bool,
        step: Option<f64>,
        default: Option<f64>,
    ) -> Result<Self, ParamError> {
        if !low.is_finite() || !high.is_finite() {
            return Err(ParamError::NonFiniteBounds { low, high });
        }
        if low > high {
            return Err(ParamError::EmptyRange {
                low: low.into(),
                high: high.into(),
            });
        }
        // Every draw is `low + u * (high - low)`: with an infinite width
        // each one would come out as a bound.
        if !(high - low).is_finite() {
            return Err(ParamError::RangeTooWide { low, high });
        }
        if log && low <= 0.0 {
            return Err(ParamError::LogNeedsPositiveLow { low: low.into() });
        }
        if let Some(step) = step {
            if log {
                return Err(ParamError::LogFloatWithStep);
            }
            if !(step.is_finite() && step > 0.0) {
                return Err(ParamError::NonPositiveStep { step: step.into() });
            }
            let count = (high - low) / step;
            if !count.is_finite() {
                return Err(ParamError::StepTooSmall { step, low, high });
            }
            if (count - count.round()).abs() > TOLERANCE * count.max(1.0) {
                return Err(ParamError::StepDoesNotDivide {
                    step: step.into(),
                    low: low.into(),
                    high: high.into(),
                });
            }
        }
        let mut param = Self {
            low,
            high,
            log,
            step,
            default: None,
        };
        if let Some(d) = default {
            param.default = Some(
                param
                    .coerce(&Value::Float(d))
                    .map_err(|e| ParamError::BadDefault(Box::new(e)))?,
            );
        }
        Ok(param)
    }

    /// Lower bound.
    pub fn low(&self) -> f64 {
        self.low
    }
    /// Upper bound.
    pub fn high(&self) -> f64 {
        self.high
    }
    /// Whether the scale is logarithmic.
    pub fn log(&self) -> bool {
        self.log
    }
    /// The grid step, if any.
    pub fn step(&self) -> Option<f64> {
        self.step
    }
    /// The default value, if any.
    pub fn default(&self) -> Option<f64> {
        self.default
    }

    /// Number of values on the step grid, as `f64`: exact up to 2^53, and
    /// finite for any step `new` accepts, where a `usize` would saturate and
    /// squeeze the map to the unit interval onto the first `usize::MAX`
    /// levels.
    fn count(&self) -> Option<f64> {
        self.step
            .map(|s| ((self.high - self.low) / s).round() + 1.0)
    }

    /// [`Self::count`] as `usize`, saturating (a float-to-int `as` does).
    fn levels(&self) -> Option<usize> {
        self.count().map(|n| n as usize)
    }

    /// Level `k` of a stepped float; the one formula both `coerce` and
    /// `from_unit` use, so a value survives a round trip bit for bit.
    fn level_value(&self, k: f64) -> f64 {
        let step = self.step.unwrap_or(self.high - self.low);
        (self.low + k * step).clamp(self.low, self.high)
    }

    /// Checks a value and puts it exactly on the step grid.
    fn coerce(&self, value: &Value) -> Result<f64, ParamError> {
        let x = value.as_f64().ok_or_else(|| ParamError::NotANumber {
            value: value.clone(),
        })?;
        let slack = TOLERANCE * (self.high - self.low).abs().max(1.0);
        if !x.is_finite() || x < self.low - slack || x > self.high + slack {
            return Err(ParamError::OutOfRange {
                value: x.into(),
                low: self.low.into(),
                high: self.high.into(),
            });
        }
        match self.step {
            Some(step) => {
                let k = ((x - self.low) / step).round();
                let snapped = self.level_value(k);
                if (snapped - x).abs() > slack {
                    return Err(ParamError::OffGrid {
                        value: x.into(),
                        low: self.low.into(),
                        step: step.into(),
                    });
                }
                Ok(snapped)
            }
            None => Ok(x.clamp(self.low, self.high)),
        }
    }

    fn to_unit(&self, x: f64) -> f64 {
        // A single point: its one value sits at the centre, as the one
        // level of a one-level grid does; the formulas below would divide
        // by a zero width.
        if self.low == self.high {
            return 0.5;
        }
        if let Some(n) = self.count() {
            let k = ((x - self.low) / (self.high - self.low) * (n - 1.0)).round();
            return (k + 0.5) / n;
        }
        if self.log {
            (x.ln() - self.low.ln()) / (self.high.ln() - self.low.ln())
        } else {
            (x - self.low) / (self.high - self.low)
        }
    }

    fn at_unit(&self, u: f64) -> f64 {
        let u = u.clamp(0.0, 1.0);
        if self.low == self.high {
            return self.low;
        }
        if let Some(n) = self.count() {
            // `level_of` in `f64`, the same for counts a `usize` holds.
            return self.level_value((u * n).floor().min(n - 1.0));
        }
        // The ends exactly, not through exp(ln(x)).
        if u <= 0.0 {
            return self.low;
        }
        if u >= 1.0 {
            return self.high;
        }
        let x = if self.log {
            (self.low.ln() + u * (self.high.ln() - self.low.ln())).exp()
        } else {
            self.low + u * (self.high - self.low)
        };
        x.clamp(self.low, self.high)
    }
}

impl IntParam {
    /// An integer in `[low, high]`, optionally on a log scale or on a grid of
    /// `step`.
    pub fn new(
        low: i64,
        high: i64,
        log: bool,
        step: Option<i64>,
        default: Option<i64>,
    ) -> Result<Self, ParamError> {
        if low > high {
            return Err(ParamError::EmptyRange {
                low: low.into(),
                high: high.into(),
            });
        }
        if log && low <= 0 {
            return Err(ParamError::LogNeedsPositiveLow { low: low.into() });
        }
        let step = step.unwrap_or(1);
        if step < 1 {
            return Err(ParamError::NonPositiveStep { step: step.into() });
        }
        let step_u = step.unsigned_abs();
        if log && step != 1 {
            return Err(ParamError::LogIntWithStep);
        }
        // As `u64`: `high - low` overflows `i64` for ranges wider than
        // `i64::MAX`, and the whole `i64` range is a valid one.
        let span = high.abs_diff(low);
        if !span.is_multiple_of(step_u) {
            return Err(ParamError::StepDoesNotDivide {
                step: step.into(),
                low: low.into(),
                high: high.into(),
            });
        }
        let mut param = Self {
            low,
            high,
            log,
            step,
            default: None,
        };
        if let Some(d) = default {
            param.default = Some(
                param
                    .coerce(&Value::Int(d))
                    .map_err(|e| ParamError::BadDefault(Box::new(e)))?,
            );
        }
        Ok(param)
    }

    /// Lower bound.
    pub fn low(&self) -> i64 {
        self.low
    }
    /// Upper bound.
    pub fn high(&self) -> i64 {
        self.high
    }
    /// Whether the scale is logarithmic.
    pub fn log(&self) -> bool {
        self.log
    }
    /// The grid step (1 when none was given).
    pub fn step(&self) -> i64 {
        self.step
    }
    /// The default value, if any.
    pub fn default(&self) -> Option<i64> {
        self.default
    }

    /// Number of values, `(high - low) / step + 1`: up to 2^64 (the whole
    /// `i64` range), hence `u128`.
    fn count(&self) -> u128 {
        u128::from(self.high.abs_diff(self.low) / self.step.unsigned_abs()) + 1
    }

    fn coerce(&self, value: &Value) -> Result<i64, ParamError> {
        let x = value.as_i64().ok_or_else(|| ParamError::NotAnInteger {
            value: value.clone(),
        })?;
        if x < self.low || x > self.high {
            return Err(ParamError::OutOfRange {
                value: x.into(),
                low: self.low.into(),
                high: self.high.into(),
            });
        }
        if !x
            .abs_diff(self.low)
            .is_multiple_of(self.step.unsigned_abs())
        {
            return Err(ParamError::OffGrid {
                value: x.into(),
                low: self.low.into(),
                step: self.step.into(),
            });
        }
        Ok(x)
    }

    fn log_bounds(&self) -> (f64, f64) {
        ((self.low as f64 - 0.5).ln(), (self.high as f64 + 0.5).ln())
    }

    fn to_unit(&self, x: i64) -> f64 {
        if self.log {
            let (a, b) = self.log_bounds();
            ((x as f64).ln() - a) / (b - a)
        } else {
            // Rounding is monotonic, so `k + 0.5 < n` stays `<= n` in `f64`
            // and the coordinate stays in `[0, 1]` however wide the range.
            let k = x.abs_diff(self.low) / self.step.unsigned_abs();
            (k as f64 + 0.5) / self.count() as f64
        }
    }

    fn at_unit(&self, u: f64) -> i64 {
        let u = u.clamp(0.0, 1.0);
        if self.log {
            // The ends exactly: near 2^63, exp(ln(x)) is tens of thousands
            // off, and the top of the range would be out of reach.
            if u >= 1.0 {
                return self.high;
            }
            let (a, b) = self.log_bounds();
            ((a + u * (b - a)).exp().round() as i64).clamp(self.low, self.high)
        } else {
            // `level_of` in `u128`: `low + k * step` is exact there for every
            // level of every range, and on the grid by construction.
            let n = self.count();
            let k = ((u * n as f64).floor() as u128).min(n - 1);
            let x = i128::from(self.low) + k as i128 * i128::from(self.step);
            i64::try_from(x.min(i128::from(self.high))).unwrap_or(self.high)
        }
    }
}

impl CategoricalParam {
    /// A choice among distinct JSON scalars; `default` must be one of them.
    pub fn new(choices: Vec<Value>, default: Option<Value>) -> Result<Self, ParamError> {
        if choices.is_empty() {
            return Err(ParamError::NoChoices);
        }
        // The check for repeats below costs the square of the count.
        if choices.len() > super::limits::MAX_CHOICES {
            return Err(ParamError::TooManyChoices {
                count: choices.len(),
                limit: super::limits::MAX_CHOICES,
            });
        }
        for (i, c) in choices.iter().enumerate() {
            if let Value::Float(x) = c {
                if !x.is_finite() {
                    return Err(ParamError::NonFiniteChoice { choice: *x });
                }
            }
            if choices[..i].contains(c) {
                return Err(ParamError::DuplicateChoice { choice: c.clone() });
            }
        }
        let mut param = Self {
            choices,
            default: None,
        };
        if let Some(d) = default {
            param.default = Some(
                param
                    .index_of(&d)
                    .ok_or_else(|| ParamError::BadDefault(Box::new(param.not_a_choice(d))))?,
            );
        }
        Ok(param)
    }

    /// The choices, in order.
    pub fn choices(&self) -> &[Value] {
        &self.choices
    }

    /// The default choice's index, if any.
    pub fn default_index(&self) -> Option<usize> {
        self.default
    }

    /// The index of a choice. A value that is not a choice but prints like
    /// one (`"3"` for the choice `3`, as typed on a command line) matches it.
    pub fn index_of(&self, value: &Value) -> Option<usize> {
        self.choices.iter().position(|c| c == value).or_else(|| {
            let text = value.to_string();
            self.choices.iter().position(|c| c.to_string() == text)
        })
    }

    fn not_a_choice(&self, value: Value) -> ParamError {
        ParamError::NotAChoice {
            value,
            choices: self.choices.clone(),
        }
    }
}

/// The bin of `u` among `n` equal bins of `[0, 1]`.
fn level_of(u: f64, n: usize) -> usize {
    ((u * n as f64).floor() as usize).min(n.saturating_sub(1))
}

impl Param {
    /// Checks `value` against the parameter and returns it in canonical form
    /// (ints as `Int`, floats as `Float` on their step grid, choices as
    /// listed). The `Err` says what is wrong.
    pub fn coerce(&self, value: &Value) -> Result<Value, ParamError> {
        match self {
            Param::Float(p) => p.coerce(value).map(Value::Float),
            Param::Int(p) => p.coerce(value).map(Value::Int),
            Param::Categorical(p) => p
                .index_of(value)
                .map(|i| p.choices[i].clone())
                .ok_or_else(|| p.not_a_choice(value.clone())),
        }
    }

    /// Whether `value` is a valid value of this parameter.
    pub fn contains(&self, value: &Value) -> bool {
        self.coerce(value).is_ok()
    }

    /// The default value, if one was given.
    pub fn default_value(&self) -> Option<Value> {
        match self {
            Param::Float(p) => p.default.map(Value::Float),
            Param::Int(p) => p.default.map(Value::Int),
            Param::Categorical(p) => p.default.map(|i| p.choices[i].clone()),
        }
    }

    /// The number of distinct values of parameters whose values each map to
    /// an equal bin of the unit interval: stepped floats, linear ints and
    /// categoricals; saturating at `usize::MAX` (the whole `i64` range has
    /// 2^64 values). `None` for continuous and log-int parameters. It may be
    /// huge: nothing should be allocated per level.
    pub fn levels(&self) -> Option<usize> {
        match self {
            Param::Float(p) => p.levels(),
            Param::Int(p) if !p.log => Some(usize::try_from(p.count()).unwrap_or(usize::MAX)),
            Param::Int(_) => None,
            Param::Categorical(p) => Some(p.choices.len()),
        }
    }

    /// Whether this is a categorical parameter (unordered values).
    pub fn is_categorical(&self) -> bool {
        matches!(self, Param::Categorical(_))
    }

    /// Maps a value to `[0, 1]`. The value should already be valid
    /// (see [`Param::coerce`]); an invalid one maps to `None`.
    pub fn to_unit(&self, value: &Value) -> Option<f64> {
        match self {
            Param::Float(p) => p.coerce(value).ok().map(|x| p.to_unit(x)),
            Param::Int(p) => p.coerce(value).ok().map(|x| p.to_unit(x)),
            Param::Categorical(p) => p
                .index_of(value)
                .map(|i| (i as f64 + 0.5) / p.choices.len() as f64),
        }
    }

    /// Maps a point of `[0, 1]` (clamped) to a valid value.
    pub fn from_unit(&self, u: f64) -> Value {
        match self {
            Param::Float(p) => Value::Float(p.at_unit(u)),
            Param::Int(p) => Value::Int(p.at_unit(u)),
            Param::Categorical(p) => p.choices[level_of(u, p.choices.len())].clone(),
        }
    }

    /// The values a grid search tries: every level of discrete parameters,
    /// `points` evenly spaced values (log-spaced on a log scale) of
    /// continuous ones. `points` must be at least 1. A wide discrete range
    /// has as many values as levels: check [`Param::grid_len`] first.
    pub fn grid_values(&self, points: usize) -> Vec<Value> {
        let points = points.max(1);
        match self {
            Param::Float(p) if p.step.is_none() => {
                if points == 1 || p.low == p.high {
                    return vec![self.default_value().unwrap_or_else(|| self.from_unit(0.5))];
                }
                (0..points)
                    .map(|i| Value::Float(p.at_unit(i as f64 / (points - 1) as f64)))
                    .collect()
            }
            Param::Float(p) => {
                let n = p.levels().unwrap_or(1);
                (0..n)
                    .map(|i| Value::Float(p.at_unit((i as f64 + 0.5) / n as f64)))
                    .collect()
            }
            Param::Int(p) => {
                let mut out = Vec::new();
                let mut next = Some(p.low);
                // `checked_add`: past a `high` near `i64::MAX` the next
                // value overflows, which is the end, not a wrap-around.
                while let Some(v) = next.filter(|&v| v <= p.high) {
                    out.push(Value::Int(v));
                    next = v.checked_add(p.step);
                }
                out
            }
            Param::Categorical(p) => p.choices.clone(),
        }
    }

    /// The number of values [`Param::grid_values`] gives, without building
    /// them (saturating at `u64::MAX`).
    pub fn grid_len(&self, points: usize) -> u64 {
        match self {
            Param::Float(p) if p.low == p.high => 1,
            Param::Float(p) => p.levels().map(|n| n as u64).unwrap_or(points.max(1) as u64),
            Param::Int(p) => u64::try_from(p.count()).unwrap_or(u64::MAX),
            Param::Categorical(p) => p.choices.len() as u64,
        }
    }

    /// Whether `other` admits every value this parameter admits (same kind
    /// and scale, range and choices at least as wide, same grid).
    pub fn is_covered_by(&self, other: &Param) -> bool {
        match (self, other) {
            (Param::Float(a), Param::Float(b)) => {
                a.log == b.log
                    && b.low <= a.low
                    && b.high >= a.high
                    && match (a.step, b.step) {
                        (None, None) => true,
                        (Some(sa), Some(sb)) => {
                            let k = sa / sb;
                            let offset = (a.low - b.low) / sb;
                            (k - k.round()).abs() < 1e-9 && (offset - offset.round()).abs() < 1e-9
                        }
                        (Some(_), None) => true,
                        (None, Some(_)) => false,
                    }
            }
            (Param::Int(a), Param::Int(b)) => {
                a.log == b.log
                    && b.low <= a.low
                    && b.high >= a.high
                    && a.step % b.step == 0
                    && a.low.abs_diff(b.low).is_multiple_of(b.step.unsigned_abs())
            }
            (Param::Categorical(a), Param::Categorical(b)) => {
                a.choices.iter().all(|c| b.choices.contains(c))
            }
            _ => false,
        }
    }

    /// Whether two parameters have the same range and scale, ignoring
    /// defaults (which do not change what a value means).
    pub fn same_distribution(&self, other: &Param) -> bool {
        match (self, other) {
            (Param::Float(a), Param::Float(b)) => {
                a.low == b.low && a.high == b.high && a.log == b.log && a.step == b.step
            }
            (Param::Int(a), Param::Int(b)) => {
                a.low == b.low && a.high == b.high && a.log == b.log && a.step == b.step
            }
            (Param::Categorical(a), Param::Categorical(b)) => a.choices == b.choices,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
