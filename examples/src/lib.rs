//! The real parts of the installer examples.
//!
//! The installer puts a small Prometheus exporter on a target the way a
//! control plane puts node_exporter on a fleet, over a network that fails:
//!
//! - [`exporter`] and the `demo-exporter` binary: `GET /metrics` on a
//!   loopback port, a pid file, a clean exit on `SIGTERM`.
//! - [`artifact`]: the binary packed as
//!   `demo-exporter-1.0.0.linux-amd64.tar.gz`.
//! - [`artifact_server`]: a local HTTP server for that tarball that drops
//!   connections or answers 503 at a seeded rate.
//! - [`download`]: the HTTP client side, retried through
//!   [`retry_rollback::Retry`], with an error that says which failures are
//!   worth another attempt.
//! - [`transport`]: where commands run: this machine, an OpenSSH server, or
//!   a recorder standing in for Windows hosts.
//! - [`sshd`]: a throwaway OpenSSH server for tests.
//! - [`steps`]: the six install steps and their undo functions, for Linux
//!   and Windows targets.
//! - [`installer`]: the six steps with retry and rollback, and the whole
//!   demo behind `cargo run -p examples --example install`.
//! - [`snapshot`]: a recursive listing with contents, to check that undo
//!   leaves a target as it found it.
//!
//! # Choice of crates
//!
//! - `tiny_http` serves the exporter: a blocking server on one thread with
//!   four small dependencies. The exporter answers one path; `axum` would
//!   bring hyper and tower for nothing it needs.
//! - The artifact server speaks its few lines of HTTP over
//!   `std::net::TcpListener` itself: dropping a connection before any
//!   answer is the fault to inject, and server crates rightly hide that.
//! - `ureq` without its default features (no TLS, no gzip) downloads, on
//!   tokio's blocking pool; the targets are plain HTTP on loopback.
//! - `openssh` drives the system `ssh` binary over one multiplexed
//!   connection: no SSH protocol or crypto code is compiled in, and the
//!   user's usual OpenSSH options apply.
//! - `tar` (without extended attributes) and `flate2` (pure Rust backend)
//!   pack the release.
//!
//! # Steps, retry and rollback
//!
//! Each step is a plain async function that either succeeds or leaves
//! nothing behind, and each undo is a separate function, so that a retry
//! attribute can wrap a step and a rollback attribute can register its
//! undo once the step has succeeded. [`steps::StepError`] implements
//! [`retry_rollback::Retryable`]: a dropped connection or a 503 is
//! transient, a failing command is not.

pub mod artifact;
pub mod artifact_server;
pub mod download;
pub mod exporter;
pub mod exporter_cli;
pub mod installer;
pub mod snapshot;
pub mod sshd;
pub mod steps;
pub mod transport;
