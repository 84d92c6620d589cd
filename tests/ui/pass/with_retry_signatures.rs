//! Signatures that the attribute keeps as written.
#![deny(unused_mut, unused_variables)]

use std::fmt::Display;
use std::io;

use retry_rollback::with_retry;

type InstallResult<T> = Result<T, String>;

/// Documented, with an inner attribute in the body.
#[with_retry]
pub(crate) async fn inner_attribute() -> InstallResult<u32> {
    #![allow(clippy::let_and_return)]
    let value: u32 = 1;
    value
        .checked_add(1)
        .ok_or_else(|| "overflow".to_string())
}

#[with_retry]
async fn patterns((host, port): (String, u16), [first, _]: [u8; 2]) -> io::Result<String> {
    Ok(format!("{host}:{port}/{first}"))
}

#[with_retry]
async fn mutable(mut log: Vec<String>, mut counter: u32, out: &mut Vec<u32>) -> io::Result<()> {
    log.push("attempt".to_string());
    counter += 1;
    out.push(counter);
    Ok(())
}

#[with_retry]
async fn generic<'a, T, U: Clone>(name: &'a str, value: T, extra: U) -> Result<&'a str, String>
where
    T: Display + Clone,
{
    let _ = (value.to_string(), extra);
    Ok(name)
}

#[with_retry]
async fn impl_trait(target: impl AsRef<str> + Clone, sink: &impl Display) -> Result<(), String> {
    let _ = (target.as_ref(), sink.to_string());
    Ok(())
}

#[with_retry]
async fn unused_argument(_unused: String) -> Result<(), String> {
    Ok(())
}

#[with_retry]
fn blocking(name: &str, mut copies: u32) -> std::io::Result<String> {
    copies += 1;
    Ok(format!("{name} x{copies}"))
}

#[with_retry]
async fn anyhow_result() -> anyhow::Result<()> {
    Ok(())
}

fn main() {
    let _ = (inner_attribute, patterns, mutable, anyhow_result, blocking);
    let _ = generic::<u32, u8>;
    let _ = impl_trait(String::new(), &1u8);
    let _ = unused_argument;
}
