//! [`Staging`]: uploads in progress, one file per upload under `DATA_DIR/uploads`.
//!
//! The database's `received` count is the truth of how far an upload got: a chunk is
//! written and fsynced first and counted second, so after a crash the file may be longer
//! than the count (never shorter), and the next chunk cuts it back to the count before
//! writing. Nothing here trusts the file's length.

use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::sniff::TextCheck;

/// How many leading bytes [`Scan::head`] keeps for type detection.
pub const HEAD_BYTES: usize = 8 * 1024;

/// The folder of uploads in progress.
#[derive(Debug, Clone)]
pub struct Staging {
    root: PathBuf,
    /// Uploads a request is writing now: one writer per upload (two chunks of one
    /// upload at once would interleave their bytes).
    busy: Arc<Mutex<HashSet<Uuid>>>,
}

/// The right to write one upload, until dropped.
#[derive(Debug)]
pub struct Claim {
    id: Uuid,
    busy: Arc<Mutex<HashSet<Uuid>>>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        if let Ok(mut busy) = self.busy.lock() {
            busy.remove(&self.id);
        }
    }
}

/// What reading a whole staged file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
    /// Its length.
    pub size: u64,
    /// Whether it is plain text (UTF-8, no NUL).
    pub is_text: bool,
    /// Its first bytes (at most [`HEAD_BYTES`]).
    pub head: Vec<u8>,
}

impl Staging {
    /// Staging under `root` (made when the first chunk arrives).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            busy: Arc::default(),
        }
    }

    /// Claims the upload for one request; `None` while another request writes it.
    pub fn claim(&self, id: Uuid) -> Option<Claim> {
        let mut busy = self.busy.lock().ok()?;
        busy.insert(id).then(|| Claim {
            id,
            busy: self.busy.clone(),
        })
    }

    /// The file of an upload.
    pub fn path(&self, id: Uuid) -> PathBuf {
        self.root.join(format!("{}.part", id.simple()))
    }

    /// Writes `bytes` at `offset` (cutting off anything after it first) and fsyncs.
    pub fn write_at(&self, id: Uuid, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
        fs::create_dir_all(&self.root)?;
        let mut f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.path(id))?;
        f.set_len(offset)?;
        f.seek(SeekFrom::Start(offset))?;
        f.write_all(bytes)?;
        f.sync_data()
    }

    /// Reads the first `len` bytes of the upload's file: its hash, whether it is text,
    /// its head.
    pub fn scan(&self, id: Uuid, len: u64) -> std::io::Result<Scan> {
        let mut f = fs::File::open(self.path(id))?.take(len);
        let mut hasher = Sha256::new();
        let mut text = TextCheck::default();
        let mut head = Vec::new();
        let mut size = 0u64;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            let chunk = &buf[..n];
            hasher.update(chunk);
            text.feed(chunk);
            if head.len() < HEAD_BYTES {
                let take = (HEAD_BYTES - head.len()).min(n);
                head.extend_from_slice(&chunk[..take]);
            }
            size += n as u64;
        }
        Ok(Scan {
            sha256: hex::encode(hasher.finalize()),
            size,
            is_text: text.finish(),
            head,
        })
    }

    /// Forgets an upload's bytes (missing already is fine).
    pub fn remove(&self, id: Uuid) -> std::io::Result<()> {
        match fs::remove_file(self.path(id)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rewritten_chunk_replaces_a_longer_tail_left_by_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let s = Staging::new(dir.path());
        let id = Uuid::now_v7();
        s.write_at(id, 0, b"hello ").unwrap();
        s.write_at(id, 6, b"wXXXXXXXXX").unwrap(); // counted? no: the crash came first
        s.write_at(id, 6, b"world").unwrap();
        let scan = s.scan(id, 11).unwrap();
        assert_eq!(fs::read(s.path(id)).unwrap(), b"hello world");
        assert_eq!(scan.size, 11);
        assert!(scan.is_text);
        assert_eq!(scan.head, b"hello world");
        assert_eq!(
            scan.sha256,
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        s.remove(id).unwrap();
        s.remove(id).unwrap();
        assert!(!s.path(id).exists());
    }

    #[test]
    fn one_request_at_a_time_writes_an_upload() {
        let s = Staging::new("unused");
        let id = Uuid::now_v7();
        let first = s.claim(id).expect("free");
        assert!(s.claim(id).is_none(), "busy while claimed");
        assert!(s.claim(Uuid::now_v7()).is_some(), "another upload is free");
        drop(first);
        assert!(s.claim(id).is_some(), "free again");
    }
}
