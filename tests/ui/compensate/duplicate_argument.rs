use retry_rollback::compensate;

#[compensate(remove, name = "remove", name = "delete")]
async fn download() -> Result<(), String> {
    Ok(())
}

async fn remove() -> Result<(), String> {
    Ok(())
}

fn main() {}
