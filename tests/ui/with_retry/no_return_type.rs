use retry_rollback::with_retry;

#[with_retry]
async fn install() {}

fn main() {}
