//! The Linux install steps on a temporary root through the local
//! transport: each forward step, each undo, and all six then all undone,
//! leaving the root byte for byte as it was and no exporter running.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use common::{EXPORTER, alive, exporter_tarball, free_port, host_root, root_str};
use examples::artifact::Release;
use examples::artifact_server::{ArtifactServer, Served};
use examples::snapshot::Snapshot;
use examples::steps::StepError;
use examples::steps::linux::{self, LinuxTarget, UnitCheck};
use examples::transport::LocalTransport;
use retry_rollback::RetryConfig;

struct Fixture {
    root: tempfile::TempDir,
    local: LocalTransport,
    target: LinuxTarget,
    server: ArtifactServer,
    url: String,
}

fn fixture() -> Fixture {
    let root = host_root();
    let release = Release::demo_exporter();
    let tarball = exporter_tarball().to_vec();
    let server = ArtifactServer::start([(format!("/{}", release.file_name()), tarball)]).unwrap();
    let url = server.url(&format!("/{}", release.file_name()));
    let listen = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let target = LinuxTarget::new(&root_str(root.path()), release, listen);
    let local = LocalTransport::new(root.path());
    Fixture {
        root,
        local,
        target,
        server,
        url,
    }
}

fn quick() -> RetryConfig {
    RetryConfig::builder()
        .max_attempts(3)
        .initial_delay(Duration::from_millis(10))
        .build()
        .unwrap()
}

fn mode(path: &str) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn download_then_remove() {
    let f = fixture();
    let before = Snapshot::take(f.root.path()).unwrap();
    linux::download(&f.local, &f.target, &f.url, &quick())
        .await
        .unwrap();
    let tarball = std::fs::read(f.target.tarball()).unwrap();
    assert_eq!(tarball, exporter_tarball());
    assert_eq!(mode(&f.target.tarball()), 0o644);

    linux::remove_download(&f.local, &f.target).await.unwrap();
    assert_eq!(Snapshot::take(f.root.path()).unwrap(), before);
}

#[tokio::test(start_paused = true)]
async fn download_retries_a_flaky_server() {
    let mut f = fixture();
    let release = Release::demo_exporter();
    let path = format!("/{}", release.file_name());
    f.server = ArtifactServer::start([(path.clone(), release.pack_bytes(b"x").unwrap())])
        .unwrap()
        .flaky(0.9, 14);
    let config = RetryConfig::builder()
        .max_attempts(4)
        .initial_delay(Duration::from_millis(1))
        .build()
        .unwrap();
    linux::download(&f.local, &f.target, &f.server.url(&path), &config)
        .await
        .unwrap();
    assert_eq!(
        f.server.served(),
        [
            Served::Unavailable,
            Served::Dropped,
            Served::Dropped,
            Served::Ok
        ]
    );
    assert!(Path::new(&f.target.tarball()).exists());
}

#[tokio::test(start_paused = true)]
async fn a_missing_release_is_a_permanent_download_error() {
    let f = fixture();
    let before = Snapshot::take(f.root.path()).unwrap();
    let url = f.server.url("/demo-exporter-9.9.9.linux-amd64.tar.gz");
    let error = linux::download(&f.local, &f.target, &url, &quick())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            StepError::Download {
                step: "download",
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(f.server.served(), [Served::NotFound]);
    assert_eq!(Snapshot::take(f.root.path()).unwrap(), before);
}

#[tokio::test]
async fn extract_then_remove() {
    let f = fixture();
    linux::download(&f.local, &f.target, &f.url, &quick())
        .await
        .unwrap();
    let before = Snapshot::take(f.root.path()).unwrap();
    linux::extract(&f.local, &f.target).await.unwrap();
    let extracted = format!("{}/demo-exporter", f.target.extracted());
    assert_eq!(
        std::fs::read(&extracted).unwrap(),
        std::fs::read(EXPORTER).unwrap()
    );
    assert_eq!(mode(&extracted), 0o755);

    linux::remove_extracted(&f.local, &f.target).await.unwrap();
    assert_eq!(Snapshot::take(f.root.path()).unwrap(), before);
}

#[tokio::test]
async fn extract_without_a_tarball_fails_with_tars_message() {
    let f = fixture();
    let error = linux::extract(&f.local, &f.target).await.unwrap_err();
    let StepError::Command {
        step, code, stderr, ..
    } = &error
    else {
        panic!("{error}");
    };
    assert_eq!((*step, *code), ("extract", 2));
    assert!(stderr.contains("tar"), "{stderr}");
}

#[tokio::test]
async fn a_corrupt_tarball_extracts_nothing() {
    let f = fixture();
    std::fs::write(f.target.tarball(), b"not a tarball").unwrap();
    let before = Snapshot::take(f.root.path()).unwrap();
    let error = linux::extract(&f.local, &f.target).await.unwrap_err();
    assert!(
        matches!(
            error,
            StepError::Command {
                step: "extract",
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(Snapshot::take(f.root.path()).unwrap(), before);
}

#[tokio::test]
async fn install_binary_then_remove() {
    let f = fixture();
    linux::download(&f.local, &f.target, &f.url, &quick())
        .await
        .unwrap();
    linux::extract(&f.local, &f.target).await.unwrap();
    let before = Snapshot::take(f.root.path()).unwrap();
    linux::install_binary(&f.local, &f.target).await.unwrap();
    assert_eq!(mode(&f.target.binary()), 0o755);
    assert_eq!(
        std::fs::read(f.target.binary()).unwrap(),
        std::fs::read(EXPORTER).unwrap()
    );

    linux::remove_binary(&f.local, &f.target).await.unwrap();
    assert_eq!(Snapshot::take(f.root.path()).unwrap(), before);
}

#[tokio::test]
async fn write_unit_then_remove() {
    let f = fixture();
    linux::download(&f.local, &f.target, &f.url, &quick())
        .await
        .unwrap();
    linux::extract(&f.local, &f.target).await.unwrap();
    linux::install_binary(&f.local, &f.target).await.unwrap();
    let before = Snapshot::take(f.root.path()).unwrap();

    let check = linux::write_unit(&f.local, &f.target).await.unwrap();
    let has_analyzer = Path::new("/usr/bin/systemd-analyze").exists();
    let expected = if has_analyzer {
        UnitCheck::Verified
    } else {
        UnitCheck::Unchecked
    };
    assert_eq!(check, expected);
    let unit = std::fs::read_to_string(f.target.unit()).unwrap();
    assert!(unit.contains(&format!(
        "ExecStart={} --listen {} --pid-file {}\n",
        f.target.binary(),
        f.target.listen(),
        f.target.pid_file()
    )));
    assert!(unit.contains("[Install]\nWantedBy=multi-user.target\n"));
    assert_eq!(mode(&f.target.unit()), 0o644);

    linux::remove_unit(&f.local, &f.target).await.unwrap();
    assert_eq!(Snapshot::take(f.root.path()).unwrap(), before);
}

#[tokio::test]
async fn a_unit_whose_binary_is_missing_does_not_verify() {
    if !Path::new("/usr/bin/systemd-analyze").exists() {
        eprintln!("skipped: systemd-analyze not installed");
        return;
    }
    let f = fixture();
    let before = Snapshot::take(f.root.path()).unwrap();
    let error = linux::write_unit(&f.local, &f.target).await.unwrap_err();
    let StepError::Check { step, message } = &error else {
        panic!("{error}");
    };
    assert_eq!(*step, "write unit");
    assert!(message.contains("is not executable"), "{message}");
    assert_eq!(
        Snapshot::take(f.root.path()).unwrap(),
        before,
        "the unit is removed again"
    );
}

#[tokio::test]
async fn start_validate_then_stop() {
    let f = fixture();
    linux::download(&f.local, &f.target, &f.url, &quick())
        .await
        .unwrap();
    linux::extract(&f.local, &f.target).await.unwrap();
    linux::install_binary(&f.local, &f.target).await.unwrap();
    let before = Snapshot::take(f.root.path()).unwrap();

    let pid = linux::start(&f.local, &f.target).await.unwrap();
    assert!(alive(pid));
    let pid_file = std::fs::read_to_string(f.target.pid_file()).unwrap();
    assert_eq!(pid_file, format!("{pid}\n"));
    let page = linux::validate(&f.target, &quick()).await.unwrap();
    assert!(page.contains("demo_exporter_scrapes_total 1\n"), "{page}");

    linux::stop(&f.local, &f.target).await.unwrap();
    assert!(!alive(pid), "the exporter is gone");
    assert_eq!(Snapshot::take(f.root.path()).unwrap(), before);
    // Stopping again finds nothing to stop.
    linux::stop(&f.local, &f.target).await.unwrap();
}

#[tokio::test]
async fn start_fails_when_the_port_is_taken() {
    let f = fixture();
    let _taken = std::net::TcpListener::bind(f.target.listen()).unwrap();
    linux::download(&f.local, &f.target, &f.url, &quick())
        .await
        .unwrap();
    linux::extract(&f.local, &f.target).await.unwrap();
    linux::install_binary(&f.local, &f.target).await.unwrap();
    let error = linux::start(&f.local, &f.target).await.unwrap_err();
    let StepError::Command { step, stderr, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(
        (*step, stderr.as_str()),
        ("start", "the exporter exited at start\n")
    );
    assert!(!Path::new(&f.target.pid_file()).exists());
}

#[tokio::test]
async fn start_refuses_a_stale_pid_file_and_stop_clears_it() {
    let f = fixture();
    linux::download(&f.local, &f.target, &f.url, &quick())
        .await
        .unwrap();
    linux::extract(&f.local, &f.target).await.unwrap();
    linux::install_binary(&f.local, &f.target).await.unwrap();
    let before = Snapshot::take(f.root.path()).unwrap();
    // A pid no process has: the kernel's pid_max is at most 2^22.
    std::fs::write(f.target.pid_file(), "4194305\n").unwrap();

    let error = linux::start(&f.local, &f.target).await.unwrap_err();
    let StepError::Command { step, stderr, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(
        (*step, stderr.as_str()),
        ("start", "a pid file is already there\n")
    );

    linux::stop(&f.local, &f.target).await.unwrap();
    assert_eq!(Snapshot::take(f.root.path()).unwrap(), before);
    let pid = linux::start(&f.local, &f.target).await.unwrap();
    linux::stop(&f.local, &f.target).await.unwrap();
    assert!(!alive(pid));
}

#[tokio::test]
async fn stop_refuses_a_pid_file_without_a_pid() {
    let f = fixture();
    std::fs::write(f.target.pid_file(), "garbage\n").unwrap();
    let error = linux::stop(&f.local, &f.target).await.unwrap_err();
    let StepError::Command { step, stderr, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(*step, "stop");
    assert_eq!(stderr, "the pid file holds 'garbage', not a pid\n");
    assert!(
        Path::new(&f.target.pid_file()).exists(),
        "left for a person to look at"
    );
}

#[tokio::test(start_paused = true)]
async fn validate_without_an_exporter_fails() {
    let f = fixture();
    let error = linux::validate(&f.target, &quick()).await.unwrap_err();
    assert!(
        matches!(
            error,
            StepError::Download {
                step: "validate",
                ..
            }
        ),
        "{error}"
    );
}

#[tokio::test]
async fn all_six_then_all_undone_leave_the_root_as_it_was() {
    let f = fixture();
    let before = Snapshot::take(f.root.path()).unwrap();

    linux::download(&f.local, &f.target, &f.url, &quick())
        .await
        .unwrap();
    linux::extract(&f.local, &f.target).await.unwrap();
    linux::install_binary(&f.local, &f.target).await.unwrap();
    linux::write_unit(&f.local, &f.target).await.unwrap();
    let pid = linux::start(&f.local, &f.target).await.unwrap();
    linux::validate(&f.target, &quick()).await.unwrap();

    let installed = Snapshot::take(f.root.path()).unwrap();
    let prefix = |path: &str| {
        path.strip_prefix(&format!("{}/", root_str(f.root.path())))
            .unwrap()
            .to_owned()
    };
    let mut expected = vec![
        format!("+ {}", prefix(&f.target.tarball())),
        format!("+ {}", prefix(&f.target.extracted())),
        format!("+ {}/demo-exporter", prefix(&f.target.extracted())),
        format!("+ {}", prefix(&f.target.binary())),
        format!("+ {}", prefix(&f.target.unit())),
        format!("+ {}", prefix(&f.target.pid_file())),
    ];
    expected.sort_by(|a, b| a[2..].cmp(&b[2..]));
    assert_eq!(before.diff(&installed), expected);

    // Undo, last first.
    linux::stop(&f.local, &f.target).await.unwrap();
    linux::remove_unit(&f.local, &f.target).await.unwrap();
    linux::remove_binary(&f.local, &f.target).await.unwrap();
    linux::remove_extracted(&f.local, &f.target).await.unwrap();
    linux::remove_download(&f.local, &f.target).await.unwrap();

    assert_eq!(Snapshot::take(f.root.path()).unwrap(), before);
    assert!(!alive(pid));
}
