use retry_rollback::compensate;

#[compensate(remove, description = 3, retry = 3, crate = 3)]
async fn download() -> Result<(), String> {
    Ok(())
}

#[compensate(remove, config = "fast", timeout = 0)]
async fn extract() -> Result<(), String> {
    Ok(())
}

async fn remove() -> Result<(), String> {
    Ok(())
}

fn main() {}
