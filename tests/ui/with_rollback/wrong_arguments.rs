use retry_rollback::{RollbackError, with_rollback};

#[with_rollback(name = install, crate = 3)]
async fn install() -> Result<(), RollbackError<String>> {
    Ok(())
}

#[with_rollback(name = "a", name = "b")]
async fn upgrade() -> Result<(), RollbackError<String>> {
    Ok(())
}

#[with_rollback("install")]
async fn remove() -> Result<(), RollbackError<String>> {
    Ok(())
}

fn main() {}
