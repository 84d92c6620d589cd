//! A recursive listing of a directory with every file's contents, to show
//! that an install followed by its undo leaves a root as it found it.

use std::collections::BTreeMap;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// One entry of a [`Snapshot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// A directory and its permission bits.
    Dir(u32),
    /// A file, its permission bits and its bytes.
    File(u32, Vec<u8>),
    /// A symbolic link and where it points.
    Symlink(PathBuf),
}

/// Every path under a root (relative to it), with what is there.
///
/// ```
/// use examples::snapshot::Snapshot;
///
/// let root = tempfile::tempdir()?;
/// let before = Snapshot::take(root.path())?;
/// std::fs::write(root.path().join("left-behind"), "x")?;
/// let after = Snapshot::take(root.path())?;
/// assert_ne!(before, after);
/// assert_eq!(before.diff(&after), ["+ left-behind"]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot(BTreeMap<PathBuf, Entry>);

impl Snapshot {
    /// Walks `root` without following symbolic links.
    ///
    /// # Errors
    ///
    /// The first I/O error met on the way.
    pub fn take(root: &Path) -> io::Result<Snapshot> {
        let mut entries = BTreeMap::new();
        walk(root, root, &mut entries)?;
        Ok(Snapshot(entries))
    }

    /// The entries, by path relative to the root.
    pub fn entries(&self) -> &BTreeMap<PathBuf, Entry> {
        &self.0
    }

    /// What changed from `self` to `later`, one line per path: `+ path`
    /// (new), `- path` (gone) or `~ path` (changed).
    pub fn diff(&self, later: &Snapshot) -> Vec<String> {
        let mut lines = Vec::new();
        for (path, entry) in &self.0 {
            match later.0.get(path) {
                None => lines.push(format!("- {}", path.display())),
                Some(now) if now != entry => lines.push(format!("~ {}", path.display())),
                Some(_) => {}
            }
        }
        for path in later.0.keys().filter(|path| !self.0.contains_key(*path)) {
            lines.push(format!("+ {}", path.display()));
        }
        lines.sort_by(|a, b| a[2..].cmp(&b[2..]));
        lines
    }
}

fn walk(root: &Path, dir: &Path, entries: &mut BTreeMap<PathBuf, Entry>) -> io::Result<()> {
    for item in std::fs::read_dir(dir)? {
        let item = item?;
        let path = item.path();
        let relative = path
            .strip_prefix(root)
            .map_err(io::Error::other)?
            .to_owned();
        let meta = std::fs::symlink_metadata(&path)?;
        let mode = meta.permissions().mode() & 0o7777;
        if meta.file_type().is_symlink() {
            entries.insert(relative, Entry::Symlink(std::fs::read_link(&path)?));
        } else if meta.is_dir() {
            entries.insert(relative, Entry::Dir(mode));
            walk(root, &path, entries)?;
        } else {
            entries.insert(relative, Entry::File(mode, std::fs::read(&path)?));
        }
    }
    Ok(())
}
