//! Where install commands run: this machine, an SSH server, or a script.
//!
//! A [`Transport`] runs a shell command and answers with its exit code,
//! standard output and standard error, the shape that
//! [`retry_command`](retry_rollback::retry_command) retries, and copies a
//! file over.

use std::future::Future;
use std::io;

use retry_rollback::{CommandOutput, Retryable, TimedOut};

mod local;
mod recording;
mod ssh;

pub use local::LocalTransport;
pub use recording::{Recorded, RecordingTransport};
pub use ssh::{SshTarget, SshTransport};

/// Runs commands and copies files on a target.
pub trait Transport {
    /// Runs `command` with the target's shell and returns `(exit code,
    /// stdout, stderr)`. A non-zero exit code is not an error here: the
    /// caller judges it.
    fn exec(
        &self,
        command: &str,
    ) -> impl Future<Output = Result<CommandOutput, TransportError>> + Send;

    /// Writes `contents` to `path` on the target with permission bits
    /// `mode`, replacing any file there.
    fn put_file(
        &self,
        path: &str,
        contents: &[u8],
        mode: u32,
    ) -> impl Future<Output = Result<(), TransportError>> + Send;
}

/// The transport failed, as opposed to the command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// Starting or talking to a local process failed.
    #[error("local process: {0}")]
    Io(#[from] io::Error),
    /// The SSH session failed.
    #[error("ssh: {0}")]
    Ssh(#[from] openssh::Error),
    /// A command ran but could not do its part of the transport (writing
    /// a file, say).
    #[error("`{command}` exited with {code}: {stderr}")]
    Command {
        /// The command.
        command: String,
        /// Its exit code.
        code: i32,
        /// Its standard error.
        stderr: String,
    },
    /// An attempt ran out of time.
    #[error(transparent)]
    TimedOut(#[from] TimedOut),
}

impl Retryable for TransportError {
    fn is_transient(&self) -> bool {
        match self {
            TransportError::Io(error) => error.is_transient(),
            // Limitation: `openssh` reports a refused login and a lost
            // connection alike, as `ssh` exiting with 255, so every SSH
            // error counts as transient.
            TransportError::Ssh(_) => true,
            TransportError::Command { .. } => false,
            TransportError::TimedOut(timed_out) => timed_out.is_transient(),
        }
    }
}

/// Quotes `word` for a POSIX shell.
///
/// ```
/// assert_eq!(examples::transport::sh_quote("it's"), r#"'it'\''s'"#);
/// ```
pub fn sh_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}
