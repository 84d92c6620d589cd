//! The rollback context: a named stack of undo actions, and what happens
//! to them when the work succeeds, fails, or is dropped.

use std::borrow::Cow;
use std::fmt::{self, Display};
use std::future::Future;
use std::ops::{Deref, DerefMut};

use crate::rollback::action::{Action, ActionOptions, Undo};
use crate::rollback::cancel;
use crate::rollback::report::{ActionReport, RollbackReport, UndoOutcome};
use crate::rollback::run;

/// A named scope that collects undo actions while work runs, and undoes
/// them, last first, if the work fails.
///
/// Most code uses it through [`RollbackContext::scope`], which commits
/// when the body returns `Ok` and rolls back when it returns `Err` or
/// panics. A context can also be driven by hand: add actions, then call
/// [`disable`](Self::disable) when the work succeeded or
/// [`rollback`](Self::rollback) when it failed.
///
/// ```
/// use std::io;
/// use std::sync::Mutex;
/// use retry_rollback::RollbackContext;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let undone = Mutex::new(Vec::new());
/// let mut ctx = RollbackContext::new("install node_exporter");
/// ctx.add_action("remove tarball", || async {
///     undone.lock().unwrap().push("tarball");
///     Ok::<_, io::Error>(())
/// });
/// ctx.add_action("remove binary", || async {
///     undone.lock().unwrap().push("binary");
///     Ok::<_, io::Error>(())
/// });
///
/// let report = ctx.rollback().await;
/// assert!(report.is_clean());
/// assert_eq!(*undone.lock().unwrap(), ["binary", "tarball"]);
/// # }
/// ```
///
/// # Dropped while armed
///
/// A context that is dropped while it still holds actions, neither
/// disabled nor rolled back (the future of a scope dropped half-way by a
/// `tokio::time::timeout`, say), cannot wait for its undo actions. Actions
/// added with [`add_owned_action`](Self::add_owned_action) still run, last
/// first, in a task spawned on the current tokio runtime, and log as a
/// rollback does. Actions added with [`add_action`](Self::add_action) may
/// borrow what no longer exists, so they cannot run: each one is logged at
/// ERROR, by name, as [abandoned](UndoOutcome::Abandoned). Without a
/// runtime, every action is abandoned. See the crate docs on cancellation.
///
/// The `Deref` target, [`Savepoints`], holds the method form of
/// [`scope`](Savepoints::scope) that opens a nested scope.
pub struct RollbackContext<'a> {
    stack: Savepoints<'a>,
}

/// The undo actions of a [`RollbackContext`], as a stack that nested
/// scopes push onto and pop from like savepoints.
///
/// A context dereferences to it, so that `ctx.scope(name, body)` opens a
/// nested scope while `RollbackContext::scope(name, body)` opens a new one.
pub struct Savepoints<'a> {
    pub(crate) name: Cow<'static, str>,
    pub(crate) actions: Vec<Action<'a>>,
    pub(crate) disabled: bool,
    /// Set on a context that runs in the background after its scope was
    /// dropped: if it is dropped too, it has nowhere left to go.
    pub(crate) in_background: bool,
}

impl<'a> RollbackContext<'a> {
    /// An empty, armed context called `name` (used in logs and reports).
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        RollbackContext {
            stack: Savepoints {
                name: name.into(),
                actions: Vec::new(),
                disabled: false,
                in_background: false,
            },
        }
    }

    pub(crate) fn in_background(name: Cow<'static, str>, actions: Vec<Action<'a>>) -> Self {
        RollbackContext {
            stack: Savepoints {
                name,
                actions,
                disabled: false,
                in_background: true,
            },
        }
    }

    /// The context's name.
    pub fn name(&self) -> &str {
        &self.stack.name
    }

    /// Registers `undo`, the way to undo a step that just succeeded.
    ///
    /// `undo` is called when the context rolls back, after every action
    /// added later (LIFO), and at most once per attempt: it is an `FnMut`
    /// so that [`ActionOptions::retry`] can call it again. Its error is
    /// kept as text in the [`RollbackReport`].
    ///
    /// `undo` may borrow from the caller for `'a`. Such an action cannot
    /// run once the context's scope is dropped half-way; use
    /// [`add_owned_action`](Self::add_owned_action) for an undo that must
    /// run even then.
    pub fn add_action<F, Fut, E>(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        undo: F,
    ) -> ActionOptions<'_, 'a>
    where
        F: FnMut() -> Fut + Send + 'a,
        Fut: Future<Output = Result<(), E>> + Send + 'a,
        E: Display + 'a,
    {
        self.push(Action::new(name.into(), Undo::borrowing(undo)))
    }

    /// Registers `undo` like [`add_action`](Self::add_action), for an
    /// undo that owns everything it uses.
    ///
    /// Because it borrows nothing, it still runs, in a background task,
    /// when the context is dropped while armed, for instance when the
    /// scope's future is cancelled half-way.
    ///
    /// ```
    /// use retry_rollback::RollbackContext;
    ///
    /// async fn run_remote(host: &str, command: &str) -> std::io::Result<()> {
    ///     # let _ = (host, command);
    ///     Ok(())
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let host = String::from("10.0.0.7");
    /// let mut ctx = RollbackContext::new("install node_exporter");
    /// ctx.add_owned_action("remove unit", move || {
    ///     let host = host.clone();
    ///     async move {
    ///         run_remote(&host, "rm -f /etc/systemd/system/node_exporter.service").await
    ///     }
    /// });
    /// # ctx.disable();
    /// # }
    /// ```
    pub fn add_owned_action<F, Fut, E>(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        undo: F,
    ) -> ActionOptions<'_, 'a>
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Display + 'static,
    {
        self.push(Action::new(name.into(), Undo::owned(undo)))
    }

    fn push(&mut self, action: Action<'a>) -> ActionOptions<'_, 'a> {
        let actions = &mut self.stack.actions;
        actions.push(action);
        let last = actions.len() - 1;
        ActionOptions::new(&mut actions[last])
    }

    /// Commits: the work succeeded and nothing will be undone.
    ///
    /// A disabled context does not roll back, even if its scope's body
    /// returns an error afterwards or [`rollback`](Self::rollback) is
    /// called: every action is then reported as
    /// [`Skipped`](UndoOutcome::Skipped). Actions added after `disable()`
    /// are kept too.
    pub fn disable(&mut self) {
        self.stack.disabled = true;
    }

    /// Whether [`disable`](Self::disable) was called.
    pub fn is_disabled(&self) -> bool {
        self.stack.disabled
    }

    /// The actions in the order they would run, last added first, without
    /// running them.
    ///
    /// ```
    /// use retry_rollback::RollbackContext;
    ///
    /// let mut ctx = RollbackContext::new("install node_exporter");
    /// ctx.add_action("remove tarball", || async { Ok::<_, std::io::Error>(()) })
    ///     .description("Remove the downloaded tarball");
    /// ctx.add_action("stop service", || async { Ok::<_, std::io::Error>(()) });
    ///
    /// let plan: Vec<String> = ctx.plan().map(|step| step.to_string()).collect();
    /// assert_eq!(plan, ["stop service", "remove tarball: Remove the downloaded tarball"]);
    /// # ctx.disable();
    /// ```
    pub fn plan(&self) -> impl ExactSizeIterator<Item = PlannedAction<'_>> {
        self.stack.actions.iter().rev().map(|action| PlannedAction {
            name: &action.name,
            description: action.description.as_deref(),
            owned: action.is_owned(),
        })
    }

    /// Runs every undo action now, last added first, and reports on each.
    ///
    /// A failing, timed-out or panicking undo does not stop the others.
    /// If the context was [disabled](Self::disable), nothing runs and every
    /// action is reported as [`Skipped`](UndoOutcome::Skipped).
    pub async fn rollback(mut self) -> RollbackReport {
        match self.stack.start_rollback(None) {
            Some(skipped) => skipped,
            None => self.stack.undo().await,
        }
    }

    /// Drops the actions without running them: the scope succeeded.
    pub(crate) fn commit(&mut self) {
        self.stack.disabled = true;
        self.stack.actions.clear();
    }
}

impl<'a> Savepoints<'a> {
    /// Logs the start of a rollback, or, if the context was disabled,
    /// returns the report of one that skips every action.
    pub(crate) fn start_rollback(&mut self, cause: Option<&dyn Display>) -> Option<RollbackReport> {
        if self.disabled {
            return Some(self.skipped(cause));
        }
        run::log_start(&self.name, self.actions.len(), cause);
        None
    }

    pub(crate) async fn undo(&mut self) -> RollbackReport {
        run::undo_all(self.name.clone(), &mut self.actions).await
    }

    /// The report of a rollback that ran nothing because the scope was
    /// committed. The actions stay where they are.
    fn skipped(&self, cause: Option<&dyn Display>) -> RollbackReport {
        let scope = &*self.name;
        let actions = self.actions.len();
        tracing::info!(
            target: "retry_rollback",
            scope,
            actions,
            cause = cause.map(tracing::field::display),
            "scope was committed, nothing to undo"
        );
        let mut report = RollbackReport::new(self.name.clone(), self.actions.len());
        for action in self.actions.iter().rev() {
            report.actions.push(ActionReport {
                name: action.name.clone(),
                description: action.description.clone(),
                outcome: UndoOutcome::Skipped,
                attempts: 0,
                duration: std::time::Duration::ZERO,
            });
        }
        report
    }
}

impl Drop for RollbackContext<'_> {
    fn drop(&mut self) {
        if !self.stack.disabled && !self.stack.actions.is_empty() {
            cancel::dropped_while_armed(&mut self.stack);
        }
    }
}

impl<'a> Deref for RollbackContext<'a> {
    type Target = Savepoints<'a>;

    fn deref(&self) -> &Savepoints<'a> {
        &self.stack
    }
}

impl DerefMut for RollbackContext<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.stack
    }
}

impl fmt::Debug for RollbackContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.stack, f)
    }
}

impl fmt::Debug for Savepoints<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RollbackContext")
            .field("name", &self.name)
            .field("actions", &self.actions)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// One step of a [`RollbackContext::plan`]: an undo action that has not
/// run.
///
/// Its `Display` is the name, then the description if there is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedAction<'p> {
    name: &'p str,
    description: Option<&'p str>,
    owned: bool,
}

impl<'p> PlannedAction<'p> {
    /// The action's name.
    pub fn name(&self) -> &'p str {
        self.name
    }

    /// The action's description, if it has one.
    pub fn description(&self) -> Option<&'p str> {
        self.description
    }

    /// Whether it was added with
    /// [`add_owned_action`](RollbackContext::add_owned_action), and so
    /// still runs if the scope is dropped half-way.
    pub fn is_owned(&self) -> bool {
        self.owned
    }
}

impl Display for PlannedAction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)?;
        if let Some(description) = self.description {
            write!(f, ": {description}")?;
        }
        Ok(())
    }
}
