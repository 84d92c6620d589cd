//! Fleet-scale retry: many concurrent tasks on a two-worker runtime, each
//! failing twice with a 100 ms initial backoff, then succeeding.
//!
//! `scale CONTESTANT [TASKS]` runs one contestant in this process and prints
//! one line: `CONTESTANT TASKS WALL_MS OVERHEAD_MS BYTES_PER_TASK`.
//! `scale all [TASKS] [RUNS]` runs every contestant as a separate process,
//! `RUNS` times each (so that peak memory is measured cleanly), and prints a
//! Markdown table of the medians. `scale sizes` prints the size of each
//! contestant's task future and of `tokio::time::Sleep`; `scale
//! floor_padded` runs the floor with a future 112 bytes larger.

use std::io;
use std::process::Command;
use std::time::{Duration, Instant};

use backon::Retryable as _;
use retry_rollback::{RetryConfig, retry_with_backoff};

const INITIAL: Duration = Duration::from_millis(100);
/// Two failures sleep 100 ms, then 200 ms.
const DELAY_CHAIN: Duration = Duration::from_millis(300);
const CONTESTANTS: &[&str] = &["floor", "with_retry", "retry_with_backoff", "backon"];

fn attempt(call: u32) -> io::Result<u64> {
    if call <= 2 {
        Err(io::Error::from(io::ErrorKind::ConnectionReset))
    } else {
        Ok(u64::from(call))
    }
}

// Every contestant counts its calls in a `&mut u32` that its task owns, and
// every task is spawned by `task!`, so that all of them carry the same
// state besides their retry loop.

/// The hand-written loop around `tokio::time::sleep`: the floor.
async fn floor(call: &mut u32) -> io::Result<u64> {
    let mut delay = INITIAL;
    loop {
        *call += 1;
        let result = async { attempt(*call) }.await;
        match result {
            Err(_) if *call < 3 => {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            result => return result,
        }
    }
}

/// The floor with 112 bytes more held across its awaits, as large as
/// backon's task: it shows where tokio's task cells step up to the next
/// size class.
async fn floor_padded(call: &mut u32) -> io::Result<u64> {
    let pad = std::hint::black_box([0u8; 112]);
    let result = floor(call).await;
    std::hint::black_box(pad);
    result
}

#[retry_rollback::with_retry(max_attempts = 3, initial_delay = 0.1)]
async fn with_retry(call: &mut u32) -> io::Result<u64> {
    *call += 1;
    attempt(*call)
}

async fn with_retry_rollback(config: &'static RetryConfig, call: &mut u32) -> io::Result<u64> {
    retry_with_backoff(config, || {
        *call += 1;
        let current = *call;
        async move { attempt(current) }
    })
    .await
}

async fn with_backon(call: &mut u32) -> io::Result<u64> {
    let backoff = backon::ExponentialBuilder::default()
        .with_min_delay(INITIAL)
        .with_factor(2.0)
        .with_max_times(2);
    (|| {
        *call += 1;
        let current = *call;
        async move { attempt(current) }
    })
    .retry(backoff)
    .sleep(tokio::time::sleep)
    .await
}

/// The future of one task: a call counter and the contestant's loop.
macro_rules! task {
    ($contestant:ident $(, $arg:expr)?) => {
        async move {
            let mut call = 0;
            $contestant($($arg,)? &mut call).await
        }
    };
}

/// A field of `/proc/self/status`, in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

fn run_one(contestant: &str, tasks: usize) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .map_err(|error| error.to_string())?;
    let config: &'static RetryConfig = Box::leak(Box::new(
        RetryConfig::builder()
            .max_attempts(3)
            .initial_delay(INITIAL)
            .build()
            .map_err(|error| error.to_string())?,
    ));
    let mut handles = Vec::with_capacity(tasks);
    let baseline = status_bytes("VmRSS:");
    let started = Instant::now();
    runtime.block_on(async {
        for _ in 0..tasks {
            handles.push(match contestant {
                "floor" => tokio::spawn(task!(floor)),
                "floor_padded" => tokio::spawn(task!(floor_padded)),
                "with_retry" => tokio::spawn(task!(with_retry)),
                "retry_with_backoff" => tokio::spawn(task!(with_retry_rollback, config)),
                "backon" => tokio::spawn(task!(with_backon)),
                other => return Err(format!("unknown contestant {other}")),
            });
        }
        for handle in handles.drain(..) {
            let value = handle.await.map_err(|error| error.to_string())?;
            if value.map_err(|error| error.to_string())? != 3 {
                return Err("a task did not succeed at its third attempt".into());
            }
        }
        Ok(())
    })?;
    let wall = started.elapsed();
    let peak = status_bytes("VmHWM:");
    let per_task = peak.saturating_sub(baseline) as f64 / tasks as f64;
    let overhead = wall.saturating_sub(DELAY_CHAIN);
    println!(
        "{contestant} {tasks} {:.1} {:.1} {per_task:.0}",
        wall.as_secs_f64() * 1e3,
        overhead.as_secs_f64() * 1e3
    );
    Ok(())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn run_all(tasks: usize, runs: usize) -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|error| error.to_string())?;
    let mut rows = Vec::new();
    for contestant in CONTESTANTS {
        let (mut walls, mut overheads, mut bytes) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            let output = Command::new(&exe)
                .args([contestant.to_string(), tasks.to_string()])
                .output()
                .map_err(|error| error.to_string())?;
            if !output.status.success() {
                return Err(String::from_utf8_lossy(&output.stderr).into_owned());
            }
            let line = String::from_utf8_lossy(&output.stdout);
            let fields: Vec<f64> = line
                .split_whitespace()
                .skip(2)
                .filter_map(|field| field.parse().ok())
                .collect();
            let [wall, overhead, per_task] = fields[..] else {
                return Err(format!("unreadable line: {line}"));
            };
            walls.push(wall);
            overheads.push(overhead);
            bytes.push(per_task);
        }
        rows.push((
            *contestant,
            median(&mut walls),
            median(&mut overheads),
            median(&mut bytes),
        ));
    }
    let (_, _, floor_overhead, floor_bytes) = rows[0];
    println!("| contestant | wall ms | overhead ms | × floor | peak bytes/task | × floor |");
    println!("|---|---|---|---|---|---|");
    for (name, wall, overhead, bytes) in rows {
        println!(
            "| {name} | {wall:.1} | {overhead:.1} | {:.2} | {bytes:.0} | {:.2} |",
            overhead / floor_overhead,
            bytes / floor_bytes
        );
    }
    Ok(())
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let contestant = args.first().map_or("all", String::as_str);
    let tasks = args
        .get(1)
        .map_or(Ok(100_000), |n| n.parse())
        .map_err(|_| "TASKS must be a number")?;
    if contestant == "sizes" {
        let config: &'static RetryConfig = Box::leak(Box::new(RetryConfig::default()));
        println!("floor {}", std::mem::size_of_val(&task!(floor)));
        println!(
            "floor_padded {}",
            std::mem::size_of_val(&task!(floor_padded))
        );
        println!("with_retry {}", std::mem::size_of_val(&task!(with_retry)));
        let retry_with_backoff = task!(with_retry_rollback, config);
        println!(
            "retry_with_backoff {}",
            std::mem::size_of_val(&retry_with_backoff)
        );
        println!("backon {}", std::mem::size_of_val(&task!(with_backon)));
        println!("sleep {}", std::mem::size_of::<tokio::time::Sleep>());
        return Ok(());
    }
    if contestant == "all" {
        let runs = args
            .get(2)
            .map_or(Ok(5), |n| n.parse())
            .map_err(|_| "RUNS must be a number")?;
        run_all(tasks, runs)
    } else {
        run_one(contestant, tasks)
    }
}
