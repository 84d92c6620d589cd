use retry_rollback::with_retry;

fn port(text: &str) -> Option<u16> {
    text.parse().ok()
}

#[with_retry]
async fn install(text: String) -> Result<u16, std::io::Error> {
    let port = port(&text)?;
    Ok(port)
}

fn main() {}
