//! What the caller and the logs learn from a rollback: the report, the
//! error that wraps it, and one log line per event.

mod support;

use std::error::Error;
use std::io;
use std::time::Duration;

use retry_rollback::{RollbackContext, RollbackError, UndoOutcome};
use support::Logs;
use tokio::time::sleep;

/// A scope whose validation fails, with one undo of each kind.
async fn dirty_install() -> RollbackError<io::Error> {
    RollbackContext::scope("install node_exporter", async |ctx| {
        ctx.add_action("remove download", || async {
            sleep(Duration::from_millis(250)).await;
            Ok::<_, io::Error>(())
        })
        .description("Remove the downloaded tarball");
        ctx.add_action("remove binary", || async {
            Err(io::Error::from(io::ErrorKind::PermissionDenied))
        })
        .description("Remove /usr/local/bin/node_exporter");
        ctx.add_action("remove unit", || async {
            panic!("unit file is immutable");
            #[allow(unreachable_code)]
            Ok::<_, io::Error>(())
        });
        ctx.add_action("stop service", || async {
            sleep(Duration::from_secs(60)).await;
            Ok::<_, io::Error>(())
        })
        .timeout(Duration::from_secs(10));
        Err::<(), _>(io::Error::other("port 9100 not answering"))
    })
    .await
    .unwrap_err()
}

#[tokio::test(start_paused = true)]
async fn the_report_names_every_action_and_every_failure() {
    let error = dirty_install().await;
    let report = error.report();

    assert_eq!(report.scope(), "install node_exporter");
    assert!(!report.is_clean());
    let failures: Vec<(&str, &UndoOutcome)> = report
        .failures()
        .map(|action| (action.name(), action.outcome()))
        .collect();
    assert_eq!(
        failures,
        [
            (
                "stop service",
                &UndoOutcome::TimedOut(Duration::from_secs(10))
            ),
            (
                "remove unit",
                &UndoOutcome::Panicked("unit file is immutable".to_owned())
            ),
            (
                "remove binary",
                &UndoOutcome::Failed("permission denied".to_owned())
            ),
        ]
    );
    assert_eq!(report.undone(), 1);
    assert_eq!(
        report.to_string(),
        "rollback of \"install node_exporter\" left the host dirty: 3 of 4 steps not undone\n\
         \x20 stop service: timed out after 10s [1 attempt, 10s]\n\
         \x20 remove unit: panicked: unit file is immutable [1 attempt, 0ns]\n\
         \x20 remove binary (Remove /usr/local/bin/node_exporter): failed: permission denied [1 attempt, 0ns]\n\
         \x20 remove download (Remove the downloaded tarball): undone [1 attempt, 250ms]"
    );
}

#[tokio::test(start_paused = true)]
async fn the_error_keeps_the_callers_error_as_its_source() {
    let error = dirty_install().await;

    assert!(!error.is_clean());
    assert_eq!(
        error.to_string(),
        "scope \"install node_exporter\" failed and its rollback left the host dirty: \
         3 of 4 steps not undone"
    );
    let source = error.source().unwrap();
    assert_eq!(source.to_string(), "port 9100 not answering");
    assert_eq!(error.error().kind(), io::ErrorKind::Other);

    let (inner, report) = error.into_parts();
    assert_eq!(inner.to_string(), "port 9100 not answering");
    assert_eq!(report.actions().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn a_clean_rollback_says_so() {
    let error = RollbackContext::scope("install node_exporter", async |ctx| {
        ctx.add_action("remove download", || async { Ok::<_, io::Error>(()) });
        ctx.add_action("remove binary", || async { Ok::<_, io::Error>(()) });
        Err::<(), _>(io::Error::other("port 9100 not answering"))
    })
    .await
    .unwrap_err();

    assert!(error.is_clean());
    assert_eq!(
        error.to_string(),
        "scope \"install node_exporter\" failed and its rollback left the host clean: \
         2 undo actions succeeded"
    );
    assert_eq!(error.into_inner().to_string(), "port 9100 not answering");
}

#[tokio::test(start_paused = true)]
async fn every_undo_and_every_failure_is_logged() {
    let logs = Logs::capture();

    let _ = dirty_install().await;

    let lines = logs.lines();
    let find = |parts: &[&str]| -> Vec<&String> {
        lines
            .iter()
            .filter(|line| parts.iter().all(|part| line.contains(part)))
            .collect()
    };
    let start = find(&[
        "INFO",
        "rolling back",
        "actions=4",
        "cause=port 9100 not answering",
    ]);
    assert_eq!(start.len(), 1, "{lines:#?}");
    let undone = find(&[
        "INFO",
        "undone",
        "action=\"remove download\"",
        "duration=250ms",
    ]);
    assert_eq!(undone.len(), 1, "{lines:#?}");
    for (action, outcome) in [
        ("stop service", "timed out after 10s"),
        ("remove unit", "panicked: unit file is immutable"),
        ("remove binary", "failed: permission denied"),
    ] {
        let failed = find(&["ERROR", "undo failed", action, outcome]);
        assert_eq!(failed.len(), 1, "{action}: {lines:#?}");
    }
    let end = find(&[
        "ERROR",
        "rollback finished, host dirty",
        "actions=4",
        "failed=3",
    ]);
    assert_eq!(end.len(), 1, "{lines:#?}");
    assert!(
        lines.last().unwrap().contains("rollback finished"),
        "the summary comes last: {lines:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_clean_rollback_ends_with_an_info_line() {
    let logs = Logs::capture();
    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_action("remove download", || async { Ok::<_, io::Error>(()) });

    ctx.rollback().await;

    let lines = logs.lines();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[0].contains("INFO") && lines[0].contains("rolling back"));
    assert!(lines[1].contains("INFO") && lines[1].contains("undone"));
    assert!(lines[2].contains("INFO") && lines[2].contains("rollback finished, host clean"));
}
