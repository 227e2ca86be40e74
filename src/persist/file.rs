//! Writing a file so that a crash never leaves it half-written: the bytes go
//! to a new temporary file in the same directory, which is flushed to disk
//! (`fsync`) and then renamed over the target (atomic on POSIX file systems);
//! the directory is flushed last so that the rename itself is durable. A
//! process killed mid-save leaves the previous file intact (and at most a
//! stray `.<name>.<pid>.<n>.tmp` beside it).

use crate::error::{Error, Result};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Distinguishes temporary files of concurrent saves within one process.
static NEXT: AtomicU64 = AtomicU64::new(0);

fn io(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::Io(format!("{what} {}: {e}", path.display()))
}

/// The temporary sibling of `path` a save writes first.
fn temporary(path: &Path) -> Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::InvalidArgument(format!("{} does not name a file", path.display())))?;
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = format!(".{}.{}.{n}.tmp", name.to_string_lossy(), std::process::id());
    Ok(path.with_file_name(tmp))
}

/// Replaces the file `path` by `bytes` atomically (see the module docs).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temporary(path)?;
    let written = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|e| io("cannot create", &tmp, e))?;
        f.write_all(bytes).map_err(|e| io("cannot write", &tmp, e))?;
        f.sync_all().map_err(|e| io("cannot flush", &tmp, e))?;
        fs::rename(&tmp, path).map_err(|e| io("cannot rename the temporary file onto", path, e))
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
        return written;
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io("cannot flush the directory", dir, e))
}

/// The whole content of `path`.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| io("cannot read", path, e))
}
