use retry_rollback::with_retry;

#[with_retry(timeout = 0)]
async fn install() -> std::io::Result<()> {
    Ok(())
}

fn main() {}
