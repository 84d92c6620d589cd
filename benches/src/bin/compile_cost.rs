//! What `#[with_retry]` costs at compile time: builds a generated crate of
//! `N` async functions (default 500) with and without the attribute, and
//! prints the median build time of each and their ratio.
//!
//! `compile_cost [N] [RUNS]`. Dependencies are built once first; each timed
//! build touches the crate's source and rebuilds only the crate, in debug.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn write_crate(
    dir: &Path,
    runtime: &Path,
    functions: usize,
    annotated: bool,
) -> Result<(), String> {
    std::fs::create_dir_all(dir.join("src")).map_err(|error| error.to_string())?;
    let manifest = format!(
        "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nretry-rollback = {{ path = {:?} }}\n\n[workspace]\n",
        if annotated { "annotated" } else { "plain" },
        runtime
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|error| error.to_string())?;
    let mut source = String::from("//! Generated for the compile-cost benchmark.\n\n");
    for n in 0..functions {
        if annotated {
            source.push_str("#[retry_rollback::with_retry(max_attempts = 3, backoff = 2.0)]\n");
        }
        let _ = writeln!(
            source,
            "pub async fn step_{n}(host: &str, attempt: u64) -> std::io::Result<u64> {{\n    \
             if host.is_empty() {{ return Err(std::io::Error::other(\"no host\")); }}\n    \
             Ok(attempt + {n})\n}}\n"
        );
    }
    std::fs::write(dir.join("src/lib.rs"), source).map_err(|error| error.to_string())
}

fn build(dir: &Path, target: &Path) -> Result<Duration, String> {
    let started = Instant::now();
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .status()
        .map_err(|error| error.to_string())?;
    if !status.success() {
        return Err(format!("building {} failed", dir.display()));
    }
    Ok(started.elapsed())
}

fn touch(dir: &Path) -> Result<(), String> {
    let lib = dir.join("src/lib.rs");
    let source = std::fs::read_to_string(&lib).map_err(|error| error.to_string())?;
    std::fs::write(&lib, source).map_err(|error| error.to_string())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let functions: usize = args
        .first()
        .map_or(Ok(500), |n| n.parse())
        .map_err(|_| "N must be a number")?;
    let runs: usize = args
        .get(1)
        .map_or(Ok(3), |n| n.parse())
        .map_err(|_| "RUNS must be a number")?;
    let runtime = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../retry-rollback");
    let runtime = runtime.canonicalize().map_err(|error| error.to_string())?;
    let work = std::env::temp_dir().join("retry-rollback-compile-cost");
    let target = work.join("target");
    let mut rows = Vec::new();
    for annotated in [false, true] {
        let dir = work.join(if annotated { "annotated" } else { "plain" });
        write_crate(&dir, &runtime, functions, annotated)?;
        build(&dir, &target)?;
        let mut times = Vec::new();
        for _ in 0..runs {
            touch(&dir)?;
            times.push(build(&dir, &target)?);
        }
        rows.push((annotated, median(times)));
    }
    let plain = rows[0].1.as_secs_f64();
    println!("| crate of {functions} async fns | debug build, s | ratio |");
    println!("|---|---|---|");
    for (annotated, time) in rows {
        let name = if annotated {
            "with `#[with_retry]`"
        } else {
            "plain"
        };
        println!(
            "| {name} | {:.2} | {:.2} |",
            time.as_secs_f64(),
            time.as_secs_f64() / plain
        );
    }
    Ok(())
}
