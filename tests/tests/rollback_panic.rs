//! A panic in the scope's body: the undo actions run, then the panic goes
//! on. A panic in an undo action: the others still run, and the report
//! says which one panicked.

use std::io;
use std::sync::{Arc, Mutex};

use retry_rollback::{RollbackContext, UndoOutcome};

type Log = Arc<Mutex<Vec<&'static str>>>;

/// An undo action that owns a handle on the log and writes `entry` to it.
fn record(log: &Log, entry: &'static str) -> impl FnMut() -> std::future::Ready<io::Result<()>> {
    let log = Arc::clone(log);
    move || {
        log.lock().unwrap().push(entry);
        std::future::ready(Ok(()))
    }
}

/// A validation step with a bug in it.
async fn validate(log: &Log) -> io::Result<()> {
    log.lock().unwrap().push("validate");
    panic!("validation exploded")
}

#[tokio::test(start_paused = true)]
async fn a_panicking_body_is_rolled_back_then_the_panic_resumes() {
    let log = Log::default();
    let body_log = Arc::clone(&log);
    let install = tokio::spawn(async move {
        RollbackContext::scope("install node_exporter", async |ctx| {
            ctx.add_action("remove download", record(&body_log, "remove download"));
            ctx.add_action("remove binary", record(&body_log, "remove binary"));
            validate(&body_log).await
        })
        .await
    });

    let panic = install.await.unwrap_err().into_panic();

    assert_eq!(panic.downcast_ref::<&str>(), Some(&"validation exploded"));
    assert_eq!(
        *log.lock().unwrap(),
        ["validate", "remove binary", "remove download"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_panicking_undo_does_not_stop_the_others() {
    let log = Log::default();
    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_action("remove download", record(&log, "remove download"));
    ctx.add_action("remove binary", || async {
        panic!("binary is immutable");
        #[allow(unreachable_code)]
        Ok::<_, io::Error>(())
    })
    .description("Remove /usr/local/bin/node_exporter");
    ctx.add_action("remove unit", record(&log, "remove unit"));

    let report = ctx.rollback().await;

    assert_eq!(*log.lock().unwrap(), ["remove unit", "remove download"]);
    let outcomes: Vec<(&str, &UndoOutcome)> = report
        .actions()
        .iter()
        .map(|action| (action.name(), action.outcome()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("remove unit", &UndoOutcome::Undone),
            (
                "remove binary",
                &UndoOutcome::Panicked("binary is immutable".to_owned())
            ),
            ("remove download", &UndoOutcome::Undone),
        ]
    );
    assert!(!report.is_clean());
    let failures: Vec<&str> = report.failures().map(|action| action.name()).collect();
    assert_eq!(failures, ["remove binary"]);
}

#[tokio::test(start_paused = true)]
async fn an_undo_that_panics_before_returning_its_future_is_caught_too() {
    let mut calls = 0;
    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_action("remove unit", || -> std::future::Ready<io::Result<()>> {
        calls += 1;
        panic!("unit file locked (call {calls})")
    });

    let report = ctx.rollback().await;

    assert_eq!(
        report.actions()[0].outcome(),
        &UndoOutcome::Panicked("unit file locked (call 1)".to_owned())
    );
    assert_eq!(report.actions()[0].attempts(), 1);
}

#[tokio::test(start_paused = true)]
async fn the_undo_of_a_panicking_body_may_fail_without_hiding_the_panic() {
    let log = Log::default();
    let body_log = Arc::clone(&log);
    let install = tokio::spawn(async move {
        RollbackContext::scope("install node_exporter", async |ctx| {
            ctx.add_action("remove download", record(&body_log, "remove download"));
            ctx.add_action("remove binary", || async { Err("binary is busy") });
            validate(&body_log).await
        })
        .await
    });

    let panic = install.await.unwrap_err().into_panic();

    assert_eq!(panic.downcast_ref::<&str>(), Some(&"validation exploded"));
    assert_eq!(*log.lock().unwrap(), ["validate", "remove download"]);
}
