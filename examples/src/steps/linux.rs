//! The six steps on a Linux target under a root directory, and their
//! undo functions.
//!
//! Every path is the target's own path prefixed with the root, so that
//! the same code installs into `/` on a real host and into a temporary
//! directory in tests. The root must hold the usual directories
//! ([`LinuxTarget::DIRS`]); the steps create nothing outside the paths
//! they name, so that each undo leaves the root exactly as it was.
//!
//! Limitation: the service is started as a plain background process with
//! a pid file rather than through `systemctl`, so that the example runs
//! where systemd is not PID 1 (containers, CI). The unit file is written
//! and checked all the same.

use std::net::SocketAddr;

use retry_rollback::RetryConfig;

use super::{StepError, run};
use crate::artifact::Release;
use crate::download;
use crate::transport::{Transport, sh_quote};

/// How many times `start` and `stop` look at the process, 50 ms apart,
/// before giving up: 10 seconds.
const POLLS: u32 = 200;

/// Where the exporter goes on one target.
///
/// ```
/// use examples::artifact::Release;
/// use examples::steps::linux::LinuxTarget;
///
/// let release = Release::new("demo-exporter", "1.0.0", "linux", "amd64");
/// let host = LinuxTarget::new("/", release, "127.0.0.1:9100".parse().unwrap());
/// assert_eq!(host.tarball(), "/tmp/demo-exporter-1.0.0.linux-amd64.tar.gz");
/// assert_eq!(host.binary(), "/usr/local/bin/demo-exporter");
/// assert_eq!(host.unit(), "/etc/systemd/system/demo-exporter.service");
/// assert_eq!(host.pid_file(), "/run/demo-exporter.pid");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinuxTarget {
    root: String,
    release: Release,
    listen: SocketAddr,
}

impl LinuxTarget {
    /// The directories, relative to the root, that the steps expect.
    pub const DIRS: &[&str] = &["tmp", "usr/local/bin", "etc/systemd/system", "run"];

    /// Installs `release` under `root` (an absolute path on the target),
    /// the exporter listening on `listen`.
    pub fn new(root: &str, release: Release, listen: SocketAddr) -> LinuxTarget {
        LinuxTarget {
            root: root.trim_end_matches('/').to_owned(),
            release,
            listen,
        }
    }

    fn path(&self, relative: &str) -> String {
        format!("{}/{relative}", self.root)
    }

    /// The downloaded tarball.
    pub fn tarball(&self) -> String {
        self.path(&format!("tmp/{}", self.release.file_name()))
    }

    /// The directory the tarball extracts to.
    pub fn extracted(&self) -> String {
        self.path(&format!("tmp/{}", self.release.dir_name()))
    }

    /// The installed binary.
    pub fn binary(&self) -> String {
        self.path(&format!("usr/local/bin/{}", self.release.name()))
    }

    /// The systemd unit.
    pub fn unit(&self) -> String {
        self.path(&format!(
            "etc/systemd/system/{}.service",
            self.release.name()
        ))
    }

    /// The running exporter's pid file.
    pub fn pid_file(&self) -> String {
        self.path(&format!("run/{}.pid", self.release.name()))
    }

    /// The address the exporter listens on.
    pub fn listen(&self) -> SocketAddr {
        self.listen
    }

    /// The URL that [`validate`] fetches.
    pub fn metrics_url(&self) -> String {
        format!("http://{}/metrics", self.listen)
    }
}

/// Step 1: downloads the tarball from `url` (retried under `retry`) and
/// copies it to [`LinuxTarget::tarball`].
///
/// The download runs here, on the controlling side, and the transport
/// carries the bytes over, so the target needs no HTTP client. A copy that
/// fails half-way is removed.
///
/// # Errors
///
/// [`StepError::Download`] or [`StepError::Transport`].
pub async fn download<T: Transport>(
    transport: &T,
    target: &LinuxTarget,
    url: &str,
    retry: &RetryConfig,
) -> Result<(), StepError> {
    let step = "download";
    let tarball = download::download(retry, url)
        .await
        .map_err(|source| StepError::Download { step, source })?;
    if let Err(source) = transport.put_file(&target.tarball(), &tarball, 0o644).await {
        // Leave no half-written tarball behind; the copy's error is the
        // one worth reporting.
        let _ = remove_download(transport, target).await;
        return Err(StepError::Transport { step, source });
    }
    Ok(())
}

/// Undoes step 1: removes the tarball.
///
/// # Errors
///
/// [`StepError::Command`] or [`StepError::Transport`].
pub async fn remove_download<T: Transport>(
    transport: &T,
    target: &LinuxTarget,
) -> Result<(), StepError> {
    let command = format!("rm -f {}", sh_quote(&target.tarball()));
    run(transport, "remove download", &command).await.map(drop)
}

/// Step 2: extracts the tarball next to itself and checks that the binary
/// came out executable. On failure it removes what it extracted.
///
/// # Errors
///
/// [`StepError::Command`] when `tar` fails or the binary is missing.
pub async fn extract<T: Transport>(transport: &T, target: &LinuxTarget) -> Result<(), StepError> {
    let tarball = sh_quote(&target.tarball());
    let into = sh_quote(&target.path("tmp"));
    let extracted = sh_quote(&target.extracted());
    let binary = sh_quote(&format!("{}/{}", target.extracted(), target.release.name()));
    let command = format!(
        "tar -xzf {tarball} -C {into} && test -x {binary} \
         || {{ code=$?; rm -rf {extracted}; exit $code; }}"
    );
    run(transport, "extract", &command).await.map(drop)
}

/// Undoes step 2: removes the extracted directory.
///
/// # Errors
///
/// [`StepError::Command`] or [`StepError::Transport`].
pub async fn remove_extracted<T: Transport>(
    transport: &T,
    target: &LinuxTarget,
) -> Result<(), StepError> {
    let command = format!("rm -rf {}", sh_quote(&target.extracted()));
    run(transport, "remove extracted", &command).await.map(drop)
}

/// Step 3: installs the binary into `usr/local/bin` with mode 0755.
///
/// # Errors
///
/// [`StepError::Command`] when `install` fails (no `usr/local/bin`, say).
pub async fn install_binary<T: Transport>(
    transport: &T,
    target: &LinuxTarget,
) -> Result<(), StepError> {
    let from = sh_quote(&format!("{}/{}", target.extracted(), target.release.name()));
    let command = format!("install -m 0755 {from} {}", sh_quote(&target.binary()));
    run(transport, "install binary", &command).await.map(drop)
}

/// Undoes step 3: removes the installed binary.
///
/// # Errors
///
/// [`StepError::Command`] or [`StepError::Transport`].
pub async fn remove_binary<T: Transport>(
    transport: &T,
    target: &LinuxTarget,
) -> Result<(), StepError> {
    let command = format!("rm -f {}", sh_quote(&target.binary()));
    run(transport, "remove binary", &command).await.map(drop)
}

/// How far [`write_unit`] could check the unit it wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitCheck {
    /// `systemd-analyze verify` accepted it.
    Verified,
    /// The target has no `systemd-analyze`; the unit was written unchecked.
    Unchecked,
}

/// Exit code of the unit check when `systemd-analyze` is missing.
const NO_SYSTEMD_ANALYZE: i32 = 100;

/// Step 4: writes the systemd unit and checks it with `systemd-analyze
/// verify` where the target has it.
///
/// `systemd-analyze verify` reads a unit at any path, so the check works
/// under a test root too; it also checks that `ExecStart`'s binary exists,
/// which is why this step comes after [`install_binary`].
///
/// # Errors
///
/// [`StepError::Check`] when the unit does not verify (the unit is removed
/// again), or [`StepError::Transport`].
pub async fn write_unit<T: Transport>(
    transport: &T,
    target: &LinuxTarget,
) -> Result<UnitCheck, StepError> {
    let step = "write unit";
    let unit = super::systemd_unit(&target.binary(), target.listen, &target.pid_file());
    transport
        .put_file(&target.unit(), unit.as_bytes(), 0o644)
        .await
        .map_err(|source| StepError::Transport { step, source })?;
    let command = format!(
        "command -v systemd-analyze >/dev/null 2>&1 || exit {NO_SYSTEMD_ANALYZE}; \
         systemd-analyze verify {}",
        sh_quote(&target.unit())
    );
    let (code, _, stderr) = transport
        .exec(&command)
        .await
        .map_err(|source| StepError::Transport { step, source })?;
    match code {
        0 => Ok(UnitCheck::Verified),
        NO_SYSTEMD_ANALYZE => Ok(UnitCheck::Unchecked),
        _ => {
            // A step that fails leaves nothing behind: its undo is only
            // registered when it succeeds.
            remove_unit(transport, target).await?;
            Err(StepError::Check {
                step,
                message: format!("systemd-analyze verify failed: {}", stderr.trim()),
            })
        }
    }
}

/// Undoes step 4: removes the unit.
///
/// # Errors
///
/// [`StepError::Command`] or [`StepError::Transport`].
pub async fn remove_unit<T: Transport>(
    transport: &T,
    target: &LinuxTarget,
) -> Result<(), StepError> {
    let command = format!("rm -f {}", sh_quote(&target.unit()));
    run(transport, "remove unit", &command).await.map(drop)
}

/// Step 5: starts the installed exporter in the background, waits until it
/// listens (it writes its pid file once it does) and returns its pid.
///
/// # Errors
///
/// [`StepError::Command`] when a pid file is already there (another
/// exporter, or one that died without cleaning up: [`stop`] clears it),
/// when the exporter exits at start, or when it has not written its pid
/// file within 10 seconds (it is then killed).
pub async fn start<T: Transport>(transport: &T, target: &LinuxTarget) -> Result<u32, StepError> {
    let pid_file = sh_quote(&target.pid_file());
    let command = format!(
        "[ -e {pid_file} ] && {{ echo 'a pid file is already there' >&2; exit 1; }}\n\
         nohup {binary} --listen {listen} --pid-file {pid_file} >/dev/null 2>&1 </dev/null &\n\
         child=$!\n\
         i=0\n\
         while [ ! -s {pid_file} ]; do\n\
         \x20 kill -0 \"$child\" 2>/dev/null || {{ echo 'the exporter exited at start' >&2; exit 1; }}\n\
         \x20 i=$((i + 1)); [ \"$i\" -ge {POLLS} ] && {{ kill \"$child\"; echo 'no pid file' >&2; exit 1; }}\n\
         \x20 sleep 0.05\n\
         done\n\
         cat {pid_file}",
        binary = sh_quote(&target.binary()),
        listen = target.listen,
    );
    let stdout = run(transport, "start", &command).await?;
    stdout.trim().parse().map_err(|_| StepError::Check {
        step: "start",
        message: format!("the pid file holds {stdout:?}, not a pid"),
    })
}

/// Undoes step 5: sends `SIGTERM` to the pid in the pid file and waits for
/// the process to exit (a zombie counts as exited). Nothing to do when
/// there is no pid file.
///
/// The exporter removes its own pid file on the way out; a pid file left
/// by a process that died is removed here.
///
/// # Errors
///
/// [`StepError::Command`] when the pid file holds no pid or the process is
/// still there after 10 seconds.
///
/// Limitation: it reads `/proc`, so the target must be Linux.
pub async fn stop<T: Transport>(transport: &T, target: &LinuxTarget) -> Result<(), StepError> {
    let pid_file = sh_quote(&target.pid_file());
    let command = format!(
        "[ -e {pid_file} ] || exit 0\n\
         pid=$(cat {pid_file})\n\
         case \"$pid\" in ''|*[!0-9]*) echo \"the pid file holds '$pid', not a pid\" >&2; exit 1;; esac\n\
         kill -TERM \"$pid\" 2>/dev/null\n\
         i=0\n\
         while [ -e \"/proc/$pid\" ] && [ \"$(cut -d ' ' -f 3 \"/proc/$pid/stat\" 2>/dev/null)\" != Z ]; do\n\
         \x20 i=$((i + 1)); [ \"$i\" -ge {POLLS} ] && {{ echo \"pid $pid did not exit\" >&2; exit 1; }}\n\
         \x20 sleep 0.05\n\
         done\n\
         rm -f {pid_file}"
    );
    run(transport, "stop", &command).await.map(drop)
}

/// Step 6: fetches the exporter's metrics page (retried under `retry`) and
/// checks that it says `demo_exporter_up 1`. Returns the page.
///
/// Limitation: the page is fetched from the controlling side, so the
/// exporter's loopback address must be this machine's (a local target, or
/// an SSH target on this host); a remote host would need the fetch to run
/// through the transport instead.
///
/// # Errors
///
/// [`StepError::Download`] when the page cannot be fetched,
/// [`StepError::Check`] when it lacks the line.
pub async fn validate(target: &LinuxTarget, retry: &RetryConfig) -> Result<String, StepError> {
    let step = "validate";
    let page = download::download(retry, &target.metrics_url())
        .await
        .map_err(|source| StepError::Download { step, source })?;
    let page = String::from_utf8_lossy(&page).into_owned();
    if page.lines().any(|line| line == "demo_exporter_up 1") {
        Ok(page)
    } else {
        Err(StepError::Check {
            step,
            message: format!("no `demo_exporter_up 1` in {}", target.metrics_url()),
        })
    }
}
