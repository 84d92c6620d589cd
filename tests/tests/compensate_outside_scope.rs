//! A step marked `#[compensate]` that succeeds outside any rollback scope
//! logs a WARN naming the step and its undo: nothing is registered, and
//! nothing is silent. A task spawned inside a scope is outside it too.

use std::cell::RefCell;
use std::io::{self, Write};
use std::sync::Once;

use retry_rollback::{RollbackError, compensate, with_rollback};

thread_local! {
    static CAPTURED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Starts capturing the logs of the current thread, through one global
/// subscriber.
fn capture() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let subscriber = tracing_subscriber::fmt()
            .with_writer(|| ThreadWriter)
            .with_max_level(tracing::Level::INFO)
            .without_time()
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap();
    });
    CAPTURED.with(|captured| captured.borrow_mut().clear());
}

fn warnings() -> Vec<String> {
    CAPTURED.with(|captured| {
        String::from_utf8_lossy(&captured.borrow())
            .lines()
            .filter(|line| line.contains("WARN"))
            .map(str::to_owned)
            .collect()
    })
}

struct ThreadWriter;

impl Write for ThreadWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        CAPTURED.with(|captured| captured.borrow_mut().extend_from_slice(bytes));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
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
    capture();
    download(String::from("/tmp/exporter.tar.gz"))
        .await
        .unwrap();
    let warnings = warnings();
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
    capture();
    assert!(failing_download(String::from("/tmp/x")).await.is_err());
    assert_eq!(warnings(), Vec::<String>::new());
}

#[with_rollback]
async fn spawns_the_step() -> Result<usize, RollbackError<io::Error>> {
    tokio::spawn(download(String::from("/tmp/spawned")))
        .await
        .map_err(io::Error::other)??;
    Ok(warnings().len())
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_task_spawned_inside_a_scope_does_not_see_it() {
    capture();
    assert_eq!(spawns_the_step().await.unwrap(), 1);
    assert!(warnings()[0].contains("step `download` succeeded outside any rollback scope"));
}
