//! A step marked `#[compensate]` that succeeds outside any rollback scope
//! logs a WARN naming the step and its undo: nothing is registered, and
//! nothing is silent. A task spawned inside a scope is outside it too.

mod support;

use std::io;

use retry_rollback::{RollbackError, compensate, with_rollback};
use support::Logs;

/// Starts capturing the logs of the current thread.
fn capture() -> Logs {
    Logs::capture()
}

/// The WARN lines captured so far.
fn warnings(logs: &Logs) -> Vec<String> {
    logs.matching(&["WARN"])
}

#[compensate(remove_download(path))]
async fn download(path: String) -> io::Result<()> {
    let _ = path;
    Ok(())
}

async fn remove_download(path: String) -> io::Result<()> {
    let _ = path;
    Ok(())
}

#[compensate(remove_download(path))]
async fn failing_download(path: String) -> io::Result<()> {
    let _ = path;
    Err(io::Error::other("404"))
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_step_outside_any_scope_warns_with_its_name_and_its_undo() {
    let logs = capture();
    download(String::from("/tmp/exporter.tar.gz"))
        .await
        .unwrap();
    let warnings = warnings(&logs);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains(
            "step `download` succeeded outside any rollback scope; \
             its undo `remove_download` was not registered"
        ),
        "{warnings:?}"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_failing_step_outside_any_scope_registers_nothing_and_says_nothing() {
    let logs = capture();
    assert!(failing_download(String::from("/tmp/x")).await.is_err());
    assert_eq!(warnings(&logs), Vec::<String>::new());
}

#[with_rollback]
async fn spawns_the_step() -> Result<usize, RollbackError<io::Error>> {
    tokio::spawn(download(String::from("/tmp/spawned")))
        .await
        .map_err(io::Error::other)??;
    Ok(Logs.matching(&["WARN"]).len())
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_task_spawned_inside_a_scope_does_not_see_it() {
    let logs = capture();
    assert_eq!(spawns_the_step().await.unwrap(), 1);
    assert!(warnings(&logs)[0].contains("step `download` succeeded outside any rollback scope"));
}
