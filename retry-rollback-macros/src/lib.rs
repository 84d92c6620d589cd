//! The attributes of the `retry-rollback` crate. Use them through
//! `retry-rollback`, which re-exports them with the runtime they call.

mod common;
mod compensate;
mod fallback;
mod with_retry;
mod with_rollback;

use proc_macro::TokenStream;

/// Retries a function that returns a `Result`, with exponential backoff.
///
/// ```
/// use std::io;
/// use retry_rollback::with_retry;
///
/// #[with_retry(max_attempts = 3, backoff = 2.0, initial_delay = 1)]
/// async fn download_installer(url: &str) -> io::Result<Vec<u8>> {
///     # let _ = url;
///     Ok(b"node_exporter".to_vec())
/// }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> io::Result<()> {
/// assert_eq!(download_installer("http://127.0.0.1/exporter").await?, b"node_exporter");
/// # Ok(())
/// # }
/// ```
///
/// Each failed attempt is logged by the runtime, and the function returns
/// the value of the first attempt that succeeds or the error of the last
/// one. `?` and `return` in the body end the attempt, not the loop.
///
/// # Arguments
///
/// | argument | value | default |
/// |---|---|---|
/// | `max_attempts` | attempts, the first included: `3` | 3 |
/// | `backoff` | the factor between delays: `2.0` | 2.0 |
/// | `initial_delay` | the delay before the first retry | 1 s |
/// | `max_delay` | the longest delay | 60 s |
/// | `timeout` | how long one attempt may run (async functions only) | none |
/// | `deadline` | how long all attempts together may run | none |
/// | `jitter` | `none`, `full`, `equal` or `decorrelated` | `none` |
/// | `preset` | `aggressive`, `conservative`, `network_operation` or `file_operation` | |
/// | `config` | any expression of type `RetryConfig` or `&RetryConfig` | |
/// | `retry_if` | a path or closure `FnMut(&E) -> bool`; `false` stops at once | every error is retried |
/// | `on_retry` | a path or closure `FnMut(u32, Duration, &E)`, called before each sleep | |
/// | `crate` | the path of the runtime crate | `::retry_rollback` |
///
/// Delays are seconds as a number (`initial_delay = 0.5`) or any
/// `Duration` expression (`initial_delay = Duration::from_millis(500)`).
/// Bare `#[with_retry]` uses `RetryConfig::default()`. `preset` or `config`
/// gives the base configuration, and the other arguments beside it
/// override its values; `preset` and `config` cannot be given together.
/// `config` is evaluated, and cloned, on each call, so it may read a field
/// of `self`:
///
/// ```
/// use std::io;
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use retry_rollback::{with_retry, RetryConfig};
///
/// struct Installer {
///     retry: RetryConfig,
///     calls: AtomicU32,
/// }
///
/// impl Installer {
///     #[with_retry(config = self.retry, max_attempts = 2)]
///     async fn copy_service(&self, name: &str) -> io::Result<()> {
///         self.calls.fetch_add(1, Ordering::SeqCst);
///         Err(io::Error::new(io::ErrorKind::ConnectionReset, format!("copy {name}")))
///     }
/// }
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let installer = Installer { retry: RetryConfig::network_operation(), calls: AtomicU32::new(0) };
/// assert!(installer.copy_service("node_exporter").await.is_err());
/// assert_eq!(installer.calls.load(Ordering::SeqCst), 2);
/// # }
/// ```
///
/// # What the error type needs
///
/// The error type `E` of the `Result` must be `Display`, for the log. When
/// an attempt can be cut off, because `timeout`, `deadline` or `config` is
/// given, it must also be `From<TimedOut>`, so that the cut attempt can be
/// returned as an error of that type (`std::io::Error` and `anyhow::Error`
/// already are). Presets and the default have no time limit, so they need
/// only `Display`.
///
/// # What it works on
///
/// `async fn` and plain `fn` (which sleeps the thread between attempts);
/// free functions, methods with `&self`, `&mut self` or `self: Arc<Self>`,
/// methods of trait impls; generics, lifetimes, where clauses, `impl Trait`
/// and pattern arguments. The signature, visibility, documentation and
/// other attributes stay as written; only the body is rebuilt.
///
/// Each attempt gets fresh arguments: shared references are passed as they
/// are, `&mut` references are reborrowed, and owned values are cloned, so
/// an owned argument must be `Clone`:
///
/// ```compile_fail,E0277
/// use retry_rollback::with_retry;
///
/// struct Payload(Vec<u8>); // not `Clone`
///
/// #[with_retry]
/// async fn upload(payload: Payload) -> Result<(), String> {
/// //              ^^^^^^^ the trait `Clone` is not implemented for `Payload`
///     Ok(drop(payload))
/// }
/// ```
///
/// With `#[async_trait]`, put `#[async_trait]` on the impl and
/// `#[with_retry]` on the method: `#[async_trait]` runs first and
/// `#[with_retry]` recognises the method it rewrote, placing the loop
/// inside the boxed future. An owned `self` is cloned for each attempt
/// there.
///
/// With `#[tracing::instrument]`, the attribute written first runs first,
/// and the order chooses what one span covers:
///
/// - `#[with_retry]` above `#[instrument]` (the usual order): the body
///   becomes the retry loop first, and `#[instrument]` wraps the whole call
///   in one span, in which the runtime records each failed attempt.
/// - `#[instrument]` above `#[with_retry]`: each attempt runs the
///   instrumented body and opens its own span. `#[instrument]` moves the
///   arguments into its block, so this order does not compile for `&mut
///   self` methods; use the other order there.
///
/// # Expansion
///
/// ```text
/// #[with_retry(max_attempts = 3)]
/// async fn fetch(url: &str, mut attempt_log: Vec<String>) -> io::Result<Vec<u8>> { body }
/// ```
///
/// becomes, in outline (generated names are shortened here):
///
/// ```text
/// async fn fetch(url: &str, mut attempt_log: Vec<String>) -> io::Result<Vec<u8>> {
///     let config = RetryConfig::builder().max_attempts(3u32).build();
///     let mut driver = Driver::new(&config, PhantomData::<io::Result<Vec<u8>>>);
///     let _ = &mut attempt_log;
///     loop {
///         let attempt = driver.start();
///         let result = {
///             let mut attempt_log = Clone::clone(&attempt_log);
///             async { body }.await // `driver.timed(async { body }).await` with a time limit
///         };
///         let error = match result {
///             Ok(value) => { driver.succeeded(); return Ok(value); }
///             Err(error) => error,
///         };
///         match driver.failed(attempt, &error) {
///             Some(delay) => sleep(delay).await,
///             None => return Err(error),
///         }
///     }
/// }
/// ```
///
/// Nothing is allocated beyond what the body does.
///
/// # Panics
///
/// Values written as literals are checked when the function compiles.
/// Values written as expressions are checked by `RetryConfigBuilder::build`
/// on each call, and a call panics when they make no valid configuration
/// (an `initial_delay` longer than `max_delay`, for instance).
///
/// # Limits
///
/// - An owned `self` (`self`, `self: Arc<Self>`) is borrowed by each
///   attempt rather than cloned, except under `#[async_trait]`, because
///   `self` cannot be bound afresh inside the body; a body that moves
///   `self` out does not compile:
///
///   ```compile_fail,E0382
///   use std::sync::Arc;
///   use retry_rollback::with_retry;
///
///   struct Agent;
///
///   impl Agent {
///       #[with_retry]
///       async fn start(self: Arc<Self>) -> Result<Arc<Self>, String> {
///           Ok(self) // use of moved value: `self`
///       }
///   }
///   ```
///
/// - Owned arguments are cloned for every attempt, the last one included.
/// - Under `#[async_trait]`, only the current shape of its output is
///   recognised, a body ending in `Box::pin(async move { .. })`.
/// - The return type is recognised by its name: its last path segment must
///   end in `Result`, and it must be a `Result` once aliases are resolved.
///   A return type containing `impl Trait` is not supported.
/// - `timeout` does not apply to a plain `fn`, whose attempts cannot be cut
///   off; it is refused there, and `deadline` only stops further retries.
#[proc_macro_attribute]
pub fn with_retry(args: TokenStream, item: TokenStream) -> TokenStream {
    with_retry::with_retry(args.into(), item.into()).into()
}

/// Registers the undo of a step when the step succeeds.
#[proc_macro_attribute]
pub fn compensate(args: TokenStream, item: TokenStream) -> TokenStream {
    compensate::compensate(args.into(), item.into()).into()
}

/// Runs a function's body in a rollback scope.
#[proc_macro_attribute]
pub fn with_rollback(args: TokenStream, item: TokenStream) -> TokenStream {
    with_rollback::with_rollback(args.into(), item.into()).into()
}
