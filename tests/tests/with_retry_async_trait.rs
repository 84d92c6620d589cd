//! `#[with_retry]` inside an `#[async_trait]` impl: `#[async_trait]` on the
//! impl, `#[with_retry]` on the method.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use retry_rollback::with_retry;
use tokio::time::{Duration, Instant};

#[async_trait]
trait Executor {
    async fn run(&self, command: &str) -> io::Result<String>;
    async fn record(&mut self, line: String) -> io::Result<usize>;
    async fn owned(self: Arc<Self>, (host, port): (String, u16)) -> io::Result<String>;
}

#[derive(Default)]
struct Ssh {
    calls: AtomicU32,
    lines: Vec<String>,
}

impl Ssh {
    fn attempt(&self) -> io::Result<u32> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if call < 3 {
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("attempt {call}"),
            ))
        } else {
            Ok(call)
        }
    }
}

#[async_trait]
impl Executor for Ssh {
    #[with_retry(max_attempts = 3, initial_delay = 1)]
    async fn run(&self, command: &str) -> io::Result<String> {
        let call = self.attempt()?;
        Ok(format!("{command}: {call}"))
    }

    #[with_retry(max_attempts = 3, initial_delay = 1)]
    async fn record(&mut self, mut line: String) -> io::Result<usize> {
        line.push('!');
        self.lines.push(line);
        self.attempt()?;
        Ok(self.lines.len())
    }

    #[with_retry(max_attempts = 3, initial_delay = 1, timeout = 5)]
    async fn owned(self: Arc<Self>, (host, port): (String, u16)) -> io::Result<String> {
        self.attempt()?;
        Ok(format!("{host}:{port}"))
    }
}

#[tokio::test(start_paused = true)]
async fn shared_receiver() {
    let ssh = Ssh::default();
    let started = Instant::now();
    assert_eq!(ssh.run("uptime").await.unwrap(), "uptime: 3");
    assert_eq!(started.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn exclusive_receiver() {
    let mut ssh = Ssh::default();
    assert_eq!(ssh.record("installed".into()).await.unwrap(), 3);
    assert_eq!(ssh.lines, ["installed!"; 3]);
}

#[tokio::test(start_paused = true)]
async fn arc_receiver_and_pattern_argument() {
    let ssh = Arc::new(Ssh::default());
    let result = ssh.clone().owned(("db-1".into(), 5432)).await;
    assert_eq!(result.unwrap(), "db-1:5432");
    assert_eq!(ssh.calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn boxed_future_is_send() {
    let ssh = Arc::new(Ssh::default());
    let task = tokio::spawn(async move { ssh.run("hostname").await });
    assert_eq!(task.await.unwrap().unwrap(), "hostname: 3");
}
