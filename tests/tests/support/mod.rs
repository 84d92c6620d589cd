//! Helpers shared by the integration tests.

use std::cell::RefCell;
use std::io::{self, Write};
use std::sync::Once;

/// Log lines, captured per thread: the logs of a test on the current
/// thread, and of the tasks its current-thread runtime runs.
pub struct Logs;

thread_local! {
    static CAPTURED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Logs {
    /// Starts capturing the logs of the current thread.
    ///
    /// One global subscriber serves every test: subscribers set per thread
    /// race with each other when tests run in parallel and can miss events.
    pub fn capture() -> Logs {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .with_writer(|| ThreadWriter)
                .with_max_level(tracing::Level::INFO)
                .without_time()
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
        });
        CAPTURED.with(|captured| captured.borrow_mut().clear());
        Logs
    }

    /// The lines captured on this thread since [`capture`](Self::capture).
    pub fn lines(&self) -> Vec<String> {
        CAPTURED.with(|captured| {
            String::from_utf8_lossy(&captured.borrow())
                .lines()
                .map(str::to_owned)
                .collect()
        })
    }

    /// The lines that contain every one of `parts`.
    #[allow(dead_code)]
    pub fn matching(&self, parts: &[&str]) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|line| parts.iter().all(|part| line.contains(part)))
            .collect()
    }
}

/// Writes to the current thread's capture.
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
