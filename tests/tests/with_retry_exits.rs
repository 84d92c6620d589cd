//! How an attempt of a `#[with_retry]` function ends: `?` and `return` in
//! the body end the attempt (not the whole call), while those inside
//! closures, `async` blocks and nested functions keep their own meaning,
//! and a macro that returns behind the scenes still ends just the attempt.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::Poll;

use retry_rollback::with_retry;

/// The installer's own error, converted from `io::Error` by `?`.
#[derive(Debug, PartialEq)]
enum InstallError {
    Io(io::ErrorKind),
    Refused(u32),
}

impl From<io::Error> for InstallError {
    fn from(error: io::Error) -> Self {
        InstallError::Io(error.kind())
    }
}

impl std::fmt::Display for InstallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl From<retry_rollback::TimedOut> for InstallError {
    fn from(_: retry_rollback::TimedOut) -> Self {
        InstallError::Io(io::ErrorKind::TimedOut)
    }
}

fn next(calls: &AtomicU32) -> u32 {
    calls.fetch_add(1, Ordering::SeqCst) + 1
}

fn reset_until_third(call: u32) -> io::Result<u32> {
    if call < 3 {
        Err(io::ErrorKind::ConnectionReset.into())
    } else {
        Ok(call)
    }
}

#[with_retry(max_attempts = 4, initial_delay = 0.1)]
async fn question_mark_converts(calls: &AtomicU32) -> Result<u32, InstallError> {
    let call = reset_until_third(next(calls))?;
    Ok(call * 10)
}

#[tokio::test(start_paused = true)]
async fn question_mark_converts_the_error_and_ends_only_the_attempt() {
    let calls = AtomicU32::new(0);
    assert_eq!(question_mark_converts(&calls).await, Ok(30));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[with_retry(max_attempts = 2, initial_delay = 0.1)]
async fn question_mark_gives_up(calls: &AtomicU32) -> Result<u32, InstallError> {
    next(calls);
    let call = reset_until_third(1)?;
    Ok(call)
}

#[tokio::test(start_paused = true)]
async fn the_converted_error_is_what_the_call_returns_when_it_gives_up() {
    let calls = AtomicU32::new(0);
    let error = question_mark_gives_up(&calls).await.unwrap_err();
    assert_eq!(error, InstallError::Io(io::ErrorKind::ConnectionReset));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[with_retry(max_attempts = 5, initial_delay = 0.1)]
async fn early_returns(calls: &AtomicU32, done_at: u32) -> Result<&'static str, InstallError> {
    let call = next(calls);
    if call < done_at {
        return Err(InstallError::Refused(call));
    }
    if call == done_at {
        return Ok("early");
    }
    Ok("late")
}

#[tokio::test(start_paused = true)]
async fn return_err_retries_and_return_ok_succeeds() {
    let calls = AtomicU32::new(0);
    assert_eq!(early_returns(&calls, 3).await, Ok("early"));
    assert_eq!(calls.load(Ordering::SeqCst), 3);

    let calls = AtomicU32::new(0);
    assert_eq!(
        early_returns(&calls, 9).await,
        Err(InstallError::Refused(5))
    );
    assert_eq!(calls.load(Ordering::SeqCst), 5);
}

#[with_retry(max_attempts = 3, initial_delay = 0.1)]
async fn let_else_and_statement_start(calls: &AtomicU32) -> Result<u32, InstallError> {
    let call = next(calls);
    let Some(even) = call.is_multiple_of(2).then_some(call) else {
        return Err(InstallError::Refused(call));
    };
    // A `?` whose value is used at once, at the start of a statement.
    reset_until_third(even + 1)?.to_string().push('!');
    Ok(even)
}

#[tokio::test(start_paused = true)]
async fn let_else_and_a_method_call_on_a_question_mark() {
    let calls = AtomicU32::new(0);
    assert_eq!(let_else_and_statement_start(&calls).await, Ok(2));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

fn parse_port(text: &str) -> Option<u16> {
    text.parse().ok()
}

#[with_retry(max_attempts = 3, initial_delay = 0.1)]
async fn inner_scopes_keep_their_own(calls: &AtomicU32) -> Result<Vec<u16>, InstallError> {
    let call = next(calls);
    // A closure's `?` and `return` are the closure's.
    let parse = |text: &str| -> Option<u16> {
        if text.is_empty() {
            return None;
        }
        Some(parse_port(text)? + 1)
    };
    // So are an `async` block's.
    let probe = async {
        let port = reset_until_third(call)?;
        Ok::<u16, io::Error>(u16::try_from(port).unwrap_or(0))
    };
    // And a nested function's.
    fn fallback(text: &str) -> Result<u16, InstallError> {
        let port = parse_port(text).ok_or(InstallError::Refused(0))?;
        Ok(port)
    }
    let probed = probe.await.unwrap_or(0);
    Ok(vec![
        parse("").unwrap_or(1),
        parse("x").unwrap_or(2),
        parse("9099").unwrap_or(3),
        fallback("x").unwrap_or(4),
        probed,
    ])
}

#[tokio::test(start_paused = true)]
async fn closures_async_blocks_and_nested_functions_keep_their_own_exits() {
    let calls = AtomicU32::new(0);
    assert_eq!(
        inner_scopes_keep_their_own(&calls).await,
        Ok(vec![1, 2, 9100, 4, 0])
    );
    // None of the inner exits ended an attempt: the first one succeeded.
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// Returns from the function that calls it, as `anyhow::bail!` does.
macro_rules! refuse {
    ($call:expr) => {
        return Err(InstallError::Refused($call))
    };
}

#[with_retry(max_attempts = 4, initial_delay = 0.1)]
async fn macro_that_returns(calls: &AtomicU32) -> Result<u32, InstallError> {
    let call = next(calls);
    if call < 3 {
        refuse!(call);
    }
    Ok(call)
}

#[tokio::test(start_paused = true)]
async fn a_macro_that_returns_ends_only_the_attempt() {
    let calls = AtomicU32::new(0);
    assert_eq!(macro_that_returns(&calls).await, Ok(3));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[with_retry(max_attempts = 4, initial_delay = 0.1)]
async fn logs_with_debug_sigils(calls: &AtomicU32) -> Result<u32, InstallError> {
    let call = next(calls);
    tracing::debug!(?call, attempt = ?call, "probing");
    assert!(call > 0, "{:?}", call);
    Ok(reset_until_third(call)?)
}

#[tokio::test(start_paused = true)]
async fn known_macros_beside_question_marks() {
    let calls = AtomicU32::new(0);
    assert_eq!(logs_with_debug_sigils(&calls).await, Ok(3));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[with_retry(max_attempts = 4, initial_delay = 0.1)]
async fn question_mark_on_poll(calls: &AtomicU32) -> Result<Poll<u32>, InstallError> {
    let call = next(calls);
    let polled: Poll<io::Result<u32>> = Poll::Ready(reset_until_third(call));
    let ready = polled?;
    let pending: Poll<Option<io::Result<u32>>> = Poll::Pending;
    assert_eq!(pending?, Poll::Pending);
    Ok(ready)
}

#[tokio::test(start_paused = true)]
async fn question_mark_on_poll_values_as_the_language_defines_it() {
    let calls = AtomicU32::new(0);
    assert_eq!(question_mark_on_poll(&calls).await, Ok(Poll::Ready(3)));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[with_retry(max_attempts = 3, initial_delay = 0.001)]
fn blocking_exits(calls: &AtomicU32) -> Result<u32, InstallError> {
    let call = reset_until_third(next(calls))?;
    if call > 3 {
        return Err(InstallError::Refused(call));
    }
    Ok(call)
}

#[test]
fn plain_functions_end_attempts_the_same_way() {
    let calls = AtomicU32::new(0);
    assert_eq!(blocking_exits(&calls), Ok(3));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}
