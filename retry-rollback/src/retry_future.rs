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
use crate::retry::{OnRetry, RetryOutcome};
use crate::state::{Attempts, Next};

pin_project_lite::pin_project! {
    pub(crate) struct RetryFuture<'c, F, Fut, C, H> {
        attempts: Attempts<'c>,
        op: F,
        classify: C,
        hook: H,
        // Whether the loop reads the clock: for a deadline or for the
        // outcome's elapsed time. A first-try success without either reads
        // no clock at all.
        timed: bool,
        // Set at the first poll: the deadline counts from the first attempt.
        started: Option<Instant>,
        // The time limit of the attempt in flight, if it has one.
        limit: Option<Duration>,
        sleeping: bool,
        #[pin]
        attempt: Option<Fut>,
        // Made at the first use, since making one needs a runtime.
        #[pin]
        timer: Option<Sleep>,
    }
}

impl<'c, F, Fut, C, H> RetryFuture<'c, F, Fut, C, H> {
    /// The loop over `op`; `timed` asks for the elapsed time in the outcome.
    pub(crate) fn new(attempts: Attempts<'c>, op: F, classify: C, hook: H, timed: bool) -> Self {
        RetryFuture {
            timed: timed || attempts.has_deadline(),
            attempts,
            op,
            classify,
            hook,
            started: None,
            limit: None,
            sleeping: false,
            attempt: None,
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
    /// limit runs here, inline; everything else runs in [`Self::drive`], out
    /// of line, so that a first-try success costs little more than the
    /// operation itself.
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.as_mut().project();
        if this.attempts.count() == 0 && !*this.timed && !this.attempts.has_attempt_timeout() {
            this.attempts.start();
            this.attempt.set(Some((this.op)()));
            let polled = match this.attempt.as_mut().as_pin_mut() {
                Some(attempt) => attempt.poll(cx),
                None => unreachable!("the first attempt was just set"),
            };
            return match polled {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Ok(value)) => {
                    this.attempt.set(None);
                    this.attempts.succeeded();
                    Poll::Ready(outcome(Ok(value), this.attempts, None))
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
    /// failure, starting with `failed` when the first attempt already has.
    #[inline(never)]
    fn drive(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        failed: Option<E>,
    ) -> Poll<RetryOutcome<T, E>> {
        let mut this = self.project();
        let mut failed = failed;
        loop {
            let error = match failed.take() {
                Some(error) => error,
                None => {
                    if *this.sleeping {
                        if !fired(this.timer.as_mut(), cx) {
                            return Poll::Pending;
                        }
                        *this.sleeping = false;
                    }
                    if *this.timed && this.started.is_none() {
                        *this.started = Some(Instant::now());
                    }
                    if this.attempt.is_none() {
                        this.attempts.start();
                        *this.limit = this.attempts.time_limit(elapsed(*this.started));
                        if let Some(limit) = *this.limit {
                            arm(this.timer.as_mut(), Instant::now() + limit);
                        }
                        this.attempt.set(Some((this.op)()));
                    }
                    let polled = match this.attempt.as_mut().as_pin_mut() {
                        Some(attempt) => attempt.poll(cx),
                        None => continue,
                    };
                    let result = match (polled, *this.limit) {
                        (Poll::Ready(result), _) => result,
                        (Poll::Pending, Some(after)) if fired(this.timer.as_mut(), cx) => {
                            Err(E::from(this.attempts.timed_out(after)))
                        }
                        (Poll::Pending, _) => return Poll::Pending,
                    };
                    this.attempt.set(None);
                    match result {
                        Ok(value) => {
                            this.attempts.succeeded();
                            return Poll::Ready(outcome(Ok(value), this.attempts, *this.started));
                        }
                        Err(error) => error,
                    }
                }
            };
            let started = *this.started;
            let verdict = this.classify.verdict(&error);
            match this.attempts.failed(&error, verdict, elapsed(started)) {
                Next::Retry(delay) => {
                    this.hook.on_retry(this.attempts.count(), delay, &error);
                    drop(error);
                    // A zero delay retries at once rather than waiting for
                    // the timer's next tick.
                    if !delay.is_zero() {
                        arm(this.timer.as_mut(), Instant::now() + delay);
                        *this.sleeping = true;
                    }
                }
                Next::GiveUp => {
                    return Poll::Ready(outcome(Err(error), this.attempts, started));
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
