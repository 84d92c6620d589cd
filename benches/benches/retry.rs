//! Retry cost per call against the peers: the happy path (success at the
//! first attempt) and the failure path (attempts that fail, zero delay).

use std::cell::Cell;
use std::hint::black_box;
use std::time::Duration;

use backon::Retryable as _;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use retry_rollback::{RetryConfig, retry_with_backoff};
use tokio::runtime::Runtime;

benches::operations!();

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread runtime")
}

/// Zero delays, so that only the loop's own work is measured.
fn immediate(attempts: u32) -> RetryConfig {
    RetryConfig::builder()
        .max_attempts(attempts)
        .initial_delay(Duration::ZERO)
        .max_delay(Duration::ZERO)
        .build()
        .expect("a valid config")
}

fn backon_immediate(retries: usize) -> backon::ConstantBuilder {
    backon::ConstantBuilder::default()
        .with_delay(Duration::ZERO)
        .with_max_times(retries)
}

fn backoff_immediate() -> backoff::ExponentialBackoff {
    backoff::ExponentialBackoffBuilder::new()
        .with_initial_interval(Duration::ZERO)
        .with_randomization_factor(0.0)
        .with_max_elapsed_time(None)
        .build()
}

fn happy_path(c: &mut Criterion) {
    let rt = runtime();
    let config = RetryConfig::network_operation();
    let mut group = c.benchmark_group("happy_path");
    group.bench_function("bare", |b| b.to_async(&rt).iter(|| succeed(black_box(1))));
    group.bench_function("with_retry", |b| {
        b.to_async(&rt).iter(|| succeed_with_retry(black_box(1)))
    });
    // The same two functions defined in another crate.
    group.bench_function("bare_from_a_library", |b| {
        b.to_async(&rt)
            .iter(|| benches::remote::succeed(black_box(1)))
    });
    group.bench_function("with_retry_from_a_library", |b| {
        b.to_async(&rt)
            .iter(|| benches::remote::succeed_with_retry(black_box(1)))
    });
    // A body with an `.await`: what lives across it is stored in the
    // function's future, in both.
    group.bench_function("bare_awaiting", |b| {
        b.to_async(&rt).iter(|| succeed_after_await(black_box(1)))
    });
    group.bench_function("with_retry_awaiting", |b| {
        b.to_async(&rt)
            .iter(|| succeed_after_await_with_retry(black_box(1)))
    });
    group.bench_function("retry_with_backoff", |b| {
        b.to_async(&rt)
            .iter(|| retry_with_backoff(&config, || succeed(black_box(1))))
    });
    group.bench_function("closure_floor", |b| {
        b.to_async(&rt)
            .iter(|| benches::ClosureFloor::new(&config, || succeed(black_box(1))))
    });
    group.bench_function("backon", |b| {
        b.to_async(&rt).iter(|| {
            (|| succeed(black_box(1)))
                .retry(backon::ExponentialBuilder::default().with_max_times(3))
                .sleep(tokio::time::sleep)
        })
    });
    group.bench_function("tokio-retry2", |b| {
        b.to_async(&rt).iter(|| {
            let strategy = tokio_retry2::strategy::ExponentialBackoff::from_millis(1000).take(3);
            tokio_retry2::Retry::spawn(strategy, || async {
                succeed(black_box(1))
                    .await
                    .map_err(tokio_retry2::RetryError::transient)
            })
        })
    });
    group.bench_function("backoff", |b| {
        b.to_async(&rt).iter(|| {
            backoff::future::retry(backoff::ExponentialBackoff::default(), || async {
                succeed(black_box(1))
                    .await
                    .map_err(backoff::Error::transient)
            })
        })
    });
    group.finish();
}

fn failure_path(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("failure_path");
    for failures in [1u32, 10] {
        let config = immediate(failures + 1);
        group.bench_with_input(
            BenchmarkId::new("with_retry", failures),
            &failures,
            |b, &failures| {
                b.to_async(&rt).iter(|| async {
                    let calls = Cell::new(0);
                    match failures {
                        1 => flaky_with_retry_2(&calls, failures, 1).await,
                        _ => flaky_with_retry_11(&calls, failures, 1).await,
                    }
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("retry_with_backoff", failures),
            &failures,
            |b, &failures| {
                b.to_async(&rt).iter(|| async {
                    let calls = Cell::new(0);
                    retry_with_backoff(&config, || flaky(&calls, failures, 1)).await
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("backon", failures),
            &failures,
            |b, &failures| {
                b.to_async(&rt).iter(|| async {
                    let calls = Cell::new(0);
                    (|| flaky(&calls, failures, 1))
                        .retry(backon_immediate(failures as usize))
                        .sleep(tokio::time::sleep)
                        .await
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("tokio-retry2", failures),
            &failures,
            |b, &failures| {
                b.to_async(&rt).iter(|| async {
                    let calls = Cell::new(0);
                    let strategy = tokio_retry2::strategy::FixedInterval::from_millis(0)
                        .take(failures as usize);
                    tokio_retry2::Retry::spawn(strategy, || async {
                        flaky(&calls, failures, 1)
                            .await
                            .map_err(tokio_retry2::RetryError::transient)
                    })
                    .await
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("backoff", failures),
            &failures,
            |b, &failures| {
                b.to_async(&rt).iter(|| async {
                    let calls = Cell::new(0);
                    backoff::future::retry(backoff_immediate(), || async {
                        flaky(&calls, failures, 1)
                            .await
                            .map_err(backoff::Error::transient)
                    })
                    .await
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, happy_path, failure_path);
criterion_main!(benches);
