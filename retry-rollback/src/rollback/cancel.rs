//! A context dropped while armed: the owned undo actions go to a
//! background task, the borrowing ones are reported as abandoned.

use std::borrow::Cow;
use std::mem;

use crate::rollback::action::Action;
use crate::rollback::context::{RollbackContext, Savepoints};
use crate::rollback::run;

/// What the background rollback gives as its cause.
const CAUSE: &str = "the scope was dropped before it finished";

/// Hands the owned actions of `stack` to a task on the current runtime,
/// and logs every action that cannot run.
pub(crate) fn dropped_while_armed(stack: &mut Savepoints<'_>) {
    let scope = &*stack.name;
    let actions = mem::take(&mut stack.actions);
    let total = actions.len();
    let mut owned = Vec::new();
    for action in actions.into_iter().rev() {
        if !action.is_owned() {
            abandon(
                scope,
                &action,
                "it borrows from the dropped scope, so it cannot run after it; \
                 use add_owned_action for an undo that must survive cancellation",
            );
        } else if let Some(action) = action.into_owned() {
            owned.push(action);
        }
    }
    let abandoned = total - owned.len();
    if owned.is_empty() {
        tracing::error!(
            target: "retry_rollback",
            scope,
            actions = total,
            abandoned,
            "rollback context dropped while armed, no undo action can run"
        );
        return;
    }
    if stack.in_background {
        for action in &owned {
            abandon(scope, action, "the background rollback was dropped");
        }
        return;
    }
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        for action in &owned {
            abandon(scope, action, "no tokio runtime is running to undo it on");
        }
        return;
    };
    if abandoned > 0 {
        tracing::error!(
            target: "retry_rollback",
            scope,
            actions = total,
            abandoned,
            background = owned.len(),
            "rollback context dropped while armed, \
             some undo actions cannot run, the others run in the background"
        );
    } else {
        tracing::warn!(
            target: "retry_rollback",
            scope,
            actions = total,
            background = owned.len(),
            "rollback context dropped while armed, undo actions run in the background"
        );
    }
    // `owned` is in the order the actions run; the stack pops from its end.
    owned.reverse();
    let name: Cow<'static, str> = stack.name.clone();
    runtime.spawn(undo_in_background(name, owned));
}

async fn undo_in_background(name: Cow<'static, str>, actions: Vec<Action<'static>>) {
    let mut ctx = RollbackContext::in_background(name, actions);
    let stack: &mut Savepoints<'static> = &mut ctx;
    run::log_start(&stack.name, stack.actions.len(), Some(&CAUSE));
    run::undo_all(stack.name.clone(), &mut stack.actions).await;
}

fn abandon(scope: &str, action: &Action<'_>, why: &str) {
    tracing::error!(
        target: "retry_rollback",
        scope,
        action = &*action.name,
        description = action.description.as_deref().unwrap_or(""),
        why,
        "undo abandoned"
    );
}
