//! `#[with_rollback]`: both error styles, nested scopes as savepoints, a
//! panic in the body, and a scope's future that is `Send`.

use std::fmt;
use std::io;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use retry_rollback::{RollbackError, compensate, with_rollback};

type Journal = Arc<Mutex<Vec<String>>>;

#[derive(Debug, Clone, Default)]
struct Host {
    journal: Journal,
}

impl Host {
    fn entries(&self) -> Vec<String> {
        self.journal.lock().unwrap().clone()
    }

    #[compensate(self.delete(name), crate = ::retry_rollback)]
    async fn create(&self, name: &str) -> io::Result<()> {
        self.journal.lock().unwrap().push(format!("create {name}"));
        Ok(())
    }

    async fn delete(&self, name: &str) -> io::Result<()> {
        self.journal.lock().unwrap().push(format!("delete {name}"));
        Ok(())
    }

    /// A nested scope: its actions are undone if it fails, and handed to
    /// the caller's scope if it succeeds.
    #[with_rollback(name = "dashboards")]
    async fn dashboards(&self, fail: bool) -> Result<(), RollbackError<io::Error>> {
        self.create("dashboard").await?;
        match fail {
            true => Err(io::Error::other("grafana not reachable")),
            false => Ok(()),
        }
    }

    #[with_rollback(name = "install")]
    async fn install(
        &self,
        dashboards_fail: bool,
        then_fail: bool,
    ) -> Result<(), RollbackError<io::Error>> {
        self.create("binary").await?;
        if let Err(error) = self.dashboards(dashboards_fail).await {
            // The optional part failed and undid itself; go on without it.
            assert_eq!(error.report().actions().len(), 1);
        }
        self.create("unit").await?;
        match then_fail {
            true => Err(io::Error::other("validation failed")),
            false => Ok(()),
        }
    }

    /// Gives up when the nested scope fails.
    #[with_rollback(name = "strict install")]
    async fn strict_install(&self) -> Result<(), RollbackError<io::Error>> {
        self.create("binary").await?;
        self.dashboards(true)
            .await
            .map_err(RollbackError::into_inner)?;
        self.create("unit").await?;
        Ok(())
    }

    #[with_rollback]
    async fn panicking(&self) -> Result<(), RollbackError<io::Error>> {
        self.create("binary").await?;
        panic!("exporter crashed");
    }
}

#[tokio::test(start_paused = true)]
async fn a_nested_scope_that_fails_undoes_only_its_own_actions() {
    let host = Host::default();
    host.install(true, false).await.unwrap();
    assert_eq!(
        host.entries(),
        [
            "create binary",
            "create dashboard",
            "delete dashboard",
            "create unit"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_nested_scope_that_succeeded_is_undone_with_its_outer_scope() {
    let host = Host::default();
    let error = host.install(false, true).await.unwrap_err();
    let names: Vec<&str> = error.report().actions().iter().map(|a| a.name()).collect();
    assert_eq!(names, ["delete", "delete", "delete"]);
    assert_eq!(error.report().scope(), "install");
    assert_eq!(
        host.entries(),
        [
            "create binary",
            "create dashboard",
            "create unit",
            "delete unit",
            "delete dashboard",
            "delete binary"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_the_body_rolls_back_then_resumes() {
    let host = Host::default();
    let panic = tokio::spawn({
        let host = host.clone();
        async move { host.panicking().await }
    })
    .await
    .unwrap_err();
    assert!(panic.is_panic());
    assert_eq!(host.entries(), ["create binary", "delete binary"]);
    // The scope is gone: a step after it is registered nowhere.
    let outside = AssertUnwindSafe(host.create("later")).await;
    assert!(outside.is_ok());
    assert_eq!(host.entries().len(), 3);
}

/// The caller's own error, converted from the rollback's.
#[derive(Debug)]
enum InstallError {
    Io(io::Error),
    RolledBack { cause: String, undone: usize },
}

impl fmt::Display for InstallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstallError::Io(error) => write!(f, "{error}"),
            InstallError::RolledBack { cause, undone } => {
                write!(f, "{cause} ({undone} steps undone)")
            }
        }
    }
}

impl From<io::Error> for InstallError {
    fn from(error: io::Error) -> Self {
        InstallError::Io(error)
    }
}

impl From<RollbackError<InstallError>> for InstallError {
    fn from(error: RollbackError<InstallError>) -> Self {
        let undone = error.report().undone();
        InstallError::RolledBack {
            cause: error.into_inner().to_string(),
            undone,
        }
    }
}

/// The body works in `InstallError`, and so does the caller.
#[with_rollback(crate = retry_rollback)]
async fn install_with_own_error(host: &Host) -> Result<u32, InstallError> {
    host.create("binary").await?;
    host.create("unit").await?;
    Err(io::Error::other("port 9100 in use"))?;
    Ok(1)
}

#[tokio::test(start_paused = true)]
async fn an_error_of_its_own_is_converted_with_the_from_impl() {
    let host = Host::default();
    let error = install_with_own_error(&host).await.unwrap_err();
    assert_eq!(error.to_string(), "port 9100 in use (2 steps undone)");
    assert_eq!(
        host.entries(),
        [
            "create binary",
            "create unit",
            "delete unit",
            "delete binary"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_is_send_and_runs_on_a_multi_threaded_runtime() {
    let host = Host::default();
    let task = tokio::spawn({
        let host = host.clone();
        async move {
            host.install(false, true)
                .await
                .map_err(|e| e.report().undone())
        }
    });
    assert_eq!(task.await.unwrap(), Err(3));
}

#[tokio::test(start_paused = true)]
async fn a_nested_failure_given_up_on_undoes_the_outer_scope_too() {
    let host = Host::default();
    let error = host.strict_install().await.unwrap_err();
    assert_eq!(error.error().to_string(), "grafana not reachable");
    assert_eq!(error.report().scope(), "strict install");
    assert_eq!(error.report().actions().len(), 1);
    assert_eq!(
        host.entries(),
        [
            "create binary",
            "create dashboard",
            "delete dashboard",
            "delete binary"
        ]
    );
}
