//! The scope forms: run a body with a context, commit on `Ok`, roll back
//! on `Err` or on a panic, and nest scopes like savepoints.

use std::borrow::Cow;
use std::fmt::{self, Display};
use std::future::Future;
use std::pin::Pin;

use crate::rollback::context::{RollbackContext, Savepoints};
use crate::rollback::error::RollbackError;
use crate::rollback::run;

impl<'a> RollbackContext<'a> {
    /// Runs `body` with a new context called `name`: commits when it
    /// returns `Ok`, rolls back when it returns `Err` or panics.
    ///
    /// This is the `async with` of a Python rollback context.
    ///
    /// - `Ok(value)`: the actions are dropped without running, and the
    ///   value is returned.
    /// - `Err(error)`: the actions run, last added first, and a
    ///   [`RollbackError`](RollbackError) holds the error and the
    ///   report.
    /// - A panic: the actions run, then the panic resumes.
    ///
    /// If the body calls [`disable`](Self::disable) and then fails, the
    /// actions are kept and reported as skipped.
    ///
    /// The body's future must be `Send`, like the undo actions (see
    /// [`ScopeBody`]); the scope's future is then `Send` when `T` and `E`
    /// are, so it may be spawned on a multi-threaded runtime. If it is
    /// dropped before it finishes, see
    /// [Dropped while armed](Self#dropped-while-armed).
    ///
    /// ```
    /// use std::io;
    /// use retry_rollback::RollbackContext;
    ///
    /// struct Installer;
    ///
    /// impl Installer {
    ///     async fn copy_binary(&self) -> io::Result<()> { Ok(()) }
    ///     async fn remove_binary(&self) -> io::Result<()> { Ok(()) }
    ///     async fn validate(&self) -> io::Result<()> {
    ///         Err(io::Error::other("exporter not answering"))
    ///     }
    ///
    ///     async fn install(&self) -> Result<(), retry_rollback::RollbackError<io::Error>> {
    ///         RollbackContext::scope("install node_exporter", async |ctx| {
    ///             self.copy_binary().await?;
    ///             ctx.add_action("remove binary", || self.remove_binary());
    ///             self.validate().await
    ///         })
    ///         .await
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let error = Installer.install().await.unwrap_err();
    /// assert_eq!(error.error().to_string(), "exporter not answering");
    /// assert_eq!(error.report().undone(), 1);
    /// # }
    /// ```
    pub async fn scope<T, E, F>(
        name: impl Into<Cow<'static, str>>,
        body: F,
    ) -> Result<T, RollbackError<E>>
    where
        F: AsyncFnOnce(&mut RollbackContext<'a>) -> Result<T, E>,
        F: for<'c> ScopeBody<'c, 'a, T, E>,
        E: Display,
    {
        let mut ctx = RollbackContext::new(name);
        let value = run_body(&mut ctx, body).await?;
        ctx.commit();
        Ok(value)
    }
}

impl<'a> Savepoints<'a> {
    /// Runs `body` in a nested scope called `name`, a savepoint of this
    /// one: its own actions are undone if it fails, and handed to this
    /// context if it succeeds (so that they are undone if this one fails
    /// later).
    ///
    /// It returns like [`RollbackContext::scope`]; its report holds only
    /// the nested scope's actions. A nested scope that calls `disable()`
    /// hands its actions over whether it fails or not.
    ///
    /// ```
    /// use std::io;
    /// use retry_rollback::RollbackContext;
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let result = RollbackContext::scope("install", async |ctx| {
    ///     ctx.add_action("remove binary", || async { Ok::<_, io::Error>(()) });
    ///     let optional = ctx
    ///         .scope("install dashboards", async |inner| {
    ///             inner.add_action("remove dashboards", || async { Ok::<_, io::Error>(()) });
    ///             Err::<(), _>(io::Error::other("grafana not reachable"))
    ///         })
    ///         .await;
    ///     // The dashboards are undone, the binary stays for now.
    ///     assert_eq!(optional.unwrap_err().report().actions()[0].name(), "remove dashboards");
    ///     assert_eq!(ctx.plan().len(), 1);
    ///     Ok::<_, io::Error>(())
    /// })
    /// .await;
    /// assert!(result.is_ok());
    /// # }
    /// ```
    pub async fn scope<T, E, F>(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        body: F,
    ) -> Result<T, RollbackError<E>>
    where
        F: AsyncFnOnce(&mut RollbackContext<'a>) -> Result<T, E>,
        F: for<'c> ScopeBody<'c, 'a, T, E>,
        E: Display,
    {
        let mut nested = Nested {
            outer: self,
            inner: RollbackContext::new(name),
        };
        run_body(&mut nested.inner, body).await
    }
}

/// Runs `body` on `ctx`; rolls `ctx` back if the body fails or panics.
/// On success the actions stay in `ctx`, for the caller to commit or hand
/// over.
async fn run_body<'a, T, E, F>(
    ctx: &mut RollbackContext<'a>,
    body: F,
) -> Result<T, RollbackError<E>>
where
    F: for<'c> ScopeBody<'c, 'a, T, E>,
    E: Display,
{
    // Limitation: the body's future is boxed as `dyn Future + Send`, which
    // is why a scope's body must be `Send`. Without the box, its type would
    // sit inside this future as a projection of the async closure, and the
    // compiler cannot prove such a future `Send` when it is spawned (its
    // check of async closures under erased lifetimes is too weak:
    // rust-lang/rust#110338).
    let future: Pin<Box<dyn Future<Output = Result<T, E>> + Send + '_>> = Box::pin(body.start(ctx));
    match run::catch_panic(future).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => {
            let report = match ctx.start_rollback(Some(&error)) {
                Some(skipped) => skipped,
                None => ctx.undo().await,
            };
            Err(RollbackError::new(error, report))
        }
        Err(panic) => {
            let cause = Panicked(run::panic_message(&*panic));
            if ctx.start_rollback(Some(&cause)).is_none() {
                ctx.undo().await;
            }
            std::panic::resume_unwind(panic)
        }
    }
}

/// The bound that lets a scope box its body's future as `Send`.
///
/// It is implemented for every `FnOnce(&mut RollbackContext<'a>)` whose
/// future is `Send`, async closures included, and cannot be implemented
/// elsewhere. `Arg` is always `&'c mut RollbackContext<'a>`; it is a
/// parameter only so that `for<'c> ScopeBody<'c, 'a, ..>` ranges over the
/// borrows `'c` that `'a` outlives.
pub trait ScopeBody<'c, 'a, T, E, Arg = &'c mut RollbackContext<'a>>:
    sealed::Sealed<'c, 'a, T, E, Arg>
{
    /// The body's future.
    type Future: Future<Output = Result<T, E>> + Send;

    /// Calls the body with the scope's context.
    fn start(self, ctx: Arg) -> Self::Future;
}

impl<'c, 'a, F, Fut, T, E> ScopeBody<'c, 'a, T, E, &'c mut RollbackContext<'a>> for F
where
    F: FnOnce(&'c mut RollbackContext<'a>) -> Fut,
    Fut: Future<Output = Result<T, E>> + Send,
{
    type Future = Fut;

    fn start(self, ctx: &'c mut RollbackContext<'a>) -> Fut {
        self(ctx)
    }
}

mod sealed {
    use std::future::Future;

    use crate::rollback::context::RollbackContext;

    pub trait Sealed<'c, 'a, T, E, Arg> {}

    impl<'c, 'a, F, Fut, T, E> Sealed<'c, 'a, T, E, &'c mut RollbackContext<'a>> for F
    where
        F: FnOnce(&'c mut RollbackContext<'a>) -> Fut,
        Fut: Future<Output = Result<T, E>> + Send,
    {
    }
}

/// A nested scope, open on top of its outer context.
///
/// Whatever is left of it when it ends, or when its future is dropped
/// half-way, goes onto the outer stack, so that the outer context undoes
/// everything in one pass, last first.
struct Nested<'o, 'a> {
    outer: &'o mut Savepoints<'a>,
    inner: RollbackContext<'a>,
}

impl Drop for Nested<'_, '_> {
    fn drop(&mut self) {
        self.outer.actions.append(&mut self.inner.actions);
    }
}

/// The cause of a rollback that a panic started.
struct Panicked<'m>(&'m str);

impl Display for Panicked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the scope panicked: {}", self.0)
    }
}
