//! Runs one contestant's happy path (a call that succeeds at its first
//! attempt) `CALLS` times, for counting instructions under
//! `valgrind --tool=callgrind`, where timing is too noisy to compare
//! nanoseconds: `happy CONTESTANT CALLS`. Contestants: `bare`, `shape` (a
//! `#[with_retry]` function's loop and inner block without retry logic),
//! `with_retry`, `retry_with_backoff` and `backon`.

use std::hint::black_box;

use backon::Retryable as _;
use benches::{succeed, succeed_with_retry};
use retry_rollback::{RetryConfig, retry_with_backoff};

/// The shape of a `#[with_retry]` function without its retry logic: the
/// body in an inner `async` block, awaited inside a loop.
async fn shape_alone(value: u64) -> std::io::Result<u64> {
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let result = async { succeed(value).await }.await;
        if black_box(attempt) > 0 {
            return result;
        }
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
    // One loop per contestant, so that choosing it costs nothing per call.
    let total = runtime.block_on(async {
        let mut total = 0u64;
        match contestant.as_str() {
            "bare" => {
                for call in 0..calls {
                    total = total.wrapping_add(succeed(black_box(call)).await.unwrap_or(0));
                }
            }
            "shape" => {
                for call in 0..calls {
                    let value = shape_alone(black_box(call)).await;
                    total = total.wrapping_add(value.unwrap_or(0));
                }
            }
            "with_retry" => {
                for call in 0..calls {
                    let value = succeed_with_retry(black_box(call)).await;
                    total = total.wrapping_add(value.unwrap_or(0));
                }
            }
            "retry_with_backoff" => {
                for call in 0..calls {
                    let value = retry_with_backoff(&config, || succeed(black_box(call))).await;
                    total = total.wrapping_add(value.unwrap_or(0));
                }
            }
            "backon" => {
                for call in 0..calls {
                    let value = (|| succeed(black_box(call)))
                        .retry(backon::ExponentialBuilder::default().with_max_times(3))
                        .sleep(tokio::time::sleep)
                        .await;
                    total = total.wrapping_add(value.unwrap_or(0));
                }
            }
            other => return Err(format!("unknown contestant {other}")),
        }
        Ok(total)
    })?;
    println!("{contestant} {calls} {total}");
    Ok(())
}
