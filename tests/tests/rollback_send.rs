//! A scope whose undo actions borrow the installer runs inside a task on a
//! multi-threaded runtime.

use std::io;
use std::sync::Mutex;

use retry_rollback::{RollbackContext, RollbackError, RollbackReport};

#[derive(Default)]
struct Installer {
    undone: Mutex<Vec<&'static str>>,
}

impl Installer {
    async fn step(&self) -> io::Result<()> {
        tokio::task::yield_now().await;
        Ok(())
    }

    async fn undo(&self, what: &'static str) -> io::Result<()> {
        tokio::task::yield_now().await;
        self.undone.lock().unwrap().push(what);
        Ok(())
    }

    async fn install(&self) -> Result<(), RollbackError<io::Error>> {
        RollbackContext::scope("install node_exporter", async |ctx| {
            self.step().await?;
            ctx.add_action("remove binary", || self.undo("binary"));
            ctx.scope("write unit", async |unit| {
                self.step().await?;
                unit.add_action("remove unit", || self.undo("unit"));
                self.step().await
            })
            .await
            .map_err(RollbackError::into_inner)?;
            // Something that borrows the context across an `.await`.
            let plan = ctx.plan();
            self.step().await?;
            assert_eq!(plan.len(), 2);
            Err(io::Error::other("validation failed"))
        })
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_borrowing_scope_runs_in_a_spawned_task() {
    let (report, undone) = tokio::spawn(async {
        let installer = Installer::default();
        let error = installer.install().await.unwrap_err();
        let undone = installer.undone.lock().unwrap().clone();
        (error.into_parts().1, undone)
    })
    .await
    .unwrap();

    assert_eq!(undone, ["unit", "binary"]);
    assert!(report.is_clean());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_context_rolled_back_by_hand_runs_in_a_spawned_task() {
    let report: RollbackReport = tokio::spawn(async {
        let installer = Installer::default();
        let mut ctx = RollbackContext::new("install node_exporter");
        ctx.add_action("remove binary", || installer.undo("binary"));
        installer.step().await.unwrap();
        ctx.rollback().await
    })
    .await
    .unwrap();

    assert_eq!(report.undone(), 1);
}

#[test]
fn contexts_reports_and_errors_can_cross_threads() {
    fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<RollbackContext<'static>>();
    send_and_sync::<RollbackReport>();
    send_and_sync::<RollbackError<io::Error>>();
}
