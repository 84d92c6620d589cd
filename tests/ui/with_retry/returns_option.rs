use retry_rollback::with_retry;

#[with_retry]
async fn install() -> Option<u32> {
    None
}

fn main() {}
