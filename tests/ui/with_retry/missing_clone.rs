use retry_rollback::with_retry;

struct Payload(Vec<u8>);

#[with_retry]
async fn upload(host: &str, payload: Payload) -> Result<(), String> {
    let _ = (host, payload.0);
    Ok(())
}

fn main() {}
