use retry_rollback::with_retry;

#[with_retry(initial_delay = -1.5)]
async fn install() -> Result<(), String> {
    Ok(())
}

fn main() {}
