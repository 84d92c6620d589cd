//! Shared parts of the benchmarks: the operations every contestant retries,
//! so that all of them run exactly the same work.

use std::cell::Cell;
use std::io;

/// An operation that fails `failures` times, then returns `value + 1`.
///
/// The counter lives outside so that each attempt is a fresh future, as in
/// real retry loops.
pub async fn flaky(calls: &Cell<u32>, failures: u32, value: u64) -> io::Result<u64> {
    let call = calls.get();
    calls.set(call + 1);
    if call < failures {
        Err(io::Error::from(io::ErrorKind::ConnectionReset))
    } else {
        Ok(value + 1)
    }
}

/// An operation that always succeeds: the happy path.
pub async fn succeed(value: u64) -> io::Result<u64> {
    Ok(value + 1)
}

/// [`succeed`] under `#[with_retry]`.
#[retry_rollback::with_retry(preset = network_operation)]
pub async fn succeed_with_retry(value: u64) -> io::Result<u64> {
    Ok(value + 1)
}

/// [`flaky`] under `#[with_retry]` with zero delays and 2 attempts.
#[retry_rollback::with_retry(max_attempts = 2, initial_delay = 0, max_delay = 0)]
pub async fn flaky_with_retry_2(calls: &Cell<u32>, failures: u32, value: u64) -> io::Result<u64> {
    flaky(calls, failures, value).await
}

/// [`flaky`] under `#[with_retry]` with zero delays and 11 attempts.
#[retry_rollback::with_retry(max_attempts = 11, initial_delay = 0, max_delay = 0)]
pub async fn flaky_with_retry_11(calls: &Cell<u32>, failures: u32, value: u64) -> io::Result<u64> {
    flaky(calls, failures, value).await
}
