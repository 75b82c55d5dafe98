use thiserror::Error;

/// Everything that can go wrong in the numerical models.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum SurrogateError {
    /// A CMA-ES state was built or told with values it cannot use.
    #[error("CMA-ES: {reason}")]
    InvalidCma {
        /// What is wrong.
        reason: String,
    },
    /// A quasi-random sequence was asked for more dimensions than it has.
    #[error("a Sobol sequence has at most {max} dimensions, {asked} were asked for; use random sampling for spaces this large")]
    TooManyDimensions {
        /// Dimensions requested.
        asked: usize,
        /// Dimensions supported.
        max: usize,
    },

    /// A Parzen estimator's prior weight was negative, infinite or NaN.
    #[error("prior_weight must be a finite number >= 0, got {value}; use 1.0 (the usual choice) or 0.0 to drop the prior")]
    InvalidPriorWeight {
        /// The rejected value.
        value: f64,
    },
    /// A Parzen estimator was given no dimensions.
    #[error("a Parzen estimator needs at least one dimension; pass one `Dimension` per column")]
    NoDimensions,
    /// A discrete dimension with no levels or a categorical one with no choices.
    #[error("dimension {dimension} has no values (0 levels or choices); give it at least 1, or leave it out")]
    EmptyDimension {
        /// Index of the dimension.
        dimension: usize,
    },
    /// The observation matrix has a different number of columns than there are dimensions.
    #[error("observations have {columns} columns but {dimensions} dimensions were described; pass one `Dimension` per column")]
    DimensionMismatch {
        /// Columns of the observation matrix.
        columns: usize,
        /// Dimension descriptions given.
        dimensions: usize,
    },
    /// The weights vector and the observation matrix disagree on the number of observations.
    #[error("{weights} weights were given for {observations} observations; pass exactly one weight per observation row")]
    WeightCountMismatch {
        /// Length of the weight vector.
        weights: usize,
        /// Rows of the observation matrix.
        observations: usize,
    },
    /// The observation ids of a memoised fit and the observation matrix
    /// disagree on the number of observations.
    #[error("{ids} observation ids were given for {observations} observations; pass exactly one id per observation row")]
    IdCountMismatch {
        /// Number of ids.
        ids: usize,
        /// Rows of the observation matrix.
        observations: usize,
    },
    /// An observation weight was negative, infinite or NaN.
    #[error("weight {index} is {value}; observation weights must be finite and >= 0")]
    InvalidWeight {
        /// Index of the offending weight.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// Every observation weighs 0 and the prior was dropped, so there is no density.
    #[error("all observation weights are 0 and prior_weight is 0, which leaves no density; give some observation a positive weight or use a positive prior_weight")]
    ZeroTotalWeight,
    /// An observation coordinate was NaN or outside the unit interval.
    #[error("observation {row}, dimension {dimension} is {value}, outside [0, 1]; map parameters to the unit interval before fitting")]
    ObservationOutOfRange {
        /// Observation row.
        row: usize,
        /// Dimension (column).
        dimension: usize,
        /// The offending coordinate.
        value: f64,
    },
    /// A categorical coordinate was not the index of one of its choices.
    #[error("observation {row}, dimension {dimension} is {value}, not a category index in 0..{choices}; store categories as 0.0, 1.0, ...")]
    InvalidCategory {
        /// Observation row.
        row: usize,
        /// Dimension (column).
        dimension: usize,
        /// The offending coordinate.
        value: f64,
        /// Number of choices of that dimension.
        choices: usize,
    },
    /// A matrix that must be square is not.
    #[error("expected a square matrix, got {rows} × {columns}")]
    NotSquare {
        /// Rows.
        rows: usize,
        /// Columns.
        columns: usize,
    },
    /// A kernel matrix could not be factored even with the largest jitter.
    #[error("the {size} × {size} kernel matrix is not positive definite even with jitter {jitter:e} on its diagonal; remove duplicate or non-finite observations, or raise the noise floor (min_noise)")]
    NotPositiveDefinite {
        /// Order of the matrix.
        size: usize,
        /// The largest jitter tried.
        jitter: f64,
    },
    /// A model was asked to fit no observations.
    #[error("a Gaussian process needs at least one observation")]
    NoObservations,
    /// The targets and the observation matrix disagree on the number of observations.
    #[error("{targets} targets were given for {observations} observations; pass exactly one target per observation row")]
    TargetCountMismatch {
        /// Length of the target vector.
        targets: usize,
        /// Rows of the observation matrix.
        observations: usize,
    },
    /// An input coordinate was NaN or infinite.
    #[error("input {row}, column {column} is {value}; inputs must be finite (map parameters to [0, 1] first)")]
    NonFiniteInput {
        /// Observation row.
        row: usize,
        /// Column.
        column: usize,
        /// The value.
        value: f64,
    },
    /// A target was NaN or infinite.
    #[error("target {index} is {value}; targets must be finite (clip infinite losses to the worst finite one)")]
    NonFiniteTarget {
        /// Index of the target.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A setting of a Gaussian process or of acquisition optimization is invalid.
    #[error("setting {name}: {reason}")]
    InvalidSetting {
        /// The setting.
        name: &'static str,
        /// What is wrong and what would work.
        reason: String,
    },

    /// Points given to a Pareto routine have no objectives.
    #[error("points have 0 objectives; give every point at least one objective value")]
    NoObjectives,
    /// A point has a different number of objectives than the first one.
    #[error("point {point} has {got} objective values but point 0 has {expected}; every point needs one value per objective")]
    ObjectiveCountMismatch {
        /// Index of the offending point.
        point: usize,
        /// Objectives of point 0.
        expected: usize,
        /// Objectives of this point.
        got: usize,
    },
    /// An objective value was NaN, which no point can be compared with.
    #[error("point {point}, objective {objective} is NaN; leave out points whose objectives failed to evaluate (or record them as failed trials)")]
    NanObjective {
        /// Index of the point.
        point: usize,
        /// Index of the objective.
        objective: usize,
    },
    /// The hypervolume reference point has the wrong length.
    #[error("the reference point has {reference} coordinates but the points have {objectives} objectives; give one reference value per objective")]
    ReferenceDimensionMismatch {
        /// Length of the reference point.
        reference: usize,
        /// Objectives of the points.
        objectives: usize,
    },
    /// A hypervolume reference coordinate was NaN or infinite.
    #[error("reference coordinate {objective} is {value}; the reference point must be finite (use a value worse than every point that should count)")]
    NonFiniteReference {
        /// Index of the coordinate.
        objective: usize,
        /// Its value.
        value: f64,
    },
    /// A point inside the reference box has a coordinate of minus infinity, so the volume it dominates is unbounded.
    #[error("point {point}, objective {objective} is -inf, which makes the hypervolume infinite; clip objective values to a finite range first")]
    UnboundedHypervolume {
        /// Index of the point.
        point: usize,
        /// Index of the objective.
        objective: usize,
    },
}
