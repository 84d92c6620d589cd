use retry_rollback::compensate;

#[compensate(remove, retry = file_operation, config = retry_rollback::RetryConfig::default())]
async fn download() -> Result<(), String> {
    Ok(())
}

async fn remove() -> Result<(), String> {
    Ok(())
}

fn main() {}
