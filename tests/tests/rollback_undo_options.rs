//! The options of one undo action: its timeout and its own retries, on
//! tokio's paused clock.

use std::io;
use std::sync::Mutex;
use std::time::Duration;

use retry_rollback::{RetryConfig, RollbackContext, UndoOutcome};
use tokio::time::{Instant, sleep};

#[tokio::test(start_paused = true)]
async fn an_undo_past_its_timeout_is_cancelled_and_the_next_one_runs() {
    let undone = Mutex::new(Vec::new());
    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_action("remove download", || async {
        undone.lock().unwrap().push("download");
        Ok::<_, io::Error>(())
    });
    ctx.add_action("stop service", || async {
        // systemctl stop hangs on a wedged service.
        sleep(Duration::from_secs(600)).await;
        undone.lock().unwrap().push("service");
        Ok::<_, io::Error>(())
    })
    .timeout(Duration::from_secs(30));
    let started = Instant::now();

    let report = ctx.rollback().await;

    assert_eq!(started.elapsed(), Duration::from_secs(30));
    assert_eq!(*undone.lock().unwrap(), ["download"]);
    let stop = &report.actions()[0];
    assert_eq!(stop.name(), "stop service");
    assert_eq!(
        stop.outcome(),
        &UndoOutcome::TimedOut(Duration::from_secs(30))
    );
    assert_eq!(stop.attempts(), 1);
    assert_eq!(stop.duration(), Duration::from_secs(30));
    assert_eq!(report.actions()[1].outcome(), &UndoOutcome::Undone);
    assert!(!report.is_clean());
}

#[tokio::test(start_paused = true)]
async fn an_undo_that_fails_transiently_is_retried_with_backoff() {
    let attempts = Mutex::new(Vec::new());
    let started = Instant::now();
    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_action("remove unit", || {
        let mut attempts = attempts.lock().unwrap();
        attempts.push(started.elapsed());
        let attempt = attempts.len();
        async move {
            if attempt < 3 {
                Err(io::Error::from(io::ErrorKind::ConnectionReset))
            } else {
                Ok(())
            }
        }
    })
    .retry(RetryConfig::default());

    let report = ctx.rollback().await;

    // RetryConfig::default(): 1 s, then 2 s.
    assert_eq!(
        *attempts.lock().unwrap(),
        [
            Duration::ZERO,
            Duration::from_secs(1),
            Duration::from_secs(3)
        ]
    );
    let unit = &report.actions()[0];
    assert_eq!(unit.outcome(), &UndoOutcome::Undone);
    assert_eq!(unit.attempts(), 3);
    assert_eq!(unit.duration(), Duration::from_secs(3));
    assert!(report.is_clean());
}

#[tokio::test(start_paused = true)]
async fn an_undo_that_keeps_failing_reports_its_last_error() {
    let mut calls = 0;
    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_action("remove binary", || {
        calls += 1;
        let call = calls;
        async move { Err(format!("text file busy (attempt {call})")) }
    })
    .retry(RetryConfig::file_operation());

    let report = ctx.rollback().await;

    let binary = &report.actions()[0];
    assert_eq!(
        binary.outcome(),
        &UndoOutcome::Failed("text file busy (attempt 3)".to_owned())
    );
    assert_eq!(binary.attempts(), 3);
    // RetryConfig::file_operation(): 0.5 s, then 1 s.
    assert_eq!(binary.duration(), Duration::from_millis(1500));
    drop(report);
    assert_eq!(calls, 3);
}

#[tokio::test(start_paused = true)]
async fn the_timeout_bounds_every_retry_together() {
    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_action("remove unit", || async { Err("unit is masked") })
        .retry(RetryConfig::conservative())
        .timeout(Duration::from_secs(5));

    let report = ctx.rollback().await;

    // conservative(): a first try, 2 s, a second try, 4 s: cut off at 5 s.
    let unit = &report.actions()[0];
    assert_eq!(
        unit.outcome(),
        &UndoOutcome::TimedOut(Duration::from_secs(5))
    );
    assert_eq!(unit.attempts(), 2);
    assert_eq!(unit.duration(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn an_attempt_timeout_in_the_retry_config_applies_to_each_attempt() {
    let config = RetryConfig::builder()
        .max_attempts(2)
        .initial_delay(Duration::from_secs(1))
        .attempt_timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_action("stop service", || async {
        sleep(Duration::from_secs(60)).await;
        Ok::<_, io::Error>(())
    })
    .retry(config);

    let report = ctx.rollback().await;

    let stop = &report.actions()[0];
    assert_eq!(
        stop.outcome(),
        &UndoOutcome::TimedOut(Duration::from_secs(10))
    );
    assert_eq!(stop.attempts(), 2);
    assert_eq!(stop.duration(), Duration::from_secs(21));
}

#[tokio::test(start_paused = true)]
async fn a_panicking_undo_is_not_retried() {
    let mut calls = 0;
    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_action("remove binary", || {
        calls += 1;
        async {
            panic!("binary vanished");
            #[allow(unreachable_code)]
            Ok::<_, io::Error>(())
        }
    })
    .retry(RetryConfig::aggressive());

    let report = ctx.rollback().await;

    let binary = &report.actions()[0];
    assert_eq!(
        binary.outcome(),
        &UndoOutcome::Panicked("binary vanished".to_owned())
    );
    assert_eq!(binary.attempts(), 1);
    drop(report);
    assert_eq!(calls, 1);
}
