use retry_rollback::{RollbackError, with_rollback};

#[with_rollback]
fn install() -> Result<(), RollbackError<String>> {
    Ok(())
}

fn main() {}
