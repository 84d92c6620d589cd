//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::Path;

use examples::steps::linux::LinuxTarget;

/// The demo exporter binary that cargo built for these tests.
pub const EXPORTER: &str = env!("CARGO_BIN_EXE_demo-exporter");

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

/// Whether `pid` names a live process (a zombie is not live).
pub fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z"),
        Err(_) => false,
    }
}

/// A temporary root with the directories a Linux host has, plus a file
/// that must survive every undo.
pub fn host_root() -> tempfile::TempDir {
    let root = tempfile::tempdir().expect("a temporary directory");
    for dir in LinuxTarget::DIRS {
        std::fs::create_dir_all(root.path().join(dir)).expect("the host's directories");
    }
    std::fs::write(root.path().join("etc/hostname"), "test-host\n").expect("a file in /etc");
    root
}

/// The root's path as a string, for the target.
pub fn root_str(root: &Path) -> String {
    root.to_str().expect("a UTF-8 temporary path").to_owned()
}

/// The exporter's release tarball for this platform, packed once per test
/// binary: packing a debug build takes a moment.
pub fn exporter_tarball() -> &'static [u8] {
    static TARBALL: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    TARBALL.get_or_init(|| {
        examples::artifact::Release::demo_exporter()
            .pack(Path::new(EXPORTER))
            .expect("the exporter packs")
    })
}

/// The processes whose command line mentions `root`: an exporter
/// installed there and still running.
pub fn processes_under(root: &Path) -> Vec<u32> {
    let root = root.to_str().expect("a UTF-8 root");
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse().ok())
        else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if String::from_utf8_lossy(&cmdline).contains(root) && alive(pid) {
            pids.push(pid);
        }
    }
    pids
}
