//! The six-step exporter install written with attributes: each step is a
//! plain `&self` method with `#[compensate]` and `#[with_retry]`, and
//! `install_exporter` is a `#[with_rollback]` scope that uses `?`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use retry_rollback::{RollbackError, UndoOutcome, compensate, with_retry, with_rollback};
use tempfile::TempDir;

/// What the installer does to the host, shared by its clones.
#[derive(Debug, Default)]
struct Host {
    /// Every step and undo, in the order they ran.
    journal: Mutex<Vec<String>>,
    /// Attempts of the download, which fails once before it succeeds.
    downloads: AtomicU32,
    /// Whether validation fails.
    broken: bool,
    /// An undo that fails, by name.
    failing_undo: Option<&'static str>,
}

/// An installer rooted in a directory; cheap to clone, as `#[compensate]`
/// needs.
#[derive(Debug, Clone)]
struct Installer {
    root: Arc<PathBuf>,
    host: Arc<Host>,
}

const VERSION: &str = "1.8.2";

impl Installer {
    fn note(&self, entry: impl Into<String>) {
        self.host.journal.lock().unwrap().push(entry.into());
    }

    fn undo(&self, name: &str) -> io::Result<()> {
        self.note(format!("undo {name}"));
        match self.host.failing_undo {
            Some(failing) if failing == name => {
                Err(io::Error::other(format!("{name}: device busy")))
            }
            _ => Ok(()),
        }
    }

    #[compensate(self.remove_tarball(value))]
    #[with_retry(max_attempts = 3, initial_delay = 1)]
    async fn download(&self, version: &str) -> io::Result<PathBuf> {
        if self.host.downloads.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "connection reset",
            ));
        }
        let tarball = self
            .root
            .join(format!("tmp/node_exporter-{version}.tar.gz"));
        fs::write(&tarball, b"tarball")?;
        self.note("download");
        Ok(tarball)
    }

    async fn remove_tarball(&self, tarball: PathBuf) -> io::Result<()> {
        self.undo("remove_tarball")?;
        fs::remove_file(tarball)
    }

    #[with_retry(max_attempts = 2)]
    #[compensate(self.remove_extracted(value), description = "Remove the extracted files")]
    async fn extract(&self, tarball: &Path) -> io::Result<PathBuf> {
        let dir = tarball.with_extension("").with_extension("");
        fs::create_dir(&dir)?;
        fs::write(dir.join("node_exporter"), b"binary")?;
        self.note("extract");
        Ok(dir)
    }

    async fn remove_extracted(&self, dir: PathBuf) -> io::Result<()> {
        self.undo("remove_extracted")?;
        fs::remove_dir_all(dir)
    }

    #[compensate(Self::remove_binary, retry = file_operation)]
    #[with_retry(preset = file_operation)]
    async fn install_binary(&self, extracted: &Path) -> io::Result<()> {
        fs::copy(
            extracted.join("node_exporter"),
            self.root.join("usr/local/bin/node_exporter"),
        )?;
        self.note("install_binary");
        Ok(())
    }

    async fn remove_binary(&self, _extracted: &Path) -> io::Result<()> {
        self.undo("remove_binary")?;
        fs::remove_file(self.root.join("usr/local/bin/node_exporter"))
    }

    #[compensate(self.remove_service(unit), name = "remove unit file")]
    #[with_retry]
    async fn create_service(&self, unit: String) -> io::Result<()> {
        let path = self.root.join("etc/systemd/system").join(unit);
        fs::write(path, b"[Service]\nExecStart=/usr/local/bin/node_exporter\n")?;
        self.note("create_service");
        Ok(())
    }

    async fn remove_service(&self, unit: String) -> io::Result<()> {
        self.undo("remove unit file")?;
        fs::remove_file(self.root.join("etc/systemd/system").join(unit))
    }

    #[compensate(Self::stop_service, timeout = 30)]
    #[with_retry(preset = network_operation)]
    async fn start_service(&self) -> io::Result<u32> {
        fs::write(self.root.join("run/node_exporter.pid"), b"4242")?;
        self.note("start_service");
        Ok(4242)
    }

    async fn stop_service(&self) -> io::Result<()> {
        self.undo("stop_service")?;
        fs::remove_file(self.root.join("run/node_exporter.pid"))
    }

    #[with_retry(max_attempts = 2, initial_delay = 0.5)]
    async fn validate(&self) -> io::Result<()> {
        self.note("validate");
        match self.host.broken {
            true => Err(io::Error::other("exporter not answering on :9100")),
            false => Ok(()),
        }
    }

    #[with_rollback(name = "install node_exporter")]
    async fn install_exporter(&self) -> Result<(), RollbackError<io::Error>> {
        let tarball = self.download(VERSION).await?;
        let extracted = self.extract(&tarball).await?;
        self.install_binary(&extracted).await?;
        self.create_service(String::from("node_exporter.service"))
            .await?;
        self.start_service().await?;
        self.validate().await
    }
}

/// A host with the directories an install writes to, and one file of its
/// own.
fn host(broken: bool, failing_undo: Option<&'static str>) -> (TempDir, Installer) {
    let dir = TempDir::new().unwrap();
    for sub in ["tmp", "usr/local/bin", "etc/systemd/system", "run"] {
        fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    fs::write(dir.path().join("etc/hostname"), b"metrics-01\n").unwrap();
    let installer = Installer {
        root: Arc::new(dir.path().to_path_buf()),
        host: Arc::new(Host {
            broken,
            failing_undo,
            ..Host::default()
        }),
    };
    (dir, installer)
}

/// Every path under `root`, with the contents of each file.
fn listing(root: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Option<Vec<u8>>)>) {
        let mut entries: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.strip_prefix(root).unwrap().display().to_string();
            if path.is_dir() {
                out.push((name, None));
                walk(root, &path, out);
            } else {
                out.push((name, Some(fs::read(&path).unwrap())));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

fn journal(installer: &Installer) -> Vec<String> {
    installer.host.journal.lock().unwrap().clone()
}

#[tokio::test(start_paused = true)]
async fn every_step_succeeding_leaves_everything_installed_and_nothing_undone() {
    let (dir, installer) = host(false, None);
    let started = tokio::time::Instant::now();

    installer.install_exporter().await.unwrap();

    assert_eq!(
        journal(&installer),
        [
            "download",
            "extract",
            "install_binary",
            "create_service",
            "start_service",
            "validate"
        ]
    );
    // The download failed once and was retried after one second.
    assert_eq!(installer.host.downloads.load(Ordering::SeqCst), 2);
    assert_eq!(started.elapsed(), std::time::Duration::from_secs(1));
    let root = dir.path();
    assert_eq!(
        fs::read(root.join("usr/local/bin/node_exporter")).unwrap(),
        b"binary"
    );
    assert!(
        root.join("etc/systemd/system/node_exporter.service")
            .is_file()
    );
    assert_eq!(
        fs::read(root.join("run/node_exporter.pid")).unwrap(),
        b"4242"
    );
    assert!(root.join("tmp/node_exporter-1.8.2.tar.gz").is_file());
    assert!(root.join("tmp/node_exporter-1.8.2/node_exporter").is_file());
}

#[tokio::test(start_paused = true)]
async fn validation_failing_leaves_the_host_as_before_and_reports_five_undos_last_first() {
    let (dir, installer) = host(true, None);
    let before = listing(dir.path());

    let error = installer.install_exporter().await.unwrap_err();

    assert_eq!(listing(dir.path()), before);
    assert_eq!(error.error().to_string(), "exporter not answering on :9100");
    let report = error.report();
    assert_eq!(report.scope(), "install node_exporter");
    assert!(report.is_clean());
    let undone: Vec<(&str, &UndoOutcome)> = report
        .actions()
        .iter()
        .map(|action| (action.name(), action.outcome()))
        .collect();
    assert_eq!(
        undone,
        [
            ("stop_service", &UndoOutcome::Undone),
            ("remove unit file", &UndoOutcome::Undone),
            ("remove_binary", &UndoOutcome::Undone),
            ("remove_extracted", &UndoOutcome::Undone),
            ("remove_tarball", &UndoOutcome::Undone),
        ]
    );
    assert_eq!(
        report.actions()[3].description(),
        Some("Remove the extracted files")
    );
    // Validation was tried twice, then the undos ran, last first.
    assert_eq!(
        journal(&installer)[5..],
        [
            "validate",
            "validate",
            "undo stop_service",
            "undo remove unit file",
            "undo remove_binary",
            "undo remove_extracted",
            "undo remove_tarball",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn an_undo_that_fails_is_reported_and_the_others_still_run() {
    let (dir, installer) = host(true, Some("remove unit file"));

    let error = installer.install_exporter().await.unwrap_err();

    let report = error.report();
    assert!(!report.is_clean());
    assert_eq!(report.undone(), 4);
    let failures: Vec<(&str, &UndoOutcome)> = report
        .failures()
        .map(|action| (action.name(), action.outcome()))
        .collect();
    assert_eq!(
        failures,
        [(
            "remove unit file",
            &UndoOutcome::Failed(String::from("remove unit file: device busy"))
        )]
    );
    // The unit file stays; everything else is gone.
    assert_eq!(
        listing(dir.path())
            .into_iter()
            .filter(|(_, contents)| contents.is_some())
            .map(|(name, _)| name)
            .collect::<Vec<_>>(),
        ["etc/hostname", "etc/systemd/system/node_exporter.service"]
    );
}
