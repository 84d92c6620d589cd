//! The function shapes `#[compensate]` works on: `&self`, `&mut self`,
//! `self: Arc<Self>`, free functions, plain functions and generic ones,
//! with the undo as a path or as a call.

use std::fmt::Display;
use std::io;
use std::sync::{Arc, Mutex};

use retry_rollback::{RollbackError, compensate, with_retry, with_rollback};

type Journal = Arc<Mutex<Vec<String>>>;

fn write(journal: &Journal, entry: String) {
    journal.lock().unwrap().push(entry);
}

#[derive(Debug, Clone, Default)]
struct Agent {
    journal: Journal,
    installed: u32,
}

impl Agent {
    #[compensate(Self::uninstall)]
    async fn install(self: Arc<Self>, package: String) -> io::Result<()> {
        write(&self.journal, format!("install {package}"));
        Ok(())
    }

    async fn uninstall(self: Arc<Self>, package: String) -> io::Result<()> {
        write(&self.journal, format!("uninstall {package}"));
        Ok(())
    }

    #[compensate(self.forget(count))]
    async fn count(&mut self, count: u32) -> io::Result<u32> {
        self.installed += count;
        Ok(self.installed)
    }

    async fn forget(&self, count: u32) -> io::Result<()> {
        write(
            &self.journal,
            format!("forget {count} from {}", self.installed),
        );
        Ok(())
    }
}

/// A free function; the body moves `name` away, the undo still gets it.
#[compensate(remove_user(journal, name))]
async fn add_user(journal: Journal, name: String, home: &str) -> io::Result<()> {
    write(&journal, format!("add {name} at {home}"));
    drop(name);
    Ok(())
}

async fn remove_user(journal: Journal, name: String) -> io::Result<()> {
    write(&journal, format!("remove {name}"));
    Ok(())
}

/// A plain function, with the undo as a path over its arguments, one of
/// them a reference.
#[compensate(unlink)]
fn link(journal: Journal, path: &str) -> io::Result<()> {
    if path.is_empty() {
        return Err(io::Error::other("empty path"));
    }
    write(&journal, format!("link {path}"));
    Ok(())
}

async fn unlink(journal: Journal, path: &str) -> io::Result<()> {
    write(&journal, format!("unlink {path}"));
    Ok(())
}

/// A generic function.
#[compensate(forget_item(journal, value))]
async fn remember<T: Display + Clone + Send + Sync + 'static>(
    journal: Journal,
    item: T,
) -> Result<T, String> {
    write(&journal, format!("remember {item}"));
    Ok(item)
}

async fn forget_item<T: Display>(journal: Journal, item: T) -> Result<(), String> {
    write(&journal, format!("forget {item}"));
    Ok(())
}

#[with_rollback]
async fn everything(journal: &Journal) -> Result<(), RollbackError<io::Error>> {
    let agent = Arc::new(Agent {
        journal: journal.clone(),
        installed: 0,
    });
    agent.clone().install(String::from("nginx")).await?;
    let mut counter = Agent {
        journal: journal.clone(),
        installed: 1,
    };
    counter.count(2).await?;
    add_user(
        journal.clone(),
        String::from("exporter"),
        "/var/lib/exporter",
    )
    .await?;
    link(journal.clone(), "/usr/bin/exporter")?;
    // A failing step registers nothing.
    assert!(link(journal.clone(), "").is_err());
    remember(journal.clone(), 7_u64)
        .await
        .map_err(io::Error::other)?;
    Err(io::Error::other("validation failed"))
}

#[tokio::test(start_paused = true)]
async fn every_shape_registers_its_undo_and_the_scope_undoes_them_last_first() {
    let journal = Journal::default();
    let error = everything(&journal).await.unwrap_err();
    let names: Vec<&str> = error.report().actions().iter().map(|a| a.name()).collect();
    assert_eq!(
        names,
        [
            "forget_item",
            "unlink",
            "remove_user",
            "forget",
            "uninstall"
        ]
    );
    assert_eq!(
        *journal.lock().unwrap(),
        [
            "install nginx",
            "add exporter at /var/lib/exporter",
            "link /usr/bin/exporter",
            "remember 7",
            "forget 7",
            "unlink /usr/bin/exporter",
            "remove exporter",
            // `&mut self` is cloned when the step succeeded, after it
            // counted.
            "forget 2 from 3",
            "uninstall nginx",
        ]
    );
}

/// A plain function retried by `#[with_retry]`, in both orders: the undo
/// is registered once, after the attempt that succeeded.
#[compensate(unlink)]
#[with_retry(max_attempts = 3, initial_delay = 0)]
fn flaky_link_below(journal: Journal, path: &str) -> io::Result<()> {
    flaky(&journal, path)
}

#[with_retry(max_attempts = 3, initial_delay = 0)]
#[compensate(unlink)]
fn flaky_link_above(journal: Journal, path: &str) -> io::Result<()> {
    flaky(&journal, path)
}

/// Fails on its first attempt for each path.
fn flaky(journal: &Journal, path: &str) -> io::Result<()> {
    let attempt = format!("attempt {path}");
    let first = !journal.lock().unwrap().contains(&attempt);
    write(journal, attempt);
    match first {
        true => Err(io::Error::other("busy")),
        false => Ok(()),
    }
}

#[with_rollback]
async fn links(journal: &Journal) -> Result<(), RollbackError<io::Error>> {
    flaky_link_below(journal.clone(), "/a")?;
    flaky_link_above(journal.clone(), "/b")?;
    Err(io::Error::other("validation failed"))
}

#[tokio::test(start_paused = true)]
async fn a_plain_function_with_with_retry_registers_once_in_either_order() {
    let journal = Journal::default();
    let error = links(&journal).await.unwrap_err();
    assert_eq!(error.report().actions().len(), 2);
    assert_eq!(
        *journal.lock().unwrap(),
        [
            "attempt /a",
            "attempt /a",
            "attempt /b",
            "attempt /b",
            "unlink /b",
            "unlink /a"
        ]
    );
}
