use retry_rollback::with_retry;

#[with_retry(max_attempts = 0)]
async fn install() -> Result<(), String> {
    Ok(())
}

fn main() {}
