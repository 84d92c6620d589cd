//! Downloads over HTTP with `ureq`, run on tokio's blocking pool, and an
//! error that tells the retry loop what is worth another attempt.

use std::io;
use std::time::Duration;

use retry_rollback::{Retry, RetryConfig, Retryable, TimedOut};

/// The largest body [`get`] reads: release tarballs are a few megabytes.
pub const MAX_BODY: u64 = 256 * 1024 * 1024;

/// Why a download failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// No connection, or the connection dropped: transient.
    #[error("GET {url}: {source}")]
    Connection {
        /// The URL asked for.
        url: String,
        /// What the client saw.
        source: io::Error,
    },
    /// 503 or 429: transient, with the server's `Retry-After` hint.
    #[error(
        "GET {url}: HTTP {status}{}",
        retry_after.map_or(String::new(), |after| format!(", retry after {after:?}"))
    )]
    Unavailable {
        /// The URL asked for.
        url: String,
        /// The status code.
        status: u16,
        /// The `Retry-After` header in seconds, if the server sent one.
        retry_after: Option<Duration>,
    },
    /// Any other status that is not 2xx, 404 among them: permanent.
    #[error("GET {url}: HTTP {status}")]
    Status {
        /// The URL asked for.
        url: String,
        /// The status code.
        status: u16,
    },
    /// The URL or the answer made no sense to the client: permanent.
    #[error("GET {url}: {message}")]
    Invalid {
        /// The URL asked for.
        url: String,
        /// What the client said.
        message: String,
    },
    /// An attempt ran out of time: transient unless the deadline ran out.
    #[error(transparent)]
    TimedOut(#[from] TimedOut),
}

impl Retryable for DownloadError {
    fn is_transient(&self) -> bool {
        match self {
            DownloadError::Connection { .. } | DownloadError::Unavailable { .. } => true,
            DownloadError::Status { .. } | DownloadError::Invalid { .. } => false,
            DownloadError::TimedOut(timed_out) => timed_out.is_transient(),
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            DownloadError::Unavailable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// One `GET` of `url`, the body on 2xx.
///
/// The blocking client runs under `tokio::task::spawn_blocking`.
///
/// Limitation: dropping the future (an attempt timeout, say) does not stop
/// the request on the blocking pool; it runs on until it ends or hits the
/// client's own 30-second timeout.
///
/// # Errors
///
/// [`DownloadError`], classified for [`Retryable`].
pub async fn get(url: &str) -> Result<Vec<u8>, DownloadError> {
    let owned = url.to_owned();
    tokio::task::spawn_blocking(move || get_blocking(&owned))
        .await
        .unwrap_or_else(|join| {
            Err(DownloadError::Invalid {
                url: url.to_owned(),
                message: format!("the download task failed: {join}"),
            })
        })
}

/// [`get`], retried under `config`: connection faults and 503 are tried
/// again (waiting at least as long as `Retry-After` asks), 404 and other
/// statuses end the loop at once.
///
/// # Errors
///
/// The last [`DownloadError`].
pub async fn download(config: &RetryConfig, url: &str) -> Result<Vec<u8>, DownloadError> {
    Retry::new(config, || get(url))
        .retry_transient()
        .run()
        .await
}

fn get_blocking(url: &str) -> Result<Vec<u8>, DownloadError> {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .max_idle_connections(0)
        .build();
    let agent = ureq::Agent::new_with_config(config);
    let mut response = agent.get(url).call().map_err(|e| classify(url, e))?;
    let status = response.status().as_u16();
    match status {
        200..=299 => response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|e| classify(url, e)),
        429 | 503 => Err(DownloadError::Unavailable {
            url: url.to_owned(),
            status,
            retry_after: response
                .headers()
                .get("retry-after")
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok())
                .map(Duration::from_secs),
        }),
        _ => Err(DownloadError::Status {
            url: url.to_owned(),
            status,
        }),
    }
}

fn classify(url: &str, error: ureq::Error) -> DownloadError {
    let url = url.to_owned();
    match error {
        ureq::Error::Io(source) => DownloadError::Connection { url, source },
        ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => DownloadError::Connection {
            url,
            source: io::Error::new(io::ErrorKind::ConnectionRefused, error),
        },
        ureq::Error::Timeout(_) => DownloadError::Connection {
            url,
            source: io::Error::new(io::ErrorKind::TimedOut, error),
        },
        // A server that hangs up mid-answer leaves the parser short of bytes.
        ureq::Error::Protocol(_) => DownloadError::Connection {
            url,
            source: io::Error::new(io::ErrorKind::UnexpectedEof, error),
        },
        other => DownloadError::Invalid {
            url,
            message: other.to_string(),
        },
    }
}
