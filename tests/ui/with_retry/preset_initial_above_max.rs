use retry_rollback::with_retry;

// The conservative preset starts at 2 s, so a 1 s cap is below it.
#[with_retry(preset = conservative, max_delay = 1)]
async fn install() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
