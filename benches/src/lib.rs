//! Shared parts of the benchmarks: the operations every contestant retries,
//! so that all of them run exactly the same work.
//!
//! [`operations!`] defines them in the crate that benchmarks them, as a
//! user's own functions are defined in the crate that calls them, and
//! [`remote`] defines them here, for what the same functions cost when
//! called from another crate (BENCHMARKS.md gives both figures).

/// Defines, in the calling crate and with the given visibility (none for
/// private):
///
/// - `succeed(value)`: an operation that always succeeds (the happy path);
/// - `succeed_with_retry(value)`: the same under `#[with_retry]`;
/// - `succeed_after_await(value)` and `succeed_after_await_with_retry`:
///   the same with an `.await` in the body (on a future that is ready at
///   once), so that the function's future keeps what lives across it;
/// - `flaky(calls, failures, value)`: an operation that fails `failures`
///   times, then returns `value + 1` (the counter lives outside, so that
///   each attempt is a fresh future, as in real retry loops);
/// - `flaky_with_retry_2` and `flaky_with_retry_11`: `flaky` under
///   `#[with_retry]` with zero delays and 2 or 11 attempts.
#[macro_export]
macro_rules! operations {
    () => {
        $crate::operations!(pub(self));
    };
    ($vis:vis) => {
        #[allow(dead_code)]
        $vis async fn succeed(value: u64) -> ::std::io::Result<u64> {
            Ok(value + 1)
        }

        #[allow(dead_code)]
        #[::retry_rollback::with_retry(preset = network_operation)]
        $vis async fn succeed_with_retry(value: u64) -> ::std::io::Result<u64> {
            Ok(value + 1)
        }

        #[allow(dead_code)]
        $vis async fn succeed_after_await(value: u64) -> ::std::io::Result<u64> {
            let value = ::std::future::ready(value).await;
            Ok(value + 1)
        }

        #[allow(dead_code)]
        #[::retry_rollback::with_retry(preset = network_operation)]
        $vis async fn succeed_after_await_with_retry(value: u64) -> ::std::io::Result<u64> {
            let value = ::std::future::ready(value).await;
            Ok(value + 1)
        }

        #[allow(dead_code)]
        $vis async fn flaky(
            calls: &::std::cell::Cell<u32>,
            failures: u32,
            value: u64,
        ) -> ::std::io::Result<u64> {
            let call = calls.get();
            calls.set(call + 1);
            if call < failures {
                Err(::std::io::Error::from(::std::io::ErrorKind::ConnectionReset))
            } else {
                Ok(value + 1)
            }
        }

        #[allow(dead_code)]
        #[::retry_rollback::with_retry(max_attempts = 2, initial_delay = 0, max_delay = 0)]
        $vis async fn flaky_with_retry_2(
            calls: &::std::cell::Cell<u32>,
            failures: u32,
            value: u64,
        ) -> ::std::io::Result<u64> {
            flaky(calls, failures, value).await
        }

        #[allow(dead_code)]
        #[::retry_rollback::with_retry(max_attempts = 11, initial_delay = 0, max_delay = 0)]
        $vis async fn flaky_with_retry_11(
            calls: &::std::cell::Cell<u32>,
            failures: u32,
            value: u64,
        ) -> ::std::io::Result<u64> {
            flaky(calls, failures, value).await
        }
    };
}

/// The operations of [`operations!`], defined in this library: called from
/// another crate, they show what a function from a library costs its
/// callers.
pub mod remote {
    crate::operations!(pub);
}

pin_project_lite::pin_project! {
    /// The least a retry taking a closure must do on a first-try success:
    /// hold the configuration, the closure and the operation's future, make
    /// the future at the first poll, poll it, and check the configuration's
    /// budget. No loop, no count, no clock: a floor for
    /// `retry_with_backoff`, not a retry.
    pub struct ClosureFloor<'c, F, Fut> {
        config: &'c retry_rollback::RetryConfig,
        op: F,
        #[pin]
        attempt: Option<Fut>,
    }
}

impl<'c, F, Fut> ClosureFloor<'c, F, Fut> {
    /// The floor's future for `op` under `config`.
    pub fn new(config: &'c retry_rollback::RetryConfig, op: F) -> Self {
        ClosureFloor {
            config,
            op,
            attempt: None,
        }
    }
}

impl<F, Fut, T, E> std::future::Future for ClosureFloor<'_, F, Fut>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    type Output = Result<T, E>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let mut this = self.project();
        if this.attempt.is_none() {
            this.attempt.set(Some((this.op)()));
        }
        let Some(attempt) = this.attempt.as_mut().as_pin_mut() else {
            unreachable!("the attempt was just made");
        };
        let result = std::task::ready!(attempt.poll(cx));
        if let Some(budget) = this.config.budget() {
            std::hint::black_box(budget);
        }
        std::task::Poll::Ready(result)
    }
}
