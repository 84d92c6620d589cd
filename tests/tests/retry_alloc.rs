//! The retry loop allocates nothing of its own: not on a first-try success,
//! and not per retried attempt. Counted by a global allocator that counts
//! this thread's allocations.

use std::cell::Cell;
use std::io;
use std::time::Duration;

use allocation_counter::measure;
use retry_rollback::{Retry, RetryConfig, retry_with_backoff};
use tokio::runtime::{Builder, Runtime};

fn runtime() -> Runtime {
    Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

fn immediate(attempts: u32) -> RetryConfig {
    RetryConfig::builder()
        .max_attempts(attempts)
        .initial_delay(Duration::ZERO)
        .max_delay(Duration::ZERO)
        .build()
        .unwrap()
}

async fn bare(value: u64) -> Result<u64, String> {
    Ok(value + 1)
}

/// Allocations of `run`, after one warm-up run that lets the runtime and
/// `tracing` set up their one-time state.
fn allocations(mut run: impl FnMut()) -> u64 {
    run();
    measure(run).count_total
}

#[test]
fn a_first_try_success_allocates_nothing() {
    let runtime = runtime();
    let config = RetryConfig::network_operation();
    let baseline = allocations(|| {
        runtime.block_on(bare(1)).unwrap();
    });
    let retried = allocations(|| {
        runtime
            .block_on(retry_with_backoff(&config, || bare(1)))
            .unwrap();
    });
    assert_eq!(baseline, 0, "block_on itself must not allocate");
    assert_eq!(retried, 0);
}

#[test]
fn retried_attempts_allocate_nothing() {
    let runtime = runtime();
    let config = immediate(10);
    let calls = Cell::new(0u32);
    let retried = allocations(|| {
        calls.set(0);
        let outcome = runtime.block_on(
            Retry::new(&config, || {
                calls.set(calls.get() + 1);
                let call = calls.get();
                async move {
                    if call < 10 {
                        Err(io::Error::from(io::ErrorKind::ConnectionReset))
                    } else {
                        Ok(call)
                    }
                }
            })
            .run_with_stats(),
        );
        assert_eq!(outcome.attempts, 10);
    });
    assert_eq!(retried, 0, "9 retries, 0 allocations");
}

#[test]
fn the_counter_does_see_allocations() {
    let runtime = runtime();
    let counted = allocations(|| {
        runtime
            .block_on(async { Ok::<_, String>(vec![1u8; 64]) })
            .unwrap();
    });
    assert_eq!(counted, 1);
}

#[retry_rollback::with_retry(preset = network_operation)]
async fn annotated(value: u64) -> io::Result<u64> {
    Ok(value + 1)
}

#[retry_rollback::with_retry(max_attempts = 10, initial_delay = 0, max_delay = 0)]
async fn annotated_flaky(calls: &Cell<u32>) -> io::Result<u32> {
    calls.set(calls.get() + 1);
    if calls.get() < 10 {
        Err(io::Error::from(io::ErrorKind::ConnectionReset))
    } else {
        Ok(calls.get())
    }
}

#[test]
fn an_annotated_first_try_success_allocates_nothing() {
    let runtime = runtime();
    let counted = allocations(|| {
        runtime.block_on(annotated(1)).unwrap();
    });
    assert_eq!(counted, 0);
}

#[test]
fn annotated_retries_allocate_nothing() {
    let runtime = runtime();
    let calls = Cell::new(0);
    let counted = allocations(|| {
        calls.set(0);
        assert_eq!(runtime.block_on(annotated_flaky(&calls)).unwrap(), 10);
    });
    assert_eq!(counted, 0, "9 retries, 0 allocations");
}
