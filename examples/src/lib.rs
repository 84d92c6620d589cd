//! The real parts of the installer examples: a demo exporter and its
//! release tarball, a local artifact server with fault injection, an HTTP
//! download whose errors know whether to retry, transports (local, SSH and
//! a recorder for Windows hosts), a throwaway `sshd` for tests, and the
//! install steps with their undo functions.

pub mod artifact;
pub mod artifact_server;
pub mod download;
pub mod exporter;
pub mod snapshot;
pub mod sshd;
pub mod steps;
pub mod transport;
