//! The local transport: `sh -c` in the target root.

use std::os::unix::fs::PermissionsExt;

use examples::transport::{LocalTransport, Transport, sh_quote};

#[tokio::test]
async fn runs_in_the_root_and_reports_exit_code_and_output() {
    let root = tempfile::tempdir().unwrap();
    let local = LocalTransport::new(root.path());
    let (code, stdout, stderr) = local.exec("pwd; echo oops >&2; exit 7").await.unwrap();
    assert_eq!(code, 7);
    let pwd = std::fs::canonicalize(root.path()).unwrap();
    assert_eq!(stdout.trim(), pwd.to_str().unwrap());
    assert_eq!(stderr, "oops\n");
}

#[tokio::test]
async fn a_killed_command_reports_128_plus_the_signal() {
    let root = tempfile::tempdir().unwrap();
    let local = LocalTransport::new(root.path());
    let (code, _, _) = local.exec("kill -KILL $$").await.unwrap();
    assert_eq!(code, 128 + 9);
}

#[tokio::test]
async fn puts_files_with_their_mode() {
    let root = tempfile::tempdir().unwrap();
    let local = LocalTransport::new(root.path());
    local.put_file("relative.txt", b"one", 0o600).await.unwrap();
    let absolute = root.path().join("absolute.sh");
    local
        .put_file(absolute.to_str().unwrap(), b"#!/bin/sh\n", 0o755)
        .await
        .unwrap();

    let relative = root.path().join("relative.txt");
    assert_eq!(std::fs::read(&relative).unwrap(), b"one");
    assert_eq!(
        std::fs::metadata(&relative).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(&absolute).unwrap().permissions().mode() & 0o777,
        0o755
    );

    // Writing again replaces the file.
    local.put_file("relative.txt", b"two", 0o644).await.unwrap();
    assert_eq!(std::fs::read(&relative).unwrap(), b"two");
}

#[tokio::test]
async fn putting_into_a_missing_directory_fails() {
    let root = tempfile::tempdir().unwrap();
    let local = LocalTransport::new(root.path());
    let error = local
        .put_file("no/such/dir/file", b"x", 0o644)
        .await
        .unwrap_err();
    assert!(error.to_string().starts_with("local process: "), "{error}");
}

#[tokio::test]
async fn quoting_survives_the_shell() {
    let root = tempfile::tempdir().unwrap();
    let local = LocalTransport::new(root.path());
    let tricky = "it's a $HOME `x` \"y\"";
    let (_, stdout, _) = local
        .exec(&format!("printf %s {}", sh_quote(tricky)))
        .await
        .unwrap();
    assert_eq!(stdout, tricky);
}
