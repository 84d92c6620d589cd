//! `#[with_retry]` honours the retry-after hint of an error type that is
//! `Retryable`, whatever decides which errors are retried; other error
//! types need nothing.

use std::cell::Cell;
use std::fmt;
use std::time::Duration;

use retry_rollback::{Retryable, with_retry};
use tokio::time::Instant;

#[derive(Debug)]
enum Http {
    Unavailable { retry_after: Duration },
    NotFound,
}

impl fmt::Display for Http {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Http::Unavailable { retry_after } => write!(f, "503, retry after {retry_after:?}"),
            Http::NotFound => f.write_str("404"),
        }
    }
}

impl Retryable for Http {
    fn is_transient(&self) -> bool {
        matches!(self, Http::Unavailable { .. })
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Http::Unavailable { retry_after } => Some(*retry_after),
            Http::NotFound => None,
        }
    }
}

/// 503 with `Retry-After: 5` once, then success; the preset's own first
/// delay is 1 s.
#[with_retry(preset = network_operation)]
async fn fetch(calls: &Cell<u32>) -> Result<u32, Http> {
    calls.set(calls.get() + 1);
    if calls.get() == 1 {
        return Err(Http::Unavailable {
            retry_after: Duration::from_secs(5),
        });
    }
    Ok(calls.get())
}

#[with_retry(preset = network_operation, retry_if = Http::is_transient)]
async fn fetch_transient(calls: &Cell<u32>) -> Result<u32, Http> {
    calls.set(calls.get() + 1);
    match calls.get() {
        1 => Err(Http::Unavailable {
            retry_after: Duration::from_millis(300),
        }),
        2 => Err(Http::Unavailable {
            retry_after: Duration::from_secs(7),
        }),
        _ => Err(Http::NotFound),
    }
}

#[tokio::test(start_paused = true)]
async fn the_hint_lengthens_the_delay() {
    let calls = Cell::new(0);
    let started = Instant::now();
    assert_eq!(fetch(&calls).await.unwrap(), 2);
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn with_a_predicate_the_hint_still_counts_but_never_shortens() {
    let calls = Cell::new(0);
    let started = Instant::now();
    let error = fetch_transient(&calls).await.unwrap_err();
    assert!(matches!(error, Http::NotFound));
    assert_eq!(calls.get(), 3, "the 404 stopped the loop");
    // 1 s beats the 300 ms hint, then the 7 s hint beats 2 s.
    assert_eq!(started.elapsed(), Duration::from_secs(1 + 7));
}

/// A generic error type gets no hint and needs no bound.
#[with_retry(max_attempts = 2, initial_delay = 0.5)]
async fn generic<E: fmt::Display>(error: fn() -> E) -> Result<(), E> {
    Err(error())
}

#[tokio::test(start_paused = true)]
async fn errors_that_are_not_retryable_need_nothing() {
    let started = Instant::now();
    let error = generic(|| Http::Unavailable {
        retry_after: Duration::from_secs(60),
    })
    .await
    .unwrap_err();
    assert!(matches!(error, Http::Unavailable { .. }));
    assert_eq!(
        started.elapsed(),
        Duration::from_millis(500),
        "inside a generic function the type is not known to be Retryable"
    );
}
