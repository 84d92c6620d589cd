//! The `install` example as a user runs it: the compiled example, spawned
//! with its command line, its output and its exit code.
//!
//! `cargo test` builds the examples of the package it tests, next to the
//! test binaries (`target/debug/examples/install`); run alone with
//! `--test install_cli`, build it first with `cargo build -p examples
//! --example install`.

mod common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::{alive, host_root, processes_under};
use examples::snapshot::Snapshot;

/// The compiled example, next to this test binary's directory.
fn example() -> PathBuf {
    let test = std::env::current_exe().expect("the test binary's path");
    let profile = test
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps");
    let example = profile.join("examples").join("install");
    assert!(
        example.exists(),
        "{} is not built: run `cargo build -p examples --example install`",
        example.display()
    );
    example
}

fn install(args: &[&str]) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(example())
        .args(args)
        .output()
        .expect("the example runs");
    (
        status.code().expect("an exit code"),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

#[test]
fn fail_at_start_prints_the_rollback_and_exits_with_1() {
    let root = host_root();
    let before = Snapshot::take(root.path()).unwrap();
    let dir = root.path().to_str().unwrap();
    let (code, stdout, stderr) = install(&["--root", dir, "--fail-at", "start", "--flaky", "0"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    for line in [
        "[5/6] start",
        "      failed for good: start: failing on purpose (--fail-at start)",
        "rollback of \"install demo-exporter\" left the host clean: 4 undo actions succeeded",
        "  done:       download, extract, install, unit",
        "  undone:     remove unit, remove binary, remove extracted, remove download",
        "  left dirty: nothing",
    ] {
        assert!(
            stdout.lines().any(|out| out.starts_with(line)),
            "no line {line:?} in\n{stdout}"
        );
    }
    assert_eq!(Snapshot::take(root.path()).unwrap(), before);
}

#[test]
fn keep_leaves_the_exporter_answering_until_uninstall() {
    let root = host_root();
    let before = Snapshot::take(root.path()).unwrap();
    let dir = root.path().to_str().unwrap();
    let (code, stdout, stderr) = install(&["--root", dir, "--keep", "--seed", "8"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("retries: 2 (download 2)\n"), "{stdout}");
    let pids = processes_under(root.path());
    assert_eq!(pids.len(), 1, "{stdout}");
    assert!(alive(pids[0]));
    let pid_file = std::fs::read_to_string(root.path().join("run/demo-exporter.pid")).unwrap();
    assert_eq!(pid_file.trim(), pids[0].to_string());

    let (code, stdout, stderr) = install(&["--root", dir, "--uninstall"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(!alive(pids[0]));
    assert_eq!(Snapshot::take(root.path()).unwrap(), before);
}

#[test]
fn help_exits_with_0_and_bad_arguments_with_2() {
    let (code, stdout, _) = install(&["--help"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("Installs the demo exporter"));

    let (code, _, stderr) = install(&["--fail-at", "reboot"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("install: no step \"reboot\""),
        "{stderr}"
    );
}
