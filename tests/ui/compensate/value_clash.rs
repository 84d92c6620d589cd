use retry_rollback::compensate;

#[compensate(restore(value))]
async fn set(value: u32) -> Result<u32, String> {
    Ok(value)
}

async fn restore(previous: u32) -> Result<(), String> {
    let _ = previous;
    Ok(())
}

fn main() {}
