//! Batch asks: `n` trials handed out at once, for `n` workers that start
//! together (`study.ask(n=8)`, `hyperspace suggest -n 8`).
//!
//! The batch is chosen jointly by proposing its trials one after another,
//! each from a history that already holds the earlier ones of the batch as
//! running trials with their configurations. Every searcher that accounts
//! for pending trials (the GP's fantasies, TPE's constant liar, a grid's
//! claims) therefore spreads the batch instead of proposing one point
//! `n` times; and since each proposal uses its trial number's random
//! stream, the batch is the same in every run for a seed. Queued trials
//! come first, as they do for single asks.

use super::Study;
use crate::{Error, Result, SearchError, StudyError, Trial};

/// The most trials one batch hands out. A batch is held (and proposed) in
/// one call; a larger count is far more likely a mistake (a count of
/// seconds, bytes) than a cluster that size, and would run for a long time
/// before returning anything.
pub const MAX_BATCH: usize = 10_000;

impl Study {
    /// Asks for `n` define-and-run trials together (see [`Study::ask`]):
    /// queued trials first, then the searcher's proposals, each made with
    /// the earlier trials of the batch pending. A searcher that runs out
    /// (a grid with fewer points left than `n`) ends the batch early: the
    /// batch holds what was left, and is an error only if that is nothing.
    /// On any other error no trial of the batch stays running: those taken
    /// already go back to the queue, for the next ask.
    pub fn ask_batch(&mut self, n: usize) -> Result<Vec<Trial>> {
        self.batch(n, Study::ask)
    }

    /// Starts `n` define-by-run trials together (see [`Study::ask_open`]).
    /// Each trial's joint proposal (over the parameters finished trials
    /// share) is made as it is taken, before the next one is, so the
    /// batch's first suggestions are spread whatever order the trials are
    /// then run in; [`Study::proposed`] gives it. A searcher that cannot
    /// propose leaves the trial without a proposal: its first suggestion
    /// asks again and raises the error with the trial in the caller's
    /// hands (as a single define-by-run ask does).
    pub fn ask_open_batch(&mut self, n: usize) -> Result<Vec<Trial>> {
        self.batch(n, |s| {
            let trial = s.ask_open()?;
            // Errors reach the caller at the trial's first suggestion.
            let _ = s.propose_handed(&trial);
            Ok(trial)
        })
    }

    fn batch(
        &mut self,
        n: usize,
        mut one: impl FnMut(&mut Study) -> Result<Trial>,
    ) -> Result<Vec<Trial>> {
        self.check_batch(n)?;
        let mut trials = Vec::new();
        for _ in 0..n {
            match one(self) {
                Ok(trial) => trials.push(trial),
                Err(Error::Search(SearchError::Exhausted { .. })) if !trials.is_empty() => break,
                Err(error) => {
                    for trial in &trials {
                        // The batch's error is what the caller needs; a
                        // trial that cannot be put back is recovered by
                        // its lease, or told by the caller from storage.
                        let _ = self.requeue(trial.id);
                    }
                    return Err(error);
                }
            }
        }
        Ok(trials)
    }

    /// Refuses a batch size that could never be handed out whole.
    fn check_batch(&self, n: usize) -> Result<()> {
        // Trial k of a reproducible study waits for every trial below
        // k - lag to end: a batch larger than lag + 1 would wait for its
        // own first trials.
        let most = self.record.config.reproducible.map_or(MAX_BATCH, |r| {
            usize::try_from(r.lag).map_or(MAX_BATCH, |l| l.saturating_add(1).min(MAX_BATCH))
        });
        if n == 0 || n > most {
            return Err(StudyError::BatchSize {
                study: self.name().to_string(),
                asked: n,
                most,
                lag: self.record.config.reproducible.map(|r| r.lag),
            }
            .into());
        }
        Ok(())
    }
}
