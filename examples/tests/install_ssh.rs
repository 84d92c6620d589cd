//! The install demo over SSH to the throwaway `sshd` it starts itself: a
//! flaky server retried to success, and a failure at each of the six steps
//! undone byte for byte.
//!
//! Without `/usr/sbin/sshd` each test prints "skipped: sshd not installed"
//! and returns, except under CI (the `CI` variable set), where it fails.

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use common::{EXPORTER, alive, host_root, processes_under};
use examples::installer::{Options, Outcome, Progress, Step, run};
use examples::snapshot::Snapshot;
use examples::sshd::{self, Availability};
use retry_rollback::RetryConfig;

/// The options for an SSH install under `root`, or `None` when the test
/// is skipped.
fn ssh_options(root: &std::path::Path) -> Option<Options> {
    match sshd::availability() {
        Availability::Installed => {}
        Availability::Missing { required: true } => {
            panic!("{} is not installed, and CI is set", sshd::SSHD)
        }
        Availability::Missing { required: false } => {
            eprintln!("skipped: sshd not installed ({})", sshd::SSHD);
            return None;
        }
    }
    let mut options = Options::new(PathBuf::from(EXPORTER));
    options.root = Some(root.to_owned());
    options.ssh = true;
    options.flaky = 0.0;
    // Real processes and a real sshd: short delays rather than a paused
    // clock, which the SSH client's own timers do not follow.
    options.retry = RetryConfig::builder()
        .max_attempts(5)
        .initial_delay(Duration::from_millis(10))
        .build()
        .unwrap();
    Some(options)
}

async fn run_quietly(options: &Options) -> Outcome {
    run(options, Arc::new(Progress::new(std::io::sink())))
        .await
        .expect("the demo starts")
}

#[tokio::test]
async fn a_flaky_install_over_ssh_succeeds_through_retries() {
    let root = host_root();
    let Some(mut options) = ssh_options(root.path()) else {
        return;
    };
    options.flaky = 0.5;
    options.seed = 8;
    options.keep = true;

    let outcome = run_quietly(&options).await;
    assert!(outcome.succeeded(), "{outcome:?}");
    assert_eq!(outcome.finished, Step::ALL);
    let attempts: Vec<(Step, u32)> = outcome
        .retries
        .iter()
        .map(|r| (r.step, r.attempt))
        .collect();
    assert_eq!(attempts, [(Step::Download, 1), (Step::Download, 2)]);
    let installed = outcome.installed.expect("installed");
    assert!(alive(installed.pid));
    assert!(installed.metrics.contains("demo_exporter_up 1\n"));

    // The exporter outlives the SSH session; uninstall it.
    options.keep = false;
    options.uninstall = true;
    options.ssh = false;
    assert!(run_quietly(&options).await.succeeded());
    assert!(!alive(installed.pid));
}

#[tokio::test]
async fn a_failure_at_each_step_over_ssh_is_undone_byte_for_byte() {
    for (undone, step) in Step::ALL.into_iter().enumerate() {
        let root = host_root();
        let before = Snapshot::take(root.path()).unwrap();
        let Some(mut options) = ssh_options(root.path()) else {
            return;
        };
        options.fail_at = Some(step);

        let outcome = run_quietly(&options).await;
        assert!(!outcome.succeeded(), "{step}");
        if undone == 0 {
            // Nothing succeeded before the first step: nothing to undo.
            assert!(outcome.report.is_none_or(|report| report.undone() == 0));
        } else {
            let report = outcome.report.expect("a report");
            assert!(report.is_clean(), "{step}: {report}");
            assert_eq!(report.undone(), undone, "{step}");
        }
        assert_eq!(outcome.unchanged, Some(true), "{step}");
        assert_eq!(Snapshot::take(root.path()).unwrap(), before, "{step}");
        assert!(processes_under(root.path()).is_empty(), "{step}");
    }
}
