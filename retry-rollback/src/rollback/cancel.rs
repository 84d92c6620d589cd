//! A context dropped while armed: its undo actions go to a background task
//! if any can run there; every one that cannot is reported as abandoned.

use std::borrow::Cow;
use std::mem;

use crate::rollback::action::Action;
use crate::rollback::context::{RollbackContext, Savepoints};
use crate::rollback::run;

/// What the background rollback gives as its cause.
const CAUSE: &str = "the scope was dropped before it finished";

/// Why an undo that borrows is abandoned.
const BORROWS: &str = "it borrows from the dropped scope, so it cannot run after it; \
                       use add_owned_action for an undo that must survive cancellation";

/// Why an owned undo is abandoned outside a runtime.
const NO_RUNTIME: &str = "no tokio runtime is running to undo it on";

/// Why an owned undo is abandoned when the background rollback is dropped.
const DROPPED_AGAIN: &str = "the background rollback was dropped before it ran";

/// Hands the actions of `stack` to a task on the current runtime, where
/// the owned ones run and the borrowing ones are reported as abandoned; or,
/// if none can run there, reports them all as abandoned now.
pub(crate) fn dropped_while_armed(stack: &mut Savepoints<'_>) {
    let scope = &*stack.name;
    let actions = mem::take(&mut stack.actions);
    let total = actions.len();
    let owned = actions.iter().filter(|action| action.is_owned()).count();
    let runtime = match stack.in_background {
        true => None,
        false => tokio::runtime::Handle::try_current().ok(),
    };
    let Some(runtime) = runtime.filter(|_| owned > 0) else {
        let why_owned = if stack.in_background {
            DROPPED_AGAIN
        } else {
            NO_RUNTIME
        };
        for action in actions.iter().rev() {
            let why = match action.abandoned() {
                Some(why) => why,
                None if action.is_owned() => why_owned,
                None => BORROWS,
            };
            run::log_abandoned(scope, &action.name, action.description.as_deref(), why);
        }
        tracing::error!(
            target: "retry_rollback",
            scope,
            actions = total,
            abandoned = total,
            "rollback context dropped while armed, no undo action can run"
        );
        return;
    };
    let abandoned = total - owned;
    if abandoned > 0 {
        tracing::error!(
            target: "retry_rollback",
            scope,
            actions = total,
            abandoned,
            background = owned,
            "rollback context dropped while armed, \
             some undo actions cannot run, the others run in the background"
        );
    } else {
        tracing::warn!(
            target: "retry_rollback",
            scope,
            actions = total,
            background = owned,
            "rollback context dropped while armed, undo actions run in the background"
        );
    }
    let actions = actions
        .into_iter()
        .map(|action| action.into_background(BORROWS))
        .collect();
    runtime.spawn(undo_in_background(stack.name.clone(), actions));
}

async fn undo_in_background(name: Cow<'static, str>, actions: Vec<Action<'static>>) {
    let mut ctx = RollbackContext::in_background(name, actions);
    let stack: &mut Savepoints<'static> = &mut ctx;
    run::log_start(&stack.name, stack.actions.len(), Some(&CAUSE));
    run::undo_all(stack.name.clone(), &mut stack.actions).await;
}
