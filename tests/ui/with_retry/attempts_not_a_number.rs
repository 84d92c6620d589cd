use retry_rollback::with_retry;

#[with_retry(max_attempts = "3")]
async fn install() -> Result<(), String> {
    Ok(())
}

fn main() {}
