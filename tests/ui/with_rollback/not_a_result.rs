use retry_rollback::with_rollback;

#[with_rollback]
async fn install() -> Option<()> {
    Some(())
}

#[with_rollback]
struct Install;

fn main() {}
