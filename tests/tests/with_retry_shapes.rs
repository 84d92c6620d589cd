//! `#[with_retry]` on every function shape it supports, each run until it
//! succeeds on its third attempt.

use std::fmt::Display;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use retry_rollback::with_retry;

fn flaky(call: u32) -> io::Result<u32> {
    if call < 3 {
        Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            format!("attempt {call}"),
        ))
    } else {
        Ok(call)
    }
}

#[derive(Default)]
struct Installer {
    calls: AtomicU32,
    copied: Vec<String>,
}

impl Installer {
    fn call(&self) -> u32 {
        self.calls.fetch_add(1, Ordering::SeqCst) + 1
    }

    #[with_retry(initial_delay = 0.1)]
    async fn shared(&self, host: &str) -> io::Result<String> {
        let call = self.call();
        flaky(call)?;
        Ok(format!("{host}: {call}"))
    }

    #[with_retry(initial_delay = 0.1)]
    async fn exclusive(&mut self, file: String) -> io::Result<usize> {
        // Each attempt pushes, so the attempts see the same `self`.
        self.copied.push(file);
        flaky(self.call())?;
        Ok(self.copied.len())
    }

    #[with_retry(initial_delay = 0.1)]
    async fn arc(self: Arc<Self>, port: u16) -> io::Result<u16> {
        flaky(self.call())?;
        Ok(port)
    }
}

#[tokio::test(start_paused = true)]
async fn methods_with_ref_mut_and_arc_receivers() {
    let installer = Installer::default();
    assert_eq!(installer.shared("db-1").await.unwrap(), "db-1: 3");

    let mut installer = Installer::default();
    assert_eq!(installer.exclusive("agent.tar".into()).await.unwrap(), 3);
    assert_eq!(installer.copied, ["agent.tar"; 3]);

    let installer = Arc::new(Installer::default());
    assert_eq!(installer.clone().arc(9100).await.unwrap(), 9100);
    assert_eq!(installer.calls.load(Ordering::SeqCst), 3);
}

trait Step {
    async fn run(&self, target: &str) -> io::Result<u32>;
}

impl Step for Installer {
    #[with_retry(initial_delay = 0.1)]
    async fn run(&self, target: &str) -> io::Result<u32> {
        let _ = target;
        flaky(self.call())
    }
}

#[tokio::test(start_paused = true)]
async fn method_of_a_trait_impl() {
    let installer = Installer::default();
    assert_eq!(Step::run(&installer, "web-1").await.unwrap(), 3);
}

#[with_retry(initial_delay = 0.1)]
async fn generic<'a, T, F>(
    name: &'a str,
    value: T,
    calls: &AtomicU32,
    check: F,
) -> io::Result<&'a str>
where
    T: Display + Clone,
    F: Fn(&str) -> bool + Clone,
{
    assert!(check(&value.to_string()));
    flaky(calls.fetch_add(1, Ordering::SeqCst) + 1)?;
    Ok(name)
}

#[tokio::test(start_paused = true)]
async fn generics_lifetimes_and_where_clauses() {
    let calls = AtomicU32::new(0);
    let name = String::from("node_exporter");
    let result = generic(&name, 9100, &calls, |port| port == "9100").await;
    assert_eq!(result.unwrap(), "node_exporter");
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[with_retry(initial_delay = 0.1)]
async fn impl_trait(unit: impl AsRef<str> + Clone, calls: &impl Fn() -> u32) -> io::Result<String> {
    let call = flaky(calls())?;
    Ok(format!("{}#{call}", unit.as_ref()))
}

#[tokio::test(start_paused = true)]
async fn impl_trait_arguments() {
    let counter = AtomicU32::new(0);
    let next = || counter.fetch_add(1, Ordering::SeqCst) + 1;
    assert_eq!(
        impl_trait("agent.service", &next).await.unwrap(),
        "agent.service#3"
    );
}

#[with_retry(initial_delay = 0.1)]
async fn patterns_and_mut(
    (host, port): (String, u16),
    mut log: Vec<String>,
    seen: &mut Vec<usize>,
    calls: &AtomicU32,
) -> io::Result<String> {
    // Each attempt starts from a fresh copy of `log`.
    log.push(format!("{host}:{port}"));
    seen.push(log.len());
    flaky(calls.fetch_add(1, Ordering::SeqCst) + 1)?;
    Ok(log.join(","))
}

#[tokio::test(start_paused = true)]
async fn pattern_and_mut_arguments_are_fresh_each_attempt() {
    let calls = AtomicU32::new(0);
    let mut seen = Vec::new();
    let log = vec!["start".to_string()];
    let result = patterns_and_mut(("db-1".into(), 5432), log, &mut seen, &calls).await;
    assert_eq!(result.unwrap(), "start,db-1:5432");
    assert_eq!(seen, [2, 2, 2]);
}

#[with_retry(max_attempts = 3, initial_delay = 0.01)]
fn blocking(calls: &mut u32, name: String) -> Result<String, String> {
    *calls += 1;
    if *calls < 3 {
        return Err(format!("{name}: attempt {calls}"));
    }
    Ok(format!("{name}: ok"))
}

#[test]
fn plain_fn_uses_the_blocking_loop() {
    let mut calls = 0;
    let started = std::time::Instant::now();
    assert_eq!(blocking(&mut calls, "copy".into()).unwrap(), "copy: ok");
    assert_eq!(calls, 3);
    // Real sleeps of 10 ms and 20 ms; the plain loop cannot use tokio's clock.
    assert!(started.elapsed() >= std::time::Duration::from_millis(30));

    let mut calls = 0;
    let error = blocking_exhausted(&mut calls).unwrap_err();
    assert_eq!(error, "attempt 2");
    assert_eq!(calls, 2);
}

#[with_retry(max_attempts = 2, initial_delay = 0.001)]
fn blocking_exhausted(calls: &mut u32) -> Result<(), String> {
    *calls += 1;
    Err(format!("attempt {calls}"))
}

#[with_retry(initial_delay = 0.1)]
async fn anyhow_alias(calls: &AtomicU32) -> anyhow::Result<u32> {
    let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
    anyhow::ensure!(call >= 3, "attempt {call} failed");
    Ok(call)
}

#[tokio::test(start_paused = true)]
async fn result_aliases() {
    let calls = AtomicU32::new(0);
    assert_eq!(anyhow_alias(&calls).await.unwrap(), 3);
}

// A `ref` argument borrows from the argument itself, so the loop leaves
// the arguments in place rather than moving them between attempts.
#[allow(clippy::toplevel_ref_arg)]
#[with_retry(max_attempts = 3, initial_delay = 0.1)]
async fn owned_arguments(
    token: Arc<String>,
    ref label: String,
    calls: &AtomicU32,
) -> io::Result<usize> {
    let call = flaky(calls.fetch_add(1, Ordering::SeqCst) + 1)?;
    Ok(token.len() + label.len() + call as usize)
}

#[with_retry(max_attempts = 3, initial_delay = 0.1)]
async fn owned_arguments_carried(token: Arc<String>, calls: &AtomicU32) -> io::Result<usize> {
    let call = flaky(calls.fetch_add(1, Ordering::SeqCst) + 1)?;
    Ok(token.len() + call as usize)
}

#[tokio::test(start_paused = true)]
async fn owned_arguments_are_dropped_once_whatever_the_attempts() {
    let token = Arc::new(String::from("secret"));
    let calls = AtomicU32::new(0);
    let sum = owned_arguments(token.clone(), "db".into(), &calls).await;
    assert_eq!(sum.unwrap(), 6 + 2 + 3);
    // Each attempt's clone and the argument itself are gone.
    assert_eq!(Arc::strong_count(&token), 1);

    let calls = AtomicU32::new(0);
    let sum = owned_arguments_carried(token.clone(), &calls).await;
    assert_eq!(sum.unwrap(), 6 + 3);
    assert_eq!(Arc::strong_count(&token), 1);

    // A call given up half-way, by dropping its future during a delay,
    // drops the arguments held across it.
    let calls = AtomicU32::new(0);
    let call = owned_arguments_carried(token.clone(), &calls);
    let cut = tokio::time::timeout(std::time::Duration::from_millis(150), call).await;
    assert!(cut.is_err(), "the call was still waiting to retry");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(Arc::strong_count(&token), 1);
}
