//! What a rollback did: one entry per undo action, in the order they ran.

use std::borrow::Cow;
use std::fmt;
use std::slice;
use std::time::Duration;

/// What happened to one undo action.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UndoOutcome {
    /// The undo succeeded.
    Undone,
    /// The undo returned an error (the last one, if it was retried); this
    /// is the error's text.
    Failed(String),
    /// The undo ran past its timeout, or its last attempt past the
    /// per-attempt timeout of its retry configuration, and was cancelled.
    TimedOut(Duration),
    /// The undo panicked; this is the panic's message.
    Panicked(String),
    /// The undo did not run because the scope was committed with
    /// [`disable`](crate::RollbackContext::disable): the step is kept on
    /// purpose.
    Skipped,
    /// The undo could not run: it borrows from a scope that was dropped
    /// before it finished. Only the background rollback of such a scope
    /// reports it, in its log.
    Abandoned,
}

impl UndoOutcome {
    /// Whether the step may still be on the host: the undo failed, timed
    /// out, panicked or never ran. [`Skipped`](Self::Skipped) is not a
    /// failure: the scope kept the step on purpose.
    pub fn is_failure(&self) -> bool {
        !matches!(self, UndoOutcome::Undone | UndoOutcome::Skipped)
    }
}

impl fmt::Display for UndoOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UndoOutcome::Undone => f.write_str("undone"),
            UndoOutcome::Failed(error) => write!(f, "failed: {error}"),
            UndoOutcome::TimedOut(after) => write!(f, "timed out after {after:?}"),
            UndoOutcome::Panicked(message) => write!(f, "panicked: {message}"),
            UndoOutcome::Skipped => f.write_str("skipped, the scope was committed"),
            UndoOutcome::Abandoned => f.write_str("abandoned, it never ran"),
        }
    }
}

/// One undo action in a [`RollbackReport`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionReport {
    pub(crate) name: Cow<'static, str>,
    pub(crate) description: Option<Cow<'static, str>>,
    pub(crate) outcome: UndoOutcome,
    pub(crate) attempts: u32,
    pub(crate) duration: Duration,
}

impl ActionReport {
    /// The action's name, as given to
    /// [`add_action`](crate::RollbackContext::add_action).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The action's description, if it has one.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// What happened to it.
    pub fn outcome(&self) -> &UndoOutcome {
        &self.outcome
    }

    /// How many times the undo was called: 0 if it never ran, more than 1
    /// if it was retried.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// How long the undo ran, retries and their delays included.
    pub fn duration(&self) -> Duration {
        self.duration
    }
}

impl fmt::Display for ActionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(description) = &self.description {
            write!(f, " ({description})")?;
        }
        write!(f, ": {}", self.outcome)?;
        if self.attempts > 0 {
            let plural = if self.attempts == 1 { "" } else { "s" };
            write!(
                f,
                " [{} attempt{plural}, {:?}]",
                self.attempts, self.duration
            )?;
        }
        Ok(())
    }
}

/// What a rollback did: the scope's name and, for each undo action in the
/// order it ran (last added first), its outcome, attempts and duration.
///
/// Its `Display` is meant for a person: a summary line, then one line per
/// action.
///
/// ```
/// use retry_rollback::{RollbackContext, UndoOutcome};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let mut ctx = RollbackContext::new("install node_exporter");
/// ctx.add_action("remove binary", || async { Ok::<_, std::io::Error>(()) });
/// ctx.add_action("remove unit", || async { Err("permission denied") })
///     .description("Remove the systemd unit");
///
/// let report = ctx.rollback().await;
/// assert!(!report.is_clean());
/// let failed: Vec<&str> = report.failures().map(|action| action.name()).collect();
/// assert_eq!(failed, ["remove unit"]);
/// assert_eq!(
///     report.to_string(),
///     "rollback of \"install node_exporter\" left the host dirty: 1 of 2 steps not undone\n\
///      \x20 remove unit (Remove the systemd unit): failed: permission denied [1 attempt, 0ns]\n\
///      \x20 remove binary: undone [1 attempt, 0ns]",
/// );
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackReport {
    pub(crate) scope: Cow<'static, str>,
    pub(crate) actions: Vec<ActionReport>,
}

impl RollbackReport {
    pub(crate) fn new(scope: Cow<'static, str>, capacity: usize) -> Self {
        RollbackReport {
            scope,
            actions: Vec::with_capacity(capacity),
        }
    }

    /// The name of the scope that was rolled back.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// Every undo action, in the order it ran: the last one added first.
    pub fn actions(&self) -> &[ActionReport] {
        &self.actions
    }

    /// Whether the host is back where it started: no undo failed, timed
    /// out, panicked or was abandoned.
    ///
    /// Actions [skipped](UndoOutcome::Skipped) because the scope was
    /// committed do not make a report dirty: those steps were kept on
    /// purpose.
    pub fn is_clean(&self) -> bool {
        self.failures().next().is_none()
    }

    /// The actions whose step may still be on the host.
    pub fn failures(&self) -> Failures<'_> {
        Failures {
            actions: self.actions.iter(),
        }
    }

    /// How many actions were undone.
    pub fn undone(&self) -> usize {
        self.count(|outcome| *outcome == UndoOutcome::Undone)
    }

    fn count(&self, pick: impl Fn(&UndoOutcome) -> bool) -> usize {
        self.actions
            .iter()
            .filter(|action| pick(&action.outcome))
            .count()
    }

    /// The summary line, without the scope's name, for the report and the
    /// error.
    pub(crate) fn summary(&self) -> Summary<'_> {
        Summary(self)
    }
}

impl fmt::Display for RollbackReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rollback of {:?} {}", self.scope, self.summary())?;
        for action in &self.actions {
            write!(f, "\n  {action}")?;
        }
        Ok(())
    }
}

/// Says in a few words how a rollback ended.
pub(crate) struct Summary<'r>(&'r RollbackReport);

impl fmt::Display for Summary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let report = self.0;
        let total = report.actions.len();
        let failed = report.failures().count();
        let skipped = report.count(|outcome| *outcome == UndoOutcome::Skipped);
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        if failed > 0 {
            write!(
                f,
                "left the host dirty: {failed} of {total} step{} not undone",
                plural(total)
            )
        } else if skipped > 0 {
            write!(
                f,
                "was skipped, the scope was committed: {skipped} step{} kept",
                plural(skipped)
            )
        } else {
            write!(
                f,
                "left the host clean: {total} undo action{} succeeded",
                plural(total)
            )
        }
    }
}

/// The failed actions of a [`RollbackReport`], from
/// [`RollbackReport::failures`].
#[derive(Debug, Clone)]
pub struct Failures<'r> {
    actions: slice::Iter<'r, ActionReport>,
}

impl<'r> Iterator for Failures<'r> {
    type Item = &'r ActionReport;

    fn next(&mut self) -> Option<Self::Item> {
        self.actions
            .by_ref()
            .find(|action| action.outcome.is_failure())
    }
}
