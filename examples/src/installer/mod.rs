//! The installer: the six Linux steps with retry, and rollback when one
//! fails for good, modelled on a control plane's
//! `LinuxSSHInstaller.install_exporter`.
//!
//! [`Installer`] is cheap to clone (its fields are shared), and each step
//! is a `&self` method with two attributes: `#[with_retry]` tries
//! transient errors (a dropped connection, a 503) again and ends the step
//! at once on permanent ones; `#[compensate]` registers the step's undo
//! once the step has succeeded. [`Installer::install_exporter`] carries
//! `#[with_rollback]`: when a step fails for good, the steps before it are
//! undone, last first, and the caller gets the step's error with the
//! rollback's report.
//!
//! ```text
//! #[compensate(self.remove_unit(), name = "remove unit", description = "...")]
//! #[with_retry(config = self.retry, retry_if = StepError::is_transient, on_retry = ...)]
//! pub async fn write_unit(&self) -> Result<UnitCheck, StepError> { ... }
//!
//! #[with_rollback(name = "install demo-exporter")]
//! pub async fn install_exporter(&self) -> Result<Installed, RollbackError<StepError>> {
//!     self.download().await?;
//!     ...
//! }
//! ```
//!
//! [`run`] is the whole demo behind `cargo run -p examples --example
//! install`: a target root, a flaky artifact server, a transport (this
//! machine, or a throwaway `sshd`), the install, and a check that a failed
//! install left the root as it found it. [`cli`] parses its command line.
//!
//! # Limits
//!
//! - The undo actions own a clone of the installer (`#[compensate]`
//!   registers owned actions), so that they still run if the install's
//!   future is dropped half-way.
//! - A server's `Retry-After` hint makes a step wait at least that long
//!   (`#[with_retry]` reads it from [`Retryable::retry_after`]), but never
//!   past the step's last attempt.

use std::sync::Arc;

use retry_rollback::{
    ConfigError, RetryConfig, Retryable, RollbackError, compensate, with_retry, with_rollback,
};

use crate::steps::StepError;
use crate::steps::linux::{self, LinuxTarget, UnitCheck};
use crate::transport::Transport;

pub mod cli;
mod progress;
mod run;
mod step;

pub use progress::{Progress, Retried};
pub use run::{DEFAULT_FLAKY, DEFAULT_SEED, Options, Outcome, SetupError, run};
pub use step::Step;

/// The name of the rollback scope of an install, as
/// [`Installer::install_exporter`]'s `#[with_rollback]` gives it.
pub const SCOPE: &str = "install demo-exporter";

/// What a successful install leaves running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The exporter's process id.
    pub pid: u32,
    /// How far the unit file could be checked.
    pub unit_check: UnitCheck,
    /// The metrics page that validated the install.
    pub metrics: String,
}

/// Installs the demo exporter on one Linux target through a transport.
///
/// ```no_run
/// use std::sync::Arc;
/// use examples::artifact::Release;
/// use examples::installer::{Installer, Progress};
/// use examples::steps::linux::LinuxTarget;
/// use examples::transport::LocalTransport;
/// use retry_rollback::RetryConfig;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let root = tempfile::tempdir()?;
/// let target = LinuxTarget::new(
///     root.path().to_str().unwrap(),
///     Release::demo_exporter(),
///     "127.0.0.1:9100".parse()?,
/// );
/// let installer = Installer::new(
///     LocalTransport::new(root.path()),
///     target,
///     "http://127.0.0.1:8080/demo-exporter-1.0.0.linux-amd64.tar.gz",
///     RetryConfig::network_operation(),
///     Arc::new(Progress::new(std::io::stdout())),
/// )?;
/// match installer.install_exporter().await {
///     Ok(installed) => println!("running as pid {}", installed.pid),
///     Err(error) => println!("{error}\n{}", error.report()),
/// }
/// # Ok(())
/// # }
/// ```
pub struct Installer<T> {
    transport: Arc<T>,
    target: Arc<LinuxTarget>,
    url: Arc<str>,
    /// The retry configuration of every step.
    retry: RetryConfig,
    /// One attempt, for the steps' inner helpers: the step's own loop
    /// does the retrying, so that each retry is seen by its hook.
    once: RetryConfig,
    fail_at: Option<Step>,
    progress: Arc<Progress>,
}

impl<T> Clone for Installer<T> {
    fn clone(&self) -> Self {
        Installer {
            transport: Arc::clone(&self.transport),
            target: Arc::clone(&self.target),
            url: Arc::clone(&self.url),
            retry: self.retry.clone(),
            once: self.once.clone(),
            fail_at: self.fail_at,
            progress: Arc::clone(&self.progress),
        }
    }
}

impl<T> std::fmt::Debug for Installer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Installer")
            .field("target", &self.target)
            .field("url", &self.url)
            .field("retry", &self.retry)
            .field("fail_at", &self.fail_at)
            .finish_non_exhaustive()
    }
}

impl<T: Transport + Send + Sync + 'static> Installer<T> {
    /// Installs on `target` through `transport`, downloading the release
    /// from `url`; every step is retried under `retry` and reports to
    /// `progress`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when `retry` cannot be narrowed to one attempt
    /// (which a valid configuration always can).
    pub fn new(
        transport: T,
        target: LinuxTarget,
        url: &str,
        retry: RetryConfig,
        progress: Arc<Progress>,
    ) -> Result<Installer<T>, ConfigError> {
        let once = retry.to_builder().max_attempts(1).no_budget().build()?;
        Ok(Installer {
            transport: Arc::new(transport),
            target: Arc::new(target),
            url: url.into(),
            retry,
            once,
            fail_at: None,
            progress,
        })
    }

    /// Makes `step` fail for good (before it touches the target), to show
    /// the rollback.
    pub fn fail_at(mut self, step: Option<Step>) -> Installer<T> {
        self.fail_at = step;
        self
    }

    /// Where the exporter goes.
    pub fn target(&self) -> &LinuxTarget {
        &self.target
    }

    /// The transport the steps run through.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The permanent error of a step chosen to fail.
    fn injected(&self, step: Step) -> Result<(), StepError> {
        if self.fail_at == Some(step) {
            Err(StepError::Check {
                step: step.name(),
                message: format!("failing on purpose (--fail-at {step})"),
            })
        } else {
            Ok(())
        }
    }

    /// Step 1: downloads the release tarball onto the target.
    ///
    /// # Errors
    ///
    /// The step's [`StepError`] once retries are exhausted or it is
    /// permanent.
    #[compensate(
        self.remove_download(),
        name = "remove download",
        description = "Remove the downloaded tarball"
    )]
    #[with_retry(
        config = self.retry,
        retry_if = StepError::is_transient,
        on_retry = |attempt, delay, error: &StepError| {
            self.progress.retry(Step::Download, attempt, delay, error)
        }
    )]
    pub async fn download(&self) -> Result<(), StepError> {
        self.injected(Step::Download)?;
        linux::download(&*self.transport, &self.target, &self.url, &self.once).await
    }

    /// Undoes step 1: removes the tarball.
    ///
    /// # Errors
    ///
    /// The [`StepError`] of the command.
    pub async fn remove_download(&self) -> Result<(), StepError> {
        self.undone(
            "remove download",
            linux::remove_download(&*self.transport, &self.target).await,
        )
    }

    /// Step 2: extracts the tarball.
    ///
    /// # Errors
    ///
    /// As [`Installer::download`].
    #[compensate(
        self.remove_extracted(),
        name = "remove extracted",
        description = "Remove the extracted directory"
    )]
    #[with_retry(
        config = self.retry,
        retry_if = StepError::is_transient,
        on_retry = |attempt, delay, error: &StepError| {
            self.progress.retry(Step::Extract, attempt, delay, error)
        }
    )]
    pub async fn extract(&self) -> Result<(), StepError> {
        self.injected(Step::Extract)?;
        linux::extract(&*self.transport, &self.target).await
    }

    /// Undoes step 2: removes the extracted directory.
    ///
    /// # Errors
    ///
    /// The [`StepError`] of the command.
    pub async fn remove_extracted(&self) -> Result<(), StepError> {
        self.undone(
            "remove extracted",
            linux::remove_extracted(&*self.transport, &self.target).await,
        )
    }

    /// Step 3: installs the binary.
    ///
    /// # Errors
    ///
    /// As [`Installer::download`].
    #[compensate(
        self.remove_binary(),
        name = "remove binary",
        description = "Remove the installed binary"
    )]
    #[with_retry(
        config = self.retry,
        retry_if = StepError::is_transient,
        on_retry = |attempt, delay, error: &StepError| {
            self.progress.retry(Step::Install, attempt, delay, error)
        }
    )]
    pub async fn install_binary(&self) -> Result<(), StepError> {
        self.injected(Step::Install)?;
        linux::install_binary(&*self.transport, &self.target).await
    }

    /// Undoes step 3: removes the binary.
    ///
    /// # Errors
    ///
    /// The [`StepError`] of the command.
    pub async fn remove_binary(&self) -> Result<(), StepError> {
        self.undone(
            "remove binary",
            linux::remove_binary(&*self.transport, &self.target).await,
        )
    }

    /// Step 4: writes the systemd unit.
    ///
    /// # Errors
    ///
    /// As [`Installer::download`].
    #[compensate(
        self.remove_unit(),
        name = "remove unit",
        description = "Remove the systemd unit"
    )]
    #[with_retry(
        config = self.retry,
        retry_if = StepError::is_transient,
        on_retry = |attempt, delay, error: &StepError| {
            self.progress.retry(Step::Unit, attempt, delay, error)
        }
    )]
    pub async fn write_unit(&self) -> Result<UnitCheck, StepError> {
        self.injected(Step::Unit)?;
        linux::write_unit(&*self.transport, &self.target).await
    }

    /// Undoes step 4: removes the unit.
    ///
    /// # Errors
    ///
    /// The [`StepError`] of the command.
    pub async fn remove_unit(&self) -> Result<(), StepError> {
        self.undone(
            "remove unit",
            linux::remove_unit(&*self.transport, &self.target).await,
        )
    }

    /// Step 5: starts the exporter and returns its pid.
    ///
    /// # Errors
    ///
    /// As [`Installer::download`].
    #[compensate(
        self.stop(),
        name = "stop",
        description = "Stop the exporter and wait for it to exit"
    )]
    #[with_retry(
        config = self.retry,
        retry_if = StepError::is_transient,
        on_retry = |attempt, delay, error: &StepError| {
            self.progress.retry(Step::Start, attempt, delay, error)
        }
    )]
    pub async fn start(&self) -> Result<u32, StepError> {
        self.injected(Step::Start)?;
        linux::start(&*self.transport, &self.target).await
    }

    /// Undoes step 5: stops the exporter.
    ///
    /// # Errors
    ///
    /// The [`StepError`] of the command.
    pub async fn stop(&self) -> Result<(), StepError> {
        self.undone("stop", linux::stop(&*self.transport, &self.target).await)
    }

    /// Step 6: checks that the exporter answers `GET /metrics` and returns
    /// the page. It changes nothing on the target, so it has no undo and
    /// no `#[compensate]`.
    ///
    /// # Errors
    ///
    /// As [`Installer::download`].
    #[with_retry(
        config = self.retry,
        retry_if = StepError::is_transient,
        on_retry = |attempt, delay, error: &StepError| {
            self.progress.retry(Step::Validate, attempt, delay, error)
        }
    )]
    pub async fn validate(&self) -> Result<String, StepError> {
        self.injected(Step::Validate)?;
        linux::validate(&self.target, &self.once).await
    }

    /// Runs the six steps in a rollback scope: each step registers its
    /// undo when it succeeds; when a step fails for good, the steps that
    /// succeeded are undone, last first.
    ///
    /// # Errors
    ///
    /// [`RollbackError`] with the failing step's [`StepError`] and the
    /// [`RollbackReport`](retry_rollback::RollbackReport) of the undo.
    #[with_rollback(name = "install demo-exporter")]
    pub async fn install_exporter(&self) -> Result<Installed, RollbackError<StepError>> {
        self.step(Step::Download, &self.url, self.download())
            .await?;
        let extracted = self.target.extracted();
        self.step(Step::Extract, &extracted, self.extract()).await?;
        let binary = self.target.binary();
        self.step(Step::Install, &binary, self.install_binary())
            .await?;
        let unit = self.target.unit();
        let unit_check = self.step(Step::Unit, &unit, self.write_unit()).await?;
        let listen = format!("listening on {}", self.target.listen());
        let pid = self.step(Step::Start, &listen, self.start()).await?;
        let url = self.target.metrics_url();
        let metrics = self.step(Step::Validate, &url, self.validate()).await?;
        Ok(Installed {
            pid,
            unit_check,
            metrics,
        })
    }

    /// Runs every undo, last step first, whether or not the steps ran:
    /// each undo does nothing when its step left nothing there. Returns
    /// the first error after trying them all.
    ///
    /// # Errors
    ///
    /// The first undo's [`StepError`].
    pub async fn uninstall(&self) -> Result<(), StepError> {
        let results = [
            self.stop().await,
            self.remove_unit().await,
            self.remove_binary().await,
            self.remove_extracted().await,
            self.remove_download().await,
        ];
        let mut first = None;
        for error in results.into_iter().filter_map(Result::err) {
            first.get_or_insert(error);
        }
        first.map_or(Ok(()), Err)
    }

    /// Runs one step between a line that announces it and a line that
    /// says how it ended.
    async fn step<V>(
        &self,
        step: Step,
        what: &str,
        forward: impl Future<Output = Result<V, StepError>>,
    ) -> Result<V, StepError> {
        self.progress.line(format_args!(
            "[{}/6] {:<10}{what}",
            step.number(),
            step.name()
        ));
        match forward.await {
            Ok(value) => {
                self.progress.finished(step);
                let retries = self.progress.retries_of(step);
                match retries {
                    0 => self.progress.line("      ok"),
                    n => self
                        .progress
                        .line(format_args!("      ok after {} attempts", n + 1)),
                }
                Ok(value)
            }
            Err(error) => {
                self.progress
                    .line(format_args!("      failed for good: {error}"));
                if self.progress.finished_steps().is_empty() {
                    self.progress.line("      nothing to roll back");
                } else {
                    self.progress
                        .line("      rolling back the steps that succeeded, last first");
                }
                Err(error)
            }
        }
    }

    /// Prints how the undo `name` ended, and passes its result on.
    fn undone(&self, name: &str, result: Result<(), StepError>) -> Result<(), StepError> {
        match &result {
            Ok(()) => self.progress.line(format_args!("      undo {name}: done")),
            Err(error) => self
                .progress
                .line(format_args!("      undo {name}: {error}")),
        }
        result
    }
}
