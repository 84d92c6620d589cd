//! Committing with `disable()`, and listing the plan without running it.

use std::io;
use std::sync::Mutex;
use std::time::Duration;

use retry_rollback::{RetryConfig, RollbackContext, UndoOutcome};

#[tokio::test(start_paused = true)]
async fn a_scope_whose_body_succeeds_undoes_nothing() {
    let undone = Mutex::new(Vec::new());

    let value = RollbackContext::scope("install node_exporter", async |ctx| {
        ctx.add_action("remove binary", || async {
            undone.lock().unwrap().push("binary");
            Ok::<_, io::Error>(())
        });
        Ok::<_, io::Error>(9100)
    })
    .await
    .unwrap();

    assert_eq!(value, 9100);
    assert!(undone.lock().unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_disabled_context_skips_every_action_when_rolled_back() {
    let mut calls = 0;
    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_action("remove download", || {
        calls += 1;
        async { Ok::<_, io::Error>(()) }
    })
    .description("Remove the downloaded tarball");
    ctx.add_action("remove binary", || async { Ok::<_, io::Error>(()) });
    assert!(!ctx.is_disabled());
    ctx.disable();
    assert!(ctx.is_disabled());

    let report = ctx.rollback().await;

    assert_eq!(calls, 0);
    let outcomes: Vec<(&str, &UndoOutcome, u32)> = report
        .actions()
        .iter()
        .map(|action| (action.name(), action.outcome(), action.attempts()))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("remove binary", &UndoOutcome::Skipped, 0),
            ("remove download", &UndoOutcome::Skipped, 0),
        ]
    );
    assert!(report.is_clean());
    assert_eq!(report.undone(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_scope_committed_before_its_error_keeps_its_steps() {
    let undone = Mutex::new(Vec::new());

    let error = RollbackContext::scope("install node_exporter", async |ctx| {
        ctx.add_action("remove binary", || async {
            undone.lock().unwrap().push("binary");
            Ok::<_, io::Error>(())
        });
        // The install is complete; reporting back to the control plane
        // fails, which must not uninstall anything.
        ctx.disable();
        Err::<(), _>(io::Error::other("control plane unreachable"))
    })
    .await
    .unwrap_err();

    assert!(undone.lock().unwrap().is_empty());
    assert_eq!(error.error().to_string(), "control plane unreachable");
    assert_eq!(error.report().actions()[0].outcome(), &UndoOutcome::Skipped);
    assert_eq!(
        error.to_string(),
        "scope \"install node_exporter\" failed and its rollback was skipped, \
         the scope was committed: 1 step kept"
    );
}

#[tokio::test(start_paused = true)]
async fn actions_added_after_disable_are_kept_too() {
    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.disable();
    ctx.add_action("remove binary", || async { Ok::<_, io::Error>(()) });

    let report = ctx.rollback().await;

    assert_eq!(report.actions()[0].outcome(), &UndoOutcome::Skipped);
}

#[tokio::test(start_paused = true)]
async fn the_plan_lists_actions_in_the_order_they_would_run() {
    let undone = Mutex::new(Vec::new());
    let record = |name: &'static str| {
        let undone = &undone;
        move || async move {
            undone.lock().unwrap().push(name);
            Ok::<_, io::Error>(())
        }
    };
    let mut ctx = RollbackContext::new("install node_exporter");
    ctx.add_action("remove download", record("remove download"))
        .description("Remove the downloaded tarball");
    ctx.add_owned_action("remove unit", || async { Ok::<_, io::Error>(()) })
        .description("Remove the systemd unit")
        .timeout(Duration::from_secs(10))
        .retry(RetryConfig::file_operation());
    ctx.add_action("stop service", record("stop service"));

    let plan: Vec<(&str, Option<&str>, bool)> = ctx
        .plan()
        .map(|step| (step.name(), step.description(), step.is_owned()))
        .collect();
    assert_eq!(
        plan,
        [
            ("stop service", None, false),
            ("remove unit", Some("Remove the systemd unit"), true),
            (
                "remove download",
                Some("Remove the downloaded tarball"),
                false
            ),
        ]
    );
    let shown: Vec<String> = ctx.plan().map(|step| step.to_string()).collect();
    assert_eq!(
        shown,
        [
            "stop service",
            "remove unit: Remove the systemd unit",
            "remove download: Remove the downloaded tarball",
        ]
    );
    assert!(undone.lock().unwrap().is_empty(), "the plan runs nothing");
    let planned: Vec<String> = plan.iter().map(|(name, _, _)| name.to_string()).collect();

    let report = ctx.rollback().await;

    let ran: Vec<&str> = report
        .actions()
        .iter()
        .map(|action| action.name())
        .collect();
    assert_eq!(ran, planned);
    assert_eq!(*undone.lock().unwrap(), ["stop service", "remove download"]);
}

#[test]
fn an_empty_context_has_an_empty_plan() {
    let ctx = RollbackContext::new("install node_exporter");
    assert_eq!(ctx.plan().len(), 0);
    assert_eq!(ctx.name(), "install node_exporter");
}
