use retry_rollback::with_retry;

#[with_retry(max_attempts = 0, backoff = 0.5, jiter = full)]
async fn install() -> Result<(), String> {
    Ok(())
}

fn main() {}
