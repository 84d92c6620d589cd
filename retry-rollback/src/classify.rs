//! Which errors are worth another attempt, and how long the server asked us
//! to wait.

use std::io;
use std::time::Duration;

/// An error that knows whether trying again could help.
///
/// Implement it for your own error type and call
/// [`Retry::retry_transient`](crate::Retry::retry_transient) (or write
/// `retry_if = Retryable::is_transient` in the attribute) so that permanent
/// errors end the loop at once and a server's retry-after hint is honoured.
///
/// ```
/// use std::time::Duration;
/// use retry_rollback::Retryable;
///
/// enum DownloadError {
///     Throttled { retry_after: Duration },
///     NotFound,
/// }
///
/// impl Retryable for DownloadError {
///     fn is_transient(&self) -> bool {
///         matches!(self, DownloadError::Throttled { .. })
///     }
///
///     fn retry_after(&self) -> Option<Duration> {
///         match self {
///             DownloadError::Throttled { retry_after } => Some(*retry_after),
///             DownloadError::NotFound => None,
///         }
///     }
/// }
/// ```
pub trait Retryable {
    /// Whether another attempt could succeed. `false` stops retrying.
    fn is_transient(&self) -> bool;

    /// How long the other side asked us to wait before the next attempt.
    ///
    /// The retry loop waits at least this long, but never past its deadline
    /// and never for an attempt beyond `max_attempts`.
    fn retry_after(&self) -> Option<Duration> {
        None
    }
}

/// Network faults and interruptions are transient; everything that says the
/// request itself is wrong (not found, permission denied, invalid input) is
/// permanent.
impl Retryable for io::Error {
    fn is_transient(&self) -> bool {
        use io::ErrorKind::*;
        matches!(
            self.kind(),
            ConnectionRefused
                | ConnectionReset
                | ConnectionAborted
                | NotConnected
                | BrokenPipe
                | TimedOut
                | Interrupted
                | WouldBlock
                | UnexpectedEof
                | HostUnreachable
                | NetworkUnreachable
                | NetworkDown
                | ResourceBusy
                | AddrInUse
                | AddrNotAvailable
        )
    }
}

/// A timed-out operation may well succeed next time.
impl Retryable for tokio::time::error::Elapsed {
    fn is_transient(&self) -> bool {
        true
    }
}

/// An attempt timeout is transient; reaching the deadline is not, since no
/// time is left for another attempt.
impl Retryable for TimedOut {
    fn is_transient(&self) -> bool {
        self.kind == TimeoutKind::Attempt
    }
}

/// An attempt that ran out of time and was cancelled.
///
/// The retry loop hands it to the operation's error type through
/// `From<TimedOut>`, so that the caller sees that an attempt timed out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct TimedOut {
    pub(crate) attempt: u32,
    pub(crate) after: Duration,
    pub(crate) kind: TimeoutKind,
}

impl TimedOut {
    /// The attempt that was cancelled, counting from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// How long the attempt ran before it was cancelled.
    pub fn after(&self) -> Duration {
        self.after
    }

    /// Whether the attempt's own timeout or the overall deadline ran out.
    pub fn kind(&self) -> TimeoutKind {
        self.kind
    }

    fn describe(&self) -> String {
        match self.kind {
            TimeoutKind::Attempt => {
                format!("attempt {} timed out after {:?}", self.attempt, self.after)
            }
            TimeoutKind::Deadline => format!(
                "attempt {} was cut off by the retry deadline after {:?}",
                self.attempt, self.after
            ),
        }
    }
}

/// Which limit a [`TimedOut`] attempt ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// The per-attempt timeout.
    Attempt,
    /// The deadline of the whole retry loop.
    Deadline,
}

/// Lets `std::io::Error` carry a timed-out attempt, as
/// [`io::ErrorKind::TimedOut`].
impl From<TimedOut> for io::Error {
    fn from(timed_out: TimedOut) -> Self {
        io::Error::new(io::ErrorKind::TimedOut, timed_out)
    }
}

/// Lets a `String` error carry a timed-out attempt, as its message.
impl From<TimedOut> for String {
    fn from(timed_out: TimedOut) -> Self {
        timed_out.to_string()
    }
}

/// What a [`Classify`] says about a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Try again, waiting at least this long if the error asked for it.
    Retry(Option<Duration>),
    /// The error is permanent.
    Stop,
}

/// Decides, per error, whether the loop goes on.
///
/// Implemented by closures `FnMut(&E) -> bool` (given to
/// [`Retry::retry_if`](crate::Retry::retry_if)), by [`RetryAll`] and by
/// [`RetryTransient`]. It is sealed: those are the only kinds.
pub trait Classify<E>: sealed::Sealed<E> {
    /// Whether `error` is worth another attempt.
    fn verdict(&mut self, error: &E) -> Verdict;
}

mod sealed {
    pub trait Sealed<E> {}
}

/// Retries every error: the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryAll;

/// Retries errors whose [`Retryable::is_transient`] is true and honours
/// their [`Retryable::retry_after`] hints.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryTransient;

impl<E> sealed::Sealed<E> for RetryAll {}
impl<E> Classify<E> for RetryAll {
    fn verdict(&mut self, _: &E) -> Verdict {
        Verdict::Retry(None)
    }
}

impl<E: Retryable> sealed::Sealed<E> for RetryTransient {}
impl<E: Retryable> Classify<E> for RetryTransient {
    fn verdict(&mut self, error: &E) -> Verdict {
        if error.is_transient() {
            Verdict::Retry(error.retry_after())
        } else {
            Verdict::Stop
        }
    }
}

impl<E, F: FnMut(&E) -> bool> sealed::Sealed<E> for F {}
impl<E, F: FnMut(&E) -> bool> Classify<E> for F {
    fn verdict(&mut self, error: &E) -> Verdict {
        if self(error) {
            Verdict::Retry(None)
        } else {
            Verdict::Stop
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_split_by_kind() {
        let transient = io::Error::from(io::ErrorKind::ConnectionReset);
        let permanent = io::Error::from(io::ErrorKind::PermissionDenied);
        assert!(transient.is_transient());
        assert!(!permanent.is_transient());
    }

    #[test]
    fn timed_out_attempts_become_io_timeouts() {
        let timed_out = TimedOut {
            attempt: 2,
            after: Duration::from_secs(5),
            kind: TimeoutKind::Attempt,
        };
        let error = io::Error::from(timed_out);
        assert_eq!(error.kind(), io::ErrorKind::TimedOut);
        assert_eq!(error.to_string(), "attempt 2 timed out after 5s");
    }
}
