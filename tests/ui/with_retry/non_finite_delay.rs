use retry_rollback::with_retry;

#[with_retry(max_delay = 1e400)]
async fn install() -> Result<(), String> {
    Ok(())
}

fn main() {}
