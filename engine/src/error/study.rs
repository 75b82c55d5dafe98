//! Why a study's settings are refused, as data: the CLI and Python word
//! the message from it, and a caller can match on what to fix.

use crate::Direction;

/// A study's settings break a rule.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StudyError {
    /// The name is empty (or only spaces).
    #[error("a study needs a non-empty name")]
    EmptyName,
    /// The name has leading or trailing spaces or control characters, which
    /// a listing would not show.
    #[error("study name {name:?} has leading/trailing spaces or control characters")]
    UnprintableName {
        /// The name given.
        name: String,
    },
    /// No objective.
    #[error("study '{study}' needs at least one objective")]
    NoObjective {
        /// The study.
        study: String,
    },
    /// Two objectives read the same metric.
    #[error(
        "study '{study}' names objective '{objective}' twice; each objective needs its own metric"
    )]
    RepeatedObjective {
        /// The study.
        study: String,
        /// The metric named twice.
        objective: String,
    },
    /// An objective written `:minimize` without a metric name.
    #[error("objective '{given}' has no metric name (write NAME:minimize or NAME:maximize)")]
    UnnamedObjective {
        /// What was written.
        given: String,
    },
    /// A direction that is neither minimize nor maximize.
    #[error("direction '{given}' is neither minimize nor maximize")]
    UnknownDirection {
        /// What was written.
        given: String,
    },
    /// Opening a study with other directions than it was created with.
    #[error(
        "study '{study}' exists and is set to {}, not {}",
        list(stored),
        list(asked)
    )]
    DirectionsDiffer {
        /// The study.
        study: String,
        /// Its directions.
        stored: Vec<Direction>,
        /// The directions asked for.
        asked: Vec<Direction>,
    },
    /// Opening a study as reproducible with another lag than it keeps.
    #[error("study '{study}' exists {}, not reproducible with lag {asked}; a study keeps the setting it was created with", stored.map_or("and is not reproducible".to_string(), |lag| format!("and is reproducible with lag {lag}")))]
    ReproducibleDiffers {
        /// The study.
        study: String,
        /// Its lag (`None`: not reproducible).
        stored: Option<u32>,
        /// The lag asked for.
        asked: u32,
    },
    /// A batch ask of no trials, or of more than a batch holds: at most
    /// `MAX_BATCH`, and for a reproducible study `lag + 1` (trial k waits
    /// for every trial below k - lag, so a larger batch would wait for its
    /// own first trials).
    #[error("study '{study}': a batch of {asked} trials was asked for; {}", batch_limit(*asked, *most, *lag))]
    BatchSize {
        /// The study.
        study: String,
        /// The size asked for.
        asked: usize,
        /// The largest batch the study hands out.
        most: usize,
        /// The lag of a reproducible study.
        lag: Option<u32>,
    },
    /// A define-and-run ask of a study without a space.
    #[error("study '{study}' has no space; give one (ask_in), or use ask_open and suggest (define-by-run)")]
    NoSpace {
        /// The study.
        study: String,
    },
    /// A constraint on a metric that cannot be read.
    #[error("constraint '{given}': {why}")]
    BadConstraint {
        /// What was written.
        given: String,
        /// What is wrong with it.
        why: String,
    },
    /// A retarget to an objective without a metric name: the new objective
    /// is read from what past trials recorded, so it must name it.
    #[error("study '{study}' can only be retargeted to named metrics (NAME:minimize or NAME:maximize), the metrics its trials record")]
    RetargetUnnamed {
        /// The study.
        study: String,
    },
    /// A retarget to the objectives the study already optimizes.
    #[error("study '{study}' already optimizes {objectives}; nothing to retarget")]
    RetargetUnchanged {
        /// The study.
        study: String,
        /// Its objectives, as people read them.
        objectives: String,
    },
}

fn batch_limit(asked: usize, most: usize, lag: Option<u32>) -> String {
    match lag {
        _ if asked == 0 => "ask for at least 1".to_string(),
        Some(lag) => format!(
            "the study is reproducible with lag {lag}, so a batch holds at most {most} trials (lag + 1): each trial waits for those more than {lag} before it to end"
        ),
        None => format!("a batch holds at most {most} (ask again for more)"),
    }
}

fn list(directions: &[Direction]) -> String {
    directions
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
