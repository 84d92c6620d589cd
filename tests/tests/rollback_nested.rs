//! Nested scopes are savepoints: a failing inner scope undoes only its own
//! actions; a successful one hands them to the outer scope.

use std::io;
use std::sync::{Arc, Mutex};

use retry_rollback::{RollbackContext, UndoOutcome};

#[derive(Default)]
struct Host {
    undone: Mutex<Vec<&'static str>>,
}

impl Host {
    async fn undo(&self, what: &'static str) -> io::Result<()> {
        self.undone.lock().unwrap().push(what);
        Ok(())
    }

    fn undone(&self) -> Vec<&'static str> {
        self.undone.lock().unwrap().clone()
    }
}

fn names(report: &retry_rollback::RollbackReport) -> Vec<&str> {
    report
        .actions()
        .iter()
        .map(|action| action.name())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_failing_inner_scope_undoes_only_its_own_actions() {
    let host = Host::default();

    let result = RollbackContext::scope("install", async |ctx| {
        ctx.add_action("remove binary", || host.undo("binary"));
        let dashboards = ctx
            .scope("install dashboards", async |inner| {
                inner.add_action("remove dashboard json", || host.undo("json"));
                inner.add_action("remove datasource", || host.undo("datasource"));
                Err::<(), _>(io::Error::other("grafana not reachable"))
            })
            .await;
        let error = dashboards.unwrap_err();
        assert_eq!(error.report().scope(), "install dashboards");
        assert_eq!(
            names(error.report()),
            ["remove datasource", "remove dashboard json"]
        );
        assert_eq!(host.undone(), ["datasource", "json"]);
        let plan: Vec<&str> = ctx.plan().map(|step| step.name()).collect();
        assert_eq!(plan, ["remove binary"]);
        Ok::<_, io::Error>("installed without dashboards")
    })
    .await;

    assert_eq!(result.unwrap(), "installed without dashboards");
    assert_eq!(host.undone(), ["datasource", "json"]);
}

#[tokio::test(start_paused = true)]
async fn a_successful_inner_scope_is_undone_with_the_outer_one() {
    let host = Host::default();

    let error = RollbackContext::scope("install", async |ctx| {
        ctx.add_action("remove download", || host.undo("download"));
        ctx.scope("install binary", async |inner| {
            inner.add_action("remove extracted files", || host.undo("extracted"));
            inner.add_action("remove binary", || host.undo("binary"));
            Ok::<_, io::Error>(())
        })
        .await
        .map_err(|error| error.into_inner())?;
        ctx.add_action("remove unit", || host.undo("unit"));
        Err::<(), _>(io::Error::other("validation failed"))
    })
    .await
    .unwrap_err();

    assert_eq!(host.undone(), ["unit", "binary", "extracted", "download"]);
    assert_eq!(
        names(error.report()),
        [
            "remove unit",
            "remove binary",
            "remove extracted files",
            "remove download"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_panicking_inner_scope_is_undone_before_the_outer_one() {
    let host = Arc::new(Host::default());
    let task_host = Arc::clone(&host);

    let install = tokio::spawn(async move {
        let host = &task_host;
        RollbackContext::scope("install", async |ctx| {
            ctx.add_action("remove download", || host.undo("download"));
            ctx.scope("install binary", async |inner| {
                inner.add_action("remove binary", || host.undo("binary"));
                panic!("checksum table corrupt");
                #[allow(unreachable_code)]
                Ok::<_, io::Error>(())
            })
            .await
            .map_err(|error| error.into_inner())
        })
        .await
    });

    let panic = install.await.unwrap_err().into_panic();
    assert_eq!(
        panic.downcast_ref::<&str>(),
        Some(&"checksum table corrupt")
    );
    assert_eq!(host.undone(), ["binary", "download"]);
}

#[tokio::test(start_paused = true)]
async fn a_committed_inner_scope_keeps_its_actions_for_the_outer_one() {
    let host = Host::default();

    let error = RollbackContext::scope("install", async |ctx| {
        ctx.add_action("remove download", || host.undo("download"));
        let optional = ctx
            .scope("register with consul", async |inner| {
                inner.add_action("deregister", || host.undo("consul"));
                inner.disable();
                Err::<(), _>(io::Error::other("consul health check flapping"))
            })
            .await
            .unwrap_err();
        assert_eq!(
            optional.report().actions()[0].outcome(),
            &UndoOutcome::Skipped
        );
        assert!(host.undone().is_empty());
        Err::<(), _>(io::Error::other("validation failed"))
    })
    .await
    .unwrap_err();

    assert_eq!(host.undone(), ["consul", "download"]);
    assert_eq!(names(error.report()), ["deregister", "remove download"]);
}

#[tokio::test(start_paused = true)]
async fn scopes_nest_more_than_one_level_deep() {
    let host = Host::default();

    let error = RollbackContext::scope("install", async |ctx| {
        ctx.add_action("one", || host.undo("one"));
        ctx.scope("middle", async |middle| {
            middle.add_action("two", || host.undo("two"));
            middle
                .scope("inner", async |inner| {
                    inner.add_action("three", || host.undo("three"));
                    Ok::<_, io::Error>(())
                })
                .await
                .map_err(|error| error.into_inner())?;
            middle.add_action("four", || host.undo("four"));
            Err::<(), _>(io::Error::other("middle failed"))
        })
        .await
        .map_err(|error| {
            let names: Vec<String> = error
                .report()
                .actions()
                .iter()
                .map(|action| action.name().to_owned())
                .collect();
            assert_eq!(names, ["four", "three", "two"]);
            error.into_inner()
        })
    })
    .await
    .unwrap_err();

    assert_eq!(host.undone(), ["four", "three", "two", "one"]);
    assert_eq!(names(error.report()), ["one"]);
}
