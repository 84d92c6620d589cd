use retry_rollback::compensate;

#[compensate(name = "remove download")]
async fn download() -> Result<(), String> {
    Ok(())
}

#[compensate]
async fn extract() -> Result<(), String> {
    Ok(())
}

fn main() {}
