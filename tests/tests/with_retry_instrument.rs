//! `#[with_retry]` beside `#[tracing::instrument]`, in both orders: the
//! first attribute written runs first, so the order decides whether one
//! span covers the whole call or each attempt opens its own.

use std::io;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use retry_rollback::with_retry;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// Records the name of every span opened.
#[derive(Default)]
struct Spans {
    names: Mutex<Vec<&'static str>>,
    next: AtomicU64,
}

struct Recorder(Arc<Spans>);

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        self.0.names.lock().unwrap().push(span.metadata().name());
        Id::from_u64(self.0.next.fetch_add(1, Ordering::SeqCst) + 1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

fn flaky(calls: &AtomicU32) -> io::Result<u32> {
    let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
    if call < 3 {
        Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            format!("attempt {call}"),
        ))
    } else {
        Ok(call)
    }
}

// `#[with_retry]` first: it rewrites the body into the loop, then
// `#[instrument]` wraps the whole loop in one span.
#[with_retry(initial_delay = 1)]
#[tracing::instrument(skip(calls))]
async fn span_per_call(host: &str, calls: &AtomicU32) -> io::Result<u32> {
    flaky(calls)
}

// `#[instrument]` first: each attempt runs the instrumented body, so each
// attempt opens its own span.
#[tracing::instrument(skip(calls))]
#[with_retry(initial_delay = 1)]
async fn span_per_attempt(host: &str, calls: &AtomicU32) -> io::Result<u32> {
    flaky(calls)
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn both_orders_compile_and_run() {
    let spans = Arc::new(Spans::default());
    let _guard = tracing::subscriber::set_default(Recorder(spans.clone()));

    let calls = AtomicU32::new(0);
    assert_eq!(span_per_call("web-1", &calls).await.unwrap(), 3);
    assert_eq!(*spans.names.lock().unwrap(), ["span_per_call"]);
    spans.names.lock().unwrap().clear();

    let calls = AtomicU32::new(0);
    assert_eq!(span_per_attempt("web-1", &calls).await.unwrap(), 3);
    assert_eq!(*spans.names.lock().unwrap(), ["span_per_attempt"; 3]);
}
