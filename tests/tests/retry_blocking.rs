//! The blocking twin, on real but tiny delays.

use std::time::Duration;

use retry_rollback::{Retry, RetryConfig, retry_blocking};

fn quick(attempts: u32) -> RetryConfig {
    RetryConfig::builder()
        .max_attempts(attempts)
        .initial_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(4))
        .build()
        .unwrap()
}

#[test]
fn it_retries_until_success() {
    let mut calls = 0;
    let result: Result<&str, String> = retry_blocking(&quick(3), || {
        calls += 1;
        if calls < 3 {
            Err(format!("try {calls}"))
        } else {
            Ok("done")
        }
    });
    assert_eq!(result, Ok("done"));
    assert_eq!(calls, 3);
}

#[test]
fn it_returns_the_last_error_with_the_attempt_count() {
    let mut calls = 0;
    let outcome = Retry::blocking(&quick(4), || {
        calls += 1;
        Err::<(), _>(format!("try {calls}"))
    })
    .run_with_stats();
    assert_eq!(outcome.result, Err("try 4".to_owned()));
    assert_eq!(outcome.attempts, 4);
    // Delays of 1, 2 and 4 ms were slept.
    assert!(outcome.elapsed >= Duration::from_millis(7));
}

#[test]
fn a_predicate_and_a_hook_work_as_in_the_async_loop() {
    let mut seen = Vec::new();
    let mut calls = 0;
    let result = Retry::blocking(&quick(5), || {
        calls += 1;
        Err::<(), _>(if calls == 1 { "busy" } else { "denied" })
    })
    .retry_if(|error| *error == "busy")
    .on_retry(|attempt, delay, error| seen.push((attempt, delay, *error)))
    .run();
    assert_eq!(result, Err("denied"));
    assert_eq!(seen, [(1, Duration::from_millis(1), "busy")]);
}

#[test]
fn the_deadline_stops_the_sleeping() {
    let config = RetryConfig::builder()
        .max_attempts(100)
        .initial_delay(Duration::from_millis(20))
        .deadline(Duration::from_millis(30))
        .build()
        .unwrap();
    let outcome = Retry::blocking(&config, || Err::<(), _>("down")).run_with_stats();
    // Attempt at 0 ms, sleep 20 ms, attempt, then 40 ms would pass 30 ms.
    assert_eq!(outcome.attempts, 2);
    assert!(outcome.elapsed >= Duration::from_millis(20));
}
