use std::path::{Path, PathBuf};
use std::process::Stdio;

use retry_rollback::CommandOutput;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::{Transport, TransportError};

/// Runs commands on this machine with `sh -c`, in a target root directory.
///
/// ```
/// use examples::transport::{LocalTransport, Transport};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), examples::transport::TransportError> {
/// let root = tempfile::tempdir()?;
/// let local = LocalTransport::new(root.path());
/// let (code, stdout, _) = local.exec("echo hello; exit 3").await?;
/// assert_eq!((code, stdout.as_str()), (3, "hello\n"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct LocalTransport {
    root: PathBuf,
}

impl LocalTransport {
    /// Runs commands in `root`.
    pub fn new(root: &Path) -> LocalTransport {
        LocalTransport {
            root: root.to_owned(),
        }
    }

    /// The directory commands run in.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl Transport for LocalTransport {
    async fn exec(&self, command: &str) -> Result<CommandOutput, TransportError> {
        let output = Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(&self.root)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output()
            .await?;
        // A command killed by a signal has no exit code; report it the way
        // a shell does, 128 + signal, or -1 when even that is unknown.
        let code = output.status.code().unwrap_or_else(|| {
            use std::os::unix::process::ExitStatusExt;
            output.status.signal().map_or(-1, |signal| 128 + signal)
        });
        Ok((
            code,
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        ))
    }

    async fn put_file(&self, path: &str, contents: &[u8], mode: u32) -> Result<(), TransportError> {
        use std::os::unix::fs::PermissionsExt;
        let path = self.root.join(path);
        let mut file = tokio::fs::File::create(&path).await?;
        file.write_all(contents).await?;
        file.flush().await?;
        tokio::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).await?;
        Ok(())
    }
}
