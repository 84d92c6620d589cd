//! The retry loop: attempts, delays, classification and the hook.

use std::cell::{Cell, RefCell};
use std::io;
use std::time::Duration;

use retry_rollback::{Retry, RetryConfig, Retryable, TimedOut, retry_with_backoff};
use tokio::time::Instant;

fn secs(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds)
}

/// The origin's scenario: a remote command that times out twice, then works.
#[tokio::test(start_paused = true)]
async fn fails_twice_with_a_timeout_then_succeeds() {
    let calls = Cell::new(0);
    let started = Instant::now();
    let result = retry_with_backoff(&RetryConfig::default(), || {
        calls.set(calls.get() + 1);
        let call = calls.get();
        async move {
            if call <= 2 {
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "ssh: connect timed out",
                ))
            } else {
                Ok("active")
            }
        }
    })
    .await;

    assert_eq!(result.unwrap(), "active");
    assert_eq!(calls.get(), 3);
    assert_eq!(started.elapsed(), secs(1.0 + 2.0));
}

#[tokio::test(start_paused = true)]
async fn running_out_of_attempts_returns_the_last_error() {
    let calls = Cell::new(0);
    let started = Instant::now();
    let result: Result<(), String> = Retry::new(&RetryConfig::aggressive(), || {
        calls.set(calls.get() + 1);
        let call = calls.get();
        async move { Err(format!("failure {call}")) }
    })
    .run()
    .await;

    assert_eq!(result, Err("failure 5".to_owned()));
    assert_eq!(calls.get(), 5);
    assert_eq!(started.elapsed(), secs(0.5 + 1.0 + 2.0 + 4.0));
}

#[tokio::test(start_paused = true)]
async fn a_permanent_error_stops_at_once() {
    let calls = Cell::new(0);
    let outcome = Retry::new(&RetryConfig::default(), || {
        calls.set(calls.get() + 1);
        async { Err::<(), _>(io::Error::from(io::ErrorKind::PermissionDenied)) }
    })
    .retry_transient()
    .run_with_stats()
    .await;

    assert_eq!(calls.get(), 1);
    assert_eq!(outcome.attempts, 1);
    assert_eq!(outcome.elapsed, Duration::ZERO);
    assert_eq!(
        outcome.result.unwrap_err().kind(),
        io::ErrorKind::PermissionDenied
    );
}

#[tokio::test(start_paused = true)]
async fn a_predicate_narrows_what_is_retried() {
    let calls = Cell::new(0);
    let result = Retry::new(&RetryConfig::network_operation(), || {
        calls.set(calls.get() + 1);
        let kind = if calls.get() == 1 {
            io::ErrorKind::ConnectionReset
        } else {
            io::ErrorKind::NotFound
        };
        async move { Err::<(), _>(io::Error::from(kind)) }
    })
    .retry_if(|error| error.kind() == io::ErrorKind::ConnectionReset)
    .run()
    .await;

    assert_eq!(calls.get(), 2);
    assert_eq!(result.unwrap_err().kind(), io::ErrorKind::NotFound);
}

#[tokio::test(start_paused = true)]
async fn the_hook_sees_every_retry_before_its_sleep() {
    let seen = RefCell::new(Vec::new());
    let started = Instant::now();
    let outcome = Retry::new(&RetryConfig::network_operation(), || async {
        Err::<(), _>(io::Error::from(io::ErrorKind::ConnectionRefused))
    })
    .on_retry(|attempt, delay, error: &io::Error| {
        seen.borrow_mut()
            .push((attempt, delay, error.kind(), started.elapsed()));
    })
    .run_with_stats()
    .await;

    let refused = io::ErrorKind::ConnectionRefused;
    assert_eq!(
        seen.into_inner(),
        [
            (1, secs(1.0), refused, secs(0.0)),
            (2, secs(2.0), refused, secs(1.0)),
            (3, secs(4.0), refused, secs(3.0)),
        ]
    );
    assert_eq!(outcome.attempts, 4);
    assert_eq!(outcome.elapsed, secs(7.0));
}

#[derive(Debug)]
enum ApiError {
    Throttled(Duration),
    Gone,
    TimedOut(TimedOut),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Throttled(after) => write!(f, "throttled, retry after {after:?}"),
            ApiError::Gone => f.write_str("gone"),
            ApiError::TimedOut(timed_out) => timed_out.fmt(f),
        }
    }
}

impl From<TimedOut> for ApiError {
    fn from(timed_out: TimedOut) -> Self {
        ApiError::TimedOut(timed_out)
    }
}

impl Retryable for ApiError {
    fn is_transient(&self) -> bool {
        !matches!(self, ApiError::Gone)
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::Throttled(after) => Some(*after),
            _ => None,
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_hint_lengthens_the_delay_but_never_shortens_it() {
    let calls = Cell::new(0);
    let started = Instant::now();
    let result = Retry::new(&RetryConfig::network_operation(), || {
        calls.set(calls.get() + 1);
        let call = calls.get();
        async move {
            match call {
                1 => Err(ApiError::Throttled(secs(10.0))),
                2 => Err(ApiError::Throttled(secs(0.5))),
                _ => Ok(call),
            }
        }
    })
    .retry_transient()
    .run()
    .await;

    assert_eq!(result.unwrap(), 3);
    // 10 s asked for instead of 1 s, then the computed 2 s beats 0.5 s.
    assert_eq!(started.elapsed(), secs(10.0 + 2.0));
}

#[tokio::test(start_paused = true)]
async fn a_hint_is_not_followed_past_the_last_attempt() {
    let calls = Cell::new(0);
    let started = Instant::now();
    let config = RetryConfig::builder().max_attempts(2).build().unwrap();
    let result = Retry::new(&config, || {
        calls.set(calls.get() + 1);
        async { Err::<(), _>(ApiError::Throttled(secs(30.0))) }
    })
    .retry_transient()
    .run()
    .await;

    assert!(matches!(result, Err(ApiError::Throttled(_))));
    assert_eq!(calls.get(), 2);
    assert_eq!(
        started.elapsed(),
        secs(30.0),
        "one wait, none after the last attempt"
    );
}

#[tokio::test(start_paused = true)]
async fn a_single_attempt_config_never_sleeps() {
    let config = RetryConfig::builder().max_attempts(1).build().unwrap();
    let started = Instant::now();
    let outcome = Retry::new(&config, || async { Err::<(), _>(ApiError::Gone) })
        .run_with_stats()
        .await;
    assert_eq!(outcome.attempts, 1);
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_future_stops_the_loop() {
    let calls = Cell::new(0);
    let config = RetryConfig::default();
    let retry = retry_with_backoff(&config, || {
        calls.set(calls.get() + 1);
        async { Err::<(), _>(io::Error::from(io::ErrorKind::ConnectionReset)) }
    });
    // The first attempt fails at once and the loop sleeps 1 s: cut it there.
    let cut = tokio::time::timeout(secs(0.5), retry).await;
    assert!(cut.is_err());
    tokio::time::sleep(secs(60.0)).await;
    assert_eq!(
        calls.get(),
        1,
        "no attempt ran after the future was dropped"
    );
}
