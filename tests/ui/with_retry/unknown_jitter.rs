use retry_rollback::with_retry;

#[with_retry(jitter = fulll)]
async fn install() -> Result<(), String> {
    Ok(())
}

fn main() {}
