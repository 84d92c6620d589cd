//! `#[with_retry]` on free async functions: attempt counts, exhaustion,
//! `retry_if`, and `?`/`return` ending one attempt.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};

use retry_rollback::with_retry;
use tokio::time::{Duration, Instant};

/// A remote command that times out a number of times, then succeeds.
struct CommandMock {
    failures: u32,
    calls: AtomicU32,
}

impl CommandMock {
    fn new(failures: u32) -> Self {
        CommandMock {
            failures,
            calls: AtomicU32::new(0),
        }
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }

    async fn run(&self, command: &str) -> io::Result<String> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if call <= self.failures {
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{command}: timed out"),
            ))
        } else {
            Ok(format!("{command}: ok"))
        }
    }
}

#[with_retry(max_attempts = 3, backoff = 2.0)]
async fn run_remote(mock: &CommandMock, command: &str) -> io::Result<String> {
    let output = mock.run(command).await?;
    Ok(output)
}

#[tokio::test(start_paused = true)]
async fn times_out_twice_then_succeeds() {
    let mock = CommandMock::new(2);
    let started = Instant::now();
    let output = run_remote(&mock, "systemctl start node_exporter").await;
    assert_eq!(output.unwrap(), "systemctl start node_exporter: ok");
    assert_eq!(mock.calls(), 3);
    // 1 s, then 2 s: the default initial delay with the factor 2.0.
    assert_eq!(started.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn exhaustion_returns_the_last_error() {
    let mock = CommandMock::new(10);
    let error = run_remote(&mock, "install").await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    assert_eq!(error.to_string(), "install: timed out");
    assert_eq!(mock.calls(), 3);
}

fn is_transient(error: &io::Error) -> bool {
    error.kind() != io::ErrorKind::PermissionDenied
}

#[with_retry(max_attempts = 5, retry_if = is_transient)]
async fn permanent(calls: &AtomicU32) -> io::Result<()> {
    calls.fetch_add(1, Ordering::SeqCst);
    Err(io::Error::from(io::ErrorKind::PermissionDenied))
}

#[with_retry(max_attempts = 5, retry_if = |error: &io::Error| error.kind() == io::ErrorKind::TimedOut)]
async fn permanent_closure(calls: &AtomicU32) -> io::Result<()> {
    calls.fetch_add(1, Ordering::SeqCst);
    Err(io::Error::from(io::ErrorKind::NotFound))
}

#[tokio::test(start_paused = true)]
async fn retry_if_stops_on_a_permanent_error() {
    let calls = AtomicU32::new(0);
    let error = permanent(&calls).await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    let calls = AtomicU32::new(0);
    assert!(permanent_closure(&calls).await.is_err());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[with_retry(max_attempts = 4, initial_delay = 0.01)]
async fn early_return(calls: &AtomicU32) -> Result<u32, String> {
    let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
    if call < 3 {
        return Err(format!("attempt {call} returned early"));
    }
    let parsed: u32 = "42".parse().map_err(|_| "not a number".to_string())?;
    Ok(parsed + call)
}

#[tokio::test(start_paused = true)]
async fn return_ends_the_attempt_not_the_loop() {
    let calls = AtomicU32::new(0);
    assert_eq!(early_return(&calls).await, Ok(45));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[with_retry]
async fn bare(calls: &AtomicU32) -> Result<(), String> {
    calls.fetch_add(1, Ordering::SeqCst);
    Err("always".to_string())
}

#[tokio::test(start_paused = true)]
async fn bare_attribute_uses_the_default_config() {
    let calls = AtomicU32::new(0);
    let started = Instant::now();
    assert_eq!(bare(&calls).await, Err("always".to_string()));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(started.elapsed(), Duration::from_secs(3));
}
