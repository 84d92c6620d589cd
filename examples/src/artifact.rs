//! The exporter's release tarball, laid out the way node_exporter ships:
//! `demo-exporter-1.0.0.linux-amd64.tar.gz` holding
//! `demo-exporter-1.0.0.linux-amd64/demo-exporter`.

use std::io::{self, Read, Write};
use std::path::Path;

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

/// A release of a program for one platform.
///
/// ```
/// use examples::artifact::Release;
///
/// let release = Release::new("demo-exporter", "1.0.0", "linux", "amd64");
/// assert_eq!(release.dir_name(), "demo-exporter-1.0.0.linux-amd64");
/// assert_eq!(release.file_name(), "demo-exporter-1.0.0.linux-amd64.tar.gz");
/// assert_eq!(release.binary_path(), "demo-exporter-1.0.0.linux-amd64/demo-exporter");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    name: String,
    version: String,
    os: String,
    arch: String,
}

impl Release {
    /// A release of `name` at `version` for `os` and `arch`, in Go's names
    /// (`linux`, `amd64`).
    pub fn new(name: &str, version: &str, os: &str, arch: &str) -> Release {
        Release {
            name: name.to_owned(),
            version: version.to_owned(),
            os: os.to_owned(),
            arch: arch.to_owned(),
        }
    }

    /// The demo exporter's release for the platform this code runs on.
    pub fn demo_exporter() -> Release {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            other => other,
        };
        Release::new(
            "demo-exporter",
            crate::exporter::VERSION,
            std::env::consts::OS,
            arch,
        )
    }

    /// The program's name, which is also its binary's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The top directory inside the tarball.
    pub fn dir_name(&self) -> String {
        format!("{}-{}.{}-{}", self.name, self.version, self.os, self.arch)
    }

    /// The tarball's file name.
    pub fn file_name(&self) -> String {
        format!("{}.tar.gz", self.dir_name())
    }

    /// The binary's path inside the tarball.
    pub fn binary_path(&self) -> String {
        format!("{}/{}", self.dir_name(), self.name)
    }

    /// Packs `binary` into a gzipped tarball: the top directory, then the
    /// binary with mode 0755, owned by root, dated at the Unix epoch so the
    /// same binary always packs to the same bytes.
    ///
    /// # Errors
    ///
    /// The error of reading `binary`.
    pub fn pack(&self, binary: &Path) -> io::Result<Vec<u8>> {
        let contents = std::fs::read(binary)?;
        self.pack_bytes(&contents)
    }

    /// [`Release::pack`] for a binary already in memory.
    ///
    /// ```
    /// use examples::artifact::Release;
    ///
    /// let release = Release::new("demo-exporter", "1.0.0", "linux", "amd64");
    /// let tarball = release.pack_bytes(b"#!/bin/sh\n")?;
    /// let entries = examples::artifact::list(&tarball)?;
    /// assert_eq!(entries, [
    ///     ("demo-exporter-1.0.0.linux-amd64/".to_owned(), 0o755),
    ///     ("demo-exporter-1.0.0.linux-amd64/demo-exporter".to_owned(), 0o755),
    /// ]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Only an I/O error of the in-memory writer, which does not happen in
    /// practice.
    pub fn pack_bytes(&self, binary: &[u8]) -> io::Result<Vec<u8>> {
        let gzip = GzEncoder::new(Vec::new(), Compression::default());
        let mut tar = tar::Builder::new(gzip);

        let mut dir = header(tar::EntryType::Directory, 0)?;
        tar.append_data(&mut dir, format!("{}/", self.dir_name()), io::empty())?;
        let mut file = header(tar::EntryType::Regular, binary.len() as u64)?;
        tar.append_data(&mut file, self.binary_path(), binary)?;

        let mut gzip = tar.into_inner()?;
        gzip.flush()?;
        gzip.finish()
    }
}

fn header(kind: tar::EntryType, size: u64) -> io::Result<tar::Header> {
    let mut header = tar::Header::new_gnu();
    header.set_username("root")?;
    header.set_groupname("root")?;
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(0o755);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    Ok(header)
}

/// The entries of a gzipped tarball: path (directories end in `/`) and mode.
///
/// # Errors
///
/// `InvalidData` or another I/O error when the bytes are not a gzipped
/// tarball.
pub fn list(tarball: &[u8]) -> io::Result<Vec<(String, u32)>> {
    let mut archive = tar::Archive::new(GzDecoder::new(tarball));
    let mut entries = Vec::new();
    for entry in archive.entries()? {
        let entry = entry?;
        let mut path = entry.path()?.to_string_lossy().into_owned();
        if entry.header().entry_type().is_dir() && !path.ends_with('/') {
            path.push('/');
        }
        entries.push((path, entry.header().mode()?));
    }
    Ok(entries)
}

/// The contents of the file at `path` inside a gzipped tarball, if it is
/// there.
///
/// # Errors
///
/// An I/O error when the bytes are not a gzipped tarball.
pub fn read_file(tarball: &[u8], path: &str) -> io::Result<Option<Vec<u8>>> {
    let mut archive = tar::Archive::new(GzDecoder::new(tarball));
    for entry in archive.entries()? {
        let mut entry = entry?;
        if entry.path()?.to_str() == Some(path) {
            let mut contents = Vec::new();
            entry.read_to_end(&mut contents)?;
            return Ok(Some(contents));
        }
    }
    Ok(None)
}
