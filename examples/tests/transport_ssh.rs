//! The SSH transport against a real `sshd` started for the test, and the
//! Linux install steps over it.
//!
//! Without `/usr/sbin/sshd` each test prints "skipped: sshd not installed"
//! and returns, except under CI (the `CI` variable set), where it fails.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{alive, exporter_tarball, free_port, host_root, root_str};
use examples::artifact::Release;
use examples::artifact_server::ArtifactServer;
use examples::snapshot::Snapshot;
use examples::sshd::Sshd;
use examples::steps::linux::{self, LinuxTarget};
use examples::transport::{SshTransport, Transport, TransportError};
use retry_rollback::RetryConfig;

fn retry() -> RetryConfig {
    RetryConfig::builder()
        .max_attempts(3)
        .initial_delay(Duration::from_millis(10))
        .build()
        .unwrap()
}

async fn connect(sshd: &Sshd) -> SshTransport {
    match SshTransport::connect(&sshd.target(), retry()).await {
        Ok(ssh) => ssh,
        Err(error) => panic!("ssh login failed: {error}\nsshd log:\n{}", sshd.log()),
    }
}

#[tokio::test]
async fn runs_commands_and_hands_back_exit_codes() {
    let Some(sshd) = Sshd::start_or_skip() else {
        return;
    };
    let ssh = connect(&sshd).await;

    let (code, stdout, stderr) = ssh.exec("echo out; echo err >&2; exit 3").await.unwrap();
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (3, "out\n", "err\n")
    );

    let (code, stdout, _) = ssh.exec("id -un").await.unwrap();
    assert_eq!(code, 0);
    assert_eq!(stdout.trim(), sshd.target().user);
    ssh.close().await.unwrap();
}

#[tokio::test]
async fn exit_code_255_is_retried_through_retry_command() {
    let Some(sshd) = Sshd::start_or_skip() else {
        return;
    };
    let ssh = connect(&sshd).await;
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("attempts");
    // Fails the way a dropped connection does on the first two attempts.
    let command = format!(
        "n=$(cat {count} 2>/dev/null || echo 0); n=$((n + 1)); echo $n > {count}; \
         [ $n -lt 3 ] && exit 255; echo connected on attempt $n",
        count = count.display()
    );
    let (code, stdout, _) = ssh.exec(&command).await.unwrap();
    assert_eq!((code, stdout.as_str()), (0, "connected on attempt 3\n"));
    assert_eq!(std::fs::read_to_string(&count).unwrap(), "3\n");

    // Out of attempts, the last failure comes back: the `openssh` crate
    // reports exit code 255 as a lost session.
    std::fs::write(&count, "-10\n").unwrap();
    let error = ssh.exec(&command).await.unwrap_err();
    assert!(
        matches!(
            error,
            TransportError::Ssh(openssh::Error::RemoteProcessTerminated)
        ),
        "{error}"
    );
    assert_eq!(std::fs::read_to_string(&count).unwrap(), "-7\n");
    ssh.close().await.unwrap();
}

#[tokio::test]
async fn puts_files_over_the_session() {
    let Some(sshd) = Sshd::start_or_skip() else {
        return;
    };
    let ssh = connect(&sshd).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("it's here.bin");
    let contents: Vec<u8> = (0..=255).cycle().take(100_000).collect();

    ssh.put_file(path.to_str().unwrap(), &contents, 0o640)
        .await
        .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), contents);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);

    let missing = dir.path().join("no/such/dir/file");
    let error = ssh
        .put_file(missing.to_str().unwrap(), b"x", 0o644)
        .await
        .unwrap_err();
    assert!(
        matches!(error, TransportError::Command { code: 1 | 2, .. }),
        "{error}"
    );
    ssh.close().await.unwrap();
}

#[tokio::test]
async fn a_wrong_host_key_is_refused() {
    let Some(sshd) = Sshd::start_or_skip() else {
        return;
    };
    let mut target = sshd.target();
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("known_hosts");
    std::fs::write(
        &other,
        format!(
            "[127.0.0.1]:{} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPkhy5n1M3vrsL6MfXCWMKsa2TFlyAYJhE1Dl6rs7O0s\n",
            target.port
        ),
    )
    .unwrap();
    target.known_hosts_file = other;
    let error = SshTransport::connect(&target, retry()).await.unwrap_err();
    let TransportError::Ssh(openssh::Error::Connect(cause)) = &error else {
        panic!("{error:?}");
    };
    assert!(
        cause.to_string().contains("Host key verification failed"),
        "{cause}"
    );
}

#[tokio::test]
async fn installs_and_undoes_over_ssh() {
    let Some(sshd) = Sshd::start_or_skip() else {
        return;
    };
    let ssh = connect(&sshd).await;
    let root = host_root();
    let release = Release::demo_exporter();
    let path = format!("/{}", release.file_name());
    let server = ArtifactServer::start([(path.clone(), exporter_tarball().to_vec())]).unwrap();
    let listen = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let target = LinuxTarget::new(&root_str(root.path()), release, listen);
    let before = Snapshot::take(root.path()).unwrap();

    linux::download(&ssh, &target, &server.url(&path), &retry())
        .await
        .unwrap();
    linux::extract(&ssh, &target).await.unwrap();
    linux::install_binary(&ssh, &target).await.unwrap();
    linux::write_unit(&ssh, &target).await.unwrap();
    let pid = linux::start(&ssh, &target).await.unwrap();
    let page = linux::validate(&target, &retry()).await.unwrap();
    assert!(page.contains("demo_exporter_up 1\n"));
    assert!(alive(pid));
    assert_eq!(
        std::fs::read(target.binary()).unwrap(),
        std::fs::read(common::EXPORTER).unwrap()
    );
    assert!(Path::new(&target.unit()).exists());

    linux::stop(&ssh, &target).await.unwrap();
    linux::remove_unit(&ssh, &target).await.unwrap();
    linux::remove_binary(&ssh, &target).await.unwrap();
    linux::remove_extracted(&ssh, &target).await.unwrap();
    linux::remove_download(&ssh, &target).await.unwrap();
    assert_eq!(Snapshot::take(root.path()).unwrap(), before);
    assert!(!alive(pid));
    ssh.close().await.unwrap();
}

#[tokio::test]
async fn the_harness_stops_sshd_on_drop() {
    let Some(sshd) = Sshd::start_or_skip() else {
        return;
    };
    let addr = sshd.addr();
    assert!(std::net::TcpStream::connect(addr).is_ok());
    drop(sshd);
    assert!(std::net::TcpStream::connect(addr).is_err());
}
