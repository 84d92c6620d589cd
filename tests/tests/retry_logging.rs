//! What the retry loop writes to `tracing`, and what it does not.

mod support;

use std::io;

use retry_rollback::{Retry, RetryConfig, retry_with_backoff};
use support::Logs;

/// Runs `future` on a paused current-thread runtime and returns its output
/// with the log lines it wrote.
fn logged<F: Future>(future: F) -> (F::Output, Vec<String>) {
    let logs = Logs::capture();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let output = runtime.block_on(future);
    (output, logs.lines())
}

fn refused() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionRefused, "connection refused")
}

#[test]
fn a_first_try_success_logs_nothing() {
    let config = RetryConfig::default();
    let (result, log) = logged(retry_with_backoff(&config, || async {
        Ok::<_, io::Error>(1)
    }));
    assert_eq!(result.unwrap(), 1);
    assert_eq!(log, Vec::<String>::new());
}

#[test]
fn each_failed_attempt_warns_and_a_late_success_is_noted() {
    let config = RetryConfig::default();
    let mut calls = 0;
    let (result, log) = logged(retry_with_backoff(&config, || {
        calls += 1;
        let call = calls;
        async move { if call < 3 { Err(refused()) } else { Ok(call) } }
    }));
    assert_eq!(result.unwrap(), 3);
    assert_eq!(
        log,
        [
            " WARN retry_rollback: attempt failed, retrying attempt=1 max_attempts=3 delay=1s error=connection refused",
            " WARN retry_rollback: attempt failed, retrying attempt=2 max_attempts=3 delay=2s error=connection refused",
            " INFO retry_rollback: succeeded after retrying attempt=3 max_attempts=3",
        ]
    );
}

#[test]
fn running_out_of_attempts_is_an_error() {
    let config = RetryConfig::builder().max_attempts(2).build().unwrap();
    let (result, log) = logged(retry_with_backoff(&config, || async {
        Err::<(), _>(refused())
    }));
    assert!(result.is_err());
    assert_eq!(
        log.last().unwrap(),
        "ERROR retry_rollback: all attempts failed attempt=2 max_attempts=2 error=connection refused"
    );
}

#[test]
fn a_permanent_error_says_why_it_was_not_retried() {
    let config = RetryConfig::default();
    let (result, log) = logged(
        Retry::new(&config, || async {
            Err::<(), _>(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "permission denied",
            ))
        })
        .retry_transient()
        .run(),
    );
    assert!(result.is_err());
    assert_eq!(
        log,
        [
            " WARN retry_rollback: permanent error, not retrying attempt=1 max_attempts=3 error=permission denied"
        ]
    );
}
