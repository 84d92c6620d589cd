//! Paths for the code that the attributes generate. Not public API: it may
//! change in any release.
//!
//! `#[with_retry]` keeps the function's signature and rewrites its body into
//! a `loop` that drives a [`Driver`] step by step: start an attempt, run the
//! attempt (under a time limit for async functions), then decide after a
//! failure whether to sleep and go again. The loop stays inline in the
//! function so that each attempt can reborrow the function's `&mut`
//! arguments, which a closure handed to `Retry::new` could not lend to the
//! futures it returns.

use std::fmt::{self, Display};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::classify::{Classify, RetryAll, Retryable, TimedOut, Verdict};
use crate::config::{ConfigError, RetryConfig};
use crate::delays::{Backoff, Exponential, Jitter, Schedule};
use crate::retry::{NoHook, OnRetry};
use crate::state::{Attempts, Next};

pin_project_lite::pin_project! {
    /// The wait between two attempts: tokio's [`Sleep`](tokio::time::Sleep),
    /// made and polled out of line, holding what the loop needs after it
    /// (its driver and the function's arguments) and handing it back when
    /// the time is up.
    ///
    /// The function that awaits it then stays small enough for the compiler
    /// to inline into its caller, and keeps its driver and arguments in its
    /// own state only while an attempt awaits: a first attempt that does
    /// not await stores nothing of the retry loop at all.
    #[derive(Debug)]
    #[must_use = "a pause does nothing unless awaited"]
    pub struct Pause<D> {
        #[pin]
        sleep: tokio::time::Sleep,
        // `None` once handed back.
        held: Option<D>,
    }
}

/// Waits `delay` before the next attempt, then hands `held` back.
#[inline(never)]
pub fn sleep<D>(delay: Duration, held: D) -> Pause<D> {
    Pause {
        sleep: tokio::time::sleep(delay),
        held: Some(held),
    }
}

impl<D> Future for Pause<D> {
    type Output = D;

    #[inline(never)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<D> {
        let this = self.project();
        std::task::ready!(this.sleep.poll(cx));
        match this.held.take() {
            Some(held) => Poll::Ready(held),
            None => panic!("`Pause` polled after it completed"),
        }
    }
}

/// The configuration of one call, cloned from a `config = ...` argument so
/// that the function body stays free to borrow what it came from.
pub fn config(config: &RetryConfig) -> RetryConfig {
    config.clone()
}

/// The configuration of one call once explicit arguments overrode a base.
///
/// # Panics
///
/// When a value given as an expression makes the configuration invalid
/// (literal values were already checked when the function compiled).
#[track_caller]
pub fn built(config: Result<RetryConfig, ConfigError>) -> RetryConfig {
    match config {
        Ok(config) => config,
        Err(error) => panic!("invalid `#[with_retry]` configuration: {error}"),
    }
}

/// When the first attempt started, read only when a deadline needs it, so
/// that a first-try success reads no clock.
#[derive(Debug)]
pub enum Clock {
    /// No deadline: nothing to measure.
    Untimed,
    /// An async function, on tokio's clock (paused in tests).
    Tokio(tokio::time::Instant),
    /// A plain function, on the system clock.
    Std(std::time::Instant),
}

/// No clock at all, for a configuration known to have no deadline.
#[derive(Debug, Clone, Copy)]
pub struct NoClock;

/// The time since the first attempt started.
pub trait Elapsed {
    /// Zero when nothing is measured.
    fn elapsed(&self) -> Duration;
}

impl Elapsed for Clock {
    fn elapsed(&self) -> Duration {
        match self {
            Clock::Untimed => Duration::ZERO,
            Clock::Tokio(started) => started.elapsed(),
            Clock::Std(started) => started.elapsed(),
        }
    }
}

impl Elapsed for NoClock {
    #[inline]
    fn elapsed(&self) -> Duration {
        Duration::ZERO
    }
}

/// What a [`Driver`] keeps besides its attempt count.
pub trait Keep {
    /// The delay schedule's state.
    type Backoff: Backoff + fmt::Debug;
    /// When the first attempt started.
    type Clock: Elapsed + fmt::Debug;
    /// Whether the configuration may hold a retry budget. One built at
    /// compile time cannot: a budget is shared at run time.
    const BUDGET: bool;
}

/// Everything: jitter state and a clock for the deadline. For a
/// configuration only known at run time.
#[derive(Debug)]
pub struct Full;

/// Nothing: a configuration built at compile time without jitter and
/// without a deadline needs neither, and the function's future is smaller
/// for it (which decides, for a fleet of tasks, which size class of tokio's
/// task allocations each one lands in).
#[derive(Debug)]
pub struct Lean;

impl Keep for Full {
    type Backoff = Schedule;
    type Clock = Clock;
    const BUDGET: bool = true;
}

impl Keep for Lean {
    type Backoff = Exponential;
    type Clock = NoClock;
    const BUDGET: bool = false;
}

/// One call of a retried function: its attempts, its clock, which errors
/// it retries and who hears about each retry.
pub struct Driver<'c, T, E, C = RetryAll, H = NoHook, K: Keep = Full> {
    attempts: Attempts<'c, K::Backoff>,
    clock: K::Clock,
    classify: C,
    hook: H,
    result: PhantomData<fn() -> Result<T, E>>,
}

impl<T, E, C, H, K: Keep> fmt::Debug for Driver<'_, T, E, C, H, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Driver")
            .field("attempts", &self.attempts)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl<'c, T, E> Driver<'c, T, E> {
    /// A driver for an async function; `result` names its return type.
    pub fn new(config: &'c RetryConfig, result: PhantomData<Result<T, E>>) -> Self {
        let clock = match config.deadline {
            Some(_) => Clock::Tokio(tokio::time::Instant::now()),
            None => Clock::Untimed,
        };
        Self::with_clock(config, result, clock)
    }

    /// A driver for a plain function, timed by the system clock.
    pub fn blocking(config: &'c RetryConfig, result: PhantomData<Result<T, E>>) -> Self {
        let clock = match config.deadline {
            Some(_) => Clock::Std(std::time::Instant::now()),
            None => Clock::Untimed,
        };
        Self::with_clock(config, result, clock)
    }
}

impl<'c, T, E> Driver<'c, T, E, RetryAll, NoHook, Lean> {
    /// A driver for a configuration built at compile time with no jitter
    /// and no deadline, async or plain: it keeps no clock and no jitter
    /// state.
    pub fn lean(config: &'c RetryConfig, result: PhantomData<Result<T, E>>) -> Self {
        debug_assert!(config.jitter == Jitter::None && config.deadline.is_none());
        debug_assert!(config.budget().is_none());
        Self::with_clock(config, result, NoClock)
    }
}

impl<'c, T, E, K: Keep> Driver<'c, T, E, RetryAll, NoHook, K> {
    fn with_clock(config: &'c RetryConfig, _: PhantomData<Result<T, E>>, clock: K::Clock) -> Self {
        Driver {
            attempts: Attempts::new(config),
            clock,
            classify: RetryAll,
            hook: NoHook,
            result: PhantomData,
        }
    }
}

impl<'c, T, E, C, H, K: Keep> Driver<'c, T, E, C, H, K> {
    /// Retries only the errors for which `predicate` returns `true`.
    pub fn retry_if<P>(self, predicate: P) -> Driver<'c, T, E, P, H, K>
    where
        P: FnMut(&E) -> bool,
    {
        Driver {
            attempts: self.attempts,
            clock: self.clock,
            classify: predicate,
            hook: self.hook,
            result: PhantomData,
        }
    }

    /// Calls `hook` before each sleep.
    pub fn on_retry<G>(self, hook: G) -> Driver<'c, T, E, C, G, K>
    where
        G: FnMut(u32, Duration, &E),
    {
        Driver {
            attempts: self.attempts,
            clock: self.clock,
            classify: self.classify,
            hook,
            result: PhantomData,
        }
    }

    /// Counts a new attempt.
    #[inline]
    pub fn start(&mut self) {
        self.attempts.start();
    }

    /// Runs one attempt under the per-attempt timeout and what is left of
    /// the deadline; an attempt cut off becomes a [`TimedOut`] error.
    pub async fn timed<F>(&self, future: F) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
        E: From<TimedOut>,
    {
        match self.attempts.time_limit(self.clock.elapsed()) {
            None => future.await,
            Some(after) => match tokio::time::timeout(after, future).await {
                Ok(result) => result,
                Err(_) => Err(E::from(self.attempts.timed_out(after))),
            },
        }
    }

    /// Records a successful attempt.
    #[inline]
    pub fn succeeded(&self) {
        if K::BUDGET {
            self.attempts.refill_budget();
        }
        self.attempts.log_success();
    }

    /// Decides what follows the failed attempt: the delay before the next
    /// one (the hook has then seen the error), or `None` to give up.
    /// `hint` is the error's own retry-after hint, when its type is
    /// [`Retryable`](crate::Retryable) (see [`Hint`]).
    pub fn failed(&mut self, error: &E, hint: Option<Duration>) -> Option<Duration>
    where
        E: Display,
        C: Classify<E>,
        H: OnRetry<E>,
    {
        let verdict = match self.classify.verdict(error) {
            Verdict::Retry(own) => Verdict::Retry(own.or(hint)),
            Verdict::Stop => Verdict::Stop,
        };
        match self.attempts.failed(error, verdict, self.clock.elapsed()) {
            Next::Retry(delay) => {
                self.hook.on_retry(self.attempts.count(), delay, error);
                Some(delay)
            }
            Next::GiveUp => None,
        }
    }
}

/// An error seen by the retry loop of an attribute, to ask for its
/// retry-after hint.
///
/// The generated code calls `(&Hint(&error)).retry_after_hint()` with both
/// [`WithHint`] and [`WithoutHint`] in scope: method lookup takes
/// `WithHint` when the error type is [`Retryable`], and falls back to
/// `WithoutHint`, one auto-reference away, when it is not. So an attribute
/// honours the hints of any error that can give one, without asking every
/// error type to implement the trait.
#[derive(Debug)]
pub struct Hint<'e, E>(pub &'e E);

/// The hint of a [`Retryable`] error.
pub trait WithHint {
    /// The error's retry-after hint.
    fn retry_after_hint(&self) -> Option<Duration>;
}

impl<E: Retryable> WithHint for Hint<'_, E> {
    fn retry_after_hint(&self) -> Option<Duration> {
        self.0.retry_after()
    }
}

/// No hint, for errors that are not [`Retryable`].
pub trait WithoutHint {
    /// Always `None`.
    fn retry_after_hint(&self) -> Option<Duration>;
}

impl<E> WithoutHint for &Hint<'_, E> {
    fn retry_after_hint(&self) -> Option<Duration> {
        None
    }
}

/// The default configuration, for building a `static` at compile time.
pub const DEFAULT: RetryConfig = RetryConfig::standard();

/// Values that replace those of a base configuration; `None` keeps the
/// base's.
#[derive(Debug, Clone, Copy)]
pub struct Overrides {
    pub max_attempts: Option<u32>,
    pub backoff_factor: Option<f64>,
    pub initial_delay: Option<Duration>,
    pub max_delay: Option<Duration>,
    pub attempt_timeout: Option<Duration>,
    pub deadline: Option<Duration>,
    pub jitter: Option<Jitter>,
}

impl Overrides {
    /// Nothing replaced.
    pub const NONE: Overrides = Overrides {
        max_attempts: None,
        backoff_factor: None,
        initial_delay: None,
        max_delay: None,
        attempt_timeout: None,
        deadline: None,
        jitter: None,
    };
}

/// `base` with `overrides` applied, checked as `RetryConfigBuilder::build`
/// checks it. Evaluated at compile time in a `static`, so a bad value is a
/// compile error that says which rule it broke.
pub const fn overridden(base: RetryConfig, overrides: Overrides) -> RetryConfig {
    let mut config = base;
    if let Some(value) = overrides.max_attempts {
        config.max_attempts = value;
    }
    if let Some(value) = overrides.backoff_factor {
        config.backoff_factor = value;
    }
    if let Some(value) = overrides.initial_delay {
        config.initial_delay = value;
    }
    if let Some(value) = overrides.max_delay {
        config.max_delay = value;
    }
    if let Some(value) = overrides.attempt_timeout {
        config.attempt_timeout = Some(value);
    }
    if let Some(value) = overrides.deadline {
        config.deadline = Some(value);
    }
    if let Some(value) = overrides.jitter {
        config.jitter = value;
    }
    if config.max_attempts == 0 {
        panic!("invalid `#[with_retry]` configuration: max_attempts must be at least 1");
    }
    if !config.backoff_factor.is_finite() || config.backoff_factor < 1.0 {
        panic!("invalid `#[with_retry]` configuration: backoff must be at least 1.0");
    }
    if config.initial_delay.as_nanos() > config.max_delay.as_nanos() {
        panic!(
            "invalid `#[with_retry]` configuration: initial_delay is longer than max_delay once \
             the preset's values are counted; raise max_delay or lower initial_delay"
        );
    }
    config
}

// `#[compensate]` and `#[with_rollback]`: the active scope of the current
// task, a tokio task-local, where each step that succeeds registers its
// owned undo action.

pub use crate::rollback::active::{UndoOptions, register, scope};

/// What `?` applies to in an attempt of a `#[with_retry]` function, whose
/// `?` ends the attempt rather than the function: split into the value to
/// go on with (`T`) or the error that ends the attempt (`E`, converted with
/// `From` as `?` does). Implemented for what `?` accepts in a function that
/// returns a `Result`.
#[diagnostic::on_unimplemented(
    message = "the `?` operator can only be used on `Result`s in a function that returns `Result`",
    label = "this `?` is applied to `{Self}`, which is not a `Result`"
)]
pub trait Branch<T, E> {
    /// Going on with a value, or ending the attempt with an error.
    fn branch(self) -> Result<T, E>;
}

impl<T, E> Branch<T, E> for Result<T, E> {
    #[inline]
    fn branch(self) -> Result<T, E> {
        self
    }
}

impl<T, E> Branch<Poll<T>, E> for Poll<Result<T, E>> {
    #[inline]
    fn branch(self) -> Result<Poll<T>, E> {
        match self {
            Poll::Ready(Ok(value)) => Ok(Poll::Ready(value)),
            Poll::Ready(Err(error)) => Err(error),
            Poll::Pending => Ok(Poll::Pending),
        }
    }
}

impl<T, E> Branch<Poll<Option<T>>, E> for Poll<Option<Result<T, E>>> {
    #[inline]
    fn branch(self) -> Result<Poll<Option<T>>, E> {
        match self {
            Poll::Ready(Some(Ok(value))) => Ok(Poll::Ready(Some(value))),
            Poll::Ready(Some(Err(error))) => Err(error),
            Poll::Ready(None) => Ok(Poll::Ready(None)),
            Poll::Pending => Ok(Poll::Pending),
        }
    }
}

/// The owned copy of a reference argument, taken at registration.
pub fn to_owned<T: ?Sized + ToOwned>(value: &T) -> T::Owned {
    value.to_owned()
}
