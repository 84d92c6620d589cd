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

use std::borrow::Cow;
use std::fmt::{self, Display};
use std::future::Future;
use std::mem;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::config::RetryConfig;
use crate::rollback::context::RollbackContext;
use crate::rollback::error::RollbackError;
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
pub(crate) fn register<F, Fut, E>(
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
pub(crate) async fn scope<T, E, F>(
    name: impl Into<Cow<'static, str>>,
    body: F,
) -> Result<T, RollbackError<E>>
where
    F: Future<Output = Result<T, E>>,
    E: Display,
{
    let outer = ACTIVE.try_with(Arc::clone).ok();
    let handle: Handle = Arc::new(Mutex::new(RollbackContext::new(name)));
    let result = run::catch_panic(ACTIVE.scope(Arc::clone(&handle), body)).await;
    match result {
        Ok(Ok(value)) => {
            let actions = mem::take(&mut lock(&handle).actions);
            match outer {
                Some(outer) => lock(&outer).actions.extend(actions),
                None => drop(actions),
            }
            lock(&handle).commit();
            Ok(value)
        }
        Ok(Err(error)) => {
            let report = undo(&handle, &error).await;
            Err(RollbackError::new(error, report))
        }
        Err(panic) => {
            let cause = Panicked(run::panic_message(&*panic));
            undo(&handle, &cause).await;
            std::panic::resume_unwind(panic)
        }
    }
}

/// Rolls back the actions of `handle`, taken out of it first so that the
/// lock is not held across the undo.
async fn undo(handle: &Handle, cause: &dyn Display) -> crate::RollbackReport {
    let mut ctx = {
        let mut guard = lock(handle);
        let name = guard.name().to_owned();
        mem::replace(&mut *guard, RollbackContext::new(name))
    };
    let report = match ctx.start_rollback(Some(cause)) {
        Some(skipped) => skipped,
        None => ctx.undo().await,
    };
    ctx.commit();
    report
}

/// The cause of a rollback that a panic started.
struct Panicked<'m>(&'m str);

impl Display for Panicked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the scope panicked: {}", self.0)
    }
}
