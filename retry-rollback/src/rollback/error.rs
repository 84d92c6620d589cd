//! The error of a scope that failed: the caller's error and what the
//! rollback did about it.

use std::error::Error;
use std::fmt;

use crate::rollback::report::RollbackReport;

/// A scope's body returned an error, and the scope was rolled back.
///
/// It holds the body's own error, untouched, and the [`RollbackReport`]
/// that says whether the host ended clean. Its `Display` describes the
/// rollback; the body's error is its [`source`](Error::source), so an error
/// reporter that walks the chain (such as `anyhow`'s `{:#}`) shows both.
///
/// ```
/// use std::io;
/// use retry_rollback::RollbackContext;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let result = RollbackContext::scope("install node_exporter", async |ctx| {
///     ctx.add_action("remove binary", || async { Ok::<_, io::Error>(()) });
///     Err::<(), _>(io::Error::other("validation failed"))
/// })
/// .await;
///
/// let error = result.unwrap_err();
/// assert!(error.report().is_clean());
/// assert_eq!(
///     error.to_string(),
///     "scope \"install node_exporter\" failed and its rollback left the host clean: \
///      1 undo action succeeded",
/// );
/// assert_eq!(error.into_inner().to_string(), "validation failed");
/// # }
/// ```
#[derive(Debug)]
pub struct RollbackError<E> {
    error: E,
    report: RollbackReport,
}

impl<E> RollbackError<E> {
    pub(crate) fn new(error: E, report: RollbackReport) -> Self {
        RollbackError { error, report }
    }

    /// The error the scope's body returned.
    pub fn error(&self) -> &E {
        &self.error
    }

    /// What the rollback did.
    pub fn report(&self) -> &RollbackReport {
        &self.report
    }

    /// Whether the rollback left the host clean; see
    /// [`RollbackReport::is_clean`].
    pub fn is_clean(&self) -> bool {
        self.report.is_clean()
    }

    /// The error the scope's body returned, without the report.
    pub fn into_inner(self) -> E {
        self.error
    }

    /// The body's error and the report.
    pub fn into_parts(self) -> (E, RollbackReport) {
        (self.error, self.report)
    }
}

impl<E> fmt::Display for RollbackError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "scope {:?} failed and its rollback {}",
            self.report.scope(),
            self.report.summary()
        )
    }
}

impl<E: Error + 'static> Error for RollbackError<E> {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&self.error)
    }
}
