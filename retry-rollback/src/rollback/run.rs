//! Running undo actions: one at a time, last added first, each with its
//! timeout, retries and panic guard, and every outcome logged.

use std::any::Any;
use std::borrow::Cow;
use std::fmt::Display;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use tokio::time::Instant;

use crate::retry::Retry;
use crate::rollback::action::{Action, UndoError};
use crate::rollback::report::{ActionReport, RollbackReport, UndoOutcome};

/// Logs the start of a rollback. Kept apart from [`undo_all`] so that the
/// cause, which need not be `Sync`, is not held across an `.await`.
pub(crate) fn log_start(scope: &str, actions: usize, cause: Option<&dyn Display>) {
    tracing::info!(
        target: "retry_rollback",
        scope,
        actions,
        cause = cause.map(tracing::field::display),
        "rolling back"
    );
}

/// Runs the actions of `stack`, last first, and reports on each.
///
/// Each action is taken off the stack just before it runs. If this future
/// is dropped half-way, the action that was running is logged as
/// interrupted and the rest stay on the stack for its owner to deal with.
pub(crate) async fn undo_all(
    scope: Cow<'static, str>,
    stack: &mut Vec<Action<'_>>,
) -> RollbackReport {
    let mut report = RollbackReport::new(scope, stack.len());
    while let Some(action) = stack.pop() {
        report.actions.push(undo_one(&report.scope, action).await);
    }
    log_end(&report);
    report
}

/// Runs one undo, with its timeout and retries, and catches its panic.
async fn undo_one(scope: &str, action: Action<'_>) -> ActionReport {
    if let Some(why) = action.abandoned() {
        log_abandoned(scope, &action.name, action.description.as_deref(), why);
        return ActionReport {
            name: action.name,
            description: action.description,
            outcome: UndoOutcome::Abandoned,
            attempts: 0,
            duration: Duration::ZERO,
        };
    }
    let Action {
        name,
        description,
        timeout,
        retry,
        mut undo,
    } = action;
    let interrupted = Interrupted {
        scope,
        action: &name,
        armed: true,
    };
    let started = Instant::now();
    let mut attempts = 0;
    let result = {
        let attempts = &mut attempts;
        let undo = &mut undo;
        let retry = retry.as_deref();
        catch_panic(async move {
            let run = async move {
                match retry {
                    None => {
                        *attempts += 1;
                        undo.attempt().await
                    }
                    Some(config) => {
                        Retry::new(config, || {
                            *attempts += 1;
                            undo.attempt()
                        })
                        .run()
                        .await
                    }
                }
            };
            match timeout {
                None => Ok(run.await),
                Some(limit) => tokio::time::timeout(limit, run).await.map_err(|_| limit),
            }
        })
        .await
    };
    interrupted.disarm();
    let outcome = match result {
        Ok(Ok(Ok(()))) => UndoOutcome::Undone,
        Ok(Ok(Err(UndoError::Failed(error)))) => UndoOutcome::Failed(error),
        Ok(Ok(Err(UndoError::TimedOut(timed_out)))) => UndoOutcome::TimedOut(timed_out.after()),
        Ok(Err(limit)) => UndoOutcome::TimedOut(limit),
        Err(panic) => UndoOutcome::Panicked(panic_message(&*panic).to_owned()),
    };
    let report = ActionReport {
        name,
        description,
        outcome,
        attempts,
        duration: started.elapsed(),
    };
    log_action(scope, &report);
    report
}

/// Polls `future`, turning a panic into an `Err` with its payload.
///
/// A future that panicked is not polled again.
pub(crate) async fn catch_panic<F: Future>(future: F) -> Result<F::Output, Box<dyn Any + Send>> {
    let mut future = pin!(future);
    poll_fn(
        move |cx| match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        },
    )
    .await
}

/// The text of a panic, when it has one.
pub(crate) fn panic_message(panic: &(dyn Any + Send)) -> &str {
    if let Some(message) = panic.downcast_ref::<&'static str>() {
        message
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message
    } else {
        "a panic without a message"
    }
}

fn log_action(scope: &str, report: &ActionReport) {
    let action = report.name();
    let description = report.description().unwrap_or("");
    let attempts = report.attempts();
    let duration = report.duration();
    match report.outcome() {
        UndoOutcome::Undone => tracing::info!(
            target: "retry_rollback",
            scope,
            action,
            description,
            attempts,
            ?duration,
            "undone"
        ),
        outcome => tracing::error!(
            target: "retry_rollback",
            scope,
            action,
            description,
            attempts,
            ?duration,
            outcome = %outcome,
            "undo failed"
        ),
    }
}

/// Logs an undo action that cannot run, and why.
pub(crate) fn log_abandoned(scope: &str, action: &str, description: Option<&str>, why: &str) {
    tracing::error!(
        target: "retry_rollback",
        scope,
        action,
        description = description.unwrap_or(""),
        why,
        "undo abandoned"
    );
}

/// Logs the summary line: INFO when the host is clean, ERROR when not.
pub(crate) fn log_end(report: &RollbackReport) {
    let scope = report.scope();
    let actions = report.actions().len();
    let failed = report.failures().count();
    if failed == 0 {
        tracing::info!(
            target: "retry_rollback",
            scope,
            actions,
            "rollback finished, host clean"
        );
    } else {
        tracing::error!(
            target: "retry_rollback",
            scope,
            actions,
            failed,
            "rollback finished, host dirty"
        );
    }
}

/// Logs an undo whose future was dropped while it ran.
struct Interrupted<'n> {
    scope: &'n str,
    action: &'n str,
    armed: bool,
}

impl Interrupted<'_> {
    /// The undo ended, one way or another: nothing to log here.
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Interrupted<'_> {
    fn drop(&mut self) {
        if self.armed {
            tracing::error!(
                target: "retry_rollback",
                scope = self.scope,
                action = self.action,
                "undo interrupted: the rollback was dropped while it ran, \
                 its step may be half undone"
            );
        }
    }
}
