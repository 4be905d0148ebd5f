//! Files staged in a composer (the new-ticket form, a reply, an internal note) before
//! the message is sent: each is copied into the account's folder the moment it is
//! added (`staged/<id>/<name>`), so moving or deleting the original, or the app
//! stopping, changes nothing about what will be sent. Sending the message hands the
//! staged copies to the engine's usual queueing ([`crate::files`]: copied in by
//! hash, uploaded before the message), then removes them; removing a file from the
//! composer removes its copy. A composer does not outlive the app, so what is left
//! staged from an earlier run is removed when the account is opened ([`clear`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tadhkira_proto::{is_forbidden_char, FileName, Visibility};
use uuid::Uuid;

use crate::engine::Engine;
use crate::error::{EngineError, Result};
use crate::model::NewTicketInput;

/// Most bytes of one staged file. The server's own limits (25 MiB per file, 100 MiB
/// per message by default, configurable) are checked when it is uploaded; this one
/// only keeps a pasted or dropped file's bytes within what the app holds in memory.
pub const MAX_STAGED_BYTES: usize = 100 * 1024 * 1024;

/// Side of the thumbnail of a staged image, in pixels.
const THUMBNAIL_SIDE: u32 = 96;

/// A file added to a composer and not yet sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct StagedFile {
    /// Names the staged copy (to remove it, or to send it).
    pub id: Uuid,
    /// The file's name as it will be sent (control characters removed).
    pub name: String,
    /// In bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: i64,
    /// A small PNG of an image as a `data:` URL (decoded and re-encoded here, see
    /// [`crate::preview`]); none for other files.
    pub thumbnail: Option<String>,
}

fn staged_root(account_dir: &Path) -> PathBuf {
    account_dir.join("staged")
}

/// Removes every staged copy of an account (nothing staged survives its composer).
pub(crate) fn clear(account_dir: &Path) {
    let _ = std::fs::remove_dir_all(staged_root(account_dir));
}

/// The name a file is staged under: its last path part, without the characters a
/// file name may not hold (control characters, bidi overrides), trimmed; `file` when
/// nothing is left.
pub fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = last
        .chars()
        .filter(|c| !is_forbidden_char(*c) && *c != '\n' && *c != '\t')
        .collect();
    let cleaned: String = cleaned.trim().chars().take(FileName::MAX_CHARS).collect();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "file".to_owned()
    } else {
        cleaned
    }
}

/// Writes `bytes` as a staged copy named `name`; blocking.
fn write_staged(account_dir: &Path, name: &str, bytes: &[u8]) -> Result<StagedFile> {
    if bytes.is_empty() {
        return Err(EngineError::Invalid(format!("{name} is empty")));
    }
    if bytes.len() > MAX_STAGED_BYTES {
        return Err(EngineError::Invalid(format!(
            "{name} is larger than {} MiB",
            MAX_STAGED_BYTES / (1024 * 1024)
        )));
    }
    let name = FileName::parse(clean_name(name))?;
    let id = Uuid::now_v7();
    let folder = staged_root(account_dir).join(id.simple().to_string());
    std::fs::create_dir_all(&folder)?;
    let target = folder.join(name.as_str());
    let written = (|| -> std::io::Result<()> {
        let temp = folder.join(".incoming");
        let mut out = std::fs::File::create(&temp)?;
        out.write_all(bytes)?;
        out.sync_all()?;
        std::fs::rename(&temp, &target)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&folder);
        return Err(e.into());
    }
    Ok(StagedFile {
        id,
        name: name.as_str().to_owned(),
        size: bytes.len() as i64,
        thumbnail: crate::preview::thumbnail_of_bytes(bytes, THUMBNAIL_SIDE),
    })
}

/// The staged copy `id`, or `not_found`.
fn staged_path(account_dir: &Path, id: Uuid) -> Result<PathBuf> {
    let folder = staged_root(account_dir).join(id.simple().to_string());
    let entries = std::fs::read_dir(&folder)
        .map_err(|_| EngineError::NotFound(format!("staged file {id}")))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if name != ".incoming" && entry.path().is_file() {
            return Ok(entry.path());
        }
    }
    Err(EngineError::NotFound(format!("staged file {id}")))
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| EngineError::Storage(e.to_string()))?
}

impl Engine {
    /// Stages the bytes of a file added to a composer (picked, dropped or pasted):
    /// copied into the account's folder at once. Answers its id, cleaned name, size
    /// and, for an image, a thumbnail.
    pub async fn stage_bytes(&self, name: &str, bytes: Vec<u8>) -> Result<StagedFile> {
        let dir = self.session()?.dir.clone();
        let name = name.to_owned();
        blocking(move || write_staged(&dir, &name, &bytes)).await
    }

    /// Stages a file on disk (a screenshot the OS captured): copied at once, like
    /// [`Engine::stage_bytes`].
    pub async fn stage_path(&self, path: &Path) -> Result<StagedFile> {
        let dir = self.session()?.dir.clone();
        let path = path.to_path_buf();
        blocking(move || {
            let len = std::fs::metadata(&path)
                .map_err(|e| EngineError::Invalid(format!("cannot read {}: {e}", path.display())))?
                .len();
            if len as usize > MAX_STAGED_BYTES {
                return Err(EngineError::Invalid(format!(
                    "{} is larger than {} MiB",
                    path.display(),
                    MAX_STAGED_BYTES / (1024 * 1024)
                )));
            }
            let bytes = std::fs::read(&path)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            write_staged(&dir, &name, &bytes)
        })
        .await
    }

    /// Removes a staged file (the user took it off the composer). Removing one that is
    /// already gone is not an error.
    pub async fn unstage(&self, id: Uuid) -> Result<()> {
        let folder = staged_root(&self.session()?.dir).join(id.simple().to_string());
        match std::fs::remove_dir_all(folder) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// The thumbnail of a staged image (`max_side` pixels), or none for another file.
    pub async fn staged_preview(&self, id: Uuid, max_side: u32) -> Result<Option<String>> {
        let path = staged_path(&self.session()?.dir, id)?;
        blocking(move || Ok(crate::preview::thumbnail_of_file(&path, max_side))).await
    }

    fn staged_paths(&self, ids: &[Uuid]) -> Result<Vec<PathBuf>> {
        let dir = self.session()?.dir.clone();
        ids.iter().map(|id| staged_path(&dir, *id)).collect()
    }

    async fn unstage_all(&self, ids: &[Uuid]) {
        for id in ids {
            if let Err(e) = self.unstage(*id).await {
                tracing::warn!(error = %e, "a sent file's staged copy stayed");
            }
        }
    }

    /// Files a ticket with the staged files `files` on its description (queued with it
    /// at once), then removes the staged copies. On an error nothing is queued and the
    /// files stay staged, so the user can correct the form and send again.
    pub async fn create_ticket_staged(
        &self,
        input: NewTicketInput,
        files: &[Uuid],
    ) -> Result<Uuid> {
        let paths = self.staged_paths(files)?;
        let id = self.create_ticket_with_files(input, &paths).await?;
        self.unstage_all(files).await;
        Ok(id)
    }

    /// Adds a reply or an internal note with the staged files `files` (queued with it),
    /// then removes the staged copies; on an error they stay staged.
    pub async fn add_message_staged(
        &self,
        ticket_id: Uuid,
        body: &str,
        visibility: Visibility,
        files: &[Uuid],
    ) -> Result<Uuid> {
        let paths = self.staged_paths(files)?;
        let id = self
            .add_message_with_files(ticket_id, body, visibility, &paths)
            .await?;
        self.unstage_all(files).await;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_last_part_without_control_characters() {
        assert_eq!(clean_name("C:\\Users\\me\\app.log"), "app.log");
        assert_eq!(clean_name("/tmp/a/b.png"), "b.png");
        assert_eq!(clean_name("evil\u{202E}gnp.exe"), "evilgnp.exe");
        assert_eq!(clean_name("a\u{0007}b\nc.txt"), "abc.txt");
        assert_eq!(clean_name("  تقرير الطابعة.log "), "تقرير الطابعة.log");
        assert_eq!(clean_name("\u{0001}"), "file");
        assert_eq!(clean_name(".."), "file");
    }

    #[test]
    fn a_staged_copy_stays_when_the_original_goes_and_goes_when_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let staged = write_staged(dir.path(), "report\u{0007}.log", b"line 1\n").unwrap();
        assert_eq!((staged.name.as_str(), staged.size), ("report.log", 7));
        assert_eq!(staged.thumbnail, None, "a log has no thumbnail");
        let path = staged_path(dir.path(), staged.id).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"line 1\n");
        assert!(path.ends_with("report.log"));
        assert!(write_staged(dir.path(), "empty.log", b"").is_err());
        clear(dir.path());
        assert!(matches!(
            staged_path(dir.path(), staged.id),
            Err(EngineError::NotFound(_))
        ));
    }
}
