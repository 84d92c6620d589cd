use retry_rollback::with_retry;

#[derive(Debug)]
struct InstallError;

impl std::fmt::Display for InstallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("install failed")
    }
}

impl From<retry_rollback::TimedOut> for InstallError {
    fn from(_: retry_rollback::TimedOut) -> Self {
        InstallError
    }
}

#[with_retry]
async fn install(path: String) -> Result<String, InstallError> {
    let text = std::fs::read_to_string(path)?;
    Ok(text)
}

fn main() {}
