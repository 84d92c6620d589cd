//! Rollback: undo, last first, the steps that already succeeded.
//!
//! The stages, in the order a rollback meets them:
//!
//! - `action`: one undo action, its options and its boxed closure;
//! - `context`: the context that collects actions;
//! - `scope`: the scope forms that commit or roll it back, nested or not;
//! - `run`: running the actions, LIFO, with timeouts, retries and panic
//!   guards, and logging each;
//! - `cancel`: a context dropped while armed;
//! - `active`: the scope of the current task, for the attributes;
//! - `report` and `error`: what the caller gets back.

mod action;
pub(crate) mod active;
mod cancel;
mod context;
mod error;
mod report;
mod run;
mod scope;

pub use action::ActionOptions;
pub use context::{PlannedAction, RollbackContext, Savepoints};
pub use error::RollbackError;
pub use report::{ActionReport, Failures, RollbackReport, UndoOutcome};
pub use scope::ScopeBody;
