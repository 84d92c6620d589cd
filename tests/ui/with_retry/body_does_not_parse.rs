use retry_rollback::with_retry;

#[with_retry]
async fn install() -> Result<(), String> {
    let status = ;
    Ok(status)
}

fn main() {}
