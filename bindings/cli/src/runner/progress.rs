//! The progress bar of `run` and `worker` (on a terminal), or one line per
//! finished trial (anywhere else).

use crate::common::fmt_num;
use hyperspace_engine::Direction;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// Counts and the best value so far, shown as a bar or as lines.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    /// The direction of the one objective; `None` for a study with
    /// several, whose best is a front, not one value.
    direction: Option<Direction>,
    /// Trials finished in this run.
    pub done: usize,
    /// Trials that failed in this run.
    pub failed: usize,
    /// Trials running now.
    pub running: usize,
    /// The best value so far (this study), and its trial number.
    pub best: Option<(f64, u64)>,
}

impl Progress {
    /// A bar for `total` trials (a spinner when unbounded), hidden when
    /// stderr is not a terminal.
    pub fn new(
        total: Option<usize>,
        direction: Option<Direction>,
        best: Option<(f64, u64)>,
    ) -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(total.map(|t| t as u64), target);
        let template = if total.is_some() {
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} trials · {msg}"
        } else {
            "{spinner} [{elapsed_precise}] {pos} trials · {msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        let progress = Progress {
            bar,
            direction,
            done: 0,
            failed: 0,
            running: 0,
            best,
        };
        progress.refresh();
        progress
    }

    /// Whether the bar is drawn (stderr is a terminal).
    pub fn visible(&self) -> bool {
        !self.bar.is_hidden()
    }

    /// A line above the bar, or on stderr when there is no bar; never
    /// panics (indicatif ignores failed draws, and stdio remembers a failed
    /// line for the exit code).
    pub fn println(&self, line: &str) {
        if self.visible() {
            self.bar.println(line);
        } else {
            errln!("{line}");
        }
    }

    /// A trial started.
    pub fn started(&mut self) {
        self.running += 1;
        self.refresh();
    }

    /// A trial finished: `value` when complete.
    pub fn finished(&mut self, number: u64, value: Option<f64>, failed: bool) {
        self.running = self.running.saturating_sub(1);
        self.done += 1;
        if failed {
            self.failed += 1;
        }
        if let (Some(v), Some(direction)) = (value, self.direction) {
            if self.best.is_none_or(|(b, _)| direction.better(v, b)) {
                self.best = Some((v, number));
            }
        }
        self.bar.inc(1);
        self.refresh();
    }

    /// A trial stopped without finishing (interrupted).
    pub fn stopped(&mut self) {
        self.running = self.running.saturating_sub(1);
        self.refresh();
    }

    /// Sets a status note (stopping, ...).
    pub fn note(&self, note: &str) {
        self.bar.set_message(format!("{} · {note}", self.summary()));
    }

    fn summary(&self) -> String {
        let best = match (self.best, self.direction) {
            (Some((v, n)), _) => format!("best {} (trial #{n})", fmt_num(v)),
            (None, None) => "several objectives: `hyperspace best` shows the front".to_string(),
            (None, Some(_)) => "no result yet".to_string(),
        };
        format!("{} running · {} failed · {best}", self.running, self.failed)
    }

    fn refresh(&self) {
        self.bar.set_message(self.summary());
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
