use retry_rollback::{RollbackError, with_rollback};

#[with_rollback(nmae = "install")]
async fn install() -> Result<(), RollbackError<String>> {
    Ok(())
}

fn main() {}
