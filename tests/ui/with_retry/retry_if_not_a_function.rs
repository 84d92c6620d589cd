use retry_rollback::with_retry;

#[with_retry(retry_if = true)]
async fn install() -> Result<(), String> {
    Ok(())
}

fn main() {}
