use retry_rollback::with_retry;

#[with_retry(max_attempts = 3, backoff = 2.0, max_attempts = 5)]
async fn install() -> Result<(), String> {
    Ok(())
}

fn main() {}
