use retry_rollback::with_rollback;

#[derive(Debug)]
struct InstallError;

impl std::fmt::Display for InstallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("install failed")
    }
}

#[with_rollback]
async fn install() -> Result<(), InstallError> {
    Err(InstallError)
}

fn main() {}
