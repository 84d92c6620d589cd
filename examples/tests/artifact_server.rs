//! The local artifact server and its seeded faults.

use examples::artifact_server::{ArtifactServer, Served};
use examples::download::{self, DownloadError};
use retry_rollback::Retryable;

const FILE: &str = "/demo-exporter-1.0.0.linux-amd64.tar.gz";

fn server() -> ArtifactServer {
    ArtifactServer::start([(FILE, b"tarball bytes".to_vec())]).unwrap()
}

/// One request per call, each on its own connection.
async fn fetch_all(server: &ArtifactServer, count: usize) -> Vec<Result<Vec<u8>, DownloadError>> {
    let mut results = Vec::new();
    for _ in 0..count {
        results.push(download::get(&server.url(FILE)).await);
    }
    results
}

#[tokio::test]
async fn serves_files_and_404s_the_rest() {
    let server = server();
    assert!(server.addr().ip().is_loopback());
    assert_eq!(
        download::get(&server.url(FILE)).await.unwrap(),
        b"tarball bytes"
    );
    let missing = download::get(&server.url("/nope.tar.gz"))
        .await
        .unwrap_err();
    assert!(
        matches!(missing, DownloadError::Status { status: 404, .. }),
        "{missing}"
    );
    assert!(!missing.is_transient());
    assert_eq!(server.served(), [Served::Ok, Served::NotFound]);
}

#[tokio::test]
async fn the_same_seed_gives_the_same_faults() {
    let first = server().flaky(0.5, 7);
    let second = server().flaky(0.5, 7);
    fetch_all(&first, 12).await;
    fetch_all(&second, 12).await;
    assert_eq!(first.served(), second.served());
    let other_seed = server().flaky(0.5, 8);
    fetch_all(&other_seed, 12).await;
    assert_ne!(other_seed.served(), first.served());
    assert_eq!(
        first.served(),
        [
            Served::Ok,
            Served::Ok,
            Served::Unavailable,
            Served::Ok,
            Served::Dropped,
            Served::Ok,
            Served::Ok,
            Served::Unavailable,
            Served::Ok,
            Served::Ok,
            Served::Ok,
            Served::Unavailable,
        ]
    );
}

#[tokio::test]
async fn faults_look_like_faults_to_the_client() {
    let server = server().flaky(1.0, 7);
    let results = fetch_all(&server, 8).await;
    for (result, served) in results.iter().zip(server.served()) {
        let error = result.as_ref().unwrap_err();
        assert!(error.is_transient(), "{error}");
        match served {
            Served::Unavailable => {
                assert!(
                    matches!(error, DownloadError::Unavailable { status: 503, .. }),
                    "{error}"
                );
                assert_eq!(error.retry_after(), Some(std::time::Duration::from_secs(1)));
            }
            Served::Dropped => {
                assert!(matches!(error, DownloadError::Connection { .. }), "{error}");
                assert_eq!(error.retry_after(), None);
            }
            other => panic!("rate 1.0 served {other:?}"),
        }
    }
    let served = server.served();
    assert!(served.contains(&Served::Dropped) && served.contains(&Served::Unavailable));
}

#[tokio::test]
async fn rate_zero_never_fails() {
    let server = server().flaky(0.0, 7);
    let results = fetch_all(&server, 5).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(server.served(), [Served::Ok; 5]);
}
