use retry_rollback::with_retry;

#[with_retry(3)]
async fn install() -> Result<(), String> {
    Ok(())
}

fn main() {}
