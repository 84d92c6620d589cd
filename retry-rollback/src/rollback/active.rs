//! The active scope: the rollback context that `#[with_rollback]` opens for
//! the current task, where `#[compensate]` registers the undo of each step
//! that succeeds.
//!
//! A function marked `#[compensate]` cannot see the scope of its caller, so
//! the scope is found at run time, in a tokio task-local. Its actions are
//! owned (`'static + Send`), which is also what lets them run in the
//! background when the scope's future is dropped half-way.
//!
//! Task-locals belong to one task: a task spawned inside a scope does not
//! see it, and a step that succeeds there is registered nowhere (it logs a
//! WARN saying so).

use std::fmt::{self, Display};
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::config::RetryConfig;
use crate::rollback::context::RollbackContext;
use crate::rollback::error::RollbackError;
use crate::rollback::report::RollbackReport;
use crate::rollback::run;

/// A handle to the context of one active scope. It is locked only to add
/// or take actions, never across an `.await`.
type Handle = Arc<Mutex<RollbackContext<'static>>>;

tokio::task_local! {
    static ACTIVE: Handle;
}

fn lock(handle: &Handle) -> MutexGuard<'_, RollbackContext<'static>> {
    handle.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The options of an undo registered by `#[compensate]`.
#[derive(Debug, Clone, Default)]
pub struct UndoOptions {
    /// A sentence saying what the undo does.
    pub description: Option<&'static str>,
    /// The time the undo may take, retries included.
    pub timeout: Option<Duration>,
    /// How to retry the undo itself.
    pub retry: Option<RetryConfig>,
}

/// Adds `undo`, named `undo_name`, to the innermost active scope of the
/// current task, after `step` succeeded. Outside any scope it logs a WARN
/// naming both and drops `undo`.
pub fn register<F, Fut, E>(
    step: &'static str,
    undo_name: &'static str,
    options: UndoOptions,
    undo: F,
) where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Display + 'static,
{
    let Ok(handle) = ACTIVE.try_with(Arc::clone) else {
        tracing::warn!(
            target: "retry_rollback",
            step,
            undo = undo_name,
            "step `{step}` succeeded outside any rollback scope; \
             its undo `{undo_name}` was not registered"
        );
        return;
    };
    let mut ctx = lock(&handle);
    let mut added = ctx.add_owned_action(undo_name, undo);
    if let Some(description) = options.description {
        added = added.description(description);
    }
    if let Some(timeout) = options.timeout {
        added = added.timeout(timeout);
    }
    if let Some(retry) = options.retry {
        added.retry(retry);
    }
}

/// Runs `body` inside a new active scope called `name`.
///
/// `Ok` commits: if an outer active scope exists, the actions go to it, as
/// a savepoint's do. `Err` rolls back this scope's actions, last first. A
/// panic rolls back, then resumes. A scope dropped half-way runs its
/// actions in the background, as any armed context does.
pub async fn scope<T, E, F>(name: &'static str, body: F) -> Result<T, RollbackError<E>>
where
    F: Future<Output = Result<T, E>> + Send,
    E: Display,
{
    let outer = ACTIVE.try_with(Arc::clone).ok();
    let handle: Handle = Arc::new(Mutex::new(RollbackContext::new(name)));
    // Limitation: boxed as `dyn Future + Send`, as a scope's body is (see
    // `RollbackContext::scope`): the compiler cannot otherwise prove the
    // panic guard around it `Send` for every lifetime.
    let body: Pin<Box<dyn Future<Output = Result<T, E>> + Send + '_>> =
        Box::pin(ACTIVE.scope(Arc::clone(&handle), body));
    let result = run::catch_panic(body).await;
    match result {
        Ok(Ok(value)) => {
            commit(&handle, outer);
            Ok(value)
        }
        Ok(Err(error)) => {
            let started = start(&handle, &error);
            let report = finish(started).await;
            Err(RollbackError::new(error, report))
        }
        Err(panic) => {
            let cause = Panicked(run::panic_message(&*panic).to_owned());
            let started = start(&handle, &cause);
            drop(cause);
            finish(started).await;
            std::panic::resume_unwind(panic)
        }
    }
}

/// Commits the scope of `handle`: its actions go to `outer`, if there is
/// one, or are dropped without running.
fn commit(handle: &Handle, outer: Option<Handle>) {
    let mut ctx = lock(handle);
    let actions = mem::take(&mut ctx.actions);
    ctx.commit();
    drop(ctx);
    if let Some(outer) = outer {
        lock(&outer).actions.extend(actions);
    }
}

/// Runs the rollback that [`start`] began, if it did.
async fn finish(started: Result<RollbackReport, RollbackContext<'static>>) -> RollbackReport {
    match started {
        Ok(skipped) => skipped,
        Err(mut ctx) => {
            let report = ctx.undo().await;
            ctx.commit();
            report
        }
    }
}

/// Takes the actions out of `handle`, so that its lock is not held across
/// the undo, and logs the start of their rollback. Returns the report of a
/// committed scope, or the context to roll back. The cause is only logged
/// here, before any `.await`, so that it need not be `Sync`.
fn start(handle: &Handle, cause: &dyn Display) -> Result<RollbackReport, RollbackContext<'static>> {
    let mut ctx = {
        let mut guard = lock(handle);
        let name = guard.name().to_owned();
        mem::replace(&mut *guard, RollbackContext::new(name))
    };
    match ctx.start_rollback(Some(cause)) {
        Some(skipped) => {
            ctx.commit();
            Ok(skipped)
        }
        None => Err(ctx),
    }
}

/// The cause of a rollback that a panic started.
struct Panicked(String);

impl Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the scope panicked: {}", self.0)
    }
}
