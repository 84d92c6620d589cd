//! The whole install demo, in process, on a temporary root through the
//! local transport: success with the exporter answering, a failure at
//! each of the six steps undone byte for byte, and a flaky artifact
//! server retried until the install succeeds.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use common::{EXPORTER, alive, host_root, processes_under};
use examples::installer::{Options, Outcome, Progress, SCOPE, Step, run};
use examples::snapshot::Snapshot;
use retry_rollback::UndoOutcome;

fn options(root: &std::path::Path) -> Options {
    let mut options = Options::new(PathBuf::from(EXPORTER));
    options.root = Some(root.to_owned());
    options.flaky = 0.0;
    options
}

async fn run_quietly(options: &Options) -> Outcome {
    run(options, Arc::new(Progress::new(std::io::sink())))
        .await
        .expect("the demo starts")
}

#[tokio::test(start_paused = true)]
async fn installs_and_the_exporter_answers_until_uninstalled() {
    let root = host_root();
    let before = Snapshot::take(root.path()).unwrap();
    let mut options = options(root.path());
    options.keep = true;

    let outcome = run_quietly(&options).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    assert!(outcome.kept);
    assert_eq!(outcome.finished, Step::ALL);
    assert_eq!(outcome.unchanged, None);
    assert!(!outcome.root_removed);
    let installed = outcome.installed.expect("installed");
    assert!(alive(installed.pid));
    assert_eq!(processes_under(root.path()), [installed.pid]);
    assert!(installed.metrics.contains("demo_exporter_up 1\n"));

    let url = std::fs::read_to_string(root.path().join("etc/systemd/system/demo-exporter.service"))
        .unwrap()
        .lines()
        .find_map(|line| line.strip_prefix("ExecStart="))
        .and_then(|exec| exec.split_whitespace().nth(2))
        .map(|listen| format!("http://{listen}/metrics"))
        .expect("the unit names the address");
    let page = examples::download::get(&url).await.unwrap();
    assert!(String::from_utf8_lossy(&page).contains("demo_exporter_scrapes_total 2\n"));

    options.keep = false;
    options.uninstall = true;
    let outcome = run_quietly(&options).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    assert!(!alive(installed.pid));
    assert_eq!(Snapshot::take(root.path()).unwrap(), before);
}

#[tokio::test(start_paused = true)]
async fn without_keep_the_demo_uninstalls_and_leaves_the_root_as_it_was() {
    let root = host_root();
    let before = Snapshot::take(root.path()).unwrap();
    let outcome = run_quietly(&options(root.path())).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    assert_eq!(outcome.finished, Step::ALL);
    assert_eq!(outcome.unchanged, Some(true));
    assert!(!alive(outcome.installed.expect("installed").pid));
    assert_eq!(Snapshot::take(root.path()).unwrap(), before);
    assert!(processes_under(root.path()).is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_failure_at_each_step_is_undone_byte_for_byte() {
    let undo_names = [
        "remove download",
        "remove extracted",
        "remove binary",
        "remove unit",
        "stop",
    ];
    for step in Step::ALL {
        let root = host_root();
        let before = Snapshot::take(root.path()).unwrap();
        let mut options = options(root.path());
        options.fail_at = Some(step);

        let outcome = run_quietly(&options).await;
        assert!(!outcome.succeeded(), "{step}: {outcome:?}");
        assert!(outcome.installed.is_none());
        assert_eq!(
            outcome.error.as_deref(),
            Some(format!("{step}: failing on purpose (--fail-at {step})").as_str())
        );
        let done = step.number() - 1;
        assert_eq!(outcome.finished, Step::ALL[..done], "{step}");

        let report = outcome.report.expect("a rollback report");
        assert_eq!(report.scope(), SCOPE);
        assert!(report.is_clean(), "{step}: {report}");
        let undone: Vec<&str> = report.actions().iter().map(|a| a.name()).collect();
        let expected: Vec<&str> = undo_names[..done].iter().rev().copied().collect();
        assert_eq!(undone, expected, "{step}");
        assert!(
            report
                .actions()
                .iter()
                .all(|a| *a.outcome() == UndoOutcome::Undone)
        );

        assert_eq!(outcome.unchanged, Some(true), "{step}");
        assert_eq!(Snapshot::take(root.path()).unwrap(), before, "{step}");
        assert!(processes_under(root.path()).is_empty(), "{step}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_flaky_server_is_retried_until_the_install_succeeds() {
    let root = host_root();
    let mut options = options(root.path());
    options.flaky = 0.5;
    options.seed = 8;

    let outcome = run_quietly(&options).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    assert_eq!(outcome.finished, Step::ALL);
    let retried: Vec<(Step, u32, Duration)> = outcome
        .retries
        .iter()
        .map(|r| (r.step, r.attempt, r.delay))
        .collect();
    assert_eq!(
        retried,
        [
            // A dropped connection: the backoff's own 200 ms.
            (Step::Download, 1, Duration::from_millis(200)),
            // A 503 with `Retry-After: 1`: the hint beats the 400 ms.
            (Step::Download, 2, Duration::from_secs(1)),
        ]
    );
    // Seed 8 drops the first connection and answers the second with 503.
    assert!(
        outcome
            .retries
            .iter()
            .all(|r| r.error.starts_with("download: GET "))
    );
    assert!(
        outcome.retries[1]
            .error
            .ends_with("HTTP 503, retry after 1s")
    );
}

#[tokio::test(start_paused = true)]
async fn a_step_that_keeps_failing_transiently_gives_up_and_rolls_back_nothing() {
    let root = host_root();
    let before = Snapshot::take(root.path()).unwrap();
    let mut options = options(root.path());
    options.flaky = 1.0;

    let outcome = run_quietly(&options).await;
    assert!(!outcome.succeeded());
    let attempts: Vec<u32> = outcome.retries.iter().map(|r| r.attempt).collect();
    assert_eq!(attempts, [1, 2, 3, 4]);
    assert!(outcome.finished.is_empty());
    assert_eq!(outcome.report.expect("a report").actions().len(), 0);
    assert_eq!(Snapshot::take(root.path()).unwrap(), before);
}

#[tokio::test(start_paused = true)]
async fn a_temporary_root_is_removed_after_a_clean_run() {
    let mut options = Options::new(PathBuf::from(EXPORTER));
    options.flaky = 0.0;
    options.fail_at = Some(Step::Start);
    let outcome = run_quietly(&options).await;
    assert!(!outcome.succeeded());
    assert!(outcome.root_removed);
    assert!(!outcome.root.exists());
}
