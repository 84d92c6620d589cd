//! A retry budget shared by many calls stops retries when failures pile up.

use std::cell::Cell;
use std::io;
use std::sync::Arc;

use retry_rollback::{RetryBudget, RetryConfig, retry_with_backoff};

#[tokio::test(start_paused = true)]
async fn a_drained_budget_stops_retries_across_calls() {
    let budget = Arc::new(RetryBudget::new(10, 0.1).unwrap());
    let config = RetryConfig::aggressive()
        .to_builder()
        .budget(budget.clone())
        .build()
        .unwrap();
    let calls = Cell::new(0);
    let failing = || {
        calls.set(calls.get() + 1);
        async { Err::<(), _>(io::Error::from(io::ErrorKind::ConnectionRefused)) }
    };

    // First call: 10 tokens; failures take 10 → 9 → ... ; a retry needs
    // more than 5 left, so attempts 1-4 are retried and attempt 5 (5 left)
    // ends the loop, which is also the attempt limit.
    assert!(retry_with_backoff(&config, failing).await.is_err());
    assert_eq!(calls.get(), 5);
    assert_eq!(budget.tokens(), 5.0);

    // Second call: the budget is spent, so the first failure is final.
    calls.set(0);
    assert!(retry_with_backoff(&config, failing).await.is_err());
    assert_eq!(calls.get(), 1);
    assert_eq!(budget.tokens(), 4.0);

    // Successes refill it: 30 of them give back 3 tokens.
    for _ in 0..30 {
        retry_with_backoff(&config, || async { Ok::<_, io::Error>(()) })
            .await
            .unwrap();
    }
    assert!((budget.tokens() - 7.0).abs() < 1e-9);
    calls.set(0);
    let _ = retry_with_backoff(&config, failing).await;
    assert_eq!(
        calls.get(),
        2,
        "7 → 6 allows one retry, 6 → 5 is half and stops"
    );
}

#[tokio::test(start_paused = true)]
async fn without_a_budget_every_attempt_runs() {
    let calls = Cell::new(0);
    for _ in 0..20 {
        let _ = retry_with_backoff(&RetryConfig::aggressive(), || {
            calls.set(calls.get() + 1);
            async { Err::<(), _>(io::Error::from(io::ErrorKind::ConnectionRefused)) }
        })
        .await;
    }
    assert_eq!(calls.get(), 100);
}
