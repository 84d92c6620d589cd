use retry_rollback::with_retry;

#[derive(Debug)]
struct InstallError;

#[with_retry]
async fn install() -> Result<(), InstallError> {
    Err(InstallError)
}

fn main() {}
