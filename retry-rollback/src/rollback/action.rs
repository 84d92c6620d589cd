//! One undo action as the context stores it: its name, its options and the
//! boxed closure that undoes the step.

use std::borrow::Cow;
use std::fmt::{self, Display};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::classify::TimedOut;
use crate::config::RetryConfig;

/// The future of one undo attempt, with the caller's error already turned
/// into text.
pub(crate) type UndoFuture<'a> = Pin<Box<dyn Future<Output = Result<(), UndoError>> + Send + 'a>>;

/// The undo closure, called once per attempt.
type UndoFn<'a> = Box<dyn FnMut() -> UndoFuture<'a> + Send + 'a>;

/// Why one undo attempt failed.
///
/// The retry loop needs an error that is `From<TimedOut>`; the caller's
/// error type need not be, so it is kept as its text.
#[derive(Debug)]
pub(crate) enum UndoError {
    /// The undo returned an error; this is its text.
    Failed(String),
    /// An attempt ran into the per-attempt timeout or the deadline of the
    /// undo's own retry configuration.
    TimedOut(TimedOut),
}

impl From<TimedOut> for UndoError {
    fn from(timed_out: TimedOut) -> Self {
        UndoError::TimedOut(timed_out)
    }
}

impl Display for UndoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UndoError::Failed(text) => f.write_str(text),
            UndoError::TimedOut(timed_out) => Display::fmt(timed_out, f),
        }
    }
}

/// The undo closure, and whether it may outlive the scope that added it.
pub(crate) enum Undo<'a> {
    /// Borrows from the caller: it can only run while the scope runs.
    Borrowing(Unshared<UndoFn<'a>>),
    /// Owns everything it needs: it can run in a background task after the
    /// scope's future was dropped.
    Owned(Unshared<UndoFn<'static>>),
    /// Could not be kept when its scope was dropped, for this reason: it is
    /// reported as abandoned and never runs.
    Abandoned(&'static str),
}

impl<'a> Undo<'a> {
    /// Boxes a closure that borrows for `'a`.
    pub(crate) fn borrowing<F, Fut, E>(undo: F) -> Self
    where
        F: FnMut() -> Fut + Send + 'a,
        Fut: Future<Output = Result<(), E>> + Send + 'a,
        E: Display + 'a,
    {
        Undo::Borrowing(Unshared::new(erase(undo)))
    }

    /// Boxes a closure that owns what it uses.
    pub(crate) fn owned<F, Fut, E>(undo: F) -> Self
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Display + 'static,
    {
        Undo::Owned(Unshared::new(erase(undo)))
    }

    /// Starts one attempt.
    ///
    /// An abandoned undo has nothing to run and fails at once; the runner
    /// reports such actions without attempting them.
    pub(crate) fn attempt(&mut self) -> UndoFuture<'a> {
        match self {
            Undo::Borrowing(undo) => (undo.get_mut())(),
            Undo::Owned(undo) => (undo.get_mut())(),
            Undo::Abandoned(why) => Box::pin(std::future::ready(Err(UndoError::Failed(
                (*why).to_owned(),
            )))),
        }
    }
}

/// Boxes `undo` so that its future, and its error as text, have one type.
fn erase<'a, F, Fut, E>(mut undo: F) -> UndoFn<'a>
where
    F: FnMut() -> Fut + Send + 'a,
    Fut: Future<Output = Result<(), E>> + Send + 'a,
    E: Display + 'a,
{
    Box::new(move || {
        let attempt = undo();
        Box::pin(async move {
            attempt
                .await
                .map_err(|error| UndoError::Failed(error.to_string()))
        })
    })
}

/// A value only ever used by value or through `&mut`, held so that its
/// holder is `Sync` whatever the value is.
///
/// The mutex is never locked. It lets a context be `Sync`, so that a `&`
/// to it may be held across an `.await` in a `Send` future, without asking
/// every undo closure to be `Sync`.
pub(crate) struct Unshared<T>(Mutex<T>);

impl<T> Unshared<T> {
    fn new(value: T) -> Self {
        Unshared(Mutex::new(value))
    }

    fn get_mut(&mut self) -> &mut T {
        self.0.get_mut().unwrap_or_else(PoisonError::into_inner)
    }
}

/// An undo action waiting in a context.
///
/// The retry configuration, rarely given, is boxed so that the stack of a
/// large rollback stays small.
pub(crate) struct Action<'a> {
    pub(crate) name: Cow<'static, str>,
    pub(crate) description: Option<Cow<'static, str>>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Option<Box<RetryConfig>>,
    pub(crate) undo: Undo<'a>,
}

impl<'a> Action<'a> {
    pub(crate) fn new(name: Cow<'static, str>, undo: Undo<'a>) -> Self {
        Action {
            name,
            description: None,
            timeout: None,
            retry: None,
            undo,
        }
    }

    /// Whether the undo owns what it uses, and so can run after its scope.
    pub(crate) fn is_owned(&self) -> bool {
        matches!(self.undo, Undo::Owned(_))
    }

    /// The same action with a `'static` lifetime, for a background
    /// rollback: an undo that borrows cannot go there, and is replaced by
    /// the reason it was abandoned.
    pub(crate) fn into_background(self, why: &'static str) -> Action<'static> {
        let Action {
            name,
            description,
            timeout,
            retry,
            undo,
        } = self;
        let undo = match undo {
            Undo::Owned(undo) => Undo::Owned(undo),
            Undo::Abandoned(why) => Undo::Abandoned(why),
            Undo::Borrowing(_) => Undo::Abandoned(why),
        };
        Action {
            name,
            description,
            timeout,
            retry,
            undo,
        }
    }

    /// Why the action cannot run, if it cannot.
    pub(crate) fn abandoned(&self) -> Option<&'static str> {
        match self.undo {
            Undo::Abandoned(why) => Some(why),
            Undo::Borrowing(_) | Undo::Owned(_) => None,
        }
    }
}

/// Sets the options of the undo action just added; returned by
/// [`RollbackContext::add_action`](crate::RollbackContext::add_action).
///
/// The options are set in place, so the handle may be dropped at once or
/// chained:
///
/// ```
/// use std::time::Duration;
/// use retry_rollback::{RetryConfig, RollbackContext};
///
/// let mut ctx = RollbackContext::new("install node_exporter");
/// ctx.add_action("stop service", || async { Ok::<_, std::io::Error>(()) })
///     .description("Stop the node_exporter service")
///     .timeout(Duration::from_secs(30))
///     .retry(RetryConfig::file_operation());
/// # ctx.disable();
/// ```
#[derive(Debug)]
pub struct ActionOptions<'c, 'a> {
    action: &'c mut Action<'a>,
}

impl<'c, 'a> ActionOptions<'c, 'a> {
    pub(crate) fn new(action: &'c mut Action<'a>) -> Self {
        ActionOptions { action }
    }

    /// A sentence saying what the undo does, shown in the plan, the logs
    /// and the report.
    pub fn description(self, description: impl Into<Cow<'static, str>>) -> Self {
        self.action.description = Some(description.into());
        self
    }

    /// The time the undo may take, retries included; past it the undo is
    /// cancelled and reported as timed out.
    ///
    /// To limit each attempt instead, give the retry configuration an
    /// [`attempt_timeout`](crate::RetryConfigBuilder::attempt_timeout).
    pub fn timeout(self, timeout: Duration) -> Self {
        self.action.timeout = Some(timeout);
        self
    }

    /// Retries the undo itself, with the same loop as
    /// [`retry_with_backoff`](crate::retry_with_backoff): every error is
    /// retried until the configuration says stop.
    pub fn retry(self, config: RetryConfig) -> Self {
        self.action.retry = Some(Box::new(config));
        self
    }
}

impl fmt::Debug for Action<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Action")
            .field("name", &self.name)
            .field("description", &self.description)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("owned", &self.is_owned())
            .finish_non_exhaustive()
    }
}
