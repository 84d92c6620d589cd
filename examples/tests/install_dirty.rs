//! An undo that fails during the install's rollback: the other undo
//! actions still run, last first, and the report names the one step left
//! on the host.

mod common;

use std::sync::Arc;

use common::{exporter_tarball, free_port, host_root, root_str};
use examples::artifact::Release;
use examples::artifact_server::ArtifactServer;
use examples::installer::{Installer, Progress, Step};
use examples::snapshot::Snapshot;
use examples::steps::linux::LinuxTarget;
use examples::transport::{LocalTransport, Transport, TransportError};
use retry_rollback::{CommandOutput, RetryConfig, UndoOutcome};

/// The local transport, except that `rm -f` of a path ending in `refused`
/// fails as a read-only file system would make it fail.
struct RefusingRm {
    local: LocalTransport,
    refused: String,
}

impl Transport for RefusingRm {
    async fn exec(&self, command: &str) -> Result<CommandOutput, TransportError> {
        if command.starts_with("rm -f ") && command.ends_with(&format!("{}'", self.refused)) {
            return Ok((1, String::new(), "rm: Read-only file system\n".to_owned()));
        }
        self.local.exec(command).await
    }

    async fn put_file(&self, path: &str, contents: &[u8], mode: u32) -> Result<(), TransportError> {
        self.local.put_file(path, contents, mode).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_failing_undo_leaves_its_step_and_the_others_are_undone() {
    let root = host_root();
    let before = Snapshot::take(root.path()).unwrap();
    let release = Release::demo_exporter();
    let path = format!("/{}", release.file_name());
    let server = ArtifactServer::start([(path.clone(), exporter_tarball().to_vec())]).unwrap();
    let listen = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let target = LinuxTarget::new(&root_str(root.path()), release, listen);
    let transport = RefusingRm {
        local: LocalTransport::new(root.path()),
        refused: target.binary(),
    };
    let progress = Arc::new(Progress::new(std::io::sink()));
    let installer = Installer::new(
        transport,
        target,
        &server.url(&path),
        RetryConfig::default(),
        progress.clone(),
    )
    .unwrap()
    .fail_at(Some(Step::Start));

    let error = installer.install_exporter().await.unwrap_err();
    assert_eq!(
        error.error().to_string(),
        "start: failing on purpose (--fail-at start)"
    );
    let report = error.report();
    assert!(!report.is_clean());
    let outcomes: Vec<(&str, &UndoOutcome)> = report
        .actions()
        .iter()
        .map(|action| (action.name(), action.outcome()))
        .collect();
    let refused = UndoOutcome::Failed(format!(
        "remove binary: `rm -f '{}'` exited with 1: rm: Read-only file system",
        installer.target().binary()
    ));
    assert_eq!(
        outcomes,
        [
            ("remove unit", &UndoOutcome::Undone),
            ("remove binary", &refused),
            ("remove extracted", &UndoOutcome::Undone),
            ("remove download", &UndoOutcome::Undone),
        ]
    );
    let dirty: Vec<&str> = report.failures().map(|action| action.name()).collect();
    assert_eq!(dirty, ["remove binary"]);
    assert_eq!(
        before.diff(&Snapshot::take(root.path()).unwrap()),
        ["+ usr/local/bin/demo-exporter"]
    );
    assert_eq!(
        progress.finished_steps(),
        [Step::Download, Step::Extract, Step::Install, Step::Unit]
    );
}
