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
/// When the error type is [`Retryable`](../retry_rollback/trait.Retryable.html),
/// a retried error's `retry_after()` hint is honoured as
/// [`Retry::retry_transient`](../retry_rollback/struct.Retry.html#method.retry_transient)
/// honours it: the loop waits at least that long, never past its deadline
/// or its last attempt. Which errors are retried is still `retry_if`'s to
/// say (`retry_if = Retryable::is_transient` for the trait's own answer).
/// Inside a generic function whose error type is a type parameter, the
/// type is not known to be `Retryable`, and no hint is read.
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
/// async fn fetch(url: &str, mut attempt_log: Vec<String>) -> io::Result<Vec<u8>> {
///     let page = get(url).await?;
///     Ok(page)
/// }
/// ```
///
/// becomes, in outline (generated names are shortened here):
///
/// ```text
/// async fn fetch(url: &str, mut attempt_log: Vec<String>) -> io::Result<Vec<u8>> {
///     static CONFIG: RetryConfig = /* built at compile time */;
///     let _ = &mut attempt_log;
///     let mut carried = (Driver::lean(&CONFIG, ..), (url, attempt_log));
///     loop {
///         let (delay, driver, (url, attempt_log)) = {
///             let (mut driver, (url, attempt_log)) = carried;
///             driver.start();
///             let result: io::Result<Vec<u8>> = 'attempt: {
///                 let mut attempt_log = Clone::clone(&attempt_log);
///                 let page = match Branch::branch(get(url).await) {
///                     Ok(value) => value,
///                     Err(error) => break 'attempt Err(From::from(error)),
///                 };
///                 Ok(page)
///             };
///             let error = match result {
///                 Ok(value) => { driver.succeeded(); return Ok(value); }
///                 Err(error) => error,
///             };
///             match driver.failed(&error, /* its retry-after hint */) {
///                 Some(delay) => (delay, driver, (url, attempt_log)),
///                 None => return Err(error),
///             }
///         };
///         carried = sleep(delay, (driver, (url, attempt_log))).await;
///     }
/// }
/// ```
///
/// Each attempt runs in the function itself, as a labeled block: `?` and
/// `return` that belong to the body become a `break` out of that block
/// (those inside closures, `async` blocks and nested functions stay theirs).
/// The driver and the arguments move from one attempt to the next, and
/// through the pause between them, rather than staying in place; the
/// function's future therefore stores nothing of the loop on a first-try
/// success, which costs what the bare function costs (see BENCHMARKS.md).
///
/// A macro can return from a function without a `return` in its tokens, as
/// `anyhow::bail!` does. A body that calls any macro besides a short list
/// of `std`, `core`, `alloc`, `tracing` and `log` ones (`format!`,
/// `println!`, `assert!`, `info!` and the like), or passes one a `?` or a
/// `return`, runs each attempt in an inner `async` block instead (a
/// closure for a plain `fn`), where such a macro ends the attempt too. So
/// does an attempt under a time limit, which needs a future of its own to
/// cut off: `driver.timed(async { body }).await`. The behaviour is the
/// same; the inner block costs a nanosecond or two per call.
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

/// Registers the undo of a step when the step succeeds, in the rollback
/// scope that is active for the current task.
///
/// The function runs as written. When it returns `Ok`, its undo is
/// registered, once, as an owned action of the innermost scope opened by
/// [`#[with_rollback]`](macro@with_rollback); when it returns `Err`,
/// nothing is registered. A scope that fails later runs the undo actions,
/// last registered first.
///
/// ```
/// use std::io;
/// use std::sync::{Arc, Mutex};
/// use retry_rollback::{compensate, with_rollback, RollbackError};
///
/// #[derive(Clone, Default)]
/// struct Installer {
///     installed: Arc<Mutex<Vec<String>>>,
/// }
///
/// impl Installer {
///     #[compensate(self.remove_file(dest))]
///     async fn copy_file(&self, dest: &str) -> io::Result<()> {
///         self.installed.lock().unwrap().push(dest.to_owned());
///         Ok(())
///     }
///
///     async fn remove_file(&self, dest: &str) -> io::Result<()> {
///         self.installed.lock().unwrap().retain(|file| file != dest);
///         Ok(())
///     }
///
///     #[with_rollback]
///     async fn install(&self) -> Result<(), RollbackError<io::Error>> {
///         self.copy_file("/usr/local/bin/node_exporter").await?;
///         self.copy_file("/etc/systemd/system/node_exporter.service").await?;
///         Err(io::Error::other("exporter not answering"))
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let installer = Installer::default();
/// let error = installer.install().await.unwrap_err();
/// assert_eq!(error.report().undone(), 2);
/// assert!(installer.installed.lock().unwrap().is_empty());
/// # }
/// ```
///
/// A step that succeeds outside any scope is never silent: it logs a WARN
/// naming the step and its undo, ``step `copy_file` succeeded outside any
/// rollback scope; its undo `remove_file` was not registered``. This is
/// always a run-time WARN, never a compile error: whether a scope is
/// active depends on the caller (the same step may run inside an install
/// and alone in a test), and a caller's scope is not visible where the
/// step is compiled.
///
/// # The undo
///
/// The first argument is the undo, written one of two ways:
///
/// - a path to a function, called with the forward function's arguments:
///   `#[compensate(Self::remove_service)]` on `async fn
///   create_service(&self, name: &str, port: u16)` calls
///   `Self::remove_service(&this, name, port).await`;
/// - a call or a method call over the arguments, `self` and the success
///   value, named `value`: `#[compensate(self.remove_file(dest))]`,
///   `#[compensate(self.stop(value.pid))]`. An argument may not be called
///   `value` when the undo uses `value`.
///
/// The undo is an `async fn` (or any call that returns a future) of
/// `Result<(), E>` with `E: Display`; its error is kept as text in the
/// report. It is awaited by the macro: do not write `.await`.
///
/// # Arguments
///
/// | argument | value | default |
/// |---|---|---|
/// | the undo | a function path or a call, first | required |
/// | `name` | the action's name in logs and reports: `name = "remove binary"` | the undo function's or method's name |
/// | `description` | a sentence for the plan and the report | the first line of the undo function's doc comment |
/// | `timeout` | how long the undo may take, retries included: seconds (`timeout = 30`) or a `Duration` expression | none |
/// | `retry` | retry the undo with a preset: `aggressive`, `conservative`, `network_operation`, `file_operation` | not retried |
/// | `config` | retry the undo with any `RetryConfig` expression, evaluated when the step succeeds | not retried |
/// | `crate` | the path of the runtime crate | `::retry_rollback` |
///
/// `retry` and `config` cannot be given together.
///
/// # What the undo captures
///
/// The undo runs after the function returned, perhaps in a background
/// task, so it owns everything it uses (`'static + Send`). The undo
/// expression is scanned for the argument names, `self` and `value`, and
/// only those are captured:
///
/// - an owned argument is cloned before the body runs, since the body may
///   move it;
/// - a reference argument `&T` is made owned with `ToOwned` when the step
///   succeeds, and handed back to the undo as `&T` with `Borrow::borrow`
///   (`&str` is kept as a `String`, `&Path` as a `PathBuf`);
/// - `&self` and `&mut self` are cloned when the step succeeds, so `Self`
///   must be `Clone + Send + 'static`: an installer that holds its state
///   in `Arc`s is cheap to clone, and its clone reaches the same state;
/// - `self: Arc<Self>` is cloned before the body runs;
/// - `value` is cloned when the step succeeds.
///
/// The undo may be called more than once when it is retried: each call
/// clones what it captured again, so every attempt gets fresh values. A
/// captured value that is not `Clone` is reported at the argument.
///
/// # With `#[with_retry]`
///
/// Both orders work, and in both the forward step is retried and its undo
/// registered once, after the attempt that succeeded:
///
/// - `#[compensate]` above `#[with_retry]`: `#[compensate]` expands first
///   and leaves `#[with_retry]` on the function, which then retries the
///   body that registers on success; only the attempt that succeeds
///   reaches the registration.
/// - `#[with_retry]` above `#[compensate]`: the body becomes the retry loop
///   first, and `#[compensate]` registers when the whole loop returns `Ok`.
///
/// ```
/// use std::io;
/// use retry_rollback::{compensate, with_retry};
///
/// #[derive(Clone)]
/// struct Installer;
///
/// impl Installer {
///     #[compensate(Self::remove_download, retry = file_operation, timeout = 30)]
///     #[with_retry(preset = network_operation)]
///     async fn download(&self, url: &str) -> io::Result<()> {
///         # let _ = url;
///         Ok(())
///     }
///
///     async fn remove_download(&self, url: &str) -> io::Result<()> {
///         # let _ = url;
///         Ok(())
///     }
/// }
/// ```
///
/// # Expansion
///
/// ```text
/// #[compensate(self.remove_file(dest))]
/// async fn copy_file(&self, dest: &Path) -> io::Result<u64> { body }
/// ```
///
/// becomes, in outline (generated names are shortened here):
///
/// ```text
/// async fn copy_file(&self, dest: &Path) -> io::Result<u64> {
///     let result: io::Result<u64> = async { body }.await;
///     if let Ok(ok) = &result {
///         let this = Clone::clone(self);
///         let dest_owned = to_owned::<Path>(&*dest);
///         register("copy_file", "remove_file", UndoOptions { .. }, move || {
///             let this = Clone::clone(&this);
///             let dest_owned = Clone::clone(&dest_owned);
///             async move {
///                 let dest: &Path = Borrow::borrow(&dest_owned);
///                 this.remove_file(dest).await
///             }
///         });
///     }
///     result
/// }
/// ```
///
/// A plain `fn` runs its body in a closure called at once instead of an
/// `async` block; in both, `return` and `?` keep working. The signature,
/// visibility, documentation and other attributes stay as written.
///
/// # Limits
///
/// - The undo is an owned action. An installer that borrows cannot
///   register an undo that uses `self`, since the undo could outlive the
///   borrow; the compiler refuses it. Register a borrowing undo with
///   `RollbackContext::add_action` instead, in an explicit
///   `RollbackContext::scope`:
///
///   ```compile_fail
///   use std::path::Path;
///   use retry_rollback::compensate;
///
///   #[derive(Clone)]
///   struct Installer<'a> {
///       root: &'a Path,
///   }
///
///   impl Installer<'_> {
///       #[compensate(self.remove_binary())] // `self` would escape the borrow
///       async fn install_binary(&self) -> Result<(), String> {
///           Ok(())
///       }
///
///       async fn remove_binary(&self) -> Result<(), String> {
///           Ok(())
///       }
///   }
///   ```
///
/// - A macro sees only the item it is on, so the undo function's doc
///   comment is read from the source file of the step: an undo defined in
///   another file, or whose name several functions of the file share with
///   different docs, has no default description; write
///   `description = "..."`.
/// - The active scope is a tokio task-local: a task spawned inside a scope
///   does not see it, and its steps are registered nowhere (with a WARN).
/// - Only arguments bound to a plain name are captured; an argument
///   written as a pattern (`(host, port): (String, u16)`) cannot be used
///   by the undo.
/// - The return type is recognised by its name: its last path segment must
///   end in `Result`.
/// - Methods that `#[async_trait]` already rewrote return a boxed future,
///   not a `Result`, and are refused; call a `#[compensate]` inherent
///   method from the trait method instead.
/// - A reference argument's type may not hold `impl Trait`, nor a type
///   whose owned form borrows.
#[proc_macro_attribute]
pub fn compensate(args: TokenStream, item: TokenStream) -> TokenStream {
    compensate::compensate(args.into(), item.into()).into()
}

/// Runs a function's body in a rollback scope, the `async with
/// RollbackContext(...)` of Python: the undo actions that
/// [`#[compensate]`](macro@compensate) steps register while it runs are
/// kept if the body returns `Ok`, and run, last first, if it returns `Err`
/// or panics.
///
/// ```
/// use std::io;
/// use std::sync::{Arc, Mutex};
/// use retry_rollback::{compensate, with_rollback, RollbackError};
///
/// #[derive(Clone, Default)]
/// struct Host {
///     units: Arc<Mutex<Vec<&'static str>>>,
/// }
///
/// impl Host {
///     #[compensate(self.disable(unit))]
///     async fn enable(&self, unit: &'static str) -> io::Result<()> {
///         self.units.lock().unwrap().push(unit);
///         Ok(())
///     }
///
///     async fn disable(&self, unit: &'static str) -> io::Result<()> {
///         self.units.lock().unwrap().retain(|u| *u != unit);
///         Ok(())
///     }
///
///     #[with_rollback(name = "enable exporters")]
///     async fn enable_all(&self) -> Result<(), RollbackError<io::Error>> {
///         self.enable("node_exporter").await?;
///         self.enable("blackbox_exporter").await?;
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let host = Host::default();
/// host.enable_all().await.unwrap();
/// assert_eq!(*host.units.lock().unwrap(), ["node_exporter", "blackbox_exporter"]);
/// # }
/// ```
///
/// # Arguments
///
/// | argument | value | default |
/// |---|---|---|
/// | `name` | the scope's name in logs and reports: `name = "install node_exporter"` | the function's name |
/// | `crate` | the path of the runtime crate | `::retry_rollback` |
///
/// # The error
///
/// The return type chooses the error the body works in:
///
/// - `Result<T, RollbackError<E>>`: the body works in `E` (its `?`
///   converts into `E`), and the caller gets the body's error with the
///   rollback's report, as the examples above show.
/// - any other `Result<T, MyError>`: the body works in `MyError`, and the
///   scope's `RollbackError<MyError>` is converted with a `From` impl that
///   you write:
///
/// ```
/// use std::fmt;
/// use retry_rollback::{with_rollback, RollbackError};
///
/// #[derive(Debug)]
/// enum InstallError {
///     Step(String),
///     RolledBack { cause: String, clean: bool },
/// }
///
/// impl fmt::Display for InstallError {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         match self {
///             InstallError::Step(step) => write!(f, "{step} failed"),
///             InstallError::RolledBack { cause, clean } => {
///                 write!(f, "{cause}; rolled back, clean: {clean}")
///             }
///         }
///     }
/// }
///
/// impl From<RollbackError<InstallError>> for InstallError {
///     fn from(error: RollbackError<InstallError>) -> Self {
///         let clean = error.is_clean();
///         InstallError::RolledBack { cause: error.into_inner().to_string(), clean }
///     }
/// }
///
/// #[with_rollback]
/// async fn install() -> Result<(), InstallError> {
///     Err(InstallError::Step(String::from("download")))
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let error = install().await.unwrap_err();
/// assert_eq!(error.to_string(), "download failed; rolled back, clean: true");
/// # }
/// ```
///
/// # Nested scopes
///
/// A `#[with_rollback]` function called inside another one's scope is a
/// savepoint: if it fails, only its own actions are undone; if it
/// succeeds, its actions join the outer scope, to be undone if the outer
/// one fails later. The nested function's `RollbackError<E>` is the
/// caller's to handle: match it to go on without the optional part, or
/// give up with `.map_err(RollbackError::into_inner)?`, which undoes the
/// outer scope as well.
///
/// # Expansion
///
/// ```text
/// #[with_rollback]
/// async fn install(&self) -> Result<(), RollbackError<io::Error>> { body }
/// ```
///
/// becomes, in outline:
///
/// ```text
/// async fn install(&self) -> Result<(), RollbackError<io::Error>> {
///     scope("install", async { body /* typed as Result<(), io::Error> */ }).await
/// }
/// ```
///
/// and with any other error type, `match scope(..).await { Ok(v) => Ok(v),
/// Err(e) => Err(From::from(e)) }`.
///
/// # Cancellation and panics
///
/// A panic in the body rolls the scope back, then resumes. A scope whose
/// future is dropped half-way (by a `tokio::time::timeout`, say) runs its
/// undo actions in a background task, since `#[compensate]` actions are
/// owned.
///
/// # Limits
///
/// - The function must be an `async fn`, and its body's future `Send`
///   (the body is boxed as `dyn Future + Send`), as the body of
///   `RollbackContext::scope` is.
/// - Only steps that run in the same task see the scope: a task spawned
///   inside it does not (tokio task-locals are per task).
/// - A body's future that is not `Send` does not compile:
///
///   ```compile_fail
///   use std::rc::Rc;
///   use retry_rollback::{with_rollback, RollbackError};
///
///   async fn pause() {}
///
///   #[with_rollback]
///   async fn install() -> Result<(), RollbackError<String>> {
///       let shared = Rc::new(1); // not `Send`, held across an await
///       pause().await;
///       drop(shared);
///       Ok(())
///   }
///   ```
#[proc_macro_attribute]
pub fn with_rollback(args: TokenStream, item: TokenStream) -> TokenStream {
    with_rollback::with_rollback(args.into(), item.into()).into()
}
