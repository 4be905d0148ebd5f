//! Attached files on this device: copied in when attached, uploaded before the change
//! that names them is pushed, removed when no queued change names them any more.
//!
//! - **Copying in.** [`copy_in`] streams the chosen file into the account's folder
//!   (`files/ab/cdef…`, named by the SHA-256 of its bytes) through a temporary file that
//!   is fsynced and renamed, so the queued change never depends on the original, and
//!   the same file attached twice is kept once.
//! - **Uploading.** Before a batch is pushed, [`upload_batch_files`] makes sure the
//!   server holds every file the batch names: it starts (or resumes) each upload and
//!   sends chunks of [`CHUNK_BYTES`] from the offset the server holds, so a connection
//!   cut, or this process killed, mid-file resumes where the server stopped; nothing is
//!   sent twice. A file the server refuses for good (too large, a refused type) rejects
//!   the change that names it, with the server's code, like any rejected change.
//! - **Cleaning.** [`forget_unused`] deletes copies no queued change names (after a
//!   discard, or once their change was accepted).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tadhkira_proto::{
    ApiError, Attachment, AttachmentRef, ErrorCode, FileName, Mutation, MutationEnvelope,
    MutationResult, Outcome, Sha256Hex,
};
use uuid::Uuid;

use crate::api::{ApiCallError, ApiClient};
use crate::engine::Session;
use crate::error::{EngineError, Result};

/// Bytes per upload chunk.
pub const CHUNK_BYTES: usize = 1024 * 1024;

/// A file copied into the account's folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LocalFile {
    pub sha256: Sha256Hex,
    pub size: i64,
    /// Relative to the account's folder.
    pub path: String,
    /// The name to show (the original's file name).
    pub name: FileName,
}

impl LocalFile {
    /// The reference a mutation carries.
    pub fn reference(&self) -> AttachmentRef {
        AttachmentRef {
            sha256: self.sha256.clone(),
            name: self.name.clone(),
        }
    }
}

/// Where a file's copy lives, relative to the account's folder.
pub(crate) fn relative_path(sha256: &Sha256Hex) -> String {
    let hex = sha256.as_str();
    format!("files/{}/{}", &hex[..2], &hex[2..])
}

/// Copies `source` into `account_dir`, named by its hash; answers what was copied.
/// Blocking (file I/O): run it on the blocking pool.
pub(crate) fn copy_in(account_dir: &Path, source: &Path) -> Result<LocalFile> {
    let name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| EngineError::Invalid(format!("{} is not a file", source.display())))?;
    let name = FileName::parse(&name)?;
    let mut input = std::fs::File::open(source)
        .map_err(|e| EngineError::Invalid(format!("cannot read {}: {e}", source.display())))?;
    if !input.metadata()?.is_file() {
        return Err(EngineError::Invalid(format!(
            "{} is not a file",
            source.display()
        )));
    }
    let files = account_dir.join("files");
    std::fs::create_dir_all(&files)?;
    let temp = files.join(format!(".incoming-{}", Uuid::now_v7().simple()));
    let copied = (|| -> std::io::Result<(String, i64)> {
        let mut out = std::fs::File::create(&temp)?;
        let mut hasher = Sha256::new();
        let mut size = 0i64;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = input.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            out.write_all(&buf[..n])?;
            size += n as i64;
        }
        out.sync_all()?;
        Ok((hex::encode(hasher.finalize()), size))
    })();
    let (hex, size) = match copied {
        Ok(done) => done,
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            return Err(e.into());
        }
    };
    if size == 0 {
        let _ = std::fs::remove_file(&temp);
        return Err(EngineError::Invalid(format!("{name} is empty")));
    }
    let sha256 = Sha256Hex::parse(&hex)?;
    let path = relative_path(&sha256);
    let target = account_dir.join(&path);
    if target.exists() {
        std::fs::remove_file(&temp)?;
    } else {
        let dir = target.parent().unwrap_or(&files).to_path_buf();
        std::fs::create_dir_all(&dir)?;
        std::fs::rename(&temp, &target)?;
        sync_dir(&dir)?;
    }
    Ok(LocalFile {
        sha256,
        size,
        path,
        name,
    })
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The files a mutation names.
pub(crate) fn refs_of(m: &Mutation) -> &[AttachmentRef] {
    match m {
        Mutation::CreateTicket(t) => &t.attachments,
        Mutation::AddMessage(msg) => &msg.attachments,
        Mutation::UpdateTicket(_)
        | Mutation::Escalate(_)
        | Mutation::Deflect(_)
        | Mutation::ResolveOutOfScope(_) => &[],
        Mutation::LogContact(_) => &[],
    }
}

/// Uploads every file `batch` names that the server does not hold yet, in order. A
/// mutation whose file the server refuses for good is rejected locally with the
/// server's code, and the batch is cut before it (what follows waits for the next batch,
/// where changes held behind a rejected one are held). Answers the part of the batch
/// ready to push. Fails (offline, server trouble) with nothing rejected: the round
/// retries later, and resumes the upload at the server's offset.
pub(crate) async fn upload_batch_files(
    s: &Session,
    mut batch: Vec<MutationEnvelope>,
) -> Result<Vec<MutationEnvelope>> {
    let mut cut = None;
    'batch: for (i, env) in batch.iter().enumerate() {
        for r in refs_of(&env.mutation) {
            let refused = match s.store.local_file(&r.sha256).await? {
                // Not copied here (an edit made elsewhere): the push will say whether
                // the server has it.
                None => None,
                Some((_, true)) => None,
                Some((path, false)) => {
                    let full = s.dir.join(&path);
                    if !full.exists() {
                        Some(ApiError::new(
                            ErrorCode::Invalid,
                            format!("the copy of {} is missing from the data folder", r.name),
                        ))
                    } else {
                        match upload_one(&s.api, &full, r).await {
                            Ok(content_type) => {
                                s.store.file_uploaded(&r.sha256, &content_type).await?;
                                None
                            }
                            Err(ApiCallError::Api(e)) if !e.code.is_transient() => Some(e),
                            Err(e) => return Err(e.into()),
                        }
                    }
                }
            };
            if let Some(e) = refused {
                tracing::info!(code = %e.code, file = %r.name, "attachment refused");
                let result = MutationResult {
                    id: env.id,
                    outcome: Outcome::Rejected {
                        code: e.code,
                        message: e.message,
                    },
                };
                s.store.apply_push_results(&[result]).await?;
                cut = Some(i);
                break 'batch;
            }
        }
    }
    if let Some(i) = cut {
        batch.truncate(i);
    }
    Ok(batch)
}

/// Sends one file: starts (or resumes) its upload and sends the rest from the
/// server's offset. Answers the type the server found in it.
async fn upload_one(
    api: &ApiClient,
    path: &Path,
    r: &AttachmentRef,
) -> Result<String, ApiCallError> {
    let size = std::fs::metadata(path)
        .map_err(|e| ApiCallError::Unreachable(format!("cannot read {}: {e}", path.display())))?
        .len() as i64;
    let mut status = api.start_upload(&r.name, size, &r.sha256).await?;
    let mut conflicts = 0;
    while !status.complete {
        let offset = status.offset;
        let chunk = read_chunk(path.to_path_buf(), offset as u64).await?;
        match api.put_chunk(status.id, offset, chunk).await {
            Ok(next) => status = next,
            // Another attempt moved it on (or a cut answer was lost): ask where it is.
            Err(ApiCallError::Api(e)) if e.code == ErrorCode::Conflict && conflicts < 5 => {
                conflicts += 1;
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                status = api.upload_status(status.id).await?;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(status.content_type.unwrap_or_default())
}

async fn read_chunk(path: PathBuf, offset: u64) -> Result<Vec<u8>, ApiCallError> {
    let read = tokio::task::spawn_blocking(move || -> std::io::Result<Vec<u8>> {
        use std::io::Seek;
        let mut f = std::fs::File::open(&path)?;
        f.seek(std::io::SeekFrom::Start(offset))?;
        let mut buf = Vec::with_capacity(CHUNK_BYTES);
        f.take(CHUNK_BYTES as u64).read_to_end(&mut buf)?;
        Ok(buf)
    })
    .await;
    match read {
        Ok(Ok(buf)) => Ok(buf),
        Ok(Err(e)) => Err(ApiCallError::Unreachable(format!(
            "cannot read the file: {e}"
        ))),
        Err(e) => Err(ApiCallError::Unreachable(e.to_string())),
    }
}

/// Deletes the copies no queued change names any more.
pub(crate) async fn forget_unused(s: &Session) -> Result<()> {
    for path in s.store.unused_files().await? {
        match std::fs::remove_file(s.dir.join(&path)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
        s.store.forget_file(&path).await?;
    }
    Ok(())
}

impl crate::Engine {
    /// The files of a ticket as its view lists them, in order: its description's, then
    /// each message's (what this user may see; pending ones have no id yet).
    pub async fn attachments(&self, reference: &str) -> Result<Vec<Attachment>> {
        let view = self.ticket(reference).await?;
        let mut all = view.ticket.attachments;
        for m in view.messages {
            all.extend(m.attachments);
        }
        Ok(all)
    }

    /// Downloads one file of a ticket to `out` (a folder: the file keeps its name in it;
    /// default the current folder), checking its bytes against its SHA-256, and answers
    /// where it went. `which` is the file's number in [`Engine::attachments`] (from 1),
    /// its id, or its name. Never overwrites an existing file.
    pub async fn download_attachment(
        &self,
        reference: &str,
        which: &str,
        out: Option<&Path>,
    ) -> Result<PathBuf> {
        let files = self.attachments(reference).await?;
        let found = which
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| files.get(i))
            .or_else(|| files.iter().find(|a| a.id.to_string() == which))
            .or_else(|| files.iter().find(|a| a.name == which))
            .ok_or_else(|| EngineError::NotFound(format!("attachment {which}")))?
            .clone();
        if found.id.is_nil() {
            return Err(EngineError::Invalid(format!(
                "{} is not on the server yet (its change is queued)",
                found.name
            )));
        }
        let name = FileName::parse(&found.name)?;
        let target = match out {
            Some(p) if p.is_dir() => p.join(name.as_str()),
            Some(p) => p.to_path_buf(),
            None => PathBuf::from(name.as_str()),
        };
        if target.exists() {
            return Err(EngineError::Invalid(format!(
                "{} already exists",
                target.display()
            )));
        }
        let s = self.session()?;
        download_verified(&s.api, found.id, &found.sha256, &found.name, &target).await?;
        Ok(target)
    }
}

/// Downloads attachment `id` to `target` through a temporary file beside it: written,
/// fsynced, checked against `sha256`, then renamed into place. On any failure nothing is
/// left behind; `name` names the file in the error.
pub(crate) async fn download_verified(
    api: &ApiClient,
    id: Uuid,
    sha256: &str,
    name: &str,
    target: &Path,
) -> Result<()> {
    let mut resp = api.download_attachment(id).await?;
    let temp = target.with_file_name(format!(".{}.part", Uuid::now_v7().simple()));
    let mut file = std::fs::File::create(&temp)?;
    let mut hasher = Sha256::new();
    let written = async {
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| EngineError::Offline(e.to_string()))?
        {
            hasher.update(&chunk);
            file.write_all(&chunk)?;
        }
        file.sync_all()?;
        Ok::<_, EngineError>(())
    }
    .await;
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    if hex::encode(hasher.finalize()) != sha256 {
        let _ = std::fs::remove_file(&temp);
        return Err(EngineError::Incompatible(format!(
            "{name} arrived damaged (its SHA-256 does not match)"
        )));
    }
    std::fs::rename(&temp, target)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_named_by_its_hash_and_kept_once() {
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("app.log");
        std::fs::write(&original, b"hello world").unwrap();
        let account = dir.path().join("account");
        let a = copy_in(&account, &original).unwrap();
        assert_eq!(
            a.sha256.as_str(),
            "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        assert_eq!((a.size, a.name.as_str()), (11, "app.log"));
        assert_eq!(
            a.path,
            "files/b9/4d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
        );
        // Deleting the original changes nothing; attaching it again keeps one copy.
        let again = dir.path().join("copy.log");
        std::fs::rename(&original, &again).unwrap();
        let b = copy_in(&account, &again).unwrap();
        assert_eq!(b.path, a.path);
        std::fs::remove_file(&again).unwrap();
        assert_eq!(
            std::fs::read(account.join(&a.path)).unwrap(),
            b"hello world"
        );
        let left: Vec<_> = std::fs::read_dir(account.join("files"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(left, ["b9"], "no temporary file left behind");
        assert!(
            copy_in(&account, dir.path()).is_err(),
            "a folder is not a file"
        );
    }
}
