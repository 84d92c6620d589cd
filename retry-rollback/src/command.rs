//! Retrying remote commands: transport errors and "connection failed" exit
//! codes are retried, every other exit code goes back to the caller.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::classify::TimedOut;
use crate::config::RetryConfig;
use crate::retry::{NoHook, Retry};

/// What a command executor returns: exit code, standard output, standard
/// error.
pub type CommandOutput = (i32, String, String);

/// Exit code 255: `ssh` could not connect or lost the connection.
pub const SSH_CONNECTION_FAILED: &[i32] = &[255];

/// curl's exit codes for network faults: could not resolve proxy (5) or host
/// (6), could not connect (7), timed out (28), TLS handshake failed (35),
/// empty reply (52), send (55) or receive (56) failed.
pub const CURL_NETWORK_ERRORS: &[i32] = &[5, 6, 7, 28, 35, 52, 55, 56];

/// Why one attempt of a command is retried.
#[derive(Debug)]
pub enum CommandFailure<E> {
    /// The executor itself failed (the session dropped, the process could
    /// not start, the attempt timed out).
    Transport(E),
    /// The command ran but exited with a code that means the connection
    /// failed.
    ConnectionFailed(CommandOutput),
}

impl<E: fmt::Display> fmt::Display for CommandFailure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandFailure::Transport(error) => error.fmt(f),
            CommandFailure::ConnectionFailed((code, _, stderr)) => {
                write!(f, "exit code {code} (connection failed)")?;
                match stderr.lines().find(|line| !line.trim().is_empty()) {
                    Some(line) => write!(f, ": {}", line.trim()),
                    None => Ok(()),
                }
            }
        }
    }
}

impl<E: From<TimedOut>> From<TimedOut> for CommandFailure<E> {
    fn from(timed_out: TimedOut) -> Self {
        CommandFailure::Transport(E::from(timed_out))
    }
}

/// Runs `command` through `exec`, retrying transport errors and SSH's exit
/// code 255, and returns the last output or error.
///
/// Any other exit code, zero or not, is returned at once and untouched: a
/// failing command is the caller's to judge. When every attempt ends in
/// 255, the last `(255, stdout, stderr)` is returned as `Ok`, so the caller
/// still sees what `ssh` said. See [`CommandRetry`] for other exit codes
/// and a progress hook.
///
/// ```
/// use retry_rollback::{retry_command, RetryConfig};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let mut calls = 0;
/// let output = retry_command(&RetryConfig::default(), "systemctl is-active node_exporter", |command| {
///     calls += 1;
///     let code = if calls == 1 { 255 } else { 0 };
///     async move { Ok::<_, std::io::Error>((code, format!("ran {command}"), String::new())) }
/// })
/// .await
/// .unwrap();
/// assert_eq!(output.0, 0);
/// assert_eq!(calls, 2);
/// # }
/// ```
pub async fn retry_command<'a, F, Fut, E>(
    config: &RetryConfig,
    command: &'a str,
    exec: F,
) -> Result<CommandOutput, E>
where
    F: FnMut(&'a str) -> Fut,
    Fut: Future<Output = Result<CommandOutput, E>>,
    E: From<TimedOut> + fmt::Display,
{
    CommandRetry::new(config).run(command, exec).await
}

/// A progress hook of [`CommandRetry`]: [`NoHook`] or a closure
/// `FnMut(u32, Duration, &dyn Display)`.
pub trait CommandHook {
    /// Sees one failed attempt that will be retried.
    fn on_retry(&mut self, attempt: u32, delay: Duration, failure: &dyn fmt::Display);
}

impl CommandHook for NoHook {
    fn on_retry(&mut self, _: u32, _: Duration, _: &dyn fmt::Display) {}
}

impl<G: FnMut(u32, Duration, &dyn fmt::Display)> CommandHook for G {
    fn on_retry(&mut self, attempt: u32, delay: Duration, failure: &dyn fmt::Display) {
        self(attempt, delay, failure)
    }
}

/// [`retry_command`] with a choice of exit codes and a progress hook.
///
/// # Default
///
/// Exit code 255 ([`SSH_CONNECTION_FAILED`]) is retried; no hook runs.
///
/// ```
/// use retry_rollback::{CommandRetry, RetryConfig, CURL_NETWORK_ERRORS};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let config = RetryConfig::network_operation();
/// let output = CommandRetry::new(&config)
///     .exit_codes(CURL_NETWORK_ERRORS)
///     .on_retry(|attempt, delay, failure| println!("attempt {attempt}: {failure}, retrying in {delay:?}"))
///     .run("curl -fsS http://127.0.0.1:9100/metrics", |_| async {
///         Ok::<_, std::io::Error>((22, String::new(), "HTTP 404".to_owned()))
///     })
///     .await
///     .unwrap();
/// assert_eq!(output.0, 22, "404 is not a network fault: it comes back at once");
/// # }
/// ```
#[derive(Debug)]
#[must_use = "a command retry does nothing until `run()` is called"]
pub struct CommandRetry<'c, H = NoHook> {
    config: &'c RetryConfig,
    exit_codes: &'c [i32],
    hook: H,
}

impl<'c> CommandRetry<'c> {
    /// Retries SSH's exit code 255 and transport errors under `config`.
    pub fn new(config: &'c RetryConfig) -> Self {
        CommandRetry {
            config,
            exit_codes: SSH_CONNECTION_FAILED,
            hook: NoHook,
        }
    }
}

impl<'c, H> CommandRetry<'c, H> {
    /// The exit codes that mean "the connection failed, try again".
    pub fn exit_codes(self, exit_codes: &'c [i32]) -> Self {
        CommandRetry { exit_codes, ..self }
    }

    /// Calls `hook` with the attempt, the delay and why it failed, before
    /// each sleep: a log callback for callers that do not use `tracing`.
    pub fn on_retry<G>(self, hook: G) -> CommandRetry<'c, G>
    where
        G: FnMut(u32, Duration, &dyn fmt::Display),
    {
        CommandRetry {
            config: self.config,
            exit_codes: self.exit_codes,
            hook,
        }
    }

    /// Runs `command` through `exec` until it connects or the configuration
    /// says stop.
    pub async fn run<'a, F, Fut, E>(self, command: &'a str, mut exec: F) -> Result<CommandOutput, E>
    where
        F: FnMut(&'a str) -> Fut,
        Fut: Future<Output = Result<CommandOutput, E>>,
        E: From<TimedOut> + fmt::Display,
        H: CommandHook,
    {
        let exit_codes = self.exit_codes;
        let mut hook = self.hook;
        let result = Retry::new(self.config, || {
            let attempt = exec(command);
            async move {
                match attempt.await {
                    Ok(output) if exit_codes.contains(&output.0) => {
                        Err(CommandFailure::ConnectionFailed(output))
                    }
                    Ok(output) => Ok(output),
                    Err(error) => Err(CommandFailure::Transport(error)),
                }
            }
        })
        .on_retry(
            |attempt: u32, delay: Duration, failure: &CommandFailure<E>| {
                hook.on_retry(attempt, delay, failure)
            },
        )
        .run()
        .await;
        match result {
            Ok(output) | Err(CommandFailure::ConnectionFailed(output)) => Ok(output),
            Err(CommandFailure::Transport(error)) => Err(error),
        }
    }
}
