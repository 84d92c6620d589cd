//! The six steps on a Windows host, as PowerShell and Windows-service
//! commands, for hosts reached through PsExec, WinRM or OpenSSH.
//!
//! The target downloads the release itself (`Invoke-WebRequest`), unpacks
//! it (`Expand-Archive`), copies the binary to `C:\Program Files`,
//! registers a service (`New-Service`), starts it and fetches its metrics
//! page from its own loopback address.
//!
//! ```
//! use examples::artifact::Release;
//! use examples::steps::windows::{Flavour, WindowsHost, WindowsTarget};
//! use examples::transport::RecordingTransport;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), examples::steps::StepError> {
//! let release = Release::new("demo-exporter", "1.0.0", "windows", "amd64");
//! let target = WindowsTarget::new(
//!     release,
//!     "http://10.0.0.5:8080/demo-exporter-1.0.0.windows-amd64.zip",
//!     "127.0.0.1:9100".parse().unwrap(),
//! );
//! let winrm = RecordingTransport::new();
//! let host = WindowsHost::new(&winrm, Flavour::WinRm, target);
//! host.start().await?;
//! assert_eq!(
//!     winrm.commands(),
//!     ["$ErrorActionPreference = 'Stop'; Start-Service -Name 'demo-exporter'"],
//! );
//! # Ok(())
//! # }
//! ```
//!
//! Limitations: the binary must be a Windows service program (one that
//! answers the service control manager) for `Start-Service` to succeed; the
//! demo exporter of this package is a Unix program, so these commands are
//! checked against a [`RecordingTransport`](crate::transport::RecordingTransport)
//! and not against a Windows host.

use std::net::SocketAddr;

use base64::Engine;

use super::{StepError, run};
use crate::artifact::Release;
use crate::transport::Transport;

/// How the host is reached, which decides how a PowerShell script becomes
/// a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// PsExec runs a program line; the script goes to `powershell.exe` as
    /// `-EncodedCommand` (UTF-16LE, base64), which no quoting can break.
    PsExec,
    /// WinRM runs PowerShell itself: the script is sent as it is.
    WinRm,
    /// Windows' OpenSSH server starts `cmd.exe` by default; the script goes
    /// to `powershell.exe` as `-EncodedCommand`, as for PsExec.
    Ssh,
}

impl Flavour {
    /// The command line that runs `script` on a host reached this way.
    /// Every script stops at its first error, so that a failure shows as
    /// a non-zero exit code.
    ///
    /// ```
    /// use examples::steps::windows::Flavour;
    ///
    /// assert_eq!(
    ///     Flavour::WinRm.wrap("Start-Service -Name 'x'"),
    ///     "$ErrorActionPreference = 'Stop'; Start-Service -Name 'x'",
    /// );
    /// assert_eq!(
    ///     Flavour::Ssh.wrap("exit 3"),
    ///     "powershell.exe -NoLogo -NoProfile -NonInteractive -EncodedCommand \
    ///      JABFAHIAcgBvAHIAQQBjAHQAaQBvAG4AUAByAGUAZgBlAHIAZQBuAGMAZQAgAD0AIAAnAFMAdABvAHAAJwA7ACAAZQB4AGkAdAAgADMA",
    /// );
    /// ```
    pub fn wrap(self, script: &str) -> String {
        let script = format!("$ErrorActionPreference = 'Stop'; {script}");
        match self {
            Flavour::WinRm => script,
            Flavour::PsExec => format!(
                "powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass \
                 -EncodedCommand {}",
                encode(&script)
            ),
            Flavour::Ssh => format!(
                "powershell.exe -NoLogo -NoProfile -NonInteractive -EncodedCommand {}",
                encode(&script)
            ),
        }
    }
}

/// PowerShell's `-EncodedCommand` form: base64 of the UTF-16LE bytes.
pub fn encode(script: &str) -> String {
    let utf16: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    base64::engine::general_purpose::STANDARD.encode(utf16)
}

/// Quotes `text` as a PowerShell single-quoted string.
///
/// ```
/// assert_eq!(examples::steps::windows::ps_quote("it's"), "'it''s'");
/// ```
pub fn ps_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Where the exporter goes on a Windows host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowsTarget {
    release: Release,
    url: String,
    listen: SocketAddr,
}

impl WindowsTarget {
    /// Where temporary files go: the system's, since PsExec's `-s` and
    /// services run as SYSTEM, whose `%TEMP%` differs from a user's.
    pub const TEMP: &str = r"C:\Windows\Temp";

    /// Installs `release`, a zip at `url`, with the exporter listening on
    /// `listen`.
    pub fn new(release: Release, url: &str, listen: SocketAddr) -> WindowsTarget {
        WindowsTarget {
            release,
            url: url.to_owned(),
            listen,
        }
    }

    /// The downloaded zip.
    pub fn zip(&self) -> String {
        format!(r"{}\{}.zip", Self::TEMP, self.release.dir_name())
    }

    /// The directory the zip extracts to.
    pub fn extracted(&self) -> String {
        format!(r"{}\{}", Self::TEMP, self.release.dir_name())
    }

    /// The install directory.
    pub fn install_dir(&self) -> String {
        format!(r"C:\Program Files\{}", self.release.name())
    }

    /// The installed binary.
    pub fn binary(&self) -> String {
        format!(r"{}\{}.exe", self.install_dir(), self.release.name())
    }

    /// The service's name.
    pub fn service(&self) -> &str {
        self.release.name()
    }

    /// The URL of the metrics page, on the host's loopback.
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.listen)
    }
}

/// One of the six steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowsStep {
    /// Download the zip.
    Download,
    /// Extract it.
    Extract,
    /// Copy the binary to its install directory.
    Install,
    /// Register the service.
    CreateService,
    /// Start the service.
    Start,
    /// Fetch the metrics page.
    Validate,
}

impl WindowsStep {
    /// The six steps in install order.
    pub const ALL: [WindowsStep; 6] = [
        WindowsStep::Download,
        WindowsStep::Extract,
        WindowsStep::Install,
        WindowsStep::CreateService,
        WindowsStep::Start,
        WindowsStep::Validate,
    ];

    /// The step's name in errors.
    pub fn name(self) -> &'static str {
        match self {
            WindowsStep::Download => "download",
            WindowsStep::Extract => "extract",
            WindowsStep::Install => "install binary",
            WindowsStep::CreateService => "create service",
            WindowsStep::Start => "start",
            WindowsStep::Validate => "validate",
        }
    }

    /// The PowerShell script that does the step.
    pub fn script(self, target: &WindowsTarget) -> String {
        let q = |text: &str| ps_quote(text);
        match self {
            WindowsStep::Download => format!(
                "$ProgressPreference = 'SilentlyContinue'; \
                 Invoke-WebRequest -UseBasicParsing -Uri {} -OutFile {}",
                q(&target.url),
                q(&target.zip())
            ),
            WindowsStep::Extract => format!(
                "Expand-Archive -LiteralPath {} -DestinationPath {} -Force",
                q(&target.zip()),
                q(WindowsTarget::TEMP)
            ),
            WindowsStep::Install => format!(
                "New-Item -ItemType Directory -Path {} -Force | Out-Null; \
                 Copy-Item -LiteralPath {} -Destination {} -Force",
                q(&target.install_dir()),
                q(&format!(
                    r"{}\{}.exe",
                    target.extracted(),
                    target.release.name()
                )),
                q(&target.binary())
            ),
            WindowsStep::CreateService => format!(
                "New-Service -Name {} -BinaryPathName {} -DisplayName {} \
                 -StartupType Automatic | Out-Null",
                q(target.service()),
                q(&format!(
                    "\"{}\" --listen {}",
                    target.binary(),
                    target.listen
                )),
                q("Demo Prometheus exporter")
            ),
            WindowsStep::Start => format!("Start-Service -Name {}", q(target.service())),
            WindowsStep::Validate => format!(
                "(Invoke-WebRequest -UseBasicParsing -Uri {} -TimeoutSec 10).Content",
                q(&target.metrics_url())
            ),
        }
    }

    /// The PowerShell script that undoes the step, `None` for
    /// [`WindowsStep::Validate`], which changes nothing. Each undo does
    /// nothing when there is nothing to undo.
    pub fn undo_script(self, target: &WindowsTarget) -> Option<String> {
        let q = |text: &str| ps_quote(text);
        let remove = |path: &str| {
            format!(
                "if (Test-Path -LiteralPath {p}) {{ Remove-Item -LiteralPath {p} -Recurse -Force }}",
                p = q(path)
            )
        };
        let service = q(target.service());
        match self {
            WindowsStep::Download => Some(remove(&target.zip())),
            WindowsStep::Extract => Some(remove(&target.extracted())),
            WindowsStep::Install => Some(remove(&target.install_dir())),
            // Windows PowerShell 5.1 has no Remove-Service: sc.exe it is.
            WindowsStep::CreateService => Some(format!(
                "if (Get-Service -Name {service} -ErrorAction SilentlyContinue) \
                 {{ sc.exe delete {service} | Out-Null }}"
            )),
            WindowsStep::Start => Some(format!(
                "Stop-Service -Name {service} -Force; \
                 (Get-Service -Name {service}).WaitForStatus('Stopped', '00:00:30')"
            )),
            WindowsStep::Validate => None,
        }
    }
}

/// The steps bound to one host: a transport, how it is reached, and where
/// things go.
#[derive(Debug)]
pub struct WindowsHost<'t, T> {
    transport: &'t T,
    flavour: Flavour,
    target: WindowsTarget,
}

impl<'t, T: Transport> WindowsHost<'t, T> {
    /// Runs the steps for `target` through `transport`, wrapped for
    /// `flavour`.
    pub fn new(transport: &'t T, flavour: Flavour, target: WindowsTarget) -> Self {
        WindowsHost {
            transport,
            flavour,
            target,
        }
    }

    /// Runs one step and returns its standard output.
    ///
    /// # Errors
    ///
    /// [`StepError::Command`] when the script fails, [`StepError::Check`]
    /// when validation does not find `demo_exporter_up 1`.
    pub async fn run(&self, step: WindowsStep) -> Result<String, StepError> {
        let command = self.flavour.wrap(&step.script(&self.target));
        let stdout = run(self.transport, step.name(), &command).await?;
        if step == WindowsStep::Validate
            && !stdout.lines().any(|l| l.trim() == "demo_exporter_up 1")
        {
            return Err(StepError::Check {
                step: step.name(),
                message: format!("no `demo_exporter_up 1` in {}", self.target.metrics_url()),
            });
        }
        Ok(stdout)
    }

    /// Undoes one step; validation has nothing to undo.
    ///
    /// # Errors
    ///
    /// [`StepError::Command`] when the undo script fails.
    pub async fn undo(&self, step: WindowsStep) -> Result<(), StepError> {
        match step.undo_script(&self.target) {
            Some(script) => run(self.transport, step.name(), &self.flavour.wrap(&script))
                .await
                .map(drop),
            None => Ok(()),
        }
    }

    /// Step 1: the host downloads the zip.
    ///
    /// # Errors
    ///
    /// As [`WindowsHost::run`].
    pub async fn download(&self) -> Result<(), StepError> {
        self.run(WindowsStep::Download).await.map(drop)
    }

    /// Undoes step 1: removes the zip.
    ///
    /// # Errors
    ///
    /// As [`WindowsHost::undo`].
    pub async fn remove_download(&self) -> Result<(), StepError> {
        self.undo(WindowsStep::Download).await
    }

    /// Step 2: extracts the zip.
    ///
    /// # Errors
    ///
    /// As [`WindowsHost::run`].
    pub async fn extract(&self) -> Result<(), StepError> {
        self.run(WindowsStep::Extract).await.map(drop)
    }

    /// Undoes step 2: removes the extracted directory.
    ///
    /// # Errors
    ///
    /// As [`WindowsHost::undo`].
    pub async fn remove_extracted(&self) -> Result<(), StepError> {
        self.undo(WindowsStep::Extract).await
    }

    /// Step 3: copies the binary to `C:\Program Files`.
    ///
    /// # Errors
    ///
    /// As [`WindowsHost::run`].
    pub async fn install_binary(&self) -> Result<(), StepError> {
        self.run(WindowsStep::Install).await.map(drop)
    }

    /// Undoes step 3: removes the install directory.
    ///
    /// # Errors
    ///
    /// As [`WindowsHost::undo`].
    pub async fn remove_binary(&self) -> Result<(), StepError> {
        self.undo(WindowsStep::Install).await
    }

    /// Step 4: registers the service.
    ///
    /// # Errors
    ///
    /// As [`WindowsHost::run`].
    pub async fn create_service(&self) -> Result<(), StepError> {
        self.run(WindowsStep::CreateService).await.map(drop)
    }

    /// Undoes step 4: deletes the service.
    ///
    /// # Errors
    ///
    /// As [`WindowsHost::undo`].
    pub async fn delete_service(&self) -> Result<(), StepError> {
        self.undo(WindowsStep::CreateService).await
    }

    /// Step 5: starts the service.
    ///
    /// # Errors
    ///
    /// As [`WindowsHost::run`].
    pub async fn start(&self) -> Result<(), StepError> {
        self.run(WindowsStep::Start).await.map(drop)
    }

    /// Undoes step 5: stops the service and waits until it has stopped.
    ///
    /// # Errors
    ///
    /// As [`WindowsHost::undo`].
    pub async fn stop(&self) -> Result<(), StepError> {
        self.undo(WindowsStep::Start).await
    }

    /// Step 6: the host fetches its exporter's metrics page; returns it.
    ///
    /// # Errors
    ///
    /// As [`WindowsHost::run`].
    pub async fn validate(&self) -> Result<String, StepError> {
        self.run(WindowsStep::Validate).await
    }
}
