use retry_rollback::with_retry;

#[with_retry(initial_delay = "500ms")]
async fn install() -> Result<(), String> {
    Ok(())
}

fn main() {}
