use retry_rollback::with_retry;

#[with_retry(preset = aggressive, config = retry_rollback::RetryConfig::default())]
async fn install() -> std::io::Result<()> {
    Ok(())
}

fn main() {}
