//! What the installer tells a person while it runs, and remembers for
//! whoever asks afterwards.

use std::fmt::Display;
use std::io::Write;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::Step;
use crate::steps::StepError;

/// One retry, as the `on_retry` hook of a step saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retried {
    /// The step that failed.
    pub step: Step,
    /// The attempt that failed, from 1.
    pub attempt: u32,
    /// The delay before the next attempt.
    pub delay: Duration,
    /// The error, as text.
    pub error: String,
}

/// Lines for a person, written as they happen, and the retries and
/// finished steps for a program.
///
/// ```
/// use examples::installer::{Progress, Step};
///
/// let progress = Progress::new(std::io::sink());
/// progress.line("[1/6] download");
/// progress.finished(Step::Download);
/// assert_eq!(progress.finished_steps(), [Step::Download]);
/// assert!(progress.retries().is_empty());
/// ```
pub struct Progress {
    out: Mutex<Box<dyn Write + Send>>,
    retries: Mutex<Vec<Retried>>,
    finished: Mutex<Vec<Step>>,
}

impl Progress {
    /// Writes lines to `out`.
    pub fn new(out: impl Write + Send + 'static) -> Progress {
        Progress {
            out: Mutex::new(Box::new(out)),
            retries: Mutex::new(Vec::new()),
            finished: Mutex::new(Vec::new()),
        }
    }

    /// Writes one line and flushes it.
    pub fn line(&self, text: impl Display) {
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        // A closed terminal must not fail the install: the lines are for
        // a person, the outcome is in the return values.
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    /// Records and prints a failed attempt of `step` that will be retried
    /// after `delay`: the `on_retry` hook of each step.
    pub fn retry(&self, step: Step, attempt: u32, delay: Duration, error: &StepError) {
        self.line(format_args!(
            "      attempt {attempt} failed: {error}; retrying in {delay:?}"
        ));
        self.retries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Retried {
                step,
                attempt,
                delay,
                error: error.to_string(),
            });
    }

    /// Records that `step` succeeded.
    pub fn finished(&self, step: Step) {
        self.finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(step);
    }

    /// Every retry so far, in order.
    pub fn retries(&self) -> Vec<Retried> {
        self.retries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many times `step` was retried so far.
    pub fn retries_of(&self, step: Step) -> usize {
        self.retries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|retried| retried.step == step)
            .count()
    }

    /// The steps that succeeded, in order.
    pub fn finished_steps(&self) -> Vec<Step> {
        self.finished
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("retries", &self.retries())
            .field("finished", &self.finished_steps())
            .finish_non_exhaustive()
    }
}
