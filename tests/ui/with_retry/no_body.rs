use retry_rollback::with_retry;

trait Step {
    #[with_retry]
    async fn run(&self) -> Result<(), String>;
}

fn main() {}
