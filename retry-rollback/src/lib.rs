//! Retry with exponential backoff and LIFO rollback for async installers.
//!
//! Installers that put agents and services on remote hosts fail in two ways:
//! a step hits a transient network fault, or a step fails for good half-way
//! and leaves the host in a mess. This crate answers the first with a retry
//! loop and the second with a rollback scope that undoes, last first, the
//! steps that already succeeded.
//!
//! # By annotation
//!
//! Each step of an install is a plain method. [`#[with_retry]`](macro@with_retry)
//! tries it again with exponential backoff; [`#[compensate]`](macro@compensate)
//! registers its undo once it has succeeded; and
//! [`#[with_rollback]`](macro@with_rollback) on the method that runs the steps
//! undoes them, last first, when one fails for good:
//!
//! ```
//! use std::io;
//! use std::sync::{Arc, Mutex};
//! use retry_rollback::{compensate, with_retry, with_rollback, RollbackError};
//!
//! #[derive(Clone, Default)] // the undo actions own a clone: keep it cheap
//! struct Installer {
//!     host: Arc<Mutex<Vec<String>>>,
//! }
//!
//! impl Installer {
//!     #[compensate(self.remove(path), description = "Remove the downloaded tarball")]
//!     #[with_retry(preset = network_operation)]
//!     async fn download(&self, path: &str) -> io::Result<()> {
//!         self.host.lock().unwrap().push(path.to_owned());
//!         Ok(())
//!     }
//!
//!     #[compensate(self.remove(path))]
//!     async fn install_binary(&self, path: &str) -> io::Result<()> {
//!         self.host.lock().unwrap().push(path.to_owned());
//!         Ok(())
//!     }
//!
//!     async fn remove(&self, path: &str) -> io::Result<()> {
//!         self.host.lock().unwrap().retain(|file| file != path);
//!         Ok(())
//!     }
//!
//!     #[with_retry(max_attempts = 2)]
//!     async fn validate(&self) -> io::Result<()> {
//!         Err(io::Error::other("port 9100 does not answer"))
//!     }
//!
//!     #[with_rollback]
//!     async fn install_exporter(&self) -> Result<(), RollbackError<io::Error>> {
//!         self.download("/tmp/exporter.tar.gz").await?;
//!         self.install_binary("/usr/local/bin/exporter").await?;
//!         self.validate().await
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let installer = Installer::default();
//! let failed = installer.install_exporter().await.unwrap_err();
//! assert_eq!(failed.error().to_string(), "port 9100 does not answer");
//! assert!(failed.report().is_clean());
//! assert!(installer.host.lock().unwrap().is_empty(), "the host is clean again");
//! let undone: Vec<&str> = failed.report().actions().iter().map(|a| a.name()).collect();
//! assert_eq!(undone, ["remove", "remove"]); // last step first
//! # }
//! ```
//!
//! The attributes expand into calls of the runtime below, which can also be
//! used directly.
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
//! # Rollback
//!
//! A [`RollbackContext`] collects undo actions while an install runs. When
//! a step fails for good, the steps that already succeeded are undone,
//! last first, and the caller learns exactly what was left behind.
//! [`RollbackContext::scope`] is the `async with` of a Python rollback
//! context: it commits when its body returns `Ok`, and rolls back when the
//! body returns `Err` or panics.
//!
//! ```
//! use std::io;
//! use std::sync::Mutex;
//! use retry_rollback::{RollbackContext, RollbackError};
//!
//! struct Installer {
//!     host: Mutex<Vec<&'static str>>,
//! }
//!
//! impl Installer {
//!     async fn put(&self, what: &'static str) -> io::Result<()> {
//!         self.host.lock().unwrap().push(what);
//!         Ok(())
//!     }
//!
//!     async fn remove(&self, what: &'static str) -> io::Result<()> {
//!         self.host.lock().unwrap().retain(|item| *item != what);
//!         Ok(())
//!     }
//!
//!     async fn install(&self) -> Result<(), RollbackError<io::Error>> {
//!         RollbackContext::scope("install node_exporter", async |ctx| {
//!             self.put("binary").await?;
//!             ctx.add_action("remove binary", || self.remove("binary"))
//!                 .description("Remove /usr/local/bin/node_exporter");
//!             self.put("unit").await?;
//!             ctx.add_action("remove unit", || self.remove("unit"))
//!                 .description("Remove the systemd unit");
//!             Err(io::Error::other("validation failed: port 9100 not answering"))
//!         })
//!         .await
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let installer = Installer { host: Mutex::new(Vec::new()) };
//! let error = installer.install().await.unwrap_err();
//! assert!(error.report().is_clean());
//! assert!(installer.host.lock().unwrap().is_empty());
//! let undone: Vec<&str> = error.report().actions().iter().map(|action| action.name()).collect();
//! assert_eq!(undone, ["remove unit", "remove binary"]);
//! # }
//! ```
//!
//! - Each action runs at most once, last added first. An undo that fails,
//!   times out or panics does not stop the others.
//! - The caller's error is never replaced: [`RollbackError`] holds it
//!   (as its `source()`) together with a [`RollbackReport`] that names
//!   every action, its [`UndoOutcome`], attempts and duration.
//! - An undo can have a description, a timeout and a [`RetryConfig`] of
//!   its own ([`ActionOptions`]).
//! - [`disable`](RollbackContext::disable) commits by hand, and
//!   [`plan`](RollbackContext::plan) lists what a rollback would run.
//! - Registering an action costs one allocation, its boxed closure, plus
//!   its name and description if they are `String`s (they are
//!   `Cow<'static, str>`, so literals are not copied). The happy path runs
//!   no undo code at all.
//! - `ctx.scope(name, body)` opens a nested scope, a savepoint: if it
//!   fails, only its own actions are undone; if it succeeds, they join the
//!   outer scope's (see [`Savepoints::scope`]).
//!
//! ## By annotation
//!
//! [`#[compensate(undo)]`](macro@compensate) on a step registers its undo
//! when it returns `Ok`, in the scope that
//! [`#[with_rollback]`](macro@with_rollback) opened for the current task;
//! the steps stay plain methods called with `?`. Such undo actions are
//! owned, so the installer is cloned into them: see their docs.
//!
//! ## Cancellation
//!
//! A future can be dropped before it finishes: a `tokio::time::timeout`
//! around the install, a cancelled request. A scope whose future is
//! dropped half-way, or a context dropped while armed (neither disabled
//! nor rolled back), cannot wait for its undo actions, so:
//!
//! - actions added with [`add_owned_action`](RollbackContext::add_owned_action)
//!   own what they use: they still run, last first, in a task spawned on
//!   the current tokio runtime, and log as any rollback does;
//! - actions added with [`add_action`](RollbackContext::add_action) may
//!   borrow what is gone once the scope is dropped: they cannot run, and
//!   each is logged at ERROR, by name, as abandoned (in its place among
//!   the others, and the rollback's last line says the host is dirty).
//!
//! Code that must leave the host clean even when it is cancelled should
//! own its undo data (clone the host name, the paths, an `Arc` of the
//! client) and register it with `add_owned_action`:
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use std::time::Duration;
//! use retry_rollback::RollbackContext;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let host = Arc::new(Mutex::new(vec!["binary"]));
//! let on_host = Arc::clone(&host);
//! let install = RollbackContext::scope("install node_exporter", async move |ctx| {
//!     ctx.add_owned_action("remove binary", move || {
//!         let host = Arc::clone(&on_host);
//!         async move {
//!             host.lock().unwrap().clear();
//!             Ok::<_, std::io::Error>(())
//!         }
//!     });
//!     // The service never starts; the caller gives up first.
//!     std::future::pending::<Result<(), std::io::Error>>().await
//! });
//! let timed_out = tokio::time::timeout(Duration::from_secs(60), install).await;
//! assert!(timed_out.is_err());
//!
//! tokio::task::yield_now().await; // let the background rollback run
//! assert!(host.lock().unwrap().is_empty());
//! # }
//! ```
//!
//! The background rollback has no caller to return its report to: its
//! only record is the log. A rollback's own future dropped while an undo
//! runs logs that undo as interrupted, never runs it again, and leaves the
//! rest to the background as above.
//!
//! ## Borrowing
//!
//! Undo actions may borrow from the caller, an installer's `&self`
//! included, for the lifetime `'a` of the [`RollbackContext<'a>`]. The
//! compiler refuses an action that would outlive what it borrows:
//!
//! ```compile_fail,E0597
//! use retry_rollback::RollbackContext;
//!
//! let mut ctx = RollbackContext::new("install node_exporter");
//! {
//!     let binary = String::from("/usr/local/bin/node_exporter");
//!     ctx.add_action("remove binary", || async {
//!         println!("rm {binary}");
//!         Ok::<_, std::io::Error>(())
//!     });
//! } // error: `binary` does not live long enough
//! drop(ctx);
//! ```
//!
//! Inside a scope, an action may borrow what the caller lent the scope,
//! but not what the body itself owns, since the body has ended by the
//! time its actions run; move such values into the action instead:
//!
//! ```compile_fail,E0373
//! use std::io;
//! use retry_rollback::{RollbackContext, RollbackError};
//!
//! async fn install() -> Result<(), RollbackError<io::Error>> {
//!     RollbackContext::scope("install node_exporter", async |ctx| {
//!         let binary = String::from("/usr/local/bin/node_exporter");
//!         ctx.add_action("remove binary", || async {
//!             println!("rm {binary}"); // error: the closure may outlive `binary`
//!             Ok::<_, io::Error>(())
//!         });
//!         Ok(())
//!     })
//!     .await
//! }
//! ```
//!
//! An owned action may not borrow at all:
//!
//! ```compile_fail,E0373
//! use retry_rollback::RollbackContext;
//!
//! let binary = String::from("/usr/local/bin/node_exporter");
//! let mut ctx = RollbackContext::new("install node_exporter");
//! ctx.add_owned_action("remove binary", || async {
//!     println!("rm {binary}"); // error: the closure may outlive `binary`
//!     Ok::<_, std::io::Error>(())
//! });
//! ```
//!
//! Undo actions and the body of a scope must be `Send`, so that the
//! scope's future is `Send` (when its value and error types are) and an
//! install can be spawned on a multi-threaded runtime.
//!
//! ## Rollback logs
//!
//! Under the same target, `retry_rollback`, with the fields `scope` and
//! `action`:
//!
//! | event | level | other fields |
//! |---|---|---|
//! | a rollback starts | INFO | `actions`, `cause` |
//! | an action was undone | INFO | `description`, `attempts`, `duration` |
//! | an action failed, timed out or panicked | ERROR | `description`, `attempts`, `duration`, `outcome` |
//! | the rollback ended, host clean | INFO | `actions` |
//! | the rollback ended, host dirty | ERROR | `actions`, `failed` |
//! | a committed scope failed: nothing to undo | INFO | `actions`, `cause` |
//! | a context was dropped while armed | WARN, or ERROR if an action cannot run | `actions`, `background`, `abandoned` |
//! | an action cannot run after a drop: abandoned | ERROR | `description`, `why` |
//! | an undo was interrupted while it ran | ERROR | |
//!
//! ## Limits of rollback
//!
//! - Undo actions that borrow cannot run once their scope's future is
//!   dropped; they are logged as abandoned, not run (see
//!   [Cancellation](#cancellation)).
//! - The background rollback needs a tokio runtime. A context dropped
//!   outside one, or while its runtime shuts down, logs its owned actions
//!   as abandoned instead.
//! - An undo that is itself cut off (by its timeout, or because the
//!   rollback's own future is dropped while it runs) stops at its next
//!   `.await`; what it had done so far stays done. Make undo actions safe
//!   to run on a half-undone step.
//! - The body of a scope must be `Send`, even where the scope's future is
//!   never sent: the scope boxes it as `dyn Future + Send`, because the
//!   compiler cannot yet prove, through an async closure, that the scope's
//!   future is `Send` when it is spawned (see [`ScopeBody`]).
//! - A panic is caught per undo with `catch_unwind`; with `panic = "abort"`
//!   there is nothing to catch and the process ends.
//!
//! # Retry logs
//!
//! The crate logs through `tracing` under the target `retry_rollback`; the
//! attributes log nothing themselves. The retry loop writes:
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
pub use retry_rollback_macros::{compensate, with_retry, with_rollback};

pub use config::{ConfigError, RetryConfig, RetryConfigBuilder};
pub use delays::{Delays, Jitter};
pub use retry::{
    Async, Blocking, NoHook, OnRetry, Operation, Retry, RetryOutcome, retry_blocking,
    retry_with_backoff,
};
pub use rollback::{
    ActionOptions, ActionReport, Failures, PlannedAction, RollbackContext, RollbackError,
    RollbackReport, Savepoints, ScopeBody, UndoOutcome,
};
