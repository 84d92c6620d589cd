use retry_rollback::compensate;

#[compensate(remove)]
async fn download() -> Option<()> {
    Some(())
}

#[compensate(remove)]
async fn extract() {}

async fn remove() -> Result<(), String> {
    Ok(())
}

fn main() {}
