use retry_rollback::with_retry;

#[with_retry(max_atempts = 3)]
async fn install() -> Result<(), String> {
    Ok(())
}

fn main() {}
