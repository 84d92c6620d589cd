//! A tiny Prometheus exporter for the installer example.
//!
//! ```text
//! demo-exporter --listen 127.0.0.1:9100 [--pid-file PATH]
//! ```
//!
//! It serves `GET /metrics` on a loopback address, writes its pid to the pid
//! file once it listens, and on `SIGTERM` or `SIGINT` stops serving,
//! removes the pid file and exits with 0.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use examples::exporter::Exporter;
use tokio::signal::unix::{SignalKind, signal};

const USAGE: &str = "usage: demo-exporter --listen 127.0.0.1:PORT [--pid-file PATH]";

struct Args {
    listen: SocketAddr,
    pid_file: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut listen = None;
    let mut pid_file = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--listen" => {
                listen = Some(
                    value
                        .parse()
                        .map_err(|e| format!("--listen {value}: {e}"))?,
                )
            }
            "--pid-file" => pid_file = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown argument {arg}")),
        }
    }
    let listen = listen.ok_or("--listen is required")?;
    Ok(Args { listen, pid_file })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("demo-exporter: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("demo-exporter: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> std::io::Result<()> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let exporter = Exporter::bind(args.listen)?;
    if let Some(pid_file) = &args.pid_file {
        std::fs::write(pid_file, format!("{}\n", std::process::id()))?;
    }
    eprintln!("demo-exporter: serving http://{}/metrics", exporter.addr());
    tokio::select! {
        _ = terminate.recv() => {}
        _ = interrupt.recv() => {}
    }
    exporter.shutdown();
    if let Some(pid_file) = &args.pid_file {
        std::fs::remove_file(pid_file)?;
    }
    Ok(())
}
