//! A `#[with_rollback]` function whose future is dropped half-way: the
//! undo actions `#[compensate]` registered are owned, so they still run,
//! last first, in the background.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use retry_rollback::{RollbackError, compensate, with_rollback};
use tokio::time::{sleep, timeout};

#[derive(Debug, Clone, Default)]
struct Host {
    journal: Arc<Mutex<Vec<String>>>,
}

impl Host {
    #[compensate(self.delete(name))]
    async fn create(&self, name: &str) -> io::Result<()> {
        self.journal.lock().unwrap().push(format!("create {name}"));
        Ok(())
    }

    async fn delete(&self, name: &str) -> io::Result<()> {
        self.journal.lock().unwrap().push(format!("delete {name}"));
        Ok(())
    }

    #[with_rollback]
    async fn install(&self) -> Result<(), RollbackError<io::Error>> {
        self.create("binary").await?;
        self.create("unit").await?;
        // Waits for a service that never answers.
        sleep(Duration::from_secs(3600)).await;
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn a_scope_dropped_half_way_still_runs_its_undo_actions_last_first() {
    let host = Host::default();
    let cut = timeout(Duration::from_secs(10), host.install()).await;
    assert!(cut.is_err());
    // The undo actions run in a background task.
    sleep(Duration::from_millis(1)).await;
    assert_eq!(
        *host.journal.lock().unwrap(),
        [
            "create binary",
            "create unit",
            "delete unit",
            "delete binary"
        ]
    );
}
