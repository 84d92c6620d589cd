//! `#[compensate]` beside `#[with_retry]`, in both orders; an undo that is
//! retried; an undo cut off by its timeout; the success value in the undo.

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use retry_rollback::{
    RetryConfig, RollbackError, UndoOutcome, compensate, with_retry, with_rollback,
};
use tokio::time::{Instant, sleep};

#[derive(Debug, Default)]
struct Counts {
    forward: AtomicU32,
    undo: AtomicU32,
    undone: Mutex<Vec<String>>,
}

/// Cheap to clone: everything it shares is behind an `Arc`.
#[derive(Debug, Clone, Default)]
struct Service {
    counts: Arc<Counts>,
}

#[derive(Debug, Clone, PartialEq)]
struct Started {
    pid: u32,
}

impl Service {
    /// Fails twice, then succeeds.
    fn flaky_forward(&self) -> io::Result<()> {
        match self.counts.forward.fetch_add(1, Ordering::SeqCst) {
            0 | 1 => Err(io::Error::new(io::ErrorKind::TimedOut, "flaky")),
            _ => Ok(()),
        }
    }

    #[compensate(self.undo("retried below"))]
    #[with_retry(max_attempts = 3, initial_delay = 1)]
    async fn compensate_above_retry(&self) -> io::Result<()> {
        self.flaky_forward()
    }

    #[with_retry(max_attempts = 3, initial_delay = 1)]
    #[compensate(self.undo("retried above"))]
    async fn retry_above_compensate(&self) -> io::Result<()> {
        self.flaky_forward()
    }

    async fn undo(&self, what: &str) -> io::Result<()> {
        self.counts.undo.fetch_add(1, Ordering::SeqCst);
        self.counts.undone.lock().unwrap().push(what.to_owned());
        Ok(())
    }

    #[compensate(self.flaky_undo(), retry = aggressive)]
    async fn with_retried_undo(&self) -> io::Result<()> {
        Ok(())
    }

    #[compensate(self.flaky_undo(), config = RetryConfig::builder().max_attempts(2).build().unwrap())]
    async fn with_configured_undo(&self) -> io::Result<()> {
        Ok(())
    }

    /// Fails twice, then succeeds.
    async fn flaky_undo(&self) -> io::Result<()> {
        match self.counts.undo.fetch_add(1, Ordering::SeqCst) {
            0 | 1 => Err(io::Error::other("device busy")),
            _ => Ok(()),
        }
    }

    #[compensate(self.fill(items), retry = aggressive)]
    async fn with_owned_items(&self, items: Vec<u32>) -> io::Result<()> {
        drop(items);
        Ok(())
    }

    /// Adds to the items it was given and fails twice: each attempt must
    /// get the items as they were captured, not as the last one left them.
    async fn fill(&self, mut items: Vec<u32>) -> io::Result<()> {
        items.push(0);
        self.counts
            .undone
            .lock()
            .unwrap()
            .push(format!("{items:?}"));
        match self.counts.undo.fetch_add(1, Ordering::SeqCst) {
            0 | 1 => Err(io::Error::other("device busy")),
            _ => Ok(()),
        }
    }

    #[compensate(self.slow_undo(), timeout = 5)]
    async fn with_slow_undo(&self) -> io::Result<()> {
        Ok(())
    }

    #[compensate(self.slow_undo(), timeout = Duration::from_millis(1500))]
    async fn with_slow_undo_duration(&self) -> io::Result<()> {
        Ok(())
    }

    async fn slow_undo(&self) -> io::Result<()> {
        sleep(Duration::from_secs(60)).await;
        Ok(())
    }

    #[compensate(self.stop(value.pid))]
    async fn start(&self) -> io::Result<Started> {
        Ok(Started { pid: 4242 })
    }

    async fn stop(&self, pid: u32) -> io::Result<()> {
        self.counts
            .undone
            .lock()
            .unwrap()
            .push(format!("kill {pid}"));
        Ok(())
    }
}

/// Runs `step` in a scope that then fails, and returns the report.
#[with_rollback]
async fn then_fail(service: &Service, step: u8) -> Result<(), RollbackError<io::Error>> {
    match step {
        0 => service.compensate_above_retry().await?,
        1 => service.retry_above_compensate().await?,
        2 => service.with_retried_undo().await?,
        3 => service.with_slow_undo().await?,
        4 => service.start().await.map(drop)?,
        5 => service.with_configured_undo().await?,
        6 => service.with_owned_items(vec![1, 2]).await?,
        _ => service.with_slow_undo_duration().await?,
    }
    Err(io::Error::other("a later step failed"))
}

#[tokio::test(start_paused = true)]
async fn compensate_above_with_retry_registers_once_after_the_attempt_that_succeeded() {
    let service = Service::default();
    let started = Instant::now();
    let error = then_fail(&service, 0).await.unwrap_err();
    assert_eq!(service.counts.forward.load(Ordering::SeqCst), 3);
    // Two retries, after 1 s and 2 s.
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    assert_eq!(error.report().actions().len(), 1);
    assert_eq!(error.report().actions()[0].name(), "undo");
    assert_eq!(*service.counts.undone.lock().unwrap(), ["retried below"]);
}

#[tokio::test(start_paused = true)]
async fn with_retry_above_compensate_registers_once_after_the_attempt_that_succeeded() {
    let service = Service::default();
    let started = Instant::now();
    let error = then_fail(&service, 1).await.unwrap_err();
    assert_eq!(service.counts.forward.load(Ordering::SeqCst), 3);
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    assert_eq!(error.report().actions().len(), 1);
    assert_eq!(*service.counts.undone.lock().unwrap(), ["retried above"]);
}

#[tokio::test(start_paused = true)]
async fn an_undo_with_a_retry_preset_is_retried_until_it_succeeds() {
    let service = Service::default();
    let started = Instant::now();
    let error = then_fail(&service, 2).await.unwrap_err();
    let action = &error.report().actions()[0];
    assert_eq!(action.name(), "flaky_undo");
    assert_eq!(action.outcome(), &UndoOutcome::Undone);
    assert_eq!(action.attempts(), 3);
    // The aggressive preset waits 0.5 s, then 1 s.
    assert_eq!(started.elapsed(), Duration::from_millis(1500));
}

#[tokio::test(start_paused = true)]
async fn an_undo_with_a_retry_config_stops_when_it_says() {
    let service = Service::default();
    let error = then_fail(&service, 5).await.unwrap_err();
    let action = &error.report().actions()[0];
    assert_eq!(action.attempts(), 2);
    assert_eq!(
        action.outcome(),
        &UndoOutcome::Failed(String::from("device busy"))
    );
}

#[tokio::test(start_paused = true)]
async fn an_undo_past_its_timeout_is_cut_off_and_reported() {
    let service = Service::default();
    let started = Instant::now();
    let error = then_fail(&service, 3).await.unwrap_err();
    let action = &error.report().actions()[0];
    assert_eq!(
        action.outcome(),
        &UndoOutcome::TimedOut(Duration::from_secs(5))
    );
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn a_timeout_may_be_a_duration_expression() {
    let service = Service::default();
    let started = Instant::now();
    let error = then_fail(&service, 7).await.unwrap_err();
    let action = &error.report().actions()[0];
    assert_eq!(
        action.outcome(),
        &UndoOutcome::TimedOut(Duration::from_millis(1500))
    );
    assert_eq!(started.elapsed(), Duration::from_millis(1500));
}

#[tokio::test(start_paused = true)]
async fn the_undo_reads_the_success_value() {
    let service = Service::default();
    let error = then_fail(&service, 4).await.unwrap_err();
    assert_eq!(error.report().actions()[0].name(), "stop");
    assert_eq!(*service.counts.undone.lock().unwrap(), ["kill 4242"]);
}

#[tokio::test(start_paused = true)]
async fn a_retried_undo_gets_fresh_captured_values_on_each_attempt() {
    let service = Service::default();
    let error = then_fail(&service, 6).await.unwrap_err();
    assert_eq!(error.report().actions()[0].attempts(), 3);
    assert_eq!(
        *service.counts.undone.lock().unwrap(),
        ["[1, 2, 0]", "[1, 2, 0]", "[1, 2, 0]"]
    );
}
