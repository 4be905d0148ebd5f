//! Where attached files' bytes live: [`BlobStore`], a content-addressed store named by
//! SHA-256, and [`Staging`], the folder where uploads in progress grow chunk by chunk.
//!
//! Why a trait: the default store is a folder beside the database ([`DiskBlobStore`],
//! `DATA_DIR/blobs/ab/cdef…`); a deployment with several server processes may want an
//! S3-compatible bucket instead. The routes only ever ask the trait to take a verified
//! file, to open a blob, or whether it has one, so another store is one more
//! implementation and nothing else. Staging stays on the server's own disk either way
//! (a store that can only take whole objects needs the finished file anyway).
//!
//! The store's methods block (file I/O); callers run them on the blocking pool.
//!
//! [`sniff`] decides by content which types are accepted.

mod disk;
pub mod sniff;
mod staging;

use std::io::Read;
use std::path::Path;

pub use disk::DiskBlobStore;
pub use staging::{Claim, Scan, Staging, HEAD_BYTES};
use tadhkira_proto::Sha256Hex;

/// A content-addressed store of verified files.
pub trait BlobStore: Send + Sync + std::fmt::Debug {
    /// Takes the file at `staged`, whose bytes the caller checked hash to `sha256`,
    /// durably: once this returns, the blob survives a crash. The file at `staged` is
    /// consumed (moved or deleted). Storing a blob that is already there keeps the one
    /// there (the bytes are the same).
    fn put(&self, sha256: &Sha256Hex, staged: &Path) -> std::io::Result<()>;

    /// Whether the blob is stored.
    fn contains(&self, sha256: &Sha256Hex) -> std::io::Result<bool>;

    /// Its bytes, from the start.
    fn open(&self, sha256: &Sha256Hex) -> std::io::Result<Box<dyn Read + Send>>;
}
