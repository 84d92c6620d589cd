//! A tiny Prometheus exporter for the installer example.
//!
//! ```text
//! demo-exporter --listen 127.0.0.1:9100 [--pid-file PATH]
//! ```
//!
//! It serves `GET /metrics` on a loopback address, writes its pid to the pid
//! file once it listens, and on `SIGTERM` or `SIGINT` stops serving,
//! removes the pid file and exits with 0. The code is in
//! [`examples::exporter_cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    examples::exporter_cli::main(std::env::args().skip(1))
}
