//! The main example: installs the demo exporter with retry and rollback.
//!
//! ```text
//! cargo run -p examples --example install
//! cargo run -p examples --example install -- --fail-at start
//! cargo run -p examples --example install -- --flaky 0.5 --ssh
//! cargo run -p examples --example install -- --help
//! ```
//!
//! The installer is `examples::installer::Installer`: six steps, each a
//! method retried by `#[with_retry]`, run in a rollback scope that undoes
//! the finished steps, last first, when one fails for good.

fn main() -> std::process::ExitCode {
    examples::installer::cli::main()
}
