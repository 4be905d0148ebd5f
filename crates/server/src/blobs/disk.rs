//! [`DiskBlobStore`]: blobs as files under `DATA_DIR/blobs`, two hex digits of fan-out
//! (`blobs/ab/cdef…`) so no folder holds millions of entries.
//!
//! Writing is crash-safe: the verified file is fsynced, renamed into place (atomic on
//! one file system: a reader sees the whole blob or none) and the folder fsynced, so the
//! rename itself survives a power cut. The staging folder lives under the same data
//! folder, so the rename never crosses file systems.

use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

use tadhkira_proto::Sha256Hex;

use super::BlobStore;

/// Blobs in a folder on the server's disk.
#[derive(Debug, Clone)]
pub struct DiskBlobStore {
    root: PathBuf,
}

impl DiskBlobStore {
    /// A store under `root` (made when the first blob arrives).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Where a blob's file is (whether or not it exists).
    pub fn path_of(&self, sha256: &Sha256Hex) -> PathBuf {
        let hex = sha256.as_str();
        self.root.join(&hex[..2]).join(&hex[2..])
    }
}

/// Makes a rename or a new file in `dir` durable.
pub(super) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    // Windows cannot open a folder as a file; its renames are durable on their own
    // (NTFS journals metadata).
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

impl BlobStore for DiskBlobStore {
    fn put(&self, sha256: &Sha256Hex, staged: &Path) -> std::io::Result<()> {
        let target = self.path_of(sha256);
        if target.exists() {
            fs::remove_file(staged)?;
            return Ok(());
        }
        let dir = target.parent().unwrap_or(&self.root).to_path_buf();
        let new_dir = !dir.exists();
        fs::create_dir_all(&dir)?;
        if new_dir {
            sync_dir(&self.root)?;
        }
        File::open(staged)?.sync_all()?;
        fs::rename(staged, &target)?;
        sync_dir(&dir)
    }

    fn contains(&self, sha256: &Sha256Hex) -> std::io::Result<bool> {
        self.path_of(sha256).try_exists()
    }

    fn open(&self, sha256: &Sha256Hex) -> std::io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(File::open(self.path_of(sha256))?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blob_goes_in_under_its_hash_once_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = DiskBlobStore::new(dir.path().join("blobs"));
        let hash = Sha256Hex::parse("ab".repeat(32)).unwrap();
        let staged = dir.path().join("one.part");
        fs::write(&staged, b"hello").unwrap();
        assert!(!store.contains(&hash).unwrap());
        store.put(&hash, &staged).unwrap();
        assert!(!staged.exists(), "the staged file is consumed");
        let path = dir.path().join("blobs/ab").join("ab".repeat(31));
        assert_eq!(store.path_of(&hash), path);
        assert_eq!(fs::read(&path).unwrap(), b"hello");
        // The same blob again: the stored file stays, the staged copy goes.
        fs::write(&staged, b"hello").unwrap();
        store.put(&hash, &staged).unwrap();
        assert!(!staged.exists());
        let mut back = String::new();
        store
            .open(&hash)
            .unwrap()
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, "hello");
    }
}
