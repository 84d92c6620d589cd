//! An undo's description defaults to the first line of its function's doc
//! comment, when that function is in the step's file; `description = ...`
//! overrides it.

use std::io;

use retry_rollback::{RollbackError, compensate, with_rollback};

#[derive(Clone)]
struct Installer;

impl Installer {
    #[compensate(self.remove_unit())]
    async fn write_unit(&self) -> io::Result<()> {
        Ok(())
    }

    /// Remove the systemd unit.
    ///
    /// Only the first line becomes the description.
    async fn remove_unit(&self) -> io::Result<()> {
        Ok(())
    }

    #[compensate(Self::stop_service)]
    async fn start_service(&self) -> io::Result<()> {
        Ok(())
    }

    ///
    ///   Stop the exporter and wait for it to exit.
    async fn stop_service(&self) -> io::Result<()> {
        Ok(())
    }

    #[compensate(self.remove_unit(), description = "Remove the unit, said here")]
    async fn write_unit_again(&self) -> io::Result<()> {
        Ok(())
    }

    #[compensate(self.undocumented())]
    async fn undocumented_step(&self) -> io::Result<()> {
        Ok(())
    }

    async fn undocumented(&self) -> io::Result<()> {
        Ok(())
    }

    #[compensate(remove_download(path))]
    async fn download(&self, path: String) -> io::Result<()> {
        let _ = path;
        Ok(())
    }

    #[with_rollback]
    async fn install(&self) -> Result<(), RollbackError<io::Error>> {
        self.download(String::from("/tmp/exporter.tar.gz")).await?;
        self.write_unit().await?;
        self.start_service().await?;
        self.write_unit_again().await?;
        self.undocumented_step().await?;
        Err(io::Error::other("validation failed"))
    }
}

/// Remove the downloaded tarball.
async fn remove_download(path: String) -> io::Result<()> {
    let _ = path;
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn descriptions_come_from_the_undo_functions_docs() {
    let failed = Installer.install().await.unwrap_err();
    let described: Vec<(&str, Option<&str>)> = failed
        .report()
        .actions()
        .iter()
        .map(|action| (action.name(), action.description()))
        .collect();
    assert_eq!(
        described,
        [
            ("undocumented", None),
            ("remove_unit", Some("Remove the unit, said here")),
            (
                "stop_service",
                Some("Stop the exporter and wait for it to exit.")
            ),
            ("remove_unit", Some("Remove the systemd unit.")),
            ("remove_download", Some("Remove the downloaded tarball.")),
        ]
    );
}
