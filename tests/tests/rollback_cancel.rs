//! A scope's future dropped half-way, or a context dropped while armed:
//! owned undo actions run in the background, last first; borrowing ones
//! are reported at ERROR, by name, as abandoned.

mod support;

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use retry_rollback::RollbackContext;
use support::Logs;
use tokio::time::{Instant, sleep, timeout};

type Undone = Arc<Mutex<Vec<&'static str>>>;

/// An owned undo action that writes `entry` when it runs.
fn record(
    undone: &Undone,
    entry: &'static str,
) -> impl FnMut() -> std::future::Ready<io::Result<()>> + Send + 'static {
    let undone = Arc::clone(undone);
    move || {
        undone.lock().unwrap().push(entry);
        std::future::ready(Ok(()))
    }
}

/// Lets the background rollback run.
async fn settle() {
    sleep(Duration::from_millis(1)).await;
}

#[tokio::test(start_paused = true)]
async fn a_scope_dropped_half_way_undoes_its_owned_actions_in_the_background() {
    let logs = Logs::capture();
    let undone = Undone::default();
    let borrowed_ran = AtomicBool::new(false);
    let started = Instant::now();

    let install = RollbackContext::scope("install node_exporter", async |ctx| {
        ctx.add_owned_action("remove download", record(&undone, "download"));
        ctx.add_action("remove extracted files", || async {
            borrowed_ran.store(true, Ordering::SeqCst);
            Ok::<_, io::Error>(())
        })
        .description("Remove /opt/node_exporter-1.8.2");
        ctx.add_owned_action("remove binary", record(&undone, "binary"));
        // The service never comes up.
        sleep(Duration::from_secs(3600)).await;
        Ok::<_, io::Error>(())
    });
    let result = timeout(Duration::from_secs(30), install).await;

    assert!(result.is_err());
    assert_eq!(started.elapsed(), Duration::from_secs(30));
    settle().await;
    assert_eq!(*undone.lock().unwrap(), ["binary", "download"]);
    assert!(!borrowed_ran.load(Ordering::SeqCst));

    let abandoned = logs.matching(&["ERROR", "undo abandoned", "remove extracted files"]);
    assert_eq!(abandoned.len(), 1, "{:#?}", logs.lines());
    assert!(abandoned[0].contains("Remove /opt/node_exporter-1.8.2"));
    let dropped = logs.matching(&[
        "ERROR",
        "dropped while armed",
        "abandoned=1",
        "background=2",
    ]);
    assert_eq!(dropped.len(), 1, "{:#?}", logs.lines());
    let started = logs.matching(&["INFO", "rolling back", "dropped before it finished"]);
    assert_eq!(started.len(), 1, "{:#?}", logs.lines());
    assert_eq!(logs.matching(&["INFO", "undone", "remove binary"]).len(), 1);
    assert_eq!(
        logs.matching(&["INFO", "undone", "remove download"]).len(),
        1
    );
    // The borrowing undo never ran, so the host is not known to be clean.
    let end = logs.matching(&["ERROR", "rollback finished, host dirty", "failed=1"]);
    assert_eq!(end.len(), 1, "{:#?}", logs.lines());
    // The abandoned action is reported in its place, last first.
    let lines = logs.lines();
    let position = |action: &str| {
        let field = format!("action=\"{action}\"");
        lines.iter().position(|line| line.contains(&field)).unwrap()
    };
    assert!(position("remove binary") < position("remove extracted files"));
    assert!(position("remove extracted files") < position("remove download"));
}

#[tokio::test(start_paused = true)]
async fn a_context_dropped_while_armed_behaves_the_same() {
    let logs = Logs::capture();
    let undone = Undone::default();
    let unit = String::from("/etc/systemd/system/node_exporter.service");

    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_owned_action("remove download", record(&undone, "download"));
    ctx.add_action("remove unit", || async {
        let _ = &unit;
        Ok::<_, io::Error>(())
    });
    ctx.add_owned_action("stop service", record(&undone, "service"));
    drop(ctx);

    assert!(
        undone.lock().unwrap().is_empty(),
        "nothing runs inside drop"
    );
    settle().await;
    assert_eq!(*undone.lock().unwrap(), ["service", "download"]);
    assert_eq!(
        logs.matching(&["ERROR", "undo abandoned", "remove unit"])
            .len(),
        1,
        "{:#?}",
        logs.lines()
    );
}

#[tokio::test(start_paused = true)]
async fn a_scope_with_only_owned_actions_warns_and_abandons_nothing() {
    let logs = Logs::capture();
    let undone = Undone::default();

    let install = RollbackContext::scope("install node_exporter", async |ctx| {
        ctx.add_owned_action("remove download", record(&undone, "download"));
        std::future::pending::<Result<(), io::Error>>().await
    });
    assert!(timeout(Duration::from_secs(5), install).await.is_err());
    settle().await;

    assert_eq!(*undone.lock().unwrap(), ["download"]);
    assert_eq!(logs.matching(&["WARN", "dropped while armed"]).len(), 1);
    assert!(logs.matching(&["ERROR"]).is_empty(), "{:#?}", logs.lines());
}

#[test]
fn without_a_runtime_owned_actions_are_abandoned_and_logged() {
    let logs = Logs::capture();
    let undone = Undone::default();

    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_owned_action("remove download", record(&undone, "download"));
    drop(ctx);

    assert!(undone.lock().unwrap().is_empty());
    let abandoned = logs.matching(&[
        "ERROR",
        "undo abandoned",
        "remove download",
        "no tokio runtime",
    ]);
    assert_eq!(abandoned.len(), 1, "{:#?}", logs.lines());
}

#[tokio::test(start_paused = true)]
async fn a_rollback_dropped_mid_undo_never_runs_that_undo_twice() {
    let logs = Logs::capture();
    let undone = Undone::default();
    let calls = Arc::new(Mutex::new(0));

    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_owned_action("remove download", record(&undone, "download"));
    let stop_calls = Arc::clone(&calls);
    ctx.add_owned_action("stop service", move || {
        *stop_calls.lock().unwrap() += 1;
        async {
            sleep(Duration::from_secs(60)).await;
            Ok::<_, io::Error>(())
        }
    });

    assert!(
        timeout(Duration::from_secs(5), ctx.rollback())
            .await
            .is_err()
    );
    settle().await;

    assert_eq!(*calls.lock().unwrap(), 1);
    assert_eq!(*undone.lock().unwrap(), ["download"]);
    let interrupted = logs.matching(&["ERROR", "undo interrupted", "stop service"]);
    assert_eq!(interrupted.len(), 1, "{:#?}", logs.lines());
}

#[tokio::test(start_paused = true)]
async fn a_nested_scope_dropped_half_way_joins_the_outer_rollback() {
    let undone = Undone::default();

    let install = RollbackContext::scope("install node_exporter", async |ctx| {
        ctx.add_owned_action("remove binary", record(&undone, "binary"));
        ctx.scope("configure", async |inner| {
            inner.add_owned_action("remove unit", record(&undone, "unit"));
            inner.add_owned_action("remove config", record(&undone, "config"));
            std::future::pending::<Result<(), io::Error>>().await
        })
        .await
        .map_err(|error| error.into_inner())
    });
    assert!(timeout(Duration::from_secs(5), install).await.is_err());
    settle().await;

    assert_eq!(*undone.lock().unwrap(), ["config", "unit", "binary"]);
}

#[tokio::test(start_paused = true)]
async fn a_committed_context_dropped_runs_nothing() {
    let logs = Logs::capture();
    let undone = Undone::default();

    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_owned_action("remove download", record(&undone, "download"));
    ctx.disable();
    drop(ctx);
    settle().await;

    assert!(undone.lock().unwrap().is_empty());
    assert!(logs.lines().is_empty(), "{:#?}", logs.lines());
}
