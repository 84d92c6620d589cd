//! The per-attempt timeout and the total deadline, on the paused clock.

use std::cell::Cell;
use std::io;
use std::time::Duration;

use retry_rollback::{Retry, RetryConfig, TimedOut, TimeoutKind};
use tokio::time::{Instant, sleep};

fn secs(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds)
}

#[derive(Debug, PartialEq)]
enum StepError {
    Refused,
    TimedOut(TimedOut),
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::Refused => f.write_str("connection refused"),
            StepError::TimedOut(timed_out) => timed_out.fmt(f),
        }
    }
}

impl From<TimedOut> for StepError {
    fn from(timed_out: TimedOut) -> Self {
        StepError::TimedOut(timed_out)
    }
}

#[tokio::test(start_paused = true)]
async fn an_attempt_that_overruns_is_cancelled_and_retried() {
    let config = RetryConfig::builder()
        .attempt_timeout(secs(5.0))
        .build()
        .unwrap();
    let calls = Cell::new(0);
    let finished = Cell::new(0);
    let started = Instant::now();
    let result = Retry::new(&config, || {
        calls.set(calls.get() + 1);
        let call = calls.get();
        let finished = &finished;
        async move {
            if call == 1 {
                sleep(secs(3600.0)).await;
                finished.set(finished.get() + 1);
            }
            Ok::<_, StepError>(call)
        }
    })
    .run()
    .await;

    assert_eq!(result, Ok(2));
    assert_eq!(
        finished.get(),
        0,
        "the hung attempt was cancelled, not awaited"
    );
    assert_eq!(started.elapsed(), secs(5.0 + 1.0));
}

#[tokio::test(start_paused = true)]
async fn every_attempt_timing_out_returns_the_timeout() {
    let config = RetryConfig::builder()
        .max_attempts(2)
        .attempt_timeout(secs(2.0))
        .build()
        .unwrap();
    let result = Retry::new(&config, || async {
        sleep(secs(60.0)).await;
        Ok::<(), StepError>(())
    })
    .run()
    .await;

    let Err(StepError::TimedOut(timed_out)) = result else {
        panic!("expected a timeout, got {result:?}");
    };
    assert_eq!(timed_out.attempt(), 2);
    assert_eq!(timed_out.after(), secs(2.0));
    assert_eq!(timed_out.kind(), TimeoutKind::Attempt);
    assert_eq!(timed_out.to_string(), "attempt 2 timed out after 2s");
}

#[tokio::test(start_paused = true)]
async fn no_sleep_begins_that_would_end_past_the_deadline() {
    // Delays 1, 2, 4, 8 s; each attempt fails at once. After the attempts
    // at 0, 1 and 3 s, the next sleep (4 s) would end at 7 s, past 6 s.
    let config = RetryConfig::builder()
        .max_attempts(10)
        .deadline(secs(6.0))
        .build()
        .unwrap();
    let calls = Cell::new(0);
    let started = Instant::now();
    let outcome = Retry::new(&config, || {
        calls.set(calls.get() + 1);
        async { Err::<(), _>(StepError::Refused) }
    })
    .run_with_stats()
    .await;

    assert_eq!(outcome.result, Err(StepError::Refused));
    assert_eq!(calls.get(), 3);
    assert_eq!(started.elapsed(), secs(3.0), "it gave up without sleeping");
}

#[tokio::test(start_paused = true)]
async fn the_deadline_cuts_a_running_attempt() {
    let config = RetryConfig::builder()
        .attempt_timeout(secs(30.0))
        .deadline(secs(10.0))
        .build()
        .unwrap();
    let started = Instant::now();
    let result = Retry::new(&config, || async {
        sleep(secs(3600.0)).await;
        Ok::<(), StepError>(())
    })
    .run()
    .await;

    let Err(StepError::TimedOut(timed_out)) = result else {
        panic!("expected a timeout, got {result:?}");
    };
    assert_eq!(timed_out.kind(), TimeoutKind::Deadline);
    assert_eq!(timed_out.after(), secs(10.0));
    assert_eq!(started.elapsed(), secs(10.0));
}

#[tokio::test(start_paused = true)]
async fn the_deadline_clock_starts_at_the_first_attempt() {
    let config = RetryConfig::builder().deadline(secs(2.5)).build().unwrap();
    // Time passing before the loop starts does not count.
    sleep(secs(100.0)).await;
    let calls = Cell::new(0);
    let result = Retry::new(&config, || {
        calls.set(calls.get() + 1);
        let call = calls.get();
        async move {
            if call == 1 {
                Err(io::Error::from(io::ErrorKind::ConnectionReset))
            } else {
                Ok(call)
            }
        }
    })
    .run()
    .await;
    assert_eq!(result.unwrap(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_hint_is_not_followed_past_the_deadline() {
    use retry_rollback::Retryable;

    #[derive(Debug)]
    struct Busy;
    impl std::fmt::Display for Busy {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("503, retry after 120 s")
        }
    }
    impl From<TimedOut> for Busy {
        fn from(_: TimedOut) -> Self {
            Busy
        }
    }
    impl Retryable for Busy {
        fn is_transient(&self) -> bool {
            true
        }
        fn retry_after(&self) -> Option<Duration> {
            Some(secs(120.0))
        }
    }

    let config = RetryConfig::builder().deadline(secs(60.0)).build().unwrap();
    let started = Instant::now();
    let outcome = Retry::new(&config, || async { Err::<(), _>(Busy) })
        .retry_transient()
        .run_with_stats()
        .await;
    assert_eq!(outcome.attempts, 1);
    assert_eq!(started.elapsed(), Duration::ZERO);
}
