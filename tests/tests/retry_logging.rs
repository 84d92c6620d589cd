//! What the retry loop writes to `tracing`, and what it does not.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use retry_rollback::{Retry, RetryConfig, retry_with_backoff};

/// Collects formatted log lines.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Lines {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Runs `future` on a paused current-thread runtime with a subscriber that
/// writes into the returned lines.
fn logged<F: Future>(future: F) -> (F::Output, String) {
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .without_time()
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let output = tracing::subscriber::with_default(subscriber, || runtime.block_on(future));
    (output, lines.text())
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
    assert_eq!(log, "");
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
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(
        lines,
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
    let last = log.lines().last().unwrap();
    assert_eq!(
        last,
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
        log.trim_end(),
        " WARN retry_rollback: permanent error, not retrying attempt=1 max_attempts=3 error=permission denied"
    );
}
