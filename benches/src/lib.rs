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
