//! `#[with_retry]` configuration: presets, overrides, `config = ...`, the
//! per-attempt timeout and the deadline, on tokio's paused clock.

use std::io;
use std::sync::Mutex;
use std::time::Duration;

use retry_rollback::{RetryConfig, TimedOut, TimeoutKind, with_retry};
use tokio::time::Instant;

/// The delays that `on_retry` saw, per test.
static DELAYS: Mutex<Vec<(u32, Duration)>> = Mutex::new(Vec::new());

fn record(attempt: u32, delay: Duration, _: &io::Error) {
    DELAYS.lock().unwrap().push((attempt, delay));
}

fn take_delays() -> Vec<(u32, Duration)> {
    std::mem::take(&mut *DELAYS.lock().unwrap())
}

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

fn refused() -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::ConnectionRefused))
}

#[with_retry(preset = aggressive)]
async fn aggressive() -> io::Result<()> {
    refused()
}

#[with_retry(preset = network_operation, on_retry = record)]
async fn network_operation() -> io::Result<()> {
    refused()
}

#[with_retry(preset = conservative, max_attempts = 5, backoff = 3, on_retry = record)]
async fn conservative_overridden() -> io::Result<()> {
    refused()
}

#[with_retry(
    max_attempts = 4,
    initial_delay = Duration::from_millis(100),
    max_delay = 0.25,
    on_retry = record
)]
async fn capped() -> io::Result<()> {
    refused()
}

const FILE_RETRY: RetryConfig = RetryConfig::file_operation();

#[with_retry(config = FILE_RETRY, initial_delay = 0.1, on_retry = record)]
async fn from_config() -> io::Result<()> {
    refused()
}

// The tests share `DELAYS`, so they run in one test, one after the other.
#[tokio::test(start_paused = true)]
async fn presets_and_overrides_give_the_exact_delays() {
    let started = Instant::now();
    assert!(aggressive().await.is_err());
    // 5 attempts: 0.5 + 1 + 2 + 4 s.
    assert_eq!(started.elapsed(), ms(7_500));

    assert!(network_operation().await.is_err());
    assert_eq!(
        take_delays(),
        [(1, ms(1_000)), (2, ms(2_000)), (3, ms(4_000))]
    );

    assert!(conservative_overridden().await.is_err());
    assert_eq!(
        take_delays(),
        [
            (1, ms(2_000)),
            (2, ms(6_000)),
            (3, ms(18_000)),
            (4, ms(54_000))
        ]
    );

    assert!(capped().await.is_err());
    assert_eq!(take_delays(), [(1, ms(100)), (2, ms(200)), (3, ms(250))]);

    assert!(from_config().await.is_err());
    assert_eq!(take_delays(), [(1, ms(100)), (2, ms(200))]);
}

#[with_retry(max_attempts = 3, timeout = 2, initial_delay = 1)]
async fn hangs_once(calls: &Mutex<u32>) -> io::Result<&'static str> {
    let call = {
        let mut calls = calls.lock().unwrap();
        *calls += 1;
        *calls
    };
    if call == 1 {
        std::future::pending::<()>().await;
    }
    Ok("installed")
}

#[tokio::test(start_paused = true)]
async fn a_hanging_attempt_is_cut_by_the_timeout() {
    let calls = Mutex::new(0);
    let started = Instant::now();
    assert_eq!(hangs_once(&calls).await.unwrap(), "installed");
    assert_eq!(*calls.lock().unwrap(), 2);
    // 2 s cut off, 1 s delay.
    assert_eq!(started.elapsed(), ms(3_000));
}

#[derive(Debug)]
enum InstallError {
    TimedOut(TimedOut),
}

impl From<TimedOut> for InstallError {
    fn from(timed_out: TimedOut) -> Self {
        InstallError::TimedOut(timed_out)
    }
}

impl std::fmt::Display for InstallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InstallError::TimedOut(timed_out) => write!(f, "{timed_out}"),
        }
    }
}

#[with_retry(max_attempts = 10, initial_delay = 1, backoff = 1, deadline = 5)]
async fn always_hangs(calls: &Mutex<u32>) -> Result<(), InstallError> {
    *calls.lock().unwrap() += 1;
    std::future::pending().await
}

#[tokio::test(start_paused = true)]
async fn the_deadline_cuts_a_hanging_attempt() {
    let calls = Mutex::new(0);
    let started = Instant::now();
    let InstallError::TimedOut(timed_out) = always_hangs(&calls).await.unwrap_err();
    assert_eq!(timed_out.kind(), TimeoutKind::Deadline);
    assert_eq!(timed_out.attempt(), 1);
    assert_eq!(timed_out.after(), ms(5_000));
    assert_eq!(
        timed_out.to_string(),
        "attempt 1 was cut off by the retry deadline after 5s"
    );
    assert_eq!(*calls.lock().unwrap(), 1);
    assert_eq!(started.elapsed(), ms(5_000));
}

#[with_retry(max_attempts = 2, timeout = 1)]
async fn hangs_always() -> io::Result<()> {
    std::future::pending().await
}

#[tokio::test(start_paused = true)]
async fn an_attempt_timeout_is_reported_as_timed_out() {
    let started = Instant::now();
    let error = hangs_always().await.unwrap_err();
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    assert!(error.to_string().contains("timed out"), "{error}");
    // Two 1 s attempts and the default 1 s delay between them.
    assert_eq!(started.elapsed(), ms(3_000));
}
