//! The whole demo: a target root, a flaky artifact server, a transport,
//! the install, and what it left behind.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use retry_rollback::{ConfigError, RetryConfig, RollbackReport, UndoOutcome};
use tempfile::TempDir;

use super::{Installed, Installer, Progress, Retried, Step};
use crate::artifact::Release;
use crate::artifact_server::ArtifactServer;
use crate::snapshot::Snapshot;
use crate::sshd::{self, Availability, Sshd};
use crate::steps::linux::LinuxTarget;
use crate::transport::{LocalTransport, SshTransport, Transport, TransportError};

/// The seed of the artifact server's faults when none is given.
pub const DEFAULT_SEED: u64 = 8;

/// The fault rate of the artifact server when none is given: one request
/// in three fails, so that a default run shows a retry or two.
pub const DEFAULT_FLAKY: f64 = 0.3;

/// What [`run`] does.
#[derive(Debug, Clone)]
pub struct Options {
    /// The target's root; `None` makes a new directory under the system
    /// temporary directory, removed at the end unless the exporter is
    /// kept or the root was left dirty.
    pub root: Option<PathBuf>,
    /// The share of artifact requests that fail (0.0 to 1.0): half of
    /// them drop the connection, half answer 503.
    pub flaky: f64,
    /// The seed of those faults: the same seed fails the same requests.
    pub seed: u64,
    /// The step that fails for good, if any.
    pub fail_at: Option<Step>,
    /// Install over SSH to a throwaway `sshd` on this machine.
    pub ssh: bool,
    /// Leave the exporter installed and running after a success; without
    /// it, the demo uninstalls it again and checks the root.
    pub keep: bool,
    /// Only uninstall what an earlier `keep` run left under `root`.
    pub uninstall: bool,
    /// The exporter binary to pack into the release tarball.
    pub exporter: PathBuf,
    /// The retry configuration of every step.
    pub retry: RetryConfig,
}

impl Options {
    /// The defaults, packing `exporter`: a temporary root, faults at
    /// [`DEFAULT_FLAKY`] with [`DEFAULT_SEED`], no failing step, this
    /// machine, uninstall at the end, and steps tried up to 5 times,
    /// 200 ms to 2 s apart.
    ///
    /// ```
    /// let options = examples::installer::Options::new("/usr/local/bin/demo-exporter".into());
    /// assert_eq!(options.retry.max_attempts(), 5);
    /// assert!(!options.keep);
    /// ```
    pub fn new(exporter: PathBuf) -> Options {
        Options {
            root: None,
            flaky: DEFAULT_FLAKY,
            seed: DEFAULT_SEED,
            fail_at: None,
            ssh: false,
            keep: false,
            uninstall: false,
            exporter,
            retry: step_retry(),
        }
    }
}

/// Five attempts, 200 ms, 400 ms, 800 ms, then 1.6 s apart.
fn step_retry() -> RetryConfig {
    let builder = RetryConfig::builder()
        .max_attempts(5)
        .initial_delay(Duration::from_millis(200))
        .backoff_factor(2.0)
        .max_delay(Duration::from_secs(2));
    // These literal values are valid; the default stands in should the
    // builder ever refuse them.
    builder.build().unwrap_or_default()
}

/// What a run did.
#[derive(Debug)]
pub struct Outcome {
    /// The target's root.
    pub root: PathBuf,
    /// Whether the root was a new temporary directory that the run
    /// removed at the end.
    pub root_removed: bool,
    /// What the install left running, if it succeeded.
    pub installed: Option<Installed>,
    /// Whether the exporter was left installed and running.
    pub kept: bool,
    /// The error that ended the run: the failing step's, or the
    /// uninstall's.
    pub error: Option<String>,
    /// The rollback's report, when the install failed.
    pub report: Option<RollbackReport>,
    /// Every retry of every step, in order.
    pub retries: Vec<Retried>,
    /// The steps that succeeded, in order.
    pub finished: Vec<Step>,
    /// Whether the root was found byte for byte as before the install,
    /// checked after a rollback or an uninstall; `None` when it stays
    /// installed.
    pub unchanged: Option<bool>,
}

impl Outcome {
    /// Whether the run did what was asked: installed (and kept, or
    /// uninstalled leaving the root as it was), or uninstalled.
    pub fn succeeded(&self) -> bool {
        self.error.is_none() && self.unchanged != Some(false)
    }
}

/// Why the demo could not even start the install.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// Preparing the root, packing the release or starting the artifact
    /// server failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        source: io::Error,
    },
    /// `--ssh` without an OpenSSH server installed.
    #[error(
        "--ssh starts a throwaway OpenSSH server, and {} is not installed: \
         install openssh-server (apt-get install openssh-server)",
        sshd::SSHD
    )]
    NoSshd,
    /// Logging in to the throwaway server failed.
    #[error("ssh login to the throwaway sshd failed: {0}")]
    Ssh(TransportError),
    /// The retry configuration was refused.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// `--uninstall` without `--root`.
    #[error("--uninstall needs the --root of the install to remove")]
    UninstallWithoutRoot,
}

fn io_error(what: impl Into<String>) -> impl FnOnce(io::Error) -> SetupError {
    let what = what.into();
    move |source| SetupError::Io { what, source }
}

/// Runs the demo: prepares the root, serves the release from a flaky
/// artifact server, installs through the chosen transport, and then
/// either keeps the exporter, or uninstalls it and checks that the root
/// is as it was; after a failure, prints the rollback report and checks
/// the root the same way.
///
/// Every line for a person goes to `progress`; the [`Outcome`] says the
/// same for a program.
///
/// # Errors
///
/// [`SetupError`] when the install could not start at all; a failed
/// install is an [`Outcome`] that did not succeed.
pub async fn run(options: &Options, progress: Arc<Progress>) -> Result<Outcome, SetupError> {
    if options.uninstall {
        match &options.root {
            None => return Err(SetupError::UninstallWithoutRoot),
            Some(root) if !root.is_dir() => {
                return Err(SetupError::Io {
                    what: format!("uninstalling from {}", root.display()),
                    source: io::Error::new(io::ErrorKind::NotFound, "no such directory"),
                });
            }
            Some(_) => {}
        }
    }
    let (root, temporary) = prepare_root(options.root.as_deref(), &progress)?;
    let root_str = root
        .to_str()
        .ok_or_else(|| SetupError::Io {
            what: format!("root {}", root.display()),
            source: io::Error::new(io::ErrorKind::InvalidInput, "not UTF-8"),
        })?
        .to_owned();
    let release = Release::demo_exporter();
    let listen = free_port().map_err(io_error("picking a port for the exporter"))?;
    let target = LinuxTarget::new(&root_str, release.clone(), listen);

    if options.uninstall {
        let local = LocalTransport::new(&root);
        let installer = Installer::new(local, target, "", options.retry.clone(), progress.clone())?;
        progress.line(format_args!("uninstalling demo-exporter from {root_str}"));
        let result = installer.uninstall().await;
        return Ok(Outcome {
            root,
            root_removed: false,
            installed: None,
            kept: false,
            error: result.err().map(|error| error.to_string()),
            report: None,
            retries: Vec::new(),
            finished: Vec::new(),
            unchanged: None,
        });
    }

    let before = Snapshot::take(&root).map_err(io_error("reading the root"))?;
    let exporter = options.exporter.clone();
    let packing = release.clone();
    let tarball = tokio::task::spawn_blocking(move || packing.pack(&exporter))
        .await
        .map_err(|join| io_error("packing the release")(io::Error::other(join)))?
        .map_err(io_error(format!("packing {}", options.exporter.display())))?;
    let path = format!("/{}", release.file_name());
    let server = ArtifactServer::start([(path.clone(), tarball)])
        .map_err(io_error("starting the artifact server"))?
        .flaky(options.flaky, options.seed);
    let url = server.url(&path);

    progress.line(format_args!(
        "installing demo-exporter {} into {root_str}{}",
        crate::exporter::VERSION,
        if temporary.is_some() {
            " (a new temporary root)"
        } else {
            ""
        }
    ));
    progress.line(format_args!(
        "artifact server {} fails {:.0}% of requests (seed {})",
        server.addr(),
        options.flaky.clamp(0.0, 1.0) * 100.0,
        options.seed
    ));
    if let Some(step) = options.fail_at {
        progress.line(format_args!("step {step} will fail for good (--fail-at)"));
    }

    let mut outcome = if options.ssh {
        let sshd = start_sshd().await?;
        progress.line(format_args!(
            "over SSH to a throwaway sshd on {} as {}",
            sshd.addr(),
            sshd.target().user
        ));
        let ssh = SshTransport::connect(&sshd.target(), options.retry.clone())
            .await
            .map_err(SetupError::Ssh)?;
        let installer = Installer::new(ssh, target, &url, options.retry.clone(), progress.clone())?
            .fail_at(options.fail_at);
        let outcome = install(&installer, options, &progress, &root, &before).await;
        drop(installer);
        drop(sshd);
        outcome
    } else {
        progress.line("on this machine (sh -c in the root)");
        let local = LocalTransport::new(&root);
        let installer =
            Installer::new(local, target, &url, options.retry.clone(), progress.clone())?
                .fail_at(options.fail_at);
        install(&installer, options, &progress, &root, &before).await
    };
    drop(server);

    outcome.root_removed = finish_root(temporary, &outcome, &progress);
    Ok(outcome)
}

/// Installs, then keeps or uninstalls; reports a failure and checks the
/// root.
async fn install<T: Transport + Send + Sync + 'static>(
    installer: &Installer<T>,
    options: &Options,
    progress: &Progress,
    root: &Path,
    before: &Snapshot,
) -> Outcome {
    let mut outcome = Outcome {
        root: root.to_owned(),
        root_removed: false,
        installed: None,
        kept: false,
        error: None,
        report: None,
        retries: Vec::new(),
        finished: Vec::new(),
        unchanged: None,
    };
    match installer.install_exporter().await {
        Ok(installed) => {
            progress.line(format_args!(
                "installed: pid {} answers {} with demo_exporter_up 1 (unit {:?})",
                installed.pid,
                installer.target().metrics_url(),
                installed.unit_check
            ));
            summarize_retries(progress);
            if options.keep {
                outcome.kept = true;
                progress.line(format_args!(
                    "left running (--keep); to remove it: \
                     cargo run -p examples --example install -- --root {} --uninstall",
                    root.display()
                ));
            } else {
                progress.line("uninstalling, last step first (--keep leaves it running):");
                if let Err(error) = installer.uninstall().await {
                    outcome.error = Some(format!("uninstall: {error}"));
                }
                outcome.unchanged = Some(check_root(root, before, progress));
            }
            outcome.installed = Some(installed);
        }
        Err(error) => {
            let (error, report) = error.into_parts();
            progress.line(format_args!("install failed: {error}"));
            progress.line(&report);
            summarize_rollback(progress, &report);
            summarize_retries(progress);
            outcome.unchanged = Some(check_root(root, before, progress));
            outcome.error = Some(error.to_string());
            outcome.report = Some(report);
        }
    }
    outcome.retries = progress.retries();
    outcome.finished = progress.finished_steps();
    outcome
}

fn summarize_retries(progress: &Progress) {
    let retries = progress.retries();
    if retries.is_empty() {
        progress.line("retries: none");
        return;
    }
    let by_step: Vec<String> = Step::ALL
        .into_iter()
        .filter_map(|step| match progress.retries_of(step) {
            0 => None,
            n => Some(format!("{step} {n}")),
        })
        .collect();
    progress.line(format_args!(
        "retries: {} ({})",
        retries.len(),
        by_step.join(", ")
    ));
}

fn summarize_rollback(progress: &Progress, report: &RollbackReport) {
    let names = |pick: &dyn Fn(&UndoOutcome) -> bool| {
        let names: Vec<&str> = report
            .actions()
            .iter()
            .filter(|action| pick(action.outcome()))
            .map(|action| action.name())
            .collect();
        if names.is_empty() {
            "nothing".to_owned()
        } else {
            names.join(", ")
        }
    };
    let done: Vec<&str> = progress
        .finished_steps()
        .into_iter()
        .map(Step::name)
        .collect();
    let done = if done.is_empty() {
        "nothing".to_owned()
    } else {
        done.join(", ")
    };
    progress.line(format_args!("  done:       {done}"));
    progress.line(format_args!(
        "  undone:     {}",
        names(&|outcome| *outcome == UndoOutcome::Undone)
    ));
    progress.line(format_args!(
        "  left dirty: {}",
        names(&UndoOutcome::is_failure)
    ));
}

/// Whether the root is as `before`, said in a line either way.
fn check_root(root: &Path, before: &Snapshot, progress: &Progress) -> bool {
    match Snapshot::take(root) {
        Ok(after) if after == *before => {
            progress.line(format_args!(
                "root check: {} is byte for byte as before the install",
                root.display()
            ));
            true
        }
        Ok(after) => {
            progress.line(format_args!(
                "root check: {} changed: {}",
                root.display(),
                before.diff(&after).join(", ")
            ));
            false
        }
        Err(error) => {
            progress.line(format_args!(
                "root check: cannot read {}: {error}",
                root.display()
            ));
            false
        }
    }
}

/// The root to install into, made with the directories a host has; the
/// temporary directory if one was made.
fn prepare_root(
    root: Option<&Path>,
    progress: &Progress,
) -> Result<(PathBuf, Option<TempDir>), SetupError> {
    let (root, temporary) = match root {
        Some(root) => {
            std::fs::create_dir_all(root)
                .map_err(io_error(format!("creating {}", root.display())))?;
            (root.to_owned(), None)
        }
        None => {
            let dir = tempfile::Builder::new()
                .prefix("install-demo-")
                .tempdir()
                .map_err(io_error("making a temporary root"))?;
            (dir.path().to_owned(), Some(dir))
        }
    };
    let root = root
        .canonicalize()
        .map_err(io_error(format!("resolving {}", root.display())))?;
    for dir in LinuxTarget::DIRS {
        let path = root.join(dir);
        if !path.is_dir() {
            std::fs::create_dir_all(&path)
                .map_err(io_error(format!("creating {}", path.display())))?;
            if temporary.is_none() {
                progress.line(format_args!("prepared {}", path.display()));
            }
        }
    }
    Ok((root, temporary))
}

/// Removes a temporary root unless the exporter stays or the root was
/// left dirty; says so either way. Whether it was removed.
fn finish_root(temporary: Option<TempDir>, outcome: &Outcome, progress: &Progress) -> bool {
    let Some(dir) = temporary else {
        return false;
    };
    if outcome.kept || outcome.unchanged != Some(true) {
        let path = dir.keep();
        progress.line(format_args!("root kept at {}", path.display()));
        false
    } else {
        let path = dir.path().to_owned();
        match dir.close() {
            Ok(()) => {
                progress.line(format_args!(
                    "removed the temporary root {}",
                    path.display()
                ));
                true
            }
            Err(error) => {
                progress.line(format_args!("could not remove {}: {error}", path.display()));
                false
            }
        }
    }
}

async fn start_sshd() -> Result<Sshd, SetupError> {
    match sshd::availability() {
        Availability::Installed => tokio::task::spawn_blocking(Sshd::start)
            .await
            .map_err(|join| io_error("starting sshd")(io::Error::other(join)))?
            .map_err(io_error("starting sshd")),
        Availability::Missing { .. } => Err(SetupError::NoSshd),
    }
}

fn free_port() -> io::Result<std::net::SocketAddr> {
    std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()
}
