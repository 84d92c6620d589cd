use retry_rollback::compensate;

#[compensate(remove, remove_again)]
async fn download() -> Result<(), String> {
    Ok(())
}

#[compensate(+)]
async fn extract() -> Result<(), String> {
    Ok(())
}

async fn remove() -> Result<(), String> {
    Ok(())
}

fn main() {}
