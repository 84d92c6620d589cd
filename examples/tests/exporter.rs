//! The demo exporter: in process, and as the real binary with its pid file
//! and SIGTERM.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{EXPORTER, alive, free_port};
use examples::download::{self, DownloadError};
use examples::exporter::{Exporter, METRICS_CONTENT_TYPE};

#[tokio::test]
async fn serves_metrics_and_refuses_the_rest() {
    let exporter = Exporter::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let base = format!("http://{}", exporter.addr());

    let first =
        String::from_utf8(download::get(&format!("{base}/metrics")).await.unwrap()).unwrap();
    let second =
        String::from_utf8(download::get(&format!("{base}/metrics")).await.unwrap()).unwrap();
    assert!(first.contains("demo_exporter_build_info{version=\"1.0.0\"} 1\n"));
    assert!(first.contains("demo_exporter_scrapes_total 1\n"));
    assert!(second.contains("demo_exporter_scrapes_total 2\n"));
    assert!(first.lines().any(|line| line == "demo_exporter_up 1"));

    let missing = download::get(&format!("{base}/")).await.unwrap_err();
    assert!(
        matches!(missing, DownloadError::Status { status: 404, .. }),
        "{missing}"
    );
    exporter.shutdown();
}

#[test]
fn refuses_addresses_off_the_loopback() {
    let error = Exporter::bind("0.0.0.0:0".parse().unwrap()).unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn metrics_page_is_the_prometheus_text_format() {
    assert_eq!(
        METRICS_CONTENT_TYPE,
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let page = examples::exporter::metrics(7, 42);
    for line in page.lines() {
        let is_comment = line.starts_with("# HELP ") || line.starts_with("# TYPE ");
        let is_sample = line.starts_with("demo_exporter_") && line.split(' ').count() == 2;
        assert!(is_comment || is_sample, "not a metrics line: {line:?}");
    }
    assert!(page.contains("demo_exporter_start_time_seconds 42\n"));
}

#[tokio::test]
async fn the_binary_writes_its_pid_file_and_exits_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("demo-exporter.pid");
    let port = free_port();
    let mut child = Command::new(EXPORTER)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--pid-file"])
        .arg(&pid_file)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();

    // The pid file appears once the exporter listens.
    let started = Instant::now();
    while !pid_file.exists() {
        assert!(started.elapsed() < Duration::from_secs(10), "no pid file");
        assert!(child.try_wait().unwrap().is_none(), "the exporter exited");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(pid, child.id());

    let page = download::get(&format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap();
    assert!(
        String::from_utf8(page)
            .unwrap()
            .contains("demo_exporter_up 1\n")
    );

    let kill = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "a clean exit on SIGTERM");
    assert!(!pid_file.exists(), "the pid file is removed on the way out");
    assert!(!alive(pid));
}

#[test]
fn the_binary_explains_bad_arguments() {
    let output = Command::new(EXPORTER).arg("--listen").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--listen needs a value"), "{stderr}");
    assert!(stderr.contains("usage: demo-exporter"), "{stderr}");
}
