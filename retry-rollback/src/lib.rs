//! Retry with exponential backoff and LIFO rollback for async installers.
//!
//! Installers that put agents and services on remote hosts fail in two ways:
//! a step hits a transient network fault, or a step fails for good half-way
//! and leaves the host in a mess. This crate answers the first with a retry
//! loop and the second with a rollback scope that undoes, last first, the
//! steps that already succeeded.
//!
//! # Retry
//!
//! [`retry_with_backoff`] runs an operation until it succeeds or a
//! [`RetryConfig`] says stop, sleeping `min(initial * factor^(n-1),
//! max_delay)` before retry `n`, and returns the operation's own
//! `Result`:
//!
//! ```
//! use std::io;
//! use retry_rollback::{retry_with_backoff, RetryConfig};
//!
//! async fn download(url: &str) -> io::Result<Vec<u8>> {
//!     # let _ = url;
//!     Ok(b"node_exporter".to_vec())
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> io::Result<()> {
//! let config = RetryConfig::network_operation();
//! let tarball = retry_with_backoff(&config, || download("http://127.0.0.1:8080/exporter.tar.gz")).await?;
//! assert_eq!(tarball, b"node_exporter");
//! # Ok(())
//! # }
//! ```
//!
//! [`Retry`] adds the options: which errors to retry ([`Retry::retry_if`],
//! or [`Retryable`] errors that know it themselves), a hook before each
//! retry, and the attempt count. [`retry_command`] retries remote commands
//! whose exit code says the connection failed; [`retry_blocking`] is the
//! twin for synchronous code.
//!
//! Every sleep goes through `tokio::time`, so tests run on a paused clock.
//!
//! # Logging
//!
//! The crate logs through `tracing` under the target `retry_rollback`:
//!
//! | event | level | fields |
//! |---|---|---|
//! | an attempt failed and will be retried | WARN | `attempt`, `max_attempts`, `delay`, `error` |
//! | an error is permanent | WARN | `attempt`, `max_attempts`, `error` |
//! | the attempts, the deadline or the budget ran out | ERROR | `attempt`, `max_attempts`, `error`, and `delay`, `deadline` or `tokens` |
//! | success after retrying | INFO | `attempt`, `max_attempts` |
//!
//! A first-try success logs nothing.
//!
//! # Limits
//!
//! - The per-attempt timeout cannot cancel synchronous code, so
//!   [`retry_blocking`] keeps the deadline but not the per-attempt timeout.
//! - The error type of an async retry must be `From<TimedOut>`, so that an
//!   attempt cut off by a timeout can be returned as an error of that type.

#![warn(missing_docs)]

mod budget;
mod classify;
mod command;
mod config;
mod delays;
mod retry;
mod retry_future;
mod rollback;
mod state;

#[doc(hidden)]
pub mod __private;

pub use budget::RetryBudget;
pub use classify::{Classify, RetryAll, RetryTransient, Retryable, TimedOut, TimeoutKind, Verdict};
pub use command::{
    CURL_NETWORK_ERRORS, CommandFailure, CommandHook, CommandOutput, CommandRetry,
    SSH_CONNECTION_FAILED, retry_command,
};
pub use retry_rollback_macros::with_retry;

pub use config::{ConfigError, RetryConfig, RetryConfigBuilder};
pub use delays::{Delays, Jitter};
pub use retry::{
    Async, Blocking, NoHook, OnRetry, Operation, Retry, RetryOutcome, retry_blocking,
    retry_with_backoff,
};
