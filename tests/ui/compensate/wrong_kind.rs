use retry_rollback::compensate;

#[compensate(remove, name = remove_download, timeout = "30s", retry = network)]
async fn download() -> Result<(), String> {
    Ok(())
}

async fn remove() -> Result<(), String> {
    Ok(())
}

fn main() {}
