use retry_rollback::with_retry;

#[with_retry(initial_delay = 10, max_delay = 2.5)]
async fn install() -> Result<(), String> {
    Ok(())
}

fn main() {}
