use retry_rollback::compensate;

#[compensate(remove, timout = 30)]
async fn download() -> Result<(), String> {
    Ok(())
}

#[compensate(remove, colour = "red")]
async fn extract() -> Result<(), String> {
    Ok(())
}

async fn remove() -> Result<(), String> {
    Ok(())
}

fn main() {}
