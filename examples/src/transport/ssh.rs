use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use openssh::{KnownHosts, Session, SessionBuilder, Stdio};
use retry_rollback::{CommandOutput, Retry, RetryConfig, retry_command};
use tokio::io::AsyncWriteExt;

use super::{Transport, TransportError, sh_quote};

/// Where and as whom to log in over SSH, with every file spelled out so
/// that nothing comes from `~/.ssh`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Login name.
    pub user: String,
    /// The private key to log in with (`IdentityFile`).
    pub identity_file: PathBuf,
    /// The known-hosts file that holds the server's host key
    /// (`UserKnownHostsFile`); the key is checked strictly.
    pub known_hosts_file: PathBuf,
    /// The `ssh_config` to read instead of `~/.ssh/config`.
    pub config_file: PathBuf,
}

/// Runs commands on an OpenSSH server through the system `ssh` binary
/// (the `openssh` crate, one multiplexed master connection).
///
/// Each command goes through
/// [`retry_command`](retry_rollback::retry_command): a failing session
/// and `ssh`'s exit code 255 are retried under the transport's
/// [`RetryConfig`]; any other exit code comes back as it is.
///
/// Limitation: `ssh` itself exits with 255 when the connection fails, so
/// a remote command's own exit code 255 cannot be told apart from a lost
/// session; the `openssh` crate reports both as
/// `openssh::Error::RemoteProcessTerminated`, which is retried and, when
/// the attempts run out, returned as [`TransportError::Ssh`].
#[derive(Debug)]
pub struct SshTransport {
    session: Session,
    retry: RetryConfig,
}

impl SshTransport {
    /// Logs in to `target` and keeps the connection open; commands are
    /// retried under `retry`.
    ///
    /// # Errors
    ///
    /// [`TransportError::Ssh`] when the login fails.
    pub async fn connect(
        target: &SshTarget,
        retry: RetryConfig,
    ) -> Result<SshTransport, TransportError> {
        let session = SessionBuilder::default()
            .user(target.user.clone())
            .port(target.port)
            .keyfile(&target.identity_file)
            .user_known_hosts_file(&target.known_hosts_file)
            .known_hosts_check(KnownHosts::Strict)
            .config_file(&target.config_file)
            .connect_timeout(Duration::from_secs(10))
            .connect(&target.host)
            .await?;
        Ok(SshTransport { session, retry })
    }

    /// Closes the master connection.
    ///
    /// # Errors
    ///
    /// [`TransportError::Ssh`] when `ssh` reports an error on the way out.
    pub async fn close(self) -> Result<(), TransportError> {
        Ok(self.session.close().await?)
    }

    async fn exec_once(&self, command: &str) -> Result<CommandOutput, TransportError> {
        let output = self.session.raw_command(command).output().await?;
        Ok(split(output))
    }
}

fn split(output: Output) -> CommandOutput {
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

impl Transport for SshTransport {
    async fn exec(&self, command: &str) -> Result<CommandOutput, TransportError> {
        retry_command(&self.retry, command, |command| self.exec_once(command)).await
    }

    /// Pipes `contents` into `cat` on the target, retried like a command:
    /// a failing session is tried again, a failing `cat` is not.
    async fn put_file(&self, path: &str, contents: &[u8], mode: u32) -> Result<(), TransportError> {
        Retry::new(&self.retry, || self.put_file_once(path, contents, mode))
            .retry_transient()
            .run()
            .await
    }
}

impl SshTransport {
    async fn put_file_once(
        &self,
        path: &str,
        contents: &[u8],
        mode: u32,
    ) -> Result<(), TransportError> {
        let path = sh_quote(path);
        let command = format!("cat > {path} && chmod {mode:o} {path}");
        let mut child = self
            .session
            .raw_command(&command)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .await?;
        if let Some(mut stdin) = child.stdin().take() {
            stdin.write_all(contents).await?;
            stdin.shutdown().await?;
        }
        let (code, _, stderr) = split(child.wait_with_output().await?);
        if code == 0 {
            Ok(())
        } else {
            Err(TransportError::Command {
                command,
                code,
                stderr,
            })
        }
    }
}
