//! What can go wrong when building or applying an ensemble of trials.

use thiserror::Error;

/// An ensemble that cannot be built, stored or applied. Every variant names
/// the trial and the file involved, so the person can fix that one file.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum EnsembleError {
    /// A trial among the top ones saved no predictions.
    #[error("trial {trial} has no predictions.csv or predictions.npy in {dir}; save the validation predictions there, or leave the trial out with --where")]
    NoPredictions {
        /// The trial's number.
        trial: u64,
        /// Its artifact directory.
        dir: String,
    },
    /// No targets next to a trial, nor once for the whole study.
    #[error(
        "no targets.csv or targets.npy for trial {trial}: looked in {trial_dir} and {study_dir}"
    )]
    NoTargets {
        /// The trial's number.
        trial: u64,
        /// Its artifact directory.
        trial_dir: String,
        /// The study's folder in the artifact store.
        study_dir: String,
    },
    /// A file could not be read or parsed as a table of numbers.
    #[error("cannot read {path}: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A row of a CSV file has a different number of cells than the first.
    #[error("{path}: row {row} has {found} column(s), the first row has {expected}; every row needs the same columns")]
    Ragged {
        /// The file.
        path: String,
        /// The 1-based row (of the file, counting a header).
        row: usize,
        /// Cells found in that row.
        found: usize,
        /// Cells of the first row.
        expected: usize,
    },
    /// A cell is not a finite number (text, NaN, infinity).
    #[error("{path}: row {row}, column {column} is `{text}`, not a finite number")]
    NotFinite {
        /// The file.
        path: String,
        /// The 1-based row (of the file, counting a header).
        row: usize,
        /// The 1-based column.
        column: usize,
        /// The cell as written.
        text: String,
    },
    /// A trial's predictions have a different number of rows than the targets.
    #[error("{path} has {found} row(s) but the targets ({targets}) have {expected}; predictions need one row per validation example, in the targets' order")]
    RowCount {
        /// The predictions file.
        path: String,
        /// Its rows.
        found: usize,
        /// The targets file.
        targets: String,
        /// Rows of the targets.
        expected: usize,
    },
    /// Two trials' predictions differ in their number of columns.
    #[error("{path} has {found} column(s), but {other} has {expected}; every member must predict the same kind of output")]
    ColumnCount {
        /// The predictions file.
        path: String,
        /// Its columns.
        found: usize,
        /// The file it was compared with.
        other: String,
        /// That file's columns.
        expected: usize,
    },
    /// Two trials saved different targets of their own.
    #[error("{path} differs from {other}; an ensemble needs one validation set, in one order (save targets.csv once in the study's folder)")]
    TargetsDiffer {
        /// One targets file.
        path: String,
        /// The other.
        other: String,
    },
    /// Predictions or targets do not suit the metric.
    #[error("metric {metric}: {reason}")]
    Metric {
        /// The metric's name.
        metric: String,
        /// What does not fit, and where.
        reason: String,
    },
    /// A metric name that is not known.
    #[error("unknown ensemble metric '{given}'; known metrics: rmse, logloss, accuracy, auc")]
    UnknownMetric {
        /// The name given.
        given: String,
    },
    /// An ensemble setting out of range.
    #[error("ensemble setting '{name}' is {given}; {reason}")]
    Setting {
        /// The setting (`top`, `size`, `name`).
        name: String,
        /// The value given.
        given: String,
        /// What is accepted.
        reason: String,
    },
    /// The study has no complete trial to choose from.
    #[error("study '{study}' has no complete trial with a value{filtered}; nothing to ensemble")]
    NoCandidates {
        /// The study.
        study: String,
        /// ` that matches --where` when a filter was given.
        filtered: String,
    },
    /// Ensembles rank trials by one objective.
    #[error("study '{study}' has {objectives} objectives; ensembles rank trials by one objective")]
    MultiObjective {
        /// The study.
        study: String,
        /// How many objectives it has.
        objectives: usize,
    },
    /// No ensemble of that name is stored in the study.
    #[error("study '{study}' has no ensemble named '{name}'; stored ensembles: {known}")]
    UnknownEnsemble {
        /// The study.
        study: String,
        /// The name asked for.
        name: String,
        /// The stored names, comma-separated (or `none`).
        known: String,
    },
    /// A stored ensemble could not be read back.
    #[error("ensemble '{name}' of study '{study}' is stored damaged: {reason}")]
    Damaged {
        /// The study.
        study: String,
        /// The ensemble.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Outputs to combine do not fit their weights or each other.
    #[error("cannot combine member outputs: {reason}")]
    Combine {
        /// What does not fit.
        reason: String,
    },
}
