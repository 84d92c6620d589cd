//! The release tarball, packed from the real exporter binary.

mod common;

use examples::artifact::{self, Release};

#[test]
fn packs_the_binary_the_way_node_exporter_ships() {
    let release = Release::new("demo-exporter", "1.0.0", "linux", "amd64");
    let tarball = release.pack(common::EXPORTER.as_ref()).unwrap();

    assert_eq!(&tarball[..2], [0x1f, 0x8b], "gzip magic");
    assert_eq!(
        artifact::list(&tarball).unwrap(),
        [
            ("demo-exporter-1.0.0.linux-amd64/".to_owned(), 0o755),
            (
                "demo-exporter-1.0.0.linux-amd64/demo-exporter".to_owned(),
                0o755
            ),
        ]
    );
    let binary = std::fs::read(common::EXPORTER).unwrap();
    let packed = artifact::read_file(&tarball, "demo-exporter-1.0.0.linux-amd64/demo-exporter")
        .unwrap()
        .unwrap();
    assert_eq!(packed, binary);
    assert_eq!(artifact::read_file(&tarball, "nope").unwrap(), None);
}

#[test]
fn the_same_binary_packs_to_the_same_bytes() {
    let release = Release::demo_exporter();
    let first = release.pack_bytes(b"binary").unwrap();
    let second = release.pack_bytes(b"binary").unwrap();
    assert_eq!(first, second);
}

#[test]
fn this_platform_gets_go_style_names() {
    let release = Release::demo_exporter();
    if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
        assert_eq!(
            release.file_name(),
            "demo-exporter-1.0.0.linux-amd64.tar.gz"
        );
    }
    assert_eq!(release.name(), "demo-exporter");
}

#[test]
fn system_tar_reads_it() {
    let release = Release::new("demo-exporter", "1.0.0", "linux", "amd64");
    let dir = tempfile::tempdir().unwrap();
    let tarball = dir.path().join(release.file_name());
    std::fs::write(
        &tarball,
        release.pack_bytes(b"#!/bin/sh\necho hi\n").unwrap(),
    )
    .unwrap();
    let output = std::process::Command::new("tar")
        .arg("-tvzf")
        .arg(&tarball)
        .output()
        .unwrap();
    assert!(output.status.success());
    let listing = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 2, "{listing}");
    assert!(lines[1].starts_with("-rwxr-xr-x root/root"), "{listing}");
    assert!(
        lines[1].ends_with(" demo-exporter-1.0.0.linux-amd64/demo-exporter"),
        "{listing}"
    );
}
