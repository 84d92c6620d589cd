use retry_rollback::with_retry;

#[with_retry(max_attempts = 3)]
struct Installer;

fn main() {}
