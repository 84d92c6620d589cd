//! The retry loop: [`retry_with_backoff`], its blocking twin and the
//! [`Retry`] builder behind both.

use std::fmt::Display;
use std::future::Future;
use std::marker::PhantomData;
use std::task::Poll;
use std::time::Duration;

use crate::classify::{Classify, RetryAll, RetryTransient, Retryable, TimedOut};
use crate::config::RetryConfig;
use crate::retry_future::RetryFuture;
use crate::state::{Attempts, Next};

/// Runs `op` until it succeeds or the configuration says stop, and returns
/// its result: the value, or the last error.
///
/// `op` is called once per attempt and makes a fresh future each time.
/// Every error is retried; see [`Retry`] to narrow that, to watch retries
/// or to learn how many attempts ran.
///
/// The error type must be [`Display`], for the log, and `From<TimedOut>`,
/// so that an attempt cut off by the per-attempt timeout or the deadline can
/// be reported as an error of its own (`std::io::Error`, `String`,
/// `anyhow::Error` and boxed errors already are; give your own error enum a
/// variant for it).
///
/// Dropping the returned future stops the loop at once, mid-attempt or
/// mid-sleep: nothing is left running.
///
/// # Examples
///
/// ```
/// use std::io;
/// use retry_rollback::{retry_with_backoff, RetryConfig};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let mut calls = 0;
/// let result = retry_with_backoff(&RetryConfig::default(), || {
///     calls += 1;
///     let attempt = calls;
///     async move {
///         if attempt < 3 {
///             Err(io::Error::from(io::ErrorKind::TimedOut))
///         } else {
///             Ok("installed")
///         }
///     }
/// })
/// .await;
/// assert_eq!(result.unwrap(), "installed");
/// assert_eq!(calls, 3);
/// # }
/// ```
pub fn retry_with_backoff<F, Fut, T, E>(
    config: &RetryConfig,
    op: F,
) -> impl Future<Output = Result<T, E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: From<TimedOut> + Display,
{
    Retry::new(config, op).run()
}

/// The blocking twin of [`retry_with_backoff`], for synchronous code: it
/// sleeps the current thread between attempts.
///
/// The per-attempt timeout cannot cancel a synchronous call, so it does not
/// apply here; the deadline does (see [`Retry::blocking`]).
///
/// ```
/// use retry_rollback::{retry_blocking, RetryConfig};
///
/// let config = RetryConfig::builder()
///     .initial_delay(std::time::Duration::from_millis(1))
///     .build()?;
/// let mut calls = 0;
/// let result: Result<u32, String> = retry_blocking(&config, || {
///     calls += 1;
///     if calls < 2 { Err(format!("try {calls} failed")) } else { Ok(calls) }
/// });
/// assert_eq!(result, Ok(2));
/// # Ok::<(), retry_rollback::ConfigError>(())
/// ```
pub fn retry_blocking<F, T, E>(config: &RetryConfig, op: F) -> Result<T, E>
where
    F: FnMut() -> Result<T, E>,
    E: Display,
{
    Retry::blocking(config, op).run()
}

/// The result of a retried operation, with how many attempts it took and
/// how long.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryOutcome<T, E> {
    /// The value, or the last error.
    pub result: Result<T, E>,
    /// The attempts that ran, the first included.
    pub attempts: u32,
    /// The time from the start of the first attempt to the end of the last.
    pub elapsed: Duration,
}

/// Marks a [`Retry`] whose operation returns a future.
#[derive(Debug, Clone, Copy)]
pub struct Async;

/// Marks a [`Retry`] whose operation is synchronous.
#[derive(Debug, Clone, Copy)]
pub struct Blocking;

/// An operation the retry loop can run: a closure that makes one attempt.
///
/// Implemented for `FnMut() -> impl Future<Output = Result<T, E>>` (with
/// [`Async`]) and for `FnMut() -> Result<T, E>` (with [`Blocking`]); it
/// names the error type so that [`Retry::retry_if`] and
/// [`Retry::on_retry`] closures need no annotations.
pub trait Operation<Mode> {
    /// The value of a successful attempt.
    type Ok;
    /// The error of a failed attempt.
    type Error;
}

impl<F, Fut, T, E> Operation<Async> for F
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    type Ok = T;
    type Error = E;
}

impl<F, T, E> Operation<Blocking> for F
where
    F: FnMut() -> Result<T, E>,
{
    type Ok = T;
    type Error = E;
}

/// Called before each sleep with the attempt that failed, the delay before
/// the next one, and the error.
///
/// Implemented for closures `FnMut(u32, Duration, &E)` and for [`NoHook`].
pub trait OnRetry<E> {
    /// Sees one failed attempt that will be retried.
    fn on_retry(&mut self, attempt: u32, delay: Duration, error: &E);
}

/// No hook: the default of [`Retry`].
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHook;

impl<E> OnRetry<E> for NoHook {
    fn on_retry(&mut self, _: u32, _: Duration, _: &E) {}
}

impl<E, F: FnMut(u32, Duration, &E)> OnRetry<E> for F {
    fn on_retry(&mut self, attempt: u32, delay: Duration, error: &E) {
        self(attempt, delay, error)
    }
}

/// A retry loop with every option: which errors to retry, a hook before
/// each retry, and a result that says how many attempts ran.
///
/// # Default
///
/// Every error is retried, no hook runs, and the loop follows the
/// [`RetryConfig`] it borrows.
///
/// # Examples
///
/// ```
/// use std::io;
/// use retry_rollback::{Retry, RetryConfig};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let config = RetryConfig::network_operation();
/// let outcome = Retry::new(&config, || async {
///     Err::<(), _>(io::Error::from(io::ErrorKind::PermissionDenied))
/// })
/// .retry_if(|error| error.kind() != io::ErrorKind::PermissionDenied)
/// .on_retry(|attempt, delay, error| eprintln!("attempt {attempt} failed: {error}; next in {delay:?}"))
/// .run_with_stats()
/// .await;
/// assert_eq!(outcome.attempts, 1, "a permanent error is not retried");
/// # }
/// ```
#[derive(Debug)]
#[must_use = "a retry does nothing until `run()` is called"]
pub struct Retry<'c, F, M = Async, C = RetryAll, H = NoHook> {
    config: &'c RetryConfig,
    op: F,
    classify: C,
    hook: H,
    mode: PhantomData<M>,
}

impl<'c, F> Retry<'c, F> {
    /// A retry of the async operation `op`, made afresh for each attempt.
    pub fn new(config: &'c RetryConfig, op: F) -> Self {
        Retry {
            config,
            op,
            classify: RetryAll,
            hook: NoHook,
            mode: PhantomData,
        }
    }
}

impl<'c, F> Retry<'c, F, Blocking> {
    /// A retry of the synchronous operation `op`; it sleeps the thread
    /// between attempts.
    ///
    /// The deadline is kept: no sleep starts that would end past it. The
    /// per-attempt timeout is not, because a synchronous call cannot be
    /// cancelled; an attempt that returns late keeps its result.
    pub fn blocking(config: &'c RetryConfig, op: F) -> Self {
        Retry {
            config,
            op,
            classify: RetryAll,
            hook: NoHook,
            mode: PhantomData,
        }
    }
}

impl<'c, F, M, C, H> Retry<'c, F, M, C, H>
where
    F: Operation<M>,
{
    /// Retries only the errors for which `predicate` returns `true`; any
    /// other error is returned at once.
    pub fn retry_if<P>(self, predicate: P) -> Retry<'c, F, M, P, H>
    where
        P: FnMut(&F::Error) -> bool,
    {
        Retry {
            config: self.config,
            op: self.op,
            classify: predicate,
            hook: self.hook,
            mode: PhantomData,
        }
    }

    /// Retries only errors that say they are transient, and waits at least
    /// as long as their retry-after hint (see [`Retryable`]).
    pub fn retry_transient(self) -> Retry<'c, F, M, RetryTransient, H>
    where
        F::Error: Retryable,
    {
        Retry {
            config: self.config,
            op: self.op,
            classify: RetryTransient,
            hook: self.hook,
            mode: PhantomData,
        }
    }

    /// Calls `hook` with the attempt number, the delay and the error before
    /// each sleep, for callers that report progress elsewhere.
    pub fn on_retry<G>(self, hook: G) -> Retry<'c, F, M, C, G>
    where
        G: FnMut(u32, Duration, &F::Error),
    {
        Retry {
            config: self.config,
            op: self.op,
            classify: self.classify,
            hook,
            mode: PhantomData,
        }
    }
}

impl<'c, F, Fut, T, E, C, H> Retry<'c, F, Async, C, H>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: From<TimedOut> + Display,
    C: Classify<E>,
    H: OnRetry<E>,
{
    /// Runs the loop and returns the value or the last error.
    pub fn run(self) -> impl Future<Output = Result<T, E>> {
        ResultOnly {
            outcome: self.into_future(false),
        }
    }

    /// Runs the loop and returns the result with the attempt count and the
    /// time taken.
    pub fn run_with_stats(self) -> impl Future<Output = RetryOutcome<T, E>> {
        self.into_future(true)
    }

    fn into_future(self, stats: bool) -> RetryFuture<'c, F, Fut, C, H> {
        RetryFuture::new(self.config, self.op, self.classify, self.hook, stats)
    }
}

impl<F, T, E, C, H> Retry<'_, F, Blocking, C, H>
where
    F: FnMut() -> Result<T, E>,
    E: Display,
    C: Classify<E>,
    H: OnRetry<E>,
{
    /// Runs the loop and returns the value or the last error.
    pub fn run(self) -> Result<T, E> {
        self.run_with_stats().result
    }

    /// Runs the loop and returns the result with the attempt count and the
    /// time taken.
    pub fn run_with_stats(mut self) -> RetryOutcome<T, E> {
        let started = std::time::Instant::now();
        let mut attempts = Attempts::new(self.config);
        loop {
            let attempt = attempts.start();
            let error = match (self.op)() {
                Ok(value) => {
                    attempts.succeeded();
                    return finish(Ok(value), &attempts, started.elapsed());
                }
                Err(error) => error,
            };
            let verdict = self.classify.verdict(&error);
            match attempts.failed(&error, verdict, started.elapsed()) {
                Next::Retry(delay) => {
                    self.hook.on_retry(attempt, delay, &error);
                    drop(error);
                    std::thread::sleep(delay);
                }
                Next::GiveUp => return finish(Err(error), &attempts, started.elapsed()),
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Retry::run`]: the outcome's result alone. A small
    /// future of its own rather than an `async` wrapper, which would store
    /// the loop's arguments a second time.
    struct ResultOnly<O> {
        #[pin]
        outcome: O,
    }
}

impl<O, T, E> Future for ResultOnly<O>
where
    O: Future<Output = RetryOutcome<T, E>>,
{
    type Output = Result<T, E>;

    #[inline]
    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Self::Output> {
        self.project()
            .outcome
            .poll(cx)
            .map(|outcome| outcome.result)
    }
}

fn finish<T, E>(
    result: Result<T, E>,
    attempts: &Attempts<'_>,
    elapsed: Duration,
) -> RetryOutcome<T, E> {
    RetryOutcome {
        result,
        attempts: attempts.count(),
        elapsed,
    }
}
