//! A throwaway OpenSSH server for tests.
//!
//! [`Sshd::start`] makes a host key and a user key with `ssh-keygen` in a
//! temporary directory, writes an `sshd_config`, a client `ssh_config` and
//! a known-hosts line for the host key, and runs `/usr/sbin/sshd -D` on a
//! free loopback port as the current user. Dropping it stops the server.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::transport::SshTarget;

/// Where the OpenSSH server lives on Debian and most distributions.
pub const SSHD: &str = "/usr/sbin/sshd";

/// How long [`Sshd::start`] waits for the server to greet.
const STARTUP: Duration = Duration::from_secs(10);

/// A running `sshd` that accepts one key for the current user.
#[derive(Debug)]
pub struct Sshd {
    child: Child,
    dir: TempDir,
    addr: SocketAddr,
    user: String,
}

/// Whether tests that need `sshd` should run, be skipped, or fail.
///
/// ```
/// use examples::sshd::{availability, Availability};
///
/// match availability() {
///     Availability::Installed => println!("running the SSH tests"),
///     Availability::Missing { required } => {
///         assert_eq!(required, std::env::var_os("CI").is_some());
///     }
/// }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// `/usr/sbin/sshd` is there.
    Installed,
    /// It is not; `required` is true under CI (the `CI` variable is set),
    /// where a skipped SSH test must fail rather than pass.
    Missing {
        /// Whether the caller must fail instead of skipping.
        required: bool,
    },
}

/// Says whether `sshd` is installed, and whether its absence is fatal.
pub fn availability() -> Availability {
    if Path::new(SSHD).exists() {
        Availability::Installed
    } else {
        Availability::Missing {
            required: std::env::var_os("CI").is_some(),
        }
    }
}

impl Sshd {
    /// Starts a server, or returns `None` (after printing "skipped: sshd
    /// not installed") when `sshd` is absent outside CI.
    ///
    /// # Panics
    ///
    /// When `sshd` is absent and the `CI` variable is set, or when the
    /// server does not start: this is a test fixture, and a test without
    /// its server must not pass.
    pub fn start_or_skip() -> Option<Sshd> {
        match availability() {
            Availability::Installed => match Sshd::start() {
                Ok(sshd) => Some(sshd),
                Err(error) => panic!("sshd did not start: {error}"),
            },
            Availability::Missing { required: true } => {
                panic!("{SSHD} is not installed, and CI is set: install openssh-server")
            }
            Availability::Missing { required: false } => {
                eprintln!("skipped: sshd not installed ({SSHD})");
                None
            }
        }
    }

    /// Makes the keys and the configuration and starts the server, waiting
    /// until it greets with its `SSH-2.0` banner.
    ///
    /// # Errors
    ///
    /// The error of `ssh-keygen`, of writing the files, of starting `sshd`,
    /// or `TimedOut` when it does not greet within 10 seconds (its log is
    /// in the message).
    pub fn start() -> io::Result<Sshd> {
        let dir = tempfile::Builder::new().prefix("sshd-").tempdir()?;
        let path = |name: &str| dir.path().join(name);
        keygen(&path("host_ed25519"))?;
        keygen(&path("user_ed25519"))?;
        std::fs::copy(path("user_ed25519.pub"), path("authorized_keys"))?;

        let user = current_user()?;
        let port = free_port()?;
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        std::fs::write(path("sshd_config"), sshd_config(dir.path(), port, &user))?;
        std::fs::write(path("ssh_config"), ssh_config())?;
        let host_key = std::fs::read_to_string(path("host_ed25519.pub"))?;
        let host_key: Vec<&str> = host_key.split_whitespace().take(2).collect();
        std::fs::write(
            path("known_hosts"),
            format!("[127.0.0.1]:{port} {}\n", host_key.join(" ")),
        )?;
        if is_root() {
            // sshd running as root needs its privilege separation directory.
            std::fs::create_dir_all("/run/sshd")?;
        }

        let child = Command::new(SSHD)
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(path("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(path("sshd.log"))?)
            .spawn()?;
        let mut sshd = Sshd {
            child,
            dir,
            addr,
            user,
        };
        sshd.wait_for_banner()?;
        Ok(sshd)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How to log in: the current user, the generated key, the host key
    /// pinned in a known-hosts file, and an empty client configuration.
    pub fn target(&self) -> SshTarget {
        SshTarget {
            host: self.addr.ip().to_string(),
            port: self.addr.port(),
            user: self.user.clone(),
            identity_file: self.dir.path().join("user_ed25519"),
            known_hosts_file: self.dir.path().join("known_hosts"),
            config_file: self.dir.path().join("ssh_config"),
        }
    }

    /// What the server logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    fn wait_for_banner(&mut self) -> io::Result<()> {
        let started = Instant::now();
        while started.elapsed() < STARTUP {
            if let Some(status) = self.child.try_wait()? {
                return Err(io::Error::other(format!(
                    "sshd exited with {status}: {}",
                    self.log()
                )));
            }
            if let Ok(mut stream) = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)) {
                stream.set_read_timeout(Some(Duration::from_secs(2)))?;
                let mut banner = [0; 7];
                if stream.read_exact(&mut banner).is_ok() && &banner == b"SSH-2.0" {
                    return Ok(());
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("sshd did not greet on {}: {}", self.addr, self.log()),
        ))
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &PathBuf) -> io::Result<()> {
    let output = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "retry-rollback-test",
            "-f",
        ])
        .arg(path)
        .stdin(Stdio::null())
        .output()?;
    if output.status.success() {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "ssh-keygen failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

fn sshd_config(dir: &Path, port: u16, user: &str) -> String {
    let dir = dir.display();
    format!(
        "Port {port}\n\
         ListenAddress 127.0.0.1\n\
         HostKey {dir}/host_ed25519\n\
         PidFile {dir}/sshd.pid\n\
         AuthorizedKeysFile {dir}/authorized_keys\n\
         AllowUsers {user}\n\
         PubkeyAuthentication yes\n\
         PasswordAuthentication no\n\
         KbdInteractiveAuthentication no\n\
         PermitRootLogin prohibit-password\n\
         StrictModes no\n\
         UsePAM no\n\
         LogLevel INFO\n"
    )
}

/// The client side reads this file instead of `~/.ssh/config`.
fn ssh_config() -> &'static str {
    "Host *\n  BatchMode yes\n  IdentitiesOnly yes\n  LogLevel ERROR\n"
}

fn current_user() -> io::Result<String> {
    let output = Command::new("id").arg("-un").output()?;
    let user = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if output.status.success() && !user.is_empty() {
        Ok(user)
    } else {
        Err(io::Error::other("`id -un` did not name the current user"))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

/// A port that was free a moment ago.
///
/// Limitation: another process may take it between this check and
/// `sshd`'s bind; the start then fails with sshd's log in the error.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
