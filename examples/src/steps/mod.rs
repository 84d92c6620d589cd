//! The install steps, each a plain function over a [`Transport`], and the
//! undo of each.
//!
//! [`linux`] installs the demo exporter under a target root (`/` on a real
//! host, a temporary directory in tests) and runs it as a real process;
//! [`windows`] does the same six steps as PowerShell commands for hosts
//! reached through PsExec, WinRM or SSH.
//!
//! | step | forward | undo |
//! |---|---|---|
//! | 1 | download the tarball | remove it |
//! | 2 | extract it | remove the extracted directory |
//! | 3 | install the binary | remove it |
//! | 4 | write the service unit | remove it |
//! | 5 | start the service | stop it and wait for it to exit |
//! | 6 | validate `GET /metrics` | (nothing to undo) |

use retry_rollback::{Retryable, TimedOut};

use crate::download::DownloadError;
use crate::transport::{Transport, TransportError};

pub mod linux;
mod unit;
pub mod windows;

pub use unit::systemd_unit;

/// Why a step or an undo failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StepError {
    /// The transport failed: transient when the transport says so.
    #[error("{step}: {source}")]
    Transport {
        /// The step.
        step: &'static str,
        /// The transport's error.
        source: TransportError,
    },
    /// The download failed: transient when the download says so.
    #[error("{step}: {source}")]
    Download {
        /// The step.
        step: &'static str,
        /// The download's error.
        source: DownloadError,
    },
    /// A command ran and failed: permanent.
    #[error("{step}: `{command}` exited with {code}: {}", stderr.trim())]
    Command {
        /// The step.
        step: &'static str,
        /// The command.
        command: String,
        /// Its exit code.
        code: i32,
        /// Its standard error.
        stderr: String,
    },
    /// The step ran but its result is wrong: permanent.
    #[error("{step}: {message}")]
    Check {
        /// The step.
        step: &'static str,
        /// What is wrong.
        message: String,
    },
    /// An attempt ran out of time.
    #[error(transparent)]
    TimedOut(#[from] TimedOut),
}

impl Retryable for StepError {
    fn is_transient(&self) -> bool {
        match self {
            StepError::Transport { source, .. } => source.is_transient(),
            StepError::Download { source, .. } => source.is_transient(),
            StepError::Command { .. } | StepError::Check { .. } => false,
            StepError::TimedOut(timed_out) => timed_out.is_transient(),
        }
    }

    fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            StepError::Download { source, .. } => source.retry_after(),
            _ => None,
        }
    }
}

/// Runs `command` and returns its standard output, or
/// [`StepError::Command`] when it exits with anything but 0.
async fn run<T: Transport>(
    transport: &T,
    step: &'static str,
    command: &str,
) -> Result<String, StepError> {
    let (code, stdout, stderr) = transport
        .exec(command)
        .await
        .map_err(|source| StepError::Transport { step, source })?;
    if code == 0 {
        Ok(stdout)
    } else {
        Err(StepError::Command {
            step,
            command: command.to_owned(),
            code,
            stderr,
        })
    }
}
