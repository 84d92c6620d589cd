//! Every argument form the attribute accepts.

use std::io;
use std::time::Duration;

use retry_rollback::{RetryConfig, with_retry};

const INSTALL_RETRY: RetryConfig = RetryConfig::conservative();

fn retry_config() -> RetryConfig {
    RetryConfig::file_operation()
}

fn report(attempt: u32, delay: Duration, error: &io::Error) {
    eprintln!("attempt {attempt} failed: {error}; next in {delay:?}");
}

#[with_retry(
    max_attempts = 4,
    backoff = 3,
    initial_delay = Duration::from_millis(250),
    max_delay = 10.5,
    timeout = Duration::from_secs(30),
    deadline = 120,
    jitter = decorrelated,
    on_retry = report,
    retry_if = |error: &io::Error| error.kind() != io::ErrorKind::NotFound,
)]
async fn everything() -> io::Result<()> {
    Ok(())
}

#[with_retry(preset = aggressive, jitter = none)]
async fn preset_override() -> Result<(), String> {
    Ok(())
}

#[with_retry(config = INSTALL_RETRY)]
async fn from_const() -> io::Result<()> {
    Ok(())
}

#[with_retry(config = retry_config(), max_attempts = 2)]
async fn from_call() -> io::Result<()> {
    Ok(())
}

#[with_retry(crate = ::retry_rollback, preset = file_operation)]
async fn crate_path() -> Result<(), String> {
    Ok(())
}

#[with_retry(crate = "retry_rollback")]
async fn crate_string() -> Result<(), String> {
    Ok(())
}

mod renamed {
    pub use retry_rollback as runtime;
}

#[with_retry(crate = renamed::runtime)]
async fn crate_renamed() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = (everything, preset_override, from_const, from_call);
    let _ = (crate_path, crate_string, crate_renamed);
}
