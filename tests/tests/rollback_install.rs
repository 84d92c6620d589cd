//! The six-step install of a node exporter into a directory that stands
//! for the host: when validation fails, the host is left exactly as it was.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use retry_rollback::{RollbackContext, RollbackError, UndoOutcome};
use tempfile::TempDir;

/// Every path under `root`, with the contents of each file (`None` for a
/// directory).
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, into: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(root).unwrap().to_path_buf();
            if path.is_dir() {
                into.insert(relative, None);
                walk(root, &path, into);
            } else {
                into.insert(relative, Some(fs::read(&path).unwrap()));
            }
        }
    }
    let mut listing = BTreeMap::new();
    walk(root, root, &mut listing);
    listing
}

/// A host with what any host has before the install: a few system files
/// and another binary next to where ours goes.
fn host() -> TempDir {
    let host = TempDir::new().unwrap();
    let root = host.path();
    for dir in [
        "downloads",
        "opt",
        "usr/local/bin",
        "etc/systemd/system",
        "run",
    ] {
        fs::create_dir_all(root.join(dir)).unwrap();
    }
    fs::write(root.join("etc/hostname"), "exporter-host-07\n").unwrap();
    fs::write(root.join("usr/local/bin/jq"), "jq binary").unwrap();
    fs::write(root.join("etc/systemd/system/sshd.service"), "[Unit]\n").unwrap();
    host
}

struct Installer {
    root: PathBuf,
    validation_passes: bool,
}

impl Installer {
    fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    async fn download(&self) -> io::Result<()> {
        fs::write(
            self.path("downloads/node_exporter.tar"),
            "node_exporter 1.8.2\nLICENSE\n",
        )
    }

    async fn remove_download(&self) -> io::Result<()> {
        fs::remove_file(self.path("downloads/node_exporter.tar"))
    }

    async fn extract(&self) -> io::Result<()> {
        let dir = self.path("opt/node_exporter-1.8.2");
        fs::create_dir_all(dir.join("doc"))?;
        let tarball = fs::read_to_string(self.path("downloads/node_exporter.tar"))?;
        let (binary, license) = tarball.split_once('\n').unwrap_or((&tarball, ""));
        fs::write(dir.join("node_exporter"), binary)?;
        fs::write(dir.join("doc/LICENSE"), license)
    }

    async fn remove_extracted(&self) -> io::Result<()> {
        fs::remove_dir_all(self.path("opt/node_exporter-1.8.2"))
    }

    async fn install_binary(&self) -> io::Result<()> {
        fs::copy(
            self.path("opt/node_exporter-1.8.2/node_exporter"),
            self.path("usr/local/bin/node_exporter"),
        )
        .map(drop)
    }

    async fn remove_binary(&self) -> io::Result<()> {
        fs::remove_file(self.path("usr/local/bin/node_exporter"))
    }

    async fn write_unit(&self) -> io::Result<()> {
        fs::write(
            self.path("etc/systemd/system/node_exporter.service"),
            "[Service]\nExecStart=/usr/local/bin/node_exporter\n",
        )
    }

    async fn remove_unit(&self) -> io::Result<()> {
        fs::remove_file(self.path("etc/systemd/system/node_exporter.service"))
    }

    async fn start_service(&self) -> io::Result<()> {
        fs::write(self.path("run/node_exporter.pid"), "4242\n")
    }

    async fn stop_service(&self) -> io::Result<()> {
        fs::remove_file(self.path("run/node_exporter.pid"))
    }

    async fn validate(&self) -> io::Result<()> {
        let pid = fs::read_to_string(self.path("run/node_exporter.pid"))?;
        if self.validation_passes {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "node_exporter (pid {}) is not answering on :9100",
                pid.trim()
            )))
        }
    }

    async fn install(&self) -> Result<(), RollbackError<io::Error>> {
        RollbackContext::scope("install node_exporter", async |ctx| {
            self.download().await?;
            ctx.add_action("remove download", || self.remove_download())
                .description("Remove the downloaded tarball");
            self.extract().await?;
            ctx.add_action("remove extracted files", || self.remove_extracted())
                .description("Remove /opt/node_exporter-1.8.2");
            self.install_binary().await?;
            ctx.add_action("remove binary", || self.remove_binary())
                .description("Remove /usr/local/bin/node_exporter");
            self.write_unit().await?;
            ctx.add_action("remove unit", || self.remove_unit())
                .description("Remove the systemd unit");
            self.start_service().await?;
            ctx.add_action("stop service", || self.stop_service())
                .description("Stop node_exporter");
            self.validate().await
        })
        .await
    }
}

#[tokio::test(start_paused = true)]
async fn failed_validation_leaves_the_host_as_it_was() {
    let host = host();
    let before = snapshot(host.path());
    let installer = Installer {
        root: host.path().to_path_buf(),
        validation_passes: false,
    };

    let error = installer.install().await.unwrap_err();

    assert_eq!(snapshot(host.path()), before);
    assert_eq!(
        error.error().to_string(),
        "node_exporter (pid 4242) is not answering on :9100"
    );
    let report = error.report();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.scope(), "install node_exporter");
    let undone: Vec<(&str, &UndoOutcome, u32)> = report
        .actions()
        .iter()
        .map(|action| (action.name(), action.outcome(), action.attempts()))
        .collect();
    assert_eq!(
        undone,
        [
            ("stop service", &UndoOutcome::Undone, 1),
            ("remove unit", &UndoOutcome::Undone, 1),
            ("remove binary", &UndoOutcome::Undone, 1),
            ("remove extracted files", &UndoOutcome::Undone, 1),
            ("remove download", &UndoOutcome::Undone, 1),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_step_that_fails_undoes_only_the_steps_before_it() {
    let host = host();
    // The unit cannot be written: its directory is a file.
    fs::remove_dir_all(host.path().join("etc/systemd/system")).unwrap();
    fs::write(host.path().join("etc/systemd/system"), "not a directory").unwrap();
    let before = snapshot(host.path());
    let installer = Installer {
        root: host.path().to_path_buf(),
        validation_passes: true,
    };

    let error = installer.install().await.unwrap_err();

    assert_eq!(snapshot(host.path()), before);
    let undone: Vec<&str> = error.report().actions().iter().map(|a| a.name()).collect();
    assert_eq!(
        undone,
        ["remove binary", "remove extracted files", "remove download"]
    );
    assert!(error.is_clean());
}

#[tokio::test(start_paused = true)]
async fn a_successful_install_stays_installed() {
    let host = host();
    let before = snapshot(host.path());
    let installer = Installer {
        root: host.path().to_path_buf(),
        validation_passes: true,
    };

    installer.install().await.unwrap();

    let after = snapshot(host.path());
    let added: Vec<&Path> = after
        .keys()
        .filter(|path| !before.contains_key(*path))
        .map(PathBuf::as_path)
        .collect();
    assert_eq!(
        added,
        [
            Path::new("downloads/node_exporter.tar"),
            Path::new("etc/systemd/system/node_exporter.service"),
            Path::new("opt/node_exporter-1.8.2"),
            Path::new("opt/node_exporter-1.8.2/doc"),
            Path::new("opt/node_exporter-1.8.2/doc/LICENSE"),
            Path::new("opt/node_exporter-1.8.2/node_exporter"),
            Path::new("run/node_exporter.pid"),
            Path::new("usr/local/bin/node_exporter"),
        ]
    );
}
