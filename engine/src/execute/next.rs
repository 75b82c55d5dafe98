//! Taking a run's next trial: a queued one first, else the searcher's
//! (unless the run only drains the queue), within a budget for the whole
//! study.

use crate::{Error, Result, SearchError, Study, Trial, TrialState};

/// Which trials a run takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Asking {
    /// Queued trials, then the searcher's proposals over the study's
    /// space (define-and-run: a trial comes with every parameter).
    #[default]
    Space,
    /// Queued trials, then open trials whose parameters the runner asks
    /// for one by one (define-by-run).
    Open,
    /// Queued trials only; the run ends when the queue is empty.
    QueueOnly,
}

/// What the next trial of a run is.
#[derive(Debug)]
pub(super) enum Next {
    /// A running trial to run.
    Trial(Box<Trial>),
    /// Only the queue was asked, and it is empty.
    QueueEmpty,
    /// The searcher has nothing left (an exhausted grid).
    Exhausted(String),
    /// The study holds its budget of started trials.
    StudyFull,
}

/// Takes the next trial per `asking`, unless the study already holds
/// `max_study_trials` started trials.
pub(super) fn next_trial(
    study: &mut Study,
    asking: Asking,
    max_study_trials: Option<usize>,
) -> Result<Next> {
    if let Some(max) = max_study_trials {
        let started = study
            .trials()?
            .iter()
            .filter(|t| t.state != TrialState::Waiting)
            .count();
        if started >= max {
            return Ok(Next::StudyFull);
        }
    }
    let asked = match asking {
        Asking::QueueOnly => {
            return Ok(match study.try_ask_queued()? {
                Some(trial) => Next::Trial(Box::new(trial)),
                None => Next::QueueEmpty,
            })
        }
        // The `try_` asks: a reproducible study that cannot propose yet
        // says so at once, and the worker waits with the study unlocked.
        Asking::Space => study.try_ask(),
        Asking::Open => study.try_ask_open(),
    };
    match asked {
        Ok(trial) => Ok(Next::Trial(Box::new(trial))),
        Err(Error::Search(SearchError::Exhausted { reason, .. })) => Ok(Next::Exhausted(reason)),
        Err(e) => Err(e),
    }
}
