//! Runs one contestant's happy path (a call that succeeds at its first
//! attempt) `CALLS` times, for counting instructions under
//! `valgrind --tool=callgrind`, where timing is too noisy to compare
//! nanoseconds: `happy CONTESTANT CALLS`.
//!
//! Contestants: `bare`, `with_retry`, `retry_with_backoff` and `backon`;
//! `bare_from_a_library` and `with_retry_from_a_library` for the first two
//! defined in another crate; `bare_awaiting` and `with_retry_awaiting` for
//! a body with an `.await`; `closure_floor`, the least a retry taking a
//! closure can do. Each runs in the loop the criterion
//! benchmark runs: `black_box(routine().await)`.

use std::hint::black_box;

use backon::Retryable as _;
use retry_rollback::{RetryConfig, retry_with_backoff};

benches::operations!();

/// What criterion's `iter` does with an async routine.
async fn repeat<O, F: Future<Output = O>>(calls: u64, mut routine: impl FnMut() -> F) {
    for _ in 0..calls {
        black_box(routine().await);
    }
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let contestant = args.first().map_or("bare", String::as_str).to_owned();
    let calls: u64 = args
        .get(1)
        .map_or(Ok(1_000_000), |n| n.parse())
        .map_err(|_| "CALLS must be a number")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|error| error.to_string())?;
    let config = RetryConfig::network_operation();
    runtime.block_on(async {
        match contestant.as_str() {
            "bare" => repeat(calls, || succeed(black_box(1))).await,
            "with_retry" => repeat(calls, || succeed_with_retry(black_box(1))).await,
            "bare_from_a_library" => repeat(calls, || benches::remote::succeed(black_box(1))).await,
            "with_retry_from_a_library" => {
                repeat(calls, || benches::remote::succeed_with_retry(black_box(1))).await
            }
            "bare_awaiting" => repeat(calls, || succeed_after_await(black_box(1))).await,
            "with_retry_awaiting" => {
                repeat(calls, || succeed_after_await_with_retry(black_box(1))).await
            }
            "retry_with_backoff" => {
                repeat(calls, || {
                    retry_with_backoff(&config, || succeed(black_box(1)))
                })
                .await
            }
            "closure_floor" => {
                repeat(calls, || {
                    benches::ClosureFloor::new(&config, || succeed(black_box(1)))
                })
                .await
            }
            "backon" => {
                repeat(calls, || {
                    (|| succeed(black_box(1)))
                        .retry(backon::ExponentialBuilder::default().with_max_times(3))
                        .sleep(tokio::time::sleep)
                })
                .await
            }
            other => return Err(format!("unknown contestant {other}")),
        }
        Ok(())
    })?;
    println!("{contestant} {calls}");
    Ok(())
}
