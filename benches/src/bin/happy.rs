//! Runs one contestant's happy path (a call that succeeds at its first
//! attempt) `CALLS` times, for counting instructions under
//! `valgrind --tool=callgrind`, where timing is too noisy to compare
//! nanoseconds: `happy CONTESTANT CALLS`.

use std::hint::black_box;

use backon::Retryable as _;
use benches::{succeed, succeed_with_retry};
use retry_rollback::{RetryConfig, retry_with_backoff};

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
    let total = runtime.block_on(async {
        let mut total = 0u64;
        for call in 0..calls {
            let value = match contestant.as_str() {
                "bare" => succeed(black_box(call)).await,
                "with_retry" => succeed_with_retry(black_box(call)).await,
                "retry_with_backoff" => {
                    retry_with_backoff(&config, || succeed(black_box(call))).await
                }
                "backon" => {
                    (|| succeed(black_box(call)))
                        .retry(backon::ExponentialBuilder::default().with_max_times(3))
                        .sleep(tokio::time::sleep)
                        .await
                }
                other => return Err(format!("unknown contestant {other}")),
            };
            total = total.wrapping_add(value.map_err(|error| error.to_string())?);
        }
        Ok(total)
    })?;
    println!("{contestant} {calls} {total}");
    Ok(())
}
