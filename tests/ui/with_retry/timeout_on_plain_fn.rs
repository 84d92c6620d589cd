use retry_rollback::with_retry;

#[with_retry(timeout = 5)]
fn install() -> std::io::Result<()> {
    Ok(())
}

fn main() {}
