//! The decisions of the retry loop, shared by the async and the blocking
//! runner: which attempt this is, how long it may run, and whether to sleep
//! and try again. Every log line of the loop is written here.

use std::fmt::Display;
use std::time::Duration;

use crate::classify::{TimedOut, TimeoutKind, Verdict};
use crate::config::RetryConfig;
use crate::delays::{Backoff, Schedule};

/// What the loop does after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Sleep this long, then run the next attempt.
    Retry(Duration),
    /// Return the error to the caller.
    GiveUp,
}

/// The attempts of one loop; `B` keeps its place in the delay schedule.
#[derive(Debug)]
pub(crate) struct Attempts<'c, B = Schedule> {
    config: &'c RetryConfig,
    attempt: u32,
    backoff: B,
}

impl<'c, B: Backoff> Attempts<'c, B> {
    #[inline]
    pub(crate) fn new(config: &'c RetryConfig) -> Self {
        Attempts {
            config,
            attempt: 0,
            backoff: B::for_config(config),
        }
    }

    /// Counts a new attempt and returns its number, from 1.
    #[inline]
    pub(crate) fn start(&mut self) -> u32 {
        self.attempt += 1;
        self.attempt
    }

    /// Attempts run so far.
    #[inline]
    pub(crate) fn count(&self) -> u32 {
        self.attempt
    }

    /// How long the attempt starting now may run: the per-attempt timeout,
    /// or what is left of the deadline if that is less.
    #[inline]
    pub(crate) fn time_limit(&self, elapsed: Duration) -> Option<Duration> {
        let left = self
            .config
            .deadline
            .map(|deadline| deadline.saturating_sub(elapsed));
        match (self.config.attempt_timeout, left) {
            (Some(timeout), Some(left)) => Some(timeout.min(left)),
            (timeout, left) => timeout.or(left),
        }
    }

    /// The error of the attempt in flight, cut off after `limit`.
    pub(crate) fn timed_out(&self, limit: Duration) -> TimedOut {
        let kind = if self.config.attempt_timeout == Some(limit) {
            TimeoutKind::Attempt
        } else {
            TimeoutKind::Deadline
        };
        TimedOut {
            attempt: self.attempt,
            after: limit,
            kind,
        }
    }

    /// Records a successful attempt: in the budget, and in the log when it
    /// was not the first.
    #[inline]
    pub(crate) fn succeeded(&self) {
        self.refill_budget();
        self.log_success();
    }

    /// Gives the budget, if any, its share of a success.
    #[inline]
    pub(crate) fn refill_budget(&self) {
        self.config.refill_budget();
    }

    /// Logs a success that needed retries; a first-try success is silent.
    #[inline]
    pub(crate) fn log_success(&self) {
        if self.attempt > 1 {
            self.log_late_success();
        }
    }

    #[cold]
    fn log_late_success(&self) {
        tracing::info!(
            target: "retry_rollback",
            attempt = self.attempt,
            max_attempts = self.config.max_attempts,
            "succeeded after retrying"
        );
    }

    /// Decides what follows a failed attempt, and logs it. Kept out of line
    /// so that the loop's success path stays small.
    #[inline(never)]
    pub(crate) fn failed<E: Display>(
        &mut self,
        error: &E,
        verdict: Verdict,
        elapsed: Duration,
    ) -> Next {
        let attempt = self.attempt;
        let max_attempts = self.config.max_attempts;
        if let Some(budget) = self.config.budget() {
            budget.record_failure();
        }
        let hint = match verdict {
            Verdict::Retry(hint) => hint,
            Verdict::Stop => {
                tracing::warn!(
                    target: "retry_rollback",
                    attempt,
                    max_attempts,
                    error = %error,
                    "permanent error, not retrying"
                );
                return Next::GiveUp;
            }
        };
        if attempt >= max_attempts {
            tracing::error!(
                target: "retry_rollback",
                attempt,
                max_attempts,
                error = %error,
                "all attempts failed"
            );
            return Next::GiveUp;
        }
        let computed = self.backoff.delay(self.config, attempt);
        let delay = hint.map_or(computed, |hint| hint.max(computed));
        if let Some(deadline) = self.config.deadline
            && elapsed.saturating_add(delay) >= deadline
        {
            tracing::error!(
                target: "retry_rollback",
                attempt,
                max_attempts,
                delay = ?delay,
                deadline = ?deadline,
                error = %error,
                "deadline leaves no time for another attempt"
            );
            return Next::GiveUp;
        }
        if let Some(budget) = self.config.budget()
            && !budget.allows_retry()
        {
            tracing::error!(
                target: "retry_rollback",
                attempt,
                max_attempts,
                tokens = budget.tokens(),
                error = %error,
                "retry budget exhausted, not retrying"
            );
            return Next::GiveUp;
        }
        tracing::warn!(
            target: "retry_rollback",
            attempt,
            max_attempts,
            delay = ?delay,
            error = %error,
            "attempt failed, retrying"
        );
        Next::Retry(delay)
    }
}
