//! The async retry loop as a hand-written future.
//!
//! An `async fn` would keep its arguments, the attempt's future and the
//! timer in separate slots; this state machine keeps one timer for both the
//! attempt's time limit and the delay after it, and nothing twice, so that
//! a fleet of retrying tasks costs little more memory than a hand-written
//! loop around `tokio::time::sleep`.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

use crate::classify::{Classify, TimedOut};
use crate::config::RetryConfig;
use crate::retry::{OnRetry, RetryOutcome};
use crate::state::{Attempts, Next};

pin_project_lite::pin_project! {
    pub(crate) struct RetryFuture<'c, F, Fut, C, H> {
        config: &'c RetryConfig,
        op: F,
        classify: C,
        hook: H,
        // Whether the outcome reports the elapsed time.
        stats: bool,
        #[pin]
        attempt: Option<Fut>,
        // The rest of the loop, made when the first attempt fails, or at
        // the first poll when the loop reads a clock or limits attempts: a
        // first-try success without either makes none of it.
        #[pin]
        looping: Option<Looping<'c>>,
    }
}

pin_project_lite::pin_project! {
    struct Looping<'c> {
        attempts: Attempts<'c>,
        // The deadline and the outcome's elapsed time count from the start
        // of the first attempt.
        started: Option<Instant>,
        // The time limit of the attempt in flight, if it has one.
        limit: Option<Duration>,
        sleeping: bool,
        // Made at the first use, since making one needs a runtime.
        #[pin]
        timer: Option<Sleep>,
    }
}

impl<'c, F, Fut, C, H> RetryFuture<'c, F, Fut, C, H> {
    /// The loop over `op`; `stats` asks for the elapsed time in the outcome.
    pub(crate) fn new(config: &'c RetryConfig, op: F, classify: C, hook: H, stats: bool) -> Self {
        RetryFuture {
            config,
            stats,
            op,
            classify,
            hook,
            attempt: None,
            looping: None,
        }
    }
}

impl<'c> Looping<'c> {
    /// The loop's state before its first attempt, reading the clock if
    /// `timed`. Inlined so that the state is written in place, not built
    /// aside and copied, timer slot and all, which doubled the cost of a
    /// first failure.
    #[inline(always)]
    fn new(config: &'c RetryConfig, timed: bool) -> Self {
        Looping {
            attempts: Attempts::new(config),
            started: timed.then(Instant::now),
            limit: None,
            sleeping: false,
            timer: None,
        }
    }
}

/// Sets `timer` to fire at `deadline`, making it on first use.
fn arm(mut timer: Pin<&mut Option<Sleep>>, deadline: Instant) {
    match timer.as_mut().as_pin_mut() {
        Some(sleep) => sleep.reset(deadline),
        None => timer.set(Some(tokio::time::sleep_until(deadline))),
    }
}

/// Whether `timer` has fired; a timer never armed never fires.
fn fired(timer: Pin<&mut Option<Sleep>>, cx: &mut Context<'_>) -> bool {
    timer
        .as_pin_mut()
        .is_some_and(|sleep| sleep.poll(cx).is_ready())
}

impl<F, Fut, T, E, C, H> Future for RetryFuture<'_, F, Fut, C, H>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: From<TimedOut> + Display,
    C: Classify<E>,
    H: OnRetry<E>,
{
    type Output = RetryOutcome<T, E>;

    /// The first attempt of a loop that reads no clock and sets no time
    /// limit runs here, inline, with none of the loop's state made; the
    /// rest runs in [`Self::drive`], out of line, so that a first-try
    /// success costs little more than the operation itself.
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.as_mut().project();
        if this.looping.is_none() {
            let config = *this.config;
            if *this.stats || config.deadline.is_some() || config.attempt_timeout.is_some() {
                return self.drive(cx, None);
            }
            if this.attempt.is_none() {
                this.attempt.set(Some((this.op)()));
            }
            let polled = match this.attempt.as_mut().as_pin_mut() {
                Some(attempt) => attempt.poll(cx),
                None => unreachable!("the first attempt was just set"),
            };
            return match polled {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Ok(value)) => {
                    this.attempt.set(None);
                    config.refill_budget();
                    Poll::Ready(RetryOutcome {
                        result: Ok(value),
                        attempts: 1,
                        elapsed: Duration::ZERO,
                    })
                }
                Poll::Ready(Err(error)) => {
                    this.attempt.set(None);
                    self.drive(cx, Some(error))
                }
            };
        }
        self.drive(cx, None)
    }
}

impl<F, Fut, T, E, C, H> RetryFuture<'_, F, Fut, C, H>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: From<TimedOut> + Display,
    C: Classify<E>,
    H: OnRetry<E>,
{
    /// The loop: sleeps, starts and polls attempts, and decides after each
    /// failure, starting with `failed` when the first attempt, run by
    /// `poll`, already has. Makes the loop's state on its first call.
    #[inline(never)]
    fn drive(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        failed: Option<E>,
    ) -> Poll<RetryOutcome<T, E>> {
        let mut this = self.project();
        if this.looping.is_none() {
            let timed = *this.stats || this.config.deadline.is_some();
            let mut looping = Looping::new(this.config, timed);
            if failed.is_some() {
                looping.attempts.start();
            }
            this.looping.set(Some(looping));
        }
        let Some(looping) = this.looping.as_mut().as_pin_mut() else {
            unreachable!("the loop's state is made before the loop runs");
        };
        let mut looping = looping.project();
        let mut failed = failed;
        loop {
            let error = match failed.take() {
                Some(error) => error,
                None => {
                    if *looping.sleeping {
                        if !fired(looping.timer.as_mut(), cx) {
                            return Poll::Pending;
                        }
                        *looping.sleeping = false;
                    }
                    if this.attempt.is_none() {
                        looping.attempts.start();
                        *looping.limit = looping.attempts.time_limit(elapsed(*looping.started));
                        if let Some(limit) = *looping.limit {
                            arm(looping.timer.as_mut(), Instant::now() + limit);
                        }
                        this.attempt.set(Some((this.op)()));
                    }
                    let polled = match this.attempt.as_mut().as_pin_mut() {
                        Some(attempt) => attempt.poll(cx),
                        None => continue,
                    };
                    let result = match (polled, *looping.limit) {
                        (Poll::Ready(result), _) => result,
                        (Poll::Pending, Some(after)) if fired(looping.timer.as_mut(), cx) => {
                            Err(E::from(looping.attempts.timed_out(after)))
                        }
                        (Poll::Pending, _) => return Poll::Pending,
                    };
                    this.attempt.set(None);
                    match result {
                        Ok(value) => {
                            looping.attempts.succeeded();
                            let outcome = outcome(Ok(value), looping.attempts, *looping.started);
                            return Poll::Ready(outcome);
                        }
                        Err(error) => error,
                    }
                }
            };
            let started = *looping.started;
            let verdict = this.classify.verdict(&error);
            match looping.attempts.failed(&error, verdict, elapsed(started)) {
                Next::Retry(delay) => {
                    this.hook.on_retry(looping.attempts.count(), delay, &error);
                    drop(error);
                    // A zero delay retries at once rather than waiting for
                    // the timer's next tick.
                    if !delay.is_zero() {
                        arm(looping.timer.as_mut(), Instant::now() + delay);
                        *looping.sleeping = true;
                    }
                }
                Next::GiveUp => {
                    return Poll::Ready(outcome(Err(error), looping.attempts, started));
                }
            }
        }
    }
}

/// The time since the first attempt started, or zero when the loop reads
/// no clock.
#[inline]
fn elapsed(started: Option<Instant>) -> Duration {
    started.map_or(Duration::ZERO, |started| started.elapsed())
}

fn outcome<T, E>(
    result: Result<T, E>,
    attempts: &Attempts<'_>,
    started: Option<Instant>,
) -> RetryOutcome<T, E> {
    RetryOutcome {
        result,
        attempts: attempts.count(),
        elapsed: elapsed(started),
    }
}
