use retry_rollback::with_retry;

#[with_retry(backoff = 0.5)]
async fn install() -> Result<(), String> {
    Ok(())
}

fn main() {}
