//! The demo exporter's command line, shared by the `demo-exporter` binary
//! and the `install` example (whose release tarball packs the example's
//! own program, which runs as the exporter when it is called
//! `demo-exporter`).
//!
//! ```text
//! demo-exporter --listen 127.0.0.1:9100 [--pid-file PATH]
//! ```
//!
//! It serves `GET /metrics` on a loopback address, writes its pid to the
//! pid file once it listens, and on `SIGTERM` or `SIGINT` stops serving,
//! removes the pid file and exits with 0.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use tokio::signal::unix::{SignalKind, signal};

use crate::exporter::Exporter;

/// The usage line.
pub const USAGE: &str = "usage: demo-exporter --listen 127.0.0.1:PORT [--pid-file PATH]";

/// The exporter's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Args {
    /// Where to listen: a loopback address.
    pub listen: SocketAddr,
    /// Where to write the pid once listening.
    pub pid_file: Option<PathBuf>,
}

impl Args {
    /// Parses the arguments that follow the program's name.
    ///
    /// ```
    /// use examples::exporter_cli::Args;
    ///
    /// let args = Args::parse(["--listen", "127.0.0.1:9100"].map(String::from))?;
    /// assert_eq!(args.listen.port(), 9100);
    /// assert!(Args::parse(["--pid-file"].map(String::from)).is_err());
    /// # Ok::<(), String>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A sentence saying what is wrong.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Args, String> {
        let mut listen = None;
        let mut pid_file = None;
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
            match arg.as_str() {
                "--listen" => {
                    listen = Some(
                        value
                            .parse()
                            .map_err(|e| format!("--listen {value}: {e}"))?,
                    );
                }
                "--pid-file" => pid_file = Some(PathBuf::from(value)),
                _ => return Err(format!("unknown argument {arg}")),
            }
        }
        let listen = listen.ok_or("--listen is required")?;
        Ok(Args { listen, pid_file })
    }
}

/// Runs the exporter with the arguments that follow the program's name,
/// on a current-thread tokio runtime, until `SIGTERM` or `SIGINT`.
///
/// Exit codes: 0 after a signal, 1 on an error, 2 for bad arguments.
pub fn main(args: impl IntoIterator<Item = String>) -> ExitCode {
    let args = match Args::parse(args) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("demo-exporter: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let served = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|runtime| runtime.block_on(serve(args)));
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("demo-exporter: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: Args) -> std::io::Result<()> {
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
