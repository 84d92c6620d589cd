use retry_rollback::with_retry;

#[with_retry(preset = network)]
async fn install() -> Result<(), String> {
    Ok(())
}

fn main() {}
