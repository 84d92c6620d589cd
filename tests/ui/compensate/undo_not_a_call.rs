use retry_rollback::compensate;

#[compensate("remove")]
async fn download() -> Result<(), String> {
    Ok(())
}

#[compensate(remove().await)]
async fn extract() -> Result<(), String> {
    Ok(())
}

async fn remove() -> Result<(), String> {
    Ok(())
}

fn main() {}
