//! Downloads retried through the retry runtime, on tokio's paused clock:
//! the delays are the configuration's, stretched to the server's
//! `Retry-After` when it asks.

use std::time::Duration;

use examples::artifact_server::{ArtifactServer, Served};
use examples::download::{self, DownloadError};
use retry_rollback::{RetryConfig, Retryable, TimedOut};

const FILE: &str = "/demo-exporter-1.0.0.linux-amd64.tar.gz";

fn config(max_attempts: u32) -> RetryConfig {
    RetryConfig::builder()
        .max_attempts(max_attempts)
        .initial_delay(Duration::from_millis(100))
        .backoff_factor(2.0)
        .max_delay(Duration::from_secs(5))
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn retries_through_drops_and_503s() {
    // Seed 14 at rate 0.9: 503, drop, drop, then the file.
    let server = ArtifactServer::start([(FILE, b"tarball".to_vec())])
        .unwrap()
        .flaky(0.9, 14);
    let started = tokio::time::Instant::now();
    let bytes = download::download(&config(6), &server.url(FILE))
        .await
        .unwrap();
    assert_eq!(bytes, b"tarball");

    let served = server.served();
    assert_eq!(
        served,
        [
            Served::Unavailable,
            Served::Dropped,
            Served::Dropped,
            Served::Ok
        ]
    );
    // The 503 waits max(100 ms, Retry-After 1 s), the drops 200 and 400 ms.
    assert_eq!(started.elapsed(), Duration::from_millis(1000 + 200 + 400));
}

#[tokio::test(start_paused = true)]
async fn gives_up_after_max_attempts_with_the_last_error() {
    let server = ArtifactServer::start([(FILE, b"tarball".to_vec())])
        .unwrap()
        .flaky(1.0, 3);
    let error = download::download(&config(3), &server.url(FILE))
        .await
        .unwrap_err();
    assert_eq!(server.served().len(), 3);
    assert!(error.is_transient(), "{error}");
}

#[tokio::test(start_paused = true)]
async fn a_404_is_not_retried() {
    let server = ArtifactServer::start([(FILE, b"tarball".to_vec())]).unwrap();
    let started = tokio::time::Instant::now();
    let error = download::download(&config(5), &server.url("/missing.tar.gz"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, DownloadError::Status { status: 404, .. }),
        "{error}"
    );
    assert_eq!(server.served(), [Served::NotFound]);
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test]
async fn a_refused_connection_is_transient() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let error = download::get(&format!("http://127.0.0.1:{port}/x"))
        .await
        .unwrap_err();
    assert!(matches!(error, DownloadError::Connection { .. }), "{error}");
    assert!(error.is_transient());
}

#[test]
fn errors_classify_for_the_retry_loop() {
    let unavailable = DownloadError::Unavailable {
        url: "u".into(),
        status: 503,
        retry_after: Some(Duration::from_secs(1)),
    };
    assert!(unavailable.is_transient());
    assert_eq!(unavailable.retry_after(), Some(Duration::from_secs(1)));
    let not_found = DownloadError::Status {
        url: "u".into(),
        status: 404,
    };
    assert!(!not_found.is_transient());
    assert_eq!(not_found.to_string(), "GET u: HTTP 404");
    let _: fn(TimedOut) -> DownloadError = DownloadError::from;
}
